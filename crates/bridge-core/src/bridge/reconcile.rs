//! Dynamics is the source of truth for sessions: which sessions are open (`getAllSessions`) and which contact
//! each belongs to (`getSession`, whose context carries the `contactId` the bridge put in `templateParameters`).
//!
//! Reconciliation runs after a reload (before any pop), when web storage cannot be trusted, after a
//! `createSession` got no answer (our deadline, or CIF's own time limit) and once more when such a request is
//! orphaned (`sessionOrphanMs`). It adopts every session Dynamics attributes to a contact, so a contact never
//! gets a second session, and it frees what a session that never appeared held, so no slot stays counted.

use crate::command::{CifCall, Severity};
use crate::contact::{Contact, PopState, TabStatus};
use crate::ids::{ContactId, RequestId};
use crate::input::CifOutcome;
use crate::persist::TabKind;
use crate::reply::{self, SessionFacts};
use crate::startup::CifState;
use crate::text;
use crate::vecmap::{VecMap, VecSet};

use super::{Bridge, NamedSession, Pending, Phase, Purpose, TimerKey};

/// How long a contact held back at the session limit by sessions Dynamics could not confirm waits before the page
/// asks Dynamics again (each round is itself retried with backoff, so this paces a Dynamics that keeps failing).
const TRUSTED_SESSIONS_RECHECK_MS: u64 = 30_000;

/// Asking Dynamics which sessions exist and whose they are: the `getAllSessions` under way and the
/// `getSession`s it led to, what they could not tell, and whether pops wait for the first answer.
#[derive(Debug, Default)]
pub(super) struct Reconciliation {
    /// The `getAllSessions` in flight.
    pub(super) list: Option<RequestId>,
    /// Another reconciliation was asked for while one was under way: it runs when this one ends.
    pub(super) again: bool,
    /// `getSession` requests of the reconciliation under way, and the session each asks about.
    pub(super) identifying: VecMap<RequestId, String>,
    /// Sessions listed by the reconciliation under way whose `getSession` named no contact (an older CIF, or
    /// no answer): candidates for the one-waiting-contact fallback, and only those.
    pub(super) unattributed: VecSet<String>,
    /// Listed sessions whose `getSession` never answered (given up after retries): their owner is unknown, so
    /// no orphaned `createSession` is taken as never made while one is, and the next reconciliation asks again.
    pub(super) unnamed: VecSet<String>,
    /// Whether pops wait for a first reconciliation with Dynamics: the page was reloaded (something was
    /// restored) or cannot trust its storage, so only Dynamics knows which contacts already have a session.
    pub(super) wait_first: bool,
    /// Whether `getAllSessions` has answered with a list during this page load: after that, a session Dynamics
    /// holds for a contact Streams has not delivered yet waits in `dynamics_owners`.
    pub(super) listed: bool,
    /// Whether that first reconciliation has ended (answered, or given up on after retries).
    pub(super) first_done: bool,
    /// Restored sessions counted on storage's word alone (`getAllSessions` was given up on before it confirmed
    /// them): the agent may have closed one while the page reloaded. A contact held back by the session limit
    /// makes the page ask again, and the next list that answers drops those Dynamics no longer holds.
    pub(super) trusted: VecSet<String>,
    /// A session unknown to this page that gained the focus while this reconciliation was under way: asked about
    /// once more if this one did not name it.
    pub(super) unknown_focused: Option<String>,
}

impl Bridge {
    /// Asks Dynamics which sessions are open; a reconciliation already under way runs once more afterwards.
    pub(super) fn start_reconcile(&mut self) {
        if !self.handles_contacts() {
            return;
        }
        self.reconcile_now();
    }

    /// After Dynamics could not list its sessions: while sessions counted on storage's word alone hold a contact
    /// back at the session limit, Dynamics is asked again every `TRUSTED_SESSIONS_RECHECK_MS` (one of them may
    /// have been closed while the page reloaded, and a contact must not wait all day for it).
    pub(super) fn schedule_trusted_sessions_recheck(&mut self) {
        if self.trusted_sessions_hold_a_contact_back() {
            self.timers.insert(
                self.now.plus(TRUSTED_SESSIONS_RECHECK_MS),
                TimerKey::TrustedSessionsRecheck,
            );
        }
    }

    /// The recheck is due: asked only if a contact is still held back (a session may have closed meanwhile).
    pub(super) fn recheck_trusted_sessions(&mut self) {
        if self.trusted_sessions_hold_a_contact_back() {
            self.trace(
                None,
                "decision",
                "sessions restored without Dynamics' word still hold a contact back at the limit: asking which are \
                 open"
                    .into(),
            );
            self.start_reconcile();
        }
    }

    fn trusted_sessions_hold_a_contact_back(&self) -> bool {
        !self.recon.trusted.is_empty()
            && self
                .contacts
                .values()
                .any(|c| matches!(c.state, PopState::WaitingForCapacity { .. }))
    }

