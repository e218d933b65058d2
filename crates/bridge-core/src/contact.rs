//! One contact: what Streams told us about it, its slug data, and its screen-pop state machine.
//!
//! The state ([`PopState`]) is an enum whose variants carry only the data that state needs (the request a
//! reply must match, the token a cancel needs, the session id tabs go to). The engine moves a contact forward
//! by taking the state out, consuming it and putting the next one back, so an impossible combination (a
//! session id while still notifying, a token after the pop) cannot be represented.
//!
//! Whether the contact is ringing, connected or over is tracked beside the state, monotonically
//! ([`Contact::observe`]), because Streams may deliver events late, twice or out of order.

use crate::vecmap::VecMap;

use serde_json::{Map, Value};

use crate::command::CifCall;
use crate::config::{Config, CustomerRecordTab};
use crate::ids::{ContactId, RequestId};
use crate::input::{ContactEventKind, ContactSnapshot};
use crate::persist::TabKind;
use crate::redact::Redacted;
use crate::slug::{LogicalName, LookupStatus, SlugData, SlugError, SlugField, TemplateName};
use crate::text;
use crate::time::Millis;

/// Where one contact's screen pop stands.
#[derive(Debug, Clone, PartialEq)]
pub enum PopState {
    /// Seen, but CIF is not ready yet (or Streams has not given a snapshot); nothing sent.
    AwaitingCif,
    /// Restored after a reload with the token of a notification that was open: cancel it, then start again.
    RestoredRinging {
        /// The old notification's token.
        token: String,
    },
    /// `notifyEvent` sent; waiting for the agent's answer.
    Notifying {
        /// The `notifyEvent` request.
        request: RequestId,
        /// Its cancellation token.
        token: String,
        /// The template used (a retry after `TemplateNotFound` uses the channel default).
        template: TemplateName,
    },
    /// No notification is open and none will be (outbound, or the toast timed out or failed): the pop runs when
    /// the contact connects.
    AwaitingConnect,
    /// The agent rejected the notification: no session, even if the contact is answered in the CCP later.
    Declined,
    /// Started by the agent (an email draft or reply, spec §4; or a supervisor's monitoring of another agent's
    /// contact): never notified and never popped. The agent started it from where they already are in Dynamics;
    /// a new session would pull them away from it (and a monitored contact is the other agent's to pop).
    AgentStarted,
    /// The contact needs a session but the session limit is reached; it pops when a session closes.
    WaitingForCapacity {
        /// Since when (first come, first served).
        since: Millis,
    },
    /// The contact needs a session, but another contact's pop (its `createSession` and tabs) is under way. CIF
    /// opens a tab in whichever session is focused and `createSession` focuses the session it creates, so pops
    /// run one at a time, first come first served: contacts Dynamics already said yes to first, then the others,
    /// each lowest ticket first.
    WaitingForTurn {
        /// Arrival order (or, for a contact whose capacity check was answered while the turn was still taken,
        /// the order of those answers).
        ticket: u64,
        /// Dynamics already said a session may be created (asked ahead, while the previous pop waited only
        /// for its tabs): its turn starts with `createSession`.
        capacity_confirmed: bool,
    },
    /// `canCreateSession` sent.
    CheckingCapacity {
        /// That request.
        request: RequestId,
    },
    /// `createSession` sent. Never sent again for this contact, whatever happens.
    CreatingSession {
        /// That request.
        request: RequestId,
        /// The template used.
        template: TemplateName,
    },
    /// A session was created (possibly before a reload); tabs go into it.
    Popped {
        /// The session.
        session_id: String,
        /// The tabs requested so far and how each stands.
        tabs: VecMap<TabKind, TabStatus>,
    },
    /// A session may exist but its id is unknown (a `createSession` was in flight at a reload, or its answer
    /// was garbage): no second `createSession` until Dynamics, asked by reconciliation, says no session carries
    /// this contact once `sessionOrphanMs` has passed.
    SessionUnknown {
        /// The id its orphan deadline is armed under (no CIF request carries it).
        watch: RequestId,
    },
    /// The agent closed the session: the contact is never written to again.
    SessionClosed,
    /// Gave up on the pop after repeated failures (reported to the agent).
    Failed,
    /// The contact ended or was missed before any pop: nothing more to do.
    Abandoned,
    /// Another Dynamics tab of this agent popped it (its leader said so): never notified or popped here.
    HandledElsewhere,
}

