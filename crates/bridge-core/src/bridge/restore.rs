//! Reload: restoring what an earlier page instance persisted, and persisting what must survive a reload.

use std::mem;

use crate::command::{Command, Severity};
use crate::contact::{Contact, PopState, TabStatus};
use crate::ids::ContactId;
use crate::input::RestoredState;
use crate::persist::{Persisted, PersistedContact};

use super::{Bridge, CifState};

impl Bridge {
    // ---------------------------------------------------------------- reload

    pub(super) fn on_restore(&mut self, r: RestoredState) {
        let (persisted, problems) = Persisted::parse(&r.raw, self.config.handled_contact_memory);
        for p in problems {
            self.report(Severity::Warning, None, "persist.invalid", p, false);
        }
        self.trace(None, "input.restore", format!("{} contacts, {} handled ids", persisted.contacts.len(), persisted.handled.len()));
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
            let contact = self.contacts.entry(id.clone()).or_insert_with(|| Contact::new(id.clone(), self.now));
            if contact.state != PopState::AwaitingCif {
                continue;
            }
            if let (PopState::Popped { session_id, .. }, false) = (&state, pc.closed) {
                self.sessions.insert(session_id.clone(), Some(id.clone()));
                self.unverified_sessions.insert(session_id.clone());
            }
            self.put_state(&id, state);
            self.trace(Some(&id), "state", format!("restored as {}", self.contacts.get(&id).map_or("-", |c| c.state.name())));
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

    pub(super) fn snapshot_persisted(&self) -> Persisted {
        let mut p = Persisted::default();
        for c in self.contacts.values() {
            let entry = match &c.state {
                PopState::Notifying { token, .. } | PopState::RestoredRinging { token } => {
                    PersistedContact { token: Some(token.clone()), ..Default::default() }
                }
                PopState::Popped { session_id, tabs } => PersistedContact {
                    session_id: Some(session_id.clone()),
                    // Only tabs actually requested: a tab still deferred at a reload is not opened after it
                    // (a missing tab rather than a doubled one: the reloaded page cannot know what CIF did).
                    tabs: tabs.iter().filter(|(_, s)| **s != TabStatus::Deferred).map(|(k, _)| *k).collect(),
                    ..Default::default()
                },
                PopState::CreatingSession { .. } | PopState::SessionUnknown => {
                    PersistedContact { creating: true, ..Default::default() }
                }
                PopState::SessionClosed => PersistedContact { closed: true, ..Default::default() },
                PopState::Declined => PersistedContact { declined: true, ..Default::default() },
                _ => continue,
            };
            p.contacts.insert(c.id.clone(), entry);
        }
        p.handled = self.handled.iter().cloned().collect();
        p
    }

    pub(super) fn flush_persist(&mut self) {
        if !mem::take(&mut self.dirty) {
            return;
        }
        let text = self.snapshot_persisted().to_json();
        if self.last_persisted.as_deref() != Some(text.as_str()) {
            self.last_persisted = Some(text.clone());
            self.trace(None, "persist", format!("{} bytes", text.len()));
            self.commands.push_back(Command::Persist(text));
        }
    }
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
        pc.token.as_ref().map(|t| PopState::RestoredRinging { token: t.clone() })
    }
}
