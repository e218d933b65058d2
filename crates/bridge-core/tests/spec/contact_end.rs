//! §3.7: a contact ends; the session stays; released contacts are remembered.
#![allow(clippy::unwrap_used)]

use super::common;

use bridge_core::*;
use common::*;
use serde_json::json;

fn popped(p: &mut Pair, id: &str, session: &str) {
    p.event(
        id,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    p.can_create();
    p.session_created(session);
}

#[test]
fn item_07_contact_end_keeps_session_records_end_and_remembers_the_contact() {
    let mut p = Pair::default_ready();
    popped(&mut p, CONTACT_ID, "s1");
    p.take();
    p.advance(65_000);
    p.event(
        CONTACT_ID,
        ContactEventKind::Ended,
        Some(voice("ended", Scenario::Single)),
    );
    p.event(
        CONTACT_ID,
        ContactEventKind::AfterContactWork,
        Some(voice("ended", Scenario::Single)),
    );
    assert_eq!(p.take(), Vec::<String>::new(), "no call closes or touches the session");
    assert!(p
        .bridge
        .export_trace()
        .contains("outcome=answered duration=65 s connected; session stays"));
    p.event(CONTACT_ID, ContactEventKind::Destroyed, None);
    assert_eq!(p.bridge.contact_count(), 0);
    assert!(p.bridge.was_handled(CONTACT_ID));
    // Redelivered: never pops twice.
    p.ring(CONTACT_ID, Scenario::Single);
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    assert_eq!(p.take(), Vec::<String>::new());
    // The session still counts until the agent closes it.
    assert_eq!(p.bridge.open_sessions(), 1);
    p.dynamics(DynamicsHandler::SessionClosed, json!("{\"sessionId\":\"s1\"}"));
    assert_eq!(p.bridge.open_sessions(), 0);
}

#[test]
fn item_07_a_failed_tab_record_is_not_retried_on_a_session_the_agent_closed() {
    let mut p = Pair::with_config(json!({"cifRetryBackoffMs": 100}));
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    p.can_create();
    p.session_created("s1");
    let tab = p.req("createTab");
    p.resolve(tab, json!("tab-1"));
    let record = p.req("updateContext");
    p.take();
    p.dynamics(DynamicsHandler::SessionClosed, json!({"sessionId": "s1"}));
    p.reject(record, json!({"message": "RejectAfterClientError"}));
    p.advance(60_000);
    assert_eq!(p.take(), Vec::<String>::new());
}

#[test]
fn item_07_no_call_on_a_session_the_agent_closed() {
    let mut p = Pair::with_config(json!({"customerRecordTab": "tab", "cifRetryBackoffMs": 100}));
    popped(&mut p, CONTACT_ID, "s1");
    let tab = p.req("createTab");
    p.take();
    p.dynamics(DynamicsHandler::SessionClosed, json!({"sessionId": "s1"}));
    // The pending tab's failure would normally be retried: not for a closed session.
    p.reject(
        tab,
        json!({"message": "RejectAfterClientError", "msdyn_name": "CreateTab"}),
    );
    p.advance(60_000);
    p.event(
        CONTACT_ID,
        ContactEventKind::Refresh,
        Some(voice("connected", Scenario::Single)),
    );
    assert_eq!(p.take(), Vec::<String>::new());
    assert_eq!(p.bridge.contact_state(CONTACT_ID), Some("SessionClosed"));
}

#[test]
fn handled_memory_is_bounded() {
    let mut p = Pair::with_config(json!({"handledContactMemory": 2}));
    for (n, id) in ["a", "b", "c"].into_iter().enumerate() {
        let connected = snapshot("chat", "connected", Some(true), attrs(&[]));
        p.event(id, ContactEventKind::Connected, Some(connected));
        p.can_create();
        p.session_created(&format!("session-{n}"));
        p.event(id, ContactEventKind::Destroyed, None);
    }
    assert!(!p.bridge.was_handled("a"));
    assert!(p.bridge.was_handled("b") && p.bridge.was_handled("c"));
}

/// Connect puts a missed (or rejected) contact back in its queue under the same id, and may offer it to this
/// agent again: never popped, it was not remembered, so the new offer rings and pops. A popped one stays
/// remembered: delivered again, it never pops twice.
#[test]
fn a_missed_contact_offered_again_rings_again_and_a_popped_one_never_pops_twice() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    p.event(
        CONTACT_ID,
        ContactEventKind::Missed,
        Some(voice("missed", Scenario::Single)),
    );
    p.event(CONTACT_ID, ContactEventKind::Destroyed, None);
    assert!(!p.bridge.was_handled(CONTACT_ID));
    p.take();
    // Moments after it went, an event for it that does not ring is a late repeat of the offer that went.
    p.event(
        CONTACT_ID,
        ContactEventKind::Refresh,
        Some(voice("missed", Scenario::Single)),
    );
    p.event(
        CONTACT_ID,
        ContactEventKind::Ended,
        Some(voice("ended", Scenario::Single)),
    );
    assert_eq!(p.take(), Vec::<String>::new());
    // The agent makes themselves available again, and Connect offers the contact anew.
    p.advance(20_000);
    p.ring(CONTACT_ID, Scenario::Single);
    assert_eq!(
        p.take(),
        vec!["notifyEvent extn_voice_notification"],
        "the new offer rings"
    );
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    p.can_create();
    p.session_created("session-1");
    p.event(CONTACT_ID, ContactEventKind::Destroyed, None);
    assert!(p.bridge.was_handled(CONTACT_ID));
    p.take();
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    assert!(p
        .take()
        .iter()
        .all(|c| !c.starts_with("createSession") && !c.starts_with("notifyEvent")));
}