impl PopState {
    /// The state's name, for the trace.
    pub fn name(&self) -> &'static str {
        match self {
            PopState::AwaitingCif => "AwaitingCif",
            PopState::RestoredRinging { .. } => "RestoredRinging",
            PopState::Notifying { .. } => "Notifying",
            PopState::AwaitingConnect => "AwaitingConnect",
            PopState::Declined => "Declined",
            PopState::AgentStarted => "AgentStarted",
            PopState::WaitingForCapacity { .. } => "WaitingForCapacity",
            PopState::WaitingForTurn { .. } => "WaitingForTurn",
            PopState::CheckingCapacity { .. } => "CheckingCapacity",
            PopState::CreatingSession { .. } => "CreatingSession",
            PopState::Popped { .. } => "Popped",
            PopState::SessionUnknown { .. } => "SessionUnknown",
            PopState::SessionClosed => "SessionClosed",
            PopState::Failed => "Failed",
            PopState::Abandoned => "Abandoned",
            PopState::HandledElsewhere => "HandledElsewhere",
        }
    }

    /// Whether a released contact must be remembered, so that a second delivery of it never pops again: its
    /// session was (or may have been) created, another tab popped it, or it is not the bridge's to pop at all.
    /// A contact that never got that far (missed, abandoned, rejected) may be offered again by Connect under the
    /// same id, and that offer rings anew.
    pub fn popped_or_decided(&self) -> bool {
        matches!(
            self,
            PopState::CreatingSession { .. }
                | PopState::Popped { .. }
                | PopState::SessionUnknown { .. }
                | PopState::SessionClosed
                | PopState::Failed
                | PopState::HandledElsewhere
                | PopState::AgentStarted
        )
    }

    /// Whether the contact's pop has started (a session is being or was created, or never will be): events
    /// can no longer cause a notification or a new pop.
    pub fn pop_started_or_final(&self) -> bool {
        !matches!(
            self,
            PopState::AwaitingCif
                | PopState::RestoredRinging { .. }
                | PopState::Notifying { .. }
                | PopState::AwaitingConnect
                | PopState::WaitingForCapacity { .. }
                | PopState::WaitingForTurn { .. }
        )
    }
}

/// How one requested tab stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TabStatus {
    /// Request in flight (or waiting for a retry of this request).
    Pending(RequestId),
    /// Planned but not requested yet: the agent was looking at another session when it could have been opened
    /// (CIF opens tabs in the focused session), so it opens when the contact's session is focused again.
    Deferred,
    /// Opened (or requested before a reload: never requested twice).
    Done,
    /// Given up.
    Failed,
}

/// A tab whose `createTab` Dynamics answered after the agent had left the contact's session for one that is not
/// this provider's: what is needed to look for it in the contact's session and to close it where it opened.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnplacedTab {
    /// The id Dynamics gave the tab.
    pub tab_id: String,
    /// Its template, for `getTabs`.
    pub template_name: String,
}

