//! Reload: restoring what an earlier page instance persisted, and persisting what must survive a reload.
//!
//! What is stored is a cache, not the truth: a reloaded page (or one whose storage does not work) asks Dynamics
//! which sessions carry which contact before it pops anything (see `reconcile.rs`).

use std::mem;

use crate::command::{Command, PersistSlot, Severity, HANDLED_SLOTS};
use crate::contact::{Contact, PopState, TabStatus};
use crate::ids::ContactId;
use crate::input::RestoredState;
use crate::persist::{self, Persisted, PersistedContact};
use crate::startup::CifState;

use super::{Bridge, TimerKey};

impl Bridge {
    pub(super) fn on_restore(&mut self, r: RestoredState) {
        let reloaded = !r.is_empty();
        let (persisted, problems) = Persisted::parse(
            r.contacts.as_deref(),
            r.handled.iter().flatten().map(String::as_str),
            crate::config::MAX_HANDLED_CONTACT_MEMORY,
        );
        for p in problems {
            self.report(Severity::Warning, None, "persist.invalid", p, false);
        }
        self.trace(
            None,
            "input.restore",
            format!(
                "{} contacts, {} handled ids",
                persisted.contacts.len(),
                persisted.handled.len()
            ),
        );
        self.leadership.restored_from = persisted.page;
        for sid in persisted.other_sessions {
            // Counted at once, never taken for a contact in doubt, and asked about like the contacts' sessions:
            // the handled chunk that remembered its contact may not have been written, and Dynamics names it.
            self.sessions.get_or_insert_with(sid.clone(), || None);
            self.unverified_sessions.insert(sid.clone());
            self.released_sessions.insert(sid);
        }
        // Storage is read before Custom Parameters arrive, and they may set a larger memory than the page's own
        // configuration: the stored ids beyond it are set aside until then ([`Bridge::set_config`]).
        for (seq, id) in persisted.handled {
            if !self.contacts.contains_key(&id) {
                self.handled.restore(seq, id);
            }
        }
        if persisted.contacts.values().any(|pc| pc.creating || pc.opening) {
            self.hold_turn_for_requests_of_the_page_before("the page before left a session or tab request unanswered");
        }
        for (id, pc) in persisted.contacts {
            if self.handled.contains(&id) {
                continue;
            }
            let Some(state) = self.restored_state(&pc) else {
                continue;
            };
            let nonce = self.page_nonce.clone();
            let contact = self
                .contacts
                .get_or_insert_with(id.clone(), || Contact::new(id.clone(), self.now, &nonce));
            if contact.state != PopState::AwaitingCif {
                continue;
            }
            if let (PopState::Popped { session_id, .. }, false) = (&state, pc.closed) {
                self.sessions.insert(session_id.clone(), Some(id.clone()));
                self.unverified_sessions.insert(session_id.clone());
            }
            let name = state.name();
            let popped = matches!(state, PopState::Popped { .. });
            let answered = !matches!(state, PopState::RestoredRinging { .. } | PopState::Declined);
            if let Some(c) = self.contacts.get_mut(&id) {
                if popped {
                    c.unplaced_tabs = pc.unplaced.clone();
                }
                c.state = state;
                c.tabs_unplanned = popped;
                c.answered_before_reload = answered;
                c.ended_before_reload = !pc.live;
            }
            self.trace(Some(&id), "state", format!("restored as {name}"));
        }
        if reloaded {
            // The contacts restored above included: a toast accepted before the reload may have its session.
            self.hold_known_contacts_for_dynamics();
        }
        self.dirty = true;
        if self.handles_contacts() {
            self.after_ready_or_restore();
        }
    }

