//! Typed adapter over Amazon Connect Streams: contact views → [`ContactEvent`]s, subscription guards, actions.
//!
//! Why: Streams calls back with live views whose getters throw (contact gone, task without TaskJS) and whose
//! values are loosely typed. Everything here runs inside Streams callbacks, so nothing may throw or panic: a
//! failing getter becomes `None` plus a console error naming the contact and the field, and the value is
//! copied, not judged (the core parses attributes, phone numbers and states).

use bridge_core::{AgentEvent, ContactEvent, ContactEventKind, ContactSnapshot, StreamsCall};
use js_sys::{Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::console;
use crate::convert::js_text;
use crate::error::GetterError;
use crate::sys::browser as sys_browser;
use crate::sys::streams::{self as sys, Agent, Contact};

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
    /// The shell's last read of the contact, so the next event reads only what changed ([`read_changes`]).
    pub last_read: Option<LastRead>,
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
            last_read: None,
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
                    field: field.into(),
                    expected: "a string".into(),
                    found: type_name(&v),
                });
                None
            }
        },
        Err(e) => {
            report(&GetterError {
                contact: "?".into(),
                field: field.into(),
                expected: "a contact id".into(),
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

/// The event for `kind` on the contact view Streams passed, or `None` when the view has no id. Reads everything
/// `kind` allows (no earlier read to compare with).
pub fn read_event(contact: &JsValue, kind: ContactEventKind) -> Option<ContactEvent> {
    let contact_id = contact_id(contact)?;
    let snapshot = read_snapshot(contact.unchecked_ref(), &contact_id, Reading::for_event(kind));
    Some(ContactEvent {
        contact_id,
        kind,
        snapshot,
    })
}

/// What the shell remembers of its last read of one contact, so the next event reads only what changed.
#[derive(Debug, Clone, PartialEq)]
pub struct LastRead {
    /// `getState().type` as last read.
    state: String,
    /// The hash `src/js/helpers.js`, contact part gave the contact's attributes (their JSON text).
    attributes_hash: f64,
    /// A full read returned the contact's connection facts (direction, and the customer's number or chat name)
    /// with no getter failing: later reads leave the connections alone.
    connections_read: bool,
}

/// Copies the getters of a contact (those `reading` asks for); `None` when Streams no longer knows it (the
/// type getter throws).
pub fn read_snapshot(contact: &Contact, id: &str, reading: Reading) -> Option<ContactSnapshot> {
    read_changes(contact, id, reading, &mut None)
}

/// Like [`read_snapshot`], but against `last`, the previous read of this contact (updated here).
///
/// Why: Streams fires `onRefresh` for every live contact on every agent snapshot, mostly unchanged, and reading
/// a contact's connections is the costly part of a read. So the whole contact is read on first
/// sight and when its state type changed; otherwise only its channel, state and attributes are, and:
/// * attributes unchanged (same hash) → `None`: nothing new (the core treats a known contact's event without a
///   snapshot as carrying no new data, exactly as one whose getters all failed);
/// * attributes changed → a snapshot with the channel, state and attributes only (the core keeps what earlier
///   snapshots told it for a field given as `None`).
///
/// The connections themselves are read until one full read got them: what they tell (direction, the
/// customer's number or chat name) does not change over a contact's life. They are read as the data of the
/// contact's snapshot; only a Streams whose snapshot lacks them makes the helper build Streams' connection
/// objects, each of which starts a media controller (and, for a chat whose agent connection has no media info
/// yet, logs an error).
pub fn read_changes(
    contact: &Contact,
    id: &str,
    reading: Reading,
    last: &mut Option<LastRead>,
) -> Option<ContactSnapshot> {
    let reading = match last.as_ref() {
        Some(l) if l.connections_read => Reading::OwnData,
        _ => reading,
    };
    let reading_code = match reading {
        Reading::Full => 1,
        Reading::OwnData => 0,
    };
    let (known_state, known_hash) = match last.as_ref() {
        Some(l) => (Some(l.state.as_str()), l.attributes_hash),
        None => (None, f64::NAN),
    };
    let text = {
        let _streams = crate::metrics::span(crate::metrics::Kind::StreamsRead); // bench only
        sys::read_contact(contact, reading_code, known_state, known_hash)
    };
    let mut read = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(serde_json::Value::Object(read)) => read,
        // The helper always returns an object; anything else is reported (what went wrong, not the text: it
        // holds the caller's number and name) and read as "nothing new".
        other => {
            let found = match other {
                Ok(_) => format!("{} characters of JSON that are not an object", text.len()),
                Err(e) => format!("{} characters that are not JSON ({e})", text.len()),
            };
            report(&GetterError {
                contact: id.into(),
                field: "readContact()".into(),
                expected: "a JSON object".into(),
                found,
            });
            return None;
        }
    };
    // Complete: the direction, and the customer's number (voice) or name (chat), each read without a failure;
    // anything missing is asked again on the next state change, as before the first full read.
    let has = |key: &str| read.get(key).is_some_and(|v| !v.is_null());
    let connections_complete = reading == Reading::Full
        && !read.contains_key("err")
        && has("i")
        && match read.get("c").and_then(serde_json::Value::as_str) {
            Some("voice" | "queue_callback") => has("p"),
            Some("chat") => has("n"),
            _ => true,
        };
    if let Some(serde_json::Value::Array(errors)) = read.remove("err") {
        for e in errors {
            let part = |i: usize| {
                e.get(i)
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            report(&GetterError {
                contact: id.into(),
                field: part(0),
                expected: part(1),
                found: part(2),
            });
        }
    }
    if read.contains_key("gone") {
        return None;
    }
    let mut take = |key: &str| match read.remove(key) {
        Some(serde_json::Value::String(s)) => Some(s),
        _ => None,
    };
    let channel = take("c").unwrap_or_default();
    let state = take("s").unwrap_or_default();
    let (queue_name, phone_number, customer_name) = (take("q"), take("p"), take("n"));
    let (email_address, initiation_method, agent_connection_type) = (take("e"), take("m"), take("k"));
    let hash = read.get("h").and_then(serde_json::Value::as_f64).unwrap_or(f64::NAN);
    let attributes = read.remove("a");
    let attributes_unreadable = read.contains_key("au");
    let brief = read.contains_key("brief");
    let connections_read = last.as_ref().is_some_and(|l| l.connections_read) || connections_complete;
    *last = Some(LastRead {
        state: state.clone(),
        attributes_hash: hash,
        connections_read,
    });
    let attributes = match attributes {
        Some(a) => a,
        // Brief and unchanged (or unreadable this time): nothing new to tell the core.
        None if brief => return None,
        None => serde_json::Value::Null,
    };
    Some(ContactSnapshot {
        channel,
        state,
        inbound: read.get("i").and_then(serde_json::Value::as_bool),
        queue_name,
        phone_number,
        customer_name,
        attributes,
        email_address,
        segment_attributes: read.remove("g").unwrap_or(serde_json::Value::Null),
        initiation_method,
        agent_connection_type,
        attributes_unreadable,
    })
}

/// The agent's state from an `onStateChange` payload `{agent, newState}`, else the agent's `getState()`: the
/// same field (`snapshot.state`, system states such as `Busy` included) that `onStateChange` reports, so the
/// presence rules see one kind of name. `getAvailabilityState().state` is the agent's own choice only
/// (`Available` during a call) and is read only from a Streams without `getState()`.
pub fn agent_event(payload: &JsValue, fallback: Option<&Agent>) -> Option<AgentEvent> {
    // `Reflect.get` throws on a non-object (the start-up read passes `undefined`): asked of objects only.
    let field = |key: &str| {
        payload
            .is_object()
            .then(|| Reflect::get(payload, &key.into()).ok())
            .flatten()
    };
    let agent = field("agent")
        .filter(|a| a.is_object())
        .map(JsCast::unchecked_into::<Agent>)
        .or_else(|| fallback.cloned())?;
    if let Some(state_name) = field("newState").and_then(|v| v.as_string()) {
        // The type comes only with getState(); the core uses it for the trace alone.
        return Some(AgentEvent {
            state_name,
            state_type: String::new(),
        });
    }
    let state = agent.get_state();
    let read = |key: &str| {
        state
            .as_ref()
            .ok()
            .and_then(|s| Reflect::get(s, &key.into()).ok())
            .and_then(|v| v.as_string())
    };
    if let Some(state_name) = read("name") {
        return Some(AgentEvent {
            state_name,
            state_type: read("type").unwrap_or_default(),
        });
    }
    if let Some(state_name) = availability_state(&agent) {
        return Some(AgentEvent {
            state_name,
            state_type: String::new(),
        });
    }
    let found = match &state {
        Ok(s) => js_text(s),
        Err(e) => js_text(e),
    };
    console::error(&format!(
        "agent: could not read getState() nor getAvailabilityState() (expected {{name, type}} / {{state}}): {found}"
    ));
    None
}

/// `agent.getAvailabilityState().state`, or `None` when this Streams has no such method or it gives no name.
fn availability_state(agent: &Agent) -> Option<String> {
    let f = agent.get_availability_state_fn().ok()?;
    let f = f.dyn_ref::<Function>()?;
    let value = f.call0(agent).ok()?;
    Reflect::get(&value, &"state".into()).ok()?.as_string()
}

/// The contacts `agent.getContacts()` lists (late start), as views, and whether they are all of them: the list
/// read, and every entry in it. Only a whole list may tell the core that a contact is gone.
pub fn agent_contacts(agent: &Agent) -> (Vec<JsValue>, bool) {
    match agent.get_contacts() {
        Ok(list) => match list_entries(&list, "agent: getContacts()") {
            Ok(Listed { entries, whole }) => (entries, whole),
            Err(found) => {
                console::error(&format!("agent: getContacts() returned {found}, expected an array"));
                (Vec::new(), false)
            }
        },
        Err(e) => {
            console::error(&format!("agent: getContacts() threw: {}", js_text(&e)));
            (Vec::new(), false)
        }
    }
}

/// The entries of a list Streams returned that could be read, and whether that was every one.
struct Listed {
    entries: Vec<JsValue>,
    whole: bool,
}

/// At most this many entries of a list Streams returns are read: an agent has a handful of contacts and a few
/// dozen states, and a (sparse) array may claim four billion.
const MAX_LIST_ENTRIES: u32 = 1000;

/// The entries of an array Streams returned, each read on its own: one whose getter throws is reported (named
/// by `what` and its index) and left out, never thrown through the shell (js-sys's array reads have no
/// `catch`). `Err` names what was found instead of an array.
fn list_entries(list: &JsValue, what: &str) -> Result<Listed, String> {
    match sys_browser::is_array(list) {
        Ok(true) => {}
        Ok(false) => return Err(type_name(list)),
        Err(e) => return Err(format!("a value Array.isArray refused ({})", js_text(&e))),
    }
    let length = Reflect::get(list, &"length".into())
        .ok()
        .and_then(|n| n.as_f64())
        .unwrap_or(0.0);
    // An array's length is a whole number below 2^32; the cast saturates anything else.
    let length = length as u32;
    if length > MAX_LIST_ENTRIES {
        console::error(&format!(
            "{what} listed {length} entries; the first {MAX_LIST_ENTRIES} are read"
        ));
    }
    let mut entries = Vec::new();
    let mut whole = length <= MAX_LIST_ENTRIES;
    for index in 0..length.min(MAX_LIST_ENTRIES) {
        match Reflect::get_u32(list, index) {
            Ok(entry) => entries.push(entry),
            Err(e) => {
                whole = false;
                console::error(&format!(
                    "{what}: entry {index} could not be read (expected a Streams object): {}",
                    js_text(&e)
                ));
            }
        }
    }
    Ok(Listed { entries, whole })
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
        StreamsCall::SetAgentState {
            state_name,
            enqueue_next_state,
        } => {
            let agent = agent.ok_or("setState: the agent is not known to Streams yet")?;
            let states = agent.get_agent_states().map_err(|e| js_text(&e))?;
            let state = list_entries(&states, "agent: getAgentStates()")
                .map(|listed| listed.entries)
                .unwrap_or_default()
                .into_iter()
                .find(|s| {
                    Reflect::get(s, &"name".into())
                        .ok()
                        .and_then(|n| n.as_string())
                        .as_deref()
                        == Some(state_name.as_str())
                })
                .ok_or_else(|| format!("agent state {state_name:?} is not among agent.getAgentStates()"))?;
            let options = Object::new();
            // Setting a data property on a fresh object cannot fail.
            let _ = Reflect::set(
                &options,
                &"enqueueNextState".into(),
                &JsValue::from_bool(*enqueue_next_state),
            );
            agent.set_state(&state, callbacks, &options).map_err(|e| js_text(&e))
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

fn report(e: &GetterError) {
    console::error(&e.to_string());
}

fn type_name(v: &JsValue) -> String {
    if v.is_null() {
        return "null".to_owned();
    }
    v.js_typeof().as_string().unwrap_or_else(|| "unknown".to_owned())
}