/// A contact the engine is handling.
#[derive(Debug, Clone)]
pub struct Contact {
    /// Its id.
    pub id: ContactId,
    /// CIF correlation id for all of its calls.
    pub correlation_id: String,
    /// Whether Streams gave a snapshot yet (restored contacts start without).
    pub seen: bool,
    /// `getType()`, cleaned (`voice`, `chat`, …).
    pub channel: String,
    /// `isInbound()`, or `false` once `initiationMethod` says `outbound` (the agent dialled it).
    pub inbound: Option<bool>,
    /// Queue name.
    pub queue_name: Option<String>,
    /// Customer phone number.
    pub phone: Option<Redacted<String>>,
    /// Customer name as Streams knows it.
    pub customer_name: Option<Redacted<String>>,
    /// Email: the sender's address.
    pub email_address: Option<Redacted<String>>,
    /// Email: the subject (segment attribute `connect:EmailSubject`).
    pub email_subject: Option<Redacted<String>>,
    /// Started by the agent (an email draft or reply, `initiationMethod` `outbound` / `agent_reply`; or a
    /// supervisor's monitoring, `monitor`): neither announced as an incoming contact nor popped.
    pub agent_started: bool,
    /// A supervisor's monitoring of (or barging into) another agent's contact: besides never popping here, its
    /// end is the other agent's to record.
    pub monitoring: bool,
    /// The last raw attributes parsed (to skip re-parsing identical refreshes).
    pub attributes: Value,
    /// Parsed slugs.
    pub slugs: SlugData,
    /// Slug problems already reported.
    pub slug_errors: Vec<SlugError>,
    /// When first seen.
    pub first_seen: Millis,
    /// When it connected (accepted in the CCP or answered), if it did.
    pub connected_at: Option<Millis>,
    /// When it ended / was missed, if it did.
    pub ended_at: Option<Millis>,
    /// The screen-pop state.
    pub state: PopState,
    /// Whether the pop was already started again once because Dynamics never created its session: a second
    /// orphaned `createSession` is reported instead of repeated.
    pub session_retried: bool,
    /// Popped before Streams delivered it (restored from storage, or adopted from Dynamics): its tab plan is
    /// completed once its slugs are known.
    pub tabs_unplanned: bool,
    /// Tabs Dynamics opened while the agent looked at a session that is not this provider's (Home): each may be
    /// there instead of in this contact's session, which `getTabs` can tell only once that session is focused.
    pub unplaced_tabs: VecMap<TabKind, UnplacedTab>,
    /// Unplaced tabs settled since the last record of its tabs in Dynamics: that record clears their
    /// `ccbTabUnplaced_<kind>` (a page after a reload would otherwise look for an id that is gone).
    pub unplaced_settled: crate::vecmap::VecSet<TabKind>,
    /// Its session was asked for with the customer ids withheld (a search pop): the session template's anchor tab
    /// cannot show a customer the flow names later, so that record gets a tab of its own.
    pub anchor_without_customer: bool,
    /// The last tab record this page sent into the contact's session: the same record is not sent twice.
    pub tabs_recorded: Option<CifCall>,
    /// Restored from before a reload past its ringing (answered, popping or popped there): Connect never offers
    /// it again under its id, so once released it is remembered like any answered contact.
    pub answered_before_reload: bool,
    /// This page asked Connect to accept it: never asked twice by one page, whatever Connect answered (a refusal
    /// is reported to the agent instead).
    pub accept_sent: bool,
    /// Restored from before a reload whose page saw it end, or did not say (a previous version): that page wrote
    /// its activity end (or left it to the tab that writes ends), so this page, meeting it over, does not write it
    /// again.
    pub ended_before_reload: bool,
    /// Already there when this page loaded (`Existing`): a page before may have popped it, so it pops only after
    /// Dynamics said which sessions exist. Only this contact waits, never the others.
    pub awaits_dynamics: bool,
    /// Connected or over when this page first saw it (`Existing`): this page did not see it connect, so how
    /// long it lasted is not this page's to say.
    pub already_there: bool,
    /// Transferred to this agent (`initiationMethod` `transfer` / `queue_transfer`): the call began with another
    /// agent, so its duration is not this page's to say either.
    pub transferred_in: bool,
    /// Missed, rejected or failed here before it connected: Connect routes it on, so it is not over for its
    /// activity.
    pub missed_here: bool,
    /// Whether the agent was told it waits for a free session (said once, however often Dynamics says no).
    pub capacity_reported: bool,
    /// Its `canCreateSession` was asked ahead, while another pop held the turn: its pop has not started yet.
    pub asked_ahead: bool,
    /// Dynamics does not know the flow's session template: the channel default is used from then on, whenever
    /// the pop starts again (a permanent error is never retried with the same input).
    pub session_template_refused: bool,
    /// Seen offered `incoming` on this page (a queue callback: Streams' only contacts offered that way): its move
    /// to `connecting` is then the agent's answer ([`Contact::observe_snapshot`]).
    pub offered_incoming: bool,
}

