//! How values coming from Dynamics are read: a payload with both spellings of the focus flag, `getSession`'s
//! `isFocused` for a restored session (and against newer switch events), CIF's time limit on `getEnvironment`.
#![allow(clippy::unwrap_used)]

use super::common;

use bridge_core::*;
use common::*;
use serde_json::json;

/// Two chat contacts popped in s1 and s2 (s2, created last, focused).
fn two_popped() -> Pair {
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
    p
}

// ------------------------------------------------------------------ onSessionSwitched, both spellings

/// The shell turns a property that is `undefined` into `null` (helpers.js `plain`: `inner(undefined)` is `null`,
/// and the object branch keeps every value that is not `undefined`). A host that fills both spellings from one
/// source (`{sessionId, focused: e.focused, focussed: e.focussed}`) therefore arrives as
/// `{"focused": null, "focussed": true}`: the flag is there, under the other spelling.
#[test]
fn session_switched_reads_the_other_spelling_when_one_is_null() {
    let mut p = two_popped();
    assert_eq!(p.bridge.focused_contact().map(ContactId::as_str), Some("c2"));
    p.dynamics(
        DynamicsHandler::SessionSwitched,
        json!({"sessionId": "s1", "focused": null, "focussed": true}),
    );
    assert!(
        !p.report_codes().contains(&"dynamics.payload.invalid"),
        "refused: {:?}",
        p.reports()
    );
    assert_eq!(p.bridge.focused_contact().map(ContactId::as_str), Some("c1"));
}

// ------------------------------------------------------------------ getSession's focus after a reload

/// A first page: a single-match voice contact popped in s1 with its customer tab; the flow had not (yet) set
/// the timeline activity, so no activity tab was planned.
fn first_page_without_activity() -> RestoredState {
    let mut p = Pair::with_config(json!({"customerRecordTab": "tab"}));
    let attributes = attrs(&[
        ("ms_customer_entity_name", "contact"),
        ("LookupStatus", "SingleMatch"),
        ("ms_contact_id", CUSTOMER_ID),
    ]);
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(snapshot("voice", "connected", Some(true), attributes)),
    );
    p.can_create();
    p.session_created("s1");
    assert_eq!(p.all("createTab").len(), 1, "the customer tab");
    p.stored()
}

/// After a reload the page does not know which session is focused; for its restored session it asks
/// `getSession`, whose answer says `isFocused: true`. A tab planned after the reload (the flow set the timeline
/// activity meanwhile) must then open: the agent is looking at that session, and no `onSessionSwitched` will
/// come while they stay there.
#[test]
fn get_session_focus_is_used_for_a_restored_session() {
    let stored = first_page_without_activity();
    let mut p = Pair::new(
        Config::resolve(&[ConfigLayer {
            source: ConfigSource::Url,
            values: json!({"customerRecordTab": "tab"}).as_object().cloned().unwrap(),
        }])
        .0,
    );
    p.input(Input::Restore(stored));
    p.ready();
    // Streams delivers the contact again, now with the activity the flow created.
    let attributes = attrs(&[
        ("ms_customer_entity_name", "contact"),
        ("LookupStatus", "SingleMatch"),
        ("ms_contact_id", CUSTOMER_ID),
        ("CreateTimeline", "true"),
        ("ms_activity_id", ACTIVITY_ID),
        ("ms_entityrecord_entity_name", "phonecall"),
        ("ms_entityrecord_record_id", ACTIVITY_ID),
    ]);
    p.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(snapshot("voice", "connected", Some(true), attributes)),
    );
    let r = p.req("getAllSessions");
    p.resolve(r, json!("[\"s1\"]"));
    let r = p.req("getSession");
    p.resolve(
        r,
        json!({"sessionId": "s1", "isFocused": true,
               "context": {"templateParameters": {"contactId": CONTACT_ID}}}),
    );
    assert_eq!(p.bridge.session_of(CONTACT_ID), Some("s1"));
    assert_eq!(
        p.bridge.focused_contact().map(ContactId::as_str),
        Some(CONTACT_ID),
        "Dynamics said s1 is focused"
    );
    let tabs: Vec<String> = p.take().into_iter().filter(|c| c.starts_with("createTab")).collect();
    assert_eq!(
        tabs,
        vec![format!("createTab extn_entity_record phonecall {ACTIVITY_ID}")],
        "the activity tab opens in the focused session"
    );
}