    /// The page's web storage throws or refused a write: nothing it holds can be trusted after a reload, so
    /// the first reconciliation gates pops, and Dynamics' record of each popped session's tabs is written again
    /// (a restored session's included, before `getSession` confirms it).
    pub(super) fn on_storage_unavailable(&mut self, reason: &str) {
        if !self.storage_ok {
            return;
        }
        self.storage_ok = false;
        self.recon.wait_first = true;
        if self.cif == CifState::NotReady && self.contacts.is_empty() {
            self.hold_turn_for_requests_of_the_page_before("this page load cannot read what a page before it left");
        }
        self.report(
            Severity::Warning,
            None,
            "storage.unavailable",
            format!(
                "web storage is not available in this frame ({}): Dynamics is asked which sessions exist after a reload",
                crate::text::excerpt(reason)
            ),
            false,
        );
        // Contacts popped before storage failed: their tabs go into their sessions' context now (a restored
        // session's `1`s were held back while storage worked).
        let popped: Vec<ContactId> = self
            .contacts
            .values()
            .filter(|c| matches!(c.state, PopState::Popped { .. }))
            .map(|c| c.id.clone())
            .collect();
        for id in popped {
            self.record_tabs_in_dynamics(&id);
        }
        // What this page knows is still right; asking Dynamics now settles anything a failed write left open.
        if self.handles_contacts() {
            self.start_reconcile();
        }
    }

    /// CIF became ready, or a restore arrived after it: reconcile first where the page cannot know, and give
    /// restored contacts a bound within which Streams must deliver them again.
    pub(super) fn after_ready_or_restore(&mut self) {
        if self.recon.wait_first && !self.recon.first_done
            || !self.unverified_sessions.is_empty()
            || self.awaiting_dynamics()
        {
            self.start_reconcile();
        } else {
            self.recon.first_done = true;
        }
        if self.contacts.values().any(|c| !c.seen) {
            self.restart_restore_grace();
        }
        let ids: Vec<ContactId> = self.contacts.keys().cloned().collect();
        for id in ids {
            self.drive(&id);
        }
    }

    /// Contacts Streams has not delivered (again) since a reload or a CCP restart get `restoredContactGraceMs`
    /// from now before they are released; those Connect's list left out, none ([`Bridge::on_connect_listed`]).
    pub(super) fn restart_restore_grace(&mut self) {
        self.timers.insert(
            self.now.plus(self.config.restored_contact_grace_ms),
            TimerKey::RestoreGrace,
        );
        self.release_unlisted();
    }

    /// What Connect lists for the agent now. Remembered until the grace for undelivered contacts is armed (once
    /// Dynamics is connected, on the page that pops or finishes its own pops), then used once; forgotten when that
    /// grace runs out or the CCP restarts (the new one lists again).
    pub(super) fn on_connect_listed(&mut self, contact_ids: Vec<String>) {
        self.trace(
            None,
            "input.streams",
            format!("Connect lists {} contacts", contact_ids.len()),
        );
        self.connect_listed = Some(contact_ids.iter().filter_map(|id| ContactId::parse(id)).collect());
        if self.timers.contains(TimerKey::RestoreGrace) {
            self.release_unlisted();
        }
    }

    /// Releases the contacts restored from before a reload that Streams has not delivered and Connect's list
    /// leaves out: they ended meanwhile.
    fn release_unlisted(&mut self) {
        let Some(listed) = self.connect_listed.take() else {
            return;
        };
        self.release_undelivered_where(
            |id| !listed.contains(id),
            "restored but not among the contacts Connect lists: released",
        );
    }

    /// Restored contacts Streams did not deliver again within `restoredContactGraceMs` ended meanwhile: release
    /// them (their ids are remembered, their sessions stay counted while Dynamics lists them).
    pub(super) fn release_undelivered(&mut self) {
        // Whatever Connect listed before has served: a later grace waits for a list of its own.
        self.connect_listed = None;
        self.release_undelivered_where(|_| true, "restored but not delivered again by Streams: released");
    }

