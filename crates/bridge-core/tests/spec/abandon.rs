//! §3.6: the caller abandons / the contact is missed while the notification is open.
#![allow(clippy::unwrap_used)]

use super::common;

use bridge_core::*;
use common::*;
use serde_json::json;

#[test]
fn item_06_abandon_or_missed_cancels_the_notification_and_no_session() {
    for kind in [
        ContactEventKind::Missed,
        ContactEventKind::Ended,
        ContactEventKind::Error,
        ContactEventKind::Destroyed,
    ] {
        let mut p = Pair::default_ready();
        p.ring(CONTACT_ID, Scenario::Single);
        let notify = p.req("notifyEvent");
        p.take();
        let state = if kind == ContactEventKind::Missed {
            "missed"
        } else {
            "ended"
        };
        p.event(CONTACT_ID, kind, Some(voice(state, Scenario::Single)));
        assert_eq!(p.take(), vec!["cancelEvent"], "{kind:?}");
        // Accept arriving after the cancel is ignored.
        p.resolve(notify, json!({"actionName": "Accept"}));
        p.event(CONTACT_ID, ContactEventKind::Destroyed, None);
        assert_eq!(p.take(), Vec::<String>::new(), "{kind:?}");
        assert!(p.all("createSession").is_empty());
    }
}

#[test]
fn item_06_abandoned_before_cif_ready_sends_nothing() {
    let mut p = Pair::new(Config::default());
    p.ring(CONTACT_ID, Scenario::Single);
    p.event(
        CONTACT_ID,
        ContactEventKind::Missed,
        Some(voice("missed", Scenario::Single)),
    );
    p.ready();
    assert_eq!(p.take(), Vec::<String>::new());
}
