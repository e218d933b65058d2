//! §3.3: Reject / Timeout in Dynamics.
#![allow(clippy::unwrap_used)]

use super::common;

use bridge_core::*;
use common::*;
use serde_json::json;

fn answer(p: &mut Pair, action: &str) {
    let r = p.req("notifyEvent");
    p.resolve(r, json!(format!("{{\"actionName\":\"{action}\"}}")));
}

#[test]
fn item_03_reject_in_dynamics_no_session_no_accept() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    p.take();
    answer(&mut p, "Reject");
    assert_eq!(p.take(), Vec::<String>::new());
    // Answered in the CCP afterwards: the agent declined the session, so none is created.
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    assert_eq!(p.take(), Vec::<String>::new());
    assert_eq!(p.bridge.contact_state(CONTACT_ID), Some("Declined"));
}

#[test]
fn item_03_reject_in_connect_is_an_option() {
    let mut p = Pair::with_config(json!({"rejectInConnectOnDecline": true}));
    p.ring(CONTACT_ID, Scenario::Single);
    p.take();
    answer(&mut p, "Reject");
    assert_eq!(p.take(), vec!["streams Reject"]);
}

#[test]
fn item_03_timeout_no_session_until_answered_in_the_ccp() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    p.take();
    answer(&mut p, "Timeout");
    assert_eq!(p.take(), Vec::<String>::new());
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    assert_eq!(p.take(), vec!["canCreateSession"]);
}

#[test]
fn item_03_unknown_action_is_reported_and_treated_like_timeout() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    p.take();
    answer(&mut p, "Maybe");
    assert_eq!(p.take(), Vec::<String>::new());
    assert!(p.report_codes().contains(&"cif.notifyEvent.garbage"));
    assert_eq!(p.bridge.contact_state(CONTACT_ID), Some("AwaitingConnect"));
}

#[test]
fn item_03_a_toast_dynamics_refused_is_not_a_decline() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    let r = p.req("notifyEvent");
    p.resolve(
        r,
        json!("{\"actionName\":\"Reject\",\"responseReason\":\"NotificationQueueLimitExceeded\"}"),
    );
    assert_eq!(p.bridge.contact_state(CONTACT_ID), Some("AwaitingConnect"));
    assert!(p
        .reports()
        .iter()
        .any(|r| r.code == "cif.notifyEvent.refused" && r.agent_visible));
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    assert_eq!(p.all("canCreateSession").len(), 1, "answered in the CCP: it pops");
}

#[test]
fn item_03_a_garbage_notification_answer_is_shown_to_the_agent() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    let r = p.req("notifyEvent");
    p.resolve(r, json!({"what": "ever"}));
    assert!(p
        .reports()
        .iter()
        .any(|r| r.code == "cif.notifyEvent.garbage" && r.agent_visible));
    assert_eq!(p.bridge.contact_state(CONTACT_ID), Some("AwaitingConnect"));
}
