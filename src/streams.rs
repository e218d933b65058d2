//! Typed adapter over Amazon Connect Streams: contact views → [`ContactEvent`]s, subscription guards, actions.
//!
//! Why: Streams calls back with live views whose getters throw (contact gone, task without TaskJS) and whose
//! values are loosely typed. Everything here runs inside Streams callbacks, so nothing may throw or panic: a
//! failing getter becomes `None` plus a console error naming the contact and the field, and the value is
//! copied, not judged (the core parses attributes, phone numbers and states).

use bridge_core::{AgentEvent, ContactEvent, ContactEventKind, ContactSnapshot, StreamsCall};
use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::console;
use crate::convert::{js_text, to_json};
use crate::error::GetterError;
use crate::sys::streams::{self as sys, Agent, Connection, Contact};

/// The per-contact subscriptions the shell makes, each served by one shared closure for all contacts.
pub const PER_CONTACT_KINDS: [ContactEventKind; 11] = [
    ContactEventKind::Refresh,
    ContactEventKind::Incoming,
    ContactEventKind::Pending,
    ContactEventKind::Connecting,
    ContactEventKind::Accepted,
    ContactEventKind::Connected,
    ContactEventKind::Missed,
    ContactEventKind::Ended,
    ContactEventKind::AfterContactWork,
    ContactEventKind::Error,
    ContactEventKind::Destroyed,
];

/// A `{unsubscribe()}` handle that unsubscribes when dropped.
///
/// Why: Streams keeps every subscribed function until told otherwise; tying the unsubscribe to `Drop` makes
/// releasing a contact's subscriptions a matter of dropping its entry.
#[derive(Debug)]
pub struct SubscriptionGuard {
    raw: sys::Subscription,
    what: &'static str,
}

impl SubscriptionGuard {
    /// Keeps what a Streams `onX`/`connect.contact` call returned, if it is something with `unsubscribe`.
    pub fn from_returned(returned: JsValue, what: &'static str) -> Option<SubscriptionGuard> {
        let unsubscribe = Reflect::get(&returned, &JsValue::from_str("unsubscribe")).ok()?;
        unsubscribe.is_function().then(|| SubscriptionGuard {
            raw: returned.unchecked_into(),
            what,
        })
    }
}

impl Drop for SubscriptionGuard {
    fn drop(&mut self) {
        if let Err(e) = self.raw.unsubscribe() {
            console::warn(&format!("unsubscribing {} failed: {}", self.what, js_text(&e)));
        }
    }
}

/// One contact's subscriptions and the last view Streams gave of it; dropping it unsubscribes everything.
#[derive(Debug)]
pub struct ContactSubscriptions {
    /// The Streams view to act on (`accept`, `reject`, `clear`).
    pub view: Contact,
    _subscriptions: Vec<SubscriptionGuard>,
}

impl ContactSubscriptions {
    /// Subscribes every kind in [`PER_CONTACT_KINDS`] with the shared function `handler_for(kind)`.
    ///
    /// A subscription that throws is reported and skipped; the others still work.
    pub fn subscribe(contact: &Contact, id: &str, handler_for: impl Fn(ContactEventKind) -> Option<Function>) -> Self {
        let mut subscriptions = Vec::with_capacity(PER_CONTACT_KINDS.len());
        for kind in PER_CONTACT_KINDS {
            let Some(f) = handler_for(kind) else { continue };
            let (name, result) = match kind {
                ContactEventKind::Refresh => ("onRefresh", contact.on_refresh(&f)),
                ContactEventKind::Incoming => ("onIncoming", contact.on_incoming(&f)),
                ContactEventKind::Pending => ("onPending", contact.on_pending(&f)),
                ContactEventKind::Connecting => ("onConnecting", contact.on_connecting(&f)),
                ContactEventKind::Accepted => ("onAccepted", contact.on_accepted(&f)),
                ContactEventKind::Connected => ("onConnected", contact.on_connected(&f)),
                ContactEventKind::Missed => ("onMissed", contact.on_missed(&f)),
                ContactEventKind::Ended => ("onEnded", contact.on_ended(&f)),
                ContactEventKind::AfterContactWork => ("onACW", contact.on_acw(&f)),
                ContactEventKind::Error => ("onError", contact.on_error(&f)),
                ContactEventKind::Destroyed => ("onDestroy", contact.on_destroy(&f)),
                ContactEventKind::Init | ContactEventKind::Existing => continue,
            };
            match result {
                Ok(returned) => subscriptions.extend(SubscriptionGuard::from_returned(returned, name)),
                Err(e) => console::error(&format!("contact {id}: {name} subscription failed: {}", js_text(&e))),
            }
        }
        ContactSubscriptions {
            view: contact.clone(),
            _subscriptions: subscriptions,
        }
    }
}

