//! The seed's three voice scenarios (single, multi, no match), end to end, asserting the exact command
//! sequence the bridge emits.
#![allow(clippy::unwrap_used)]

use super::common;

use bridge_core::*;
use common::*;
use serde_json::json;

struct Case {
    scenario: Scenario,
    config: serde_json::Value,
    tabs: Vec<String>,
}

fn cases() -> Vec<Case> {
    let activity = format!("createTab extn_entity_record phonecall {ACTIVITY_ID}");
    let search = format!("createTab extn_search search {PHONE}");
    vec![
        Case {
            scenario: Scenario::Single,
            config: json!({}),
            tabs: vec![activity.clone()],
        },
        Case {
            scenario: Scenario::Single,
            config: json!({"customerRecordTab": "tab"}),
            tabs: vec![
                activity.clone(),
                format!("createTab extn_entity_record contact {CUSTOMER_ID}"),
            ],
        },
        Case {
            scenario: Scenario::Multi,
            config: json!({}),
            tabs: vec![activity.clone(), search.clone()],
        },
        Case {
            scenario: Scenario::NoMatch,
            config: json!({}),
            tabs: vec![activity.clone(), search],
        },
        Case {
            scenario: Scenario::NoMatch,
            config: json!({"searchTabTemplate": ""}),
            tabs: vec![activity, format!("renderSearchPage contact {PHONE}")],
        },
    ]
}

#[test]
fn seed_voice_scenarios_exact_command_sequence() {
    for case in cases() {
        let mut p = Pair::with_config(case.config.clone());
        p.ring(CONTACT_ID, case.scenario);
        assert_eq!(
            p.take(),
            vec!["notifyEvent extn_voice_notification"],
            "{:?}",
            case.scenario
        );
        p.accept_toast();
        assert_eq!(p.take(), vec!["streams Accept", "canCreateSession"]);
        p.can_create();
        assert_eq!(p.take(), vec!["createSession extn_voice_identified_session"]);
        p.session_created("session-id-16");
        assert_eq!(p.take(), case.tabs, "{:?} {}", case.scenario, case.config);
        // The agent answers: Streams confirms; nothing more is sent.
        p.event(
            CONTACT_ID,
            ContactEventKind::Connected,
            Some(voice("connected", case.scenario)),
        );
        p.event(
            CONTACT_ID,
            ContactEventKind::Refresh,
            Some(voice("connected", case.scenario)),
        );
        assert_eq!(p.take(), Vec::<String>::new());
        assert_eq!(p.bridge.session_of(CONTACT_ID), Some("session-id-16"));
    }
}

#[test]
fn seed_notification_parameters_carry_every_slug_and_the_streams_fields() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    let (_, contact, correlation, call) = p.last("notifyEvent");
    assert_eq!(contact.map(|c| c.to_string()).as_deref(), Some(CONTACT_ID));
    assert_eq!(
        correlation,
        bridge_core::contact::correlation_id(&ContactId::parse(CONTACT_ID).unwrap(), "0"),
        "derived from the contact id and the page load"
    );
    let params = params(&call);
    let expected = json!({
        "ms_customer_entity_name": "contact",
        "ms_contact_id": CUSTOMER_ID,
        "ms_id": CUSTOMER_ID,
        "ms_account_id": ACCOUNT_ID,
        "ms_customer_name": "Maria Campbell",
        "LookupStatus": "SingleMatch",
        "LookupSatus": "SingleMatch",
        "ms_session_template": "extn_voice_identified_session",
        "ms_notify_template": "extn_voice_notification",
        "CallReason": "transcript",
        "ms_searchType": "contact",
        "ms_searchText": PHONE,
        "CreateTimeline": "true",
        "ms_activity_id": ACTIVITY_ID,
        "ms_entityrecord_entity_name": "phonecall",
        "ms_entityrecord_record_id": ACTIVITY_ID,
        "customerName": "Maria Campbell",
        "phoneNumber": PHONE,
        "channel": "voice",
        "queueName": "BasicQueue",
        "contactId": CONTACT_ID,
    });
    assert_eq!(serde_json::Value::Object(params.clone()), expected);
    if let CifCall::NotifyEvent { cancellation_token, .. } = call {
        assert!(cancellation_token.contains(CONTACT_ID));
    }
}

