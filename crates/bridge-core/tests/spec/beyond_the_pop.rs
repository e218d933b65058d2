//! Spec §4: click-to-dial, presence rules without loops, session focus, diagnostics with one
//! correlation id per contact, and the activity update when a contact ends.
#![allow(clippy::unwrap_used)]

use super::common;

use std::collections::{BTreeSet, VecDeque};

use bridge_core::*;
use common::*;
use proptest::prelude::*;
use serde_json::{json, Value};

const ARN: &str = "arn:aws:connect:us-west-2:123456789012:instance/0a1b2c3d-aaaa-4bbb-8ccc-000000000001/queue/5e6f7a8b-dddd-4eee-8fff-000000000002";

fn click(p: &mut Pair, value: &str) {
    let payload = json!({"value": value, "name": "mobilephone", "format": "phone", "entityLogicalName": "contact"});
    p.dynamics(DynamicsHandler::ClickToAct, json!(payload.to_string()));
}

fn dials(p: &Pair) -> Vec<(String, Option<String>)> {
    p.log
        .iter()
        .filter_map(|c| match c {
            Command::Streams {
                call:
                    StreamsCall::Dial {
                        phone_number,
                        queue_arn,
                        ..
                    },
                contact: None,
                ..
            } => Some((phone_number.clone(), queue_arn.clone())),
            _ => None,
        })
        .collect()
}

fn streams_request(p: &Pair) -> RequestId {
    p.log
        .iter()
        .rev()
        .find_map(|c| {
            if let Command::Streams { request, .. } = c {
                Some(*request)
            } else {
                None
            }
        })
        .unwrap()
}

// ---------------------------------------------------------------- click-to-dial

#[test]
fn click_to_dial_again_and_again_in_e164() {
    let mut p = Pair::default_ready();
    click(&mut p, "(425) 555-0142");
    let first = streams_request(&p);
    p.input(Input::StreamsReply(StreamsReply {
        request: first,
        outcome: Ok(()),
    }));
    click(&mut p, "+44 20 7946 0018");
    // A failed dial leaves nothing behind: the next click dials again.
    let second = streams_request(&p);
    p.input(Input::StreamsReply(StreamsReply {
        request: second,
        outcome: Err("TooManyContacts".into()),
    }));
    click(&mut p, "1.425.555.0142");
    assert_eq!(
        dials(&p),
        vec![
            ("+14255550142".into(), None),
            ("+442079460018".into(), None),
            ("+14255550142".into(), None)
        ]
    );
    let failed = p.reports().into_iter().find(|r| r.code == "dial.failed").unwrap();
    assert!(failed.agent_visible && failed.contact.is_none());
    let trace = p.bridge.export_trace();
    assert!(
        !trace.contains("5550142") && !trace.contains("79460018"),
        "no number in the trace: {trace}"
    );
    assert!(p.reports().iter().all(|r| !r.message.contains("5550142")));
}

#[test]
fn click_to_dial_uses_the_configured_country_and_queue() {
    let mut p = Pair::with_config(json!({"defaultCountryCode": "+44", "outboundQueueArn": ARN}));
    click(&mut p, "020 7946 0018");
    assert_eq!(dials(&p), vec![("+442079460018".into(), Some(ARN.into()))]);
}

#[test]
fn an_unusable_number_is_reported_to_the_agent_not_dialled() {
    let mut p = Pair::default_ready();
    for bad in ["911", "call me later", "1-800-FLOWERS", "+1234567890123456", ""] {
        click(&mut p, bad);
    }
    p.dynamics(
        DynamicsHandler::ClickToAct,
        json!({"value": "jo@example.com", "name": "emailaddress1", "format": "email"}),
    );
    assert!(dials(&p).is_empty());
    let refused: Vec<&Report> = p.reports().into_iter().filter(|r| r.code == "dial.refused").collect();
    // The empty value is a payload error (no value), the others are refusals the agent sees.
    assert_eq!(refused.len(), 5);
    assert!(refused
        .iter()
        .all(|r| r.agent_visible && !r.message.contains("FLOWERS")));
    assert!(refused[0].message.contains("8 to 15"));
    assert!(refused[4].message.contains("not a phone number"));
}

#[test]
fn an_extension_is_stripped_and_the_agent_told() {
    let mut p = Pair::default_ready();
    click(&mut p, "425-555-0142 x123");
    assert_eq!(dials(&p), vec![("+14255550142".into(), None)]);
    let r = p.reports().into_iter().find(|r| r.code == "dial.extension").unwrap();
    assert!(r.agent_visible && r.severity == Severity::Info);
    assert!(
        r.message.contains("key in extension 123 once connected"),
        "{}",
        r.message
    );
}

#[test]
fn a_direction_mark_in_a_clicked_number_refuses_it_rather_than_dial_what_is_not_shown() {
    // U+202E reverses what follows: the field shows 425 241 0555, and dropping the mark would dial a number the
    // agent never saw.
    let mut p = Pair::default_ready();
    for value in [
        "425\u{202e}5550142",
        "\u{2067}425 555 0142\u{2069}",
        "425\u{200f}555 0142",
    ] {
        click(&mut p, value);
    }
    assert_eq!(dials(&p), Vec::new());
    let refused: Vec<_> = p.reports().into_iter().filter(|r| r.code == "dial.refused").collect();
    assert_eq!(refused.len(), 3, "{:?}", p.report_codes());
}

#[test]
fn the_dialled_contact_pops_on_connect_without_a_notification() {
    let mut p = Pair::default_ready();
    click(&mut p, "(425) 555-0142");
    let out = snapshot("voice", "connecting", Some(false), attrs(&[]));
    p.event("outbound-1", ContactEventKind::Connecting, Some(out.clone()));
    assert!(p.all("notifyEvent").is_empty());
    p.event(
        "outbound-1",
        ContactEventKind::Connected,
        Some(ContactSnapshot {
            state: "connected".into(),
            ..out
        }),
    );
    assert_eq!(p.all("canCreateSession").len(), 1);
}