    /// A session unknown to this page gained the focus (see `ask_whose_an_unknown_focused_session_is`): Dynamics
    /// is asked now, or once more after the reconciliation under way if that one does not name it.
    pub(super) fn reconcile_for_unknown_focused_session(&mut self, session_id: &str) {
        if self.reconcile_running() {
            self.recon.unknown_focused = Some(session_id.to_owned());
        } else {
            self.start_reconcile();
        }
    }

    fn reconcile_running(&self) -> bool {
        let retrying = self
            .retries
            .values()
            .any(|j| matches!(j.purpose, Purpose::Reconcile | Purpose::Identify));
        self.recon.list.is_some() || !self.recon.identifying.is_empty() || retrying
    }

    /// A page that does not pop, reloaded with sessions of its own (it popped them before the reload, then
    /// another tab took the lead): Dynamics says which are open and what tabs they have before their tabs open,
    /// and restored contacts Streams does not deliver again are released, as on the page that pops.
    pub(super) fn finish_own_pops_when_following(&mut self) {
        if self.handles_contacts() || !self.finishes_own_pops() {
            return;
        }
        // Restored contacts Streams does not deliver again are released here too, within the same grace.
        if !self.timers.contains(TimerKey::RestoreGrace) && self.contacts.values().any(|c| !c.seen) {
            self.restart_restore_grace();
        }
        // Whatever made this page ask first (a reload, storage it cannot trust, a contact answered before it
        // loaded): the sessions it may have made before are in its own Dynamics only.
        if (!self.reconciled_enough() || self.awaiting_dynamics()) && !self.reconcile_running() {
            self.reconcile_now();
        }
    }

    /// A contact the agent already had when this page loaded (connected, or still ringing after its toast was
    /// accepted), or one offered again before a page without storage heard from Dynamics, may have been popped
    /// by the page before it, whose storage may have been blocked, full or lost: its toast is raised at once,
    /// but it pops only after Dynamics said which sessions exist, unless Dynamics already named every session
    /// during this load (its owner then waits in `dynamics_owners`). Only this contact waits; a reconciliation
    /// under way covers it.
    pub(super) fn ask_dynamics_before_popping(&mut self, id: &ContactId) {
        // Listed already: a session Dynamics named for it waits in `dynamics_owners`; one a reconciliation under
        // way may still name (a session that appeared after the list) is waited for.
        if self.recon.listed && !self.reconcile_running() {
            return;
        }
        let Some(c) = self.contacts.get_mut(id) else { return };
        c.awaits_dynamics = true;
        self.trace(
            Some(id),
            "decision",
            "it may have a session from before this page loaded: it pops once Dynamics says which sessions exist"
                .into(),
        );
        if self.cif == CifState::Ready && !self.reconcile_running() {
            self.start_reconcile();
            self.finish_own_pops_when_following();
        }
    }

    /// This page can no longer trust what it knows of its sessions (a reload, or it leads again after
    /// following): the contacts it knows now and has not popped may have a session it cannot see, so each waits
    /// for Dynamics' answer. A contact first offered after this moment pops at once (spec §3.15), unless the
    /// page has no storage to say it was popped before a reload (see `ask_dynamics_before_popping`).
    pub(super) fn hold_known_contacts_for_dynamics(&mut self) {
        self.recon.wait_first = true;
        self.recon.first_done = false;
        for c in self.contacts.values_mut() {
            if !c.state.popped_or_decided() {
                c.awaits_dynamics = true;
            }
        }
    }

    /// Whether a contact waits for Dynamics to say which sessions exist.
    pub(super) fn awaiting_dynamics(&self) -> bool {
        self.contacts.values().any(|c| c.awaits_dynamics)
    }

    /// Dynamics answered (or could not): contacts that waited for it may pop.
    pub(super) fn release_contacts_awaiting_dynamics(&mut self) {
        let waiting: Vec<ContactId> = self
            .contacts
            .values_mut()
            .filter(|c| c.awaits_dynamics)
            .map(|c| {
                c.awaits_dynamics = false;
                c.id.clone()
            })
            .collect();
        for id in waiting {
            self.drive(&id);
        }
    }

    fn reconcile_now(&mut self) {
        if self.reconcile_running() {
            // One reconciliation at a time (a retry waiting for its backoff is one too): it runs again after.
            self.recon.again = true;
            return;
        }
        let r = self.send_cif(None, Purpose::Reconcile, CifCall::GetAllSessions, 0);
        self.recon.list = Some(r);
    }

    /// Whether what this page restored may be acted on (its deferred tabs opened): a page that must ask
    /// Dynamics first has had its answer. New contacts do not wait for it; those in doubt wait one by one
    /// (`awaits_dynamics`).
    pub(super) fn reconciled_enough(&self) -> bool {
        !self.recon.wait_first || self.recon.first_done
    }

