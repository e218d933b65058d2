//! §3.8: several contacts at once; replies matched by request id, out of order.
#![allow(clippy::unwrap_used)]

mod common;

use bridge_core::*;
use common::*;
use serde_json::json;

#[test]
fn item_08_several_contacts_pop_one_after_another_and_stale_replies_are_ignored() {
    let mut p = Pair::default_ready();
    for id in ["chat-a", "chat-b", "chat-c"] {
        p.event(
            id,
            ContactEventKind::Connected,
            Some(snapshot("chat", "connected", Some(true), attrs(&[]))),
        );
    }
    // One pop at a time (CIF acts on the focused session): b and c wait their turn, first come first served.
    assert_eq!(p.all("canCreateSession").len(), 1);
    assert_eq!(p.bridge.contact_state("chat-b"), Some("WaitingForTurn"));
    assert_eq!(p.bridge.contact_state("chat-c"), Some("WaitingForTurn"));
    for (id, session) in [
        ("chat-a", "s-a"),
        ("chat-b", "\"s-b\""),
        ("chat-c", "{\"sessionId\":\"s-c\"}"),
    ] {
        let (r, c, _) = p.all("canCreateSession").pop().unwrap();
        assert_eq!(c.unwrap().as_str(), id);
        p.resolve(r, json!(true));
        let (r, c, _) = p.all("createSession").pop().unwrap();
        assert_eq!(c.unwrap().as_str(), id);
        p.resolve(r, json!(session));
    }
    assert_eq!(p.bridge.session_of("chat-a"), Some("s-a"));
    assert_eq!(p.bridge.session_of("chat-b"), Some("s-b"));
    assert_eq!(p.bridge.session_of("chat-c"), Some("s-c"));
    // Unknown and repeated request ids are ignored with a trace line.
    let creates = p.all("createSession");
    p.resolve(RequestId(9_999), json!("s-x"));
    p.resolve(creates[2].0, json!("s-y"));
    assert_eq!(p.bridge.session_of("chat-c"), Some("s-c"));
    assert!(p.bridge.export_trace().contains("unknown or stale request"));
}

#[test]
fn item_08_each_contact_has_its_own_notification() {
    let mut p = Pair::default_ready();
    p.event(
        "chat-a",
        ContactEventKind::Connecting,
        Some(snapshot("chat", "connecting", Some(true), attrs(&[]))),
    );
    p.event(
        "chat-b",
        ContactEventKind::Connecting,
        Some(snapshot("chat", "connecting", Some(true), attrs(&[]))),
    );
    let n = p.all("notifyEvent");
    assert_eq!(n.len(), 2);
    p.resolve(n[1].0, json!({"actionName": "Accept"}));
    assert_eq!(p.take().last().map(String::as_str), Some("canCreateSession"));
    assert_eq!(p.bridge.contact_state("chat-a"), Some("Notifying"));
    assert_eq!(p.bridge.contact_state("chat-b"), Some("CheckingCapacity"));
}
