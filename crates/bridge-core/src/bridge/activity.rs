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
//! contact already over when the page loaded was recorded by the page before it (if any) when that page saw it end
//! (storage says so; a reload mid-call may itself end the call), one already
//! connected then, or transferred here from another agent, gets its end without a duration this page cannot
//! know, and one missed or rejected here is not over (Connect routes it to another agent).
//!
//! Which page writes is not always known at the end. A page writes only while it is sure to lead (or is alone);
//! otherwise it holds its write ([`HeldEnds`]): a follower, a page still asking for the lock, a leader that took
//! the lead by the agent's button and waits for the old leader's hand-over, and a page that has just woken from a
//! freeze (not even its own timer ran for a while, with other pages about: another page may have taken the lead
//! meanwhile, and the lock's word of it may still be queued behind the contact's end). The page that writes says
//! so to the others ([`PeerMessage::EndSettled`], also when it found the end was not to be written), and they drop
//! their copy, or never write it if the word comes before their own CCP saw the end. A page that comes to lead
//! writes what it still holds: nobody said it was written. A page woken from a freeze writes what it held once it
//! still leads a moment later; if it lost the lead instead, the page that took it writes, and only when no word of
//! that comes does the old leader write what it held.

use std::collections::VecDeque;

use serde_json::{Map, Value};

use crate::command::CifCall;
use crate::contact::Contact;
use crate::ids::ContactId;
use crate::leadership::PeerMessage;

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
        if self.held_ends.take_settled(id) {
            self.trace(
                Some(id),
                "decision",
                "activity end: already written by another Dynamics tab".into(),
            );
            return;
        }
        let call = match activity_end_call(&c, ended, connected_ms) {
            Ok(call) => call,
            Err(why) => {
                self.trace(Some(id), "decision", why.into());
                if self.leadership.writes_ends() {
                    self.announce_ends_settled(vec![id.clone()]);
                }
                return;
            }
        };
        // Met already over by a reloaded page whose page before did not see the end: if another live tab leads, it
        // saw the end itself and wrote it, and its word of it went out before this page loaded. (A lock nobody
        // answers for may be this page's own before the reload: then the end is held, and written on taking over.)
        let met_over_after_reload = c.already_there && c.connected_at.is_none();
        if met_over_after_reload && self.leadership.follows_live_leader() {
            self.trace(
                Some(id),
                "decision",
                "activity end: over before this page loaded while another Dynamics tab leads, which wrote it".into(),
            );
            return;
        }
        if !self.leadership.writes_ends() {
            self.trace(
                Some(id),
                "decision",
                "activity end: held until it is known whether another Dynamics tab writes it".into(),
            );
            let own = self.leadership.role() == Role::Leading;
            self.held_ends.hold(id.clone(), call, own, met_over_after_reload);
            return;
        }
        self.send_cif(Some(id), Purpose::UpdateRecord, call, 0);
        self.announce_ends_settled(vec![id.clone()]);
    }

    /// This page came to lead (or to pop alone), or is sure again that it leads: the ends it held are written
    /// here, since nobody said they were.
    pub(super) fn write_held_activity_ends(&mut self) {
        let held = self.held_ends.take_all();
        self.write_held(
            held,
            "activity end: held while another tab might write it; written here",
        );
    }

    /// Another live tab says it leads: the ends this page held for contacts already over when it loaded are that
    /// tab's, which saw them end and wrote them (its word of it went out before this page loaded, so it is never
    /// heard here; holding them would write them twice once this page leads).
    pub(super) fn drop_ends_met_over_at_load(&mut self) {
        for contact in self.held_ends.take_met_over() {
            self.trace(
                Some(&contact),
                "decision",
                "activity end: over before this page loaded while another Dynamics tab leads, which wrote it".into(),
            );
        }
    }

    /// Ends this page held when it lost the lead: no other page said it wrote them in the time the new leader has
    /// to, so they are written here.
    pub(super) fn write_own_held_activity_ends(&mut self) {
        let own = self.held_ends.take_own();
        self.write_held(
            own,
            "activity end: held when the lead left this tab, and the tab that took it did not write it; written here",
        );
    }

    fn write_held(&mut self, held: Vec<HeldEnd>, why: &str) {
        let mut written = Vec::new();
        for held in held {
            let correlation_id = self.correlation_of(Some(&held.contact));
            let contact = self.contacts.contains_key(&held.contact).then_some(&held.contact);
            self.trace(Some(&held.contact), "decision", why.to_owned());
            let request = self.send_cif_correlated(contact, correlation_id, Purpose::UpdateRecord, held.call, 0);
            if let Some(p) = self.pending.get_mut(&request).filter(|p| p.contact.is_none()) {
                p.released = Some(held.contact.clone());
            }
            written.push(held.contact);
        }
        if !written.is_empty() {
            self.announce_ends_settled(written);
        }
    }

    /// Tells the agent's other pages that these ends are written (or not to be written), when there are pages to
    /// tell: a page alone has no channel.
    fn announce_ends_settled(&mut self, contacts: Vec<ContactId>) {
        if !self.leadership.coordinates() {
            return;
        }
        self.post(&PeerMessage::EndSettled {
            from: self.page_nonce.clone(),
            contacts: contacts.iter().map(|c| c.as_str().to_owned()).collect(),
        });
    }

    /// Another page wrote these ends (or found them not to be written): the copies held here are dropped, and an
    /// end this page has not seen yet is not written when it comes.
    pub(super) fn on_ends_settled(&mut self, contacts: &[String]) {
        for raw in contacts.iter().take(MAX_HELD_ENDS) {
            let Some(id) = ContactId::parse(raw) else { continue };
            if self.held_ends.drop_contact(&id) {
                self.trace(
                    Some(&id),
                    "decision",
                    "activity end: written by the tab that handles contacts".into(),
                );
                continue;
            }
            let ended_here = self.contacts.get(&id).is_some_and(|c| c.ended_at.is_some());
            if !ended_here && !self.handled.contains(&id) {
                self.held_ends.remember_settled(id);
            }
        }
    }
}

