//! Rust side of the JS doubles (`connect.js`, `cif.js`) and helpers shared by the browser test files.

#![allow(dead_code)]
#![allow(clippy::expect_used)] // a test that cannot set up its page should fail loudly

use bridge_core::Config;
use connect_cif_bridge::{layers, CifLibrary, Shell, ShellOptions};
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(module = "/tests/doubles/connect.js")]
extern "C" {
    pub fn fakeOrderTaken() -> String;
    pub fn fakeConnectInstall();
    pub fn fakeConnectUninstall();
    pub fn fakeConnectAddContact(data: &JsValue) -> bool;
    pub fn fakeConnectPreloadContact(data: &JsValue);
    pub fn fakeConnectSetState(contact_id: &str, state: &str);
    pub fn fakeConnectSetAttribute(contact_id: &str, name: &str, value: &str);
    pub fn fakeConnectSetPhoneNumber(contact_id: &str, phone_number: Option<String>);
    pub fn fakeConnectSetMonitoring(contact_id: &str);
    pub fn fakeConnectConnectionReads() -> u32;
    pub fn fakeConnectLiveConnectionBuilds() -> u32;
    pub fn fakeConnectFire(contact_id: &str, event: &str) -> bool;
    pub fn fakeConnectRemove(contact_id: &str) -> bool;
    pub fn fakeConnectInitAgent() -> bool;
    pub fn fakeConnectSetAgentConfiguration(configuration: &JsValue);
    pub fn fakeConnectAgentStateChange(name: &str, kind: &str) -> bool;
    pub fn fakeConnectFireCore(which: &str) -> bool;
    pub fn fakeConnectSetAutoSucceed(on: bool);
    pub fn fakeConnectLiveSubscriptions() -> u32;
    pub fn fakeConnectLiveContactSubscriptions() -> u32;
    pub fn fakeConnectCalls() -> String;
    pub fn fakeConnectHandlerThrows() -> u32;
    pub fn fakeConsoleErrorsTaken() -> String;
}

#[wasm_bindgen(module = "/tests/doubles/page.js")]
extern "C" {
    pub fn fakeStorageBlock(blocked: bool);
    pub fn fakeStorageWrites(mode: &str);
    pub fn fakeStorageWritesTaken() -> String;
    pub fn fakeLocksHide(hidden: bool);
    pub fn fakeLocksTakenAway();
    pub fn fakeLocksTakeAway();
    pub fn fakeLocksRestore();
}

#[wasm_bindgen(module = "/tests/doubles/cif.js")]
extern "C" {
    pub fn fakeCifInstall();
    pub fn fakeCifUninstall();
    pub fn fakeCifFireInitDone();
    pub fn fakeCifAutoResolve(method: &str, value: &JsValue);
    pub fn fakeCifAutoReject(method: &str, value: &JsValue);
    pub fn fakeCifResolve(index: u32, value: &JsValue);
    pub fn fakeCifReject(index: u32, value: &JsValue);
    pub fn fakeCifIndexOf(method: &str, from: u32) -> i32;
    pub fn fakeCifCalls() -> String;
    pub fn fakeCifRaise(name: &str, payload: &JsValue) -> u32;
    pub fn fakeCifLiveHandlers() -> u32;
    pub fn fakeCifShape(kind: &str) -> JsValue;
    pub fn fakeCifSessionMap(session_id: &str, contact_id: &str) -> JsValue;
}

/// The CCP URL every test uses.
pub const CCP: &str = "https://example.my.connect.aws/ccp-v2/";

/// Fresh doubles: `connect` and `Microsoft.CIFramework` installed and emptied.
pub fn install_doubles() {
    fakeConnectInstall();
    fakeCifInstall();
}

/// A JS object from JSON text.
pub fn js(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap_or(JsValue::NULL)
}

/// A JS string.
pub fn text(s: &str) -> JsValue {
    JsValue::from_str(s)
}

/// A fresh, empty container under `<body>`, so each test gets its own page parts.
pub fn fresh_root() -> web_sys::Element {
    let document = web_sys::window().and_then(|w| w.document()).expect("a document");
    let root = document.create_element("div").expect("a div");
    document.body().expect("a body").append_child(&root).expect("appended");
    root
}

/// Options for a test shell: own root, no config file, CIF double already on the page, own storage key.
pub fn options(name: &str, query: &str) -> ShellOptions {
    ShellOptions {
        root: fresh_root(),
        query: query.to_owned(),
        config_file: None,
        cif_library: CifLibrary::AlreadyLoaded,
        storage_key: format!("connect-cif-bridge:test:{name}:{}", js_sys::Math::random()),
    }
}

/// The bridge's console errors since the last call (the first call starts capturing them).
pub fn console_errors_taken() -> Vec<String> {
    serde_json::from_str(&fakeConsoleErrorsTaken()).unwrap_or_default()
}

