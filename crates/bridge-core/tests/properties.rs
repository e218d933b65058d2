//! Property tests: random interleavings, duplications and delays of contact events and CIF replies (replies
//! for wrong or unknown requests, reloads, session closes), checking the invariants that matter to an agent:
//!
//! * at most one live notification per contact (a new one only after the old one was answered, failed or
//!   cancelled — across reloads too);
//! * never a second `createSession` for a contact once one may have succeeded (anything but a rejection or
//!   a throw), across reloads too;
//! * never a record tab with an absent or invalid `entityId`;
//! * no command for a contact after it was released (`onDestroy`), nor any write after its session closed;
//! * every `createTab` / `renderSearchPage` is issued while its contact's session is the one Dynamics has
//!   focused (CIF opens tabs in the focused session; `createSession` focuses the session it creates), and no
//!   `createSession` or tab call is issued while another contact's `createSession` or tab call may still be
//!   carried out (one pop at a time, each bounded by the call deadline);
//! * no panic, whatever the input.
//!
//! Plus fuzz-style properties for the slug, configuration, CIF result, handler payload and persistence
//! parsers over arbitrary JSON.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use bridge_core::*;
use proptest::prelude::*;
use serde_json::{json, Value};

const IDS: [&str; 3] = ["7c1ed9a6-1f3e-4b5a-9d0e-2a3b4c5d6e7f", "chat-2", "task-3"];

#[derive(Debug, Clone)]
enum Step {
    Event {
        contact: usize,
        kind: usize,
        state: usize,
        inbound: usize,
        channel: usize,
        attrs: usize,
        snapshot: bool,
    },
    Ready,
    Unavailable,
    Reply {
        pick: usize,
        outcome: usize,
    },
    Stale {
        pick: usize,
        outcome: usize,
    },
    Unknown {
        id: u64,
        outcome: usize,
    },
    Advance {
        ms: u64,
    },
    Close {
        pick: usize,
    },
    Switch {
        pick: usize,
        focused: bool,
    },
    Streams {
        pick: usize,
        ok: bool,
    },
    Reload,
}

const KINDS: [ContactEventKind; 13] = [
    ContactEventKind::Init,
    ContactEventKind::Existing,
    ContactEventKind::Refresh,
    ContactEventKind::Incoming,
    ContactEventKind::Pending,
    ContactEventKind::Connecting,
    ContactEventKind::Accepted,
    ContactEventKind::Connected,
    ContactEventKind::Missed,
    ContactEventKind::Ended,
    ContactEventKind::AfterContactWork,
    ContactEventKind::Error,
    ContactEventKind::Destroyed,
];
const STATES: [&str; 7] = [
    "incoming",
    "connecting",
    "connected",
    "ended",
    "missed",
    "",
    "weird\u{0}",
];
const CHANNELS: [&str; 5] = ["voice", "chat", "task", "queue_callback", "email"];

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0..IDS.len(), 0..KINDS.len(), 0..STATES.len(), 0..3usize, 0..CHANNELS.len(), 0..6usize, prop::bool::weighted(0.9))
            .prop_map(|(contact, kind, state, inbound, channel, attrs, snapshot)| Step::Event { contact, kind, state, inbound, channel, attrs, snapshot }),
        1 => Just(Step::Ready),
        1 => Just(Step::Unavailable),
        8 => (any::<usize>(), 0..9usize).prop_map(|(pick, outcome)| Step::Reply { pick, outcome }),
        1 => (any::<usize>(), 0..8usize).prop_map(|(pick, outcome)| Step::Stale { pick, outcome }),
        1 => (any::<u64>(), 0..8usize).prop_map(|(id, outcome)| Step::Unknown { id, outcome }),
        2 => prop_oneof![Just(0u64), 1..2_000u64, Just(12_000u64), Just(600_000u64)].prop_map(|ms| Step::Advance { ms }),
        1 => any::<usize>().prop_map(|pick| Step::Close { pick }),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(pick, focused)| Step::Switch { pick, focused }),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(pick, ok)| Step::Streams { pick, ok }),
        1 => Just(Step::Reload),
    ]
}

