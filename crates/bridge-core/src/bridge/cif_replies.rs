//! Where every CIF reply enters the core: it is matched to the request it answers (a reply to a request the
//! core no longer waits for is ignored, traced as `reply.ignored`), traced, and handed to the handler of the
//! request's purpose. The handlers live beside this file by concern: notifications (`notify_replies.rs`),
//! capacity and sessions (`session_replies.rs`), tabs (`tab_replies.rs`); what happens when a call fails
//! (`retries.rs`) or gets no answer (`no_answer.rs`).

use serde_json::Value;

use crate::command::CifCall;
use crate::contact::{PopState, TabStatus};
use crate::ids::{ContactId, RequestId};
use crate::input::{CifOutcome, CifReply};
use crate::reply::{CifError, ErrorKind};
use crate::{redact, text};

use super::{Bridge, Purpose};

impl Bridge {
    /// A CIF promise settled: dispatches it by its request's purpose, or ignores it when the core no longer
    /// waits for that request (stale, duplicated, foreign, or given up on: the shell delivers every settlement).
    pub(super) fn on_cif_reply(&mut self, r: CifReply) {
        let Some(p) = self.pending.get(&r.request).cloned() else {
            self.trace(
                None,
                "reply.ignored",
                format!("{}: unknown or stale request", r.request),
            );
            return;
        };
        if let CifOutcome::Unreadable(why) = &r.outcome {
            // Sent, and no answer will ever be read: what a missing answer means for this call, at once.
            let why = format!("its answer cannot be read ({})", text::excerpt(why));
            self.on_no_answer(r.request, &why);
            return;
        }
        if let CifOutcome::Rejected(v) = &r.outcome {
            let e = CifError::from_rejection(v);
            if e.kind() == ErrorKind::NoAnswer && matches!(p.purpose, Purpose::CreateSession | Purpose::Tab(_)) {
                // CIF gave up waiting, Dynamics may still act: no answer, not a failure (never repeated blindly).
                let detail = format!(
                    "{} rejected {}: CIF's time limit, treated as no answer",
                    r.request, e.message
                );
                self.trace(p.about(), &format!("reply.{}", p.call.method_name()), detail);
                self.no_answer(r.request);
                return;
            }
        }
        let overtaken = self.overtaken_tabs.contains(&r.request);
        let stray_check = self.stray_checks.remove(&r.request);
        self.forget_request(r.request);
        let contact = p.contact.clone();
        let outcome_text = match &r.outcome {
            CifOutcome::Resolved(v) => format!("resolved {}", describe_resolved(&p.call, v)),
            CifOutcome::Rejected(v) => format!("rejected {}", CifError::from_rejection(v).message),
            CifOutcome::Threw(m) | CifOutcome::Unreadable(m) => format!("threw {}", text::excerpt(m)),
        };
        // Only session and tab ids, action names and flags are quoted (`describe_resolved`).
        self.trace(
            contact.as_ref(),
            &format!("reply.{}", p.call.method_name()),
            format!("{} {outcome_text}", r.request),
        );
        match p.purpose {
            Purpose::Reconcile => self.on_reconcile_reply(r.request, &p, r.outcome),
            Purpose::Identify => self.on_identify_reply(r.request, p, r.outcome),
            Purpose::Preflight => self.on_preflight_reply(r.request, r.outcome),
            Purpose::RecordTabs => {
                if !matches!(r.outcome, CifOutcome::Resolved(_)) {
                    self.retry_or_give_up(r.request, p, "updateContext failed");
                }
            }
            Purpose::Cancel => {
                if !matches!(r.outcome, CifOutcome::Resolved(_)) {
                    self.retry_or_give_up(r.request, p, "cancelEvent failed");
                }
            }
            Purpose::Presence => self.on_presence_reply(r.request, p, r.outcome),
            // These outlive their contact (a tab of its may show in another customer's session).
            Purpose::CloseStrayTab => self.on_close_stray_tab_reply(p.about(), &r.outcome),
            Purpose::TabOfClosedSession => self.on_tab_of_closed_session_reply(p.about(), &r.outcome),
            Purpose::CloseTabOfClosedSession => self.on_close_tab_of_closed_session_reply(p.about(), &r.outcome),
            Purpose::CheckStrayTab(kind) => {
                let answer = match &r.outcome {
                    CifOutcome::Resolved(v) => Some(v),
                    _ => None,
                };
                self.on_stray_check_reply(contact.as_ref(), kind, r.request, stray_check, answer)
            }
            Purpose::UpdateRecord => match r.outcome {
                CifOutcome::Resolved(_) => {
                    self.trace(
                        contact.as_ref(),
                        "decision",
                        "the activity's duration and end were written".into(),
                    );
                }
                CifOutcome::Rejected(v) => {
                    self.retry_or_give_up(
                        r.request,
                        p,
                        &format!("updateRecord rejected: {}", CifError::from_rejection(&v).message),
                    );
                }
                CifOutcome::Threw(m) | CifOutcome::Unreadable(m) => {
                    self.retry_or_give_up(r.request, p, &format!("updateRecord threw: {}", text::excerpt(&m)))
                }
            },
            Purpose::CreateSession => self.on_create_session_reply(r.request, p, r.outcome),
            _ => {
                let Some(id) = contact else {
                    self.trace(
                        None,
                        "reply.ignored",
                        format!("{}: contact already released", r.request),
                    );
                    return;
                };
                if p.purpose == Purpose::Notify && !self.awaits(&id, p.purpose, r.request) {
                    self.on_withdrawn_toast_reply(&id, r.outcome);
                    return;
                }
                if !self.awaits(&id, p.purpose, r.request) {
                    self.trace(
                        Some(&id),
                        "reply.ignored",
                        format!("{}: the contact moved on", r.request),
                    );
                    return;
                }
                match p.purpose {
                    Purpose::Notify => self.on_notify_reply(&id, r.request, p, r.outcome),
                    Purpose::CanCreate => self.on_can_create_reply(&id, r.request, p, r.outcome),
                    Purpose::Tab(kind) => self.on_tab_reply(&id, kind, r.request, p, r.outcome, overtaken),
                    _ => {}
                }
            }
        }
    }

