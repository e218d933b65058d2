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
