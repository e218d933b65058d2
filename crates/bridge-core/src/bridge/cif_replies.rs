//! CIF availability and replies: results per call kind, retries with backoff, deadlines, reconciliation.

use std::mem;

use crate::vecmap::VecSet;

use crate::command::{CifCall, Severity, StreamsCall};
use crate::contact::{Contact, PopState, TabStatus};
use crate::ids::{ContactId, RequestId};
use crate::input::{CifAvailability, CifOutcome, CifReply};
use crate::persist::TabKind;
use crate::reply::{self, CifError, ErrorKind, NotificationAction};
use crate::text;

use super::{Bridge, CifState, Pending, Purpose, RetryJob, TimerKey};

/// How often contacts that Dynamics refused a session (`canCreateSession` false) ask again: the sessions that
/// fill Dynamics' limit may be another provider's, whose closing the bridge never hears about.
const CAPACITY_RECHECK_MS: u64 = 5_000;

impl Bridge {
    // ---------------------------------------------------------------- CIF availability

    pub(super) fn on_cif(&mut self, a: CifAvailability) {
        match a {
            CifAvailability::Ready => {
                if self.cif == CifState::Ready {
                    self.trace(None, "input.cif", "Ready again: ignored".into());
                    return;
                }
                self.trace(None, "input.cif", "Ready".into());
                self.cif = CifState::Ready;
                if self.handles_contacts() {
                    self.start_handling_contacts();
                }
            }
            CifAvailability::Unavailable { reason } => {
                self.trace(None, "input.cif", format!("Unavailable: {}", text::excerpt(&reason)));
                if self.cif == CifState::NotReady {
                    self.cif = CifState::Unavailable;
                    self.report(
                        Severity::Error,
                        None,
                        "cif.unavailable",
                        format!(
                            "Dynamics is not connected ({}): no notifications or sessions until it is",
                            text::excerpt(&reason)
                        ),
                        true,
                    );
                }
            }
        }
    }

    /// Dynamics is ready and this page pops (alone, or elected among the agent's tabs): start or resume what
    /// waited for that.
    pub(super) fn start_handling_contacts(&mut self) {
        self.after_ready_or_restore();
        // After the pops it may have started: the preflight never delays one.
        self.start_preflight();
        let ids: Vec<ContactId> = self.contacts.keys().cloned().collect();
        for id in ids {
            self.preflight_contact(&id);
        }
        // An agent state read before CIF was ready gets its presence now.
        self.apply_agent_state_rule();
    }

    // ---------------------------------------------------------------- CIF replies

