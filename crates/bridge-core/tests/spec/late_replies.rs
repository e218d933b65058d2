//! A reply to a request the core no longer waits for changes nothing. The shell delivers every CIF settlement
//! (it keeps no per-request state, so a promise Dynamics never settles costs it nothing), which makes this the
//! one guard against a late answer: a notification Dynamics answers after its deadline or after the contact
//! left, or a `createSession` answered after the bridge took it as never made and tried again.
#![allow(clippy::unwrap_used)]

use super::common;

use bridge_core::*;
use common::*;
use serde_json::json;

/// Feeds `outcome` for `request` and checks that it was ignored: no command, no table or state changed.
fn assert_ignored(p: &mut Pair, request: RequestId, outcome: CifOutcome) {
    assert!(!p.bridge.awaits_reply(request), "{request} is still waited for");
    let counts = p.bridge.debug_counts();
    let state = p.bridge.contact_state(CONTACT_ID);
    let session = p.bridge.session_of(CONTACT_ID).map(str::to_owned);
    let open = p.bridge.open_sessions();
    let logged = p.log.len();
    p.reply(request, outcome);
    assert_eq!(
        p.log[logged..].len(),
        0,
        "commands after a late reply: {:#?}",
        &p.log[logged..]
    );
    assert_eq!(p.bridge.debug_counts(), counts);
    assert_eq!(p.bridge.contact_state(CONTACT_ID), state);
    assert_eq!(p.bridge.session_of(CONTACT_ID).map(str::to_owned), session);
    assert_eq!(p.bridge.open_sessions(), open);
    let trace = p.bridge.export_trace();
    assert!(
        trace.contains("reply.ignored") && trace.contains(&format!("{request}: unknown or stale request")),
        "{trace}"
    );
}

fn accept() -> CifOutcome {
    CifOutcome::Resolved(json!("{\"actionName\":\"Accept\",\"responseReason\":\"Accept\"}"))
}

#[test]
fn a_notification_answered_after_its_deadline_is_ignored() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    let notify = p.req("notifyEvent");
    p.advance(Config::default().notification_timeout_ms + 1);
    assert_eq!(p.bridge.contact_state(CONTACT_ID), Some("AwaitingConnect"));
    p.take();
    assert_ignored(&mut p, notify, accept());
    assert!(p.take().is_empty(), "no accept in the CCP, no session");
}

#[test]
fn a_notification_answered_after_the_contact_left_is_ignored() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    let notify = p.req("notifyEvent");
    p.event(
        CONTACT_ID,
        ContactEventKind::Missed,
        Some(voice("missed", Scenario::Single)),
    );
    p.event(CONTACT_ID, ContactEventKind::Destroyed, None);
    assert_eq!(p.bridge.contact_state(CONTACT_ID), None);
    let cancel = p.req("cancelEvent");
    p.resolve(cancel, json!(null));
    p.take();
    assert_ignored(&mut p, notify, accept());
}

#[test]
fn a_create_session_answered_after_it_was_taken_as_never_made_is_ignored() {
    let mut p = Pair::default_ready();
    p.connected_until_create_session();
    let first = p.req("createSession");
    // CIF's time limit: no answer, so Dynamics is asked; it lists nothing, now and at sessionOrphanMs.
    p.reject_time_limit(first, "CreateSession");
    let r = p.req("getAllSessions");
    p.resolve(r, json!([]));
    p.advance(30_000);
    let r = p.req("getAllSessions");
    p.resolve(r, json!([]));
    p.can_create();
    let second = p.req("createSession");
    assert_ne!(first, second, "tried once more");
    p.take();
    assert_ignored(&mut p, first, CifOutcome::Resolved(json!("late-session")));
    assert_eq!(p.bridge.contact_state(CONTACT_ID), Some("CreatingSession"));
    // The retry's own answer still pops the contact.
    p.resolve(second, json!("s-2"));
    assert_eq!(p.bridge.session_of(CONTACT_ID), Some("s-2"));
}

// ---- answers naming a session the agent closed while they were on their way (§3.7, §3.14) ----------------

fn switched(p: &mut Pair, session: &str, focused: bool) {
    p.dynamics(
        DynamicsHandler::SessionSwitched,
        json!(format!("{{\"sessionId\":\"{session}\",\"focused\":{focused}}}")),
    );
}

#[test]
fn a_create_session_answer_after_the_session_was_closed_writes_nothing_and_counts_nothing() {
    let mut p = Pair::default_ready();
    p.connected_until_create_session();
    p.take();
    p.dynamics(DynamicsHandler::SessionClosed, json!({"sessionId": "s1"}));
    p.session_created("s1");
    assert_eq!(
        p.take(),
        Vec::<String>::new(),
        "no tab into a closed session (nor into whatever is focused)"
    );
    assert_eq!(p.bridge.contact_state(CONTACT_ID), Some("SessionClosed"));
    assert_eq!(p.bridge.open_sessions(), 0);
}

