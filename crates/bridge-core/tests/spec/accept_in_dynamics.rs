//! §3.2: Accept in Dynamics accepts in Connect and pops at once.
#![allow(clippy::unwrap_used)]

use super::common;

use bridge_core::*;
use common::*;
use serde_json::json;

#[test]
fn item_02_accept_in_dynamics_accepts_in_connect_and_pops_without_waiting() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    p.take();
    p.accept_toast();
    assert_eq!(p.take(), vec!["streams Accept", "canCreateSession"]);
    // The pop continues even though Streams has not confirmed the accept.
    p.can_create();
    assert_eq!(p.take(), vec!["createSession extn_voice_identified_session"]);
}

#[test]
fn item_02_accept_result_shapes_are_all_understood() {
    for result in [
        json!("{\"actionName\":\"Accept\",\"responseReason\":\"Accept\"}"),
        json!({"value": {"actionName": "Accept", "responseReason": "AutoAccept"}}),
        json!({"actionName": "Accept"}),
        json!("{\"value\":{\"actionName\":\"Accept\"}}"),
    ] {
        let mut p = Pair::default_ready();
        p.ring(CONTACT_ID, Scenario::Single);
        let r = p.req("notifyEvent");
        p.resolve(r, result.clone());
        assert!(p.take().contains(&"canCreateSession".to_owned()), "{result}");
    }
}

/// The Streams `Accept` the bridge sent for the toast's Accept.
fn accept_request(p: &Pair) -> RequestId {
    p.log
        .iter()
        .find_map(|c| match c {
            Command::Streams {
                request,
                call: StreamsCall::Accept,
                ..
            } => Some(*request),
            _ => None,
        })
        .unwrap()
}

fn fail(p: &mut Pair, request: RequestId) {
    p.input(Input::StreamsReply(StreamsReply {
        request,
        outcome: Err("InvalidState".into()),
    }));
}

/// The agent pressed Accept; the host hands the action over in a shape the reference does not spell out: the
/// action name alone (`"Accept"`, or JSON text of it), under `value`, or in another case. It is the agent's
/// Accept all the same: accepted in Connect and popped, not reported as garbage and left to the softphone.
#[test]
fn item_02_an_accept_named_alone_or_in_another_case_is_an_accept() {
    for result in [
        json!("Accept"),
        json!("\"Accept\""),
        json!({"value": "Accept"}),
        json!({"actionName": "accept", "responseReason": "accept"}),
        json!({"actionName": "ACCEPT"}),
    ] {
        let mut p = Pair::default_ready();
        p.ring(CONTACT_ID, Scenario::Single);
        let r = p.req("notifyEvent");
        p.take();
        p.resolve(r, result.clone());
        assert_eq!(
            p.take(),
            vec!["streams Accept", "canCreateSession"],
            "{result}: {:?}",
            p.report_codes()
        );
    }
    // A declined toast named alone is a decline, not an accept.
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    let r = p.req("notifyEvent");
    p.resolve(r, json!("reject"));
    assert!(p.all("canCreateSession").is_empty());
}

#[test]
fn item_02_a_failed_streams_accept_is_reported_to_the_agent() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    p.accept_toast();
    let request = accept_request(&p);
    fail(&mut p, request);
    // Connect may have refused because the contact is already accepted: a moment for the snapshot to say so.
    assert!(!p.report_codes().contains(&"streams.failed"));
    p.advance(1_500);
    let r = p.reports().into_iter().find(|r| r.code == "streams.failed").unwrap();
    assert!(r.agent_visible);
    assert!(r.message.contains(CONTACT_ID), "{}", r.message);
}

/// The agent pressed Accept on the toast and in the softphone at once: the bridge's `accept()` reaches a
/// contact Connect already accepted and fails, and the snapshot showing it connected comes after the refusal.
/// Nothing failed from the agent's point of view: no error notice.
#[test]
fn a_refused_accept_of_a_contact_that_connects_a_moment_later_is_not_reported() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    p.accept_toast();
    let request = accept_request(&p);
    fail(&mut p, request);
    p.advance(300);
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    p.advance(5_000);
    assert!(!p.report_codes().contains(&"streams.failed"), "{:?}", p.report_codes());
}

#[test]
fn a_refused_accept_of_a_contact_already_connected_is_not_reported() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    p.accept_toast();
    let request = accept_request(&p);
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    fail(&mut p, request);
    p.advance(5_000);
    assert!(!p.report_codes().contains(&"streams.failed"), "{:?}", p.report_codes());
}

/// The accept failed and the caller hung up before it could connect: the agent is told at once, not after
/// the contact is long gone from the softphone.
#[test]
fn a_refused_accept_of_a_contact_that_goes_unconnected_is_reported_when_it_goes() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    p.accept_toast();
    let request = accept_request(&p);
    fail(&mut p, request);
    p.event(
        CONTACT_ID,
        ContactEventKind::Missed,
        Some(voice("missed", Scenario::Single)),
    );
    p.event(CONTACT_ID, ContactEventKind::Destroyed, None);
    assert_eq!(
        p.report_codes().iter().filter(|c| **c == "streams.failed").count(),
        1,
        "{:?}",
        p.report_codes()
    );
    p.advance(5_000);
    assert_eq!(
        p.report_codes().iter().filter(|c| **c == "streams.failed").count(),
        1,
        "{:?}",
        p.report_codes()
    );
}

/// §3.2 and §3.6: the agent accepts the toast and the customer hangs up before `createSession` leaves (Dynamics
/// still answering `canCreateSession`). The pop had started at the agent's Accept ("it does not wait for
/// `accept()`"), and the notification is no longer open, so §3.6 does not apply: the agent gets the one session
/// they accepted (the customer's record and the flow's activity, to call back or wrap up), and nothing more.
#[test]
fn accepted_then_abandoned_before_create_session_still_gets_one_session() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    p.accept_toast();
    assert_eq!(p.bridge.contact_state(CONTACT_ID), Some("CheckingCapacity"));
    p.event(
        CONTACT_ID,
        ContactEventKind::Missed,
        Some(voice("missed", Scenario::Single)),
    );
    p.event(
        CONTACT_ID,
        ContactEventKind::Ended,
        Some(voice("missed", Scenario::Single)),
    );
    p.can_create();
    p.session_created("s1");
    p.event(CONTACT_ID, ContactEventKind::Destroyed, None);
    assert_eq!(p.all("createSession").len(), 1);
    assert!(p.all("cancelEvent").is_empty());
    assert_eq!(p.bridge.contact_count(), 0);
    assert!(p.bridge.was_handled(CONTACT_ID), "a redelivery never pops it again");
}