// ------------------------------------------------------------------ getEnvironment and CIF's time limit

/// CIF's own time-limit rejection says nothing about the call (reference: "reported after frame reloads and
/// handler registration", i.e. exactly at start-up); `getEnvironment` is read-only, so asking again costs
/// nothing, whereas going live without Custom Parameters runs the whole shift on the wrong configuration
/// (templates, presence rules, maxSessions, region).
#[test]
fn get_environment_time_limit_is_no_answer_and_is_asked_again() {
    let mut p = asking_for_custom_parameters();
    let r = p.req("getEnvironment");
    p.advance(10_000);
    p.reject_time_limit(r, "GetEnvironment");
    p.advance(3_000);
    assert!(
        p.all("getEnvironment").len() >= 2,
        "CIF's time limit is no answer: getEnvironment is asked again; reports: {:?}",
        p.report_codes()
    );
}

/// A CIF host may give the time-limit rejection at once, every time (the reference: "reported after frame reloads
/// and handler registration"): `getEnvironment` is asked again only a bounded number of times.
#[test]
fn get_environment_is_asked_again_a_bounded_number_of_times() {
    let mut p = asking_for_custom_parameters();
    // The host rejects each call with CIF's time-limit message within a few milliseconds.
    for _ in 0..200 {
        let r = p.req("getEnvironment");
        p.advance(5);
        p.reject_time_limit(r, "GetEnvironment");
    }
    let sent = p.all("getEnvironment").len();
    assert!(
        sent <= 4,
        "{sent} getEnvironment calls within one simulated second: the re-send needs a bound or a backoff"
    );
}

/// getEnvironment: a time-limit rejection, then an answer: Custom Parameters applied once, Dynamics connected once.
#[test]
fn custom_parameters_from_a_repeated_get_environment_are_applied_once() {
    let mut p = asking_for_custom_parameters();
    let r1 = p.req("getEnvironment");
    p.advance(10_000);
    p.reject_time_limit(r1, "GetEnvironment");
    let r2 = p.req("getEnvironment");
    assert_ne!(r1, r2);
    p.resolve(r2, json!({"customParams": "{\"maxSessions\": 3}"}));
    p.resolve(r2, json!({"customParams": "{\"maxSessions\": 4}"}));
    p.resolve(r1, json!({"customParams": "{\"maxSessions\": 5}"}));
    p.advance(10_000);
    assert_eq!(p.bridge.config().max_sessions, 3);
    assert_eq!(p.all("setClickToAct").len(), 1);
    assert_eq!(p.all("getEnvironment").len(), 2);
}

/// A stale getSession isFocused for a restored popped session does not beat the switch events that came first.
#[test]
fn a_get_session_focus_older_than_the_switch_events_loses_to_them() {
    let mut first = Pair::default_ready();
    for (id, sid) in [("c1", "s1"), ("c2", "s2")] {
        first.event(
            id,
            ContactEventKind::Connected,
            Some(snapshot("chat", "connected", Some(true), attrs(&[]))),
        );
        first.can_create();
        first.session_created(sid);
    }
    let mut p = Pair::new(Config::default());
    p.input(Input::Restore(first.stored()));
    p.ready();
    for id in ["c1", "c2"] {
        p.event(
            id,
            ContactEventKind::Existing,
            Some(snapshot("chat", "connected", Some(true), attrs(&[]))),
        );
    }
    let r = p.req("getAllSessions");
    p.resolve(r, json!(["s1", "s2"]));
    let gets = p.all("getSession");
    assert_eq!(gets.len(), 2);
    p.dynamics(
        DynamicsHandler::SessionSwitched,
        json!({"sessionId": "s1", "focused": false}),
    );
    p.dynamics(
        DynamicsHandler::SessionSwitched,
        json!({"sessionId": "s2", "focused": true}),
    );
    for (r, _, call) in gets {
        let CifCall::GetSession { session_id } = call else {
            unreachable!()
        };
        let c = if session_id == "s1" { "c1" } else { "c2" };
        p.resolve(
            r,
            json!({"sessionId": session_id, "isFocused": session_id == "s1",
            "context": {"templateParameters": {"contactId": c}}}),
        );
    }
    assert_eq!(p.bridge.focused_contact().map(ContactId::as_str), Some("c2"));
}

