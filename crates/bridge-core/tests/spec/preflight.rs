//! §1 Preflight: once CIF is up, every template the configuration names is looked up in Dynamics, and each
//! missing one is named with the key that names it — before the first contact, never delaying a pop.
#![allow(clippy::unwrap_used)]

use super::common;

use bridge_core::*;
use common::*;
use serde_json::json;

/// The preflight searches: (request, entity, query).
fn searches(p: &Pair) -> Vec<(RequestId, String, String)> {
    p.all("searchAndOpenRecords")
        .into_iter()
        .map(|(r, _, call)| match call {
            CifCall::SearchAndOpenRecords {
                entity_name,
                query,
                search_only,
            } => {
                assert!(search_only, "a preflight search never opens anything");
                (r, entity_name, query)
            }
            _ => unreachable!(),
        })
        .collect()
}

/// Dynamics' answer: a JSON string of the records found, as `searchAndOpenRecords` resolves.
fn records(names: &[&str]) -> serde_json::Value {
    let list: Vec<serde_json::Value> = names.iter().map(|n| json!({"msdyn_uniquename": n})).collect();
    json!(serde_json::to_string(&list).unwrap())
}

#[test]
fn every_configured_template_is_looked_up_once_by_unique_name_per_entity() {
    let p = Pair::default_ready();
    let s = searches(&p);
    let entities: Vec<&str> = s.iter().map(|(_, e, _)| e.as_str()).collect();
    assert_eq!(
        entities,
        [
            "msdyn_notificationtemplate",
            "msdyn_sessiontemplate",
            "msdyn_applicationtabtemplate"
        ]
    );
    assert_eq!(
        s[0].2,
        "?$select=msdyn_uniquename&$filter=msdyn_uniquename eq 'extn_voice_notification' or msdyn_uniquename eq \
         'extn_chat_notification' or msdyn_uniquename eq 'extn_task_notification' or msdyn_uniquename eq \
         'extn_email_notification'"
    );
    assert!(s[2].2.contains("'extn_entity_record'") && s[2].2.contains("'extn_search'"));
    let mut again = p;
    again.ready();
    assert_eq!(searches(&again).len(), 3, "once per page load");
}

#[test]
fn each_missing_template_is_named_with_its_key_and_where_to_create_it() {
    let mut p = Pair::default_ready();
    let s = searches(&p);
    p.resolve(
        s[0].0,
        records(&[
            "extn_voice_notification",
            "EXTN_TASK_NOTIFICATION",
            "extn_email_notification",
        ]),
    );
    p.resolve(s[1].0, json!({"value": [{"msdyn_uniquename": "extn_voice_identified_session"}, {"msdyn_uniquename": "extn_chat_session"}, {"msdyn_uniquename": "extn_task_session"}, {"msdyn_uniquename": "extn_email_session"}]}));
    p.resolve(s[2].0, records(&["extn_entity_record", "extn_search"]));
    let missing: Vec<&Report> = p
        .reports()
        .into_iter()
        .filter(|r| r.code == "preflight.template.missing")
        .collect();
    assert_eq!(missing.len(), 1, "{missing:#?}");
    let m = &missing[0];
    assert!(m.agent_visible);
    assert!(m.message.contains("extn_chat_notification"), "{}", m.message);
    assert!(
        m.message.contains("chatNotificationTemplate"),
        "the key naming it: {}",
        m.message
    );
    assert!(
        m.message.contains("Notification templates"),
        "where to create it: {}",
        m.message
    );
}