fn decline_toast(p: &mut Pair) {
    let r = p.req("notifyEvent");
    p.resolve(r, json!("{\"actionName\":\"Reject\",\"responseReason\":\"Reject\"}"));
}

/// A contact declined in Dynamics, never answered: Connect re-queues it and a new offer rings, with or without a
/// reload in between (a restored `Declined` was never answered).
#[test]
fn a_declined_contact_restored_after_a_reload_rings_again_when_offered_again() {
    // Control: no reload.
    let mut q = Pair::default_ready();
    q.ring(CONTACT_ID, Scenario::Single);
    decline_toast(&mut q);
    q.event(
        CONTACT_ID,
        ContactEventKind::Missed,
        Some(voice("missed", Scenario::Single)),
    );
    q.event(CONTACT_ID, ContactEventKind::Destroyed, None);
    assert!(
        !q.bridge.was_handled(CONTACT_ID),
        "control: a declined, unanswered contact is not remembered"
    );

    // With a reload while it still rang.
    let mut first = Pair::default_ready();
    first.ring(CONTACT_ID, Scenario::Single);
    decline_toast(&mut first);
    let mut p = Pair::new(Config::default());
    p.input(Input::Restore(first.stored()));
    p.ready();
    let r = p.req("getAllSessions");
    p.resolve(r, json!([]));
    p.event(
        CONTACT_ID,
        ContactEventKind::Connecting,
        Some(voice("connecting", Scenario::Single)),
    );
    p.event(
        CONTACT_ID,
        ContactEventKind::Missed,
        Some(voice("missed", Scenario::Single)),
    );
    p.event(CONTACT_ID, ContactEventKind::Destroyed, None);
    p.advance(20_000);
    p.take();
    p.ring(CONTACT_ID, Scenario::Single);
    assert_eq!(
        p.take(),
        vec!["notifyEvent extn_voice_notification"],
        "Connect's new offer of the never-answered contact must ring (handled={})",
        p.bridge.was_handled(CONTACT_ID)
    );
}

/// A contact rejected in Connect on decline (`rejectInConnectOnDecline`) goes back to its queue and, the agent being
/// still available, can be offered again at once: a snapshot that rings is a new offer even within the late-repeat
/// quarantine (the shell reads a contact whole only on first sight; its later refreshes bring nothing new).
#[test]
fn a_contact_offered_again_at_once_after_a_rejection_rings_again() {
    let mut p = Pair::with_config(json!({"rejectInConnectOnDecline": "true"}));
    p.ring(CONTACT_ID, Scenario::Single);
    decline_toast(&mut p);
    p.event(
        CONTACT_ID,
        ContactEventKind::Missed,
        Some(voice("rejected", Scenario::Single)),
    );
    p.event(CONTACT_ID, ContactEventKind::Destroyed, None);
    p.take();
    p.advance(2_000);
    // Connect offers it again: first sight in the shell (full read), then Streams' refreshes (nothing new).
    p.ring(CONTACT_ID, Scenario::Single);
    for _ in 0..10 {
        p.advance(1_000);
        p.event(CONTACT_ID, ContactEventKind::Refresh, None);
    }
    assert_eq!(
        p.take(),
        vec!["notifyEvent extn_voice_notification"],
        "the new offer rings in Dynamics"
    );
}
