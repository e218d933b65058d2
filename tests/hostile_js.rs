//! Browser tests of hostile JS values and events at the shell's edge: Errors whose fields are not strings or come
//! from another frame, attributes whose getters throw, Maps with keys `String()` refuses, re-entrant callbacks.
//! None may throw out of a callback, stop the event loop, leak a subscription or cost a value's readable parts.

#![cfg(target_arch = "wasm32")]
#![allow(clippy::expect_used)]

#[path = "doubles/mod.rs"]
mod doubles;

use bridge_core::{CifCall, CifOutcome};
use connect_cif_bridge::{cif, convert, streams, Shell};
use doubles::*;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
function thrown(kind) {
  switch (kind) {
    case 'plain-error': return new Error('boom');
    case 'number-message': { const e = new Error('boom'); e.message = 42; return e; }
    case 'map': return new Map([['message', 'RejectAfterClientError'], ['code', 7]]);
    case 'wrapped-time-limit': {
      const limit = new Map([['message', 'Timeout occurred as no response was received from listener window'], ['msdyn_name', 'CreateSession']]);
      const e = new Error('createSession failed', { cause: limit });
      e.self = e;
      return e;
    }
    case 'own-cause': { const e = new Error('outer', { cause: null }); e.cause = e; return e; }
    case 'cross-realm': {
      const f = document.createElement('iframe');
      document.body.appendChild(f);
      return new f.contentWindow.Error('boom');
    }
  }
}
export function reviewThrowOnce(method, kind) {
  const api = window.Microsoft.CIFramework;
  const original = api[method];
  api[method] = function () { api[method] = original; throw thrown(kind); };
}
export function reviewThrown(kind) { return thrown(kind); }
export function reviewMakeHostile(obj) {
  Object.defineProperty(obj, 'Bad', { enumerable: true, get() { throw new Error('getter threw'); } });
}
export function reviewMakeNameUnreadable(attrs) {
  const entry = attrs.ms_customer_name;
  Object.defineProperty(entry, 'value', { enumerable: true, get() { throw new Error('getter threw'); } });
}
export function reviewAddProtoAttribute(attrs) {
  Object.defineProperty(attrs, '__proto__', {
    enumerable: true,
    value: { name: '__proto__', value: 'x' },
    writable: true,
    configurable: true,
  });
}
export function reviewNullProtoKeyMap() {
  return new Map([['message', 'Timeout occurred as no response was received from listener window'], [Object.create(null), 1]]);
}
export function reviewThrowingGetterObject() {
  return { message: 'RejectAfterClientError', msdyn_name: 'CreateTab', get extra() { throw new Error('x'); } };
}
export function reviewCaptureHandlers() {
  const api = window.Microsoft.CIFramework;
  const add = api.addHandler;
  window.__reviewHandlers = {};
  api.addHandler = (n, f) => { (window.__reviewHandlers[n] ??= []).push(f); return add(n, f); };
}
// The first agent.connect (dial) synchronously delivers a second onclicktoact before dialling.
export function reviewReenterClickFromDial(payload) {
  const proto = window.connect.Agent.prototype;
  const orig = proto.connect;
  let once = true;
  window.__reviewReentryError = null;
  proto.connect = function (e, p) {
    if (once) {
      once = false;
      try { for (const f of window.__reviewHandlers.onclicktoact) f(payload); }
      catch (err) { window.__reviewReentryError = String(err && err.message); }
    }
    return orig.call(this, e, p);
  };
}
export function reviewReentryError() { return window.__reviewReentryError; }
export function hostileDomException() { return new DOMException('The operation is insecure.', 'SecurityError'); }
// The next call of `method` goes out and returns a native promise whose answer cannot be read: its own `then`
// throws ('then'), or its `constructor` getter does, so its `then` cannot run ('constructor'); or it returns a
// thenable (no native promise) whose `then` throws ('thenable') or cannot be read ('then-getter'); or its promise
// resolves with a value whose session id cannot be read ('unreadable-field') or that cannot be read at all
// ('refusing'), or rejects with such a reason ('reject-unreadable-message', 'reject-refusing').
export function reviewUnreadableAnswer(method, kind) {
  const api = window.Microsoft.CIFramework;
  const original = api[method];
  api[method] = function (...args) {
    api[method] = original;
    const p = original.apply(this, args);
    if (kind === 'then') p.then = () => { throw new Error('then refused'); };
    else if (kind === 'constructor') Object.defineProperty(p, 'constructor', { get() { throw new Error('constructor refused'); } });
    // Not a native promise: a thenable whose `then` throws, or whose `then` getter does.
    else if (kind === 'thenable') return { then() { throw new Error('then refused'); } };
    else if (kind === 'then-getter') return { get then() { throw new Error('then refused'); } };
    // A promise that resolves with a value whose session id cannot be read, or with a proxy that refuses all.
    else if (kind === 'unreadable-field') return p.then(() => ({ get sessionId() { throw new Error('getter threw'); } }));
    // (It has no `then`, so the promise resolves with it; a revoked proxy would make the promise reject.)
    else if (kind === 'refusing') {
      const refuse = () => { throw new Error('refused'); };
      const handler = { get: (_, k) => (k === 'then' ? undefined : refuse()), ownKeys: refuse, getPrototypeOf: refuse, has: refuse, getOwnPropertyDescriptor: refuse };
      return p.then(() => new Proxy({}, handler));
    }
    // A promise that rejects with a reason whose message cannot be read, or that cannot be read at all: it may
    // have been CIF's time limit, which says nothing about what Dynamics did.
    else if (kind === 'reject-unreadable-message') return p.then(() => { throw { get message() { throw new Error('getter threw'); } }; });
    else if (kind === 'reject-refusing') {
      const refuse = () => { throw new Error('refused'); };
      const handler = { get: refuse, ownKeys: refuse, getPrototypeOf: refuse, has: refuse, getOwnPropertyDescriptor: refuse };
      return p.then(() => { throw new Proxy({}, handler); });
    }
    return p;
  };
}
export function reviewAnswer(kind) {
  switch (kind) {
    case 'settles-then-throws': return { then(ok) { ok('s-1'); throw new Error('late throw'); } };
    case 'settles-twice': return { then(ok, fail) { ok('first'); fail('second'); ok('third'); } };
    case 'plain-object': return { sessionId: 's-2' };
    case 'number': return 7;
    case 'native-resolves': return Promise.resolve('s-3');
    case 'native-rejects': return Promise.reject('refused');
    case 'native-settled-later': return new Promise((ok) => setTimeout(() => ok('s-4'), 0));
  }
}
// The next `getContacts()` lists an entry that cannot be read before the real ones; the next `getAgentStates()`
// lists one before the real states.
export function reviewUnreadableFirstEntry(method) {
  const proto = window.connect.Agent.prototype;
  const original = proto[method];
  proto[method] = function (...args) {
    proto[method] = original;
    const list = [null, ...original.apply(this, args)];
    Object.defineProperty(list, 0, { get() { throw new Error('entry refused'); } });
    return list;
  };
}
// From now on, views of this contact cannot say their id (live views and snapshots alike).
export function reviewHideContactId(contactId) {
  const proto = window.connect.Contact.prototype;
  const original = proto.getContactId;
  proto.getContactId = function () {
    const id = original.call(this);
    if (id === contactId) throw new Error('Contact ' + id + ' no longer exists');
    return id;
  };
}
export function hostileShared(depth) { let o = { leaf: 1 }; for (let i = 0; i < depth; i++) o = { a: o, b: o }; return o; }
"#)]
extern "C" {
    fn reviewThrowOnce(method: &str, kind: &str);
    fn reviewThrown(kind: &str) -> JsValue;
    fn reviewMakeHostile(obj: &JsValue);
    fn reviewMakeNameUnreadable(attrs: &JsValue);
    fn reviewAddProtoAttribute(attrs: &JsValue);
    fn reviewNullProtoKeyMap() -> JsValue;
    fn reviewThrowingGetterObject() -> JsValue;
    fn reviewCaptureHandlers();
    fn reviewReenterClickFromDial(payload: &JsValue);
    fn reviewReentryError() -> Option<String>;
    fn reviewUnreadableAnswer(method: &str, kind: &str);
    fn reviewAnswer(kind: &str) -> JsValue;
    fn reviewUnreadableFirstEntry(method: &str);
    fn reviewHideContactId(contact_id: &str);
    fn hostileShared(depth: u32) -> JsValue;
    fn hostileDomException() -> JsValue;
}