// ---------------------------------------------------------------- presence

fn presence_pair(sync: &str) -> Pair {
    Pair::with_config(json!({
        "presenceRules": [
            {"connect": "Available", "dynamics": "Available", "direction": "both"},
            {"connect": "Busy", "dynamics": "Busy", "direction": "both"},
            {"connect": "AfterCallWork", "dynamics": "Busy - DND"},
            {"connect": "Offline", "dynamics": "Offline", "direction": "both"},
            {"connect": "Lunch", "dynamics": "Away", "direction": "toConnect"}
        ],
        "presenceSync": sync,
    }))
}

fn agent(p: &mut Pair, name: &str) {
    p.input(Input::Agent(AgentEvent {
        state_name: name.into(),
        state_type: "routable".into(),
    }));
}

fn presence(p: &mut Pair, text: &str) {
    p.dynamics(
        DynamicsHandler::PresenceChanged,
        json!(json!({"presenceInfo": {"presenceText": text}}).to_string()),
    );
}

#[test]
fn only_the_tab_that_handles_contacts_mirrors_presence_either_way() {
    // Another Dynamics tab of the agent handles contacts: this one hears both sides but sets neither, so two
    // tabs never set the agent's state from each other's echoes.
    let mut p = presence_pair("both");
    p.input(Input::Leadership(LeadershipInput::AgentKnown {
        agent_arn: Some("arn:aws:connect:us-east-1:111122223333:instance/i/agent/a".into()),
        username: None,
    }));
    p.input(Input::Leadership(LeadershipInput::LockWaiting));
    agent(&mut p, "Available");
    presence(&mut p, "Away");
    assert_eq!(p.take(), Vec::<String>::new());
    assert!(p.all("setPresence").is_empty());
}

#[test]
fn presence_round_trip_settles_without_a_loop() {
    let mut p = presence_pair("both");
    agent(&mut p, "Available");
    assert_eq!(p.take(), vec!["setPresence"]);
    // Dynamics echoes the change: not mirrored back.
    presence(&mut p, "Available");
    assert!(p.take().is_empty());
    // The agent picks Busy in Dynamics: Connect follows; its echo is not mirrored back either.
    presence(&mut p, "Busy");
    assert_eq!(
        p.take(),
        vec!["streams SetAgentState { state_name: \"Busy\", enqueue_next_state: false }"]
    );
    agent(&mut p, "Busy");
    assert!(p.take().is_empty());
    // After-call work maps one way only; "Busy - DND" has no rule back, so Connect is left alone.
    agent(&mut p, "AfterCallWork");
    assert_eq!(p.take(), vec!["setPresence"]);
    presence(&mut p, "Busy - DND");
    assert!(p.take().is_empty());
    // Away → Lunch (toConnect only); Connect's echo maps to nothing toDynamics.
    presence(&mut p, "Away");
    assert_eq!(
        p.take(),
        vec!["streams SetAgentState { state_name: \"Lunch\", enqueue_next_state: false }"]
    );
    agent(&mut p, "Lunch");
    assert!(p.take().is_empty());
    let CifCall::SetPresence { presence_text } = p.last("setPresence").3 else {
        panic!()
    };
    assert_eq!(presence_text, "Busy - DND");
}

/// Streams refuses `agent.setState` while the agent handles a contact ("can only be performed if the agent is not
/// handling a live contact"), in after-contact work too, unless the state is enqueued as the agent's next status. The
/// agent who picks Away in Dynamics during a call (or its wrap-up) goes to Lunch in Connect once the contact is
/// cleared, rather than getting an error and being offered the next call after it; with no contact, at once.
#[test]
fn a_presence_picked_in_dynamics_during_a_contact_becomes_the_agents_next_status() {
    let mut p = presence_pair("both");
    agent(&mut p, "Available");
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::NoMatch)),
    );
    agent(&mut p, "Busy");
    p.take();
    presence(&mut p, "Away");
    assert_eq!(
        p.take(),
        vec!["streams SetAgentState { state_name: \"Lunch\", enqueue_next_state: true }"],
        "a state change mid contact that Streams refuses"
    );
    // The call ends; in after-contact work the agent picks Available again: still their next status.
    p.event(
        CONTACT_ID,
        ContactEventKind::AfterContactWork,
        Some(voice("ended", Scenario::NoMatch)),
    );
    agent(&mut p, "AfterCallWork");
    p.advance(10_000);
    p.take();
    presence(&mut p, "Available");
    assert_eq!(
        p.take(),
        vec!["streams SetAgentState { state_name: \"Available\", enqueue_next_state: true }"]
    );
    // Cleared: the next change applies at once.
    p.event(CONTACT_ID, ContactEventKind::Destroyed, None);
    p.advance(10_000);
    p.take();
    presence(&mut p, "Away");
    assert_eq!(
        p.take(),
        vec!["streams SetAgentState { state_name: \"Lunch\", enqueue_next_state: false }"]
    );
}

