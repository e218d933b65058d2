//! §5: malformed, missing, oversized or hostile input never crashes or loses a contact; it is reported,
//! personal data redacted, and the bridge falls back.
#![allow(clippy::unwrap_used)]

use super::common;

use bridge_core::*;
use common::*;
use serde_json::json;

#[test]
fn rule_5_hostile_attributes_are_reported_and_fall_back() {
    let mut p = Pair::default_ready();
    let hostile = json!({
        "ms_contact_id": {"name": "ms_contact_id", "value": "1 or 1=1"},
        "LookupStatus": {"name": "LookupStatus", "value": "SingleMatch"},
        "ms_notify_template": {"name": "x", "value": 42},
        "ms_customer_name": {"name": "x", "value": format!("Eve\u{202e}{}", "A".repeat(1_000_000))},
        "CreateTimeline": {"label": "x"},
        "__proto__": {"name": "__proto__", "value": "polluted"},
        "ms_searchText": {"name": "x", "value": "+1555'); DROP"},
    });
    p.event(
        CONTACT_ID,
        ContactEventKind::Connecting,
        Some(snapshot("voice", "connecting", Some(true), hostile)),
    );
    assert_eq!(
        p.take(),
        vec!["notifyEvent extn_voice_notification"],
        "default template"
    );
    let reports: Vec<String> = p.reports().iter().map(|r| r.message.clone()).collect();
    assert_eq!(
        reports,
        vec![
            format!("contact {CONTACT_ID}: attribute `ms_contact_id` value \"1 or 1=1\" refused: expected a GUID (8-4-4-4-12 hex digits, braces optional)"),
            format!("contact {CONTACT_ID}: attribute `ms_customer_name` value \"[redacted]\" too long: cut to 200 characters"),
            format!("contact {CONTACT_ID}: attribute `ms_notify_template` refused (a number): expected {{name, value}} with a string value"),
            format!("contact {CONTACT_ID}: attribute `CreateTimeline` refused (an object without `value`): expected {{name, value}} with a string value"),
        ]
    );
    p.accept_toast();
    p.can_create();
    p.session_created("s1");
    // Single match with an invalid id → search, never a record tab with the bad id.
    assert_eq!(
        p.take().last().cloned(),
        Some("createTab extn_search search +1555'); DROP".to_owned())
    );
    assert!(p.report_codes().contains(&"pop.fallback.search"));
}

#[test]
fn rule_5_attributes_of_the_wrong_shape() {
    for attributes in [
        json!("a string"),
        json!([1, 2]),
        json!(7),
        json!(null),
        json!({"LookupStatus": []}),
    ] {
        let mut p = Pair::default_ready();
        p.event(
            CONTACT_ID,
            ContactEventKind::Connected,
            Some(snapshot("voice", "connected", Some(true), attributes)),
        );
        assert_eq!(p.take(), vec!["canCreateSession"]);
    }
}

#[test]
fn rule_5_personal_data_never_reaches_reports_or_the_trace() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    p.accept_toast();
    p.can_create();
    p.session_created("s1");
    p.event(
        CONTACT_ID,
        ContactEventKind::Ended,
        Some(voice("ended", Scenario::Single)),
    );
    let trace = p.bridge.export_trace();
    for secret in ["5555550100", "Maria", "Campbell", "transcript"] {
        assert!(!trace.contains(secret), "{secret} leaked into the trace");
        assert!(
            p.reports().iter().all(|r| !r.message.contains(secret)),
            "{secret} leaked into a report"
        );
    }
    let entries: serde_json::Value = serde_json::from_str(&trace).unwrap();
    let first = &entries[0];
    for key in ["at", "contact", "correlationId", "kind", "detail"] {
        assert!(first.get(key).is_some(), "{key} missing in {first}");
    }
}

#[test]
fn rule_5_hostile_cif_results_and_rejections() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    let r = p.req("notifyEvent");
    p.reject(r, json!("x".repeat(100_000)));
    p.advance(500);
    let r = p.req("notifyEvent");
    p.resolve(r, json!({"value": {"actionName": ["Accept"]}}));
    assert!(p.report_codes().contains(&"cif.notifyEvent.garbage"));
    assert!(p.reports().iter().all(|r| r.message.len() < 1_000));
}

