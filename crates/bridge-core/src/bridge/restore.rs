//! Reload: restoring what an earlier page instance persisted, and persisting what must survive a reload.

use std::mem;

use crate::command::{Command, Severity};
use crate::contact::{Contact, PopState, TabStatus};
use crate::ids::ContactId;
use crate::input::RestoredState;
use crate::persist::{self, Persisted, PersistedContact};

use super::{Bridge, CifState};

impl Bridge {
    // ---------------------------------------------------------------- reload

    pub(super) fn on_restore(&mut self, r: RestoredState) {
        let (persisted, problems) = Persisted::parse(&r.raw, self.config.handled_contact_memory);
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
        for id in persisted.handled {
            if !self.contacts.contains_key(&id) {
                self.handled.insert(id);
            }
        }
        for (id, pc) in persisted.contacts {
            if self.handled.contains(&id) {
                continue;
            }
            let state = restored_state(&pc);
            let Some(state) = state else { continue };
            let contact = self
                .contacts
                .get_or_insert_with(id.clone(), || Contact::new(id.clone(), self.now));
            if contact.state != PopState::AwaitingCif {
                continue;
            }
            if let (PopState::Popped { session_id, .. }, false) = (&state, pc.closed) {
                self.sessions.insert(session_id.clone(), Some(id.clone()));
                self.unverified_sessions.insert(session_id.clone());
            }
            self.put_state(&id, state);
            self.trace(
                Some(&id),
                "state",
                format!("restored as {}", self.contacts.get(&id).map_or("-", |c| c.state.name())),
            );
        }
        self.dirty = true;
        if self.cif == CifState::Ready {
            if !self.unverified_sessions.is_empty() {
                self.start_reconcile();
            }
            let ids: Vec<ContactId> = self.contacts.keys().cloned().collect();
            for id in ids {
                self.drive(&id);
            }
        }
    }

    /// Emits [`Command::Persist`] when what must survive a reload changed. Proportional to what changed: the
    /// contacts part (a few live contacts) is re-rendered only when `dirty` says a contact's persisted fields
    /// may have changed, and the handled-ids part (up to `handledContactMemory` ids) only when that set changed.
    pub(super) fn flush_persist(&mut self) {
        let handled_gen = self.handled.generation();
        let handled_changed = self.persisted.handled_gen != handled_gen;
        let dirty = mem::take(&mut self.dirty);
        if !dirty && !handled_changed {
            return;
        }
        let mut changed = !self.persisted.emitted;
        if dirty {
            changed |= self.contacts_part_changed();
        }
        if handled_changed {
            self.persisted.handled_gen = handled_gen;
            let mut text = String::with_capacity(self.persisted.handled_json.len() + 64);
            persist::write_handled(&mut text, self.handled.iter());
            if text != self.persisted.handled_json {
                self.persisted.handled_json = text;
                changed = true;
            }
        }
        if !changed {
            return;
        }
        self.persisted.emitted = true;
        let text = persist::assemble(&self.persisted.contacts_json, &self.persisted.handled_json);
        self.trace(None, "persist", format!("{} bytes", text.len()));
        // A `createSession` queued by this input must not leave before the text saying it is in flight is
        // stored: a reload between the two would otherwise send a second one. So Persist goes before it.
        let protects = self.commands.iter().position(|c| {
            matches!(
                c,
                Command::Cif {
                    call: crate::command::CifCall::CreateSession { .. },
                    ..
                }
            )
        });
        match protects {
            Some(at) => self.commands.insert(at, Command::Persist(text)),
            None => self.commands.push_back(Command::Persist(text)),
        }
    }

    /// Re-renders the contacts part into the cache; whether it differs from the last one persisted.
    fn contacts_part_changed(&mut self) -> bool {
        let mut text = String::with_capacity(self.persisted.contacts_json.len() + 16);
        let entries: Vec<(&ContactId, PersistedContact)> = self
            .contacts
            .values()
            .filter_map(|c| persisted_entry(&c.state).map(|e| (&c.id, e)))
            .collect();
        persist::write_contacts(&mut text, entries.iter().map(|(id, e)| (*id, e)));
        if text == self.persisted.contacts_json {
            return false;
        }
        self.persisted.contacts_json = text;
        true
    }
}

/// The last persisted text, in its two parts, so neither is rendered again unless its inputs changed.
#[derive(Debug)]
pub(super) struct PersistCache {
    /// The `contacts` object last rendered.
    contacts_json: String,
    /// The `handled` array last rendered.
    handled_json: String,
    /// [`crate::handled::HandledIds::generation`] when `handled_json` was rendered.
    handled_gen: u64,
    /// Whether anything was persisted yet (the first flush always persists, replacing an older page's text).
    emitted: bool,
}

impl Default for PersistCache {
    fn default() -> Self {
        PersistCache {
            contacts_json: "{}".to_owned(),
            handled_json: "[]".to_owned(),
            handled_gen: 0,
            emitted: false,
        }
    }
}

/// What a contact in `state` leaves for a reloaded page, if anything.
fn persisted_entry(state: &PopState) -> Option<PersistedContact> {
    Some(match state {
        PopState::Notifying { token, .. } | PopState::RestoredRinging { token } => PersistedContact {
            token: Some(token.clone()),
            ..Default::default()
        },
        PopState::Popped { session_id, tabs } => PersistedContact {
            session_id: Some(session_id.clone()),
            // Only tabs actually requested: a tab still deferred at a reload is not opened after it
            // (a missing tab rather than a doubled one: the reloaded page cannot know what CIF did).
            tabs: tabs
                .iter()
                .filter(|(_, s)| **s != TabStatus::Deferred)
                .map(|(k, _)| *k)
                .collect(),
            ..Default::default()
        },
        PopState::CreatingSession { .. } | PopState::SessionUnknown => PersistedContact {
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
        _ => return None,
    })
}

/// The state a persisted contact resumes in.
fn restored_state(pc: &PersistedContact) -> Option<PopState> {
    if pc.closed {
        Some(PopState::SessionClosed)
    } else if let Some(session_id) = &pc.session_id {
        Some(PopState::Popped {
            session_id: session_id.clone(),
            tabs: pc.tabs.iter().map(|k| (*k, TabStatus::Done)).collect(),
        })
    } else if pc.creating {
        Some(PopState::SessionUnknown)
    } else if pc.declined {
        Some(PopState::Declined)
    } else {
        pc.token
            .as_ref()
            .map(|t| PopState::RestoredRinging { token: t.clone() })
    }
}