/// A shell past `CIFInitDone`, its Dynamics handlers captured so a test can deliver events re-entrantly.
async fn ready_shell(name: &str) -> Shell {
    ready_shell_with(name, reviewCaptureHandlers).await
}

fn notify_count() -> usize {
    cif_methods().iter().filter(|m| *m == "notifyEvent").count()
}

async fn ring(id: &str) {
    fakeConnectAddContact(&voice_contact(id, "SingleMatch"));
    fakeConnectFire(id, "connecting");
    settle().await;
}

/// A `createSession` that went out but whose returned promise cannot be read (its own `then` or its `constructor`
/// throws, or it is a thenable whose `then` throws or cannot be read), or whose answer cannot be read (wholly or
/// in part), or whose rejection cannot be read, is a call with no answer, not one that failed nor one that named
/// a session: it is not sent again (a second session), and no marker text is taken for its session id.
#[wasm_bindgen_test]
async fn a_create_session_whose_answer_cannot_be_read_is_not_sent_again() {
    for kind in [
        "then",
        "constructor",
        "thenable",
        "then-getter",
        "unreadable-field",
        "refusing",
        "reject-unreadable-message",
        "reject-refusing",
    ] {
        let _shell = ready_shell(&format!("hostile-unreadable-{kind}")).await;
        reviewUnreadableAnswer("createSession", kind);
        ring("c-1").await;
        let toast = fakeCifIndexOf("notifyEvent", 0);
        assert!(toast >= 0, "{kind}: a toast; calls {:?}", cif_methods());
        let lists = || cif_methods().iter().filter(|m| *m == "getAllSessions").count();
        let lists_before = lists();
        fakeCifResolve(toast as u32, &text("{\"actionName\":\"Accept\"}"));
        settle().await;
        // Past a retry's backoff (500 ms, then doubling), well before the call's deadline (12 s).
        gloo_timers::future::TimeoutFuture::new(1_800).await;
        let sessions = cif_methods().iter().filter(|m| *m == "createSession").count();
        assert_eq!(sessions, 1, "{kind}: calls {:?}", cif_methods());
        let calls = fakeCifCalls();
        assert!(
            !calls.contains("[unreadable]") && !calls.contains("unprintable"),
            "{kind}: a marker taken for a session id; calls {calls}"
        );
        assert!(
            lists() > lists_before,
            "{kind}: Dynamics is asked for its sessions at once, not after the deadline; calls {:?}",
            cif_methods()
        );
    }
}