/// What an event says about a contact's life, whatever order events come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observation {
    /// Nothing new (or still ringing).
    Nothing,
    /// It is connected (or the agent accepted it in a CCP).
    Connected,
    /// It is over (ended, missed, rejected, error).
    Ended,
}

/// Reads the event kind, then the snapshot's state, into an [`Observation`].
pub fn observe_event(kind: ContactEventKind, snapshot: Option<&ContactSnapshot>) -> Observation {
    match kind {
        ContactEventKind::Accepted | ContactEventKind::Connected => Observation::Connected,
        ContactEventKind::Missed
        | ContactEventKind::Ended
        | ContactEventKind::AfterContactWork
        | ContactEventKind::Error
        | ContactEventKind::Destroyed => Observation::Ended,
        _ => match snapshot.map(|s| s.state.trim().to_ascii_lowercase()).as_deref() {
            Some("connected" | "paused") => Observation::Connected,
            Some("ended" | "missed" | "rejected" | "error") => Observation::Ended,
            _ => Observation::Nothing,
        },
    }
}

/// The correlation id of a contact's CIF calls on one page load: a GUID-shaped hash of the contact id and the
/// page's nonce, so one contact's calls group together and a reloaded page's calls are told apart.
pub fn correlation_id(id: &ContactId, page_nonce: &str) -> String {
    page_guid(id.as_str(), page_nonce)
}