fn attributes(choice: usize) -> Value {
    match choice {
        0 => common::seed_attributes(common::Scenario::Single),
        1 => common::seed_attributes(common::Scenario::Multi),
        2 => common::seed_attributes(common::Scenario::NoMatch),
        3 => {
            json!({"ms_contact_id": {"value": "bad"}, "LookupStatus": {"value": "SingleMatch"}, "CreateTimeline": {"value": "true"}, "ms_activity_id": {"value": "{x}"}})
        }
        4 => json!("garbage"),
        _ => json!({}),
    }
}

/// The whole simulated world: the bridge (replaced on reload), the commands it issued, and the invariants'
/// bookkeeping.
struct World {
    bridge: Bridge,
    now: Millis,
    /// CIF requests of the current page instance not answered yet: request → (contact, method, call).
    outstanding: BTreeMap<RequestId, (Option<ContactId>, CifCall)>,
    answered: Vec<RequestId>,
    streams: Vec<RequestId>,
    persisted: Option<String>,
    sessions: Vec<String>,
    next_session: u64,
    /// Contact → live notification tokens.
    live_tokens: BTreeMap<ContactId, BTreeSet<String>>,
    /// Contacts for which a createSession may have succeeded.
    maybe_session: BTreeSet<ContactId>,
    /// Released contacts.
    forgotten: BTreeSet<ContactId>,
    /// Contacts whose session the agent closed.
    closed: BTreeSet<ContactId>,
    /// The session Dynamics has focused (model): set when a createSession is carried out and by agent switches.
    focused: Option<String>,
    /// When each outstanding CIF request was sent.
    sent_at: BTreeMap<RequestId, Millis>,
    /// Last state delivered per contact (re-delivered as `Existing` after a reload).
    last_event: BTreeMap<usize, (usize, usize, usize, usize)>,
    ready: bool,
}

impl World {
    fn new() -> World {
        World {
            bridge: Bridge::new(Config::default(), Millis(1_000)),
            now: Millis(1_000),
            outstanding: BTreeMap::new(),
            answered: Vec::new(),
            streams: Vec::new(),
            persisted: None,
            sessions: Vec::new(),
            next_session: 1,
            live_tokens: BTreeMap::new(),
            maybe_session: BTreeSet::new(),
            forgotten: BTreeSet::new(),
            closed: BTreeSet::new(),
            focused: None,
            sent_at: BTreeMap::new(),
            last_event: BTreeMap::new(),
            ready: false,
        }
    }

