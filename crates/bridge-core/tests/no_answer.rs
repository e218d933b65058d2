//! §3.12: no answer from Dynamics; retries; template fallbacks; garbage results.
#![allow(clippy::unwrap_used)]

mod common;

use bridge_core::*;
use common::*;
use serde_json::json;

fn to_create_session(p: &mut Pair) {
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    p.can_create();
    p.take();
}

#[test]
fn item_12_create_session_without_answer_is_never_repeated() {
    let mut p = Pair::default_ready();
    to_create_session(&mut p);
    let create = p.req("createSession");
    p.advance(12_000);
    assert_eq!(p.take(), vec!["getAllSessions"]);
    let report = p
        .reports()
        .into_iter()
        .find(|r| r.code == "cif.createSession.timeout")
        .unwrap();
    assert!(report.agent_visible);
    // getAllSessions shows nothing new yet; wait on.
    let r = p.req("getAllSessions");
    p.resolve(r, json!([]));
    p.advance(600_000);
    assert!(p.take().is_empty());
    // The late answer is accepted.
    p.resolve(create, json!("late-session"));
    assert_eq!(p.bridge.session_of(CONTACT_ID), Some("late-session"));
    assert_eq!(p.all("createSession").len(), 1);
    assert_eq!(
        p.take(),
        vec![format!("createTab extn_entity_record phonecall {ACTIVITY_ID}")]
    );
}

#[test]
fn item_12_get_all_sessions_adopts_the_one_new_session() {
    let mut p = Pair::default_ready();
    to_create_session(&mut p);
    p.advance(12_000);
    let r = p.req("getAllSessions");
    p.resolve(r, json!("[\"found\"]"));
    assert_eq!(p.bridge.session_of(CONTACT_ID), Some("found"));
    assert_eq!(p.all("createSession").len(), 1);
}

#[test]
fn item_12_create_session_rejection_is_retried_with_backoff() {
    let mut p = Pair::default_ready();
    to_create_session(&mut p);
    let first = p.req("createSession");
    p.reject(
        first,
        json!("{\"message\":\"RejectAfterClientError\",\"msdyn_name\":\"CreateSession\"}"),
    );
    assert!(p.take().is_empty());
    assert_eq!(p.bridge.poll_timeout(), Some(p.now.plus(500)));
    p.advance(500);
    assert_eq!(p.take(), vec!["createSession extn_voice_identified_session"]);
    for expected_delay in [1000, 2000] {
        let r = p.req("createSession");
        p.reply(r, CifOutcome::Threw("Microsoft is not defined".into()));
        p.advance(expected_delay - 1);
        assert!(p.take().is_empty());
        p.advance(1);
        assert_eq!(p.take().len(), 1);
    }
    let r = p.req("createSession");
    p.reject(r, json!({"message": "RejectAfterClientError"}));
    p.advance(60_000);
    assert!(p.take().is_empty(), "retries are bounded");
    assert_eq!(p.bridge.contact_state(CONTACT_ID), Some("Failed"));
    assert!(p
        .reports()
        .iter()
        .any(|r| r.code == "cif.createSession.failed" && r.agent_visible));
}

#[test]
fn item_12_template_not_found_falls_back_to_the_channel_default_once() {
    let mut p = Pair::default_ready();
    let a = attrs(&[
        ("ms_notify_template", "abc_missing"),
        ("ms_session_template", "abc_missing_session"),
    ]);
    p.event(
        CONTACT_ID,
        ContactEventKind::Connecting,
        Some(snapshot("voice", "connecting", Some(true), a)),
    );
    let r = p.req("notifyEvent");
    p.reject(
        r,
        json!("{\"message\":\"NotificationTemplateNotFoundError\",\"msdyn_name\":\"NotifyEvent\"}"),
    );
    assert_eq!(
        p.take(),
        vec!["notifyEvent abc_missing", "notifyEvent extn_voice_notification"]
    );
    p.accept_toast();
    p.can_create();
    let r = p.req("createSession");
    p.reject(r, json!({"message": "SessionTemplateNotFoundError"}));
    let calls: Vec<_> = p
        .take()
        .into_iter()
        .filter(|c| c.starts_with("createSession"))
        .collect();
    assert_eq!(
        calls,
        vec![
            "createSession abc_missing_session",
            "createSession extn_voice_identified_session"
        ]
    );
    assert!(p.report_codes().contains(&"template.notification.fallback"));
    assert!(p.report_codes().contains(&"template.session.fallback"));
}

#[test]
fn item_12_garbage_results_are_failures_not_panics() {
    let mut p = Pair::default_ready();
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    let r = p.req("canCreateSession");
    p.resolve(r, json!("{not json"));
    p.advance(500);
    assert_eq!(p.take(), vec!["canCreateSession", "canCreateSession"]);
    p.can_create();
    let r = p.req("createSession");
    p.resolve(r, json!({"weird": [1, 2, 3]}));
    // A resolved createSession may have created something: never repeated, reconciled instead.
    assert_eq!(
        p.take(),
        vec!["createSession extn_voice_identified_session", "getAllSessions"]
    );
    assert_eq!(p.bridge.contact_state(CONTACT_ID), Some("SessionUnknown"));
}

#[test]
fn item_12_notification_without_answer_is_withdrawn_and_pops_on_connect() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    p.take();
    p.advance(599_999);
    assert!(p.take().is_empty(), "a toast may stay up to 500 s");
    p.advance(1);
    assert_eq!(p.take(), vec!["cancelEvent"]);
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    assert_eq!(p.take(), vec!["canCreateSession"]);
}

#[test]
fn item_12_tab_failures_are_retried_but_tab_timeouts_are_not() {
    let mut p = Pair::with_config(json!({"customerRecordTab": "tab"}));
    p.ring(CONTACT_ID, Scenario::Single);
    p.accept_toast();
    p.can_create();
    p.session_created("s1");
    let tabs = p.all("createTab");
    assert_eq!(tabs.len(), 2);
    p.take();
    p.reject(tabs[0].0, json!({"message": "RejectAfterClientError"}));
    p.advance(500);
    assert_eq!(
        p.take(),
        vec![format!("createTab extn_entity_record phonecall {ACTIVITY_ID}")]
    );
    p.advance(30_000);
    assert!(p.take().is_empty());
    assert!(p.report_codes().contains(&"cif.createTab.timeout"));
}
