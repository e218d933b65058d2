//! Dynamics handlers (session focus and close, click-to-act, presence) and Streams action outcomes.

use crate::command::Severity;
use crate::command::StreamsCall;
use crate::contact::{PopState, TabStatus};
use crate::dynamics;
use crate::ids::{ContactId, RequestId};
use crate::input::{DynamicsEvent, DynamicsHandler, StreamsReply};
use crate::text;

use super::agent::describe_streams;
use super::{Bridge, Phase, Purpose, TimerKey};

/// How many session ids named by `onSessionSwitched` are remembered (more than CIF's 10 sessions).
const SWITCH_SEEN_CAPACITY: usize = 32;

/// How many closed session ids are remembered: more than can be closed while one CIF call waits for its answer.
const CLOSED_SESSIONS_CAPACITY: usize = 64;

/// How long a failed `accept()` waits for the contact to show connected before the agent is told: Connect
/// refuses to accept a contact already accepted, and the snapshot saying so comes within a moment.
const ACCEPT_FAILURE_GRACE_MS: u64 = 1_500;

impl Bridge {
    // ---------------------------------------------------------------- sessions and handlers

    /// Whether `session_id` was closed: an answer naming it came from before the close.
    pub(super) fn session_was_closed(&self, session_id: &str) -> bool {
        self.closed_sessions.iter().any(|s| s == session_id)
    }

    pub(super) fn close_session(&mut self, session_id: &str, why: &str) {
        if !self.session_was_closed(session_id) {
            if self.closed_sessions.len() >= CLOSED_SESSIONS_CAPACITY {
                self.closed_sessions.pop_front();
            }
            self.closed_sessions.push_back(session_id.to_owned());
        }
        let owner = self.sessions.remove(session_id).flatten();
        self.released_sessions.remove(session_id);
        self.unverified_sessions.remove(session_id);
        self.recon.trusted.remove(session_id);
        self.forget_owner_of(session_id);
        self.recon.unnamed.remove(session_id);
        if self.focused_session.as_deref() == Some(session_id) {
            self.focused_session = None;
        }
        if let Some(id) = owner {
            if let Some(PopState::Popped { tabs, .. }) = self.contacts.get(&id).map(|c| c.state.clone()) {
                for status in tabs.values() {
                    if let TabStatus::Pending(r) = status {
                        // Its answer is still awaited: a tab carried out after the close opened elsewhere.
                        match self.pending.get_mut(r) {
                            Some(p) if matches!(p.purpose, Purpose::Tab(_)) => {
                                p.purpose = Purpose::TabOfClosedSession;
                                self.overtaken_tabs.remove(r);
                                self.timers.remove(TimerKey::TurnRelease(*r));
                            }
                            _ => self.forget_request(*r),
                        }
                    }
                }
                let retry_ids: Vec<u64> = self
                    .retries
                    .iter()
                    // The activity's end-of-contact update outlives its session, as it outlives the contact.
                    .filter(|(_, j)| j.contact.as_ref() == Some(&id) && j.purpose != Purpose::UpdateRecord)
                    .map(|(k, _)| *k)
                    .collect();
                for k in retry_ids {
                    self.retries.remove(&k);
                    self.timers.remove(TimerKey::Retry(k));
                }
                self.trace(
                    Some(&id),
                    "decision",
                    format!("session closed ({why}): nothing more is written to it"),
                );
                self.transition(&id, PopState::SessionClosed);
            }
        }
        self.dirty = true;
        self.admit_waiting_for_capacity();
    }

    pub(super) fn on_dynamics(&mut self, d: DynamicsEvent) {
        let handled = match d.handler {
            DynamicsHandler::SessionSwitched => {
                dynamics::session_switched(&d.payload).map(|s| self.on_session_switched(s))
            }
            DynamicsHandler::SessionClosed => dynamics::session_closed(&d.payload).map(|s| self.on_session_closed(s)),
            DynamicsHandler::ClickToAct => dynamics::click_to_act(&d.payload).map(|c| self.on_click_to_act(c)),
            DynamicsHandler::PresenceChanged => {
                dynamics::presence_changed(&d.payload).map(|p| self.on_presence_changed(p))
            }
        };
        if let Err(e) = handled {
            // A click is the agent waiting for a call: a click nothing comes of is said on the page, as a number
            // that cannot be dialled is. The other handlers report what Dynamics did, and are for the console.
            let clicked = d.handler == DynamicsHandler::ClickToAct;
            let message = if clicked {
                format!("click-to-dial: nothing dialled: {e}")
            } else {
                e.to_string()
            };
            self.report(Severity::Warning, None, "dynamics.payload.invalid", message, clicked);
        }
    }

