//! §3.1 incoming notification, §3.10 duplicates and order, and "no CIF before Ready".
#![allow(clippy::unwrap_used)]

mod common;

use bridge_core::*;
use common::*;

#[test]
fn item_01_incoming_notifies_once() {
    let mut p = Pair::default_ready();
    for kind in [
        ContactEventKind::Init,
        ContactEventKind::Incoming,
        ContactEventKind::Connecting,
        ContactEventKind::Refresh,
    ] {
        p.event(CONTACT_ID, kind, Some(voice("connecting", Scenario::Single)));
    }
    assert_eq!(p.take(), vec!["notifyEvent extn_voice_notification"]);
}

#[test]
fn item_01_channel_default_template_when_the_flow_names_none_or_a_bad_one() {
    let mut p = Pair::default_ready();
    p.event(
        "chat-1",
        ContactEventKind::Connecting,
        Some(snapshot("chat", "connecting", Some(true), attrs(&[]))),
    );
    p.event(
        "task-1",
        ContactEventKind::Incoming,
        Some(snapshot(
            "task",
            "incoming",
            Some(true),
            attrs(&[("ms_notify_template", "<script>")]),
        )),
    );
    p.event(
        "cb-1",
        ContactEventKind::Incoming,
        Some(snapshot("queue_callback", "incoming", None, attrs(&[]))),
    );
    assert_eq!(
        p.take(),
        vec![
            "notifyEvent extn_chat_notification",
            "notifyEvent extn_task_notification",
            "notifyEvent extn_voice_notification"
        ]
    );
    assert!(p.report_codes().contains(&"slug.invalid"));
}

#[test]
fn nothing_is_sent_before_cif_ready_and_waiting_contacts_proceed() {
    let mut p = Pair::new(Config::default());
    p.ring("ringing-1", Scenario::Single);
    p.event(
        "connected-1",
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::NoMatch)),
    );
    assert_eq!(p.take(), Vec::<String>::new());
    p.ready();
    assert_eq!(
        p.take(),
        vec!["canCreateSession", "notifyEvent extn_voice_notification"]
    );
}

#[test]
fn cif_unavailable_is_reported_once_and_a_late_ready_still_works() {
    let mut p = Pair::new(Config::default());
    p.input(Input::Cif(CifAvailability::Unavailable {
        reason: "no CIFInitDone".into(),
    }));
    p.input(Input::Cif(CifAvailability::Unavailable { reason: "again".into() }));
    p.ring(CONTACT_ID, Scenario::Single);
    assert_eq!(p.take(), Vec::<String>::new());
    let unavailable: Vec<_> = p
        .reports()
        .into_iter()
        .filter(|r| r.code == "cif.unavailable")
        .collect();
    assert_eq!(unavailable.len(), 1);
    assert!(unavailable[0].agent_visible);
    p.ready();
    assert_eq!(p.take(), vec!["notifyEvent extn_voice_notification"]);
}

#[test]
fn item_10_duplicates_and_any_order_pop_exactly_once() {
    let mut p = Pair::default_ready();
    // Connected arrives first, then stale ringing events and endless refreshes.
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    p.ring(CONTACT_ID, Scenario::Single);
    p.event(
        CONTACT_ID,
        ContactEventKind::Init,
        Some(voice("connecting", Scenario::Single)),
    );
    assert_eq!(p.take(), vec!["canCreateSession"]);
    p.can_create();
    p.session_created("s1");
    for _ in 0..5 {
        p.event(
            CONTACT_ID,
            ContactEventKind::Refresh,
            Some(voice("connected", Scenario::Single)),
        );
        p.event(
            CONTACT_ID,
            ContactEventKind::Accepted,
            Some(voice("connected", Scenario::Single)),
        );
    }
    assert_eq!(p.all("createSession").len(), 1);
    assert_eq!(p.all("notifyEvent").len(), 0);
}
