//! The answers that create a session: `canCreateSession` (Dynamics' session limit) and `createSession`, and
//! what an answer says about which session is focused. Apart because these are the replies that must never
//! lead to a second session for a contact: an unclear answer reconciles instead of repeating.

use crate::vecmap::VecSet;

use crate::command::Severity;
use crate::contact::PopState;
use crate::ids::{ContactId, RequestId};
use crate::input::CifOutcome;
use crate::reply::{self, CifError, ErrorKind};
use crate::text;

use super::retries::TemplateUse;
use super::{Bridge, Pending, Purpose, TimerKey};

/// How often contacts that Dynamics refused a session (`canCreateSession` false) ask again: the sessions that
/// fill Dynamics' limit may be another provider's, whose closing the bridge never hears about.
const CAPACITY_RECHECK_MS: u64 = 5_000;

impl Bridge {
    /// Dynamics' session limit: `true` creates the session (unless the bridge's own `maxSessions` is reached or
    /// another pop took the turn meanwhile), `false` waits for capacity and asks again every few seconds.
    pub(super) fn on_can_create_reply(&mut self, id: &ContactId, request: RequestId, p: Pending, outcome: CifOutcome) {
        match outcome {
            CifOutcome::Resolved(v) => match reply::boolean(&v) {
                Some(true) => {
                    if self.contacts.get(id).is_some_and(|c| c.asked_ahead && c.is_dead()) {
                        // Asked ahead, then over before it connected, and the turn came free before this answer:
                        // its pop never started (as when the "yes" finds the turn still taken).
                        let next = self.pop_never_started(id);
                        self.transition(id, next);
                        return;
                    }
                    if !self.has_capacity_for(id) {
                        self.report(
                            Severity::Warning,
                            Some(id),
                            "session.limit",
                            format!("session limit reached, contact {id} waiting for a session to close"),
                            true,
                        );
                        self.transition(id, PopState::WaitingForCapacity { since: self.now });
                        return;
                    }
                    let Some(template) = self.contacts.get(id).map(|c| c.session_template(&self.config)) else {
                        return;
                    };
                    let next = if self.turn_busy_except(Some(id)) || self.confirmed_in_line() {
                        // Asked ahead while the previous pop waits for its tabs (or another pop started while
                        // this answer was retried, or another contact's "yes" came first and waits for the
                        // turn): in line among those Dynamics said yes to, without asking again.
                        self.wait_with_capacity_confirmed(id)
                    } else {
                        self.create_session(id, template, 0)
                    };
                    self.transition(id, next);
                }
                Some(false) => {
                    let since = match self.contacts.get(id).map(|c| &c.state) {
                        Some(PopState::WaitingForCapacity { since }) => *since,
                        _ => self.now,
                    };
                    if self
                        .contacts
                        .get_mut(id)
                        .is_some_and(|c| !std::mem::replace(&mut c.capacity_reported, true))
                    {
                        self.report(
                            Severity::Warning,
                            Some(id),
                            "session.limit",
                            format!("session limit reached (Dynamics says no new session), contact {id} waiting for a session to close"),
                            true,
                        );
                    }
                    self.transition(id, PopState::WaitingForCapacity { since });
                    // Sessions of other providers count in Dynamics too, and their closing is never told to us.
                    self.timers.remove(TimerKey::CapacityRecheck);
                    self.timers
                        .insert(self.now.plus(CAPACITY_RECHECK_MS), TimerKey::CapacityRecheck);
                }
                None => self.retry_or_give_up(
                    request,
                    p,
                    &format!("canCreateSession result {} is not a boolean", text::describe_json(&v)),
                ),
            },
            CifOutcome::Rejected(v) => {
                self.retry_or_give_up(
                    request,
                    p,
                    &format!("canCreateSession rejected: {}", CifError::from_rejection(&v).message),
                );
            }
            CifOutcome::Threw(m) | CifOutcome::Unreadable(m) => {
                self.retry_or_give_up(request, p, &format!("canCreateSession threw: {}", text::excerpt(&m)))
            }
        }
    }