/// A CIF call that throws an ordinary Error: the next contact still gets its toast.
#[wasm_bindgen_test]
async fn an_error_thrown_by_notify_event_leaves_the_next_contact_its_toast() {
    let _shell = ready_shell("hostile-control").await;
    reviewThrowOnce("notifyEvent", "plain-error");
    ring("c-1").await;
    let before = notify_count();
    ring("c-2").await;
    assert_eq!(notify_count(), before + 1, "calls: {:?}", cif_methods());
}

/// The same with an Error whose `message` is a number: reading it must not throw out of the pump (which would
/// leave every later input queued for good).
#[wasm_bindgen_test]
async fn an_error_with_a_numeric_message_thrown_by_cif_leaves_the_next_contact_its_toast() {
    let shell = ready_shell("hostile-wedge").await;
    reviewThrowOnce("notifyEvent", "number-message");
    ring("c-1").await;
    let before = notify_count();
    ring("c-2").await;
    fakeConnectInitAgent();
    settle().await;
    assert_eq!(
        notify_count(),
        before + 1,
        "calls: {:?}; handler throws: {}; status {:?}",
        cif_methods(),
        fakeConnectHandlerThrows(),
        shell.page().status()
    );
}

/// An attribute whose getter throws is reported as unreadable: the contact is still fed and subscribed.
#[wasm_bindgen_test]
async fn a_contact_whose_attribute_getter_throws_is_still_tracked() {
    let shell = ready_shell("hostile-attr-new").await;
    let data = voice_contact("c-hostile", "SingleMatch");
    let attrs = js_sys::Reflect::get(&data, &"attributes".into()).expect("attributes");
    reviewMakeHostile(&attrs);
    let ok = fakeConnectAddContact(&data);
    settle().await;
    assert!(
        ok && shell.driver().tracked_contacts() == 1,
        "connect.contact handler threw: {}; tracked contacts {}; live contact subscriptions {}",
        !ok,
        shell.driver().tracked_contacts(),
        fakeConnectLiveContactSubscriptions()
    );
}

