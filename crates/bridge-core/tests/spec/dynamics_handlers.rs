//! Dynamics handlers: session switching (both spellings), closing, and the traced extension points.
#![allow(clippy::unwrap_used)]

use super::common;

use bridge_core::*;
use common::*;
use serde_json::json;

#[test]
fn session_switched_tracks_the_focused_contact() {
    let mut p = Pair::default_ready();
    for (id, sid) in [("c1", "s1"), ("c2", "s2")] {
        p.event(
            id,
            ContactEventKind::Connected,
            Some(snapshot("chat", "connected", Some(true), attrs(&[]))),
        );
        p.can_create();
        p.session_created(sid);
    }
    // A switch fires twice: old session false, new session true (either order, either spelling).
    p.dynamics(
        DynamicsHandler::SessionSwitched,
        json!("{\"sessionId\":\"s2\",\"focussed\":true}"),
    );
    p.dynamics(
        DynamicsHandler::SessionSwitched,
        json!({"sessionId": "s1", "focused": false}),
    );
    assert_eq!(p.bridge.focused_contact().map(ContactId::as_str), Some("c2"));
    p.dynamics(
        DynamicsHandler::SessionSwitched,
        json!({"sessionId": "s2", "focused": false}),
    );
    p.dynamics(
        DynamicsHandler::SessionSwitched,
        json!({"sessionId": "s1", "focused": "true"}),
    );
    assert_eq!(p.bridge.focused_contact().map(ContactId::as_str), Some("c1"));
    p.dynamics(
        DynamicsHandler::SessionSwitched,
        json!({"sessionId": "home", "focused": true}),
    );
    assert_eq!(p.bridge.focused_contact(), None, "a session of another provider");
    p.dynamics(
        DynamicsHandler::SessionSwitched,
        json!({"sessionId": "s1", "focused": true}),
    );
    p.dynamics(DynamicsHandler::SessionClosed, json!({"sessionId": "s1"}));
    assert_eq!(p.bridge.focused_contact(), None);
}

#[test]
fn bad_handler_payloads_are_reported() {
    let mut p = Pair::default_ready();
    for (h, payload) in [
        (DynamicsHandler::SessionSwitched, json!("not json")),
        (DynamicsHandler::SessionSwitched, json!({"sessionId": "s1"})),
        (DynamicsHandler::SessionClosed, json!(42)),
        (DynamicsHandler::ClickToAct, json!({})),
        (DynamicsHandler::PresenceChanged, json!([])),
    ] {
        p.dynamics(h, payload);
    }
    assert_eq!(p.report_codes(), vec!["dynamics.payload.invalid"; 5]);
    assert!(p.take().is_empty());
}

#[test]
fn click_to_act_and_presence_are_traced_without_personal_data() {
    let mut p = Pair::default_ready();
    p.dynamics(
        DynamicsHandler::ClickToAct,
        json!("{\"value\":\"+15555550123\",\"name\":\"mobilephone\",\"format\":\"phone\"}"),
    );
    p.dynamics(
        DynamicsHandler::PresenceChanged,
        json!({"presenceInfo": {"presenceText": "Busy"}}),
    );
    let trace = p.bridge.export_trace();
    assert!(trace.contains("onclicktoact field=mobilephone format=phone"));
    assert!(trace.contains("dial …23 (E.164)"), "{trace}");
    assert!(!trace.contains("5555550123"));
    assert!(trace.contains("onPresenceChange"));
}

/// §4 / README *Diagnostics*: "Phone numbers and customer names are redacted in the console and trace." A
/// click-to-act payload that CIF hands over as JSON text (as every handler's eventData is) and that the bridge
/// refuses (here: the number is a JSON number, not a string) is described by its shape only, in the report and
/// the trace.
#[test]
fn a_refused_click_to_act_payload_keeps_the_number_out_of_reports_and_trace() {
    let mut p = Pair::default_ready();
    p.dynamics(
        DynamicsHandler::ClickToAct,
        json!("{\"value\":5555550123,\"name\":\"mobilephone\",\"format\":\"phone\",\"entityLogicalName\":\"contact\"}"),
    );
    assert_eq!(p.report_codes().last(), Some(&"dynamics.payload.invalid"));
    let trace = p.bridge.export_trace();
    assert!(
        !trace.contains("5555550123"),
        "phone number in the exported trace: {trace}"
    );
    assert!(
        p.reports().iter().all(|r| !r.message.contains("5555550123")),
        "phone number in a console report: {:?}",
        p.reports()
    );
}

/// The same for a payload that is not JSON at all: a host handing the clicked number over bare is refused, and the
/// number is not quoted.
#[test]
fn a_bare_clicked_number_is_refused_without_quoting_it() {
    let mut p = Pair::default_ready();
    p.dynamics(DynamicsHandler::ClickToAct, json!("+15555550123"));
    let trace = p.bridge.export_trace();
    assert!(
        !trace.contains("5555550123"),
        "phone number in the exported trace: {trace}"
    );
}