    pub(super) fn on_reconcile_reply(&mut self, request: RequestId, p: &Pending, outcome: CifOutcome) {
        if self.recon.list == Some(request) {
            self.recon.list = None;
        }
        let list = match outcome {
            CifOutcome::Resolved(v) => reply::session_list(&v),
            _ => None,
        };
        let Some(alive) = list else {
            self.retry_or_give_up(request, p.clone(), "getAllSessions failed or returned no list");
            return;
        };
        // A session closed while the list was on its way is not alive, whatever the list says.
        let alive: VecSet<String> = alive.into_iter().filter(|s| !self.session_was_closed(s)).collect();
        // Restored sessions trusted when Dynamics could not say: counted for nothing if it no longer lists them.
        for sid in std::mem::take(&mut self.recon.trusted) {
            if !alive.contains(&sid) && self.sessions.contains_key(&sid) {
                self.close_session(&sid, "closed before the page reloaded");
            }
        }
        // Restored sessions: closed meanwhile, or asked about like the unknown ones below, because the tabs
        // stored with them may be stale (a write refused after the last pop) where their own context is not.
        let mut restored_alive = Vec::new();
        for sid in std::mem::take(&mut self.unverified_sessions) {
            if alive.contains(&sid) {
                restored_alive.push(sid);
            } else {
                self.close_session(&sid, "closed before the page reloaded");
            }
        }
        // Sessions counted that Dynamics no longer lists, whose contact is gone: closed meanwhile.
        let vanished: Vec<String> = self
            .sessions
            .iter()
            .filter(|(sid, owner)| owner.is_none() && !alive.contains(*sid))
            .map(|(sid, _)| sid.clone())
            .collect();
        // Sessions named for contacts Streams has not delivered, that Dynamics no longer lists: nothing to adopt.
        self.dynamics_owners
            .retain(|_, named| alive.contains(&named.session_id));
        for sid in vanished {
            self.sessions.remove(&sid);
            self.released_sessions.remove(&sid);
        }
        // Sessions the bridge does not know (or whose owner Dynamics did not say last time): counted at once, and
        // Dynamics is asked whose they are.
        self.recon.unnamed.retain(|s| alive.contains(s));
        let mut unknown: Vec<String> = alive
            .iter()
            .filter(|s| !self.sessions.contains_key(*s) || self.recon.unnamed.contains(*s))
            .cloned()
            .collect();
        for sid in restored_alive {
            if !unknown.contains(&sid) {
                unknown.push(sid);
            }
        }
        for sid in unknown {
            self.sessions.get_or_insert_with(sid.clone(), || None);
            let r = self.send_cif(
                None,
                Purpose::Identify,
                CifCall::GetSession {
                    session_id: sid.clone(),
                },
                0,
            );
            self.recon.identifying.insert(r, sid);
        }
        self.dirty = true;
        self.finish_reconcile_if_answered();
    }

    pub(super) fn on_identify_reply(&mut self, request: RequestId, p: Pending, outcome: CifOutcome) {
        let Some(sid) = self.recon.identifying.remove(&request) else {
            return;
        };
        if self.session_was_closed(&sid) {
            // Closed while its answer was on its way: asking again would only be refused. If it names a contact
            // that did not know its session, that contact's pop is over: its session was made, and closed.
            let owner = match &outcome {
                CifOutcome::Resolved(v) => reply::session_facts(v)
                    .and_then(|f| f.contact_id)
                    .and_then(|c| ContactId::parse(&c)),
                _ => None,
            };
            if let Some(id) = owner.filter(|id| {
                self.contacts.get(id).is_some_and(|c| {
                    matches!(
                        c.state,
                        PopState::SessionUnknown { .. } | PopState::CreatingSession { .. }
                    )
                })
            }) {
                self.trace(
                    Some(&id),
                    "reconcile",
                    format!(
                        "its session {} was closed meanwhile: nothing is written to it",
                        text::excerpt(&sid)
                    ),
                );
                self.transition(&id, PopState::SessionClosed);
            }
            self.forget_closed_session(&sid);
            self.finish_reconcile_if_answered();
            return;
        }
        let facts = match &outcome {
            CifOutcome::Resolved(v) => reply::session_facts(v),
            CifOutcome::Rejected(v) => {
                let why = format!(
                    "getSession rejected: {}",
                    crate::reply::CifError::from_rejection(v).message
                );
                self.retry_or_give_up(request, p, &why);
                return;
            }
            CifOutcome::Threw(m) | CifOutcome::Unreadable(m) => {
                self.retry_or_give_up(request, p, &format!("getSession threw: {}", text::excerpt(m)));
                return;
            }
        };
        let Some(facts) = facts else {
            self.retry_or_give_up(request, p, "getSession result is not a session");
            return;
        };
        self.recon.unnamed.remove(&sid);
        let owner = facts.contact_id.as_deref().and_then(ContactId::parse);
        match owner {
            Some(id) => self.attribute_session(&id, &sid, facts),
            // A released contact's (stored so): nobody's, never a candidate for a contact in doubt.
            None if self.released_sessions.contains(&sid) => {}
            None => {
                self.trace(
                    None,
                    "reconcile",
                    format!("session {} carries no contact id", text::excerpt(&sid)),
                );
                self.recon.unattributed.insert(sid);
            }
        }
        self.finish_reconcile_if_answered();
    }