/// The next status the agent picked in Dynamics during a call applies only once the contact is cleared, long
/// after the echo window, and after-call work was mirrored to Dynamics meanwhile. When Connect reports it, the
/// bridge knows it as its own change: Dynamics shows again what the agent picked (here a one-way `toConnect`
/// rule, so no rule back would set it), rather than after-call work's presence for the rest of the day.
#[test]
fn a_next_status_picked_in_dynamics_leaves_dynamics_showing_it_once_connect_applies_it() {
    let mut p = presence_pair("both");
    agent(&mut p, "Available");
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::NoMatch)),
    );
    agent(&mut p, "Busy");
    presence(&mut p, "Busy");
    p.take();
    presence(&mut p, "Away");
    assert_eq!(
        p.take(),
        vec!["streams SetAgentState { state_name: \"Lunch\", enqueue_next_state: true }"]
    );
    // Streams takes the next status at once.
    let request = p
        .log
        .iter()
        .rev()
        .find_map(|c| match c {
            Command::Streams { request, .. } => Some(*request),
            _ => None,
        })
        .unwrap();
    p.input(Input::StreamsReply(StreamsReply {
        request,
        outcome: Ok(()),
    }));
    p.event(
        CONTACT_ID,
        ContactEventKind::AfterContactWork,
        Some(voice("ended", Scenario::NoMatch)),
    );
    agent(&mut p, "AfterCallWork");
    presence(&mut p, "Busy - DND");
    p.advance(60_000);
    p.event(CONTACT_ID, ContactEventKind::Destroyed, None);
    p.take();
    // Connect applies the enqueued state.
    agent(&mut p, "Lunch");
    let CifCall::SetPresence { presence_text } = p.last("setPresence").3 else {
        panic!()
    };
    assert_eq!(
        presence_text, "Away",
        "Dynamics is left showing after-call work's presence while the agent is at Lunch"
    );
    // Its echo is not mirrored back, and nothing loops.
    p.take();
    presence(&mut p, "Away");
    p.advance(10_000);
    assert!(p.take().is_empty());
}

#[test]
fn a_set_that_changed_nothing_does_not_swallow_a_later_genuine_change() {
    let mut p = presence_pair("both");
    // Dynamics was Available already: this set never echoes.
    agent(&mut p, "Available");
    agent(&mut p, "Lunch");
    presence(&mut p, "Away");
    p.take();
    // Within the echo window, the agent picks Available in Dynamics: a genuine change, mirrored.
    p.advance(1_000);
    presence(&mut p, "Available");
    assert_eq!(
        p.take(),
        vec!["streams SetAgentState { state_name: \"Available\", enqueue_next_state: false }"]
    );
}

/// The agent logs in: Connect says Offline and the bridge sets Dynamics (whose presence it does not know yet) to
/// Offline; a moment later the agent goes Available and the bridge sets that too. Dynamics' echo of the first set
/// arrives only then: it is the bridge's own change, not mirrored back to throw the agent Offline again.
#[test]
fn the_late_echo_of_a_set_from_an_unknown_presence_is_not_mirrored_back() {
    let mut p = presence_pair("both");
    agent(&mut p, "Offline");
    assert_eq!(p.take(), vec!["setPresence"]);
    let r = p.req("setPresence");
    p.resolve(r, json!(true));
    p.advance(300);
    agent(&mut p, "Available");
    assert_eq!(p.take(), vec!["setPresence"]);
    let r = p.req("setPresence");
    p.resolve(r, json!(true));
    p.advance(100);
    presence(&mut p, "Offline");
    presence(&mut p, "Available");
    let calls = p.take();
    assert!(
        !calls.iter().any(|c| c.contains("SetAgentState")),
        "the bridge's own presence change was mirrored back to Connect: {calls:?}"
    );
}

#[test]
fn presence_is_never_set_to_what_is_already_current() {
    let mut p = presence_pair("both");
    presence(&mut p, "Busy");
    assert_eq!(
        p.take(),
        vec!["streams SetAgentState { state_name: \"Busy\", enqueue_next_state: false }"]
    );
    // Long after (no echo window), Connect reports Busy: Dynamics is Busy already.
    p.advance(60_000);
    agent(&mut p, "Busy");
    assert!(p.take().is_empty());
    // Repeated reports of the same state do nothing.
    agent(&mut p, "Busy");
    presence(&mut p, "Busy");
    assert!(p.take().is_empty());
}

#[test]
fn presence_sync_defaults_and_directions() {
    // Rules without presenceSync: Connect → Dynamics only.
    let mut p =
        Pair::with_config(json!({"presenceRules": [{"connect": "Busy", "dynamics": "Busy", "direction": "both"}]}));
    assert_eq!(p.bridge.config().presence_sync(), presence::PresenceSync::ToDynamics);
    presence(&mut p, "Busy");
    assert!(p.take().is_empty());
    agent(&mut p, "Available");
    assert!(p.take().is_empty(), "no rule for Available");
    // No rules: off.
    let mut p = Pair::default_ready();
    assert_eq!(p.bridge.config().presence_sync(), presence::PresenceSync::Off);
    agent(&mut p, "Busy");
    assert!(p.take().is_empty());
    // presenceSync off wins over rules.
    let mut p = presence_pair("off");
    agent(&mut p, "Busy");
    presence(&mut p, "Available");
    assert!(p.take().is_empty());
}

#[test]
fn the_initial_agent_state_is_mirrored_once_cif_is_ready() {
    let layer = ConfigLayer {
        source: ConfigSource::ConfigFile,
        values: json!({"presenceRules": [{"connect": "Available", "dynamics": "Available"}]})
            .as_object()
            .cloned()
            .unwrap(),
    };
    let (config, errors) = Config::resolve(&[layer]);
    assert!(errors.is_empty());
    let mut p = Pair::new(config);
    agent(&mut p, "Available");
    assert!(p.take().is_empty());
    p.ready();
    assert_eq!(p.take(), vec!["setPresence"]);
}

#[test]
fn an_unknown_presence_text_is_reported() {
    let mut p = presence_pair("toDynamics");
    agent(&mut p, "Busy");
    let r = p.req("setPresence");
    p.resolve(r, json!(false));
    assert!(p.report_codes().contains(&"presence.unknown"));
}

/// The world around the bridge for the presence property: each side echoes every change the bridge makes (and
/// only real changes), after a random delay, in order per side (each side reports its own changes in order)
/// but interleaved at random across the sides, like Dynamics' `onPresenceChange` and Streams' `onStateChange`.
#[derive(Debug, Clone)]
enum PresenceStep {
    AgentPicksInConnect(usize),
    AgentPicksInDynamics(usize),
    DeliverEcho(usize),
    Wait(u64),
}

