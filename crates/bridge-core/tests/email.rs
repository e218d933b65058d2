//! Email contacts get the email templates with the sender and subject as template parameters; an
//! agent-started draft (outbound, arriving connected) is never announced as an incoming contact.
#![allow(clippy::unwrap_used)]

mod common;

use bridge_core::*;
use common::*;
use serde_json::json;

fn email(state: &str, initiation: &str) -> ContactSnapshot {
    ContactSnapshot {
        channel: "email".into(),
        state: state.into(),
        inbound: Some(initiation != "outbound"),
        queue_name: Some("Customer Service".into()),
        attributes: attrs(&[("LookupStatus", "NoMatch")]),
        email_address: Some("alex.rivera@example.com".into()),
        segment_attributes: json!({"connect:EmailSubject": {"ValueString": "Where is my parcel?"}}),
        initiation_method: Some(initiation.into()),
        ..Default::default()
    }
}

#[test]
fn inbound_email_uses_the_email_templates_with_sender_and_subject() {
    let mut p = Pair::default_ready();
    p.event(CONTACT_ID, ContactEventKind::Init, Some(email("connecting", "inbound")));
    p.event(
        CONTACT_ID,
        ContactEventKind::Connecting,
        Some(email("connecting", "inbound")),
    );
    let (_, _, _, call) = p.last("notifyEvent");
    let CifCall::NotifyEvent {
        template_name,
        template_parameters,
        ..
    } = call
    else {
        unreachable!()
    };
    assert_eq!(template_name, "extn_email_notification");
    assert_eq!(template_parameters["emailAddress"], json!("alex.rivera@example.com"));
    assert_eq!(template_parameters["emailSubject"], json!("Where is my parcel?"));
    assert_eq!(template_parameters["channel"], json!("email"));
    // The notification is accepted: the session is made from the email session template with the same slugs.
    p.accept_toast();
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(email("connected", "inbound")),
    );
    p.can_create();
    let (_, _, _, call) = p.last("createSession");
    let CifCall::CreateSession {
        template_name,
        template_parameters,
    } = call
    else {
        unreachable!()
    };
    assert_eq!(template_name, "extn_email_session");
    assert_eq!(template_parameters["emailSubject"], json!("Where is my parcel?"));
}

#[test]
fn subject_spelt_as_the_typings_spell_it_is_read_too_and_garbage_is_no_subject() {
    let mut p = Pair::default_ready();
    let mut s = email("connecting", "inbound");
    s.segment_attributes = json!({"connect:EmailSubject": {"valueString": "Refund"}});
    p.event(CONTACT_ID, ContactEventKind::Connecting, Some(s));
    let CifCall::NotifyEvent {
        template_parameters, ..
    } = p.last("notifyEvent").3
    else {
        unreachable!()
    };
    assert_eq!(template_parameters["emailSubject"], json!("Refund"));
    let mut q = Pair::default_ready();
    let mut s = email("connecting", "inbound");
    s.segment_attributes = json!({"connect:EmailSubject": 42});
    q.event(CONTACT_ID, ContactEventKind::Connecting, Some(s));
    let CifCall::NotifyEvent {
        template_parameters, ..
    } = q.last("notifyEvent").3
    else {
        unreachable!()
    };
    assert_eq!(template_parameters["emailSubject"], json!(""));
}

#[test]
fn agent_started_draft_arriving_connected_is_never_notified() {
    for initiation in ["outbound", "agent_reply"] {
        let mut p = Pair::default_ready();
        let mut s = email("connected", initiation);
        // Streams calls a reply inbound (`isInbound` is `initiationMethod !== 'outbound'`): the core still knows.
        s.inbound = Some(true);
        p.event(CONTACT_ID, ContactEventKind::Init, Some(s.clone()));
        p.event(CONTACT_ID, ContactEventKind::Connected, Some(s.clone()));
        p.event(CONTACT_ID, ContactEventKind::Refresh, Some(s));
        assert!(p.all("notifyEvent").is_empty(), "{initiation}: {:?}", p.take());
    }
}

#[test]
fn voice_contacts_are_unaffected_by_email_fields() {
    let mut p = Pair::default_ready();
    let mut s = voice("connecting", Scenario::Single);
    s.initiation_method = Some("agent_reply".into());
    p.event(CONTACT_ID, ContactEventKind::Connecting, Some(s));
    let CifCall::NotifyEvent {
        template_parameters, ..
    } = p.last("notifyEvent").3
    else {
        unreachable!()
    };
    assert!(template_parameters.get("emailSubject").is_none());
}

/// The decision the README's "Email contacts" section states: an email the agent started (a draft, or a
/// reply) never gets a toast, but it does get its Dynamics session once connected, from the email session template
/// with the recipient and subject — as an outbound call from click-to-dial does. Why: it is a contact the agent is
/// handling now, and the session is where Dynamics shows whom it is for and where the work is recorded; without one
/// the agent would have to find the customer by hand. What it must never do is look like a new customer email.
#[test]
fn agent_started_email_draft_gets_no_toast_but_its_session() {
    for initiation in ["outbound", "agent_reply"] {
        let mut p = Pair::default_ready();
        let s = email("connected", initiation);
        p.event(CONTACT_ID, ContactEventKind::Init, Some(s.clone()));
        p.event(CONTACT_ID, ContactEventKind::Connected, Some(s));
        p.can_create();
        assert!(p.all("notifyEvent").is_empty(), "{initiation}: no toast");
        let sessions = p.all("createSession");
        assert_eq!(sessions.len(), 1, "{initiation}: one session");
        let CifCall::CreateSession {
            template_name,
            template_parameters,
        } = &sessions[0].2
        else {
            unreachable!()
        };
        assert_eq!(template_name, "extn_email_session", "{initiation}");
        assert_eq!(template_parameters["contactId"], json!(CONTACT_ID));
        assert_eq!(template_parameters["emailAddress"], json!("alex.rivera@example.com"));
        assert_eq!(template_parameters["emailSubject"], json!("Where is my parcel?"));
    }
}