    fn drain(&mut self) -> Result<(), TestCaseError> {
        while let Some(cmd) = self.bridge.poll_command() {
            match cmd {
                Command::Cif {
                    request,
                    contact,
                    correlation_id,
                    call,
                } => {
                    prop_assert!(!correlation_id.is_empty());
                    if let Some(c) = &contact {
                        prop_assert!(!self.forgotten.contains(c), "{call:?} for released contact {c}");
                        if matches!(
                            call,
                            CifCall::CreateSession { .. }
                                | CifCall::CreateTab { .. }
                                | CifCall::RenderSearchPage { .. }
                        ) {
                            prop_assert!(!self.closed.contains(c), "{call:?} after the session of {c} closed");
                        }
                    }
                    let acts_on_focus = matches!(
                        call,
                        CifCall::CreateSession { .. } | CifCall::CreateTab { .. } | CifCall::RenderSearchPage { .. }
                    );
                    if acts_on_focus {
                        // One pop at a time: nothing else that CIF carries out in the focused session may still be
                        // under way for another contact (a request stops counting at the call deadline).
                        for (r, (other, other_call)) in &self.outstanding {
                            let young = self.sent_at.get(r).is_some_and(|t| self.now.since(*t) < 12_000);
                            let held = match other_call {
                                CifCall::CreateSession { .. } => true,
                                CifCall::CreateTab { .. } | CifCall::RenderSearchPage { .. } => other
                                    .as_ref()
                                    .is_some_and(|o| !self.forgotten.contains(o) && !self.closed.contains(o)),
                                _ => false,
                            };
                            prop_assert!(
                                !(young && held && *other != contact),
                                "{call:?} for {contact:?} while {other_call:?} for {other:?} is under way"
                            );
                        }
                    }
                    if matches!(call, CifCall::CreateTab { .. } | CifCall::RenderSearchPage { .. }) {
                        let c = contact.clone().unwrap();
                        let session = self.bridge.session_of(c.as_str()).map(str::to_owned);
                        prop_assert!(
                            session.is_some() && session == self.focused,
                            "{call:?} for {c} in session {session:?} while {:?} is focused",
                            self.focused
                        );
                    }
                    match &call {
                        CifCall::NotifyEvent { cancellation_token, .. } => {
                            let c = contact.clone().unwrap();
                            let live = self.live_tokens.entry(c.clone()).or_default();
                            prop_assert!(live.is_empty(), "second live notification for {c}: {live:?}");
                            live.insert(cancellation_token.clone());
                        }
                        CifCall::CancelEvent { cancellation_token } => {
                            for tokens in self.live_tokens.values_mut() {
                                tokens.remove(cancellation_token);
                            }
                        }
                        CifCall::CreateSession { .. } => {
                            let c = contact.clone().unwrap();
                            prop_assert!(!self.maybe_session.contains(&c), "second createSession for {c}");
                            self.maybe_session.insert(c);
                        }
                        CifCall::CreateTab {
                            template_name,
                            template_parameters,
                            ..
                        } if template_name == "extn_entity_record" => {
                            let id = template_parameters.get("entityId").and_then(Value::as_str);
                            prop_assert!(
                                id.is_some_and(|id| Guid::parse(id).is_some_and(|g| g.as_str() == id)),
                                "record tab with entityId {id:?}"
                            );
                            let entity = template_parameters.get("entityName").and_then(Value::as_str);
                            prop_assert!(entity.is_some_and(|e| LogicalName::parse(e).is_some()));
                        }
                        _ => {}
                    }
                    self.outstanding.insert(request, (contact, call));
                    self.sent_at.insert(request, self.now);
                }
                Command::Streams { request, contact, .. } => {
                    if let Some(c) = &contact {
                        prop_assert!(!self.forgotten.contains(c), "Streams call for released contact {c}");
                    }
                    self.streams.push(request);
                }
                // The world may still answer a forgotten request (a stale answer must stay harmless), as a
                // shell racing the forget would.
                Command::Forget { .. } => {}
                Command::Persist(text) => {
                    prop_assert!(text.len() < 200_000);
                    self.persisted = Some(text);
                }
                Command::Report(r) => {
                    for secret in ["5555550100", "Maria", "Campbell"] {
                        prop_assert!(!r.message.contains(secret), "personal data in report: {}", r.message);
                    }
                }
            }
        }
        Ok(())
    }

    fn outcome(&mut self, call: &CifCall, choice: usize) -> CifOutcome {
        let rejected = |m: &str| CifOutcome::Rejected(json!(format!("{{\"message\":\"{m}\",\"msdyn_name\":\"X\"}}")));
        match (call, choice) {
            (_, 6) => CifOutcome::Threw("Microsoft is not defined".into()),
            (_, 8) => rejected("Timeout occurred as no response was received from listener window"),
            (_, 7) => CifOutcome::Resolved(json!({"garbage": [1, {"x": null}]})),
            (CifCall::NotifyEvent { .. }, 0 | 1) => CifOutcome::Resolved(json!("{\"actionName\":\"Accept\"}")),
            (CifCall::NotifyEvent { .. }, 2) => CifOutcome::Resolved(json!({"value": {"actionName": "Reject"}})),
            (CifCall::NotifyEvent { .. }, 3) => CifOutcome::Resolved(json!({"actionName": "Timeout"})),
            (CifCall::NotifyEvent { .. } | CifCall::CreateSession { .. }, 4) => {
                rejected("NotificationTemplateNotFoundError")
            }
            (CifCall::CanCreateSession, 0..=2) => CifOutcome::Resolved(json!(true)),
            (CifCall::CanCreateSession, 3) => CifOutcome::Resolved(json!("false")),
            (CifCall::CreateSession { .. }, 0..=3) => {
                let s = format!("session-{}", self.next_session);
                self.next_session += 1;
                self.sessions.push(s.clone());
                CifOutcome::Resolved(json!(s))
            }
            (CifCall::GetAllSessions, 0..=3) => {
                let alive: Vec<&String> = self.sessions.iter().step_by(choice + 1).collect();
                CifOutcome::Resolved(json!(serde_json::to_string(&alive).unwrap()))
            }
            (_, 5) => rejected("RejectAfterClientError"),
            _ => CifOutcome::Resolved(json!("ok")),
        }
    }

