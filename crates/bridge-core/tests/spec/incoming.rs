//! §3.1 incoming notification, §3.10 duplicates and order, and "no CIF before Ready".
#![allow(clippy::unwrap_used)]

use super::common;

use bridge_core::*;
use common::*;
use serde_json::json;

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

/// Streams puts `INTERNAL-TRANSFER` where the number is on an agent-to-agent transfer: it is no number, so the
/// toast does not show it and a search never looks for it.
#[test]
fn an_internal_transfer_placeholder_is_not_the_customers_number() {
    let mut p = Pair::with_config(json!({"searchTabTemplate": "extn_search"}));
    let mut s = voice("connecting", Scenario::NoMatch);
    s.phone_number = Some("INTERNAL-TRANSFER".into());
    p.event(CONTACT_ID, ContactEventKind::Connecting, Some(s));
    let CifCall::NotifyEvent {
        template_parameters, ..
    } = p.last("notifyEvent").3
    else {
        unreachable!()
    };
    let shown = serde_json::to_string(&template_parameters).unwrap();
    assert!(!shown.contains("INTERNAL-TRANSFER"), "{shown}");
}

/// A supervisor monitoring (or barging into) another agent's call: the contact is the other agent's to pop.
#[test]
fn a_supervisors_monitoring_contact_never_pops() {
    let mut p = Pair::default_ready();
    let mut s = voice("connected", Scenario::Single);
    s.inbound = Some(false);
    s.initiation_method = Some("monitor".into());
    p.event(CONTACT_ID, ContactEventKind::Init, Some(s.clone()));
    p.event(CONTACT_ID, ContactEventKind::Connected, Some(s));
    assert_eq!(p.take(), Vec::<String>::new());
    assert_eq!(p.bridge.contact_state(CONTACT_ID), Some("AgentStarted"));
}

/// Streams' own sample of a monitored call (`monitoringVoiceContact`): one connection, of type `monitoring`, no
/// `initiationMethod`, no queue, no attributes. Only the connection the supervisor holds says whose call it is.
#[test]
fn a_monitoring_contact_known_only_by_the_supervisors_connection_never_pops() {
    let mut p = Pair::default_ready();
    let s = ContactSnapshot {
        channel: "voice".into(),
        state: "connected".into(),
        inbound: Some(false),
        attributes: json!({}),
        agent_connection_type: Some("monitoring".into()),
        ..Default::default()
    };
    p.event(CONTACT_ID, ContactEventKind::Init, Some(s.clone()));
    p.event(CONTACT_ID, ContactEventKind::Connected, Some(s));
    assert_eq!(p.take(), Vec::<String>::new());
    assert_eq!(p.bridge.contact_state(CONTACT_ID), Some("AgentStarted"));
}

/// A supervisor barging into another agent's call in the order Streams delivers it: the contact arrives
/// `connecting` (the supervisor's connection not yet `monitoring` as read), then `connected` and barging, with the
/// flow's slug attributes readable; it ends and is destroyed. Never a toast left, never a pop, and the other
/// agent's activity is not written from the supervisor's page.
#[test]
fn a_barged_contact_in_streams_order_is_never_the_supervisors_to_pop_or_record() {
    let mut p = Pair::with_config(json!({"updateActivityOnEnd": true}));
    let monitoring = |state: &str| ContactSnapshot {
        inbound: Some(false),
        agent_connection_type: Some("monitoring".into()),
        ..voice(state, Scenario::Single)
    };
    p.event(CONTACT_ID, ContactEventKind::Init, Some(monitoring("connecting")));
    p.event(CONTACT_ID, ContactEventKind::Connecting, Some(monitoring("connecting")));
    p.event(CONTACT_ID, ContactEventKind::Connected, Some(monitoring("connected")));
    p.event(CONTACT_ID, ContactEventKind::Refresh, Some(monitoring("connected")));
    p.advance(60_000);
    p.event(CONTACT_ID, ContactEventKind::Ended, Some(monitoring("ended")));
    p.event(CONTACT_ID, ContactEventKind::Destroyed, None);
    p.advance(10_000);
    assert_eq!(p.take(), Vec::<String>::new());
}

/// §3.1 and §3.4: a chat whose customer name and slugs arrive on a refresh after the first snapshot. The toast,
/// raised at once, shows what was known; the session, created later, carries the late name (its title uses it),
/// and the late slugs pop nothing a second time.
#[test]
fn a_chat_name_that_arrives_after_the_first_snapshot_names_the_session_and_pops_once() {
    let mut p = Pair::default_ready();
    let mut first = snapshot("chat", "connecting", Some(true), json!({}));
    first.customer_name = None;
    p.event(CONTACT_ID, ContactEventKind::Init, Some(first.clone()));
    p.event(CONTACT_ID, ContactEventKind::Connecting, Some(first));
    assert_eq!(params(&p.last("notifyEvent").3)["customerName"], json!(""));
    let late = snapshot(
        "chat",
        "connecting",
        None,
        attrs(&[("ms_customer_name", "Maria Campbell"), ("LookupStatus", "NoMatch")]),
    );
    p.event(CONTACT_ID, ContactEventKind::Refresh, Some(late.clone()));
    p.accept_toast();
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(snapshot("chat", "connected", None, late.attributes.clone())),
    );
    p.can_create();
    assert_eq!(
        params(&p.last("createSession").3)["customerName"],
        json!("Maria Campbell")
    );
    p.session_created("s1");
    for _ in 0..3 {
        p.event(CONTACT_ID, ContactEventKind::Refresh, Some(late.clone()));
    }
    assert_eq!(p.all("createSession").len(), 1);
    assert_eq!(p.all("notifyEvent").len(), 1);
}