const CONNECT: [&str; 5] = ["Available", "Busy", "AfterCallWork", "Offline", "Lunch"];
const DYNAMICS: [&str; 5] = ["Available", "Busy", "Busy - DND", "Offline", "Away"];

enum Echo {
    Connect(String),
    Dynamics(String),
}

/// Carries out the bridge's commands on the simulated sides; returns how many changes it asked for.
fn carry_out(p: &mut Pair, echoes: &mut VecDeque<Echo>, connect: &mut String, dynamics: &mut String) -> usize {
    let mut n = 0;
    let new: Vec<Command> = p.log.drain(..).collect();
    for c in new {
        match c {
            Command::Cif {
                request,
                call: CifCall::SetPresence { presence_text },
                ..
            } => {
                n += 1;
                if presence_text != *dynamics {
                    dynamics.clone_from(&presence_text);
                    echoes.push_back(Echo::Dynamics(presence_text));
                }
                p.bridge.handle_input(
                    p.now,
                    Input::CifReply(CifReply {
                        request,
                        outcome: CifOutcome::Resolved(json!(true)),
                    }),
                );
            }
            Command::Streams {
                request,
                call: StreamsCall::SetAgentState { state_name, .. },
                ..
            } => {
                n += 1;
                if state_name != *connect {
                    connect.clone_from(&state_name);
                    echoes.push_back(Echo::Connect(state_name));
                }
                p.bridge.handle_input(
                    p.now,
                    Input::StreamsReply(StreamsReply {
                        request,
                        outcome: Ok(()),
                    }),
                );
            }
            _ => {}
        }
    }
    p.drain();
    n
}

/// The oldest pending echo of one side (`pick` chooses which side when both have some).
fn next_echo(echoes: &mut VecDeque<Echo>, pick: usize) -> Option<Echo> {
    let connect = echoes.iter().position(|e| matches!(e, Echo::Connect(_)));
    let dynamics = echoes.iter().position(|e| matches!(e, Echo::Dynamics(_)));
    let i = match (connect, dynamics) {
        (Some(c), Some(d)) => {
            if pick % 2 == 0 {
                c
            } else {
                d
            }
        }
        (Some(i), None) | (None, Some(i)) => i,
        (None, None) => return None,
    };
    echoes.remove(i)
}

fn deliver(p: &mut Pair, e: Echo) {
    match e {
        Echo::Connect(s) => p.bridge.handle_input(
            p.now,
            Input::Agent(AgentEvent {
                state_name: s,
                state_type: "routable".into(),
            }),
        ),
        Echo::Dynamics(t) => {
            let payload = json!({"presenceInfo": {"presenceText": t}});
            p.bridge.handle_input(
                p.now,
                Input::Dynamics(DynamicsEvent {
                    handler: DynamicsHandler::PresenceChanged,
                    payload,
                }),
            );
        }
    }
    p.drain();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    /// Whatever the agent does on either side, and however echoes are delayed and reordered, once the agent
    /// stops the bridge stops: every echo is delivered, and the commands it still makes are bounded by the
    /// echoes that were in flight (no ping-pong), never another change per echo forever.
    #[test]
    fn random_agent_and_presence_events_never_produce_a_command_loop(
        steps in prop::collection::vec(prop_oneof![
            3 => (0..CONNECT.len()).prop_map(PresenceStep::AgentPicksInConnect),
            3 => (0..DYNAMICS.len()).prop_map(PresenceStep::AgentPicksInDynamics),
            4 => any::<usize>().prop_map(PresenceStep::DeliverEcho),
            1 => prop_oneof![Just(10u64), Just(2_000u64), Just(6_000u64)].prop_map(PresenceStep::Wait),
        ], 1..60),
        order in prop::collection::vec(any::<usize>(), 64),
    ) {
        let mut p = presence_pair("both");
        let (mut connect, mut dynamics) = ("Offline".to_owned(), "Offline".to_owned());
        let mut echoes = VecDeque::new();
        for s in steps {
            match s {
                PresenceStep::AgentPicksInConnect(i) => {
                    connect = CONNECT[i].to_owned();
                    deliver(&mut p, Echo::Connect(connect.clone()));
                }
                PresenceStep::AgentPicksInDynamics(i) => {
                    dynamics = DYNAMICS[i].to_owned();
                    deliver(&mut p, Echo::Dynamics(dynamics.clone()));
                }
                PresenceStep::DeliverEcho(k) => {
                    if let Some(e) = next_echo(&mut echoes, k) {
                        deliver(&mut p, e);
                    }
                }
                PresenceStep::Wait(ms) => p.advance(ms),
            }
            carry_out(&mut p, &mut echoes, &mut connect, &mut dynamics);
        }
        // The agent stops; echoes drain in random order, within the echo window.
        let in_flight = echoes.len();
        let mut after = 0;
        let mut rounds = 0;
        while let Some(e) = next_echo(&mut echoes, order[rounds % order.len()]) {
            deliver(&mut p, e);
            after += carry_out(&mut p, &mut echoes, &mut connect, &mut dynamics);
            rounds += 1;
            prop_assert!(rounds <= 4 * in_flight + 4, "echoes keep coming: a loop ({rounds} rounds, {in_flight} in flight)");
        }
        prop_assert!(after <= 2 * in_flight + 2, "{after} changes after the agent stopped, {in_flight} echoes were in flight");
        let trace: Vec<Value> = serde_json::from_str(&p.bridge.export_trace()).unwrap();
        prop_assert!(!trace.is_empty());
    }
}

// ---------------------------------------------------------------- focus

