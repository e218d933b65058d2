//! Test harness in the spirit of quinn's `Pair`: one [`Bridge`], a simulated clock, and helpers to feed
//! Streams events, settle CIF calls and read back what the bridge asked for.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, missing_docs)]

use bridge_core::*;
use serde_json::{json, Map, Value};

pub const CONTACT_ID: &str = "7c1ed9a6-1f3e-4b5a-9d0e-2a3b4c5d6e7f";
pub const CUSTOMER_ID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";
pub const ACCOUNT_ID: &str = "1a2b3c4d-0000-4000-8000-00000000a001";
/// CIF's own rejection when Dynamics does not answer within its 10 s time limit (reference: cif-v2.md).
pub const CIF_TIME_LIMIT: &str = "Timeout occurred as no response was received from listener window";
pub const ACTIVITY_ID: &str = "9b2c3d4e-1111-4222-8333-444455556666";
pub const PHONE: &str = "+15555550100";

/// Which seed scenario (the contact flow's Match Type Logic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    Single,
    Multi,
    NoMatch,
}

/// The attributes the seed's contact flow module writes, in Streams' `{key: {name, value}}` shape.
pub fn seed_attributes(s: Scenario) -> Value {
    let status = match s {
        Scenario::Single => "SingleMatch",
        Scenario::Multi => "MultiMatch",
        Scenario::NoMatch => "NoMatch",
    };
    let mut pairs: Vec<(&str, String)> = vec![
        ("ms_customer_entity_name", "contact".into()),
        ("phoneNmber", PHONE.into()),
        ("LookupSatus", status.into()),
        ("ms_session_template", "extn_voice_identified_session".into()),
        ("ms_notify_template", "extn_voice_notification".into()),
        ("CallReason", "transcript".into()),
        ("ms_searchType", "contact".into()),
        ("ms_searchText", PHONE.into()),
        ("CreateTimeline", "true".into()),
        ("ms_activity_id", ACTIVITY_ID.into()),
        ("ms_entityrecord_entity_name", "phonecall".into()),
        ("ms_entityrecord_record_id", ACTIVITY_ID.into()),
    ];
    if s == Scenario::Single {
        pairs.extend([
            ("ms_contact_id", CUSTOMER_ID.to_owned()),
            ("ms_customer_name", "Maria Campbell".to_owned()),
            ("ms_account_id", ACCOUNT_ID.to_owned()),
            ("ms_id", CUSTOMER_ID.to_owned()),
        ]);
    }
    attrs(&pairs.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>())
}

/// `{key: {name: key, value}}` from pairs.
pub fn attrs(pairs: &[(&str, &str)]) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.insert((*k).to_owned(), json!({"name": k, "value": v}));
    }
    Value::Object(m)
}

pub fn snapshot(channel: &str, state: &str, inbound: Option<bool>, attributes: Value) -> ContactSnapshot {
    ContactSnapshot {
        channel: channel.to_owned(),
        state: state.to_owned(),
        inbound,
        queue_name: Some("BasicQueue".to_owned()),
        phone_number: (channel == "voice").then(|| PHONE.to_owned()),
        customer_name: (channel == "chat").then(|| "Chat Customer".to_owned()),
        attributes,
        ..Default::default()
    }
}

pub fn voice(state: &str, s: Scenario) -> ContactSnapshot {
    snapshot("voice", state, Some(true), seed_attributes(s))
}

/// The bridge plus a clock and the log of everything it emitted.
pub struct Pair {
    pub bridge: Bridge,
    pub now: Millis,
    pub log: Vec<Command>,
    cursor: usize,
}

impl Pair {
    pub fn new(config: Config) -> Pair {
        Pair {
            bridge: Bridge::new(config, Millis(1_000_000)),
            now: Millis(1_000_000),
            log: Vec::new(),
            cursor: 0,
        }
    }

    pub fn default_ready() -> Pair {
        let mut p = Pair::new(Config::default());
        p.ready();
        p
    }

    pub fn with_config(values: Value) -> Pair {
        let layer = ConfigLayer {
            source: ConfigSource::CustomParams,
            values: values.as_object().cloned().unwrap(),
        };
        let (config, errors) = Config::resolve(&[layer]);
        assert!(errors.is_empty(), "{errors:?}");
        let mut p = Pair::new(config);
        p.ready();
        p
    }

    /// Feeds one input and drains the commands into the log.
    pub fn input(&mut self, input: Input) {
        self.bridge.handle_input(self.now, input);
        self.drain();
    }

