//! The engine: every contact's state machine, the CIF requests in flight, deadlines, retries, sessions.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::mem;

use serde_json::{Map, Value};

use crate::command::{CifCall, Command, Report, Severity, StreamsCall};
use crate::config::Config;
use crate::contact::{observe_event, Contact, Observation, PopState, TabStatus};
use crate::dynamics;
use crate::handled::HandledIds;
use crate::ids::{ContactId, RequestId};
use crate::input::{
    AgentEvent, CifAvailability, CifOutcome, CifReply, ContactEvent, ContactEventKind, DynamicsEvent,
    DynamicsHandler, Input, RestoredState, StreamsReply,
};
use crate::persist::{Persisted, PersistedContact, TabKind};
use crate::reply::{self, CifError, NotificationAction};
use crate::retry::RetryPolicy;
use crate::slug::{LogicalName, SlugData};
use crate::text;
use crate::time::Millis;
use crate::timers::TimerTable;
use crate::trace::Trace;

/// Correlation id of calls that concern no contact (`getAllSessions`).
const BRIDGE_CORRELATION_ID: &str = "00000000-0000-0000-0000-00000000b1d9";

/// Why a CIF request was made; decides how its reply, failure and deadline are handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Notify,
    Cancel,
    CanCreate,
    CreateSession,
    Tab(TabKind),
    Reconcile,
}

/// A CIF request in flight.
#[derive(Debug, Clone)]
struct Pending {
    /// `None` once the contact was released (only a `createSession` is kept then, to count its session).
    contact: Option<ContactId>,
    purpose: Purpose,
    call: CifCall,
    /// 0 for the first attempt.
    attempt: u32,
}

/// A retry waiting for its backoff.
#[derive(Debug, Clone)]
struct RetryJob {
    contact: Option<ContactId>,
    purpose: Purpose,
    call: CifCall,
    attempt: u32,
    /// The failed request the contact's state still names; the retry is dropped if the state moved on.
    replaces: RequestId,
}

/// What a timer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum TimerKey {
    Deadline(RequestId),
    Retry(u64),
}

/// Whether CIF can be called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CifState {
    NotReady,
    Ready,
    Unavailable,
}

/// The whole bridge's decisions, over every contact (see the crate docs for the run-loop contract).
#[derive(Debug)]
pub struct Bridge {
    config: Config,
    retry: RetryPolicy,
    now: Millis,
    cif: CifState,
    contacts: BTreeMap<ContactId, Contact>,
    handled: HandledIds,
    pending: BTreeMap<RequestId, Pending>,
    streams_pending: BTreeMap<RequestId, (ContactId, StreamsCall)>,
    retries: BTreeMap<u64, RetryJob>,
    timers: TimerTable<TimerKey>,
    next_request: u64,
    next_retry: u64,
    /// Open sessions this bridge created (or restored), and the contact each belongs to (if still held).
    sessions: BTreeMap<String, Option<ContactId>>,
    /// Restored sessions not yet confirmed by `getAllSessions`.
    unverified_sessions: BTreeSet<String>,
    reconcile: Option<RequestId>,
    reconcile_again: bool,
    focused_session: Option<String>,
    commands: VecDeque<Command>,
    trace: Trace,
    dirty: bool,
    last_persisted: Option<String>,
}

impl Bridge {
    /// A bridge with no contacts, started at `now`.
    pub fn new(config: Config, now: Millis) -> Bridge {
        Bridge {
            retry: RetryPolicy::from_config(&config),
            handled: HandledIds::new(config.handled_contact_memory),
            trace: Trace::new(config.trace_capacity),
            config,
            now,
            cif: CifState::NotReady,
            contacts: BTreeMap::new(),
            pending: BTreeMap::new(),
            streams_pending: BTreeMap::new(),
            retries: BTreeMap::new(),
            timers: TimerTable::default(),
            next_request: 1,
            next_retry: 1,
            sessions: BTreeMap::new(),
            unverified_sessions: BTreeSet::new(),
            reconcile: None,
            reconcile_again: false,
            focused_session: None,
            commands: VecDeque::new(),
            dirty: false,
            last_persisted: None,
        }
    }

    /// Replaces the configuration (e.g. once Custom Parameters arrive); contacts in flight keep their templates.
    pub fn set_config(&mut self, config: Config) {
        self.retry = RetryPolicy::from_config(&config);
        self.handled.set_capacity(config.handled_contact_memory);
        self.trace.set_capacity(config.trace_capacity);
        self.config = config;
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Feeds one input observed at `now`. Untrusted content never makes this fail or panic.
    pub fn handle_input(&mut self, now: Millis, input: Input) {
        self.now = self.now.max(now);
        match input {
            Input::Contact(ev) => self.on_contact(ev),
            Input::Cif(a) => self.on_cif(a),
            Input::CifReply(r) => self.on_cif_reply(r),
            Input::Dynamics(d) => self.on_dynamics(d),
            Input::StreamsReply(r) => self.on_streams_reply(r),
            Input::Agent(a) => self.on_agent(a),
            Input::Restore(r) => self.on_restore(r),
        }
        self.flush_persist();
    }

    /// Lets deadlines that are due at `now` fire (CIF answer limits, retries with backoff).
    pub fn handle_timeout(&mut self, now: Millis) {
        self.now = self.now.max(now);
        while let Some(key) = self.timers.pop_due(self.now) {
            match key {
                TimerKey::Deadline(request) => self.on_deadline(request),
                TimerKey::Retry(id) => {
                    if let Some(job) = self.retries.remove(&id) {
                        self.run_retry(job);
                    }
                }
            }
        }
        self.flush_persist();
    }

    /// The next command to carry out; drain until `None` after every `handle_*` call.
    #[must_use]
    pub fn poll_command(&mut self) -> Option<Command> {
        self.commands.pop_front()
    }

    /// The earliest deadline, for the shell's single timer.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Millis> {
        self.timers.next()
    }

    /// The bounded diagnostic trace as JSON, for the page's copy / download button.
    pub fn export_trace(&self) -> String {
        self.trace.to_json()
    }