    /// `onSessionClosed`: the agent closed a session; its contact's pop is over (see [`Bridge::close_session`]).
    fn on_session_closed(&mut self, s: dynamics::SessionClosed) {
        self.trace(
            None,
            "input.dynamics",
            format!("onSessionClosed {}", text::excerpt(&s.session_id)),
        );
        self.close_session(&s.session_id, "closed by the agent");
    }

    /// `onSessionSwitched` (fires twice per switch: the old session loses focus, the new one gains it): keeps
    /// which session, and so which contact, the agent is looking at; tabs deferred for that contact then open
    /// (see [`Bridge::hand_on_turn`]).
    fn on_session_switched(&mut self, s: dynamics::SessionSwitched) {
        let before = self.focused_contact().cloned();
        let owner = self.sessions.get(&s.session_id).cloned().flatten();
        let detail = format!(
            "onSessionSwitched {} focused={}",
            text::excerpt(&s.session_id),
            s.focused
        );
        self.trace(owner.as_ref(), "input.dynamics", detail);
        self.switch_seen.retain(|x| *x != s.session_id);
        if self.switch_seen.len() >= SWITCH_SEEN_CAPACITY {
            self.switch_seen.pop_front();
        }
        self.switch_seen.push_back(s.session_id.clone());
        self.note_tabs_overtaken_by_switch(&s);
        self.ask_whose_an_unknown_focused_session_is(&s);
        if s.focused {
            self.set_focus(Some(s.session_id));
        } else if self.focused_session.as_deref() == Some(s.session_id.as_str()) {
            self.focused_session = None;
        }
        let after = self.focused_contact().cloned();
        if after != before {
            match after {
                Some(id) => self.trace(Some(&id), "focus", format!("the agent is looking at contact {id}")),
                None => self.trace(
                    None,
                    "focus",
                    "the agent is looking at no session of a live contact".into(),
                ),
            }
        }
    }

    /// A session this page does not know gained the focus. It may be one a `createSession` from before a reload
    /// made after Dynamics was last asked (the pops of this provider are this page's or its earlier loads'):
    /// Dynamics is asked now, rather than after `sessionOrphanMs` while the agent looks at a session without its
    /// tabs, or after its contact popped a second one. Asked when a contact waits for Dynamics to name its session
    /// (a `createSession` in flight at a reload, overdue, or answered with garbage), or when no `createSession`
    /// of this page could have made it; the switch a pop's own `createSession` causes before its answer asks
    /// nothing. Once Dynamics has listed a session, the page knows it (with its owner, or as nobody's it can name),
    /// so returning to it asks nothing either.
    fn ask_whose_an_unknown_focused_session_is(&mut self, s: &dynamics::SessionSwitched) {
        let sid = &s.session_id;
        if !s.focused
            || self.sessions.contains_key(sid)
            || self.released_sessions.contains(sid)
            || self.dynamics_owners.values().any(|n| n.session_id == *sid)
        {
            return;
        }
        let in_doubt = self
            .contacts
            .values()
            .find(|c| match &c.state {
                PopState::SessionUnknown { .. } => true,
                PopState::CreatingSession { request, .. } => {
                    self.pending.get(request).is_some_and(|p| p.phase == Phase::Overdue)
                }
                _ => false,
            })
            .map(|c| c.id.clone());
        let own_create_under_way = self
            .pending
            .values()
            .any(|p| p.purpose == Purpose::CreateSession && p.phase != Phase::Overdue);
        if in_doubt.is_none() && own_create_under_way {
            return;
        }
        let why = match &in_doubt {
            Some(_) => "while this contact waits for Dynamics to name its session",
            None => "and no createSession of this page made it",
        };
        self.trace(
            in_doubt.as_ref(),
            "decision",
            format!(
                "session {} was focused, unknown to this page, {why}: asking Dynamics which sessions exist",
                text::excerpt(sid)
            ),
        );
        self.reconcile_for_unknown_focused_session(sid);
    }