/// CIF's documented handler example reads its `eventData` as a `Map` holding the payload under `value`
/// (`eventInput.get("value")`, reference §2.8 `raiseEvent`); the shell turns that `Map` into `{"value": …}`, the
/// payload itself an object or JSON text. Each handler reads the payload inside: a session closed that way is
/// released, a switch moves the focus, a click dials.
#[test]
fn handler_payloads_wrapped_under_value_are_read() {
    let mut p = Pair::default_ready();
    for (id, sid) in [("c1", "s1"), ("c2", "s2")] {
        p.event(
            id,
            ContactEventKind::Connected,
            Some(snapshot("chat", "connected", Some(true), attrs(&[]))),
        );
        p.can_create();
        p.session_created(sid);
    }
    p.dynamics(
        DynamicsHandler::SessionSwitched,
        json!({"value": "{\"sessionId\":\"s1\",\"focussed\":true}"}),
    );
    assert_eq!(p.bridge.focused_contact().map(ContactId::as_str), Some("c1"));
    p.dynamics(DynamicsHandler::SessionClosed, json!({"value": {"sessionId": "s1"}}));
    assert_eq!(p.bridge.session_of("c1"), None, "s1 closed");
    assert_eq!(p.bridge.focused_contact(), None);
    p.dynamics(
        DynamicsHandler::ClickToAct,
        json!({"value": "{\"value\":\"+15555550123\",\"name\":\"mobilephone\",\"format\":\"phone\"}"}),
    );
    assert!(
        !p.report_codes().contains(&"dynamics.payload.invalid"),
        "refused: {:?}",
        p.reports()
    );
    assert!(
        p.take().iter().any(|c| c.starts_with("streams Dial")),
        "the click dials"
    );
}

/// `onSessionClosed`'s payload is undocumented (reference §3: "presumably includes sessionId"). A host that hands
/// over the closed session's id alone — bare, or under `value` as CIF's handler example reads its `Map` — has
/// named the session all the same: it is released (its slot freed, nothing more written to it), not refused while
/// the contact keeps a closed session and its slot.
#[test]
fn a_session_closed_payload_that_is_the_id_alone_closes_that_session() {
    let mut p = Pair::default_ready();
    for (id, sid) in [("c1", "s1"), ("c2", "s2")] {
        p.event(
            id,
            ContactEventKind::Connected,
            Some(snapshot("chat", "connected", Some(true), attrs(&[]))),
        );
        p.can_create();
        p.session_created(sid);
    }
    p.dynamics(DynamicsHandler::SessionClosed, json!("s1"));
    p.dynamics(DynamicsHandler::SessionClosed, json!({"value": "s2"}));
    assert_eq!(p.bridge.session_of("c1"), None);
    assert_eq!(p.bridge.session_of("c2"), None);
    assert!(
        !p.report_codes().contains(&"dynamics.payload.invalid"),
        "{:?}",
        p.reports()
    );
    // Text that is no id is still refused, and said.
    p.dynamics(DynamicsHandler::SessionClosed, json!("not a session id"));
    assert_eq!(p.report_codes().last(), Some(&"dynamics.payload.invalid"));
}

/// The agent clicked a phone number in Dynamics and expects a call: a click-to-act payload the page cannot read
/// (the number as a JSON number, which cannot keep a leading `+` or `0`, or no object at all) dials nothing, and
/// the agent is told so on the page, as for a value that cannot be dialled — not only the console.
#[test]
fn a_refused_click_to_act_payload_is_shown_to_the_agent() {
    for payload in [
        json!({"value": 2079460018u64, "name": "mobilephone", "format": "phone"}),
        json!("020 7946 0018"),
    ] {
        let mut p = Pair::default_ready();
        p.dynamics(DynamicsHandler::ClickToAct, payload.clone());
        assert!(p.take().is_empty(), "nothing dialled for {payload}");
        let report = p.reports().last().copied().cloned().unwrap();
        assert_eq!(report.code, "dynamics.payload.invalid");
        assert!(report.agent_visible, "the agent is told: {report:?}");
        assert!(
            report.message.starts_with("click-to-dial: nothing dialled"),
            "{}",
            report.message
        );
        assert!(!report.message.contains("2079460018") && !report.message.contains("7946"));
    }
    // The other handlers' refusals stay in the console: the agent did nothing that waits for an answer.
    let mut p = Pair::default_ready();
    p.dynamics(DynamicsHandler::SessionSwitched, json!("not json"));
    assert!(!p.reports().last().unwrap().agent_visible);
}
