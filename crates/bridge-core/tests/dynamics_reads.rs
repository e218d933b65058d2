//! How values coming from Dynamics are read: a payload with both spellings of the focus flag, `getSession`'s
//! `isFocused` for a restored session, CIF's time limit on `getEnvironment`.
#![allow(clippy::unwrap_used)]

mod common;

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
    let layers = vec![ConfigLayer {
        source: ConfigSource::Url,
        values: json!({"ccpUrl": "https://example.my.connect.aws/ccp-v2/"})
            .as_object()
            .cloned()
            .unwrap(),
    }];
    let (config, _) = Config::resolve(&layers);
    let mut p = Pair::new(config);
    p.input(Input::Startup(StartupInput::Begin {
        layers,
        cif_library: CifLibrary::AlreadyLoaded,
    }));
    p.input(Input::Startup(StartupInput::CifInitDone));
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
