//! The end of a contact (spec §3.7): its duration and outcome go to the trace and, when `updateActivityOnEnd`
//! is on and the flow created an activity, to that activity with `updateRecord`.
//!
//! Why `updateRecord` may run after the agent closed the session: it writes a Dataverse record, not the
//! session, so "no call on a closed session" does not concern it. It runs once per contact (the end is
//! observed once, monotonically) and is retried like any call without side effects, even after the contact
//! was released (same values each time, so a repeat is harmless).
//!
//! Only what this page saw is written: one page per agent writes (a following tab sees the same end), a
//! contact already over when the page loaded was recorded by the page before it (if any), and one already
//! connected then gets its end without a duration this page cannot know.

use serde_json::{Map, Value};

use crate::command::CifCall;
use crate::ids::ContactId;

use super::leadership::Role;
use super::{Bridge, Purpose};

impl Bridge {
    /// Called once, when a contact is first seen to be over.
    pub(super) fn on_contact_ended(&mut self, id: &ContactId) {
        let Some(c) = self.contacts.get(id).cloned() else {
            return;
        };
        let ended = c.ended_at.unwrap_or(self.now);
        let connected_ms = c.connected_at.map(|t| ended.since(t));
        let outcome = match (connected_ms, c.is_inbound()) {
            (Some(_), _) => "answered",
            (None, true) => "missed or abandoned",
            (None, false) => "not connected",
        };
        let detail = match connected_ms {
            Some(ms) => format!("outcome={outcome} duration={} s connected; session stays", ms / 1000),
            None => format!("outcome={outcome} duration=0 s; session stays"),
        };
        self.trace(Some(id), "contact.ended", detail);
        if !self.config.update_activity_on_end || c.slugs.create_timeline != Some(true) {
            return;
        }
        if self.leadership.role() == Role::Following {
            self.trace(
                Some(id),
                "decision",
                "activity end: written by the tab that handles contacts".into(),
            );
            return;
        }
        if c.already_there && c.connected_at.is_none() {
            self.trace(
                Some(id),
                "decision",
                "activity end: over before this page loaded, not written".into(),
            );
            return;
        }
        // The same entity its tab opened under: named by the flow, or a call's phonecall.
        let (Some(record), Some(entity)) = (c.slugs.activity_record_id(), c.activity_entity()) else {
            self.trace(
                Some(id),
                "decision",
                "no activity to update (activity id or entity name missing or invalid)".into(),
            );
            return;
        };
        let mut data = Map::new();
        if !c.already_there {
            let minutes = (connected_ms.unwrap_or(0) + 30_000) / 60_000;
            data.insert("actualdurationminutes".into(), Value::from(minutes));
        }
        data.insert("actualend".into(), Value::String(ended.to_iso8601()));
        let call = CifCall::UpdateRecord {
            entity_name: entity.as_str().to_owned(),
            id: record.as_str().to_owned(),
            data,
        };
        self.send_cif(Some(id), Purpose::UpdateRecord, call, 0);
    }
}
