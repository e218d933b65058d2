//! §3.8: several contacts at once; replies matched by request id, out of order.
#![allow(clippy::unwrap_used)]

use super::common;

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

/// Streams 2.26's "dual call": two voice contacts at once, each with its own notification, cancellation
/// token and session; accepting the second does not touch the first's toast, and the first still pops after.
#[test]
fn two_voice_contacts_at_once_each_get_their_own_notification_and_session() {
    let mut p = Pair::default_ready();
    p.ring("voice-a", Scenario::Single);
    p.ring("voice-b", Scenario::NoMatch);
    let n = p.all("notifyEvent");
    assert_eq!(n.len(), 2, "one notification per voice contact");
    let token = |c: &CifCall| match c {
        CifCall::NotifyEvent { cancellation_token, .. } => cancellation_token.clone(),
        _ => unreachable!(),
    };
    assert_ne!(token(&n[0].2), token(&n[1].2));
    assert_eq!(n[0].1.as_ref().unwrap().as_str(), "voice-a");
    assert_eq!(n[1].1.as_ref().unwrap().as_str(), "voice-b");
    // The agent accepts the second call first.
    p.resolve(n[1].0, json!({"actionName": "Accept"}));
    p.event(
        "voice-b",
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::NoMatch)),
    );
    assert_eq!(p.bridge.contact_state("voice-a"), Some("Notifying"));
    let (r, c, _) = p.all("canCreateSession").pop().unwrap();
    assert_eq!(c.unwrap().as_str(), "voice-b");
    p.resolve(r, json!(true));
    let (r, c, _) = p.all("createSession").pop().unwrap();
    assert_eq!(c.unwrap().as_str(), "voice-b");
    p.resolve(r, json!("s-b"));
    assert!(p.all("cancelEvent").is_empty(), "the other toast stays up");
    // voice-b's tabs (its search tab) answer: the pop turn is free.
    for (r, c, _) in p.all("createTab") {
        assert_eq!(c.unwrap().as_str(), "voice-b");
        p.resolve(r, json!("tab-b"));
    }
    // Then the first.
    p.resolve(n[0].0, json!({"actionName": "Accept"}));
    p.event(
        "voice-a",
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    let (r, c, _) = p.all("canCreateSession").pop().unwrap();
    assert_eq!(c.unwrap().as_str(), "voice-a");
    p.resolve(r, json!(true));
    let (r, c, _) = p.all("createSession").pop().unwrap();
    assert_eq!(c.unwrap().as_str(), "voice-a");
    p.resolve(r, json!("s-a"));
    assert_eq!(p.bridge.session_of("voice-a"), Some("s-a"));
    assert_eq!(p.bridge.session_of("voice-b"), Some("s-b"));
    assert_eq!(p.all("createSession").len(), 2);
}