/// The contact id of a view, or `None` (with a console error) when it is missing or not a string.
pub fn contact_id(contact: &JsValue) -> Option<String> {
    let view: &Contact = contact.unchecked_ref();
    let field = "getContactId()";
    match view.get_contact_id() {
        Ok(v) => match v.as_string() {
            Some(id) => Some(id),
            None => {
                report(&GetterError {
                    contact: "?".into(),
                    field,
                    expected: "a string",
                    found: type_name(&v),
                });
                None
            }
        },
        Err(e) => {
            report(&GetterError {
                contact: "?".into(),
                field,
                expected: "a contact id",
                found: js_text(&e),
            });
            None
        }
    }
}

/// How much of a contact view to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Everything, the contact's connections included (the customer's number, chat name, direction).
    Full,
    /// The contact's own data only (channel, state, queue, attributes, task name).
    ///
    /// Why: Streams hands `onEnded` and `onDestroy` a snapshot of a contact it has often dropped already; the
    /// snapshot's connection getters then throw "Contact … no longer exists". Reading them would log a false
    /// error for every contact that leaves and, with wasm-bindgen 0.2.129's reference types, leak one externref
    /// slot per throw (a throwing `catch` import never frees its return slot). The core keeps what the earlier
    /// events told it: a field read as `None` does not overwrite it.
    OwnData,
}

impl Reading {
    /// What to read for an event of `kind`.
    pub fn for_event(kind: ContactEventKind) -> Reading {
        match kind {
            ContactEventKind::Ended | ContactEventKind::Destroyed => Reading::OwnData,
            _ => Reading::Full,
        }
    }
}

/// The event for `kind` on the contact view Streams passed, or `None` when the view has no id.
pub fn read_event(contact: &JsValue, kind: ContactEventKind) -> Option<ContactEvent> {
    let contact_id = contact_id(contact)?;
    let snapshot = read_snapshot(contact.unchecked_ref(), &contact_id, Reading::for_event(kind));
    Some(ContactEvent {
        contact_id,
        kind,
        snapshot,
    })
}

/// Copies the getters of a contact (those `reading` asks for); `None` when Streams no longer knows it (the
/// type getter throws).
pub fn read_snapshot(contact: &Contact, id: &str, reading: Reading) -> Option<ContactSnapshot> {
    let channel = match contact.get_type() {
        Ok(v) => string_or_report(&v, id, "getType()", "a channel name such as voice or chat"),
        Err(e) => {
            report(&GetterError {
                contact: id.into(),
                field: "getType()",
                expected: "a channel name",
                found: js_text(&e),
            });
            return None;
        }
    };
    let channel = channel.unwrap_or_default();
    let state = getter(id, "getState().type", "a state object with a string `type`", || {
        contact.get_state().and_then(|s| Reflect::get(&s, &"type".into()))
    })
    .and_then(|v| string_or_report(&v, id, "getState().type", "a string"))
    .unwrap_or_default();
    let inbound = match reading {
        Reading::Full => getter(id, "isInbound()", "a boolean", || contact.is_inbound()),
        Reading::OwnData => None,
    }
    .and_then(|v| {
        let b = v.as_bool();
        if b.is_none() && !v.is_null() && !v.is_undefined() {
            report(&GetterError {
                contact: id.into(),
                field: "isInbound()",
                expected: "a boolean",
                found: type_name(&v),
            });
        }
        b
    });
    let queue_name = getter(id, "getQueue().name", "a queue object or null", || contact.get_queue())
        .and_then(|q| optional_string_field(&q, "name", id, "getQueue().name"));
    let attributes = getter(id, "getAttributes()", "an attribute map", || contact.get_attributes())
        .map(|v| to_json(&v))
        .unwrap_or(serde_json::Value::Null);
    let (phone_number, customer_name) = match (channel.as_str(), reading) {
        ("voice" | "queue_callback", Reading::Full) => (phone_number(contact, id), None),
        ("chat", Reading::Full) => (None, chat_customer_name(contact, id)),
        ("task", _) => (
            None,
            getter(id, "getName()", "a string", || contact.get_name()).and_then(|v| v.as_string()),
        ),
        _ => (None, None),
    };
    // Email only: the sender, the segment attributes (the subject) and who started it (a draft is the agent's).
    let (email_address, segment_attributes, initiation_method) = if channel == "email" && reading == Reading::Full {
        let address = getter(id, "getCustomerEndpoint()", "an email endpoint", || {
            contact.get_customer_endpoint()
        })
        .and_then(|e| optional_string_field(&e, "emailAddress", id, "getCustomerEndpoint().emailAddress"));
        let segments = getter(id, "getSegmentAttributes()", "a segment attribute map", || {
            contact.get_segment_attributes()
        })
        .map(|v| to_json(&v))
        .unwrap_or(serde_json::Value::Null);
        let method = getter(id, "getInitiationMethod()", "a string", || {
            contact.get_initiation_method()
        })
        .and_then(|v| string_or_report(&v, id, "getInitiationMethod()", "a string"));
        (address, segments, method)
    } else {
        (None, serde_json::Value::Null, None)
    };
    Some(ContactSnapshot {
        channel,
        state,
        inbound,
        queue_name,
        phone_number,
        customer_name,
        attributes,
        email_address,
        segment_attributes,
        initiation_method,
    })
}