    pub fn drain(&mut self) {
        while let Some(c) = self.bridge.poll_command() {
            self.log.push(c);
        }
    }

    pub fn ready(&mut self) {
        self.input(Input::Cif(CifAvailability::Ready));
    }

    pub fn event(&mut self, id: &str, kind: ContactEventKind, snapshot: Option<ContactSnapshot>) {
        self.input(Input::Contact(ContactEvent {
            contact_id: id.to_owned(),
            kind,
            snapshot,
        }));
    }

    /// Lets `ms` pass, firing every deadline on the way, in order.
    pub fn advance(&mut self, ms: u64) {
        let end = self.now.plus(ms);
        while let Some(t) = self.bridge.poll_timeout() {
            if t > end {
                break;
            }
            self.now = self.now.max(t);
            self.bridge.handle_timeout(self.now);
            self.drain();
        }
        self.now = end;
    }

    pub fn reply(&mut self, request: RequestId, outcome: CifOutcome) {
        self.input(Input::CifReply(CifReply { request, outcome }));
    }

    pub fn resolve(&mut self, request: RequestId, value: Value) {
        self.reply(request, CifOutcome::Resolved(value));
    }

    pub fn reject(&mut self, request: RequestId, value: Value) {
        self.reply(request, CifOutcome::Rejected(value));
    }

    pub fn dynamics(&mut self, handler: DynamicsHandler, payload: Value) {
        self.input(Input::Dynamics(DynamicsEvent { handler, payload }));
    }

    /// Every CIF / Streams command since the last `take()`, as compact strings (reports and persists left out).
    pub fn take(&mut self) -> Vec<String> {
        let out = self.log[self.cursor..].iter().filter_map(describe).collect();
        self.cursor = self.log.len();
        out
    }

    /// Every report since the start.
    pub fn reports(&self) -> Vec<&Report> {
        self.log
            .iter()
            .filter_map(|c| if let Command::Report(r) = c { Some(r) } else { None })
            .collect()
    }

    pub fn report_codes(&self) -> Vec<&'static str> {
        self.reports().iter().map(|r| r.code).collect()
    }

    /// The most recent CIF command with this method name.
    pub fn last(&self, method: &str) -> (RequestId, Option<ContactId>, String, CifCall) {
        self.log
            .iter()
            .rev()
            .find_map(|c| match c {
                Command::Cif {
                    request,
                    contact,
                    correlation_id,
                    call,
                } if call.method_name() == method => {
                    Some((*request, contact.clone(), correlation_id.clone(), call.clone()))
                }
                _ => None,
            })
            .unwrap_or_else(|| panic!("no {method} in {:#?}", self.log))
    }

    pub fn req(&self, method: &str) -> RequestId {
        self.last(method).0
    }

    /// Every CIF command for `method`.
    pub fn all(&self, method: &str) -> Vec<(RequestId, Option<ContactId>, CifCall)> {
        self.log
            .iter()
            .filter_map(|c| match c {
                Command::Cif {
                    request, contact, call, ..
                } if call.method_name() == method => Some((*request, contact.clone(), call.clone())),
                _ => None,
            })
            .collect()
    }

    pub fn last_persist(&self) -> Option<String> {
        self.log.iter().rev().find_map(|c| {
            if let Command::Persist {
                slot: PersistSlot::Contacts,
                text,
            } = c
            {
                Some(text.clone())
            } else {
                None
            }
        })
    }

    /// The most recent handled-ids chunk persisted.
    pub fn last_handled_persist(&self) -> Option<String> {
        self.log.iter().rev().find_map(|c| match c {
            Command::Persist {
                slot: PersistSlot::Handled(_),
                text,
            } => Some(text.clone()),
            _ => None,
        })
    }

    /// What a reloaded page reads back: every slot as last persisted by `self`.
    pub fn stored(&self) -> RestoredState {
        let mut stored = RestoredState::default();
        for c in &self.log {
            if let Command::Persist { slot, text } = c {
                stored.store(*slot, text.clone());
            }
        }
        stored
    }

    /// The seed's happy path up to the notification: ringing voice contact.
    pub fn ring(&mut self, id: &str, s: Scenario) {
        self.event(id, ContactEventKind::Connecting, Some(voice("connecting", s)));
    }

    pub fn accept_toast(&mut self) {
        let r = self.req("notifyEvent");
        self.resolve(r, json!("{\"actionName\":\"Accept\",\"responseReason\":\"Accept\"}"));
    }

    pub fn can_create(&mut self) {
        let r = self.req("canCreateSession");
        self.resolve(r, json!(true));
    }

    /// The seed's single-match voice contact arriving already connected (accepted in the CCP), with Dynamics
    /// allowing one more session: `createSession` is the next call.
    pub fn connected_until_create_session(&mut self) {
        self.event(
            CONTACT_ID,
            ContactEventKind::Connected,
            Some(voice("connected", Scenario::Single)),
        );
        self.can_create();
    }

    /// Settles `request` with CIF's time-limit rejection, as the object CIF rejects with (`{message, msdyn_name}`).
    pub fn reject_time_limit(&mut self, request: RequestId, method: &str) {
        self.reject(request, json!({"message": CIF_TIME_LIMIT, "msdyn_name": method}));
    }

    pub fn session_created(&mut self, session: &str) {
        let r = self.req("createSession");
        self.resolve(r, json!(session));
    }
}