/// A GUID-shaped hash of `key` and the page's nonce: the same key gives the same id on one page load, and a
/// reloaded page (a new nonce) gives new ones.
pub(crate) fn page_guid(key: &str, page_nonce: &str) -> String {
    let fnv = |seed: u64| {
        key.bytes()
            .chain([b'/'])
            .chain(page_nonce.bytes())
            .fold(seed, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
    };
    let (a, b) = (fnv(0xcbf2_9ce4_8422_2325), fnv(0x8422_2325_cbf2_9ce4));
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

impl Contact {
    /// A contact known only by id (first sighting or restore).
    pub fn new(id: ContactId, now: Millis, page_nonce: &str) -> Contact {
        Contact {
            correlation_id: correlation_id(&id, page_nonce),
            id,
            seen: false,
            channel: String::new(),
            inbound: None,
            queue_name: None,
            phone: None,
            customer_name: None,
            email_address: None,
            email_subject: None,
            agent_started: false,
            monitoring: false,
            attributes: Value::Null,
            slugs: SlugData::default(),
            slug_errors: Vec::new(),
            first_seen: now,
            connected_at: None,
            ended_at: None,
            state: PopState::AwaitingCif,
            session_retried: false,
            tabs_unplanned: false,
            unplaced_tabs: VecMap::new(),
            unplaced_settled: crate::vecmap::VecSet::new(),
            anchor_without_customer: false,
            tabs_recorded: None,
            answered_before_reload: false,
            accept_sent: false,
            ended_before_reload: false,
            awaits_dynamics: false,
            already_there: false,
            transferred_in: false,
            missed_here: false,
            capacity_reported: false,
            asked_ahead: false,
            session_template_refused: false,
            offered_incoming: false,
        }
    }

    /// Copies a snapshot's getters (cleaned and redacted). Returns whether the attributes changed.
    pub fn update_snapshot(&mut self, s: &ContactSnapshot) -> bool {
        self.seen = true;
        self.channel = text::clean(&s.channel.to_ascii_lowercase(), 32).0;
        if s.inbound.is_some() {
            self.inbound = s.inbound;
        }
        // A call the agent dialled says so on the contact itself (`initiationMethod` `outbound`) from its first
        // snapshot, when Connect may not have added the customer's connection yet and `isInbound()` throws: it is
        // no incoming contact, so no toast is raised for it (Streams' own test for tasks and email reads the same).
        if s.initiation_method
            .as_deref()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("outbound"))
        {
            self.inbound = Some(false);
        }
        let clean = |v: &Option<String>, cap| v.as_deref().map(|v| text::clean(v, cap).0).filter(|v| !v.is_empty());
        if let Some(q) = clean(&s.queue_name, 200) {
            self.queue_name = Some(q);
        }
        if let Some(p) = clean(&s.phone_number, 64).and_then(|p| customer_number(&p)) {
            self.phone = Some(Redacted::new(p));
        }
        if let Some(n) = clean(&s.customer_name, 200) {
            self.customer_name = Some(Redacted::new(n));
        }
        if self.channel == "email" {
            if let Some(a) = clean(&s.email_address, 320) {
                self.email_address = Some(Redacted::new(a));
            }
            if let Some(subject) = clean(&email_subject(&s.segment_attributes), 400) {
                self.email_subject = Some(Redacted::new(subject));
            }
            // Streams' own test for email (`isInbound`): anything the agent started is not inbound; a reply
            // (`agent_reply`) is started by the agent too, although Streams calls it inbound.
            if matches!(
                s.initiation_method.as_deref().map(str::to_ascii_lowercase).as_deref(),
                Some("outbound" | "agent_reply")
            ) {
                self.agent_started = true;
            }
        }
        // A supervisor monitoring (or barging into) another agent's contact, on any channel: the other agent's to
        // pop. Streams may say so only through the connection the supervisor holds (`initiationMethod` null).
        let monitoring = s
            .initiation_method
            .as_deref()
            .is_some_and(|m| m.eq_ignore_ascii_case("monitor"))
            || s.agent_connection_type
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case("monitoring"));
        if monitoring {
            self.agent_started = true;
            self.monitoring = true;
        }
        if s.initiation_method
            .as_deref()
            .is_some_and(|m| m.eq_ignore_ascii_case("transfer") || m.eq_ignore_ascii_case("queue_transfer"))
        {
            self.transferred_in = true;
        }
        if self.connected_at.is_none()
            && matches!(
                s.state.trim().to_ascii_lowercase().as_str(),
                "missed" | "rejected" | "error"
            )
        {
            self.missed_here = true;
        }
        if !s.attributes_unreadable && self.attributes != s.attributes {
            self.attributes = s.attributes.clone();
            true
        } else {
            false
        }
    }

    /// Records an observation; never goes backwards.
    pub fn observe(&mut self, o: Observation, now: Millis) {
        match o {
            Observation::Connected if self.connected_at.is_none() && self.ended_at.is_none() => {
                self.connected_at = Some(now);
            }
            Observation::Ended if self.ended_at.is_none() => self.ended_at = Some(now),
            _ => {}
        }
    }

    /// What `observation` (of the event kind and the snapshot's state alone) becomes for this contact, recording the
    /// snapshot's offer state. A contact offered `incoming` (a queue callback) that moves to `connecting` was
    /// answered: Connect dials a callback's customer only once the agent accepted it (an agent-first callback; one
    /// that dials the customer first offers it `connecting`, as any call), so the move is the agent's answer even
    /// where no `onAccepted` comes (a deskphone agent's softphone broadcasts none) and whether or not the customer
    /// picks up.
    pub fn observe_snapshot(&mut self, observation: Observation, s: Option<&ContactSnapshot>) -> Observation {
        let state = s.map(|s| s.state.trim().to_ascii_lowercase());
        match state.as_deref() {
            Some("incoming") => {
                self.offered_incoming = true;
                observation
            }
            Some("connecting") if observation == Observation::Nothing && self.offered_incoming => {
                Observation::Connected
            }
            _ => observation,
        }
    }

    /// Still ringing: neither connected nor over.
    pub fn is_ringing(&self) -> bool {
        self.connected_at.is_none() && self.ended_at.is_none()
    }

    /// Over without ever being connected (abandoned, missed).
    pub fn is_dead(&self) -> bool {
        self.connected_at.is_none() && self.ended_at.is_some()
    }

    /// Whether it gets an incoming notification (inbound or unknown direction).
    pub fn is_inbound(&self) -> bool {
        self.inbound != Some(false) && !self.agent_started
    }

    /// Whether the pop is about one known customer record: a single match with a usable id (a valid GUID of an
    /// entity the flow named acceptably). Anything else gets a search, never a record.
    pub fn names_customer_record(&self) -> bool {
        self.slugs.is_single_match() && self.slugs.customer_id().is_some()
    }

    /// Whether customer record ids must not reach Dynamics: unless the pop names the record itself, an anchor tab
    /// given the ids would open a record the bridge chose to search for.
    pub fn withhold_customer_ids(&self) -> bool {
        !self.names_customer_record()
    }

    /// Template parameters: every valid slug under its attribute name, plus `customerName`, `phoneNumber`,
    /// `channel`, `queueName`, `contactId`.
    pub fn template_parameters(&self, config: &Config, withhold_customer_ids: bool) -> Map<String, Value> {
        let mut m = self
            .slugs
            .template_parameters(&config.attribute_names, withhold_customer_ids);
        // The session template's anchor tab reads the customer record from `ms_customer_entity_name` and
        // `ms_contact_id`: when the pop names the record, they carry the one a customer tab would open (`ms_id`
        // when the flow gave no `ms_contact_id`, `contact` when it named no entity), never an empty anchor.
        if !withhold_customer_ids && self.names_customer_record() {
            let names = &config.attribute_names;
            if let Some(id) = self.slugs.customer_id() {
                m.entry(names.get(SlugField::ContactId))
                    .or_insert_with(|| Value::String(id.as_str().to_owned()));
            }
            m.entry(names.get(SlugField::CustomerEntityName))
                .or_insert_with(|| Value::String(self.customer_entity().as_str().to_owned()));
        }
        // Not one of several matches' names (multi match): then the caller's own name or number.
        let name = self
            .slugs
            .caller_name()
            .or(self.customer_name.as_ref())
            .or(self.phone.as_ref())
            .or(self.email_address.as_ref())
            .map(|n| n.expose().clone())
            .unwrap_or_default();
        m.insert("customerName".into(), Value::String(name));
        m.insert(
            "phoneNumber".into(),
            Value::String(self.phone.as_ref().map(|p| p.expose().clone()).unwrap_or_default()),
        );
        m.insert("channel".into(), Value::String(self.channel.clone()));
        m.insert(
            "queueName".into(),
            Value::String(self.queue_name.clone().unwrap_or_default()),
        );
        m.insert("contactId".into(), Value::String(self.id.as_str().to_owned()));
        if self.channel == "email" {
            let text = |v: &Option<Redacted<String>>| {
                Value::String(v.as_ref().map(|v| v.expose().clone()).unwrap_or_default())
            };
            m.insert("emailAddress".into(), text(&self.email_address));
            m.insert("emailSubject".into(), text(&self.email_subject));
        }
        m
    }

    /// The entity of the matched customer's record: `ms_customer_entity_name`, else `contact`.
    pub fn customer_entity(&self) -> LogicalName {
        self.slugs
            .customer_entity_name
            .clone()
            .unwrap_or_else(|| LogicalName::known("contact"))
    }

    /// The notification template: the flow's `ms_notify_template`, else the channel default.
    pub fn notification_template(&self, config: &Config) -> TemplateName {
        self.slugs
            .notify_template
            .clone()
            .unwrap_or_else(|| config.templates_for(&self.channel).notification.clone())
    }

    /// The session template: the flow's `ms_session_template`, else the channel default.
    pub fn session_template(&self, config: &Config) -> TemplateName {
        self.slugs
            .session_template
            .clone()
            .filter(|_| !self.session_template_refused)
            .unwrap_or_else(|| config.templates_for(&self.channel).session.clone())
    }

    /// What the search looks for: entity (`ms_searchType`, else the customer entity, else `contact`) and text
    /// (`ms_searchText`, else the phone number, else an email's sender address), cleaned and capped. A display
    /// name is not searched for: it is not an identifier, and for tasks it is the task's title.
    pub fn search(&self) -> Option<(LogicalName, Redacted<String>)> {
        let entity = self
            .slugs
            .search_type
            .clone()
            .or_else(|| self.slugs.customer_entity_name.clone())
            .unwrap_or_else(|| LogicalName::known("contact"));
        let text = self
            .slugs
            .search_text
            .as_ref()
            .or(self.phone.as_ref())
            .or(self.email_address.as_ref())
            .map(|t| text::clean(t.expose(), crate::slug::MAX_SEARCH_CHARS).0)
            .filter(|t| !t.is_empty())?;
        Some((entity, Redacted::new(text)))
    }

    /// The tabs to open once the session exists (§3.4), in order.
    pub fn plan_tabs(&self, config: &Config) -> Vec<TabKind> {
        let mut plan = Vec::new();
        if self.slugs.create_timeline == Some(true)
            && self.slugs.activity_record_id().is_some()
            && self.activity_entity().is_some()
        {
            plan.push(TabKind::Activity);
        }
        if self.names_customer_record() {
            if config.customer_record_tab == CustomerRecordTab::Tab || self.anchor_without_customer {
                plan.push(TabKind::Customer);
            }
        } else if self.search().is_some() {
            plan.push(TabKind::Search);
        }
        plan
    }

    /// The entity of the timeline activity: `ms_entityrecord_entity_name`, else `phonecall` for a call (the
    /// seed's flow creates one per call). A chat's or a task's activity is of another entity: never guessed.
    pub fn activity_entity(&self) -> Option<LogicalName> {
        if self.slugs.entity_record_entity_refused {
            return None;
        }
        self.slugs.entity_record_entity_name.clone().or_else(|| {
            matches!(self.channel.as_str(), "voice" | "queue_callback").then(|| LogicalName::known("phonecall"))
        })
    }

    /// Why a search is used instead of the customer record (for the trace and reports).
    pub fn search_reason(&self) -> &'static str {
        match self.slugs.lookup_status {
            Some(LookupStatus::SingleMatch) => "single match without a valid customer id",
            Some(LookupStatus::MultiMatch) => "multi match",
            Some(LookupStatus::NoMatch) => "no match",
            Some(LookupStatus::Unknown) => "unknown lookup status",
            None => "no lookup status",
        }
    }
}