#[test]
fn focus_follows_switches_and_closes() {
    let mut p = Pair::default_ready();
    p.event(
        "chat-a",
        ContactEventKind::Connected,
        Some(snapshot(
            "chat",
            "connected",
            Some(true),
            attrs(&[("ms_customer_name", "Ana Lopez")]),
        )),
    );
    p.can_create();
    p.session_created("s-a");
    assert_eq!(
        p.bridge.focus_summary().as_deref(),
        Some("chat with A… (contact …at-a)")
    );
    p.dynamics(
        DynamicsHandler::SessionSwitched,
        json!({"sessionId": "s-a", "focussed": false}),
    );
    assert_eq!(p.bridge.focus_summary(), None);
    p.dynamics(
        DynamicsHandler::SessionSwitched,
        json!("{\"sessionId\":\"s-a\",\"focused\":true}"),
    );
    assert_eq!(p.bridge.focused_contact().map(ContactId::as_str), Some("chat-a"));
    let trace = p.bridge.export_trace();
    assert!(trace.contains("the agent is looking at contact chat-a"));
    assert!(!trace.contains("Ana"));
    p.dynamics(DynamicsHandler::SessionClosed, json!({"sessionId": "s-a"}));
    assert_eq!(p.bridge.focused_contact(), None);
    assert_eq!(p.bridge.contact_state("chat-a"), Some("SessionClosed"));
}

// ---------------------------------------------------------------- diagnostics

#[test]
fn the_seed_single_match_call_is_traced_step_by_step_under_one_correlation_id() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    p.accept_toast();
    p.connected_until_create_session();
    p.session_created("s-1");
    let tab = p.req("createTab");
    p.resolve(tab, json!("tab-1"));
    let cif: BTreeSet<String> = p
        .log
        .iter()
        .filter_map(|c| {
            // The contact's calls (the page's own preflight searches carry the bridge's id).
            if let Command::Cif {
                correlation_id,
                contact: Some(_),
                ..
            } = c
            {
                Some(correlation_id.clone())
            } else {
                None
            }
        })
        .collect();
    let expected = bridge_core::contact::correlation_id(&ContactId::parse(CONTACT_ID).unwrap(), "0");
    assert!(
        Guid::parse(&expected).is_some(),
        "GUID-shaped, as CIF expects: {expected}"
    );
    assert_eq!(cif, BTreeSet::from([expected.clone()]));
    let trace: Vec<Value> = serde_json::from_str(&p.bridge.export_trace()).unwrap();
    let mine: Vec<&Value> = trace.iter().filter(|e| e["contact"] == json!(CONTACT_ID)).collect();
    assert!(mine.iter().all(|e| e["correlationId"] == json!(expected)), "{mine:#?}");
    let kinds: Vec<&str> = mine.iter().filter_map(|e| e["kind"].as_str()).collect();
    for step in [
        "input.contact",
        "cif.notifyEvent",
        "reply.notifyEvent",
        "decision",
        "streams",
        "cif.canCreateSession",
        "reply.canCreateSession",
        "cif.createSession",
        "reply.createSession",
        "cif.createTab",
        "reply.createTab",
        "state",
    ] {
        assert!(kinds.contains(&step), "{step} missing from {kinds:?}");
    }
}

// ---------------------------------------------------------------- contact end

fn ended_after(p: &mut Pair, connected_ms: u64) {
    p.connected_until_create_session();
    p.session_created("s-1");
    p.advance(connected_ms);
    p.event(
        CONTACT_ID,
        ContactEventKind::Ended,
        Some(voice("ended", Scenario::Single)),
    );
}

#[test]
fn the_activity_gets_its_duration_and_end_once() {
    let mut p = Pair::with_config(json!({"updateActivityOnEnd": true}));
    ended_after(&mut p, 150_000);
    p.event(
        CONTACT_ID,
        ContactEventKind::AfterContactWork,
        Some(voice("ended", Scenario::Single)),
    );
    p.event(
        CONTACT_ID,
        ContactEventKind::Ended,
        Some(voice("ended", Scenario::Single)),
    );
    let updates = p.all("updateRecord");
    assert_eq!(updates.len(), 1);
    let CifCall::UpdateRecord { entity_name, id, data } = &updates[0].2 else {
        panic!()
    };
    assert_eq!((entity_name.as_str(), id.as_str()), ("phonecall", ACTIVITY_ID));
    assert_eq!(data["actualdurationminutes"], json!(3), "150 s rounds to 3 minutes");
    assert_eq!(data["actualend"], json!(p.now.to_iso8601()));
    assert!(p.bridge.export_trace().contains("outcome=answered duration=150 s"));
}

