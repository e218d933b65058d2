//! §3.8: several contacts at once; replies matched by request id, out of order.
#![allow(clippy::unwrap_used)]

mod common;

use bridge_core::*;
use common::*;
use serde_json::json;

#[test]
fn item_08_several_contacts_replies_out_of_order() {
    let mut p = Pair::default_ready();
    for id in ["chat-a", "chat-b", "chat-c"] {
        p.event(id, ContactEventKind::Connected, Some(snapshot("chat", "connected", Some(true), attrs(&[]))));
    }
    let checks = p.all("canCreateSession");
    assert_eq!(checks.len(), 3);
    // Resolve in reverse order.
    for (r, _, _) in checks.iter().rev() {
        p.resolve(*r, json!(true));
    }
    let creates = p.all("createSession");
    let order: Vec<String> = creates.iter().map(|(_, c, _)| c.clone().unwrap().to_string()).collect();
    assert_eq!(order, vec!["chat-c", "chat-b", "chat-a"]);
    // Sessions answered out of order still land on the right contact.
    p.resolve(creates[1].0, json!("s-b"));
    p.resolve(creates[0].0, json!("\"s-c\""));
    p.resolve(creates[2].0, json!({"sessionId": "s-a"}));
    assert_eq!(p.bridge.session_of("chat-a"), Some("s-a"));
    assert_eq!(p.bridge.session_of("chat-b"), Some("s-b"));
    assert_eq!(p.bridge.session_of("chat-c"), Some("s-c"));
    // Unknown and repeated request ids are ignored with a trace line.
    p.resolve(RequestId(9_999), json!("s-x"));
    p.resolve(creates[0].0, json!("s-y"));
    assert_eq!(p.bridge.session_of("chat-c"), Some("s-c"));
    assert!(p.bridge.export_trace().contains("unknown or stale request"));
}

#[test]
fn item_08_each_contact_has_its_own_notification() {
    let mut p = Pair::default_ready();
    p.event("chat-a", ContactEventKind::Connecting, Some(snapshot("chat", "connecting", Some(true), attrs(&[]))));
    p.event("chat-b", ContactEventKind::Connecting, Some(snapshot("chat", "connecting", Some(true), attrs(&[]))));
    let n = p.all("notifyEvent");
    assert_eq!(n.len(), 2);
    p.resolve(n[1].0, json!({"actionName": "Accept"}));
    assert_eq!(p.take().last().map(String::as_str), Some("canCreateSession"));
    assert_eq!(p.bridge.contact_state("chat-a"), Some("Notifying"));
    assert_eq!(p.bridge.contact_state("chat-b"), Some("CheckingCapacity"));
}