/// The subject of an email contact from its segment attributes: `{"connect:EmailSubject": {"ValueString": …}}`
/// (the typings spell it `valueString`; both are read). Anything else is no subject.
fn email_subject(segment_attributes: &Value) -> Option<String> {
    let entry = segment_attributes.get("connect:EmailSubject")?;
    entry
        .get("ValueString")
        .and_then(Value::as_str)
        .or_else(|| entry.get("valueString").and_then(Value::as_str))
        .map(str::to_owned)
}

/// The customer's number from a connection's endpoint, or `None` for what Streams puts there when there is none
/// (`INTERNAL-TRANSFER` on an agent-to-agent transfer, `anonymous` or `restricted` for a withheld number): a
/// placeholder must not be shown as a number nor searched for. A `sip:`/`tel:` URI gives its user part.
fn customer_number(raw: &str) -> Option<String> {
    let lower = raw.to_ascii_lowercase();
    let unprefixed = ["sip:", "tel:"]
        .iter()
        .find_map(|p| lower.starts_with(p).then(|| &raw[p.len()..]))
        .unwrap_or(raw);
    let number = unprefixed.split(['@', ';']).next().unwrap_or_default().trim();
    let digits = number.chars().filter(char::is_ascii_digit).count();
    let phone_like = number
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'));
    (phone_like && digits >= 3).then(|| number.to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::slug::Guid;

    #[test]
    fn only_a_number_is_the_customers_number() {
        for (raw, number) in [
            ("+14255550142", Some("+14255550142")),
            ("(425) 555-0142", Some("(425) 555-0142")),
            ("sip:+14255550142@carrier.example", Some("+14255550142")),
            ("TEL:+442079460018;ext=12", Some("+442079460018")),
            ("INTERNAL-TRANSFER", None),
            ("anonymous", None),
            ("Restricted", None),
            ("+1", None),
            ("sip:agent@connect.aws", None),
        ] {
            assert_eq!(customer_number(raw).as_deref(), number, "{raw}");
        }
    }

    #[test]
    fn correlation_ids() {
        let g = ContactId::known("0f8fad5b-d9cb-469f-a165-70867728950e");
        let c = ContactId::known("chat-1");
        let d = correlation_id(&c, "n1");
        assert!(Guid::parse(&d).is_some(), "{d}");
        assert_eq!(d, correlation_id(&c, "n1"));
        assert_ne!(d, correlation_id(&c, "n2"), "a reloaded page's calls are told apart");
        assert_ne!(correlation_id(&g, "n1"), correlation_id(&c, "n1"));
    }
}