/// An attribute that turns hostile before the contact goes: its end is still seen and its eleven subscriptions
/// are released.
#[wasm_bindgen_test]
async fn a_contact_whose_attributes_turn_hostile_is_still_released() {
    let shell = ready_shell("hostile-attr-destroy").await;
    let data = voice_contact("c-leaving", "NoMatch");
    let attrs = js_sys::Reflect::get(&data, &"attributes".into()).expect("attributes");
    assert!(fakeConnectAddContact(&data));
    settle().await;
    assert_eq!(fakeConnectLiveContactSubscriptions(), 11);
    reviewMakeHostile(&attrs);
    fakeConnectSetState("c-leaving", "ended");
    let ok = fakeConnectRemove("c-leaving");
    settle().await;
    assert!(
        ok && fakeConnectLiveContactSubscriptions() == 0,
        "handler threw: {}; live contact subscriptions after destroy: {}; tracked {}",
        !ok,
        fakeConnectLiveContactSubscriptions(),
        shell.driver().tracked_contacts()
    );
}

/// An Error from another frame (no `instanceof Error` here) thrown by a CIF method keeps its message.
#[wasm_bindgen_test]
fn an_error_from_another_frame_thrown_by_cif_keeps_its_message() {
    install_doubles();
    reviewThrowOnce("getEnvironment", "cross-realm");
    match cif::invoke(&CifCall::GetEnvironment, "cid") {
        Err(CifOutcome::Threw(text)) => assert!(text.contains("boom"), "Threw({text:?})"),
        Err(other) => panic!("unexpected {other:?}"),
        Ok(_) => panic!("expected a throw"),
    }
}

/// A Map with one key `String()` refuses keeps its other entries (CIF's time-limit rejection is a Map).
#[wasm_bindgen_test]
fn a_map_with_an_unprintable_key_keeps_its_other_entries() {
    let v = convert::to_json(&reviewNullProtoKeyMap());
    assert!(v.get("message").is_some(), "to_json gave {v}");
}

/// One throwing getter does not cost the rest of a rejection reason.
#[wasm_bindgen_test]
fn an_object_with_one_throwing_getter_keeps_its_message() {
    let v = convert::to_json(&reviewThrowingGetterObject());
    assert_eq!(
        v.get("message").and_then(Value::as_str),
        Some("RejectAfterClientError"),
        "to_json gave {v}"
    );
}

/// An Error's `cause` is its own field though not enumerable: a rejection that wraps CIF's time limit keeps it,
/// and the core reads it as no answer (never retried as a transient failure: a second session).
#[wasm_bindgen_test]
fn a_rejection_wrapping_the_time_limit_as_its_cause_is_no_answer() {
    let v = convert::to_json(&reviewThrown("wrapped-time-limit"));
    assert_eq!(v["cause"]["msdyn_name"], "CreateSession", "to_json gave {v}");
    assert_eq!(v["self"], "[cycle]", "{v}");
    assert!(bridge_core::reply::CifError::from_rejection(&v).is_time_limit(), "{v}");
    let own = convert::to_json(&reviewThrown("own-cause"));
    assert_eq!(own["cause"], "[cycle]", "{own}");
}

/// `js_text` of an Error whose message is not a string gives its text and throws nothing.
#[wasm_bindgen_test]
fn the_text_of_an_error_with_a_numeric_message_is_read_without_throwing() {
    let text = convert::js_text(&reviewThrown("number-message"));
    assert!(text.contains("42"), "{text}");
}

