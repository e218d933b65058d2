//! §3.9: outbound contacts get no incoming notification and pop on connect.
#![allow(clippy::unwrap_used)]

mod common;

use bridge_core::*;
use common::*;

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