/// The agent's state from an `onStateChange` payload `{agent, newState}`, else the agent's
/// `getAvailabilityState().state`, else (a Streams without it) the deprecated `getState().name`.
pub fn agent_event(payload: &JsValue, fallback: Option<&Agent>) -> Option<AgentEvent> {
    let agent = Reflect::get(payload, &"agent".into())
        .ok()
        .filter(|a| a.is_object())
        .map(JsCast::unchecked_into::<Agent>)
        .or_else(|| fallback.cloned())?;
    let from_payload = Reflect::get(payload, &"newState".into())
        .ok()
        .and_then(|v| v.as_string());
    if let Some(state_name) = from_payload.or_else(|| availability_state(&agent)) {
        // The type comes only with the deprecated getState(); the core uses it for the trace alone.
        return Some(AgentEvent {
            state_name,
            state_type: String::new(),
        });
    }
    let state = match agent.get_state() {
        Ok(s) => s,
        Err(e) => {
            console::error(&format!(
                "agent: could not read getAvailabilityState() nor getState() (expected {{state}} / {{name, type}}): {}",
                js_text(&e)
            ));
            return None;
        }
    };
    let read = |key: &str| Reflect::get(&state, &key.into()).ok().and_then(|v| v.as_string());
    Some(AgentEvent {
        state_name: read("name")?,
        state_type: read("type").unwrap_or_default(),
    })
}

/// `agent.getAvailabilityState().state`, or `None` when this Streams has no such method or it gives no name.
fn availability_state(agent: &Agent) -> Option<String> {
    let f = agent.get_availability_state_fn().ok()?;
    let f = f.dyn_ref::<Function>()?;
    let value = f.call0(agent).ok()?;
    Reflect::get(&value, &"state".into()).ok()?.as_string()
}

/// The contacts `agent.getContacts()` lists (late start), as views.
pub fn agent_contacts(agent: &Agent) -> Vec<JsValue> {
    match agent.get_contacts() {
        Ok(list) if Array::is_array(&list) => list.unchecked_into::<Array>().iter().collect(),
        Ok(other) => {
            console::error(&format!(
                "agent: getContacts() returned {}, expected an array",
                type_name(&other)
            ));
            Vec::new()
        }
        Err(e) => {
            console::error(&format!("agent: getContacts() threw: {}", js_text(&e)));
            Vec::new()
        }
    }
}

/// `{success, failure}` for a Streams action.
pub fn callbacks(success: &JsValue, failure: &JsValue) -> JsValue {
    let obj = Object::new();
    // Setting a data property on a fresh object cannot fail.
    let _ = Reflect::set(&obj, &"success".into(), success);
    let _ = Reflect::set(&obj, &"failure".into(), failure);
    obj.into()
}