/// A `Map` CIF throws or rejects with reads as its entries in the agent's notice, not as `JSON.stringify`'s `{}`.
#[wasm_bindgen_test]
fn the_text_of_a_thrown_map_is_its_entries() {
    let text = convert::js_text(&reviewThrown("map"));
    assert!(text.contains("RejectAfterClientError"), "{text}");
    assert_eq!(convert::js_text(&JsValue::UNDEFINED), "undefined");
}

/// A Dynamics event delivered while its own handler is on the stack (re-entrant) is queued, not thrown away.
#[wasm_bindgen_test]
async fn a_reentrant_click_to_act_is_queued_not_thrown_away() {
    let _shell = ready_shell("hostile-reentry").await;
    let second = text(r#"{"value":"+15555550111","name":"telephone1","format":"phone","entityLogicalName":"contact"}"#);
    reviewReenterClickFromDial(&second);
    fakeCifRaise(
        "onclicktoact",
        &text(r#"{"value":"+15555550100","name":"telephone1","format":"phone","entityLogicalName":"contact"}"#),
    );
    settle().await;
    let dials = connect_calls_named("connect");
    assert!(
        reviewReentryError().is_none() && dials.len() == 2,
        "re-entry error: {:?}; dials: {dials:?}",
        reviewReentryError()
    );
}

/// A value whose sub-objects are shared (structured clone keeps sharing) is walked once per path: the walk as a
/// whole is bounded, so 2^30 paths are cut short instead of blocking the page.
#[wasm_bindgen_test]
fn a_value_with_shared_sub_objects_is_bounded_as_a_whole() {
    // 2^30 paths; the walk stops after its budget of values (50,000), a few hundred KB of JSON.
    let text = convert::to_json(&hostileShared(30)).to_string();
    assert!(text.len() < 4_000_000, "{} characters", text.len());
}

/// A DOMException (blocked storage, the clipboard, Web Locks) is an Error to report by its name and message, not
/// `{}` (its fields are getters on its prototype).
#[wasm_bindgen_test]
fn a_dom_exception_keeps_its_name_and_message() {
    let text = convert::js_text(&hostileDomException());
    assert!(text.contains("TypeError") || text.contains("Error:"), "{text}");
    assert!(!text.contains("{}"), "{text}");
    let json = convert::to_json(&hostileDomException());
    assert!(
        json.get("message")
            .and_then(Value::as_str)
            .is_some_and(|m| !m.is_empty()),
        "{json}"
    );
}

/// A customer name whose getter throws is never shown as the marker text: the attributes count as unreadable
/// for that read (reported, naming the contact and the getter), and the toast and session carry no name.
#[wasm_bindgen_test]
async fn an_attribute_value_that_cannot_be_read_is_not_taken_for_a_name() {
    let _shell = ready_shell("hostile-name").await;
    console_errors_taken();
    let data = voice_contact("c-noname", "SingleMatch");
    let attrs = js_sys::Reflect::get(&data, &"attributes".into()).expect("attributes");
    reviewMakeNameUnreadable(&attrs);
    assert!(fakeConnectAddContact(&data));
    fakeConnectFire("c-noname", "connecting");
    settle().await;
    let calls = fakeCifCalls();
    assert!(!calls.contains("[unreadable]"), "CIF calls: {calls}");
    assert_eq!(notify_count(), 1, "calls: {:?}", cif_methods());
    let errors = console_errors_taken();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("c-noname") && e.contains("getAttributes()")),
        "console errors: {errors:?}"
    );
}