    fn settle(&mut self, request: RequestId, contact: Option<ContactId>, call: CifCall, outcome: CifOutcome) {
        self.sent_at.remove(&request);
        let time_limit =
            matches!(&outcome, CifOutcome::Rejected(v) if v.as_str().is_some_and(|t| t.contains("Timeout occurred")));
        if time_limit {
            // A settled promise never settles again: no stale replay of it.
            self.answered.retain(|r| *r != request);
        }
        if let (CifCall::CreateSession { .. }, CifOutcome::Resolved(v)) = (&call, &outcome) {
            if let Some(s) = v.as_str().filter(|s| s.starts_with("session-")) {
                // Dynamics focuses the session it creates.
                self.focused = Some(s.to_owned());
            }
        }
        if let Some(c) = &contact {
            match &call {
                CifCall::NotifyEvent { cancellation_token, .. } => {
                    if let Some(t) = self.live_tokens.get_mut(c) {
                        t.remove(cancellation_token);
                    }
                }
                // CIF's time limit is no answer: the session may still have been created.
                CifCall::CreateSession { .. }
                    if !time_limit && matches!(outcome, CifOutcome::Rejected(_) | CifOutcome::Threw(_)) =>
                {
                    self.maybe_session.remove(c);
                }
                _ => {}
            }
        }
        self.bridge
            .handle_input(self.now, Input::CifReply(CifReply { request, outcome }));
    }

    #[allow(clippy::too_many_arguments)]
    fn event(
        &mut self,
        contact: usize,
        kind: ContactEventKind,
        state: usize,
        inbound: usize,
        channel: usize,
        attrs: usize,
        with_snapshot: bool,
    ) {
        let id = IDS[contact];
        let snapshot = with_snapshot.then(|| ContactSnapshot {
            channel: CHANNELS[channel].into(),
            state: STATES[state].into(),
            inbound: [Some(true), Some(false), None][inbound],
            queue_name: Some("Q".into()),
            phone_number: Some(common::PHONE.into()),
            customer_name: None,
            attributes: attributes(attrs),
        });
        let known = self.bridge.contact_state(id).is_some();
        self.bridge.handle_input(
            self.now,
            Input::Contact(ContactEvent {
                contact_id: id.into(),
                kind,
                snapshot,
            }),
        );
        if kind == ContactEventKind::Destroyed {
            self.last_event.remove(&contact);
            if known {
                // Commands emitted while handling the destroy itself (the cancel) are allowed: drain first.
                let _ = self.drain();
                self.forgotten.insert(ContactId::parse(id).unwrap());
            }
        } else if with_snapshot {
            self.last_event.insert(contact, (state, inbound, channel, attrs));
        }
    }

