//! Email contacts get the email templates with the sender and subject as template parameters; an
//! agent-started draft or reply (arriving connected) is neither announced as an incoming contact nor popped.
#![allow(clippy::unwrap_used)]

use super::common;

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
        ..
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
    s.segment_attributes = json!({"connect:EmailSubject": {"ValueString": null, "valueString": "Refund"}});
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

/// Spec §4: "an agent-started draft never pops". An email the agent started (a draft, or a reply) gets no toast
/// and no session, whatever Streams says next; the agent started it from where they already are in Dynamics.
#[test]
fn agent_started_email_draft_gets_neither_a_toast_nor_a_session() {
    for initiation in ["outbound", "agent_reply", "OUTBOUND"] {
        let mut p = Pair::default_ready();
        let s = email("connected", initiation);
        p.event(CONTACT_ID, ContactEventKind::Init, Some(s.clone()));
        p.event(CONTACT_ID, ContactEventKind::Connected, Some(s.clone()));
        p.event(CONTACT_ID, ContactEventKind::Refresh, Some(s.clone()));
        p.event(CONTACT_ID, ContactEventKind::Ended, Some(email("ended", initiation)));
        p.event(CONTACT_ID, ContactEventKind::Destroyed, None);
        assert_eq!(p.take(), Vec::<String>::new(), "{initiation}: no CIF call at all");
        // Delivered again after it went (a reload, a second CCP): still nothing.
        p.event(CONTACT_ID, ContactEventKind::Connected, Some(s));
        assert_eq!(p.take(), Vec::<String>::new(), "{initiation}");
    }
}

/// A toast raised before Streams said who started the email (its first read had no initiation method) is withdrawn
/// once it does, and no session follows.
#[test]
fn a_toast_raised_before_the_email_was_known_as_agent_started_is_withdrawn() {
    let mut p = Pair::default_ready();
    let mut unknown = email("connecting", "inbound");
    unknown.initiation_method = None;
    p.event(CONTACT_ID, ContactEventKind::Connecting, Some(unknown));
    assert_eq!(p.all("notifyEvent").len(), 1);
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(email("connected", "outbound")),
    );
    assert_eq!(p.all("cancelEvent").len(), 1, "{:?}", p.take());
    assert!(p.all("canCreateSession").is_empty() && p.all("createSession").is_empty());
}
