//! The end of a contact (spec §3.7): its duration and outcome go to the trace and, when `updateActivityOnEnd`
//! is on and the flow created an activity, to that activity with `updateRecord`.
//!
//! Why `updateRecord` may run after the agent closed the session: it writes a Dataverse record, not the
//! session, so "no call on a closed session" does not concern it. It runs once per contact (the end is
//! observed once, monotonically) and is retried like any call without side effects, even after the contact
//! was released (same values each time, so a repeat is harmless).
//!
//! Only what this page saw is written: one page per agent writes (a following tab sees the same end), a
//! supervisor's page never writes the end of a contact it only monitored or barged into (its agent's page does), a
//! contact already over when the page loaded was recorded by the page before it (if any), one already
//! connected then, or transferred here from another agent, gets its end without a duration this page cannot
//! know, and one missed or rejected here is not over (Connect routes it to another agent).
//!
//! Which page writes is not always known at the end: a page still asking for the lock, or following a leader
//! that may have hung, holds its write ([`HeldEnds`]). It writes when it comes to lead because the leader went
//! silent or away, and drops the write once the leader answered well after the end (the leader lived through
//! the end and wrote it) or when the agent moved the lead here from a live leader.

use std::collections::VecDeque;

use serde_json::{Map, Value};

use crate::command::CifCall;
use crate::ids::ContactId;
use crate::time::Millis;

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
        if c.monitoring {
            self.trace(
                Some(id),
                "decision",
                "activity end: a supervisor's monitoring of another agent's contact, that agent's to write".into(),
            );
            return;
        }
        if c.missed_here && c.connected_at.is_none() {
            self.trace(
                Some(id),
                "decision",
                "activity end: missed or rejected here, Connect routes the contact on; not written".into(),
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
        if !c.already_there && !c.transferred_in {
            let minutes = (connected_ms.unwrap_or(0) + 30_000) / 60_000;
            data.insert("actualdurationminutes".into(), Value::from(minutes));
        }
        data.insert("actualend".into(), Value::String(ended.to_iso8601()));
        let call = CifCall::UpdateRecord {
            entity_name: entity.as_str().to_owned(),
            id: record.as_str().to_owned(),
            data,
        };
        if matches!(self.leadership.role(), Role::Following | Role::Seeking) {
            self.trace(
                Some(id),
                "decision",
                "activity end: held until it is known whether another Dynamics tab writes it".into(),
            );
            self.held_ends.hold(self.now, id.clone(), call);
            return;
        }
        self.send_cif(Some(id), Purpose::UpdateRecord, call, 0);
    }

    /// This page came to lead (or to pop alone): the ends it held are written here.
    pub(super) fn write_held_activity_ends(&mut self) {
        for held in self.held_ends.take_all() {
            let correlation_id = self.correlation_of(Some(&held.contact));
            let contact = self.contacts.contains_key(&held.contact).then_some(&held.contact);
            self.trace(
                Some(&held.contact),
                "decision",
                "activity end: held while another tab might write it; written here".into(),
            );
            self.send_cif_correlated(contact, correlation_id, Purpose::UpdateRecord, held.call, 0);
        }
    }

    /// The leader answered: the ends it lived through are its to write.
    pub(super) fn drop_activity_ends_the_leader_saw(&mut self) {
        let seen = self.held_ends.seen_by_leader(self.now);
        self.trace_dropped_ends(seen);
    }

    /// The lead was taken from a live leader (the agent's button): every end held here, it saw and wrote.
    pub(super) fn drop_held_activity_ends(&mut self) {
        let all = self.held_ends.take_all();
        self.trace_dropped_ends(all);
    }

    fn trace_dropped_ends(&mut self, dropped: impl IntoIterator<Item = HeldEnd>) {
        for held in dropped {
            self.trace(
                Some(&held.contact),
                "decision",
                "activity end: written by the tab that handles contacts".into(),
            );
        }
    }
}

/// How long after this page saw an end the leader must still be answering for the end to count as its own:
/// each page's CCP hears of the end on its own connection, a moment apart.
const LEADER_SAW_END_MS: u64 = 2_000;
/// Held ends kept at most (a follower drops them within seconds, or leads and writes them).
const MAX_HELD_ENDS: usize = 64;

/// An activity update this page holds while another page may be the one that writes it.
#[derive(Debug, Clone)]
pub(super) struct HeldEnd {
    seen_at: Millis,
    contact: ContactId,
    call: CifCall,
}

/// The activity updates held while this page does not lead, oldest first.
#[derive(Debug, Clone, Default)]
pub(super) struct HeldEnds(VecDeque<HeldEnd>);

impl HeldEnds {
    fn hold(&mut self, seen_at: Millis, contact: ContactId, call: CifCall) {
        if self.0.len() >= MAX_HELD_ENDS {
            self.0.pop_front();
        }
        self.0.push_back(HeldEnd { seen_at, contact, call });
    }

    fn take_all(&mut self) -> VecDeque<HeldEnd> {
        std::mem::take(&mut self.0)
    }

    /// Removes and returns the ends seen at least [`LEADER_SAW_END_MS`] before `now`.
    fn seen_by_leader(&mut self, now: Millis) -> Vec<HeldEnd> {
        let (seen, fresh): (Vec<HeldEnd>, Vec<HeldEnd>) = std::mem::take(&mut self.0)
            .into_iter()
            .partition(|h| now.since(h.seen_at) >= LEADER_SAW_END_MS);
        self.0 = fresh.into();
        seen
    }

    /// Entries held, for [`Bridge::debug_counts`].
    pub(super) fn len(&self) -> usize {
        self.0.len()
    }
}