    /// A `getSession` given up on after its retries: the session stays counted, owner unknown. A contact that
    /// waits for its pop then pops: a missing screen costs the conversation, a second one only a close.
    pub(super) fn on_identify_given_up(&mut self, session_id: &str, why: &str) {
        if self.session_was_closed(session_id) {
            self.forget_closed_session(session_id);
            self.finish_reconcile_if_answered();
            return;
        }
        if let Some(Some(owner)) = self.sessions.get(session_id).cloned() {
            // Restored with its contact: what storage said stands (tabs included), rather than an unknown owner
            // that another contact could be given; it is what Dynamics keeps from now on.
            self.record_tabs_in_dynamics(&owner);
            self.report(
                Severity::Warning,
                None,
                "cif.getSession.failed",
                format!(
                    "Dynamics did not confirm session {} and its tabs ({why}); what this page stored stands",
                    text::excerpt(session_id)
                ),
                false,
            );
            self.finish_reconcile_if_answered();
            return;
        }
        if self.released_sessions.contains(session_id) {
            // Stored as a released contact's: it stays that, counted, owned by nobody.
            self.finish_reconcile_if_answered();
            return;
        }
        self.recon.unattributed.insert(session_id.to_owned());
        self.recon.unnamed.insert(session_id.to_owned());
        self.report(
            Severity::Warning,
            None,
            "cif.getSession.failed",
            format!(
                "Dynamics did not say which contact session {} belongs to ({why})",
                text::excerpt(session_id)
            ),
            false,
        );
        self.finish_reconcile_if_answered();
    }

    /// Drops what a reconciliation counted for a session closed meanwhile.
    fn forget_closed_session(&mut self, session_id: &str) {
        self.sessions.remove(session_id);
        self.released_sessions.remove(session_id);
        self.recon.unattributed.remove(session_id);
        self.recon.unnamed.remove(session_id);
        self.admit_waiting_for_capacity();
    }

    /// Ends the reconciliation once neither `getAllSessions` nor any `getSession` (or its retry) is pending.
    pub(super) fn finish_reconcile_if_answered(&mut self) {
        let retrying = self.retries.values().any(|j| j.purpose == Purpose::Identify);
        if self.recon.identifying.is_empty() && self.recon.list.is_none() && !retrying {
            self.finish_reconcile();
        }
    }

    /// Dynamics says `sid` belongs to contact `id`.
    fn attribute_session(&mut self, id: &ContactId, sid: &str, facts: SessionFacts) {
        if !self.contacts.contains_key(id) {
            if self.handled.contains(id) {
                return;
            }
            // Streams has not delivered it (yet): adopt the session if it comes, never create another.
            self.trace(
                Some(id),
                "reconcile",
                format!("session {} belongs to a contact not seen yet", text::excerpt(sid)),
            );
            let named = NamedSession {
                session_id: sid.to_owned(),
                facts,
                before_seen: true,
            };
            self.dynamics_owners.insert(id.clone(), named);
            return;
        }
        let resting = self.contacts.get(id).is_some_and(|c| {
            matches!(
                c.state,
                PopState::Declined | PopState::Abandoned | PopState::AgentStarted
            )
        });
        if resting {
            // Missed or declined here, yet Dynamics holds its session (answered before a reload): if Connect
            // offers it again, that session is adopted rather than a second one created.
            let named = NamedSession {
                session_id: sid.to_owned(),
                facts: facts.clone(),
                before_seen: false,
            };
            self.dynamics_owners.insert(id.clone(), named);
        }
        self.adopt_session(id, sid.to_owned(), &facts);
        // Owned only if it is the contact's session now (a second one stays counted, owned by nobody).
        let owner = (self.session_of(id.as_str()) == Some(sid)).then(|| id.clone());
        if owner.is_some() {
            self.released_sessions.remove(sid);
        }
        self.sessions.insert(sid.to_owned(), owner);
    }