#[test]
fn the_activity_update_is_retried_even_after_close_and_release() {
    let mut p = Pair::with_config(json!({"updateActivityOnEnd": true}));
    ended_after(&mut p, 20_000);
    p.dynamics(DynamicsHandler::SessionClosed, json!({"sessionId": "s-1"}));
    p.event(CONTACT_ID, ContactEventKind::Destroyed, None);
    let first = p.all("updateRecord")[0].clone();
    assert_eq!(first.1, Some(ContactId::parse(CONTACT_ID).unwrap()));
    p.reject(
        first.0,
        json!({"message": "RejectAfterClientError", "msdyn_name": "UpdateRecord"}),
    );
    p.advance(500);
    let updates = p.all("updateRecord");
    assert_eq!(updates.len(), 2);
    assert_eq!(updates[1].1, None, "no command names a released contact");
    assert_eq!(updates[0].2, updates[1].2);
    let correlation: Vec<String> = p
        .log
        .iter()
        .filter_map(|c| match c {
            Command::Cif {
                correlation_id,
                call: CifCall::UpdateRecord { .. },
                ..
            } => Some(correlation_id.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        correlation,
        vec![bridge_core::contact::correlation_id(&ContactId::parse(CONTACT_ID).unwrap(), "0"); 2],
        "the retry keeps the contact's correlation id"
    );
}

#[test]
fn an_activity_update_given_up_after_release_names_the_contact() {
    let mut p = Pair::with_config(json!({"updateActivityOnEnd": true}));
    ended_after(&mut p, 20_000);
    p.event(CONTACT_ID, ContactEventKind::Destroyed, None);
    for _ in 0..10 {
        if let Some((r, _, _)) = p.all("updateRecord").last().cloned() {
            if p.bridge.awaits_reply(r) {
                p.reject(r, json!({"message": "Something went wrong"}));
            }
        }
        p.advance(60_000);
    }
    let failed: Vec<Option<ContactId>> = p
        .reports()
        .into_iter()
        .filter(|r| r.code == "cif.updateRecord.failed")
        .map(|r| r.contact.clone())
        .collect();
    assert_eq!(failed, vec![Some(ContactId::parse(CONTACT_ID).unwrap())]);
}

/// A reload in after-contact work: the page before wrote the activity's end. The reloaded page, which meets
/// the contact already over, does not overwrite it with a duration of 0 and the reload's time.
#[test]
fn a_reload_in_after_contact_work_leaves_the_activity_as_the_page_before_wrote_it() {
    let config = json!({"updateActivityOnEnd": true});
    let mut before = Pair::with_config(config.clone());
    ended_after(&mut before, 300_000);
    assert_eq!(before.all("updateRecord").len(), 1);
    for storage in [true, false] {
        let mut p = Pair::with_config(config.clone());
        p.now = before.now.plus(60_000);
        if storage {
            p.input(Input::Restore(before.stored()));
        }
        p.event(
            CONTACT_ID,
            ContactEventKind::Existing,
            Some(voice("ended", Scenario::Single)),
        );
        p.event(
            CONTACT_ID,
            ContactEventKind::AfterContactWork,
            Some(voice("ended", Scenario::Single)),
        );
        p.advance(10_000);
        assert!(p.all("updateRecord").is_empty(), "storage {storage}");
    }
}

/// A reload mid-call that ends the call (the softphone's media lived in the reloaded page): the page before never
/// saw the end, so it wrote nothing; the reloaded page, which meets the contact already over, writes the end
/// (without a duration it cannot know) rather than leaving the activity open.
#[test]
fn a_call_that_ended_while_the_page_reloaded_gets_its_end_written_once() {
    let config = json!({"updateActivityOnEnd": true});
    let mut before = Pair::with_config(config.clone());
    before.connected_until_create_session();
    before.session_created("s-1");
    before.advance(120_000);
    assert!(before.all("updateRecord").is_empty());
    let mut p = Pair::with_config(config);
    p.now = before.now.plus(20_000);
    p.input(Input::Restore(before.stored()));
    p.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("ended", Scenario::Single)),
    );
    p.event(
        CONTACT_ID,
        ContactEventKind::AfterContactWork,
        Some(voice("ended", Scenario::Single)),
    );
    p.advance(10_000);
    let updates = p.all("updateRecord");
    assert_eq!(
        updates.len(),
        1,
        "the activity of a call that ended during a reload is left open"
    );
    let CifCall::UpdateRecord { data, .. } = &updates[0].2 else {
        panic!()
    };
    assert_eq!(data.get("actualdurationminutes"), None);
}

/// Text the previous version stored says nothing of the end: for a call its page saw end (and wrote the end of),
/// a page of this version that reloads in after-contact work must not write it again (with the time it met the
/// contact over, later than the real end).
#[test]
fn text_stored_by_the_previous_version_for_a_call_seen_to_end_does_not_get_its_end_written_again() {
    let config = json!({"updateActivityOnEnd": true});
    let mut before = Pair::with_config(config.clone());
    before.connected_until_create_session();
    before.session_created("s-1");
    before.advance(120_000);
    before.event(
        CONTACT_ID,
        ContactEventKind::Ended,
        Some(voice("ended", Scenario::Single)),
    );
    before.advance(1_000);
    assert_eq!(
        before.all("updateRecord").len(),
        1,
        "the page that saw the end wrote it"
    );
    // What the previous version wrote: the same, without this version's word on the end.
    let mut stored = RestoredState::default();
    for c in &before.log {
        if let Command::Persist { slot, text } = c {
            let old = text.replace(",\"ended\":true", "").replace(",\"live\":true", "");
            stored.store(*slot, old);
        }
    }
    let mut p = Pair::with_config(config);
    p.now = before.now.plus(20_000);
    p.input(Input::Restore(stored));
    p.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("ended", Scenario::Single)),
    );
    p.event(
        CONTACT_ID,
        ContactEventKind::AfterContactWork,
        Some(voice("ended", Scenario::Single)),
    );
    p.advance(10_000);
    assert!(
        p.all("updateRecord").is_empty(),
        "the end the page before wrote is written again, later"
    );
}

/// A reload mid-call: the reloaded page writes the end, but not a duration counted from the reload.
#[test]
fn a_call_connected_before_the_load_gets_its_end_without_a_duration_counted_from_the_load() {
    let mut p = Pair::with_config(json!({"updateActivityOnEnd": true}));
    p.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    p.advance(120_000);
    p.event(
        CONTACT_ID,
        ContactEventKind::Ended,
        Some(voice("ended", Scenario::Single)),
    );
    let updates = p.all("updateRecord");
    assert_eq!(updates.len(), 1);
    let CifCall::UpdateRecord { data, .. } = &updates[0].2 else {
        panic!()
    };
    assert_eq!(data.get("actualdurationminutes"), None);
    assert_eq!(data["actualend"], json!(p.now.to_iso8601()));
}

