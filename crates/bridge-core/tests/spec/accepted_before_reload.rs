//! §3.2 with §3.11: a contact accepted in Dynamics whose `accept()` never reached Connect because the page
//! reloaded (the CCP frame went with it) is still ringing in the reloaded page's CCP. Its session exists, so it
//! gets no toast; the reloaded page accepts it in Connect, once, so that it is not missed while its session is
//! open.
#![allow(clippy::unwrap_used)]

use super::common;

use bridge_core::*;
use common::*;
use serde_json::json;

/// The first page: toast accepted (its `accept()` sent, never answered), session s1 created, still ringing.
fn accepted_then_reloaded() -> RestoredState {
    let mut first = Pair::default_ready();
    first.ring(CONTACT_ID, Scenario::Single);
    first.accept_toast();
    first.can_create();
    first.session_created("s1");
    let sent = first.take();
    assert_eq!(
        sent.iter().filter(|c| *c == "streams Accept").count(),
        1,
        "the first page accepted once: {sent:?}"
    );
    // Streams refreshes the still-ringing contact: no second accept from the same page.
    first.ring(CONTACT_ID, Scenario::Single);
    assert!(!first.take().contains(&"streams Accept".to_owned()));
    first.stored()
}

/// Dynamics answers the reloaded page: s1 is open and carries the contact's id.
fn dynamics_names_s1(p: &mut Pair) {
    let r = p.req("getAllSessions");
    p.resolve(r, json!(["s1"]));
    let r = p.req("getSession");
    p.resolve(
        r,
        json!({"sessionId": "s1", "context": {"templateParameters": {"contactId": CONTACT_ID}}}),
    );
}

#[test]
fn a_popped_contact_still_ringing_after_a_reload_is_accepted_once_without_a_toast() {
    let stored = accepted_then_reloaded();
    let mut p = Pair::new(Config::default());
    p.input(Input::Restore(stored));
    p.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connecting", Scenario::Single)),
    );
    p.ready();
    dynamics_names_s1(&mut p);
    p.ring(CONTACT_ID, Scenario::Single);
    let sent = p.take();
    assert_eq!(sent.iter().filter(|c| *c == "streams Accept").count(), 1, "{sent:?}");
    assert!(p.all("notifyEvent").is_empty(), "no toast for a popped contact");
    assert!(p.all("createSession").is_empty());
    assert_eq!(p.bridge.session_of(CONTACT_ID), Some("s1"));
}

#[test]
fn a_contact_whose_session_dynamics_names_is_accepted_when_storage_is_unavailable() {
    accepted_then_reloaded();
    let mut p = Pair::new(Config::default());
    p.input(Input::StorageUnavailable {
        reason: "SecurityError".into(),
    });
    p.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connecting", Scenario::Single)),
    );
    p.ready();
    dynamics_names_s1(&mut p);
    p.ring(CONTACT_ID, Scenario::Single);
    let sent = p.take();
    assert_eq!(sent.iter().filter(|c| *c == "streams Accept").count(), 1, "{sent:?}");
    assert!(p.all("createSession").is_empty());
    assert_eq!(p.bridge.session_of(CONTACT_ID), Some("s1"));
}

#[test]
fn a_restored_contact_that_connected_meanwhile_is_not_accepted_again() {
    let stored = accepted_then_reloaded();
    let mut p = Pair::new(Config::default());
    p.input(Input::Restore(stored));
    p.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    p.ready();
    dynamics_names_s1(&mut p);
    assert!(!p.take().contains(&"streams Accept".to_owned()));
}

/// A queue callback `connecting` after the reload was accepted already (Connect is dialling its customer): asking
/// Connect to accept it again would only fail.
#[test]
fn a_restored_queue_callback_dialling_its_customer_is_not_accepted_again() {
    let callback = |state: &str| snapshot("queue_callback", state, Some(true), seed_attributes(Scenario::Single));
    let mut first = Pair::default_ready();
    first.event(CONTACT_ID, ContactEventKind::Incoming, Some(callback("incoming")));
    first.accept_toast();
    first.can_create();
    first.session_created("s1");
    let mut p = Pair::new(Config::default());
    p.input(Input::Restore(first.stored()));
    p.event(CONTACT_ID, ContactEventKind::Existing, Some(callback("connecting")));
    p.ready();
    dynamics_names_s1(&mut p);
    p.event(CONTACT_ID, ContactEventKind::Refresh, Some(callback("connecting")));
    assert!(!p.take().contains(&"streams Accept".to_owned()));
    assert_eq!(p.bridge.session_of(CONTACT_ID), Some("s1"));
}