/// The activity update for a contact's end, or why there is none (spec §3.7).
fn activity_end_call(
    c: &Contact,
    ended: crate::time::Millis,
    connected_ms: Option<u64>,
) -> Result<CifCall, &'static str> {
    if c.monitoring {
        return Err("activity end: a supervisor's monitoring of another agent's contact, that agent's to write");
    }
    if c.missed_here && c.connected_at.is_none() {
        return Err("activity end: missed or rejected here, Connect routes the contact on; not written");
    }
    // Over before this page loaded: the page before wrote the end if it saw it. One that had it answered but did
    // not see it end (the reload itself may have ended the call, the softphone's media living in the page) wrote
    // nothing, so this page writes it.
    if c.already_there && c.connected_at.is_none() && (c.ended_before_reload || !c.answered_before_reload) {
        return Err("activity end: over before this page loaded, written by the page that saw it end");
    }
    // The same entity its tab opened under: named by the flow, or a call's phonecall.
    let (Some(record), Some(entity)) = (c.slugs.activity_record_id(), c.activity_entity()) else {
        return Err("no activity to update (activity id or entity name missing or invalid)");
    };
    let mut data = Map::new();
    if !c.already_there && !c.transferred_in {
        let minutes = (connected_ms.unwrap_or(0) + 30_000) / 60_000;
        data.insert("actualdurationminutes".into(), Value::from(minutes));
    }
    data.insert("actualend".into(), Value::String(ended.to_iso8601()));
    Ok(CifCall::UpdateRecord {
        entity_name: entity.as_str().to_owned(),
        id: record.as_str().to_owned(),
        data,
    })
}

/// Held ends kept at most, and ends written elsewhere remembered at most (a follower drops a held end within
/// moments, or leads and writes it).
const MAX_HELD_ENDS: usize = 64;

/// An activity update this page holds while another page may be the one that writes it.
#[derive(Debug, Clone)]
pub(super) struct HeldEnd {
    contact: ContactId,
    call: CifCall,
    /// Seen while this page led (doubting its lead, or waiting for a hand-over), or still held when the lead left
    /// it: the page that took the lead may not have seen the end at all.
    own: bool,
    /// Met already over by this page when it loaded (answered before a reload, its end unseen there): when
    /// another tab turns out to lead, that tab wrote it.
    met_over: bool,
}

/// The activity updates held while this page is not sure to be the one that writes them, oldest first, and the
/// contacts whose end another page said it wrote before this page saw that end.
#[derive(Debug, Clone, Default)]
pub(super) struct HeldEnds {
    held: VecDeque<HeldEnd>,
    settled_elsewhere: VecDeque<ContactId>,
}

impl HeldEnds {
    fn hold(&mut self, contact: ContactId, call: CifCall, own: bool, met_over: bool) {
        if self.held.len() >= MAX_HELD_ENDS {
            self.held.pop_front();
        }
        self.held.push_back(HeldEnd {
            contact,
            call,
            own,
            met_over,
        });
    }

    /// Drops the ends held for contacts met already over at load; their contacts.
    fn take_met_over(&mut self) -> Vec<ContactId> {
        let (met, others): (Vec<HeldEnd>, Vec<HeldEnd>) =
            std::mem::take(&mut self.held).into_iter().partition(|h| h.met_over);
        self.held = others.into();
        met.into_iter().map(|h| h.contact).collect()
    }

    fn take_all(&mut self) -> Vec<HeldEnd> {
        std::mem::take(&mut self.held).into()
    }

    fn take_own(&mut self) -> Vec<HeldEnd> {
        let (own, others): (Vec<HeldEnd>, Vec<HeldEnd>) =
            std::mem::take(&mut self.held).into_iter().partition(|h| h.own);
        self.held = others.into();
        own
    }

    /// The lead left this page: every end it holds was this page's to write once sure, and gets a deadline.
    /// Whether there is any.
    pub(super) fn own_all(&mut self) -> bool {
        for h in &mut self.held {
            h.own = true;
        }
        !self.held.is_empty()
    }

    /// Drops the held end of `contact`; whether there was one.
    fn drop_contact(&mut self, contact: &ContactId) -> bool {
        let before = self.held.len();
        self.held.retain(|h| h.contact != *contact);
        self.held.len() != before
    }

    fn remember_settled(&mut self, contact: ContactId) {
        if self.settled_elsewhere.contains(&contact) {
            return;
        }
        if self.settled_elsewhere.len() >= MAX_HELD_ENDS {
            self.settled_elsewhere.pop_front();
        }
        self.settled_elsewhere.push_back(contact);
    }

    /// Whether another page said it wrote this contact's end (forgotten once asked: the end is seen once).
    fn take_settled(&mut self, contact: &ContactId) -> bool {
        let Some(at) = self.settled_elsewhere.iter().position(|c| c == contact) else {
            return false;
        };
        self.settled_elsewhere.remove(at);
        true
    }

    /// Entries held, for [`Bridge::debug_counts`].
    pub(super) fn len(&self) -> usize {
        self.held.len()
    }

    /// Ends written elsewhere that this page has not seen yet, for [`Bridge::debug_counts`].
    pub(super) fn settled_elsewhere_len(&self) -> usize {
        self.settled_elsewhere.len()
    }
}
