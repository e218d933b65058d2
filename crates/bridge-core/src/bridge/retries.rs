//! A CIF call that failed without side effects: retried after a backoff (with the same correlation id, and
//! only if the contact still waits for it), or given up on with a report that says what the agent gets instead.
//! One place, so every purpose's give-up is visible side by side.

use std::mem;

use crate::command::{CifCall, Severity};
use crate::contact::{PopState, TabStatus};
use crate::ids::{ContactId, RequestId};
use crate::reply::CifError;
use crate::slug::TemplateName;
use crate::text;

use super::{Bridge, Pending, Purpose, RetryJob, TimerKey};

/// Which of a channel's templates a call used, for the one fallback to the channel's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TemplateUse {
    /// `notifyEvent`'s.
    Notification,
    /// `createSession`'s.
    Session,
}

impl Bridge {
    /// A template Dynamics does not know is never tried again with the same input (§3.12): the channel's
    /// default once, reported, unless the refused one was that default already.
    pub(super) fn fall_back_to_channel_default(
        &mut self,
        id: &ContactId,
        used: TemplateUse,
        template: &TemplateName,
        e: &CifError,
    ) -> Option<TemplateName> {
        let templates = self.config.templates_for(&self.contacts.get(id)?.channel);
        let default = match used {
            TemplateUse::Notification => templates.notification.clone(),
            TemplateUse::Session => templates.session.clone(),
        };
        if !e.is_template_not_found() || default == *template {
            return None;
        }
        let (code, what) = match used {
            TemplateUse::Notification => ("template.notification.fallback", "notification"),
            TemplateUse::Session => ("template.session.fallback", "session"),
        };
        self.report(
            Severity::Warning,
            Some(id),
            code,
            format!("contact {id}: {what} template {template} not found; using the channel default {default}"),
            false,
        );
        Some(default)
    }

    /// A call failed without side effects: retry it after the backoff, or give up once the attempts are spent.
    pub(super) fn retry_or_give_up(&mut self, request: RequestId, p: Pending, why: &str) {
        let retry = p.attempt + 1;
        match self.retry.delay(retry) {
            Some(delay) => {
                self.trace(
                    p.about(),
                    "retry",
                    format!("{request} {why}; retry {retry} in {delay} ms"),
                );
                let key = self.next_retry;
                self.next_retry += 1;
                self.timers.insert(self.now.plus(delay), TimerKey::Retry(key));
                self.retries.insert(
                    key,
                    RetryJob {
                        contact: p.contact,
                        released: p.released,
                        purpose: p.purpose,
                        call: p.call,
                        attempt: retry,
                        replaces: request,
                        correlation_id: p.correlation_id,
                    },
                );
            }
            None => self.give_up(p, why),
        }
    }