    /// Moves a contact whose session Dynamics found to `Popped`, whatever it was doing to get one.
    pub(super) fn adopt_session(&mut self, id: &ContactId, sid: String, facts: &SessionFacts) {
        let Some(state) = self.contacts.get(id).map(|c| c.state.clone()) else {
            return;
        };
        match state {
            PopState::Popped { session_id, .. } if session_id == sid => {
                // Adopted before Dynamics named it (or again): tabs its context says were opened are done.
                for kind in recorded_tabs(facts).iter() {
                    if let Some(Contact {
                        state: PopState::Popped { tabs, .. },
                        ..
                    }) = self.contacts.get_mut(id)
                    {
                        if !matches!(tabs.get(kind), Some(TabStatus::Pending(_))) {
                            tabs.insert(*kind, TabStatus::Done);
                        }
                    }
                }
                self.take_unplaced_tabs_from(id, facts);
                // What Dynamics says of focus counts here too: tabs deferred until it is focused may open.
                self.learn_focus_from(&sid, facts);
                // The merged list is what Dynamics keeps (a write held back while it was unknown).
                self.record_tabs_unless_recorded(id, facts);
                return;
            }
            PopState::Popped { session_id, .. } => {
                self.report(
                    Severity::Warning,
                    Some(id),
                    "session.duplicate",
                    format!(
                        "contact {id} has a second Dynamics session ({}) besides {}; nothing is written to it",
                        text::excerpt(&sid),
                        text::excerpt(&session_id)
                    ),
                    false,
                );
                return;
            }
            // Its session (the one this page knew) closed, yet Dynamics names another open one for it (the page
            // before restored under a new id, or a late createSession carried out): that one is its session now.
            PopState::SessionClosed if !self.session_was_closed(&sid) => {}
            PopState::SessionClosed | PopState::Declined | PopState::AgentStarted | PopState::Abandoned => return,
            PopState::Notifying { request, token, .. } => {
                // Answered before the reload (its session exists): the toast this page raised goes.
                self.forget_request(request);
                self.cancel_notification(id, token);
            }
            PopState::CheckingCapacity { request } => {
                self.forget_request(request);
            }
            PopState::CreatingSession { request, .. } => {
                // Its call may still be carried out and focus a session of its own: it keeps holding the pop turn
                // while young, and an answer counts that session, owned by nobody (as for a released contact).
                if let Some(p) = self.pending.get_mut(&request) {
                    p.contact = None;
                }
            }
            PopState::SessionUnknown { watch } => {
                self.orphan_due.remove(&watch);
                self.timers.remove(TimerKey::Orphan(watch));
            }
            _ => {}
        }
        self.trace(
            Some(id),
            "decision",
            format!(
                "session {} found in Dynamics: adopted, none created",
                text::excerpt(&sid)
            ),
        );
        self.learn_focus_from(&sid, facts);
        let mut done = recorded_tabs(facts);
        // Tabs recorded as possibly elsewhere are neither opened now nor taken as here: planned like opened ones,
        // then deferred to be looked for at the session's next focus.
        for kind in facts.unplaced.keys() {
            done.insert(*kind);
        }
        let seen = self.contacts.get(id).is_some_and(|c| c.seen);
        let next = if seen {
            self.open_tabs(id, sid, &done)
        } else {
            // Slugs unknown until Streams delivers the contact: its tabs are planned then.
            PopState::Popped {
                session_id: sid,
                tabs: done.iter().map(|k| (*k, TabStatus::Done)).collect(),
            }
        };
        self.transition(id, next);
        self.take_unplaced_tabs_from(id, facts);
        self.record_tabs_unless_recorded(id, facts);
        if let Some(c) = self.contacts.get_mut(id) {
            c.tabs_unplanned = !seen;
        }
        self.accept_if_left_ringing(id);
    }

    /// The tabs a session's context records as possibly elsewhere wait, deferred, to be looked for in it at its
    /// next focus (a look settles a doubt either way; taking such a tab as here could leave the session without
    /// it), unless this page has them under way or given up.
    fn take_unplaced_tabs_from(&mut self, id: &ContactId, facts: &SessionFacts) {
        let Some(c) = self.contacts.get_mut(id) else {
            return;
        };
        let PopState::Popped { tabs, .. } = &mut c.state else {
            return;
        };
        for (kind, tab) in facts.unplaced.iter() {
            if matches!(tabs.get(kind), Some(TabStatus::Pending(_) | TabStatus::Failed)) {
                continue;
            }
            tabs.insert(*kind, TabStatus::Deferred);
            c.unplaced_tabs.insert(*kind, tab.clone());
        }
    }

    /// `getSession` said this session is focused: believed unless an `onSessionSwitched` already spoke about
    /// it (the event is newer than the answer).
    fn learn_focus_from(&mut self, sid: &str, facts: &SessionFacts) {
        if facts.focused == Some(true) && !self.switch_seen.iter().any(|s| s == sid) {
            self.set_focus(Some(sid.to_owned()));
        }
    }

    /// Everything Dynamics said is in: settle orphans, unblock pops, run again if asked meanwhile.
    fn finish_reconcile(&mut self) {
        if self.recon.wait_first && !self.recon.first_done {
            self.recon.first_done = true;
            self.trace(None, "reconcile", "first reconciliation done: pops may start".into());
        }
        self.adopt_single_unattributed();
        self.settle_orphans();
        // Every session named: a contact Streams delivers later finds its session in `dynamics_owners`.
        if self.recon.unnamed.is_empty() {
            self.recon.listed = true;
        }
        for c in self.contacts.values_mut() {
            c.awaits_dynamics = false;
        }
        self.dirty = true;
        let unknown_still = self
            .recon
            .unknown_focused
            .take()
            .is_some_and(|sid| !self.sessions.contains_key(&sid) && !self.session_was_closed(&sid));
        if std::mem::take(&mut self.recon.again) || unknown_still {
            self.start_reconcile();
        }
        let ids: Vec<ContactId> = self.contacts.keys().cloned().collect();
        for id in ids {
            self.drive(&id);
        }
        self.admit_waiting_for_capacity();
    }