    /// Releases the contacts Streams has not delivered since the reload (or CCP restart) that `gone` picks.
    fn release_undelivered_where(&mut self, gone: impl Fn(&ContactId) -> bool, why: &str) {
        let gone: Vec<ContactId> = self
            .contacts
            .values()
            .filter(|c| !c.seen && gone(&c.id))
            .map(|c| c.id.clone())
            .collect();
        for id in gone {
            self.trace(Some(&id), "decision", why.to_owned());
            self.release(&id);
        }
    }

    /// Open sessions of released contacts still counted. Only those: any other session owned by nobody (a late
    /// `createSession` answer, one Dynamics has not named yet) may still be a live contact's own.
    fn settled_other_sessions(&self) -> Vec<&str> {
        self.sessions
            .iter()
            .filter(|(sid, owner)| owner.is_none() && self.released_sessions.contains(*sid))
            .map(|(sid, _)| sid.as_str())
            .take(persist::MAX_OTHER_SESSIONS)
            .collect()
    }

    /// Emits [`Command::Persist`] for each slot whose text changed, proportional to what changed: the contacts
    /// slot (a few live contacts) is re-rendered only when `dirty` says a contact's persisted fields may have
    /// changed, and of the handled ids (up to `handledContactMemory`) only the chunks that changed.
    pub(super) fn flush_persist(&mut self) {
        if !self.storage_ok {
            return;
        }
        let dirty = mem::take(&mut self.dirty);
        if dirty {
            let entries: Vec<(&ContactId, PersistedContact)> = self
                .contacts
                .values()
                .filter_map(|c| persisted_entry(c).map(|e| (&c.id, e)))
                .collect();
            let borrowed: Vec<(&ContactId, &PersistedContact)> = entries.iter().map(|(id, e)| (*id, e)).collect();
            let others = self.settled_other_sessions();
            let text = persist::contacts_text(&borrowed, &others, &self.page_nonce);
            if self.persisted.contacts != text {
                self.persisted.contacts.clone_from(&text);
                self.trace(None, "persist", format!("contacts: {} bytes", text.len()));
                // A `createSession` queued by this input must not leave before the text saying it is in flight
                // is stored: a reload between the two would otherwise leave only Dynamics knowing. So the
                // contacts slot goes before it.
                let protects = self.commands.iter().position(|c| {
                    matches!(
                        c,
                        Command::Cif {
                            call: crate::command::CifCall::CreateSession { .. },
                            ..
                        }
                    )
                });
                let command = Command::Persist {
                    slot: PersistSlot::Contacts,
                    text,
                };
                match protects {
                    Some(at) => self.commands.insert(at, command),
                    None => self.commands.push_back(command),
                }
            }
        }
        let chunks: Vec<(u64, String)> = self
            .handled
            .take_changed_chunks()
            .into_iter()
            .map(|(chunk, first, ids)| (chunk, persist::handled_text(first, ids.into_iter())))
            .collect();
        for (chunk, text) in chunks {
            let slot = (chunk % HANDLED_SLOTS as u64) as u8;
            self.trace(
                None,
                "persist",
                format!("handled chunk {chunk} (slot {slot}): {} bytes", text.len()),
            );
            self.commands.push_back(Command::Persist {
                slot: PersistSlot::Handled(slot),
                text,
            });
        }
    }

    /// The state a persisted contact resumes in.
    fn restored_state(&mut self, pc: &PersistedContact) -> Option<PopState> {
        if pc.closed {
            Some(PopState::SessionClosed)
        } else if let Some(session_id) = &pc.session_id {
            // An unplaced tab is looked for in the session at its next focus (deferred until then).
            let unplaced = pc.unplaced.keys().map(|k| (*k, TabStatus::Deferred));
            let requested = pc.tabs.iter().map(|k| (*k, TabStatus::Done));
            Some(PopState::Popped {
                session_id: session_id.clone(),
                // A kind stored as both (text no page of this bridge writes) is looked for: a doubt settles either way.
                tabs: requested.chain(unplaced).collect(),
            })
        } else if pc.creating {
            Some(self.session_unknown())
        } else if pc.declined {
            Some(PopState::Declined)
        } else if pc.elsewhere {
            Some(PopState::HandledElsewhere)
        } else {
            pc.token
                .as_ref()
                .map(|t| PopState::RestoredRinging { token: t.clone() })
        }
    }