#[test]
fn a_template_the_flow_names_is_checked_the_first_time_it_is_seen() {
    let mut p = Pair::default_ready();
    let configured = searches(&p).len();
    let a = attrs(&[("ms_notify_template", "abc_flow_toast"), ("LookupStatus", "NoMatch")]);
    p.event(
        "c-1",
        ContactEventKind::Connecting,
        Some(snapshot("voice", "connecting", Some(true), a.clone())),
    );
    p.event(
        "c-2",
        ContactEventKind::Connecting,
        Some(snapshot("voice", "connecting", Some(true), a)),
    );
    let s = searches(&p);
    assert_eq!(s.len(), configured + 1, "checked once, not per contact");
    let (r, entity, query) = s.last().unwrap().clone();
    assert_eq!(entity, "msdyn_notificationtemplate");
    assert!(query.ends_with("msdyn_uniquename eq 'abc_flow_toast'"), "{query}");
    p.resolve(r, json!("[]"));
    let named = p
        .reports()
        .into_iter()
        .find(|r| r.code == "preflight.template.missing")
        .unwrap();
    assert!(named.message.contains("ms_notify_template"), "{}", named.message);
}

#[test]
fn the_preflight_never_delays_a_pop_and_its_failures_are_quiet() {
    let mut p = Pair::new(Config::default());
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    p.ready();
    // The pop's first call leaves before the preflight's searches.
    let methods: Vec<&str> = p
        .log
        .iter()
        .filter_map(|c| match c {
            Command::Cif { call, .. } => Some(call.method_name()),
            _ => None,
        })
        .collect();
    assert_eq!(methods[0], "canCreateSession", "{methods:?}");
    for (r, _, _) in searches(&p) {
        p.reject(
            r,
            json!({"message": "Timeout occurred as no response was received from listener window"}),
        );
    }
    p.can_create();
    p.session_created("s1");
    assert_eq!(p.bridge.session_of(CONTACT_ID), Some("s1"));
    let quiet = p
        .reports()
        .into_iter()
        .filter(|r| r.code == "preflight.unavailable")
        .count();
    assert_eq!(quiet, 3);
    assert!(p
        .reports()
        .iter()
        .filter(|r| r.code.starts_with("preflight"))
        .all(|r| !r.agent_visible));
    p.advance(600_000);
    assert_eq!(searches(&p).len(), 3, "never retried");
}

#[test]
fn the_preflight_is_off_with_its_key() {
    let p = Pair::with_config(json!({"preflight": false}));
    assert!(searches(&p).is_empty());
}

/// Spec §1: the preflight "names each missing one — with the configuration key that names it". Two keys naming
/// the same missing template: it is looked up once and reported with both keys, so the admin who changes the keys
/// the message names leaves no channel without its session template.
#[test]
fn a_missing_template_named_by_two_keys_is_reported_with_both() {
    let mut p = Pair::with_config(json!({
        "voiceSessionTemplate": "contoso_shared_session",
        "chatSessionTemplate": "contoso_shared_session",
    }));
    let s = searches(&p);
    let (session_search, _, query) = s
        .iter()
        .find(|(_, e, _)| e == "msdyn_sessiontemplate")
        .cloned()
        .unwrap();
    assert_eq!(
        query.matches("contoso_shared_session").count(),
        1,
        "one name, looked up once: {query}"
    );
    p.resolve(session_search, json!("[]"));
    let missing: Vec<String> = p
        .reports()
        .into_iter()
        .filter(|r| r.code == "preflight.template.missing")
        .map(|r| r.message.clone())
        .collect();
    let all = missing.join("\n");
    assert!(all.contains("contoso_shared_session"), "{all}");
    assert!(all.contains("voiceSessionTemplate"), "{all}");
    assert!(
        all.contains("chatSessionTemplate"),
        "the second key naming it is never mentioned: {all}"
    );
}