    /// A CIF build whose `getSession` context lacks the contact id: an unattributed new session is adopted
    /// only when exactly one contact's `createSession` went unanswered and no other is still expected.
    fn adopt_single_unattributed(&mut self) {
        let unattributed: Vec<String> = std::mem::take(&mut self.recon.unattributed)
            .into_iter()
            .filter(|sid| self.sessions.get(sid).is_some_and(Option::is_none))
            .collect();
        let waiting: Vec<ContactId> = self
            .contacts
            .values()
            .filter(|c| match &c.state {
                PopState::CreatingSession { request, .. } => self.is_overdue(request),
                PopState::SessionUnknown { .. } => true,
                _ => false,
            })
            .map(|c| c.id.clone())
            .collect();
        let in_flight = self
            .pending
            .iter()
            .any(|(r, p)| p.purpose == Purpose::CreateSession && self.expects_answer(r));
        if let ([sid], [id], false) = (unattributed.as_slice(), waiting.as_slice(), in_flight) {
            let (sid, id) = (sid.clone(), id.clone());
            self.adopt_session(&id, sid.clone(), &SessionFacts::default());
            if self.session_of(id.as_str()) == Some(sid.as_str()) {
                self.sessions.insert(sid, Some(id));
            }
        }
    }

    /// `createSession`s past `sessionOrphanMs` that this reconciliation did not find: the session was never
    /// created. Its slot is freed; the contact pops once more, or is reported if that already happened.
    fn settle_orphans(&mut self) {
        let due: Vec<RequestId> = self.orphan_due.iter().copied().collect();
        if !self.recon.unnamed.is_empty() && !due.is_empty() {
            // A listed session's owner is unknown: it may be one of these. Ask again after another bound.
            self.trace(
                None,
                "reconcile",
                format!(
                    "{} session(s) of unknown owner: orphans not settled yet",
                    self.recon.unnamed.len()
                ),
            );
            for request in due {
                self.orphan_due.remove(&request);
                self.timers
                    .insert(self.now.plus(self.config.session_orphan_ms), TimerKey::Orphan(request));
            }
            return;
        }
        for request in due {
            self.orphan_due.remove(&request);
            let owner = self.contacts.values().find_map(|c| match c.state {
                PopState::CreatingSession { request: r, .. } | PopState::SessionUnknown { watch: r }
                    if r == request =>
                {
                    Some(c.id.clone())
                }
                _ => None,
            });
            self.forget_request(request);
            let Some(id) = owner else { continue };
            if self.contacts.get(&id).is_some_and(|c| !c.seen) {
                // Restored and not delivered again: it pops like any new contact if Streams brings it back (and
                // the leader, which counts it as popped here, pops it if Streams gave it the contact).
                self.announce_not_popped(&id);
                self.transition(&id, PopState::AwaitingCif);
                continue;
            }
            let retried = self.contacts.get(&id).is_some_and(|c| c.session_retried);
            if retried {
                self.report(
                    Severity::Error,
                    Some(&id),
                    "cif.createSession.orphaned",
                    format!("contact {id}: Dynamics never created its session (asked twice); open the customer's record by hand"),
                    true,
                );
                self.transition(&id, PopState::Failed);
            } else {
                self.report(
                    Severity::Warning,
                    Some(&id),
                    "cif.createSession.orphaned",
                    format!("contact {id}: Dynamics never created its session; opening it once more"),
                    true,
                );
                if let Some(c) = self.contacts.get_mut(&id) {
                    c.session_retried = true;
                }
                self.announce_not_popped(&id);
                // Taken out first: the request that never made a session no longer reserves a slot.
                let Some(state) = self.take_state_for_transition(&id) else {
                    continue;
                };
                let next = self.request_pop(&id);
                self.finish_transition(&id, state.name(), next);
            }
        }
    }

    /// `sessionOrphanMs` passed for an unanswered `createSession` (or a restored one): ask Dynamics once more.
    pub(super) fn on_orphan_due(&mut self, request: RequestId) {
        let watched = self
            .pending
            .get(&request)
            .is_some_and(|p| p.purpose == Purpose::CreateSession)
            || self
                .contacts
                .values()
                .any(|c| c.state == PopState::SessionUnknown { watch: request });
        if !watched {
            return;
        }
        self.trace(
            None,
            "deadline",
            format!("{request}: no session after sessionOrphanMs; asking Dynamics a last time"),
        );
        self.orphan_due.insert(request);
        if self.handles_contacts() {
            self.start_reconcile();
        } else if self.finishes_own_pops() {
            // A follower's own pop (made before it stopped leading): its own Dynamics is asked as well.
            self.reconcile_now();
        }
    }

