//! §3.5: the agent answers in the softphone while the Dynamics notification is open.
#![allow(clippy::unwrap_used)]

use super::common;

use bridge_core::*;
use common::*;
use serde_json::json;

#[test]
fn item_05_accept_in_ccp_first_cancels_the_notification_then_pops() {
    for kind in [ContactEventKind::Accepted, ContactEventKind::Connected] {
        let mut p = Pair::default_ready();
        p.ring(CONTACT_ID, Scenario::Single);
        let (notify, _, _, call) = p.last("notifyEvent");
        p.take();
        p.event(CONTACT_ID, kind, Some(voice("connected", Scenario::Single)));
        assert_eq!(p.take(), vec!["cancelEvent", "canCreateSession"]);
        let (_, _, _, cancel) = p.last("cancelEvent");
        match (call, cancel) {
            (
                CifCall::NotifyEvent {
                    cancellation_token: a, ..
                },
                CifCall::CancelEvent { cancellation_token: b },
            ) => {
                assert_eq!(a, b)
            }
            other => panic!("{other:?}"),
        }
        // The late toast answer is ignored: no Streams accept, no second pop.
        p.resolve(notify, json!("{\"actionName\":\"Accept\"}"));
        assert_eq!(p.take(), Vec::<String>::new());
        assert!(p.export_contains("reply.ignored"));
    }
}

trait TraceExt {
    fn export_contains(&self, needle: &str) -> bool;
}

impl TraceExt for Pair {
    fn export_contains(&self, needle: &str) -> bool {
        self.bridge.export_trace().contains(needle)
    }
}

/// §3.5 for a queue callback answered in a softphone that broadcasts no `onAccepted` (a deskphone agent, Streams
/// docs): an agent-first callback is offered `incoming`, and Connect dials the customer only once the agent
/// accepted it, so its move to `connecting` is the agent's answer. The toast goes and the pop starts then, not only when the
/// customer picks up; and a customer who never answers the callback still leaves the agent the session of the
/// callback they took.
#[test]
fn a_queue_callback_accepted_in_the_ccp_without_on_accepted_pops_when_connect_dials_the_customer() {
    let mut p = Pair::default_ready();
    let callback = |state: &str| snapshot("queue_callback", state, Some(true), seed_attributes(Scenario::Single));
    p.event(CONTACT_ID, ContactEventKind::Init, Some(callback("incoming")));
    p.event(CONTACT_ID, ContactEventKind::Incoming, None);
    assert_eq!(p.take(), vec!["notifyEvent extn_voice_notification"]);
    p.event(CONTACT_ID, ContactEventKind::Connecting, Some(callback("connecting")));
    assert_eq!(
        p.take(),
        vec!["cancelEvent", "canCreateSession"],
        "the callback the agent accepted is still announced as ringing"
    );
    p.can_create();
    p.session_created("s1");
    // The customer does not answer: the callback ends without ever being connected.
    p.event(CONTACT_ID, ContactEventKind::Ended, Some(callback("ended")));
    p.event(CONTACT_ID, ContactEventKind::Destroyed, None);
    assert_eq!(p.all("createSession").len(), 1);
    assert!(p.bridge.was_handled(CONTACT_ID), "a redelivery never pops it again");
}

/// §3.1: a callback Connect offers only once the customer answered (customer-first callback mode) comes
/// `connecting`, as any call, never `incoming`: nobody has answered it yet, so it rings.
#[test]
fn a_queue_callback_first_offered_connecting_rings_as_any_offer() {
    let mut p = Pair::default_ready();
    let callback = |state: &str| snapshot("queue_callback", state, Some(true), seed_attributes(Scenario::Single));
    p.event(CONTACT_ID, ContactEventKind::Init, Some(callback("connecting")));
    p.event(CONTACT_ID, ContactEventKind::Connecting, None);
    assert_eq!(p.take(), vec!["notifyEvent extn_voice_notification"]);
    p.event(CONTACT_ID, ContactEventKind::Connected, Some(callback("connected")));
    assert_eq!(p.take(), vec!["cancelEvent", "canCreateSession"]);
}
