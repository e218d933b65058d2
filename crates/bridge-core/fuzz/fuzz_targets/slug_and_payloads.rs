//! Fuzz target: arbitrary bytes as (1) a contact's attribute map through slug parsing, (2) every Dynamics
//! handler payload, (3) every CIF result parser, and (4) a whole pop through the bridge. Nothing may panic.
#![no_main]

use bridge_core::{
    AttributeNames, Bridge, CifAvailability, CifOutcome, CifReply, Command, Config, ContactEvent, ContactEventKind, ContactId,
    ContactSnapshot, DynamicsEvent, DynamicsHandler, Input, Millis, SlugData,
};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let value: Value = serde_json::from_str(&text).unwrap_or(Value::String(text.clone().into_owned()));

    if let Some(id) = ContactId::parse("c0ffee00-0000-4000-8000-000000000001") {
        let _ = SlugData::parse(&id, &value, &AttributeNames::default());
    }
    let _ = bridge_core::dynamics::session_switched(&value);
    let _ = bridge_core::dynamics::session_closed(&value);
    let _ = bridge_core::dynamics::click_to_act(&value);
    let _ = bridge_core::dynamics::presence_changed(&value);
    let _ = bridge_core::reply::notification_action(&value);
    let _ = bridge_core::reply::boolean(&value);
    let _ = bridge_core::reply::session_id(&value);

    let mut now = Millis(1_000_000);
    let mut bridge = Bridge::new(Config::default(), now);
    bridge.handle_input(now, Input::Cif(CifAvailability::Ready));
    bridge.handle_input(now, Input::Contact(ContactEvent {
        contact_id: "c0ffee00-0000-4000-8000-000000000001".into(),
        kind: ContactEventKind::Connected,
        snapshot: Some(ContactSnapshot {
            channel: "voice".into(),
            state: "connected".into(),
            inbound: Some(true),
            queue_name: None,
            phone_number: None,
            customer_name: None,
            attributes: value.clone(),
            ..Default::default()
        }),
    }));
    for _ in 0..8 {
        let mut requests = Vec::new();
        while let Some(c) = bridge.poll_command() {
            if let Command::Cif { request, .. } = c {
                requests.push(request);
            }
        }
        for request in requests {
            bridge.handle_input(now, Input::CifReply(CifReply { request, outcome: CifOutcome::Resolved(value.clone()) }));
        }
        for handler in DynamicsHandler::ALL {
            bridge.handle_input(now, Input::Dynamics(DynamicsEvent { handler, payload: value.clone() }));
        }
        now = now.plus(15_000);
        bridge.handle_timeout(now);
    }
    let _ = bridge.export_trace();
});