/// `searchAndOpenRecords` resolves "a JSON string"; Microsoft's own samples read it as `res[0].fullname`, which an
/// index-keyed object (`{"0": {...}}`, what a `Map` of the records built by index becomes) satisfies as well as an
/// array. That shape is read as the list of records, and its empty answer `{}` as none, so the missing templates
/// are named rather than "could not check".
#[test]
fn an_index_keyed_answer_and_an_empty_object_are_read_as_lists_of_records() {
    let mut p = Pair::default_ready();
    let s = searches(&p);
    let (notification, _, _) = s
        .iter()
        .find(|(_, e, _)| e == "msdyn_notificationtemplate")
        .cloned()
        .unwrap();
    let (session, _, _) = s
        .iter()
        .find(|(_, e, _)| e == "msdyn_sessiontemplate")
        .cloned()
        .unwrap();
    p.resolve(
        notification,
        json!("{\"0\":{\"msdyn_uniquename\":\"extn_voice_notification\"},\"1\":{\"msdyn_uniquename\":\"extn_chat_notification\"},\"2\":{\"msdyn_uniquename\":\"extn_task_notification\"}}"),
    );
    p.resolve(session, json!("{}"));
    let missing: Vec<String> = p
        .reports()
        .into_iter()
        .filter(|r| r.code == "preflight.template.missing")
        .map(|r| r.message.clone())
        .collect();
    assert!(
        missing.iter().any(|m| m.contains("extn_email_notification")),
        "{:?}",
        p.reports()
    );
    assert!(
        missing.iter().any(|m| m.contains("extn_voice_identified_session")),
        "{:?}",
        p.reports()
    );
    assert!(
        !missing.iter().any(|m| m.contains("extn_voice_notification")),
        "a template in the index-keyed answer is found: {missing:?}"
    );
    assert!(
        !p.report_codes().contains(&"preflight.unavailable"),
        "{:?}",
        p.reports()
    );
}

/// Spec §1: each missing template is named "on the status line and in the console". The Dynamics part of the
/// status line says `connected — missing templates: …` with the name and its key (a few of them; the notices
/// name every one), as a fault, not only the notices list, where the last 20 stay.
#[test]
fn a_missing_template_is_named_on_the_status_line() {
    let mut p = asking_for_custom_parameters();
    let env = p.req("getEnvironment");
    p.resolve(env, json!("{\"appId\":\"a\"}"));
    for (r, _, _) in searches(&p) {
        p.resolve(r, json!("[]"));
    }
    assert!(p.report_codes().contains(&"preflight.template.missing"));
    let statuses: Vec<String> = p
        .log
        .iter()
        .filter_map(|c| match c {
            Command::Status(StatusView::Dynamics(d)) => Some(d.text()),
            _ => None,
        })
        .collect();
    assert!(
        statuses.iter().any(|s| s.contains("extn_voice_notification")),
        "the status line never names a missing template: {statuses:?}"
    );
    let last = statuses.last().cloned().unwrap_or_default();
    assert!(
        last.starts_with("connected — missing templates: extn_voice_notification (voiceNotificationTemplate), ")
            && last.ends_with(" more (see the notices)"),
        "{last}"
    );
}

/// Spec §1 "It never blocks a pop" and the bridge's own rule (`cif_availability.rs`: the preflight starts
/// "after the pops it may have started: the preflight never delays one"). A template the flow names is searched
/// for only after the contact's `notifyEvent` left, within the same Streams event: the toast's call never waits
/// behind a Dataverse search.
#[test]
fn a_flow_named_template_is_looked_up_after_the_contacts_notification() {
    let mut p = Pair::default_ready();
    let before = p.log.len();
    let a = attrs(&[("ms_notify_template", "abc_flow_toast"), ("LookupStatus", "NoMatch")]);
    p.event(
        CONTACT_ID,
        ContactEventKind::Connecting,
        Some(snapshot("voice", "connecting", Some(true), a)),
    );
    let methods: Vec<&str> = p.log[before..]
        .iter()
        .filter_map(|c| match c {
            Command::Cif { call, .. } => Some(call.method_name()),
            _ => None,
        })
        .collect();
    assert_eq!(methods.first(), Some(&"notifyEvent"), "{methods:?}");
    assert!(
        methods.contains(&"searchAndOpenRecords"),
        "the flow's template is still looked up: {methods:?}"
    );
}