#[test]
fn a_session_closed_before_its_answer_leaves_no_slot_behind_for_the_next_contact() {
    let mut p = Pair::with_config(json!({"maxSessions": 1}));
    p.connected_until_create_session();
    switched(&mut p, "s1", true);
    switched(&mut p, "s1", false);
    p.dynamics(DynamicsHandler::SessionClosed, json!({"sessionId": "s1"}));
    p.session_created("s1");
    p.event(CONTACT_ID, ContactEventKind::Ended, None);
    p.event(CONTACT_ID, ContactEventKind::Destroyed, None);
    p.take();
    p.event(
        "b",
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    p.can_create();
    assert!(
        p.take().iter().any(|c| c.starts_with("createSession")),
        "the next contact pops"
    );
}

#[test]
fn a_session_list_that_names_a_session_closed_meanwhile_counts_it_closed() {
    let mut first = Pair::default_ready();
    first.event(
        "gone",
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    first.can_create();
    first.session_created("s1");
    let mut p = Pair::new(Config {
        max_sessions: 1,
        ..Config::default()
    });
    p.input(Input::Restore(first.stored()));
    p.ready();
    let r = p.req("getAllSessions");
    p.dynamics(DynamicsHandler::SessionClosed, json!({"sessionId": "s1"}));
    p.resolve(r, json!(["s1"]));
    assert!(p.all("getSession").is_empty(), "a closed session is not asked about");
    p.event(
        "b",
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    // The tabs the page before left unanswered hold the pop turn for popTurnMs.
    p.advance(1_500);
    p.can_create();
    assert_eq!(p.all("createSession").len(), 1, "the closed session holds no slot");
}

#[test]
fn a_get_session_answer_after_the_session_was_closed_adopts_nothing() {
    let mut first = Pair::default_ready();
    first.connected_until_create_session();
    let mut p = Pair::new(Config::default());
    p.input(Input::Restore(first.stored()));
    p.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    p.ready();
    let r = p.req("getAllSessions");
    p.resolve(r, json!(["s1"]));
    let g = p.req("getSession");
    p.dynamics(DynamicsHandler::SessionClosed, json!({"sessionId": "s1"}));
    p.take();
    p.resolve(
        g,
        json!({"sessionId": "s1", "context": {"templateParameters": {"contactId": CONTACT_ID}}, "isFocused": true}),
    );
    assert_eq!(p.take(), Vec::<String>::new(), "no tab into a closed session");
    assert_eq!(
        p.bridge.contact_state(CONTACT_ID),
        Some("SessionClosed"),
        "its session was made, and closed"
    );
    assert_eq!(p.bridge.open_sessions(), 0);
}

/// A contact whose session the agent closed, while Dynamics still holds another session of it (a second one,
/// made while Dynamics could not list its sessions), is popped into that one when a later session list names
/// it: that is its one session now (§3.14). Its tabs wait until the agent focuses it.
#[test]
fn a_second_session_named_after_the_agent_closed_the_first_becomes_the_contacts_session() {
    let mut p = Pair::default_ready();
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    p.can_create();
    p.session_created("s2");
    p.dynamics(DynamicsHandler::SessionClosed, json!({"sessionId": "s2"}));
    assert_eq!(p.bridge.contact_state(CONTACT_ID), Some("SessionClosed"));
    let tabs_of_contact = |p: &Pair| {
        p.all("createTab")
            .into_iter()
            .filter(|(_, c, _)| c.as_ref().map(ContactId::as_str) == Some(CONTACT_ID))
            .count()
    };
    let tabs_in_s2 = tabs_of_contact(&p);
    // A contact from before this page makes it ask Dynamics which sessions exist.
    p.event(
        "other",
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::NoMatch)),
    );
    let r = p.req("getAllSessions");
    p.resolve(r, json!(["s1"]));
    let g = p.req("getSession");
    p.resolve(
        g,
        json!({"sessionId": "s1", "context": {"templateParameters": {"contactId": CONTACT_ID}}, "isFocused": false}),
    );
    assert_eq!(p.bridge.session_of(CONTACT_ID), Some("s1"));
    assert_eq!(
        tabs_of_contact(&p),
        tabs_in_s2,
        "its tabs wait until the agent looks at s1"
    );
    p.dynamics(
        DynamicsHandler::SessionSwitched,
        json!({"sessionId": "s1", "focused": true}),
    );
    assert!(
        tabs_of_contact(&p) > tabs_in_s2,
        "its tabs open in s1 once focused: {:?}",
        p.take()
    );
}