    /// The contact whose session the agent is looking at (from `onSessionSwitched`), if it is one of ours.
    pub fn focused_contact(&self) -> Option<&ContactId> {
        let session = self.focused_session.as_ref()?;
        self.sessions.get(session)?.as_ref()
    }

    /// The name of a contact's screen-pop state (`Notifying`, `Popped`, …), for diagnostics and tests.
    pub fn contact_state(&self, id: &str) -> Option<&'static str> {
        let id = ContactId::parse(id)?;
        self.contacts.get(&id).map(|c| c.state.name())
    }

    /// The session created for a contact, if it has one.
    pub fn session_of(&self, id: &str) -> Option<&str> {
        let id = ContactId::parse(id)?;
        match &self.contacts.get(&id)?.state {
            PopState::Popped { session_id, .. } => Some(session_id),
            _ => None,
        }
    }

    /// Sessions counted against `maxSessions`: open ones, plus those reserved by contacts checking capacity or
    /// creating a session, plus `createSession` calls still in flight for released contacts.
    pub fn open_sessions(&self) -> usize {
        let reserved = self
            .contacts
            .values()
            .filter(|c| matches!(c.state, PopState::CheckingCapacity { .. } | PopState::CreatingSession { .. }))
            .count();
        let orphaned =
            self.pending.values().filter(|p| p.purpose == Purpose::CreateSession && p.contact.is_none()).count();
        self.sessions.len() + reserved + orphaned
    }

    /// How many contacts are held (not yet released by `onDestroy`).
    pub fn contact_count(&self) -> usize {
        self.contacts.len()
    }

    /// Whether `id` was released and is remembered as handled.
    pub fn was_handled(&self, id: &str) -> bool {
        ContactId::parse(id).is_some_and(|id| self.handled.contains(&id))
    }

    // ---------------------------------------------------------------- plumbing

    fn trace(&mut self, contact: Option<&ContactId>, kind: &str, detail: String) {
        let correlation = contact.map(|c| {
            self.contacts.get(c).map_or_else(|| crate::contact::correlation_id(c), |c| c.correlation_id.clone())
        });
        self.trace.push(self.now, contact.map(ContactId::as_str), correlation.as_deref(), kind, detail);
    }

    fn report(&mut self, severity: Severity, contact: Option<&ContactId>, code: &'static str, message: String, agent_visible: bool) {
        self.trace(contact, "report", format!("{code}: {message}"));
        self.commands.push_back(Command::Report(Report {
            severity,
            contact: contact.cloned(),
            code,
            message,
            agent_visible,
        }));
    }

    fn next_request_id(&mut self) -> RequestId {
        let r = RequestId(self.next_request);
        self.next_request += 1;
        r
    }

    /// Emits a CIF command, records it as pending and arms its deadline.
    fn send_cif(&mut self, contact: Option<&ContactId>, purpose: Purpose, call: CifCall, attempt: u32) -> RequestId {
        let request = self.next_request_id();
        let correlation_id = contact.map_or_else(
            || BRIDGE_CORRELATION_ID.to_owned(),
            |c| self.contacts.get(c).map_or_else(|| crate::contact::correlation_id(c), |c| c.correlation_id.clone()),
        );
        let limit = if purpose == Purpose::Notify {
            self.config.notification_timeout_ms
        } else {
            self.config.cif_call_timeout_ms
        };
        self.timers.insert(self.now.plus(limit), TimerKey::Deadline(request));
        self.trace(contact, &format!("cif.{}", call.method_name()), describe_call(request, &call, attempt));
        self.pending.insert(request, Pending { contact: contact.cloned(), purpose, call: call.clone(), attempt });
        self.commands.push_back(Command::Cif { request, contact: contact.cloned(), correlation_id, call });
        request
    }

    fn send_streams(&mut self, contact: &ContactId, call: StreamsCall) {
        let request = self.next_request_id();
        self.trace(Some(contact), "streams", format!("{request} {call:?}"));
        self.streams_pending.insert(request, (contact.clone(), call.clone()));
        self.commands.push_back(Command::Streams { request, contact: Some(contact.clone()), call });
    }

    fn set_state(&mut self, id: &ContactId, state: PopState) {
        if let Some(c) = self.contacts.get_mut(id) {
            let from = c.state.name();
            let to = state.name();
            c.state = state;
            if from != to {
                self.trace(Some(id), "state", format!("{from} -> {to}"));
            }
            self.dirty = true;
        }
    }

    fn take_state(&mut self, id: &ContactId) -> Option<PopState> {
        self.contacts.get_mut(id).map(|c| mem::replace(&mut c.state, PopState::AwaitingCif))
    }

    /// Puts back a state taken with [`Bridge::take_state`], tracing the transition from `from`.
    fn replace_state(&mut self, id: &ContactId, from: &'static str, next: PopState) {
        let to = next.name();
        if let Some(c) = self.contacts.get_mut(id) {
            c.state = next;
            self.dirty = true;
        }
        if from != to {
            self.trace(Some(id), "state", format!("{from} -> {to}"));
        }
    }

    fn put_state(&mut self, id: &ContactId, state: PopState) {
        if let Some(c) = self.contacts.get_mut(id) {
            c.state = state;
        }
    }

    // ---------------------------------------------------------------- contact events

    fn on_contact(&mut self, ev: ContactEvent) {
        let Some(id) = ContactId::parse(&ev.contact_id) else {
            self.report(
                Severity::Warning,
                None,
                "contact.id.invalid",
                format!(
                    "contact event {:?} ignored: contact id {:?} refused, expected 1 to 128 printable ASCII characters",
                    ev.kind,
                    text::excerpt(&ev.contact_id)
                ),
                false,
            );
            return;
        };
        if ev.kind != ContactEventKind::Refresh || !self.contacts.contains_key(&id) {
            let state = ev.snapshot.as_ref().map_or_else(|| "-".to_owned(), |s| text::excerpt(&s.state));
            self.trace(Some(&id), "input.contact", format!("{:?} state={state}", ev.kind));
        }
        if !self.contacts.contains_key(&id) {
            if self.handled.contains(&id) {
                self.trace(Some(&id), "decision", "already handled and released: ignored".to_owned());
                return;
            }
            if ev.kind == ContactEventKind::Destroyed || ev.snapshot.is_none() {
                self.trace(Some(&id), "decision", "unknown contact without a snapshot: ignored".to_owned());
                return;
            }
            self.contacts.insert(id.clone(), Contact::new(id.clone(), self.now));
        }
        if let Some(snapshot) = &ev.snapshot {
            let changed = self.contacts.get_mut(&id).is_some_and(|c| c.update_snapshot(snapshot));
            if changed {
                self.reparse_slugs(&id);
            }
        }
        let observation = observe_event(ev.kind, ev.snapshot.as_ref());
        let now = self.now;
        if let Some(c) = self.contacts.get_mut(&id) {
            let was_ended = c.ended_at.is_some();
            c.observe(observation, now);
            if observation == Observation::Ended && !was_ended {
                let duration = c.connected_at.map(|t| now.since(t));
                let detail = match duration {
                    Some(ms) => format!("contact ended after {} s connected; session stays", ms / 1000),
                    None => "contact ended without being connected".to_owned(),
                };
                self.trace(Some(&id), "contact.ended", detail);
            }
        }
        if ev.kind == ContactEventKind::Destroyed {
            self.release(&id);
            return;
        }
        self.drive(&id);
    }

    fn reparse_slugs(&mut self, id: &ContactId) {
        let Some(c) = self.contacts.get_mut(id) else { return };
        let (slugs, errors): (SlugData, _) = SlugData::parse(id, &c.attributes, &self.config.attribute_names);
        c.slugs = slugs;
        let new: Vec<_> = errors.iter().filter(|e| !c.slug_errors.contains(e)).cloned().collect();
        c.slug_errors = errors;
        for e in new {
            let code = match e.problem {
                crate::slug::SlugProblem::Truncated { .. } => "slug.truncated",
                _ => "slug.invalid",
            };
            self.report(Severity::Warning, Some(id), code, e.to_string(), false);
        }
    }

    /// Moves a contact forward after anything changed (its phase, CIF readiness, capacity).
    fn drive(&mut self, id: &ContactId) {
        if self.cif != CifState::Ready {
            return;
        }
        let Some(c) = self.contacts.get(id) else { return };
        if !c.seen {
            return;
        }
        let (ringing, dead, connected, inbound) = (c.is_ringing(), c.is_dead(), c.connected_at.is_some(), c.is_inbound());
        let Some(state) = self.take_state(id) else { return };
        let from = state.name();
        let next = match state {
            PopState::AwaitingCif => self.start(id, ringing, dead, connected, inbound),
            PopState::RestoredRinging { token } => {
                self.send_cif(Some(id), Purpose::Cancel, CifCall::CancelEvent { cancellation_token: token }, 0);
                self.start(id, ringing, dead, connected, inbound)
            }
            PopState::Notifying { request, token, template } => {
                if connected || dead {
                    self.forget_request(request);
                    self.send_cif(Some(id), Purpose::Cancel, CifCall::CancelEvent { cancellation_token: token }, 0);
                    if connected {
                        self.trace(Some(id), "decision", "answered in the CCP while the notification was open".into());
                        self.start_pop(id)
                    } else {
                        PopState::Abandoned
                    }
                } else {
                    PopState::Notifying { request, token, template }
                }
            }
            PopState::AwaitingConnect if connected => self.start_pop(id),
            PopState::AwaitingConnect if dead => PopState::Abandoned,
            PopState::WaitingForCapacity { .. } if self.open_sessions() < self.config.max_sessions => {
                self.start_pop(id)
            }
            other => other,
        };
        self.replace_state(id, from, next);
    }

    /// First decision once CIF is ready and the contact has a snapshot.
    fn start(&mut self, id: &ContactId, ringing: bool, dead: bool, connected: bool, inbound: bool) -> PopState {
        if connected {
            self.start_pop(id)
        } else if dead {
            PopState::Abandoned
        } else if ringing && inbound {
            self.notify(id)
        } else {
            PopState::AwaitingConnect
        }
    }

    fn notify(&mut self, id: &ContactId) -> PopState {
        let Some(c) = self.contacts.get(id) else { return PopState::Abandoned };
        let template = c.notification_template(&self.config);
        self.notify_with(id, template, 0)
    }

    fn notify_with(&mut self, id: &ContactId, template: crate::slug::TemplateName, attempt: u32) -> PopState {
        let Some(c) = self.contacts.get(id) else { return PopState::Abandoned };
        let params = c.template_parameters(&self.config, false);
        let request = RequestId(self.next_request);
        let token = format!("ccb-{}-{}", id, request.0);
        let call = CifCall::NotifyEvent {
            template_name: template.as_str().to_owned(),
            template_parameters: params,
            cancellation_token: token.clone(),
        };
        let request = self.send_cif(Some(id), Purpose::Notify, call, attempt);
        PopState::Notifying { request, token, template }
    }

    /// Step 4 begins: wait for capacity, or ask `canCreateSession`.
    fn start_pop(&mut self, id: &ContactId) -> PopState {
        if self.open_sessions() >= self.config.max_sessions {
            self.report(
                Severity::Warning,
                Some(id),
                "session.limit",
                format!("session limit reached ({} open), contact {id} waiting for a session to close", self.open_sessions()),
                true,
            );
            return PopState::WaitingForCapacity { since: self.now };
        }
        let request = self.send_cif(Some(id), Purpose::CanCreate, CifCall::CanCreateSession, 0);
        PopState::CheckingCapacity { request }
    }

    fn create_session(&mut self, id: &ContactId, template: crate::slug::TemplateName, attempt: u32) -> PopState {
        let Some(c) = self.contacts.get(id) else { return PopState::Abandoned };
        let withhold = c.withhold_customer_ids();
        let params = c.template_parameters(&self.config, withhold);
        if withhold && (c.slugs.customer_id().is_some() || c.slugs.account_id.is_some()) {
            let reason = c.search_reason();
            self.trace(Some(id), "decision", format!("customer ids withheld from the session ({reason})"));
        }
        let call = CifCall::CreateSession { template_name: template.as_str().to_owned(), template_parameters: params };
        let request = self.send_cif(Some(id), Purpose::CreateSession, call, attempt);
        PopState::CreatingSession { request, template, overdue: false }
    }

    /// Opens the planned tabs in a fresh session.
    fn open_tabs(&mut self, id: &ContactId, session_id: String) -> PopState {
        let Some(c) = self.contacts.get(id) else { return PopState::Abandoned };
        let plan = c.plan_tabs(&self.config);
        let single_without_id = c.slugs.is_single_match() && c.slugs.customer_id().is_none();
        let search_reason = c.search_reason();
        if single_without_id {
            self.report(
                Severity::Warning,
                Some(id),
                "pop.fallback.search",
                format!("contact {id}: single match without a valid customer id: searching instead of opening a record"),
                false,
            );
        }
        let mut tabs = BTreeMap::new();
        for kind in plan {
            if kind == TabKind::Search {
                self.trace(Some(id), "decision", format!("search tab ({search_reason})"));
            }
            if let Some(call) = self.tab_call(id, kind) {
                let request = self.send_cif(Some(id), Purpose::Tab(kind), call, 0);
                tabs.insert(kind, TabStatus::Pending(request));
            }
        }
        PopState::Popped { session_id, tabs }
    }

    /// The call that opens a tab; `None` when its data is missing (never a record tab without a valid id).
    fn tab_call(&self, id: &ContactId, kind: TabKind) -> Option<CifCall> {
        let c = self.contacts.get(id)?;
        let record_tab = |entity: &LogicalName, record: &crate::slug::Guid, focused: bool| {
            let mut p = Map::new();
            p.insert("entityName".into(), Value::String(entity.as_str().to_owned()));
            p.insert("entityId".into(), Value::String(record.as_str().to_owned()));
            CifCall::CreateTab {
                template_name: self.config.record_tab_template.as_str().to_owned(),
                template_parameters: p,
                is_focused: focused,
            }
        };
        match kind {
            TabKind::Activity => {
                let entity =
                    c.slugs.entity_record_entity_name.clone().unwrap_or_else(|| LogicalName::known("phonecall"));
                Some(record_tab(&entity, c.slugs.activity_record_id()?, false))
            }
            TabKind::Customer => {
                let entity = c.slugs.customer_entity_name.clone().unwrap_or_else(|| LogicalName::known("contact"));
                Some(record_tab(&entity, c.slugs.customer_id()?, true))
            }
            TabKind::Search => {
                let (entity, search_text) = c.search()?;
                Some(match &self.config.search_tab_template {
                    Some(template) => {
                        let mut p = Map::new();
                        p.insert("searchType".into(), Value::String(entity.as_str().to_owned()));
                        p.insert("searchText".into(), Value::String(search_text.expose().clone()));
                        p.insert("entityName".into(), Value::String(entity.as_str().to_owned()));
                        CifCall::CreateTab {
                            template_name: template.as_str().to_owned(),
                            template_parameters: p,
                            is_focused: true,
                        }
                    }
                    None => CifCall::RenderSearchPage {
                        entity_name: entity.as_str().to_owned(),
                        search_string: search_text.expose().clone(),
                    },
                })
            }
        }
    }

    /// `onDestroy`: cancel an open notification, then forget the contact but remember its id.
    fn release(&mut self, id: &ContactId) {
        if let Some(PopState::Notifying { request, token, .. }) = self.contacts.get(id).map(|c| c.state.clone()) {
            self.forget_request(request);
            self.send_cif(Some(id), Purpose::Cancel, CifCall::CancelEvent { cancellation_token: token }, 0);
        }
        let Some(c) = self.contacts.remove(id) else { return };
        self.trace(Some(id), "contact.released", format!("released in state {}", c.state.name()));
        self.handled.insert(id.clone());
        for p in self.pending.values_mut() {
            if p.contact.as_ref() == Some(id) {
                p.contact = None;
            }
        }
        // Keep only orphaned createSession calls (their sessions count); other replies will be ignored.
        let orphans: Vec<RequestId> = self
            .pending
            .iter()
            .filter(|(_, p)| p.contact.is_none() && !matches!(p.purpose, Purpose::CreateSession | Purpose::Reconcile))
            .map(|(r, _)| *r)
            .collect();
        for r in orphans {
            self.forget_request(r);
        }
        let retry_ids: Vec<u64> =
            self.retries.iter().filter(|(_, j)| j.contact.as_ref() == Some(id)).map(|(k, _)| *k).collect();
        for k in retry_ids {
            self.retries.remove(&k);
            self.timers.remove(TimerKey::Retry(k));
        }
        self.streams_pending.retain(|_, (c, _)| c != id);
        for owner in self.sessions.values_mut() {
            if owner.as_ref() == Some(id) {
                *owner = None;
            }
        }
        self.dirty = true;
    }

    fn forget_request(&mut self, request: RequestId) {
        self.pending.remove(&request);
        self.timers.remove(TimerKey::Deadline(request));
    }

    // ---------------------------------------------------------------- CIF availability

    fn on_cif(&mut self, a: CifAvailability) {
        match a {
            CifAvailability::Ready => {
                if self.cif == CifState::Ready {
                    self.trace(None, "input.cif", "Ready again: ignored".into());
                    return;
                }
                self.trace(None, "input.cif", "Ready".into());
                self.cif = CifState::Ready;
                if !self.unverified_sessions.is_empty() {
                    self.start_reconcile();
                }
                let ids: Vec<ContactId> = self.contacts.keys().cloned().collect();
                for id in ids {
                    self.drive(&id);
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

    fn start_reconcile(&mut self) {
        if self.cif != CifState::Ready {
            return;
        }
        if self.reconcile.is_some() {
            self.reconcile_again = true;
            return;
        }
        let r = self.send_cif(None, Purpose::Reconcile, CifCall::GetAllSessions, 0);
        self.reconcile = Some(r);
    }

    // ---------------------------------------------------------------- CIF replies

    fn on_cif_reply(&mut self, r: CifReply) {
        let Some(p) = self.pending.remove(&r.request) else {
            self.trace(None, "reply.ignored", format!("{}: unknown or stale request", r.request));
            return;
        };
        self.timers.remove(TimerKey::Deadline(r.request));
        let contact = p.contact.clone();
        let outcome_text = match &r.outcome {
            CifOutcome::Resolved(v) => format!("resolved {}", text::describe_json(v)),
            CifOutcome::Rejected(v) => format!("rejected {}", CifError::from_rejection(v).message),
            CifOutcome::Threw(m) => format!("threw {}", text::excerpt(m)),
        };
        // Session ids and action names are not personal; notification results carry nothing else.
        self.trace(contact.as_ref(), &format!("reply.{}", p.call.method_name()), format!("{} {outcome_text}", r.request));
        match p.purpose {
            Purpose::Reconcile => self.on_reconcile_reply(r.request, &p, r.outcome),
            Purpose::Cancel => {
                if !matches!(r.outcome, CifOutcome::Resolved(_)) {
                    self.fail(r.request, p, "cancelEvent failed");
                }
            }
            Purpose::CreateSession => self.on_create_session_reply(r.request, p, r.outcome),
            _ => {
                let Some(id) = contact else {
                    self.trace(None, "reply.ignored", format!("{}: contact already released", r.request));
                    return;
                };
                if !self.awaits(&id, p.purpose, r.request) {
                    self.trace(Some(&id), "reply.ignored", format!("{}: the contact moved on", r.request));
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
    fn awaits(&self, id: &ContactId, purpose: Purpose, request: RequestId) -> bool {
        let Some(c) = self.contacts.get(id) else { return false };
        match (&c.state, purpose) {
            (PopState::Notifying { request: r, .. }, Purpose::Notify) => *r == request,
            (PopState::CheckingCapacity { request: r }, Purpose::CanCreate) => *r == request,
            (PopState::CreatingSession { request: r, .. }, Purpose::CreateSession) => *r == request,
            (PopState::Popped { tabs, .. }, Purpose::Tab(kind)) => tabs.get(&kind) == Some(&TabStatus::Pending(request)),
            (_, Purpose::Cancel | Purpose::Reconcile) => true,
            _ => false,
        }
    }

    fn on_notify_reply(&mut self, id: &ContactId, request: RequestId, p: Pending, outcome: CifOutcome) {
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
                    let next = self.start_pop(id);
                    self.set_state(id, next);
                }
                Some(NotificationAction::Reject) => {
                    self.trace(Some(id), "decision", "rejected in Dynamics: no session".into());
                    let ringing = self.contacts.get(id).is_some_and(Contact::is_ringing);
                    if self.config.reject_in_connect_on_decline && ringing {
                        self.send_streams(id, StreamsCall::Reject);
                    }
                    self.set_state(id, PopState::Declined);
                }
                Some(NotificationAction::Timeout) => {
                    self.trace(Some(id), "decision", "notification timed out: the pop runs if answered in the CCP".into());
                    self.set_state(id, PopState::AwaitingConnect);
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
                        false,
                    );
                    self.set_state(id, PopState::AwaitingConnect);
                    self.drive(id);
                }
            },
            CifOutcome::Rejected(v) => {
                let e = CifError::from_rejection(&v);
                let default = self.contacts.get(id).map(|c| self.config.templates_for(&c.channel).notification.clone());
                if let Some(default) = default.filter(|d| e.is_template_not_found() && *d != template) {
                    self.report(
                        Severity::Warning,
                        Some(id),
                        "template.notification.fallback",
                        format!("contact {id}: notification template {template} not found; using the channel default {default}"),
                        false,
                    );
                    let next = self.notify_with(id, default, p.attempt + 1);
                    self.set_state(id, next);
                } else {
                    self.fail(request, p, &format!("notifyEvent rejected: {}", e.message));
                }
            }
            CifOutcome::Threw(m) => self.fail(request, p, &format!("notifyEvent threw: {}", text::excerpt(&m))),
        }
    }

    fn on_can_create_reply(&mut self, id: &ContactId, request: RequestId, p: Pending, outcome: CifOutcome) {
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
                        self.set_state(id, PopState::WaitingForCapacity { since: self.now });
                        return;
                    }
                    let Some(template) = self.contacts.get(id).map(|c| c.session_template(&self.config)) else { return };
                    let next = self.create_session(id, template, 0);
                    self.set_state(id, next);
                }
                Some(false) => {
                    self.report(
                        Severity::Warning,
                        Some(id),
                        "session.limit",
                        format!("session limit reached (Dynamics says no new session), contact {id} waiting for a session to close"),
                        true,
                    );
                    self.set_state(id, PopState::WaitingForCapacity { since: self.now });
                }
                None => self.fail(request, p, &format!("canCreateSession result {} is not a boolean", text::describe_json(&v))),
            },
            CifOutcome::Rejected(v) => {
                self.fail(request, p, &format!("canCreateSession rejected: {}", CifError::from_rejection(&v).message));
            }
            CifOutcome::Threw(m) => self.fail(request, p, &format!("canCreateSession threw: {}", text::excerpt(&m))),
        }
    }

    fn on_create_session_reply(&mut self, request: RequestId, p: Pending, outcome: CifOutcome) {
        let live = p.contact.clone().filter(|id| self.awaits(id, Purpose::CreateSession, request));
        match outcome {
            CifOutcome::Resolved(v) => match reply::session_id(&v) {
                Some(session_id) => {
                    self.dirty = true;
                    match live {
                        Some(id) => {
                            self.sessions.insert(session_id.clone(), Some(id.clone()));
                            self.trace(Some(&id), "decision", format!("session {} created", text::excerpt(&session_id)));
                            let next = self.open_tabs(&id, session_id);
                            self.set_state(&id, next);
                        }
                        None => {
                            // The contact was released (or reconciled) meanwhile: count the session, write nothing.
                            self.sessions.entry(session_id).or_insert(None);
                            self.pump_waiting();
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
                        self.set_state(&id, PopState::SessionUnknown);
                    }
                    self.start_reconcile();
                }
            },
            CifOutcome::Rejected(v) => {
                let e = CifError::from_rejection(&v);
                let Some(id) = live else {
                    self.pump_waiting();
                    return;
                };
                let template = match self.contacts.get(&id).map(|c| &c.state) {
                    Some(PopState::CreatingSession { template, .. }) => template.clone(),
                    _ => return,
                };
                let default = self.contacts.get(&id).map(|c| self.config.templates_for(&c.channel).session.clone());
                match default {
                    Some(default) if e.is_template_not_found() && default != template => {
                        self.report(
                            Severity::Warning,
                            Some(&id),
                            "template.session.fallback",
                            format!("contact {id}: session template {template} not found; using the channel default {default}"),
                            false,
                        );
                        let next = self.create_session(&id, default, p.attempt + 1);
                        self.set_state(&id, next);
                    }
                    _ => self.fail(request, p, &format!("createSession rejected: {}", e.message)),
                }
            }
            CifOutcome::Threw(m) => {
                if live.is_some() {
                    self.fail(request, p, &format!("createSession threw: {}", text::excerpt(&m)));
                } else {
                    self.pump_waiting();
                }
            }
        }
    }

    fn on_tab_reply(&mut self, id: &ContactId, kind: TabKind, request: RequestId, p: Pending, outcome: CifOutcome) {
        match outcome {
            CifOutcome::Resolved(_) => self.set_tab(id, kind, TabStatus::Done),
            CifOutcome::Rejected(v) => {
                let m = CifError::from_rejection(&v).message;
                self.fail(request, p, &format!("{} rejected: {m}", kind.as_str()));
            }
            CifOutcome::Threw(m) => self.fail(request, p, &format!("{} threw: {}", kind.as_str(), text::excerpt(&m))),
        }
    }

    fn set_tab(&mut self, id: &ContactId, kind: TabKind, status: TabStatus) {
        if let Some(Contact { state: PopState::Popped { tabs, .. }, .. }) = self.contacts.get_mut(id) {
            tabs.insert(kind, status);
            self.dirty = true;
        }
    }

    fn on_reconcile_reply(&mut self, request: RequestId, p: &Pending, outcome: CifOutcome) {
        if self.reconcile == Some(request) {
            self.reconcile = None;
        }
        let list = match outcome {
            CifOutcome::Resolved(v) => reply::session_list(&v),
            _ => None,
        };
        let Some(alive) = list else {
            self.fail(request, p.clone(), "getAllSessions failed or returned no list");
            return;
        };
        let alive: BTreeSet<String> = alive.into_iter().collect();
        // Restored sessions the agent closed meanwhile.
        let unverified = mem::take(&mut self.unverified_sessions);
        for sid in unverified {
            if !alive.contains(&sid) {
                self.close_session(&sid, "closed before the page reloaded");
            }
        }
        // Sessions unknown to us: adopt one for a single overdue createSession, else count them.
        let unknown: Vec<String> = alive.iter().filter(|s| !self.sessions.contains_key(*s)).cloned().collect();
        let overdue: Vec<ContactId> = self
            .contacts
            .values()
            .filter(|c| matches!(c.state, PopState::CreatingSession { overdue: true, .. } | PopState::SessionUnknown))
            .map(|c| c.id.clone())
            .collect();
        if unknown.len() == 1 && overdue.len() == 1 {
            let (sid, id) = (unknown[0].clone(), overdue[0].clone());
            if let Some(PopState::CreatingSession { request, .. }) = self.contacts.get(&id).map(|c| c.state.clone()) {
                self.forget_request(request);
            }
            self.sessions.insert(sid.clone(), Some(id.clone()));
            self.trace(Some(&id), "decision", format!("adopted session {} found by getAllSessions", text::excerpt(&sid)));
            let next = self.open_tabs(&id, sid);
            self.set_state(&id, next);
        } else {
            for sid in unknown {
                self.sessions.insert(sid, None);
            }
        }
        self.dirty = true;
        if mem::take(&mut self.reconcile_again) {
            self.start_reconcile();
        }
        self.pump_waiting();
    }

    /// A call failed without side effects: retry with backoff, or give up.
    fn fail(&mut self, request: RequestId, p: Pending, why: &str) {
        let retry = p.attempt + 1;
        match self.retry.delay(retry) {
            Some(delay) => {
                self.trace(p.contact.as_ref(), "retry", format!("{request} {why}; retry {retry} in {delay} ms"));
                let key = self.next_retry;
                self.next_retry += 1;
                self.timers.insert(self.now.plus(delay), TimerKey::Retry(key));
                self.retries.insert(
                    key,
                    RetryJob { contact: p.contact, purpose: p.purpose, call: p.call, attempt: retry, replaces: request },
                );
            }
            None => self.give_up(p, why),
        }
    }

    fn run_retry(&mut self, job: RetryJob) {
        if let Some(id) = &job.contact {
            if !self.contacts.contains_key(id) || !self.awaits(id, job.purpose, job.replaces) {
                self.trace(Some(id), "retry.dropped", format!("{}: the contact moved on", job.replaces));
                return;
            }
        } else if job.purpose != Purpose::Reconcile {
            return;
        }
        let call = match (job.purpose, job.call) {
            // A new notification gets a new token.
            (Purpose::Notify, CifCall::NotifyEvent { template_name, template_parameters, .. }) => {
                let token = format!("ccb-{}-{}", job.contact.as_ref().map_or("", ContactId::as_str), self.next_request);
                CifCall::NotifyEvent { template_name, template_parameters, cancellation_token: token }
            }
            (_, call) => call,
        };
        let request = self.send_cif(job.contact.as_ref(), job.purpose, call.clone(), job.attempt);
        let Some(id) = job.contact else {
            self.reconcile = Some(request);
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
                (PopState::CheckingCapacity { request: r }, Purpose::CanCreate)
                | (PopState::CreatingSession { request: r, .. }, Purpose::CreateSession) => *r = request,
                (PopState::Popped { tabs, .. }, Purpose::Tab(kind)) => {
                    tabs.insert(kind, TabStatus::Pending(request));
                }
                _ => {}
            }
            self.dirty = true;
        }
    }

    fn give_up(&mut self, p: Pending, why: &str) {
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
                self.set_state(&id, PopState::AwaitingConnect);
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
                let Some(template) = self.contacts.get(&id).map(|c| c.session_template(&self.config)) else { return };
                let next = self.create_session(&id, template, 0);
                self.set_state(&id, next);
            }
            (Purpose::CreateSession, Some(id)) => {
                self.report(
                    Severity::Error,
                    Some(&id),
                    "cif.createSession.failed",
                    format!("contact {id}: no Dynamics session could be created ({why})"),
                    true,
                );
                self.set_state(&id, PopState::Failed);
                self.pump_waiting();
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
            (Purpose::Reconcile, _) => {
                self.report(
                    Severity::Warning,
                    None,
                    "cif.getAllSessions.failed",
                    format!("could not check which sessions are still open ({why}); restored sessions are trusted"),
                    false,
                );
                self.unverified_sessions.clear();
                if mem::take(&mut self.reconcile_again) {
                    self.start_reconcile();
                }
            }
            (_, None) => {}
        }
    }

    fn on_deadline(&mut self, request: RequestId) {
        let Some(p) = self.pending.get(&request).cloned() else { return };
        let contact = p.contact.clone();
        self.trace(contact.as_ref(), "deadline", format!("{request} {} got no answer", p.call.method_name()));
        match p.purpose {
            Purpose::CreateSession => {
                // Never repeated: keep waiting for the late answer (the request stays pending) and reconcile.
                if let Some(id) = contact.filter(|id| self.awaits(id, Purpose::CreateSession, request)) {
                    if let Some(Contact { state: PopState::CreatingSession { overdue, .. }, .. }) = self.contacts.get_mut(&id) {
                        *overdue = true;
                    }
                    self.report(
                        Severity::Warning,
                        Some(&id),
                        "cif.createSession.timeout",
                        format!("contact {id}: Dynamics did not answer createSession; waiting for it (no second session), checking open sessions"),
                        true,
                    );
                    self.start_reconcile();
                }
            }
            Purpose::Tab(kind) => {
                // Not repeated either (a late tab would be a duplicate); a late answer is still accepted.
                if let Some(id) = contact {
                    self.report(
                        Severity::Warning,
                        Some(&id),
                        "cif.createTab.timeout",
                        format!("contact {id}: Dynamics did not answer for the {} tab; not repeated", kind.as_str()),
                        true,
                    );
                }
            }
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
                        self.send_cif(Some(&id), Purpose::Cancel, CifCall::CancelEvent { cancellation_token: token }, 0);
                        self.set_state(&id, PopState::AwaitingConnect);
                        self.drive(&id);
                    }
                }
            }
            Purpose::Cancel | Purpose::CanCreate | Purpose::Reconcile => {
                self.forget_request(request);
                if p.purpose == Purpose::Reconcile && self.reconcile == Some(request) {
                    self.reconcile = None;
                }
                self.fail(request, p, "no answer before the deadline");
            }
        }
    }

    // ---------------------------------------------------------------- sessions and handlers

    fn close_session(&mut self, session_id: &str, why: &str) {
        let owner = self.sessions.remove(session_id).flatten();
        self.unverified_sessions.remove(session_id);
        if self.focused_session.as_deref() == Some(session_id) {
            self.focused_session = None;
        }
        if let Some(id) = owner {
            if let Some(PopState::Popped { tabs, .. }) = self.contacts.get(&id).map(|c| c.state.clone()) {
                for status in tabs.values() {
                    if let TabStatus::Pending(r) = status {
                        self.forget_request(*r);
                    }
                }
                let retry_ids: Vec<u64> =
                    self.retries.iter().filter(|(_, j)| j.contact.as_ref() == Some(&id)).map(|(k, _)| *k).collect();
                for k in retry_ids {
                    self.retries.remove(&k);
                    self.timers.remove(TimerKey::Retry(k));
                }
                self.trace(Some(&id), "decision", format!("session closed ({why}): nothing more is written to it"));
                self.set_state(&id, PopState::SessionClosed);
            }
        }
        self.dirty = true;
        self.pump_waiting();
    }

    /// Lets waiting contacts pop, first come first served, while capacity lasts.
    fn pump_waiting(&mut self) {
        let mut waiting: Vec<(Millis, ContactId)> = self
            .contacts
            .values()
            .filter_map(|c| match c.state {
                PopState::WaitingForCapacity { since } => Some((since, c.id.clone())),
                _ => None,
            })
            .collect();
        waiting.sort();
        for (_, id) in waiting {
            if self.open_sessions() >= self.config.max_sessions {
                break;
            }
            self.drive(&id);
        }
    }

    fn on_dynamics(&mut self, d: DynamicsEvent) {
        match d.handler {
            DynamicsHandler::SessionSwitched => match dynamics::session_switched(&d.payload) {
                Ok(s) => {
                    self.trace(None, "input.dynamics", format!("onSessionSwitched {} focused={}", text::excerpt(&s.session_id), s.focused));
                    if s.focused {
                        self.focused_session = Some(s.session_id);
                    } else if self.focused_session.as_deref() == Some(s.session_id.as_str()) {
                        self.focused_session = None;
                    }
                }
                Err(e) => self.report(Severity::Warning, None, "dynamics.payload.invalid", e.to_string(), false),
            },
            DynamicsHandler::SessionClosed => match dynamics::session_closed(&d.payload) {
                Ok(s) => {
                    self.trace(None, "input.dynamics", format!("onSessionClosed {}", text::excerpt(&s.session_id)));
                    self.close_session(&s.session_id, "closed by the agent");
                }
                Err(e) => self.report(Severity::Warning, None, "dynamics.payload.invalid", e.to_string(), false),
            },
            DynamicsHandler::ClickToAct => match dynamics::click_to_act(&d.payload) {
                Ok(c) => self.trace(None, "input.dynamics", format!("onclicktoact {} (dialling not handled by the core yet)", c.value)),
                Err(e) => self.report(Severity::Warning, None, "dynamics.payload.invalid", e.to_string(), false),
            },
            DynamicsHandler::PresenceChanged => match dynamics::presence_changed(&d.payload) {
                Ok(p) => self.trace(None, "input.dynamics", format!("onPresenceChange {:?}", p.presence_text)),
                Err(e) => self.report(Severity::Warning, None, "dynamics.payload.invalid", e.to_string(), false),
            },
        }
    }

    fn on_streams_reply(&mut self, r: StreamsReply) {
        let Some((id, call)) = self.streams_pending.remove(&r.request) else {
            self.trace(None, "reply.ignored", format!("{}: unknown Streams request", r.request));
            return;
        };
        match r.outcome {
            Ok(()) => self.trace(Some(&id), "reply.streams", format!("{} {call:?} ok", r.request)),
            Err(e) => self.report(
                Severity::Error,
                Some(&id),
                "streams.failed",
                format!("contact {id}: Amazon Connect {call:?} failed: {}", text::excerpt(&e)),
                true,
            ),
        }
    }

    fn on_agent(&mut self, a: AgentEvent) {
        // Extension point for presence rules (spec §4); traced only for now.
        self.trace(None, "input.agent", format!("{} ({})", text::excerpt(&a.state_name), text::excerpt(&a.state_type)));
    }

    // ---------------------------------------------------------------- reload

    fn on_restore(&mut self, r: RestoredState) {
        let (persisted, problems) = Persisted::parse(&r.raw, self.config.handled_contact_memory);
        for p in problems {
            self.report(Severity::Warning, None, "persist.invalid", p, false);
        }
        self.trace(None, "input.restore", format!("{} contacts, {} handled ids", persisted.contacts.len(), persisted.handled.len()));
        for id in persisted.handled {
            if !self.contacts.contains_key(&id) {
                self.handled.insert(id);
            }
        }
        for (id, pc) in persisted.contacts {
            if self.handled.contains(&id) {
                continue;
            }
            let state = restored_state(&pc);
            let Some(state) = state else { continue };
            let contact = self.contacts.entry(id.clone()).or_insert_with(|| Contact::new(id.clone(), self.now));
            if contact.state != PopState::AwaitingCif {
                continue;
            }
            if let (PopState::Popped { session_id, .. }, false) = (&state, pc.closed) {
                self.sessions.insert(session_id.clone(), Some(id.clone()));
                self.unverified_sessions.insert(session_id.clone());
            }
            self.put_state(&id, state);
            self.trace(Some(&id), "state", format!("restored as {}", self.contacts.get(&id).map_or("-", |c| c.state.name())));
        }
        self.dirty = true;
        if self.cif == CifState::Ready {
            if !self.unverified_sessions.is_empty() {
                self.start_reconcile();
            }
            let ids: Vec<ContactId> = self.contacts.keys().cloned().collect();
            for id in ids {
                self.drive(&id);
            }
        }
    }

    fn snapshot_persisted(&self) -> Persisted {
        let mut p = Persisted::default();
        for c in self.contacts.values() {
            let entry = match &c.state {
                PopState::Notifying { token, .. } | PopState::RestoredRinging { token } => {
                    PersistedContact { token: Some(token.clone()), ..Default::default() }
                }
                PopState::Popped { session_id, tabs } => PersistedContact {
                    session_id: Some(session_id.clone()),
                    tabs: tabs.keys().copied().collect(),
                    ..Default::default()
                },
                PopState::CreatingSession { .. } | PopState::SessionUnknown => {
                    PersistedContact { creating: true, ..Default::default() }
                }
                PopState::SessionClosed => PersistedContact { closed: true, ..Default::default() },
                PopState::Declined => PersistedContact { declined: true, ..Default::default() },
                _ => continue,
            };
            p.contacts.insert(c.id.clone(), entry);
        }
        p.handled = self.handled.iter().cloned().collect();
        p
    }

    fn flush_persist(&mut self) {
        if !mem::take(&mut self.dirty) {
            return;
        }
        let text = self.snapshot_persisted().to_json();
        if self.last_persisted.as_deref() != Some(text.as_str()) {
            self.last_persisted = Some(text.clone());
            self.trace(None, "persist", format!("{} bytes", text.len()));
            self.commands.push_back(Command::Persist(text));
        }
    }
}