    /// A retry's backoff ended: the call is sent again only if the contact still waits for the request it
    /// replaces, and a session or tab call only while it may take the pop turn and its session is focused.
    pub(super) fn run_retry(&mut self, job: RetryJob) {
        if let Some(id) = &job.contact {
            if !self.contacts.contains_key(id) || !self.awaits(id, job.purpose, job.replaces) {
                self.trace(
                    Some(id),
                    "retry.dropped",
                    format!("{}: the contact moved on", job.replaces),
                );
                return;
            }
        } else if !matches!(
            job.purpose,
            Purpose::Reconcile | Purpose::Identify | Purpose::Presence | Purpose::UpdateRecord
        ) {
            return;
        }
        if let Some(id) = job
            .contact
            .as_ref()
            .filter(|_| matches!(job.purpose, Purpose::CreateSession | Purpose::Tab(_)))
        {
            if self.turn_busy_except(Some(id)) {
                // It lost the pop turn meanwhile (its request went overdue): try again once the turn is free.
                let delay = self.config.cif_retry_backoff_ms.max(100);
                self.trace(
                    Some(id),
                    "retry",
                    format!("{}: another pop is under way; retry postponed {delay} ms", job.replaces),
                );
                let key = self.next_retry;
                self.next_retry += 1;
                self.timers.insert(self.now.plus(delay), TimerKey::Retry(key));
                self.retries.insert(key, job);
                return;
            }
        }
        if let (Some(id), Purpose::Tab(kind)) = (&job.contact, job.purpose) {
            let session = self.session_of(id.as_str()).map(str::to_owned);
            if session.is_none() || session != self.focused_session {
                self.trace(
                    Some(id),
                    "decision",
                    format!("{} tab retry deferred: its session is not focused", kind.as_str()),
                );
                self.set_tab(id, kind, TabStatus::Deferred);
                // Recorded as requested before its request failed: recorded as waiting now.
                self.record_tabs_in_dynamics(id);
                return;
            }
        }
        let call = match (job.purpose, job.call) {
            // A new notification gets a new token.
            (
                Purpose::Notify,
                CifCall::NotifyEvent {
                    template_name,
                    template_parameters,
                    ..
                },
            ) => {
                let token = self.next_notification_token(job.contact.as_ref());
                CifCall::NotifyEvent {
                    template_name,
                    template_parameters,
                    cancellation_token: token,
                }
            }
            // The tabs as they are now: the list may have grown while the failed one waited, and a session the
            // agent closed meanwhile gets no call at all.
            (Purpose::RecordTabs, call) => match job.contact.as_ref() {
                Some(id) => match self.tabs_record_call(id) {
                    Some(call) => call,
                    None => {
                        self.trace(
                            Some(id),
                            "retry.dropped",
                            format!("{}: nothing to record", job.replaces),
                        );
                        return;
                    }
                },
                None => call,
            },
            (_, call) => call,
        };
        let request = self.send_cif_correlated(
            job.contact.as_ref(),
            job.correlation_id.clone(),
            job.purpose,
            call.clone(),
            job.attempt,
        );
        if let Some(p) = self.pending.get_mut(&request) {
            p.released.clone_from(&job.released);
        }
        let Some(id) = job.contact else {
            match (job.purpose, &call) {
                (Purpose::Reconcile, _) => self.recon.list = Some(request),
                (Purpose::Identify, CifCall::GetSession { session_id }) => {
                    self.recon.identifying.insert(request, session_id.clone());
                }
                _ => {}
            }
            return;
        };
        if let Some(c) = self.contacts.get_mut(&id) {
            match (&mut c.state, job.purpose) {
                (PopState::Notifying { request: r, token, .. }, Purpose::Notify) => {
                    *r = request;
                    if let CifCall::NotifyEvent { cancellation_token, .. } = &call {
                        token.clone_from(cancellation_token);
                    }
                }
                (PopState::CheckingCapacity { request: r }, Purpose::CanCreate) => *r = request,
                // A fresh attempt (the earlier one was rejected: nothing happened), with its own deadline.
                (PopState::CreatingSession { request: r, .. }, Purpose::CreateSession) => *r = request,
                (PopState::Popped { tabs, .. }, Purpose::Tab(kind)) => {
                    tabs.insert(kind, TabStatus::Pending(request));
                }
                _ => {}
            }
            self.dirty = true;
        }
    }