/// A `getSession` answer given as JSON text (a shape the bridge reads, README: results "stringified") carries the
/// template parameters the bridge itself put there — the customer's name and number. The reply's trace line tells
/// its shape and size, not its text.
#[test]
fn a_get_session_answer_as_json_text_is_traced_without_the_customer() {
    let (mut p, g) = reloaded_asking_about_s9();
    // As a host writes it: the context's parameters in the order the bridge gave them.
    let text = "{\"context\":{\"templateParameters\":{\"customerName\":\"Maria Campbell\",\"phoneNumber\":\"+15555550100\",\"contactId\":\"earlier\"}},\"sessionId\":\"s9\"}";
    p.resolve(g, json!(text));
    let trace = p.bridge.export_trace();
    for secret in ["Maria", "Campbell", "5555550100"] {
        assert!(!trace.contains(secret), "{secret} in the exported trace: {trace}");
    }
}

// ------------------------------------------------------------------ getAllSessions entries that are not bare ids

/// A contact already connected when the page loaded (the page before may have popped it) waits for Dynamics:
/// `getAllSessions` answers with its entries as objects (`{sessionId}`, as a host that hands out the session `Map`s
/// converted by the shell). An entry the bridge cannot read as a bare id is not "no session": the session is
/// asked about and adopted, never a second `createSession`.
#[test]
fn get_all_sessions_entries_given_as_objects_are_read_not_taken_as_no_session() {
    let mut p = Pair::default_ready();
    p.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    let r = p.req("getAllSessions");
    p.resolve(r, json!([{"sessionId": "s1", "isFocused": true}]));
    p.advance(100);
    let calls = p.take();
    assert!(
        !calls
            .iter()
            .any(|c| c.starts_with("createSession") || c == "canCreateSession"),
        "a listed session was taken as none: {calls:?}"
    );
    let g = p.req("getSession");
    p.resolve(
        g,
        json!({"sessionId": "s1", "context": {"templateParameters": {"contactId": CONTACT_ID}}}),
    );
    assert_eq!(p.bridge.session_of(CONTACT_ID), Some("s1"));
    assert!(p.all("createSession").is_empty());
}

/// Entries the bridge cannot read at all (a number, a nested array) make the answer unreadable, not a shorter
/// list: the contact in doubt is not popped on the strength of it (the call is retried).
#[test]
fn a_get_all_sessions_answer_with_unreadable_entries_is_not_taken_as_no_session() {
    let mut p = Pair::default_ready();
    p.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    let r = p.req("getAllSessions");
    p.resolve(r, json!([17, ["s1"]]));
    p.advance(100);
    let calls = p.take();
    assert!(
        !calls
            .iter()
            .any(|c| c.starts_with("createSession") || c == "canCreateSession"),
        "an unreadable list was taken as no session: {calls:?}"
    );
}

// ------------------------------------------------------------------ results wrapped under `value`

/// The CIF host's raw answer wraps the result under `value` (reference §2.3: `{"value": …}` is the raw host
/// message; the bridge reads `notifyEvent` either way). A `getSession` answer in that shape names the contact all
/// the same: the contact already there when the page loaded adopts its session, no second one.
#[test]
fn a_get_session_answer_wrapped_under_value_names_the_contact() {
    let mut p = Pair::default_ready();
    p.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    let r = p.req("getAllSessions");
    p.resolve(r, json!(["s1"]));
    let g = p.req("getSession");
    let session = json!({"sessionId": "s1", "context": {"templateParameters": {"contactId": CONTACT_ID}}});
    p.resolve(g, json!({"value": session.to_string()}));
    p.advance(10_000);
    assert_eq!(p.bridge.session_of(CONTACT_ID), Some("s1"));
    assert!(
        p.all("createSession").is_empty(),
        "a second session: {:?}",
        p.report_codes()
    );
}

