//! A CIF call that got no answer: our deadline passed, CIF's own time limit rejected it, or what it returned
//! cannot be read. What that means depends on the call: a `createSession` or tab may still be carried out by
//! Dynamics, so it is never repeated blindly (reconcile instead); the others are given up on and retried. Apart
//! from the replies because the absence of an answer says nothing about what Dynamics did.

use crate::command::Severity;
use crate::contact::PopState;
use crate::ids::RequestId;

use super::{Bridge, Phase, Purpose, TimerKey};

impl Bridge {
    /// A request's deadline passed without an answer: a session or tab call may still be carried out (see
    /// [`Bridge::no_answer`]); any other is no longer waited for (a late answer is ignored) and is given up on,
    /// retried, or, for a notification, left to the agent answering in the softphone.
    pub(super) fn on_deadline(&mut self, request: RequestId) {
        self.on_no_answer(request, "no answer before the deadline");
    }

    /// A request that will get no answer, for the reason `why`: as its deadline would, without waiting for it.
    pub(super) fn on_no_answer(&mut self, request: RequestId, why: &str) {
        let Some(p) = self.pending.get(&request).cloned() else {
            return;
        };
        let contact = p.contact.clone();
        self.trace(
            p.about(),
            "deadline",
            format!("{request} {}: {why}", p.call.method_name()),
        );
        match p.purpose {
            Purpose::CreateSession | Purpose::Tab(_) => self.no_answer(request),
            Purpose::Notify => {
                self.forget_request(request);
                if let Some(id) = contact {
                    if let Some(PopState::Notifying { token, .. }) = self.contacts.get(&id).map(|c| c.state.clone()) {
                        self.report(
                            Severity::Warning,
                            Some(&id),
                            "cif.notifyEvent.timeout",
                            format!("contact {id}: the notification got no answer; the session opens when you answer in the softphone"),
                            true,
                        );
                        self.cancel_notification(&id, token);
                        self.transition(&id, PopState::AwaitingConnect);
                        self.drive(&id);
                    }
                }
            }
            Purpose::CheckStrayTab(kind) => {
                let check = self.stray_checks.remove(&request);
                self.forget_request(request);
                self.on_stray_check_reply(contact.as_ref(), kind, request, check, None);
            }
            // No answer: whether and where it opened cannot be known, so there is no tab to close.
            Purpose::TabOfClosedSession | Purpose::CloseTabOfClosedSession => self.forget_request(request),
            Purpose::CloseStrayTab => {
                self.forget_request(request);
                self.stray_tab_not_closed(p.about(), &format!("closeTab: {why}"));
            }
            Purpose::Preflight => {
                self.forget_request(request);
                self.on_preflight_deadline(request);
            }
            Purpose::Identify => {
                self.forget_request(request);
                self.recon.identifying.remove(&request);
                self.retry_or_give_up(request, p, why);
            }
            Purpose::Cancel
            | Purpose::CanCreate
            | Purpose::Reconcile
            | Purpose::RecordTabs
            | Purpose::Presence
            | Purpose::UpdateRecord => {
                self.forget_request(request);
                if p.purpose == Purpose::Reconcile && self.recon.list == Some(request) {
                    self.recon.list = None;
                }
                self.retry_or_give_up(request, p, why);
            }
        }
    }

    /// A `createSession` or tab request got no answer: our deadline passed, or CIF gave up on its own time limit
    /// (whichever comes first; the second one only looks again). Neither is ever repeated blindly, because
    /// Dynamics may still carry it out: the request stays pending so a late answer is accepted, it stops
    /// holding the pop turn, and for a session `getAllSessions` reconciles (again on the second signal, when a
    /// slow Dynamics may have created it meanwhile).
    pub(super) fn no_answer(&mut self, request: RequestId) {
        let Some(p) = self.pending.get(&request).cloned() else {
            return;
        };
        let first = p.phase < Phase::Overdue;
        if let Some(p) = self.pending.get_mut(&request) {
            p.phase = Phase::Overdue;
        }
        self.timers.remove(TimerKey::TurnRelease(request));
        let live = p.contact.clone().filter(|id| self.awaits(id, p.purpose, request));
        match p.purpose {
            Purpose::CreateSession => {
                if first {
                    self.focus_unknown_after_create(request);
                }
                if let Some(id) = live {
                    if first {
                        self.report(
                            Severity::Warning,
                            Some(&id),
                            "cif.createSession.timeout",
                            format!("contact {id}: Dynamics did not answer createSession; waiting for it (no second session), checking open sessions"),
                            true,
                        );
                    }
                    self.start_reconcile();
                }
            }
            Purpose::Tab(kind) => {
                if let Some(id) = live.filter(|_| first) {
                    self.report(
                        Severity::Warning,
                        Some(&id),
                        "cif.createTab.timeout",
                        format!(
                            "contact {id}: Dynamics did not answer for the {} tab; not repeated",
                            kind.as_str()
                        ),
                        true,
                    );
                    self.record_opened_tabs(&id);
                }
            }
            _ => {}
        }
    }
}