/// The state a persisted contact resumes in.
fn restored_state(pc: &PersistedContact) -> Option<PopState> {
    if pc.closed {
        Some(PopState::SessionClosed)
    } else if let Some(session_id) = &pc.session_id {
        Some(PopState::Popped {
            session_id: session_id.clone(),
            tabs: pc.tabs.iter().map(|k| (*k, TabStatus::Done)).collect(),
        })
    } else if pc.creating {
        Some(PopState::SessionUnknown)
    } else if pc.declined {
        Some(PopState::Declined)
    } else {
        pc.token.as_ref().map(|t| PopState::RestoredRinging { token: t.clone() })
    }
}

/// A trace line for a CIF call: the method's non-personal arguments and the *names* of template parameters.
fn describe_call(request: RequestId, call: &CifCall, attempt: u32) -> String {
    let keys = |m: &Map<String, Value>| m.keys().map(String::as_str).collect::<Vec<_>>().join(",");
    let base = match call {
        CifCall::NotifyEvent { template_name, template_parameters, .. } => {
            format!("{request} template={template_name} params=[{}]", keys(template_parameters))
        }
        CifCall::CreateSession { template_name, template_parameters } => {
            format!("{request} template={template_name} params=[{}]", keys(template_parameters))
        }
        CifCall::CreateTab { template_name, template_parameters, .. } => {
            let entity = template_parameters.get("entityName").and_then(Value::as_str).unwrap_or("-");
            format!("{request} template={template_name} entityName={entity} params=[{}]", keys(template_parameters))
        }
        CifCall::RenderSearchPage { entity_name, .. } => format!("{request} entity={entity_name}"),
        _ => format!("{request}"),
    };
    if attempt > 0 {
        format!("{base} attempt={}", attempt + 1)
    } else {
        base
    }
}