/// A compact, order-preserving rendering of a command for sequence assertions. The preflight's template
/// searches (`searchAndOpenRecords`) are left out: `tests/preflight.rs` checks them.
pub fn describe(c: &Command) -> Option<String> {
    match c {
        Command::Cif {
            call: CifCall::SearchAndOpenRecords { .. },
            ..
        } => None,
        Command::Cif { call, .. } => Some(match call {
            CifCall::NotifyEvent { template_name, .. } => format!("notifyEvent {template_name}"),
            CifCall::CancelEvent { .. } => "cancelEvent".to_owned(),
            CifCall::CanCreateSession => "canCreateSession".to_owned(),
            CifCall::CreateSession { template_name, .. } => format!("createSession {template_name}"),
            CifCall::CreateTab {
                template_name,
                template_parameters,
                ..
            } => {
                let p = |k: &str| {
                    template_parameters
                        .get(k)
                        .and_then(Value::as_str)
                        .unwrap_or("-")
                        .to_owned()
                };
                if template_parameters.contains_key("entityId") {
                    format!("createTab {template_name} {} {}", p("entityName"), p("entityId"))
                } else {
                    format!("createTab {template_name} search {}", p("searchText"))
                }
            }
            CifCall::RenderSearchPage {
                entity_name,
                search_string,
            } => {
                format!("renderSearchPage {entity_name} {search_string}")
            }
            CifCall::UpdateContext { session_id, input } => {
                let values: Vec<String> = input
                    .iter()
                    .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("?")))
                    .collect();
                format!("updateContext {session_id} {}", values.join(" "))
            }
            other => other.method_name().to_owned(),
        }),
        Command::Streams { call, .. } => Some(format!("streams {call:?}")),
        _ => None,
    }
}

/// The parameters of a command's call.
pub fn params(call: &CifCall) -> &Map<String, Value> {
    match call {
        CifCall::NotifyEvent {
            template_parameters, ..
        }
        | CifCall::CreateSession {
            template_parameters, ..
        }
        | CifCall::CreateTab {
            template_parameters, ..
        } => template_parameters,
        _ => panic!("no parameters in {call:?}"),
    }
}

/// A page whose CIF library just said `CIFInitDone`: its first call, `getEnvironment`, is on its way.
pub fn asking_for_custom_parameters() -> Pair {
    let layers = vec![ConfigLayer {
        source: ConfigSource::Url,
        values: json!({"ccpUrl": "https://example.my.connect.aws/ccp-v2/"})
            .as_object()
            .cloned()
            .unwrap(),
    }];
    let (config, _) = Config::resolve(&layers);
    let mut p = Pair::new(config);
    p.input(Input::Startup(StartupInput::Begin {
        layers,
        cif_library: CifLibrary::AlreadyLoaded,
    }));
    p.input(Input::Startup(StartupInput::CifInitDone));
    p
}

/// A page reloaded after a contact (`earlier`) rang on the page before, restored from that page's storage, with
/// CIF up: Dynamics listed one open session, `s9`, and the page's `getSession` for it is on its way (returned).
pub fn reloaded_asking_about_s9() -> (Pair, RequestId) {
    let mut first = Pair::default_ready();
    first.ring("earlier", Scenario::Single);
    let mut p = Pair::new(Config::default());
    p.input(Input::Restore(first.stored()));
    p.ready();
    let r = p.req("getAllSessions");
    p.resolve(r, json!(["s9"]));
    let g = p.req("getSession");
    (p, g)
}