/// Several Dynamics tabs: the tab that follows sees the same end, and only the one that handles contacts writes
/// the activity.
#[test]
fn a_following_tab_does_not_write_the_activity_too() {
    let mut p = Pair::with_config(json!({"updateActivityOnEnd": true}));
    p.input(Input::Leadership(LeadershipInput::AgentKnown {
        agent_arn: Some("arn:aws:connect:eu-west-2:111122223333:instance/i/agent/a".into()),
        username: None,
    }));
    p.input(Input::Leadership(LeadershipInput::LockWaiting));
    assert_eq!(p.bridge.tab_role(), "following");
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    p.advance(60_000);
    p.event(
        CONTACT_ID,
        ContactEventKind::Ended,
        Some(voice("ended", Scenario::Single)),
    );
    assert!(p.all("updateRecord").is_empty());
}

/// A page whose lock request is not answered yet does not know whether another tab writes the end: it holds
/// the write, drops it when the leader says it wrote that end (the leader merely answering says nothing of it),
/// and writes it when it comes to lead.
#[test]
fn a_page_still_seeking_the_lock_holds_the_activity_end_until_it_knows_who_writes_it() {
    for outcome in ["another tab leads", "this tab leads"] {
        let mut p = Pair::with_config(json!({"updateActivityOnEnd": true}));
        p.event(
            CONTACT_ID,
            ContactEventKind::Existing,
            Some(voice("connected", Scenario::Single)),
        );
        p.input(Input::Leadership(LeadershipInput::AgentKnown {
            agent_arn: Some("arn:aws:connect:eu-west-2:111122223333:instance/i/agent/a".into()),
            username: None,
        }));
        assert_eq!(p.bridge.tab_role(), "seeking");
        p.advance(1_000);
        p.event(
            CONTACT_ID,
            ContactEventKind::Ended,
            Some(voice("ended", Scenario::Single)),
        );
        assert!(p.all("updateRecord").is_empty(), "{outcome}: held");
        if outcome == "another tab leads" {
            p.input(Input::Leadership(LeadershipInput::LockWaiting));
            p.advance(2_500);
            p.input(Input::Leadership(LeadershipInput::Peer(json!(
                r#"{"t":"leading","from":"other","claimed":[]}"#
            ))));
            assert_eq!(p.bridge.debug_counts().held_activity_ends, 1, "{outcome}");
            p.input(Input::Leadership(LeadershipInput::Peer(json!(format!(
                r#"{{"t":"endSettled","from":"other","contacts":["{CONTACT_ID}"]}}"#
            )))));
            assert_eq!(p.bridge.debug_counts().held_activity_ends, 0, "{outcome}");
            assert!(p.all("updateRecord").is_empty(), "{outcome}");
        } else {
            p.input(Input::Leadership(LeadershipInput::LockHeld));
            assert_eq!(p.all("updateRecord").len(), 1, "{outcome}");
        }
    }
}

/// A ringing call this agent misses, rejects or fails to take goes `missed` / `rejected` / `error` and Connect
/// routes the caller on: the flow's activity is still live, and the agent who answers writes its end.
#[test]
fn a_call_missed_here_does_not_end_the_flows_activity() {
    for state in ["missed", "rejected", "error"] {
        let mut p = Pair::with_config(json!({"updateActivityOnEnd": true}));
        p.ring(CONTACT_ID, Scenario::Single);
        p.advance(20_000);
        p.event(
            CONTACT_ID,
            ContactEventKind::Ended,
            Some(voice(state, Scenario::Single)),
        );
        p.event(
            CONTACT_ID,
            ContactEventKind::Missed,
            Some(voice(state, Scenario::Single)),
        );
        p.event(CONTACT_ID, ContactEventKind::Destroyed, None);
        assert!(p.all("updateRecord").is_empty(), "{state}: {:?}", p.all("updateRecord"));
    }
}

/// A contact transferred to this agent carries the original's attributes (the same activity): the call began
/// with another agent, so this page writes its end without a duration of its own share.
#[test]
fn a_transferred_contact_writes_the_activitys_end_without_its_share_as_the_duration() {
    for method in ["transfer", "queue_transfer"] {
        let mut p = Pair::with_config(json!({"updateActivityOnEnd": true}));
        let mut s = voice("connecting", Scenario::Single);
        s.initiation_method = Some(method.into());
        p.event(CONTACT_ID, ContactEventKind::Init, Some(s.clone()));
        p.accept_toast();
        s.state = "connected".into();
        p.event(CONTACT_ID, ContactEventKind::Connected, Some(s.clone()));
        p.can_create();
        p.session_created("s-b");
        p.advance(60_000);
        s.state = "ended".into();
        p.event(CONTACT_ID, ContactEventKind::AfterContactWork, Some(s.clone()));
        p.event(CONTACT_ID, ContactEventKind::Ended, Some(s));
        let updates = p.all("updateRecord");
        assert_eq!(updates.len(), 1, "{method}");
        let CifCall::UpdateRecord { data, .. } = &updates[0].2 else {
            panic!()
        };
        assert_eq!(data.get("actualdurationminutes"), None, "{method}");
        assert_eq!(data["actualend"], json!(p.now.to_iso8601()), "{method}");
    }
}

#[test]
fn no_activity_update_unless_configured_and_created() {
    let mut p = Pair::default_ready();
    ended_after(&mut p, 20_000);
    assert!(p.all("updateRecord").is_empty());
    let mut p = Pair::with_config(json!({"updateActivityOnEnd": true}));
    let a = attrs(&[
        ("CreateTimeline", "false"),
        ("ms_activity_id", ACTIVITY_ID),
        ("ms_entityrecord_entity_name", "phonecall"),
    ]);
    p.event(
        "c-2",
        ContactEventKind::Connected,
        Some(snapshot("voice", "connected", Some(true), a.clone())),
    );
    p.event(
        "c-2",
        ContactEventKind::Ended,
        Some(snapshot("voice", "ended", Some(true), a)),
    );
    let b = attrs(&[
        ("CreateTimeline", "true"),
        ("ms_activity_id", "not-a-guid"),
        ("ms_entityrecord_entity_name", "phonecall"),
    ]);
    p.event(
        "c-3",
        ContactEventKind::Connected,
        Some(snapshot("voice", "connected", Some(true), b.clone())),
    );
    p.event(
        "c-3",
        ContactEventKind::Ended,
        Some(snapshot("voice", "ended", Some(true), b)),
    );
    assert!(p.all("updateRecord").is_empty());
}