    /// A session id pops the contact (tabs next); a session for a contact no longer waiting is only counted.
    /// An answer that is not a session id may hide a session, so the bridge reconciles rather than creating
    /// another; a rejection falls back to the channel's template or retries.
    pub(super) fn on_create_session_reply(&mut self, request: RequestId, p: Pending, outcome: CifOutcome) {
        let live = p
            .contact
            .clone()
            .filter(|id| self.awaits(id, Purpose::CreateSession, request));
        match outcome {
            CifOutcome::Resolved(v) => match reply::session_id(&v) {
                Some(session_id) if self.session_was_closed(&session_id) => {
                    // The agent closed it before this answer came: nothing to count, nothing to write into.
                    self.dirty = true;
                    if let Some(id) = live {
                        self.forget_request(request);
                        self.trace(
                            Some(&id),
                            "decision",
                            format!(
                                "session {} was created and closed before its answer came: nothing is written to it",
                                text::excerpt(&session_id)
                            ),
                        );
                        self.transition(&id, PopState::SessionClosed);
                    }
                    self.admit_waiting_for_capacity();
                }
                Some(session_id) => {
                    self.dirty = true;
                    // CIF focuses the session it creates; a later createSession focused its own after this one.
                    if self.last_create.map_or(true, |last| last <= request) {
                        self.created_session_focused(&session_id);
                    }
                    match live {
                        Some(id) => {
                            self.sessions.insert(session_id.clone(), Some(id.clone()));
                            self.trace(
                                Some(&id),
                                "decision",
                                format!("session {} created", text::excerpt(&session_id)),
                            );
                            let next = self.open_tabs(&id, session_id, &VecSet::new());
                            self.transition(&id, next);
                            self.record_new_session_tabs(&id);
                        }
                        None => {
                            // The contact was released (or reconciled) meanwhile: count the session, write nothing.
                            self.sessions.get_or_insert_with(session_id, || None);
                            self.admit_waiting_for_capacity();
                        }
                    }
                }
                None => {
                    let whose = p.about().map(|c| format!("contact {c}: ")).unwrap_or_default();
                    self.report(
                        Severity::Error,
                        p.about(),
                        "cif.createSession.garbage",
                        format!(
                            "{whose}createSession result {} is not a session id; a session may exist, so none is created again (checking getAllSessions)",
                            text::describe_json(&v)
                        ),
                        true,
                    );
                    if let Some(id) = live {
                        self.forget_request(request);
                        let next = self.session_unknown();
                        self.transition(&id, next);
                    }
                    self.focus_unknown_after_create(request);
                    self.start_reconcile();
                }
            },
            CifOutcome::Rejected(v) => {
                let e = CifError::from_rejection(&v);
                let Some(id) = live else {
                    self.admit_waiting_for_capacity();
                    return;
                };
                let template = match self.contacts.get(&id).map(|c| &c.state) {
                    Some(PopState::CreatingSession { template, .. }) => template.clone(),
                    _ => return,
                };
                match self.fall_back_to_channel_default(&id, TemplateUse::Session, &template, &e) {
                    Some(default) => {
                        if let Some(c) = self.contacts.get_mut(&id) {
                            c.session_template_refused = true;
                        }
                        let next = if self.turn_busy_except(Some(&id)) {
                            // It lost the turn (the rejection came after its deadline): queue up again.
                            self.request_pop(&id)
                        } else {
                            self.create_session(&id, default, p.attempt + 1)
                        };
                        self.transition(&id, next);
                    }
                    _ if e.kind() == ErrorKind::Permanent => {
                        self.give_up(
                            p,
                            &format!("createSession rejected: {} (template {template})", e.message),
                        );
                    }
                    _ => self.retry_or_give_up(request, p, &format!("createSession rejected: {}", e.message)),
                }
            }
            CifOutcome::Threw(m) | CifOutcome::Unreadable(m) => {
                if live.is_some() {
                    self.retry_or_give_up(request, p, &format!("createSession threw: {}", text::excerpt(&m)));
                } else {
                    self.admit_waiting_for_capacity();
                }
            }
        }
    }

    /// CIF focuses the session it creates: it is the focused one now, unless `onSessionSwitched` already spoke
    /// about it (its events may arrive before or after the answer, and the agent may have moved on).
    pub(super) fn created_session_focused(&mut self, session_id: &str) {
        if !self.switch_seen.iter().any(|s| s == session_id) {
            self.set_focus(Some(session_id.to_owned()));
        }
    }

    /// A `createSession` whose outcome is unknown may have created and focused a session: whatever the bridge
    /// learnt was focused *before* that call was sent is no longer known (what a switch event said after it, about
    /// the new session, is kept). Tabs then wait for the next `onSessionSwitched`.
    pub(super) fn focus_unknown_after_create(&mut self, request: RequestId) {
        if self.focused_session.is_some() && self.focus_learnt_at <= request.0 {
            self.focused_session = None;
        }
    }
}