/// A rejection whose message is nested (`{error: {message}}`, as Web API and many hosts wrap it, or the host's raw
/// `{value: {message, msdyn_name}}`) is reported by that message, as a flat `{message}` is: "an object with 1
/// keys" tells the agent and the engineer nothing about why no session came.
#[test]
fn rule_5_a_nested_rejection_is_reported_by_its_message() {
    for rejection in [
        json!({"error": {"code": "0x80040216", "message": "RejectAfterClientError"}}),
        json!({"value": {"message": "RejectAfterClientError", "msdyn_name": "CreateSession"}}),
        json!({"error": "RejectAfterClientError"}),
    ] {
        let mut p = Pair::default_ready();
        p.connected_until_create_session();
        for _ in 0..10 {
            if p.report_codes().contains(&"cif.createSession.failed") {
                break;
            }
            let r = p.req("createSession");
            p.reject(r, rejection.clone());
            p.advance(10_000);
        }
        let report = p
            .reports()
            .into_iter()
            .find(|r| r.code == "cif.createSession.failed")
            .map(|r| r.message.clone())
            .unwrap_or_else(|| panic!("{rejection}: never given up: {:?}", p.report_codes()));
        assert!(
            report.contains("RejectAfterClientError"),
            "{rejection}: reported as {report:?}"
        );
    }
}

#[test]
fn rule_5_odata_values_are_escaped() {
    assert_eq!(
        bridge_core::odata::filter_eq("fullname", "telephone1", "x' or contactid ne null &$top=1"),
        "?$select=fullname&$filter=telephone1 eq 'x'' or contactid ne null %26$top=1'"
    );
}

#[test]
fn rule_5_trace_is_bounded() {
    let mut p = Pair::with_config(json!({"traceCapacity": 10}));
    for i in 0..100 {
        p.event(
            &format!("c{i}"),
            ContactEventKind::Init,
            Some(snapshot("chat", "ended", Some(true), attrs(&[]))),
        );
    }
    let entries: Vec<serde_json::Value> = serde_json::from_str(&p.bridge.export_trace()).unwrap();
    assert_eq!(entries.len(), 10);
}

/// README *Diagnostics* "Phone numbers … are redacted in the console and trace". A flow that swaps
/// `ms_searchType` and `ms_searchText` (the entity and the number) — the kind of mistake §5 says must only yield
/// a clear console error — gets that error without the caller's number: a refused value that may be a phone
/// number is shown as `[redacted]`, whatever the slug.
#[test]
fn a_number_in_a_slug_that_holds_none_is_not_quoted() {
    let mut p = Pair::default_ready();
    let a = attrs(&[
        ("LookupStatus", "NoMatch"),
        ("ms_searchType", "+15555550123"),
        ("ms_searchText", "contact"),
    ]);
    p.event(
        CONTACT_ID,
        ContactEventKind::Connecting,
        Some(snapshot("voice", "connecting", Some(true), a)),
    );
    assert!(p.report_codes().contains(&"slug.invalid"));
    assert!(
        p.reports().iter().all(|r| !r.message.contains("5555550123")),
        "{:?}",
        p.reports()
    );
    let trace = p.bridge.export_trace();
    assert!(!trace.contains("5555550123"), "{trace}");
}

/// The same swap with an e-mail address (§2: the search text is "phone number or e-mail"): the customer's address
/// in `ms_searchType` is refused by name, and not quoted in the console or the trace, as an email's sender is
/// nowhere else.
#[test]
fn an_email_address_in_a_slug_that_holds_none_is_not_quoted() {
    let mut p = Pair::default_ready();
    let a = attrs(&[
        ("LookupStatus", "NoMatch"),
        ("ms_searchType", "alex.rivera@example.com"),
        ("ms_searchText", "contact"),
    ]);
    p.event(
        CONTACT_ID,
        ContactEventKind::Connecting,
        Some(snapshot("voice", "connecting", Some(true), a)),
    );
    assert!(
        p.reports()
            .iter()
            .any(|r| r.code == "slug.invalid" && r.message.contains("attribute `ms_searchType`")),
        "{:?}",
        p.reports()
    );
    assert!(
        p.reports().iter().all(|r| !r.message.contains("alex.rivera")),
        "{:?}",
        p.reports()
    );
    let trace = p.bridge.export_trace();
    assert!(!trace.contains("alex.rivera"), "{trace}");
}