#[test]
fn seed_multi_and_no_match_sessions_withhold_customer_ids() {
    for status in ["MultiMatch", "NoMatch", "Whatever"] {
        let mut p = Pair::default_ready();
        let a = attrs(&[
            ("LookupStatus", status),
            ("ms_contact_id", CUSTOMER_ID),
            ("ms_id", CUSTOMER_ID),
            ("ms_account_id", ACCOUNT_ID),
            ("ms_searchText", PHONE),
        ]);
        p.event(
            CONTACT_ID,
            ContactEventKind::Connected,
            Some(snapshot("voice", "connected", Some(true), a)),
        );
        p.can_create();
        let (_, _, _, call) = p.last("createSession");
        let params = params(&call);
        for k in ["ms_contact_id", "ms_id", "ms_account_id"] {
            assert!(!params.contains_key(k), "{status}: {k} leaked");
        }
        p.session_created("s1");
        assert_eq!(
            p.take().last().cloned(),
            Some(format!("createTab extn_search search {PHONE}"))
        );
    }
}

/// The seed's flow stores `ms_customer_name = $.External.fullname` before its Match Type Logic, so a multi match
/// carries one of the matches' names. The toast and the session title (`Voice-{customerName}`) must not name that
/// arbitrary match as the caller while the bridge searches because it does not know who calls: `customerName` is
/// the caller's number then (the flow's own slug still travels under its own name, §3.1). A chat's customer gives
/// their own name, which is shown.
#[test]
fn seed_multi_match_does_not_name_an_arbitrary_match_as_the_caller() {
    for lookup in ["LookupSatus", "LookupStatus"] {
        for (channel, shown) in [("voice", PHONE), ("chat", "Chat Customer")] {
            let mut p = Pair::default_ready();
            let a = attrs(&[
                (lookup, "MultiMatch"),
                ("ms_customer_name", "Maria Campbell"),
                ("ms_searchText", PHONE),
            ]);
            p.event(
                CONTACT_ID,
                ContactEventKind::Incoming,
                Some(snapshot(channel, "connecting", Some(true), a.clone())),
            );
            let (_, _, _, toast) = p.last("notifyEvent");
            assert_eq!(
                params(&toast).get("customerName"),
                Some(&json!(shown)),
                "{lookup} {channel}"
            );
            assert_eq!(
                params(&toast).get("ms_customer_name"),
                Some(&json!("Maria Campbell")),
                "the flow's slug, under its own name"
            );
            p.event(
                CONTACT_ID,
                ContactEventKind::Connected,
                Some(snapshot(channel, "connected", Some(true), a)),
            );
            p.can_create();
            let (_, _, _, session) = p.last("createSession");
            assert_eq!(
                params(&session).get("customerName"),
                Some(&json!(shown)),
                "{lookup} {channel}"
            );
        }
    }
    // A single match names its customer.
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    let (_, _, _, toast) = p.last("notifyEvent");
    assert_eq!(params(&toast).get("customerName"), Some(&json!("Maria Campbell")));
}

#[test]
fn seed_single_match_session_keeps_customer_ids() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    p.accept_toast();
    p.can_create();
    let (_, _, _, call) = p.last("createSession");
    assert_eq!(params(&call).get("ms_contact_id"), Some(&json!(CUSTOMER_ID)));
}

/// With storage working, the tabs are recorded in the session's context once they opened: one write when the
/// last young one answered, naming each opened tab.
#[test]
fn seed_opened_tabs_are_recorded_in_the_session_once_they_opened() {
    let (mut p, tabs) = multi_match_popped();
    assert_eq!(tabs.len(), 2, "activity and search");
    p.take();
    p.resolve(tabs[0].0, json!("tab-1"));
    assert_eq!(
        p.take(),
        Vec::<String>::new(),
        "the search tab is still young in flight"
    );
    p.resolve(tabs[1].0, json!("tab-2"));
    assert_eq!(
        p.take(),
        vec!["updateContext s1 ccbTab_activity=1 ccbTab_search=1 ccbTabs=activity,search"]
    );
    let record = p.req("updateContext");
    p.resolve(record, json!(""));
    // Nothing new to say: no second write.
    p.dynamics(
        DynamicsHandler::SessionSwitched,
        json!({"sessionId": "s1", "focused": true}),
    );
    assert_eq!(p.take(), Vec::<String>::new());
}

/// A tab that gets no answer is recorded with nothing: it may or may not have opened, and storage holds it as
/// requested. The tabs that opened are recorded once it went overdue.
#[test]
fn seed_a_tab_without_answer_does_not_hold_back_the_record_of_the_others() {
    let (mut p, tabs) = multi_match_popped();
    p.resolve(tabs[0].0, json!("tab-1"));
    p.take();
    p.advance(12_000);
    assert!(p
        .take()
        .contains(&"updateContext s1 ccbTab_activity=1 ccbTabs=activity".to_owned()));
}

/// A multi-match contact accepted and popped into s1, its two tab requests (activity, search) unanswered.
fn multi_match_popped() -> (Pair, Vec<(RequestId, Option<ContactId>, CifCall)>) {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Multi);
    p.accept_toast();
    p.can_create();
    p.session_created("s1");
    let tabs = p.all("createTab");
    (p, tabs)
}