    /// Whether the contact's state still waits for `request` for `purpose`.
    pub(super) fn awaits(&self, id: &ContactId, purpose: Purpose, request: RequestId) -> bool {
        let Some(c) = self.contacts.get(id) else { return false };
        match (&c.state, purpose) {
            (PopState::Notifying { request: r, .. }, Purpose::Notify) => *r == request,
            (PopState::CheckingCapacity { request: r }, Purpose::CanCreate) => *r == request,
            (PopState::CreatingSession { request: r, .. }, Purpose::CreateSession) => *r == request,
            (PopState::Popped { tabs, .. }, Purpose::Tab(kind)) => {
                tabs.get(&kind) == Some(&TabStatus::Pending(request))
            }
            (
                _,
                Purpose::Cancel
                | Purpose::Reconcile
                | Purpose::Identify
                | Purpose::Preflight
                | Purpose::RecordTabs
                | Purpose::Presence
                | Purpose::UpdateRecord
                | Purpose::CheckStrayTab(_)
                | Purpose::CloseStrayTab
                | Purpose::TabOfClosedSession
                | Purpose::CloseTabOfClosedSession,
            ) => true,
            _ => false,
        }
    }
}

/// Longest resolved string quoted in the trace: a session or tab id, an action name.
const QUOTED_RESULT_CHARS: usize = 64;

/// How a resolved CIF value is traced. An answer can carry what the bridge gave Dynamics — a `getSession` answer
/// holds the template parameters, the customer's name and number, and a host may hand it over as JSON text — so
/// only the answers that are identifiers or action names by their call's contract (`notifyEvent`,
/// `createSession`, `createTab`, …), and look like one, are quoted; every other value is told by its shape and
/// size ([`redact::shape`]). Booleans and `null` are quoted whatever the call.
fn describe_resolved(call: &CifCall, value: &Value) -> String {
    let answers_with_an_id = matches!(
        call,
        CifCall::NotifyEvent { .. }
            | CifCall::CancelEvent { .. }
            | CifCall::CanCreateSession
            | CifCall::CreateSession { .. }
            | CifCall::CreateTab { .. }
            | CifCall::UpdateContext { .. }
            | CifCall::SetClickToAct { .. }
            | CifCall::SetPresence { .. }
            | CifCall::UpdateRecord { .. }
    );
    match value {
        Value::Bool(_) | Value::Null => value.to_string(),
        Value::String(s) if answers_with_an_id && is_identifier(s) => text::excerpt(s),
        other => redact::shape(other),
    }
}

/// Whether `s` reads as an identifier or action name: short, one word of ASCII letters, digits and `-_.:{}`,
/// and not a phone number.
fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.chars().count() <= QUOTED_RESULT_CHARS
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '{' | '}'))
        && !redact::looks_like_phone_number(s)
}