/// Lets promises, microtasks and zero-delay timers run.
pub async fn settle() {
    gloo_timers::future::TimeoutFuture::new(15).await;
}

/// Every CIF call the double recorded: `[{method, args}]`.
pub fn cif_calls() -> Vec<Value> {
    serde_json::from_str(&fakeCifCalls()).unwrap_or_default()
}

/// The methods of the recorded CIF calls, in order.
pub fn cif_methods() -> Vec<String> {
    cif_calls()
        .iter()
        .map(|c| c["method"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The screen-pop calls only (leaving out start-up and bookkeeping calls).
pub fn pop_calls() -> Vec<Value> {
    // Start-up calls, the reconciliation and the preflight's template lookups.
    const START_UP: [&str; 6] = [
        "getEnvironment",
        "addHandler",
        "removeHandler",
        "setClickToAct",
        "getAllSessions",
        "searchAndOpenRecords",
    ];
    cif_calls()
        .into_iter()
        .filter(|c| !START_UP.contains(&c["method"].as_str().unwrap_or_default()))
        .collect()
}

/// Every Streams call the double recorded.
pub fn connect_calls() -> Vec<Value> {
    serde_json::from_str(&fakeConnectCalls()).unwrap_or_default()
}

/// The Streams calls with this method.
pub fn connect_calls_named(method: &str) -> Vec<Value> {
    connect_calls().into_iter().filter(|c| c["method"] == method).collect()
}

/// The seed's slug data for one lookup outcome, in Streams' `{key: {name, value}}` shape.
pub fn seed_attributes(lookup: &str) -> Value {
    let pairs = [
        ("ms_customer_entity_name", "contact"),
        ("ms_contact_id", "2f0c6a3e-8d7b-4f4e-9a51-0c1d2e3f4a5b"),
        ("ms_id", "2f0c6a3e-8d7b-4f4e-9a51-0c1d2e3f4a5b"),
        ("ms_customer_name", "Jane Doe"),
        ("ms_account_id", "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"),
        ("LookupSatus", lookup),
        ("ms_session_template", "extn_voice_identified_session"),
        ("ms_notify_template", "extn_voice_notification"),
        ("CallReason", "billing question"),
        ("ms_searchType", "contact"),
        ("ms_searchText", "+15555550100"),
        ("CreateTimeline", "true"),
        ("ms_activity_id", "c4d5e6f7-0a1b-4c2d-8e3f-405162738495"),
        ("ms_entityrecord_entity_name", "phonecall"),
        ("ms_entityrecord_record_id", "c4d5e6f7-0a1b-4c2d-8e3f-405162738495"),
    ];
    let mut map = serde_json::Map::new();
    for (k, v) in pairs {
        map.insert(k.to_owned(), serde_json::json!({"name": k, "value": v}));
    }
    Value::Object(map)
}

/// An inbound voice contact ringing (`connecting`) with the seed's attributes for `lookup`.
pub fn voice_contact(id: &str, lookup: &str) -> JsValue {
    let data = serde_json::json!({
        "contactId": id,
        "type": "voice",
        "state": "connecting",
        "inbound": true,
        "phoneNumber": "+15555550100",
        "queue": {"name": "BasicQueue", "queueARN": "arn:aws:connect:us-east-1:111122223333:instance/i/queue/q"},
        "attributes": seed_attributes(lookup),
    });
    js(&data.to_string())
}

/// Shorthand for `JsValue` → `JsCast` checks in assertions.
pub fn is_function(v: &JsValue) -> bool {
    v.is_instance_of::<js_sys::Function>()
}

/// A shell past `CIFInitDone`, with CIF answering everything but `notifyEvent` at once; `prepare` runs on the
/// doubles just before the shell starts (to wrap what the shell will register with).
pub async fn ready_shell_with(name: &str, prepare: impl FnOnce()) -> Shell {
    install_doubles();
    fakeCifAutoResolve("getEnvironment", &text("{}"));
    fakeCifAutoResolve("setClickToAct", &JsValue::NULL);
    fakeCifAutoResolve("canCreateSession", &JsValue::TRUE);
    fakeCifAutoResolve("createSession", &text("session-1"));
    fakeCifAutoResolve("createTab", &text("tab-1"));
    fakeCifAutoResolve("renderSearchPage", &JsValue::NULL);
    fakeCifAutoResolve("cancelEvent", &text("ok"));
    prepare();
    let config = Config {
        ccp_url: Some(CCP.to_owned()),
        ..Config::default()
    };
    let shell = Shell::start_with(config, vec![layers::defaults()], vec![], options(name, "")).expect("starts");
    fakeConnectInitAgent();
    fakeCifFireInitDone();
    settle().await;
    shell
}