    /// `popTurnMs` passed without an answer to a `createSession`, `canCreateSession` or `createTab`: the next
    /// contact may start its pop (a late "yes" puts the slow one first in line again). A tab sent while its
    /// session was focused opens there however late Dynamics answers; the contact's other tabs wait until its
    /// session is focused again.
    pub(super) fn release_turn(&mut self, request: RequestId) {
        let method = match self.pending.get(&request) {
            Some(p) if p.purpose.holds_pop_turn() => p.call.method_name(),
            _ => return,
        };
        self.trace(
            None,
            "turn",
            format!("{request}: {method} still unanswered after popTurnMs; the next pop may start"),
        );
        if let Some(p) = self.pending.get_mut(&request).filter(|p| p.phase == Phase::InFlight) {
            p.phase = Phase::TurnReleased;
        }
    }

    /// The contact's tabs are written into its session's own context ([`Bridge::tabs_record_call`]), where
    /// `getSession` finds them after a reload, even one that finds the page's storage emptied or blocked. A record
    /// that says what the last write said is not sent again.
    pub(super) fn record_tabs_in_dynamics(&mut self, id: &ContactId) {
        let Some(call) = self.tabs_record_call(id) else {
            return;
        };
        if let Some(c) = self.contacts.get_mut(id) {
            if c.tabs_recorded.as_ref() == Some(&call) {
                return;
            }
            c.tabs_recorded = Some(call.clone());
            c.unplaced_settled.clear();
        }
        self.send_cif(Some(id), Purpose::RecordTabs, call, 0);
    }

    /// The same for a session just created, without storage (with it, tabs are recorded as they open): a new
    /// context holds nothing to take back, so a session whose tabs all wait for its focus gets no write yet.
    pub(super) fn record_new_session_tabs(&mut self, id: &ContactId) {
        let requested = matches!(
            self.contacts.get(id).map(|c| &c.state),
            Some(PopState::Popped { tabs, .. }) if tabs.values().any(|s| *s != TabStatus::Deferred)
        );
        if requested {
            self.record_tabs_in_dynamics(id);
        }
    }

    /// A tab of the contact opened, failed or went unanswered: while storage works, the opened ones are recorded
    /// once none of its other tabs is still young in flight (one write for the pop's tabs; a tab waiting for a
    /// retry holds nothing back).
    pub(super) fn record_opened_tabs(&mut self, id: &ContactId) {
        let in_flight = matches!(
            self.contacts.get(id).map(|c| &c.state),
            Some(PopState::Popped { tabs, .. })
                if tabs.values().any(|s| matches!(s, TabStatus::Pending(r)
                    if self.expects_answer(r)))
        );
        if self.storage_ok && !in_flight {
            self.record_tabs_in_dynamics(id);
        }
    }

    /// The same after `getSession` told what the context holds: nothing is written when it already lists
    /// exactly the tabs this page would record (the usual reload, where the previous page recorded them).
    fn record_tabs_unless_recorded(&mut self, id: &ContactId, facts: &SessionFacts) {
        let recorded = recorded_tabs(facts);
        let same = match self.contacts.get(id).map(|c| &c.state) {
            Some(PopState::Popped { tabs, .. }) => {
                let unplaced = self.contacts.get(id).map(|c| &c.unplaced_tabs);
                let kept: VecSet<TabKind> = tabs
                    .iter()
                    .filter(|(k, s)| unplaced.map_or(true, |u| !u.contains_key(*k)) && self.records(**s))
                    .map(|(k, _)| *k)
                    .collect();
                kept == recorded && unplaced.map_or(facts.unplaced.is_empty(), |u| *u == facts.unplaced)
            }
            _ => false,
        };
        if !same {
            // Dynamics says otherwise, whatever this page sent before.
            if let Some(c) = self.contacts.get_mut(id) {
                c.tabs_recorded = None;
            }
            self.record_tabs_in_dynamics(id);
        } else {
            // Dynamics holds this record already (no unplaced record left to empty either): the same one is not
            // sent later.
            if let Some(c) = self.contacts.get_mut(id) {
                c.unplaced_settled.clear();
            }
            if let Some(call) = self.tabs_record_call(id) {
                if let Some(c) = self.contacts.get_mut(id) {
                    c.tabs_recorded = Some(call);
                }
            }
        }
    }

    /// Whether a tab in this status is written as `1`. While storage works, only opened tabs: storage holds
    /// the rest, and a `1` for a tab whose request then failed could outlive the `0` taking it back and hide the
    /// tab from the next page for good. Without storage, every requested tab (a reload must not request again
    /// what Dynamics may be carrying out). Unplaced tabs have a record of their own ([`Bridge::tabs_record_call`]).
    fn records(&self, status: TabStatus) -> bool {
        if self.storage_ok {
            status == TabStatus::Done
        } else {
            status != TabStatus::Deferred
        }
    }