    /// The attempts are spent (or the error is permanent): each purpose reports what the agent gets instead and
    /// moves on, so no contact waits for a call that will not be made again.
    pub(super) fn give_up(&mut self, p: Pending, why: &str) {
        let contact = p.contact.clone();
        match (p.purpose, contact) {
            (Purpose::Notify, Some(id)) => {
                self.report(
                    Severity::Error,
                    Some(&id),
                    "cif.notifyEvent.failed",
                    format!("contact {id}: no Dynamics notification ({why}); the session opens when you answer in the softphone"),
                    true,
                );
                self.transition(&id, PopState::AwaitingConnect);
                self.drive(&id);
            }
            (Purpose::CanCreate, Some(id)) => {
                self.report(
                    Severity::Warning,
                    Some(&id),
                    "cif.canCreateSession.failed",
                    format!("contact {id}: canCreateSession kept failing ({why}); trying createSession anyway"),
                    false,
                );
                let Some(template) = self.contacts.get(&id).map(|c| c.session_template(&self.config)) else {
                    return;
                };
                let next = if self.turn_busy_except(Some(&id)) {
                    self.request_pop(&id)
                } else {
                    self.create_session(&id, template, 0)
                };
                self.transition(&id, next);
            }
            (Purpose::CreateSession, Some(id)) => {
                self.report(
                    Severity::Error,
                    Some(&id),
                    "cif.createSession.failed",
                    format!("contact {id}: no Dynamics session could be created ({why})"),
                    true,
                );
                self.transition(&id, PopState::Failed);
                self.admit_waiting_for_capacity();
            }
            (Purpose::Tab(kind), Some(id)) => {
                self.report(
                    Severity::Error,
                    Some(&id),
                    "cif.createTab.failed",
                    format!("contact {id}: the {} tab could not be opened ({why})", kind.as_str()),
                    true,
                );
                self.set_tab(&id, kind, TabStatus::Failed);
            }
            (Purpose::Cancel, id) => {
                self.report(
                    Severity::Warning,
                    id.as_ref(),
                    "cif.cancelEvent.failed",
                    format!("a Dynamics notification could not be withdrawn ({why}); it will time out"),
                    false,
                );
            }
            (Purpose::Presence, _) => {
                if let CifCall::SetPresence { presence_text } = &p.call {
                    let presence_text = text::excerpt(presence_text);
                    self.report(
                        Severity::Warning,
                        None,
                        "cif.setPresence.failed",
                        format!("the Dynamics presence could not be set to {presence_text:?} ({why})"),
                        true,
                    );
                }
            }
            (Purpose::CloseStrayTab, _) => self.stray_tab_not_closed(p.about(), why),
            // Never retried (see `on_stray_check_reply`): nothing to give up.
            (Purpose::CheckStrayTab(_) | Purpose::TabOfClosedSession | Purpose::CloseTabOfClosedSession, _) => {}
            (Purpose::UpdateRecord, _) => {
                self.report(
                    Severity::Warning,
                    p.about(),
                    "cif.updateRecord.failed",
                    format!("the activity's duration and end could not be written ({why})"),
                    false,
                );
            }
            (Purpose::Reconcile, _) => {
                self.report(
                    Severity::Warning,
                    None,
                    "cif.getAllSessions.failed",
                    format!("could not check which sessions are still open ({why}); restored sessions are trusted"),
                    false,
                );
                let trusted: Vec<ContactId> = self
                    .unverified_sessions
                    .iter()
                    .filter_map(|sid| self.sessions.get(sid).cloned().flatten())
                    .collect();
                for sid in std::mem::take(&mut self.unverified_sessions) {
                    self.recon.trusted.insert(sid);
                }
                self.schedule_trusted_sessions_recheck();
                // What the page restored is what Dynamics keeps from now on (held back while Dynamics could still
                // have said more).
                for id in trusted {
                    self.record_tabs_in_dynamics(&id);
                }
                // Orphaned createSessions are settled only by an answer: ask again after another bound.
                let due: Vec<RequestId> = self.orphan_due.iter().copied().collect();
                for r in due {
                    self.orphan_due.remove(&r);
                    self.timers
                        .insert(self.now.plus(self.config.session_orphan_ms), TimerKey::Orphan(r));
                }
                if !self.recon.first_done {
                    // Pops must not wait forever for a Dynamics that cannot say: storage is trusted instead.
                    self.recon.first_done = true;
                    let ids: Vec<ContactId> = self.contacts.keys().cloned().collect();
                    for id in ids {
                        self.drive(&id);
                    }
                }
                // Nor does a contact answered before the page loaded: a missing screen costs more than a
                // second one.
                self.release_contacts_awaiting_dynamics();
                if mem::take(&mut self.recon.again) {
                    self.start_reconcile();
                }
            }
            (Purpose::RecordTabs, id) => {
                // Not recorded after all: the next chance writes it again.
                if let Some(c) = id.as_ref().and_then(|id| self.contacts.get_mut(id)) {
                    c.tabs_recorded = None;
                }
                self.report(
                    Severity::Warning,
                    id.as_ref(),
                    "cif.updateContext.failed",
                    if self.storage_ok {
                        format!("the tabs opened could not be recorded in the session ({why}); this page's storage holds them, but a reload that finds it emptied may open them again")
                    } else {
                        format!("the tabs opened could not be recorded in the session ({why}); after a reload they may open again")
                    },
                    false,
                );
            }
            (Purpose::Preflight, _) => {}
            (Purpose::Identify, _) => {
                if let CifCall::GetSession { session_id } = &p.call {
                    self.on_identify_given_up(session_id, why);
                }
            }
            (_, None) => {}
        }
    }
}