/// An entry named `__proto__` is an entry like any other, not a prototype to set.
#[wasm_bindgen_test]
fn an_entry_named_proto_is_kept() {
    let attrs = js(r#"{"ms_customer_name": {"name": "ms_customer_name", "value": "Jane"}}"#);
    reviewAddProtoAttribute(&attrs);
    let v = convert::to_json(&attrs);
    assert_eq!(v["__proto__"]["value"], "x", "to_json gave {v}");
    assert_eq!(v["ms_customer_name"]["value"], "Jane", "to_json gave {v}");
    let map = js_sys::Map::new();
    map.set(&"__proto__".into(), &"y".into());
    let v = convert::to_json(&map);
    assert_eq!(v["__proto__"], "y", "to_json gave {v}");
}

/// An answer that settles is read once, whatever else its `then` does: settling and then throwing, or settling
/// three times, gives the first settlement only, never in the call itself; a plain value is resolved with.
#[wasm_bindgen_test]
async fn an_answer_is_settled_once_and_later() {
    for (kind, expected) in [
        ("settles-then-throws", r#"[["resolved","s-1"]]"#),
        ("settles-twice", r#"[["resolved","first"]]"#),
        ("plain-object", r#"[["resolved",{"sessionId":"s-2"}]]"#),
        ("number", r#"[["resolved",7]]"#),
        ("native-resolves", r#"[["resolved","s-3"]]"#),
        ("native-rejects", r#"[["rejected","refused"]]"#),
        ("native-settled-later", r#"[["resolved","s-4"]]"#),
    ] {
        js_sys::eval("window.__reviewSettled = []").expect("eval");
        let record =
            |how: &str| js_sys::Function::new_with_args("x", &format!("window.__reviewSettled.push(['{how}', x])"));
        let outcome = cif::await_answer(&reviewAnswer(kind), &record("resolved"), &record("rejected"));
        let settled = || {
            let log = js_sys::eval("JSON.stringify(window.__reviewSettled)").expect("eval");
            log.as_string().unwrap_or_default()
        };
        assert!(outcome.is_ok(), "{kind}: {outcome:?}");
        assert_eq!(settled(), "[]", "{kind}: settled within the call");
        settle().await;
        assert_eq!(settled(), expected, "{kind}");
    }
}

/// A Streams list with an entry that cannot be read (its getter throws) costs that entry only: the agent
/// callback throws nothing into Streams (whose `connect.agent` call then failed the CCP's subscriptions), the
/// contact listed after it is tracked, and setting the agent's state still finds the state listed after it.
#[wasm_bindgen_test]
async fn a_streams_list_with_an_unreadable_entry_keeps_the_others() {
    let shell = ready_shell_with("hostile-list", || {
        fakeConnectPreloadContact(&voice_contact("c-listed", "SingleMatch"));
        reviewUnreadableFirstEntry("getContacts");
    })
    .await;
    assert_eq!(fakeConnectHandlerThrows(), 0, "the agent callback threw");
    assert_eq!(shell.driver().tracked_contacts(), 1);
    reviewUnreadableFirstEntry("getAgentStates");
    let agent = connect_cif_bridge::sys::streams::Agent::new().expect("connect.Agent");
    let set = bridge_core::StreamsCall::SetAgentState {
        state_name: "Available".into(),
        enqueue_next_state: false,
    };
    let done = streams::callbacks(&JsValue::NULL, &JsValue::NULL);
    let outcome = streams::perform(&set, None, Some(&agent), &done);
    assert_eq!(outcome, Ok(()));
    assert_eq!(connect_calls_named("setState").len(), 1);
}

/// A contact whose views no longer say their id when it goes is still let go: its eleven subscriptions are
/// released and the core forgets it (each subscription knows whose it is).
#[wasm_bindgen_test]
async fn a_contact_whose_id_cannot_be_read_when_it_goes_is_still_released() {
    let shell = ready_shell("hostile-id-destroy").await;
    assert!(fakeConnectAddContact(&voice_contact("c-nameless", "NoMatch")));
    settle().await;
    assert_eq!(fakeConnectLiveContactSubscriptions(), 11);
    reviewHideContactId("c-nameless");
    fakeConnectSetState("c-nameless", "ended");
    assert!(fakeConnectRemove("c-nameless"));
    settle().await;
    assert_eq!(fakeConnectLiveContactSubscriptions(), 0, "subscriptions left behind");
    assert_eq!(shell.driver().tracked_contacts(), 0);
    assert_eq!(
        shell.driver().inspect(|b| b.contact_count()),
        0,
        "the core still holds the contact"
    );
}
