//! A reply to a request the core no longer waits for changes nothing. The shell delivers every CIF settlement
//! (it keeps no per-request state, so a promise Dynamics never settles costs it nothing), which makes this the
//! one guard against a late answer: a notification Dynamics answers after its deadline or after the contact
//! left, or a `createSession` answered after the bridge took it as never made and tried again.
#![allow(clippy::unwrap_used)]

mod common;

use bridge_core::*;
use common::*;
use serde_json::json;

/// Feeds `outcome` for `request` and checks that it was ignored: no command, no table or state changed.
fn assert_ignored(p: &mut Pair, request: RequestId, outcome: CifOutcome) {
    assert!(!p.bridge.awaits_reply(request), "{request} is still waited for");
    let counts = p.bridge.debug_counts();
    let state = p.bridge.contact_state(CONTACT_ID);
    let session = p.bridge.session_of(CONTACT_ID).map(str::to_owned);
    let open = p.bridge.open_sessions();
    let logged = p.log.len();
    p.reply(request, outcome);
    assert_eq!(
        p.log[logged..].len(),
        0,
        "commands after a late reply: {:#?}",
        &p.log[logged..]
    );
    assert_eq!(p.bridge.debug_counts(), counts);
    assert_eq!(p.bridge.contact_state(CONTACT_ID), state);
    assert_eq!(p.bridge.session_of(CONTACT_ID).map(str::to_owned), session);
    assert_eq!(p.bridge.open_sessions(), open);
    let trace = p.bridge.export_trace();
    assert!(
        trace.contains("reply.ignored") && trace.contains(&format!("{request}: unknown or stale request")),
        "{trace}"
    );
}

fn accept() -> CifOutcome {
    CifOutcome::Resolved(json!("{\"actionName\":\"Accept\",\"responseReason\":\"Accept\"}"))
}

#[test]
fn a_notification_answered_after_its_deadline_is_ignored() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    let notify = p.req("notifyEvent");
    p.advance(Config::default().notification_timeout_ms + 1);
    assert_eq!(p.bridge.contact_state(CONTACT_ID), Some("AwaitingConnect"));
    p.take();
    assert_ignored(&mut p, notify, accept());
    assert!(p.take().is_empty(), "no accept in the CCP, no session");
}

#[test]
fn a_notification_answered_after_the_contact_left_is_ignored() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    let notify = p.req("notifyEvent");
    p.event(
        CONTACT_ID,
        ContactEventKind::Missed,
        Some(voice("missed", Scenario::Single)),
    );
    p.event(CONTACT_ID, ContactEventKind::Destroyed, None);
    assert_eq!(p.bridge.contact_state(CONTACT_ID), None);
    let cancel = p.req("cancelEvent");
    p.resolve(cancel, json!(null));
    p.take();
    assert_ignored(&mut p, notify, accept());
}

#[test]
fn a_create_session_answered_after_it_was_taken_as_never_made_is_ignored() {
    let mut p = Pair::default_ready();
    p.connected_until_create_session();
    let first = p.req("createSession");
    // CIF's time limit: no answer, so Dynamics is asked; it lists nothing, now and at sessionOrphanMs.
    p.reject_time_limit(first, "CreateSession");
    let r = p.req("getAllSessions");
    p.resolve(r, json!([]));
    p.advance(30_000);
    let r = p.req("getAllSessions");
    p.resolve(r, json!([]));
    p.can_create();
    let second = p.req("createSession");
    assert_ne!(first, second, "tried once more");
    p.take();
    assert_ignored(&mut p, first, CifOutcome::Resolved(json!("late-session")));
    assert_eq!(p.bridge.contact_state(CONTACT_ID), Some("CreatingSession"));
    // The retry's own answer still pops the contact.
    p.resolve(second, json!("s-2"));
    assert_eq!(p.bridge.session_of(CONTACT_ID), Some("s-2"));
}