// ---------------------------------------------------------------- configuration

#[test]
fn new_configuration_keys_are_checked() {
    let layer = |v: Value| ConfigLayer {
        source: ConfigSource::Url,
        values: v.as_object().cloned().unwrap(),
    };
    let (c, errors) = Config::resolve(&[layer(json!({
        "defaultCountryCode": "44", "outboundQueueArn": ARN, "presenceSync": "both", "updateActivityOnEnd": "true",
        "presenceRules": "[{\"connect\":\"Busy\",\"dynamics\":\"Busy\",\"direction\":\"toConnect\"}]",
    }))]);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(c.default_country_code, "44");
    assert_eq!(c.outbound_queue_arn.as_deref(), Some(ARN));
    assert_eq!(c.presence_rules.len(), 1);
    assert!(c.update_activity_on_end);
    let (c, errors) = Config::resolve(&[layer(json!({
        "defaultCountryCode": "0044", "outboundQueueArn": "arn:aws:connect:us-west-2:123:instance/x/queue/y",
        "presenceSync": "sometimes", "updateActivityOnEnd": "yes", "presenceRules": [{"connect": "Busy"}],
    }))]);
    let keys: BTreeSet<&str> = errors.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "defaultCountryCode",
            "outboundQueueArn",
            "presenceSync",
            "updateActivityOnEnd",
            "presenceRules"
        ])
    );
    assert_eq!(c, Config::default());
}

// ---------------------------------------------------------------- a dial that never calls back

fn dial_timeout(p: &Pair) -> u64 {
    p.log
        .iter()
        .rev()
        .find_map(|c| match c {
            Command::Streams {
                call: StreamsCall::Dial { timeout_ms, .. },
                ..
            } => Some(*timeout_ms),
            _ => None,
        })
        .unwrap()
}

#[test]
fn dial_passes_a_timeout_and_a_dial_that_never_calls_back_is_reported() {
    let mut p = Pair::default_ready();
    click(&mut p, "(425) 555-0142");
    let request = streams_request(&p);
    let timeout = dial_timeout(&p);
    assert!((5_000..=60_000).contains(&timeout), "{timeout}");
    p.advance(timeout);
    assert!(
        !p.report_codes().contains(&"dial.no_answer"),
        "Streams' own timeout comes first"
    );
    p.advance(5_000);
    let r = p.reports().into_iter().find(|r| r.code == "dial.no_answer").unwrap();
    assert!(r.agent_visible);
    assert!(
        r.message.contains("did not answer") && r.message.contains("check the softphone"),
        "{}",
        r.message
    );
    assert!(
        r.message.contains("42") && !r.message.contains("4255550142"),
        "{}",
        r.message
    );
    // The late answer changes nothing, and no deadline is left behind.
    p.input(Input::StreamsReply(StreamsReply {
        request,
        outcome: Ok(()),
    }));
    assert_eq!(p.report_codes().iter().filter(|c| **c == "dial.no_answer").count(), 1);
    assert_eq!(p.bridge.poll_timeout(), None);
    assert_eq!(p.bridge.debug_counts().streams_pending, 0);
}

#[test]
fn dial_answered_in_time_arms_no_report() {
    let mut p = Pair::default_ready();
    click(&mut p, "(425) 555-0142");
    let request = streams_request(&p);
    p.input(Input::StreamsReply(StreamsReply {
        request,
        outcome: Ok(()),
    }));
    p.advance(120_000);
    assert!(!p.report_codes().contains(&"dial.no_answer"));
}

#[test]
fn streams_own_dial_timeout_failure_is_reported_once_as_a_failed_dial() {
    let mut p = Pair::default_ready();
    click(&mut p, "(425) 555-0142");
    let request = streams_request(&p);
    p.advance(dial_timeout(&p));
    p.input(Input::StreamsReply(StreamsReply {
        request,
        outcome: Err("Agent.connect timed out after 20000 ms".into()),
    }));
    p.advance(60_000);
    let codes = p.report_codes();
    assert_eq!(codes.iter().filter(|c| **c == "dial.failed").count(), 1, "{codes:?}");
    assert!(!codes.contains(&"dial.no_answer"), "{codes:?}");
}

/// Spec §1.14 "Notification tokens and correlation ids are unique per page load" (README *Diagnostics*: "so a
/// reload's calls are told apart"). The bridge's own CIF calls — the reload's `getAllSessions`, the preflight
/// searches — carry a GUID derived from the page nonce, like the start-up calls: a new one on each page load.
#[test]
fn the_bridges_own_calls_carry_a_per_load_correlation_id() {
    let ids = |nonce: &str| {
        let mut first = Pair::default_ready();
        first.ring("earlier", Scenario::Single);
        let mut p = Pair::new(Config::default());
        p.bridge = Bridge::new(Config::default(), p.now).with_page_nonce(nonce);
        p.input(Input::Restore(first.stored()));
        p.ready();
        (p.last("getAllSessions").2, p.last("searchAndOpenRecords").2)
    };
    let (sessions_one, search_one) = ids("pageOne");
    let (sessions_two, search_two) = ids("pageTwo");
    assert_ne!(
        sessions_one, sessions_two,
        "getAllSessions: the same id on two page loads"
    );
    assert_ne!(search_one, search_two, "preflight: the same id on two page loads");
    assert_eq!(
        sessions_one, search_one,
        "one id for the bridge's own calls on one page load"
    );
    assert!(slug::Guid::parse(&sessions_one).is_some(), "{sessions_one}");
}
