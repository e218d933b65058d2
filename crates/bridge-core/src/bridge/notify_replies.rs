//! The answer to a `notifyEvent` (the agent's toast in Dynamics): accepted, rejected, refused, timed out, or
//! garbage, and a rejected template falling back to the channel default. Apart because it is the one reply
//! that decides whether a contact pops at all.

use crate::command::{Severity, StreamsCall};
use crate::contact::{Contact, PopState};
use crate::ids::{ContactId, RequestId};
use crate::input::CifOutcome;
use crate::reply::{self, CifError, ErrorKind, NotificationAction};
use crate::text;

use super::retries::TemplateUse;
use super::{Bridge, Pending};

impl Bridge {
    /// The answer to a toast this page withdrew because another of the agent's tabs took the lead at that moment
    /// (the only withdrawal whose answer is still listened for). An Accept the agent pressed before the toast went
    /// is the agent's answer all the same: the contact is accepted in Connect, whose CCPs all share it, so the
    /// tab that now leads sees it connected and pops it there. Nothing else is done here: this page no longer
    /// pops.
    pub(super) fn on_withdrawn_toast_reply(&mut self, id: &ContactId, outcome: CifOutcome) {
        let accepted = matches!(
            &outcome,
            CifOutcome::Resolved(v) if reply::notification_action(v) == Some(NotificationAction::Accept)
        );
        let waiting_here = self
            .contacts
            .get(id)
            .is_some_and(|c| c.is_ringing() && c.state == PopState::AwaitingCif);
        if accepted && waiting_here && !self.handles_contacts() {
            self.trace(
                Some(id),
                "decision",
                "accepted on a toast withdrawn as another tab took the lead: accepted in Connect, popped there".into(),
            );
            self.send_streams(id, StreamsCall::Accept);
        } else {
            self.trace(
                Some(id),
                "reply.ignored",
                "the answer to a withdrawn notification: the contact moved on".into(),
            );
        }
    }

    /// The toast's outcome decides the pop: accepted pops (and accepts in the CCP), rejected declines, anything
    /// else leaves the pop to the agent answering in the softphone.
    pub(super) fn on_notify_reply(&mut self, id: &ContactId, request: RequestId, p: Pending, outcome: CifOutcome) {
        let Some(PopState::Notifying { template, .. }) = self.contacts.get(id).map(|c| c.state.clone()) else {
            return;
        };
        match outcome {
            CifOutcome::Resolved(v) => match reply::notification_action(&v) {
                Some(NotificationAction::Accept) => {
                    self.trace(Some(id), "decision", "accepted in Dynamics".into());
                    if self.contacts.get(id).is_some_and(|c| c.connected_at.is_none()) {
                        self.send_streams(id, StreamsCall::Accept);
                    }
                    let next = self.request_pop(id);
                    self.transition(id, next);
                }
                Some(NotificationAction::Reject) => {
                    self.trace(Some(id), "decision", "rejected in Dynamics: no session".into());
                    let ringing = self.contacts.get(id).is_some_and(Contact::is_ringing);
                    if self.config.reject_in_connect_on_decline && ringing {
                        self.send_streams(id, StreamsCall::Reject);
                    }
                    self.transition(id, PopState::Declined);
                }
                Some(NotificationAction::Refused) => {
                    self.report(
                        Severity::Warning,
                        Some(id),
                        "cif.notifyEvent.refused",
                        format!("contact {id}: Dynamics could not show the notification (its queue is full); the session opens when you answer in the softphone"),
                        true,
                    );
                    self.transition(id, PopState::AwaitingConnect);
                    self.drive(id);
                }
                Some(NotificationAction::Timeout) => {
                    self.trace(
                        Some(id),
                        "decision",
                        "notification timed out: the pop runs if answered in the CCP".into(),
                    );
                    self.transition(id, PopState::AwaitingConnect);
                    self.drive(id);
                }
                other => {
                    let what = match other {
                        Some(NotificationAction::Other(a)) => format!("actionName {a:?}"),
                        _ => text::describe_json(&v),
                    };
                    self.report(
                        Severity::Warning,
                        Some(id),
                        "cif.notifyEvent.garbage",
                        format!("contact {id}: notifyEvent result {what} refused: expected actionName Accept, Reject or Timeout; the session opens when the contact is answered in the CCP"),
                        true,
                    );
                    self.transition(id, PopState::AwaitingConnect);
                    self.drive(id);
                }
            },
            CifOutcome::Rejected(v) => {
                let e = CifError::from_rejection(&v);
                if let Some(default) = self.fall_back_to_channel_default(id, TemplateUse::Notification, &template, &e) {
                    let next = self.notify_with(id, default, p.attempt + 1);
                    self.transition(id, next);
                } else if e.kind() == ErrorKind::Permanent {
                    // The channel default is unknown too: the same call would fail again.
                    self.give_up(p, &format!("notifyEvent rejected: {} (template {template})", e.message));
                } else {
                    if e.is_time_limit() {
                        // The toast may be up although CIF gave up waiting: withdraw it before any retry.
                        if let Some(PopState::Notifying { token, .. }) = self.contacts.get(id).map(|c| c.state.clone())
                        {
                            self.cancel_notification(id, token);
                        }
                    }
                    self.retry_or_give_up(request, p, &format!("notifyEvent rejected: {}", e.message));
                }
            }
            CifOutcome::Threw(m) | CifOutcome::Unreadable(m) => {
                self.retry_or_give_up(request, p, &format!("notifyEvent threw: {}", text::excerpt(&m)))
            }
        }
    }
}