/// The same for `createSession`: `{"value": {"sessionId": …}}` is the session id, not garbage that costs the agent
/// an error notice and a round of `getAllSessions`.
#[test]
fn a_create_session_answer_wrapped_under_value_is_the_session() {
    let mut p = Pair::default_ready();
    p.connected_until_create_session();
    let r = p.req("createSession");
    p.resolve(r, json!({"value": {"sessionId": "s1"}}));
    assert_eq!(p.bridge.session_of(CONTACT_ID), Some("s1"));
    assert!(
        !p.report_codes().contains(&"cif.createSession.garbage"),
        "{:?}",
        p.report_codes()
    );
}

/// A `getAllSessions` answer keyed by index (`{"0": "s1"}`, what a `Map` or array-like of the ids built by position
/// becomes; the preflight reads `searchAndOpenRecords` in that shape too) lists the sessions: the contact already
/// there is asked about and adopts s1, rather than the answer being refused, retried and given up on until the
/// contact pops a second session.
#[test]
fn an_index_keyed_get_all_sessions_answer_lists_the_sessions() {
    let mut p = Pair::default_ready();
    p.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    let r = p.req("getAllSessions");
    p.resolve(r, json!("{\"0\":\"s1\"}"));
    let g = p.req("getSession");
    p.resolve(
        g,
        json!({"sessionId": "s1", "context": {"templateParameters": {"contactId": CONTACT_ID}}}),
    );
    p.advance(30_000);
    assert_eq!(p.bridge.session_of(CONTACT_ID), Some("s1"));
    assert!(p.all("createSession").is_empty(), "{:?}", p.report_codes());
}

/// The same list wrapped under `value`, as the host's raw message wraps any result (`{value: {"0": "s1"}}`, object
/// or JSON text): the index-keyed shape is read there too, or the session Dynamics holds is taken for none and
/// the contact already there gets a second one.
#[test]
fn an_index_keyed_get_all_sessions_answer_wrapped_under_value_lists_the_sessions() {
    for answer in [json!({"value": {"0": "s1"}}), json!("{\"value\":{\"0\":\"s1\"}}")] {
        let mut p = Pair::default_ready();
        p.event(
            CONTACT_ID,
            ContactEventKind::Existing,
            Some(voice("connected", Scenario::Single)),
        );
        let r = p.req("getAllSessions");
        p.resolve(r, answer.clone());
        if let Some((g, _, _)) = p.all("getSession").last().cloned() {
            p.resolve(
                g,
                json!({"sessionId": "s1", "context": {"templateParameters": {"contactId": CONTACT_ID}}}),
            );
        }
        p.advance(30_000);
        assert_eq!(
            p.bridge.session_of(CONTACT_ID),
            Some("s1"),
            "{answer}: {:?}",
            p.report_codes()
        );
        assert!(p.all("createSession").is_empty(), "{answer}: {:?}", p.report_codes());
    }
}

/// `createSession` resolving with the text `"null"` or `"undefined"` (a host that stringified a missing id, as
/// `JSON.stringify(null)` and `String(undefined)` write it) gave no session id: the bridge must not take the words
/// for one — tabs and context writes would go to a session named "null" — but treat the answer as garbage that may
/// hide a session, and ask Dynamics.
#[test]
fn a_create_session_answer_of_null_or_undefined_as_text_is_no_session_id() {
    for answer in ["null", "undefined", " NULL "] {
        let mut p = Pair::default_ready();
        p.connected_until_create_session();
        let r = p.req("createSession");
        p.resolve(r, json!(answer));
        assert_eq!(
            p.bridge.session_of(CONTACT_ID),
            None,
            "{answer:?} taken as a session id"
        );
        assert!(
            p.report_codes().contains(&"cif.createSession.garbage"),
            "{answer:?}: {:?}",
            p.report_codes()
        );
        assert!(!p.all("getAllSessions").is_empty(), "{answer:?}: Dynamics not asked");
        assert!(p.all("createTab").is_empty(), "{answer:?}");
    }
}
