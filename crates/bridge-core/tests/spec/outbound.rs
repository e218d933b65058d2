//! §3.9: outbound contacts get no incoming notification and pop on connect.
#![allow(clippy::unwrap_used)]

use super::common;

use bridge_core::*;
use common::*;
use serde_json::json;

#[test]
fn item_09_outbound_no_notification_pop_on_connect() {
    let mut p = Pair::default_ready();
    let out = |state: &str| snapshot("voice", state, Some(false), seed_attributes(Scenario::NoMatch));
    p.event(CONTACT_ID, ContactEventKind::Init, Some(out("init")));
    p.event(CONTACT_ID, ContactEventKind::Connecting, Some(out("connecting")));
    assert_eq!(p.take(), Vec::<String>::new());
    p.event(CONTACT_ID, ContactEventKind::Connected, Some(out("connected")));
    assert_eq!(p.take(), vec!["canCreateSession"]);
}

#[test]
fn item_09_outbound_that_never_connects_pops_nothing() {
    let mut p = Pair::default_ready();
    let out = |state: &str| snapshot("voice", state, Some(false), attrs(&[]));
    p.event(CONTACT_ID, ContactEventKind::Connecting, Some(out("connecting")));
    p.event(CONTACT_ID, ContactEventKind::Ended, Some(out("ended")));
    p.event(CONTACT_ID, ContactEventKind::Destroyed, None);
    assert_eq!(p.take(), Vec::<String>::new());
}

/// §3.9: "Outbound contacts … get no incoming notification". The shell reads the direction again when its first
/// read could not tell (`isInbound()` threw: `inbound: None`, read as "maybe inbound"). Once Streams says the
/// contact is outbound, the toast raised meanwhile is withdrawn, as it is for an agent-started email.
#[test]
fn a_toast_raised_before_the_direction_was_known_goes_when_the_call_is_outbound() {
    let mut p = Pair::default_ready();
    let mut first = snapshot("voice", "connecting", None, attrs(&[]));
    first.phone_number = None;
    p.event(CONTACT_ID, ContactEventKind::Init, Some(first));
    assert_eq!(p.all("notifyEvent").len(), 1);
    p.event(
        CONTACT_ID,
        ContactEventKind::Connecting,
        Some(snapshot("voice", "connecting", Some(false), attrs(&[]))),
    );
    p.advance(1_000);
    assert_eq!(
        p.all("cancelEvent").len(),
        1,
        "outbound call still announced as incoming: {:?}",
        p.take()
    );
}

/// §3.9 with Streams' real first snapshot of a dialled call: the contact is `connecting` before Connect has added
/// the customer's (initial) connection, so `isInbound()` throws (`inbound: None`), but the contact's own
/// `initiationMethod` already says `outbound`. The agent started the call: no incoming toast, not even briefly.
#[test]
fn a_dialled_call_without_its_initial_connection_yet_raises_no_toast() {
    let mut p = Pair::default_ready();
    let first = ContactSnapshot {
        channel: "voice".into(),
        state: "connecting".into(),
        inbound: None,
        queue_name: Some("BasicQueue".into()),
        attributes: json!({}),
        initiation_method: Some("outbound".into()),
        agent_connection_type: Some("agent".into()),
        ..Default::default()
    };
    p.event(CONTACT_ID, ContactEventKind::Init, Some(first.clone()));
    p.event(CONTACT_ID, ContactEventKind::Connecting, Some(first));
    assert_eq!(p.take(), Vec::<String>::new(), "a toast for the agent's own call");
    let mut connected = snapshot("voice", "connected", Some(false), attrs(&[]));
    connected.initiation_method = Some("outbound".into());
    p.event(CONTACT_ID, ContactEventKind::Connected, Some(connected));
    assert_eq!(p.take(), vec!["canCreateSession"], "it still pops on connect");
}

/// Outbound campaign contacts. A predictive or progressive campaign call reaches the agent after the customer
/// answered: Streams calls it not inbound (its initial connection is `outbound`; `initiationMethod` `api`), so,
/// like any outbound contact (§3.9), it gets no incoming toast and pops when it connects. An agent-first preview
/// (`campaign_preview`), which Streams calls inbound (`initiationMethod !== 'outbound'`), is offered to the agent
/// like a queued contact: one toast, and an Accept there pops it.
#[test]
fn campaign_contacts_toast_only_when_streams_calls_them_inbound_and_pop_once() {
    let mut p = Pair::default_ready();
    let campaign = |state: &str, inbound: bool, method: &str| {
        let mut s = snapshot("voice", state, Some(inbound), seed_attributes(Scenario::Single));
        s.initiation_method = Some(method.into());
        s
    };
    p.event(
        "dialled",
        ContactEventKind::Init,
        Some(campaign("connecting", false, "api")),
    );
    p.event(
        "dialled",
        ContactEventKind::Connecting,
        Some(campaign("connecting", false, "api")),
    );
    assert!(p.all("notifyEvent").is_empty());
    p.event(
        "dialled",
        ContactEventKind::Connected,
        Some(campaign("connected", false, "api")),
    );
    assert_eq!(p.take(), vec!["canCreateSession"]);

    let mut p = Pair::default_ready();
    let preview = |state: &str| campaign(state, true, "campaign_preview");
    p.event("preview", ContactEventKind::Init, Some(preview("connecting")));
    p.event("preview", ContactEventKind::Connecting, Some(preview("connecting")));
    assert_eq!(p.all("notifyEvent").len(), 1);
    p.accept_toast();
    p.event("preview", ContactEventKind::Connected, Some(preview("connected")));
    p.can_create();
    assert_eq!(p.all("createSession").len(), 1);
    assert_eq!(p.all("notifyEvent").len(), 1);
}