/// Carries out `call` on `contact` (contact actions) or `agent` (dial, agent state). `Err` is the failure text.
pub fn perform(
    call: &StreamsCall,
    contact: Option<&Contact>,
    agent: Option<&Agent>,
    callbacks: &JsValue,
) -> Result<(), String> {
    match call {
        StreamsCall::Accept | StreamsCall::Reject | StreamsCall::Clear => {
            let contact = contact.ok_or_else(|| format!("{call:?}: the contact is not known to Streams"))?;
            let result = match call {
                StreamsCall::Accept => contact.accept(callbacks),
                StreamsCall::Reject => contact.reject(callbacks),
                _ => contact.clear(callbacks),
            };
            result.map_err(|e| js_text(&e))
        }
        StreamsCall::Dial {
            phone_number,
            queue_arn,
            timeout_ms,
        } => {
            let agent = agent.ok_or("dial: the agent is not known to Streams yet")?;
            let endpoint = sys::endpoint_by_phone_number(phone_number).map_err(|e| js_text(&e))?;
            let params: &JsValue = callbacks;
            if let Some(arn) = queue_arn {
                let _ = Reflect::set(params, &"queueARN".into(), &JsValue::from_str(arn));
            }
            // Streams 2.28.1+ calls `failure` after this long without an answer; older versions ignore it.
            let _ = Reflect::set(params, &"timeout".into(), &JsValue::from_f64(*timeout_ms as f64));
            agent.connect(&endpoint, params).map_err(|e| js_text(&e))
        }
        StreamsCall::SetAgentState { state_name } => {
            let agent = agent.ok_or("setState: the agent is not known to Streams yet")?;
            let states = agent.get_agent_states().map_err(|e| js_text(&e))?;
            let state = Array::is_array(&states)
                .then(|| states.unchecked_into::<Array>())
                .and_then(|list| {
                    list.iter().find(|s| {
                        Reflect::get(s, &"name".into())
                            .ok()
                            .and_then(|n| n.as_string())
                            .as_deref()
                            == Some(state_name.as_str())
                    })
                })
                .ok_or_else(|| format!("agent state {state_name:?} is not among agent.getAgentStates()"))?;
            agent.set_state(&state, callbacks).map_err(|e| js_text(&e))
        }
    }
}

/// A live view of the contact with this id (`new connect.Contact(id)`), for commands about a contact whose
/// subscription entry is gone.
pub fn contact_by_id(id: &str) -> Option<Contact> {
    Contact::new(id).ok()
}

/// The agent view (`new connect.Agent()`), or `None` before the first agent snapshot.
pub fn current_agent() -> Option<Agent> {
    Agent::new().ok()
}

fn phone_number(contact: &Contact, id: &str) -> Option<String> {
    let field = "getInitialConnection().getEndpoint().phoneNumber";
    let endpoint = getter(id, field, "an endpoint with a phone number", || {
        contact.get_initial_connection().and_then(|c| c.get_endpoint())
    })?;
    optional_string_field(&endpoint, "phoneNumber", id, field)
}

fn chat_customer_name(contact: &Contact, id: &str) -> Option<String> {
    let field = "getInitialConnection() customer name";
    let connection: Connection = getter(id, field, "the customer's chat connection", || {
        contact.get_initial_connection().map(JsValue::from)
    })?
    .unchecked_into();
    if let Ok(f) = connection.participant_name_fn() {
        if let Some(f) = f.dyn_ref::<Function>() {
            return getter(id, "getInitialConnection().getParticipantName()", "a string", || {
                f.call0(&connection)
            })
            .and_then(|v| v.as_string());
        }
    }
    let info = getter(id, "getInitialConnection().getMediaInfo()", "chat media info", || {
        connection.get_media_info()
    })?;
    let original = Reflect::get(&info, &"originalInfo".into()).ok()?;
    optional_string_field(&original, "customerName", id, "chatMediaInfo.customerName")
}

/// Runs a getter; a throw becomes `None` and a console error naming the contact and field.
fn getter(
    id: &str,
    field: &'static str,
    expected: &'static str,
    read: impl FnOnce() -> Result<JsValue, JsValue>,
) -> Option<JsValue> {
    match read() {
        Ok(v) if v.is_null() || v.is_undefined() => None,
        Ok(v) => Some(v),
        Err(e) => {
            report(&GetterError {
                contact: id.into(),
                field,
                expected,
                found: js_text(&e),
            });
            None
        }
    }
}

fn optional_string_field(obj: &JsValue, key: &str, id: &str, field: &'static str) -> Option<String> {
    let v = Reflect::get(obj, &key.into()).ok()?;
    if v.is_null() || v.is_undefined() {
        return None;
    }
    string_or_report(&v, id, field, "a string")
}

fn string_or_report(v: &JsValue, id: &str, field: &'static str, expected: &'static str) -> Option<String> {
    let s = v.as_string();
    if s.is_none() {
        report(&GetterError {
            contact: id.into(),
            field,
            expected,
            found: type_name(v),
        });
    }
    s
}

fn report(e: &GetterError) {
    console::error(&e.to_string());
}

fn type_name(v: &JsValue) -> String {
    if v.is_null() {
        return "null".to_owned();
    }
    v.js_typeof().as_string().unwrap_or_else(|| "unknown".to_owned())
}