    fn run(&mut self, s: Step) -> Result<(), TestCaseError> {
        match s {
            Step::Event {
                contact,
                kind,
                state,
                inbound,
                channel,
                attrs,
                snapshot,
            } => {
                self.event(contact, KINDS[kind], state, inbound, channel, attrs, snapshot);
            }
            Step::Ready => {
                self.ready = true;
                self.bridge.handle_input(self.now, Input::Cif(CifAvailability::Ready));
            }
            Step::Unavailable => {
                self.bridge.handle_input(
                    self.now,
                    Input::Cif(CifAvailability::Unavailable { reason: "x".into() }),
                );
            }
            Step::Reply { pick, outcome } => {
                if !self.outstanding.is_empty() {
                    let request = *self.outstanding.keys().nth(pick % self.outstanding.len()).unwrap();
                    let (contact, call) = self.outstanding.remove(&request).unwrap();
                    let o = self.outcome(&call, outcome);
                    self.answered.push(request);
                    self.settle(request, contact, call, o);
                }
            }
            Step::Stale { pick, outcome } => {
                if !self.answered.is_empty() {
                    let request = self.answered[pick % self.answered.len()];
                    let o = self.outcome(&CifCall::CanCreateSession, outcome);
                    self.bridge
                        .handle_input(self.now, Input::CifReply(CifReply { request, outcome: o }));
                }
            }
            Step::Unknown { id, outcome } => {
                let o = self.outcome(&CifCall::GetAllSessions, outcome);
                self.bridge.handle_input(
                    self.now,
                    Input::CifReply(CifReply {
                        request: RequestId(id | (1 << 40)),
                        outcome: o,
                    }),
                );
            }
            Step::Advance { ms } => {
                let end = self.now.plus(ms);
                while let Some(t) = self.bridge.poll_timeout() {
                    prop_assert!(t >= Millis(0));
                    if t > end {
                        break;
                    }
                    self.now = self.now.max(t);
                    self.bridge.handle_timeout(self.now);
                    self.drain()?;
                }
                self.now = end;
            }
            Step::Close { pick } => {
                if !self.sessions.is_empty() {
                    let sid = self.sessions[pick % self.sessions.len()].clone();
                    if self.focused.as_deref() == Some(sid.as_str()) {
                        self.focused = None;
                    }
                    for id in IDS {
                        if self.bridge.session_of(id) == Some(sid.as_str()) {
                            self.closed.insert(ContactId::parse(id).unwrap());
                        }
                    }
                    self.bridge.handle_input(
                        self.now,
                        Input::Dynamics(DynamicsEvent {
                            handler: DynamicsHandler::SessionClosed,
                            payload: json!(format!("{{\"sessionId\":\"{sid}\"}}")),
                        }),
                    );
                }
            }
            Step::Switch { pick, focused } => {
                let sid = self
                    .sessions
                    .get(pick % self.sessions.len().max(1))
                    .cloned()
                    .unwrap_or_default();
                if !sid.is_empty() {
                    if focused {
                        self.focused = Some(sid.clone());
                    } else if self.focused.as_deref() == Some(sid.as_str()) {
                        self.focused = None;
                    }
                }
                self.bridge.handle_input(
                    self.now,
                    Input::Dynamics(DynamicsEvent {
                        handler: DynamicsHandler::SessionSwitched,
                        payload: json!({"sessionId": sid, "focussed": focused}),
                    }),
                );
            }
            Step::Streams { pick, ok } => {
                if !self.streams.is_empty() {
                    let request = self.streams[pick % self.streams.len()];
                    let outcome = if ok { Ok(()) } else { Err("InvalidState".into()) };
                    self.bridge
                        .handle_input(self.now, Input::StreamsReply(StreamsReply { request, outcome }));
                }
            }
            Step::Reload => {
                // The page reloads: promises in flight die with it (a createSession among them may still have
                // created a session, so `maybe_session` stays), Streams re-delivers the live contacts.
                self.bridge = Bridge::new(Config::default(), self.now);
                self.outstanding.clear();
                self.sent_at.clear();
                self.answered.clear();
                self.streams.clear();
                if let Some(raw) = self.persisted.clone() {
                    self.bridge
                        .handle_input(self.now, Input::Restore(RestoredState { raw }));
                }
                let live: Vec<(usize, (usize, usize, usize, usize))> =
                    self.last_event.iter().map(|(k, v)| (*k, *v)).collect();
                for (contact, (state, inbound, channel, attrs)) in live {
                    self.event(
                        contact,
                        ContactEventKind::Existing,
                        state,
                        inbound,
                        channel,
                        attrs,
                        true,
                    );
                }
                if self.ready {
                    self.bridge.handle_input(self.now, Input::Cif(CifAvailability::Ready));
                }
            }
        }
        self.drain()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, max_shrink_iters: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn random_interleavings_keep_the_invariants(
        ready_first in prop::bool::weighted(0.8),
        steps in prop::collection::vec(step(), 1..80),
    ) {
        let mut w = World::new();
        if ready_first {
            w.run(Step::Ready)?;
        }
        for s in steps {
            w.run(s)?;
        }
        // Whatever happened, the trace is valid JSON and bounded.
        let trace: Vec<Value> = serde_json::from_str(&w.bridge.export_trace()).unwrap();
        prop_assert!(trace.len() <= 500);
        if std::env::var_os("PROPERTY_STATS").is_some() {
            eprintln!("STATS sessions={} maybe={} forgotten={} closed={}", w.sessions.len(), w.maybe_session.len(), w.forgotten.len(), w.closed.len());
        }
    }
}

// ---------------------------------------------------------------- fuzz-style parser properties

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
        prop_oneof![
            Just("SingleMatch".to_owned()),
            Just("{0F8FAD5B-D9CB-469F-A165-70867728950E}".to_owned()),
            Just("extn_voice_notification".to_owned()),
            Just("https://x.my.connect.aws/ccp-v2/".to_owned()),
            Just("{\"actionName\":\"Accept\"}".to_owned()),
            Just("[\"s1\",2]".to_owned()),
            Just("true".to_owned()),
            Just("__proto__".to_owned()),
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("value".to_owned()),
                    Just("name".to_owned()),
                    Just("sessionId".to_owned()),
                    Just("focused".to_owned()),
                    Just("ms_contact_id".to_owned()),
                    Just("LookupSatus".to_owned()),
                    Just("CreateTimeline".to_owned()),
                    Just("actionName".to_owned()),
                    Just("presenceInfo".to_owned()),
                    "[a-zA-Z_]{1,12}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3_000, ..ProptestConfig::default() })]

    #[test]
    fn slug_parsing_never_panics_and_keeps_only_valid_values(v in arb_json()) {
        let id = ContactId::parse("c").unwrap();
        let (d, errors) = SlugData::parse(&id, &v, &AttributeNames::default());
        for g in [&d.contact_id, &d.id, &d.account_id, &d.activity_id, &d.entity_record_record_id].into_iter().flatten() {
            prop_assert!(Guid::parse(g.as_str()).is_some());
        }
        for t in [&d.customer_name, &d.call_reason, &d.search_text].into_iter().flatten() {
            prop_assert!(!t.expose().chars().any(char::is_control));
            prop_assert!(t.expose().chars().count() <= 2000);
        }
        for e in errors {
            prop_assert!(e.value.chars().count() <= 65);
            let _ = e.to_string();
        }
    }

    #[test]
    fn config_resolution_never_panics(values in prop::collection::btree_map(
        prop_oneof![prop::sample::select(bridge_core::config::KEYS.to_vec()).prop_map(str::to_owned), "[a-zA-Z]{1,10}"],
        arb_json(),
        0..8,
    )) {
        let layer = ConfigLayer { source: ConfigSource::Url, values: values.clone().into_iter().collect() };
        let (config, errors) = Config::resolve(&[layer]);
        for e in &errors {
            let base = e.key.split('.').next().unwrap();
            prop_assert!(values.contains_key(base), "error for a key not given: {}", e.key);
        }
        if let Some(u) = &config.ccp_url {
            prop_assert!(u.to_ascii_lowercase().starts_with("https://") || u.to_ascii_lowercase().starts_with("http://"));
        }
        prop_assert!((1..=10).contains(&config.max_sessions));
    }

    #[test]
    fn payload_and_result_parsers_never_panic(v in arb_json()) {
        let _ = bridge_core::dynamics::session_switched(&v);
        let _ = bridge_core::dynamics::session_closed(&v);
        let _ = bridge_core::dynamics::click_to_act(&v);
        let _ = bridge_core::dynamics::presence_changed(&v);
        let _ = bridge_core::reply::notification_action(&v);
        let _ = bridge_core::reply::boolean(&v);
        let _ = bridge_core::reply::session_id(&v);
        let _ = bridge_core::reply::session_list(&v);
        let e = bridge_core::reply::CifError::from_rejection(&v);
        prop_assert!(e.message.chars().count() <= 65 || e.message.starts_with("an "));
        let (p, _) = bridge_core::persist::Persisted::parse(&v.to_string(), 10);
        prop_assert!(p.handled.len() <= 10);
    }

    #[test]
    fn the_engine_survives_arbitrary_json_everywhere(attrs in arb_json(), result in arb_json(), payload in arb_json()) {
        let mut b = Bridge::new(Config::default(), Millis(0));
        b.handle_input(Millis(0), Input::Cif(CifAvailability::Ready));
        let snapshot = ContactSnapshot { channel: "voice".into(), state: "connected".into(), inbound: Some(true), attributes: attrs, ..Default::default() };
        b.handle_input(Millis(1), Input::Contact(ContactEvent { contact_id: "c".into(), kind: ContactEventKind::Connected, snapshot: Some(snapshot) }));
        for r in 1..6 {
            b.handle_input(Millis(2), Input::CifReply(CifReply { request: RequestId(r), outcome: CifOutcome::Resolved(result.clone()) }));
        }
        for h in DynamicsHandler::ALL {
            b.handle_input(Millis(3), Input::Dynamics(DynamicsEvent { handler: h, payload: payload.clone() }));
        }
        b.handle_input(Millis(4), Input::Restore(RestoredState { raw: payload.to_string() }));
        b.handle_timeout(Millis(10_000_000));
        while b.poll_command().is_some() {}
    }
}
