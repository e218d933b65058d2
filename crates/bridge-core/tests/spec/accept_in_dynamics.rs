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

#[test]
fn item_02_a_failed_streams_accept_is_reported_to_the_agent() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    p.accept_toast();
    let request = p
        .log
        .iter()
        .find_map(|c| {
            if let Command::Streams { request, .. } = c {
                Some(*request)
            } else {
                None
            }
        })
        .unwrap();
    p.input(Input::StreamsReply(StreamsReply {
        request,
        outcome: Err("InvalidState".into()),
    }));
    let r = p.reports().into_iter().find(|r| r.code == "streams.failed").unwrap();
    assert!(r.agent_visible);
}
