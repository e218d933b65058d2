//! Raw bindings to `amazon-connect-streams` (the global `connect`), workers-rs style.
//!
//! Why raw: Streams objects are duck-typed views (`Contact`, `ContactSnapshot`, `Connection`, `Agent`) whose
//! getters throw once a contact is gone or when TaskJS is missing. Every import is `catch` and returns what JS
//! returned, unconverted; [`crate::streams`] decides what the values mean. Nothing here checks `instanceof`.
//! A contact's getters are read by one JS helper (`src/js/helpers.js`, contact part), which catches each throw itself: one
//! crossing per event instead of a dozen, and no externref slot leaked by a throwing `catch` import.

use js_sys::Function;
use wasm_bindgen::prelude::*;
use web_sys::Element;

#[wasm_bindgen]
extern "C" {
    // ---- connect.core -------------------------------------------------------------------------------------

    /// `connect.core.initCCP(container, params)`: creates the CCP iframe; a second call is a logged no-op.
    #[wasm_bindgen(js_namespace = ["connect", "core"], js_name = initCCP, catch)]
    pub fn init_ccp(container: &Element, params: &JsValue) -> Result<(), JsValue>;

    /// `connect.core.onInitialized(f)`: the CCP acknowledged (before agent data).
    #[wasm_bindgen(js_namespace = ["connect", "core"], js_name = onInitialized, catch)]
    pub fn on_initialized(f: &Function) -> Result<JsValue, JsValue>;

    /// `connect.core.onIframeRetriesExhausted(f)`: the CCP iframe never answered.
    #[wasm_bindgen(js_namespace = ["connect", "core"], js_name = onIframeRetriesExhausted, catch)]
    pub fn on_iframe_retries_exhausted(f: &Function) -> Result<JsValue, JsValue>;

    /// `connect.core.onAuthFail(f)`: the agent is not logged in to Amazon Connect.
    #[wasm_bindgen(js_namespace = ["connect", "core"], js_name = onAuthFail, catch)]
    pub fn on_auth_fail(f: &Function) -> Result<JsValue, JsValue>;

    /// `connect.core.onAccessDenied(f)`: the agent lacks CCP permissions.
    #[wasm_bindgen(js_namespace = ["connect", "core"], js_name = onAccessDenied, catch)]
    pub fn on_access_denied(f: &Function) -> Result<JsValue, JsValue>;

    /// `connect.core.getEventBus()`: the page's Streams bus, onto which every event the CCP iframe posts is
    /// re-triggered (`terminated` has no `onX` method of its own).
    #[wasm_bindgen(js_namespace = ["connect", "core"], js_name = getEventBus, catch)]
    pub fn get_event_bus() -> Result<EventBus, JsValue>;

    /// Streams' event bus.
    #[wasm_bindgen(extends = js_sys::Object)]
    #[derive(Debug, Clone)]
    pub type EventBus;

    /// `bus.subscribe(event, f)`: returns `{unsubscribe()}`.
    #[wasm_bindgen(method, catch)]
    pub fn subscribe(this: &EventBus, event: &str, f: &Function) -> Result<JsValue, JsValue>;

    /// `connect.globalResiliency.onFailoverDetected(f)` (Streams 2.27+): the CCP moved to the other region.
    #[wasm_bindgen(js_namespace = ["connect", "globalResiliency"], js_name = onFailoverDetected, catch)]
    pub fn on_failover_detected(f: &Function) -> Result<JsValue, JsValue>;

    // ---- connect ------------------------------------------------------------------------------------------

    /// `connect.contact(f)`: `f(contact)` for each contact added to the agent's snapshot; no replay.
    #[wasm_bindgen(js_namespace = connect, js_name = contact, catch)]
    pub fn contact(f: &Function) -> Result<JsValue, JsValue>;

    /// `connect.agent(f)`: `f(agent)` once agent data exists; synchronously if it already does.
    #[wasm_bindgen(js_namespace = connect, js_name = agent, catch)]
    pub fn agent(f: &Function) -> Result<JsValue, JsValue>;

    /// `connect.Endpoint.byPhoneNumber(number)`.
    #[wasm_bindgen(js_namespace = ["connect", "Endpoint"], js_name = byPhoneNumber, catch)]
    pub fn endpoint_by_phone_number(number: &str) -> Result<JsValue, JsValue>;

    // ---- Contact (and ContactSnapshot, which shares its getters) --------------------------------------------

    /// A Streams contact view; read-only snapshot for `onDestroy` and synthesised `onEnded`.
    #[wasm_bindgen(js_namespace = connect, extends = js_sys::Object)]
    #[derive(Debug, Clone)]
    pub type Contact;

    /// `new connect.Contact(id)`: a live view of the contact with this id in the latest snapshot.
    #[wasm_bindgen(constructor, js_namespace = connect, catch)]
    pub fn new(contact_id: &str) -> Result<Contact, JsValue>;

    /// `contact.getContactId()`.
    #[wasm_bindgen(method, catch, js_name = getContactId)]
    pub fn get_contact_id(this: &Contact) -> Result<JsValue, JsValue>;
    /// `contact.onRefresh(f)`.
    #[wasm_bindgen(method, catch, js_name = onRefresh)]
    pub fn on_refresh(this: &Contact, f: &Function) -> Result<JsValue, JsValue>;
    /// `contact.onIncoming(f)`.
    #[wasm_bindgen(method, catch, js_name = onIncoming)]
    pub fn on_incoming(this: &Contact, f: &Function) -> Result<JsValue, JsValue>;
    /// `contact.onPending(f)`.
    #[wasm_bindgen(method, catch, js_name = onPending)]
    pub fn on_pending(this: &Contact, f: &Function) -> Result<JsValue, JsValue>;
    /// `contact.onConnecting(f)`.
    #[wasm_bindgen(method, catch, js_name = onConnecting)]
    pub fn on_connecting(this: &Contact, f: &Function) -> Result<JsValue, JsValue>;
    /// `contact.onAccepted(f)`.
    #[wasm_bindgen(method, catch, js_name = onAccepted)]
    pub fn on_accepted(this: &Contact, f: &Function) -> Result<JsValue, JsValue>;
    /// `contact.onConnected(f)`.
    #[wasm_bindgen(method, catch, js_name = onConnected)]
    pub fn on_connected(this: &Contact, f: &Function) -> Result<JsValue, JsValue>;
    /// `contact.onMissed(f)`.
    #[wasm_bindgen(method, catch, js_name = onMissed)]
    pub fn on_missed(this: &Contact, f: &Function) -> Result<JsValue, JsValue>;
    /// `contact.onEnded(f)`.
    #[wasm_bindgen(method, catch, js_name = onEnded)]
    pub fn on_ended(this: &Contact, f: &Function) -> Result<JsValue, JsValue>;
    /// `contact.onACW(f)`.
    #[wasm_bindgen(method, catch, js_name = onACW)]
    pub fn on_acw(this: &Contact, f: &Function) -> Result<JsValue, JsValue>;
    /// `contact.onError(f)`.
    #[wasm_bindgen(method, catch, js_name = onError)]
    pub fn on_error(this: &Contact, f: &Function) -> Result<JsValue, JsValue>;
    /// `contact.onDestroy(f)`.
    #[wasm_bindgen(method, catch, js_name = onDestroy)]
    pub fn on_destroy(this: &Contact, f: &Function) -> Result<JsValue, JsValue>;

    /// `contact.accept({success, failure})`.
    #[wasm_bindgen(method, catch)]
    pub fn accept(this: &Contact, callbacks: &JsValue) -> Result<(), JsValue>;
    /// `contact.reject({success, failure})`.
    #[wasm_bindgen(method, catch)]
    pub fn reject(this: &Contact, callbacks: &JsValue) -> Result<(), JsValue>;
    /// `contact.clear({success, failure})`.
    #[wasm_bindgen(method, catch)]
    pub fn clear(this: &Contact, callbacks: &JsValue) -> Result<(), JsValue>;

    // ---- Agent --------------------------------------------------------------------------------------------

    /// The Streams agent view.
    #[wasm_bindgen(js_namespace = connect, extends = js_sys::Object)]
    #[derive(Debug, Clone)]
    pub type Agent;

    /// `new connect.Agent()`: throws before the first agent snapshot.
    #[wasm_bindgen(constructor, js_namespace = connect, catch)]
    pub fn new() -> Result<Agent, JsValue>;

    /// `agent.getContacts()`.
    #[wasm_bindgen(method, catch, js_name = getContacts)]
    pub fn get_contacts(this: &Agent) -> Result<JsValue, JsValue>;
    /// `agent.getState()`: `{name, type, …}`.
    #[wasm_bindgen(method, catch, js_name = getState)]
    pub fn get_state(this: &Agent) -> Result<JsValue, JsValue>;
    /// `agent.getAvailabilityState()`: `{state, timeStamp}`, the state the agent chose (`Available` during a call).
    #[wasm_bindgen(method, getter, catch, js_name = getAvailabilityState)]
    pub fn get_availability_state_fn(this: &Agent) -> Result<JsValue, JsValue>;
    /// `agent.onClearedNextState(f)` (Streams 2.28.1+): the enqueued next state was cleared.
    #[wasm_bindgen(method, catch, js_name = onClearedNextState)]
    pub fn on_cleared_next_state(this: &Agent, f: &Function) -> Result<JsValue, JsValue>;
    /// `agent.getAgentStates()`: `[{agentStateARN, type, name}]`.
    #[wasm_bindgen(method, catch, js_name = getAgentStates)]
    pub fn get_agent_states(this: &Agent) -> Result<JsValue, JsValue>;
    /// `agent.onStateChange(f)`: `f({agent, oldState, newState})`.
    #[wasm_bindgen(method, catch, js_name = onStateChange)]
    pub fn on_state_change(this: &Agent, f: &Function) -> Result<JsValue, JsValue>;
    /// `agent.setState(state, {success, failure}, {enqueueNextState})`.
    #[wasm_bindgen(method, catch, js_name = setState)]
    pub fn set_state(this: &Agent, state: &JsValue, callbacks: &JsValue, options: &JsValue) -> Result<(), JsValue>;
    /// `agent.connect(endpoint, {queueARN, success, failure, timeout})`.
    #[wasm_bindgen(method, catch, js_name = connect)]
    pub fn connect(this: &Agent, endpoint: &JsValue, params: &JsValue) -> Result<(), JsValue>;

    // ---- Subscription -------------------------------------------------------------------------------------

    /// What Streams' `onX` methods return: `{unsubscribe()}` (older versions return nothing).
    #[wasm_bindgen(extends = js_sys::Object)]
    #[derive(Debug, Clone)]
    pub type Subscription;

    /// `subscription.unsubscribe()`.
    #[wasm_bindgen(method, catch)]
    pub fn unsubscribe(this: &Subscription) -> Result<(), JsValue>;
}

#[wasm_bindgen(module = "/src/js/helpers.js")]
extern "C" {
    /// Everything [`crate::streams::read_snapshot`] needs from a contact view, read in one call and returned as
    /// JSON text (see `src/js/helpers.js`, contact part for its fields). Never throws: a getter that throws or returns the
    /// wrong type is listed in the text's `err`.
    #[wasm_bindgen(js_name = readContact)]
    pub fn read_contact(contact: &Contact, reading: u32, known_state: Option<&str>, known_hash: f64) -> String;
}