    /// The page before had a `createSession` or a tab request unanswered when it went (or may have had: this
    /// load cannot read its storage): Dynamics may still carry it out, moving the focus or opening a tab in
    /// whichever session is focused then. Such a request held the pop turn for `popTurnMs` on that page, so this
    /// one holds it as long from its start: another contact's `createSession` meanwhile could take that tab
    /// (§3.15: the turn stays bounded).
    fn hold_turn_for_requests_of_the_page_before(&mut self, why: &str) {
        self.turn_held_for_page_before = true;
        self.timers
            .insert(self.now.plus(self.config.pop_turn_ms), TimerKey::PageBeforeTurnRelease);
        self.trace(None, "decision", format!("{why}: the pop turn is held for popTurnMs"));
    }

    /// The hold of [`Bridge::hold_turn_for_requests_of_the_page_before`] is over.
    pub(super) fn release_turn_of_the_page_before(&mut self) {
        self.turn_held_for_page_before = false;
    }

    /// A [`PopState::SessionUnknown`] with its orphan deadline armed.
    pub(super) fn session_unknown(&mut self) -> PopState {
        let watch = self.next_request_id();
        self.timers
            .insert(self.now.plus(self.config.session_orphan_ms), TimerKey::Orphan(watch));
        PopState::SessionUnknown { watch }
    }
}

/// The contacts slot as last persisted, so it is written again only when its text changed.
#[derive(Debug, Default)]
pub(super) struct PersistCache {
    /// The contacts slot last emitted (empty before the first).
    contacts: String,
}

/// What a contact leaves for a reloaded page, if anything: what its state says, and whether it was not seen to end.
fn persisted_entry(c: &Contact) -> Option<PersistedContact> {
    let mut entry = persisted_state(&c.state)?;
    entry.live = c.ended_at.is_none();
    if entry.session_id.is_some() {
        // Its check is a `getTabs`, not a request Dynamics may still carry out: neither a tab requested nor one
        // that holds the turn after a reload.
        entry.unplaced = c.unplaced_tabs.clone();
        entry.tabs.retain(|k| !entry.unplaced.contains_key(k));
        if let PopState::Popped { tabs, .. } = &c.state {
            entry.opening = tabs
                .iter()
                .any(|(k, s)| matches!(s, TabStatus::Pending(_)) && !entry.unplaced.contains_key(k));
        }
    }
    Some(entry)
}

/// What a contact in `state` leaves for a reloaded page, if anything.
fn persisted_state(state: &PopState) -> Option<PersistedContact> {
    Some(match state {
        PopState::Notifying { token, .. } | PopState::RestoredRinging { token } => PersistedContact {
            token: Some(token.clone()),
            ..Default::default()
        },
        PopState::Popped { session_id, tabs } => PersistedContact {
            session_id: Some(session_id.clone()),
            // Only tabs actually requested: a tab still deferred at a reload opens after it.
            tabs: tabs
                .iter()
                .filter(|(_, s)| **s != TabStatus::Deferred)
                .map(|(k, _)| *k)
                .collect(),
            opening: tabs.values().any(|s| matches!(s, TabStatus::Pending(_))),
            ..Default::default()
        },
        PopState::CreatingSession { .. } | PopState::SessionUnknown { .. } => PersistedContact {
            creating: true,
            ..Default::default()
        },
        PopState::SessionClosed => PersistedContact {
            closed: true,
            ..Default::default()
        },
        PopState::Declined => PersistedContact {
            declined: true,
            ..Default::default()
        },
        PopState::HandledElsewhere => PersistedContact {
            elsewhere: true,
            ..Default::default()
        },
        _ => return None,
    })
}