    pub(super) fn on_cif_reply(&mut self, r: CifReply) {
        let Some(p) = self.pending.get(&r.request).cloned() else {
            self.trace(
                None,
                "reply.ignored",
                format!("{}: unknown or stale request", r.request),
            );
            return;
        };
        if let CifOutcome::Rejected(v) = &r.outcome {
            let e = CifError::from_rejection(v);
            if e.kind() == ErrorKind::NoAnswer && matches!(p.purpose, Purpose::CreateSession | Purpose::Tab(_)) {
                // CIF gave up waiting, Dynamics may still act: no answer, not a failure (never repeated blindly).
                let detail = format!(
                    "{} rejected {}: CIF's time limit, treated as no answer",
                    r.request, e.message
                );
                self.trace(p.contact.as_ref(), &format!("reply.{}", p.call.method_name()), detail);
                self.no_answer(r.request);
                return;
            }
        }
        self.untrack_request(r.request);
        let contact = p.contact.clone();
        let outcome_text = match &r.outcome {
            CifOutcome::Resolved(v) => format!("resolved {}", text::describe_json(v)),
            CifOutcome::Rejected(v) => format!("rejected {}", CifError::from_rejection(v).message),
            CifOutcome::Threw(m) => format!("threw {}", text::excerpt(m)),
        };
        // Session ids and action names are not personal; notification results carry nothing else.
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
                CifOutcome::Threw(m) => {
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
                    Purpose::Tab(kind) => self.on_tab_reply(&id, kind, r.request, p, r.outcome),
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
                | Purpose::UpdateRecord,
            ) => true,
            _ => false,
        }
    }

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
                let default = self
                    .contacts
                    .get(id)
                    .map(|c| self.config.templates_for(&c.channel).notification.clone());
                if let Some(default) = default.filter(|d| e.is_template_not_found() && *d != template) {
                    self.report(
                        Severity::Warning,
                        Some(id),
                        "template.notification.fallback",
                        format!("contact {id}: notification template {template} not found; using the channel default {default}"),
                        false,
                    );
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
            CifOutcome::Threw(m) => {
                self.retry_or_give_up(request, p, &format!("notifyEvent threw: {}", text::excerpt(&m)))
            }
        }
    }

    pub(super) fn on_can_create_reply(&mut self, id: &ContactId, request: RequestId, p: Pending, outcome: CifOutcome) {
        match outcome {
            CifOutcome::Resolved(v) => match reply::boolean(&v) {
                Some(true) => {
                    // This contact's own reservation is included in the count.
                    if self.open_sessions() > self.config.max_sessions {
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
                    let next = if self.turn_busy_except(Some(id)) {
                        // Another pop started while this answer was retried: queue up again.
                        self.request_pop(id)
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
            CifOutcome::Threw(m) => {
                self.retry_or_give_up(request, p, &format!("canCreateSession threw: {}", text::excerpt(&m)))
            }
        }
    }

    pub(super) fn on_create_session_reply(&mut self, request: RequestId, p: Pending, outcome: CifOutcome) {
        let live = p
            .contact
            .clone()
            .filter(|id| self.awaits(id, Purpose::CreateSession, request));
        match outcome {
            CifOutcome::Resolved(v) => match reply::session_id(&v) {
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
                            self.record_tabs_in_dynamics(&id);
                        }
                        None => {
                            // The contact was released (or reconciled) meanwhile: count the session, write nothing.
                            self.sessions.get_or_insert_with(session_id, || None);
                            self.admit_waiting_for_capacity();
                        }
                    }
                }
                None => {
                    self.report(
                        Severity::Error,
                        p.contact.as_ref(),
                        "cif.createSession.garbage",
                        format!(
                            "createSession result {} is not a session id; a session may exist, so none is created again (checking getAllSessions)",
                            text::describe_json(&v)
                        ),
                        true,
                    );
                    if let Some(id) = live {
                        self.untrack_request(request);
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
                let default = self
                    .contacts
                    .get(&id)
                    .map(|c| self.config.templates_for(&c.channel).session.clone());
                match default {
                    Some(default) if e.is_template_not_found() && default != template => {
                        self.report(
                            Severity::Warning,
                            Some(&id),
                            "template.session.fallback",
                            format!("contact {id}: session template {template} not found; using the channel default {default}"),
                            false,
                        );
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
            CifOutcome::Threw(m) => {
                if live.is_some() {
                    self.retry_or_give_up(request, p, &format!("createSession threw: {}", text::excerpt(&m)));
                } else {
                    self.admit_waiting_for_capacity();
                }
            }
        }
    }

    pub(super) fn on_tab_reply(
        &mut self,
        id: &ContactId,
        kind: TabKind,
        request: RequestId,
        p: Pending,
        outcome: CifOutcome,
    ) {
        match outcome {
            CifOutcome::Resolved(_) => self.set_tab(id, kind, TabStatus::Done),
            CifOutcome::Rejected(v) => {
                let e = CifError::from_rejection(&v);
                let why = format!("{} rejected: {}", kind.as_str(), e.message);
                if e.kind() == ErrorKind::Permanent {
                    self.give_up(p, &why);
                } else {
                    self.retry_or_give_up(request, p, &why);
                }
            }
            CifOutcome::Threw(m) => {
                self.retry_or_give_up(request, p, &format!("{} threw: {}", kind.as_str(), text::excerpt(&m)))
            }
        }
    }

    pub(super) fn set_tab(&mut self, id: &ContactId, kind: TabKind, status: TabStatus) {
        if let Some(Contact {
            state: PopState::Popped { tabs, .. },
            ..
        }) = self.contacts.get_mut(id)
        {
            tabs.insert(kind, status);
            self.dirty = true;
        }
    }

    /// A call failed without side effects: retry it after the backoff, or give up once the attempts are spent.
    pub(super) fn retry_or_give_up(&mut self, request: RequestId, p: Pending, why: &str) {
        let retry = p.attempt + 1;
        match self.retry.delay(retry) {
            Some(delay) => {
                self.trace(
                    p.contact.as_ref(),
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
            (_, call) => call,
        };
        let request = self.send_cif_correlated(
            job.contact.as_ref(),
            job.correlation_id.clone(),
            job.purpose,
            call.clone(),
            job.attempt,
        );
        let Some(id) = job.contact else {
            match (job.purpose, &call) {
                (Purpose::Reconcile, _) => self.reconcile = Some(request),
                (Purpose::Identify, CifCall::GetSession { session_id }) => {
                    self.identifying.insert(request, session_id.clone());
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
                (
                    PopState::CreatingSession {
                        request: r, overdue, ..
                    },
                    Purpose::CreateSession,
                ) => {
                    // A fresh attempt (the earlier one was rejected: nothing happened), with its own deadline.
                    *r = request;
                    *overdue = false;
                }
                (PopState::Popped { tabs, .. }, Purpose::Tab(kind)) => {
                    tabs.insert(kind, TabStatus::Pending(request));
                }
                _ => {}
            }
            self.dirty = true;
        }
    }

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
            (Purpose::UpdateRecord, _) => {
                self.report(
                    Severity::Warning,
                    p.contact.as_ref(),
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
                self.unverified_sessions.clear();
                // Orphaned createSessions are settled only by an answer: ask again after another bound.
                let due: Vec<RequestId> = self.orphan_due.iter().copied().collect();
                for r in due {
                    self.orphan_due.remove(&r);
                    self.timers
                        .insert(self.now.plus(self.config.session_orphan_ms), TimerKey::Orphan(r));
                }
                if !self.first_reconcile_done {
                    // Pops must not wait forever for a Dynamics that cannot say: storage is trusted instead.
                    self.first_reconcile_done = true;
                    let ids: Vec<ContactId> = self.contacts.keys().cloned().collect();
                    for id in ids {
                        self.drive(&id);
                    }
                }
                if mem::take(&mut self.reconcile_again) {
                    self.start_reconcile();
                }
            }
            (Purpose::RecordTabs, id) => {
                self.report(
                    Severity::Warning,
                    id.as_ref(),
                    "cif.updateContext.failed",
                    format!("the tabs opened could not be recorded in the session ({why}); after a reload they may open again"),
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

    pub(super) fn on_deadline(&mut self, request: RequestId) {
        let Some(p) = self.pending.get(&request).cloned() else {
            return;
        };
        let contact = p.contact.clone();
        self.trace(
            contact.as_ref(),
            "deadline",
            format!("{request} {} got no answer", p.call.method_name()),
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
            Purpose::Preflight => {
                self.forget_request(request);
                self.on_preflight_deadline(request);
            }
            Purpose::Identify => {
                self.forget_request(request);
                self.identifying.remove(&request);
                self.retry_or_give_up(request, p, "no answer before the deadline");
            }
            Purpose::Cancel
            | Purpose::CanCreate
            | Purpose::Reconcile
            | Purpose::RecordTabs
            | Purpose::Presence
            | Purpose::UpdateRecord => {
                self.forget_request(request);
                if p.purpose == Purpose::Reconcile && self.reconcile == Some(request) {
                    self.reconcile = None;
                }
                self.retry_or_give_up(request, p, "no answer before the deadline");
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
        let first = self.overdue.insert(request);
        let live = p.contact.clone().filter(|id| self.awaits(id, p.purpose, request));
        match p.purpose {
            Purpose::CreateSession => {
                if first {
                    self.focus_unknown_after_create(request);
                }
                if let Some(id) = live {
                    if let Some(Contact {
                        state: PopState::CreatingSession { overdue, .. },
                        ..
                    }) = self.contacts.get_mut(&id)
                    {
                        *overdue = true;
                    }
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
                }
            }
            _ => {}
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