    /// The `updateContext` that records the contact's tabs in its session: `None` with nothing to record, and
    /// for a restored session Dynamics has not confirmed yet while storage works (it may have been closed during
    /// the reload; the slot holds the record, and storage failing writes it then). Each tab has a key of its own
    /// (`ccbTab_<kind>`: `1` recorded, `0` waiting for focus), which a write for another tab never removes, so two
    /// writes carried out in either order keep both; `ccbTabs` lists the recorded ones.
    ///
    /// For a restored session Dynamics has not confirmed yet, only the `1`s: its context may say more than the
    /// stale slot (a write refused before the reload), and a `1` takes nothing back, while a `0` or a shorter list
    /// could. The whole record follows once `getSession` merged both, if it differs. Writing the `1`s at once
    /// matters when storage fails on this page: a reload before `getSession` answers would otherwise find nothing
    /// recorded.
    ///
    /// A tab that may be in another session (unplaced) is recorded in every case as `ccbTabUnplaced_<kind>`
    /// (template and id) instead of `1`/`0`, and that key is emptied once the tab is settled: while it stands, a
    /// reloaded page looks for the tab before taking it as opened or opening it.
    pub(super) fn tabs_record_call(&self, id: &ContactId) -> Option<CifCall> {
        let c = self.contacts.get(id)?;
        let PopState::Popped { session_id, tabs } = &c.state else {
            return None;
        };
        let confirming = self.confirming(session_id);
        // A tab that may be in another session is recorded as such, with its id, whatever its status: neither a
        // `1` (a page after a reload would take it as here) nor a `0` (it would open it again unasked).
        let unplaced = |kind: &TabKind| c.unplaced_tabs.get(kind).filter(|_| tabs.contains_key(kind));
        // Settled ones get their record cleared (an empty value reads as none).
        let any_unplaced = tabs.keys().any(|k| unplaced(k).is_some()) || !c.unplaced_settled.is_empty();
        if confirming && self.storage_ok && !any_unplaced {
            return None;
        }
        let recorded: Vec<&str> = tabs
            .iter()
            .filter(|(k, s)| unplaced(k).is_none() && self.records(**s))
            .map(|(k, _)| k.as_str())
            .collect();
        if recorded.is_empty() && !any_unplaced && (self.storage_ok || confirming || tabs.is_empty()) {
            return None;
        }
        let mut input = serde_json::Map::new();
        if !confirming {
            input.insert("ccbTabs".into(), serde_json::Value::String(recorded.join(",")));
        }
        for kind in c.unplaced_settled.iter().filter(|k| unplaced(k).is_none()) {
            input.insert(
                format!("{}{}", reply::UNPLACED_TAB_KEY_PREFIX, kind.as_str()),
                serde_json::Value::String(String::new()),
            );
        }
        for (kind, status) in tabs.iter() {
            if let Some(tab) = unplaced(kind) {
                input.insert(
                    format!("{}{}", reply::UNPLACED_TAB_KEY_PREFIX, kind.as_str()),
                    serde_json::Value::String(reply::unplaced_tab_value(tab)),
                );
                continue;
            }
            if confirming && self.storage_ok {
                continue;
            }
            let value = if self.records(*status) {
                "1"
            } else if *status == TabStatus::Deferred && !self.storage_ok && !confirming {
                // Waiting for its session's focus: it may have been recorded before its request failed.
                "0"
            } else {
                continue;
            };
            input.insert(
                format!("{}{}", reply::TAB_KEY_PREFIX, kind.as_str()),
                serde_json::Value::String(value.into()),
            );
        }
        Some(CifCall::UpdateContext {
            session_id: session_id.clone(),
            input,
        })
    }

    /// A restored session whose context Dynamics has not given yet (listed, asked about, or waiting for that
    /// question's retry).
    pub(super) fn confirming(&self, session_id: &str) -> bool {
        self.unverified_sessions.contains(session_id)
            || self.recon.identifying.values().any(|s| s == session_id)
            || self
                .retries
                .values()
                .any(|j| matches!(&j.call, CifCall::GetSession { session_id: s } if s == session_id))
    }

    /// Sessions Dynamics attributed to contacts not yet seen: forget those whose session closed.
    pub(super) fn forget_owner_of(&mut self, session_id: &str) {
        self.dynamics_owners.retain(|_, named| named.session_id != session_id);
    }
}

/// The tabs a session's context says the bridge recorded in it (`ccbTabs` and `ccbTab_<kind>`).
/// The tabs the context records as opened. One it also records as possibly elsewhere is not among them: that
/// record is cleared once the tab is settled, so while it stands, an older `1` for the kind says nothing.
fn recorded_tabs(facts: &SessionFacts) -> VecSet<TabKind> {
    facts
        .tabs
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter_map(|t| TabKind::parse(t.trim()))
        .filter(|k| !facts.unplaced.contains_key(k))
        .collect()
}