    /// A switch event arriving while tabs are on their way: CIF opens a tab in the session focused when Dynamics
    /// carries `createTab` out, and its events reach the page in order with its answers, so a switch heard before a
    /// tab's answer happened before the tab opened. A tab whose session this event says lost the focus, or that
    /// another session gained it, opened in that other session (its answer is then handled by
    /// [`Bridge::on_tab_reply`]).
    fn note_tabs_overtaken_by_switch(&mut self, s: &dynamics::SessionSwitched) {
        let overtaken: Vec<RequestId> = self
            .contacts
            .values()
            .filter_map(|c| match &c.state {
                PopState::Popped { session_id, tabs } if (*session_id == s.session_id) != s.focused => Some(tabs),
                _ => None,
            })
            .flat_map(|tabs| tabs.values())
            .filter_map(|status| match status {
                TabStatus::Pending(r) if self.pending.contains_key(r) => Some(*r),
                _ => None,
            })
            .collect();
        for r in overtaken {
            self.overtaken_tabs.insert(r);
        }
    }

    pub(super) fn on_streams_reply(&mut self, r: StreamsReply) {
        let Some((id, call)) = self.streams_pending.remove(&r.request) else {
            // Also a dial's late answer after its deadline was reported: it changes nothing now.
            self.trace(None, "reply.ignored", format!("{}: unknown Streams request", r.request));
            return;
        };
        self.timers.remove(super::TimerKey::StreamsDeadline(r.request));
        let what = describe_streams(&call);
        match (r.outcome, id) {
            (Ok(()), id) => self.trace(id.as_ref(), "reply.streams", format!("{} {what} ok", r.request)),
            (Err(e), Some(id)) if call == StreamsCall::Accept => self.on_accept_failed(r.request, id, e),
            (Err(e), Some(id)) => self.report(
                Severity::Error,
                Some(&id),
                "streams.failed",
                format!("contact {id}: Amazon Connect {what} failed: {}", text::excerpt(&e)),
                true,
            ),
            (Err(e), None) => self.on_agent_action_failed(&call, &what, &e),
        }
    }

    /// `accept()` failed. Connect refuses to accept a contact that is already connected, and the snapshot that
    /// shows it connected may arrive after the refusal: the agent is told only if the contact has not connected
    /// by a moment later (or went without connecting).
    fn on_accept_failed(&mut self, request: RequestId, id: ContactId, error: String) {
        if self.contacts.get(&id).is_some_and(|c| c.connected_at.is_some()) {
            self.trace(
                Some(&id),
                "reply.ignored",
                format!(
                    "{request} accept failed ({}), but the contact is connected",
                    text::excerpt(&error)
                ),
            );
            return;
        }
        self.trace(
            Some(&id),
            "reply.streams",
            format!(
                "{request} accept failed ({}): reported unless it connects",
                text::excerpt(&error)
            ),
        );
        self.failed_accepts.insert(request, (id, error));
        self.timers
            .insert(self.now.plus(ACCEPT_FAILURE_GRACE_MS), TimerKey::AcceptFailure(request));
    }

    /// A failed `accept()`'s grace is over, or its contact went: report it unless the contact connected.
    pub(super) fn on_accept_failure_due(&mut self, request: RequestId) {
        self.timers.remove(TimerKey::AcceptFailure(request));
        let Some((id, error)) = self.failed_accepts.remove(&request) else {
            return;
        };
        if self.contacts.get(&id).is_some_and(|c| c.connected_at.is_some()) {
            self.trace(
                Some(&id),
                "reply.ignored",
                format!("{request} accept failed, but the contact connected: it was accepted all the same"),
            );
            return;
        }
        self.report(
            Severity::Error,
            Some(&id),
            "streams.failed",
            format!("contact {id}: Amazon Connect accept failed: {}", text::excerpt(&error)),
            true,
        );
    }
}
