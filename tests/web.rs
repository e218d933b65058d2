//! Browser tests of the shell's own mechanics: start-up order, refusing bad CCP URLs, callback ownership and
//! release, adapters that copy JS values without judging them. They hold whatever the core decides.
//!
//! All tests in this file share one page: each installs fresh doubles and uses its own root and storage key.

#![cfg(target_arch = "wasm32")]
#![allow(clippy::expect_used)] // a test that cannot set up its page should fail loudly

#[path = "doubles/mod.rs"]
mod doubles;

use bridge_core::{CifCall, CifOutcome, Config, ConfigSource, ContactEventKind};
use connect_cif_bridge::streams::Reading;
use connect_cif_bridge::{cif, convert, layers, streams, CifLibrary, Shell};
use doubles::*;
use serde_json::{json, Value};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn test_config() -> Config {
    Config {
        ccp_url: Some(CCP.to_owned()),
        ..Config::default()
    }
}

fn start(name: &str) -> Shell {
    Shell::start_with(test_config(), vec![layers::defaults()], Vec::new(), options(name, "")).expect("shell starts")
}

/// CIF comes up with no Custom Parameters: the CCP, which waited for them, starts.
async fn cif_up() {
    fakeCifAutoResolve("getEnvironment", &text("{}"));
    fakeCifFireInitDone();
    settle().await;
}

// ---- (a) no CIF call before CIFInitDone; then getEnvironment first ------------------------------------------

#[wasm_bindgen_test]
async fn no_cif_call_before_cif_init_done_and_get_environment_comes_first() {
    install_doubles();
    fakeCifAutoResolve("getEnvironment", &text("{}"));
    let shell = start("init-order");
    fakeConnectInitAgent();
    assert!(fakeConnectAddContact(&voice_contact("c-early", "SingleMatch")));
    assert!(fakeConnectFire("c-early", "connecting"));
    settle().await;
    assert_eq!(cif_methods(), Vec::<String>::new(), "no CIF call before CIFInitDone");
    assert_eq!(shell.page().status().0, "connecting…");

    fakeCifFireInitDone();
    settle().await;
    let methods = cif_methods();
    assert_eq!(
        methods.first().map(String::as_str),
        Some("getEnvironment"),
        "calls: {methods:?}"
    );
    let handlers: Vec<_> = cif_calls()
        .into_iter()
        .filter(|c| c["method"] == "addHandler")
        .map(|c| c["args"][0].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        handlers,
        [
            "onSessionSwitched",
            "onSessionClosed",
            "onclicktoact",
            "onPresenceChange"
        ]
    );
    assert!(methods.contains(&"setClickToAct".to_owned()), "calls: {methods:?}");
    assert_eq!(shell.page().status().0, "connected");
    drop(shell);
}

#[wasm_bindgen_test]
async fn cif_that_never_initialises_is_reported_and_not_waited_for_forever() {
    install_doubles();
    let config = Config {
        cif_init_timeout_ms: 30,
        ..test_config()
    };
    let shell = Shell::start_with(config, vec![], vec![], options("cif-timeout", "")).expect("starts");
    settle().await;
    settle().await;
    let (dynamics, _) = shell.page().status();
    assert!(dynamics.starts_with("not connected"), "status: {dynamics}");
    assert!(dynamics.contains("CIFInitDone"), "status: {dynamics}");
    assert!(cif_methods().is_empty());
    // The CCP was loaded regardless.
    assert_eq!(connect_calls_named("initCCP").len(), 1);
}

#[wasm_bindgen_test]
async fn without_a_cif_library_the_page_says_dynamics_is_not_connected_at_once() {
    install_doubles();
    let mut opts = options("no-ucilib", "");
    opts.cif_library = CifLibrary::FromConfig;
    let shell = Shell::start_with(test_config(), vec![], vec![], opts).expect("starts");
    assert!(shell.page().status().0.starts_with("not connected"));
    assert_eq!(connect_calls_named("initCCP").len(), 1);
}

// ---- (b) hostile CCP URLs never reach initCCP ------------------------------------------------------------

#[wasm_bindgen_test]
async fn http_and_javascript_ccp_urls_are_refused_with_a_clear_error() {
    for (name, query) in [
        ("evil-http", "?ccpUrl=http%3A%2F%2Fevil.example%2Fccp-v2%2F"),
        ("javascript", "?ccpUrl=javascript%3Aalert(1)"),
        ("missing", "?region=us-east-1"),
    ] {
        install_doubles();
        let mut opts = options(name, query);
        opts.cif_library = CifLibrary::FromConfig;
        let shell = Shell::launch(opts).await.expect("the page starts even so");
        assert_eq!(
            connect_calls_named("initCCP").len(),
            0,
            "{name}: initCCP must not be called"
        );
        let errors = shell.page().errors();
        assert!(errors.iter().any(|e| e.contains("ccpUrl")), "{name}: errors {errors:?}");
        assert!(
            shell.page().status().1.starts_with("failed"),
            "{name}: {:?}",
            shell.page().status()
        );
    }
}

#[wasm_bindgen_test]
async fn a_valid_ccp_url_reaches_init_ccp_with_the_softphone_options() {
    install_doubles();
    let _shell = start("init-ccp");
    assert!(
        connect_calls_named("initCCP").is_empty(),
        "the CCP waits for Custom Parameters"
    );
    cif_up().await;
    let calls = connect_calls_named("initCCP");
    assert_eq!(calls.len(), 1);
    let params = &calls[0]["params"];
    assert_eq!(params["ccpUrl"], CCP);
    assert_eq!(params["softphone"]["allowFramedSoftphone"], true);
    assert!(params["loginPopup"].is_boolean());
    assert_eq!(calls[0]["hasContainer"], true);
}

// ---- (h) ownership: zero closures per contact, everything released ----------------------------------------

#[wasm_bindgen_test]
async fn a_hundred_contacts_leave_no_live_subscription_and_dropping_leaves_no_handler() {
    install_doubles();
    let shell = start("hundred");
    cif_up().await;
    fakeConnectInitAgent();
    let global = fakeConnectLiveSubscriptions();
    for i in 0..100 {
        let id = format!("c-{i}");
        assert!(fakeConnectAddContact(&voice_contact(&id, "NoMatch")));
        if i == 0 {
            assert_eq!(
                fakeConnectLiveContactSubscriptions(),
                11,
                "one subscription per event kind"
            );
        }
        assert!(fakeConnectFire(&id, "connecting"));
        assert!(fakeConnectFire(&id, "refresh"));
        fakeConnectSetState(&id, "ended");
        assert!(fakeConnectFire(&id, "ended"));
        assert!(fakeConnectRemove(&id));
    }
    assert_eq!(fakeConnectLiveContactSubscriptions(), 0);
    assert_eq!(shell.driver().tracked_contacts(), 0);
    assert_eq!(fakeConnectLiveSubscriptions(), global);
    assert_eq!(fakeConnectHandlerThrows(), 0);

    fakeCifFireInitDone();
    settle().await;
    assert_eq!(fakeCifLiveHandlers(), 4);
    drop(shell);
    assert_eq!(
        fakeCifLiveHandlers(),
        0,
        "every addHandler undone with the identical function"
    );
    assert_eq!(
        fakeConnectLiveSubscriptions(),
        0,
        "connect.contact, connect.agent, core events unsubscribed"
    );
}

#[wasm_bindgen_test]
async fn a_contact_seen_at_start_up_and_again_by_connect_contact_is_subscribed_once() {
    install_doubles();
    let shell = start("late-start");
    cif_up().await;
    fakeConnectPreloadContact(&voice_contact("c-late", "SingleMatch"));
    fakeConnectInitAgent(); // connect.agent → getContacts() → Existing
    assert_eq!(fakeConnectLiveContactSubscriptions(), 11);
    assert!(fakeConnectFire("c-late", "refresh"));
    assert_eq!(shell.driver().tracked_contacts(), 1);
    assert!(fakeConnectRemove("c-late"));
    assert_eq!(fakeConnectLiveContactSubscriptions(), 0);
}

/// Connect's list of the agent's contacts reaches the core whole (so a contact remembered from before a reload
/// that it leaves out is released at once), and never when one of its ids could not be read.
#[wasm_bindgen_test]
async fn connects_list_of_contacts_reaches_the_core_only_when_every_id_was_read() {
    install_doubles();
    let shell = start("listed");
    cif_up().await;
    fakeConnectPreloadContact(&voice_contact("c-listed", "SingleMatch"));
    fakeConnectInitAgent();
    assert!(
        shell.driver().export_trace().contains("Connect lists 1 contacts"),
        "{}",
        shell.driver().export_trace()
    );
    drop(shell);

    install_doubles();
    let shell = start("listed-unreadable");
    cif_up().await;
    fakeConnectPreloadContact(&voice_contact("c-readable", "SingleMatch"));
    let unreadable = json!({"contactId": "c-unreadable", "type": "voice", "state": "connecting", "idThrows": true,
                            "attributes": {}});
    fakeConnectPreloadContact(&js(&unreadable.to_string()));
    fakeConnectInitAgent();
    assert_eq!(
        shell.driver().tracked_contacts(),
        1,
        "the readable one is still delivered"
    );
    assert!(
        !shell.driver().export_trace().contains("Connect lists"),
        "{}",
        shell.driver().export_trace()
    );
}

#[wasm_bindgen_test]
async fn the_agent_callback_runs_synchronously_when_agent_data_already_exists() {
    install_doubles();
    fakeConnectInitAgent(); // before the shell subscribes, as after a fast CCP
    fakeConnectPreloadContact(&voice_contact("c-sync", "SingleMatch"));
    let shell = start("agent-sync");
    cif_up().await;
    assert_eq!(shell.driver().tracked_contacts(), 1);
    assert!(fakeConnectAgentStateChange("Offline", "offline"));
    drop(shell);
    assert_eq!(fakeConnectLiveSubscriptions(), 0);
}

#[wasm_bindgen_test]
fn the_agent_state_read_outside_an_event_is_the_one_on_state_change_reports() {
    install_doubles();
    fakeConnectInitAgent();
    assert!(fakeConnectAgentStateChange("Busy", "system"));
    let agent = connect_cif_bridge::sys::streams::Agent::new().expect("connect.Agent");
    // At start-up and on onClearedNextState there is no payload: the agent is on a call (Busy), although the
    // state the agent chose (getAvailabilityState) is still Available.
    let read = streams::agent_event(&JsValue::UNDEFINED, Some(&agent)).expect("a state");
    assert_eq!((read.state_name.as_str(), read.state_type.as_str()), ("Busy", "system"));
}

// ---- getters that throw never escape a Streams callback ---------------------------------------------------

#[wasm_bindgen_test]
async fn a_task_without_taskjs_and_a_vanished_contact_never_throw_out_of_a_callback() {
    install_doubles();
    let _shell = start("throwing-getters");
    let task = json!({"contactId": "t-1", "type": "task", "state": "connecting", "name": "Call back Jane",
                      "withoutTaskJs": true, "attributes": {}});
    assert!(fakeConnectAddContact(&js(&task.to_string())));
    assert!(fakeConnectFire("t-1", "connecting"));
    // A live view fired after the contact is gone: every getter throws "no longer exists".
    assert!(fakeConnectAddContact(&voice_contact("c-gone", "SingleMatch")));
    assert!(fakeConnectRemove("c-gone"));
    assert!(fakeConnectFire("c-gone", "refresh"));
    assert_eq!(fakeConnectHandlerThrows(), 0);
}

#[wasm_bindgen_test]
fn snapshots_copy_getters_and_throwing_getters_become_none() {
    install_doubles();
    assert!(fakeConnectAddContact(&voice_contact("c-snap", "SingleMatch")));
    let view = connect_cif_bridge::sys::streams::Contact::new("c-snap").expect("connect.Contact");
    let snap = streams::read_snapshot(&view, "c-snap", Reading::Full).expect("a known contact");
    assert_eq!(snap.channel, "voice");
    assert_eq!(snap.state, "connecting");
    assert_eq!(snap.inbound, Some(true));
    assert_eq!(snap.queue_name.as_deref(), Some("BasicQueue"));
    assert_eq!(snap.phone_number.as_deref(), Some("+15555550100"));
    assert_eq!(snap.attributes["LookupSatus"]["value"], "SingleMatch");

    let task = json!({"contactId": "t-snap", "type": "task", "state": "connected", "name": "Jane's task",
                      "withoutTaskJs": true, "attributes": {"x": {"name": "x", "value": "1"}}});
    fakeConnectPreloadContact(&js(&task.to_string()));
    let view = connect_cif_bridge::sys::streams::Contact::new("t-snap").expect("connect.Contact");
    let snap = streams::read_snapshot(&view, "t-snap", Reading::Full).expect("a known contact");
    assert_eq!(
        snap.inbound,
        Some(true),
        "read from the snapshot's data: no task connection is built, so no TaskJS is needed"
    );
    assert_eq!(snap.customer_name.as_deref(), Some("Jane's task"));
    let task = json!({"contactId": "t-old", "type": "task", "state": "connected", "name": "Jane's task",
                      "withoutTaskJs": true, "snapshotWithoutConnections": true, "attributes": {}});
    fakeConnectPreloadContact(&js(&task.to_string()));
    let view = connect_cif_bridge::sys::streams::Contact::new("t-old").expect("connect.Contact");
    let snap = streams::read_snapshot(&view, "t-old", Reading::Full).expect("a known contact");
    assert_eq!(
        snap.inbound, None,
        "a Streams without connection data: its own isInbound threw, None, not a crash"
    );
    console_errors_taken();

    let chat = json!({"contactId": "chat-1", "type": "chat", "state": "connecting", "customerName": "Ana",
                      "attributes": {}});
    fakeConnectPreloadContact(&js(&chat.to_string()));
    let view = connect_cif_bridge::sys::streams::Contact::new("chat-1").expect("connect.Contact");
    assert_eq!(
        streams::read_snapshot(&view, "chat-1", Reading::Full)
            .and_then(|s| s.customer_name)
            .as_deref(),
        Some("Ana")
    );

    assert!(fakeConnectRemove("c-snap"));
    let gone = connect_cif_bridge::sys::streams::Contact::new("c-snap").expect("connect.Contact");
    assert_eq!(streams::read_snapshot(&gone, "c-snap", Reading::Full), None);
    let event = streams::read_event(&gone.into(), ContactEventKind::Refresh).expect("the id is still readable");
    assert_eq!(event.snapshot, None);
}

#[wasm_bindgen_test]
fn half_an_emoji_costs_that_character_not_the_contact_or_the_value() {
    install_doubles();
    // A lone UTF-16 surrogate ('😀'.slice(0, 1)) in the chat's display name and in an attribute, and a valid
    // emoji that the helper's 8,192-unit attribute cut would split: JSON.parse of `\ud83d` makes one in JS.
    let long = format!("{}\\ud83d\\ude00 thanks", "a".repeat(8191));
    let chat = format!(
        r#"{{"contactId": "chat-half", "type": "chat", "state": "connecting", "customerName": "Zo\u00eb \ud83d",
            "attributes": {{"CallReason": {{"name": "CallReason", "value": "help \ud83d"}},
                           "Long": {{"name": "Long", "value": "{long}"}},
                           "\udc00key": {{"name": "k", "value": "v"}}}}}}"#
    );
    fakeConnectPreloadContact(&js(&chat));
    let view = connect_cif_bridge::sys::streams::Contact::new("chat-half").expect("connect.Contact");
    let snap = streams::read_snapshot(&view, "chat-half", Reading::Full).expect("the contact is read");
    assert_eq!(snap.customer_name.as_deref(), Some("Zoë \u{fffd}"));
    assert_eq!(snap.attributes["CallReason"]["value"], "help \u{fffd}");
    let cut = snap.attributes["Long"]["value"].as_str().expect("a string");
    assert_eq!(
        (cut.len(), cut.ends_with('a')),
        (8191, true),
        "cut before the pair, not inside it"
    );
    assert_eq!(snap.attributes["\u{fffd}key"]["value"], "v");

    let value = js(r#"{"message": "bad \ud83d", "nested": ["\ude00"]}"#);
    assert_eq!(
        convert::to_json(&value),
        json!({"message": "bad \u{fffd}", "nested": ["\u{fffd}"]})
    );
}

/// Connect allows 32 KB of attributes, room for hundreds of short ones before the flow's slug fields: they all
/// reach the core. A map beyond the helper's bounds is cut, and the cut is reported with the contact's name.
#[wasm_bindgen_test]
fn slug_fields_after_hundreds_of_short_attributes_arrive_and_a_cut_is_reported() {
    install_doubles();
    console_errors_taken();
    let mut attributes = serde_json::Map::new();
    for i in 0..600 {
        attributes.insert(format!("ivr_{i}"), json!({"name": format!("ivr_{i}"), "value": "x"}));
    }
    attributes.insert(
        "LookupSatus".into(),
        json!({"name": "LookupSatus", "value": "SingleMatch"}),
    );
    let data = json!({"contactId": "c-many", "type": "voice", "state": "connecting", "attributes": attributes});
    assert!(fakeConnectAddContact(&js(&data.to_string())));
    let view = connect_cif_bridge::sys::streams::Contact::new("c-many").expect("connect.Contact");
    let snap = streams::read_snapshot(&view, "c-many", Reading::Full).expect("the contact is read");
    assert_eq!(snap.attributes["LookupSatus"]["value"], "SingleMatch");
    assert_eq!(console_errors_taken(), Vec::<String>::new());

    for i in 600..12_000 {
        attributes.insert(format!("ivr_{i}"), json!({"name": format!("ivr_{i}"), "value": "x"}));
    }
    let data = json!({"contactId": "c-huge", "type": "voice", "state": "connecting", "attributes": attributes});
    assert!(fakeConnectAddContact(&js(&data.to_string())));
    let view = connect_cif_bridge::sys::streams::Contact::new("c-huge").expect("connect.Contact");
    let mut last = None;
    let snap = streams::read_changes(&view, "c-huge", Reading::Full, &mut last).expect("read");
    assert_eq!(snap.attributes.as_object().map(serde_json::Map::len), Some(10_000));
    let errors = console_errors_taken();
    assert!(
        errors.len() == 1 && errors[0].contains("c-huge") && errors[0].contains("getAttributes()"),
        "{errors:?}"
    );
    assert_eq!(streams::read_changes(&view, "c-huge", Reading::Full, &mut last), None);
    assert_eq!(
        console_errors_taken(),
        Vec::<String>::new(),
        "an unchanged map is not reported again"
    );
}

/// `connect.ContactSnapshot` of `data`, as Streams hands to `onEnded`/`onDestroy` of a contact it dropped.
fn contact_snapshot(data: &Value) -> JsValue {
    let connect = js_sys::Reflect::get(&js_sys::global(), &"connect".into()).expect("connect");
    let class: js_sys::Function = js_sys::Reflect::get(&connect, &"ContactSnapshot".into())
        .expect("connect.ContactSnapshot")
        .into();
    js_sys::Reflect::construct(&class, &js_sys::Array::of1(&js(&data.to_string()))).expect("a snapshot")
}

#[wasm_bindgen_test]
fn a_departing_contact_is_read_from_its_own_data_without_touching_its_gone_connections() {
    install_doubles();
    console_errors_taken();
    let data = json!({"contactId": "c-left", "type": "voice", "state": "ended", "phoneNumber": "+15555550100",
                      "queue": {"name": "BasicQueue"}, "attributes": {"LookupSatus": {"name": "LookupSatus", "value": "NoMatch"}}});
    assert!(fakeConnectAddContact(&js(&data.to_string())));
    assert!(fakeConnectRemove("c-left"));
    let snapshot = contact_snapshot(&data);

    let own = streams::read_snapshot(snapshot.unchecked_ref(), "c-left", Reading::OwnData).expect("own data survives");
    assert_eq!((own.channel.as_str(), own.state.as_str()), ("voice", "ended"));
    assert_eq!(own.queue_name.as_deref(), Some("BasicQueue"));
    assert_eq!(own.attributes["LookupSatus"]["value"], "NoMatch");
    assert_eq!(
        (own.inbound, own.phone_number),
        (None, None),
        "connections are not read"
    );
    assert_eq!(
        console_errors_taken(),
        Vec::<String>::new(),
        "nothing to report for a contact that left"
    );
    assert_eq!(
        Reading::for_event(ContactEventKind::Destroyed),
        Reading::OwnData,
        "onEnded/onDestroy read own data only"
    );
    assert_eq!(Reading::for_event(ContactEventKind::Ended), Reading::OwnData);
    assert_eq!(Reading::for_event(ContactEventKind::Connecting), Reading::Full);

    // Its connections, had they been asked for, come from the snapshot's own data: nothing is built, nothing
    // throws.
    let full = streams::read_snapshot(snapshot.unchecked_ref(), "c-left", Reading::Full).expect("own data");
    assert_eq!(
        (full.inbound, full.phone_number.as_deref()),
        (Some(true), Some("+15555550100"))
    );
    assert_eq!(console_errors_taken(), Vec::<String>::new());

    // A Streams whose snapshot holds no connection data gets its own getters, which Streams punishes on a
    // departed contact: each throw is reported. The helper (src/js/helpers.js, contact part) catches them in
    // JS, so no `catch` import throws and no externref slot is leaked (with wasm-bindgen 0.2.129 a throwing
    // `catch` import never frees its return slot).
    let mut older = data.clone();
    older["snapshotWithoutConnections"] = json!(true);
    let snapshot = contact_snapshot(&older);
    let baseline = wasm_bindgen::externref_heap_live_count();
    let full = streams::read_snapshot(snapshot.unchecked_ref(), "c-left", Reading::Full).expect("own data");
    assert_eq!((full.inbound, full.phone_number), (None, None));
    assert_eq!(
        console_errors_taken().len(),
        2,
        "isInbound and getConnections threw (the initial and the agent's connection come from one list)"
    );
    assert_eq!(
        wasm_bindgen::externref_heap_live_count(),
        baseline,
        "reading a departed contact's connections holds no JS value"
    );
}

#[wasm_bindgen_test]
fn an_unchanged_contact_is_not_read_again_and_a_changed_one_only_for_what_changed() {
    install_doubles();
    assert!(fakeConnectAddContact(&voice_contact("c-again", "SingleMatch")));
    let view = connect_cif_bridge::sys::streams::Contact::new("c-again").expect("connect.Contact");
    let mut last = None;
    let builds = fakeConnectLiveConnectionBuilds();
    let first = streams::read_changes(&view, "c-again", Reading::Full, &mut last).expect("first sight: all of it");
    assert_eq!(first.phone_number.as_deref(), Some("+15555550100"));
    assert_eq!(
        fakeConnectLiveConnectionBuilds(),
        builds,
        "connections read as the snapshot's data: none built (each would start a media controller in Streams)"
    );
    assert_eq!(
        streams::read_changes(&view, "c-again", Reading::Full, &mut last),
        None,
        "same state, same attributes: nothing new"
    );
    fakeConnectSetAttribute("c-again", "LookupSatus", "NoMatch");
    let brief = streams::read_changes(&view, "c-again", Reading::Full, &mut last).expect("the attributes changed");
    assert_eq!(brief.attributes["LookupSatus"]["value"], "NoMatch");
    assert_eq!(
        (brief.state.as_str(), brief.phone_number),
        ("connecting", None),
        "only what a refresh reads"
    );
    let reads = fakeConnectConnectionReads();
    fakeConnectSetState("c-again", "connected");
    let full = streams::read_changes(&view, "c-again", Reading::Full, &mut last).expect("a new state");
    assert_eq!(
        (full.state.as_str(), full.phone_number, full.inbound),
        ("connected", None, None),
        "the connections were read at first sight: the core keeps what they told"
    );
    assert_eq!(full.attributes["LookupSatus"]["value"], "NoMatch");
    assert_eq!(
        fakeConnectConnectionReads(),
        reads,
        "no connection getter on a state change"
    );
}

#[wasm_bindgen_test]
fn the_direction_read_from_snapshot_data_follows_streams_is_inbound() {
    install_doubles();
    let inbound = |contact: Value| {
        let id = contact["contactId"].as_str().unwrap_or_default().to_owned();
        fakeConnectPreloadContact(&js(&contact.to_string()));
        let view = connect_cif_bridge::sys::streams::Contact::new(&id).expect("connect.Contact");
        streams::read_snapshot(&view, &id, Reading::Full).and_then(|s| s.inbound)
    };
    let builds = fakeConnectLiveConnectionBuilds();
    // A call: the initial connection's type.
    assert_eq!(
        inbound(json!({"contactId": "v-in", "type": "voice", "state": "connecting"})),
        Some(true)
    );
    assert_eq!(
        inbound(
            json!({"contactId": "v-out", "type": "voice", "state": "connecting", "inbound": false,
                       "initiationMethod": "outbound"})
        ),
        Some(false)
    );
    // A campaign preview, a task and an email: the initiation method, whatever the initial connection says.
    assert_eq!(
        inbound(
            json!({"contactId": "v-preview", "type": "voice", "state": "connecting", "inbound": false,
                       "initiationMethod": "campaign_preview"})
        ),
        Some(true)
    );
    assert_eq!(
        inbound(
            json!({"contactId": "t-out", "type": "task", "state": "connecting", "withoutTaskJs": true,
                       "initiationMethod": "outbound"})
        ),
        Some(false)
    );
    assert_eq!(
        inbound(
            json!({"contactId": "e-in", "type": "email", "state": "connecting", "inbound": false,
                       "initiationMethod": "inbound"})
        ),
        Some(true)
    );
    assert_eq!(
        fakeConnectLiveConnectionBuilds(),
        builds,
        "no connection object was built"
    );
    assert_eq!(console_errors_taken(), Vec::<String>::new());
}

#[wasm_bindgen_test]
fn the_connection_the_agent_holds_is_copied_so_a_monitored_call_is_known() {
    install_doubles();
    assert!(fakeConnectAddContact(&voice_contact("c-own", "SingleMatch")));
    assert!(fakeConnectAddContact(&voice_contact("c-monitored", "SingleMatch")));
    fakeConnectSetMonitoring("c-monitored");
    let read = |id: &str| {
        let view = connect_cif_bridge::sys::streams::Contact::new(id).expect("connect.Contact");
        streams::read_changes(&view, id, Reading::Full, &mut None).expect("first sight")
    };
    assert_eq!(read("c-own").agent_connection_type.as_deref(), Some("agent"));
    assert_eq!(read("c-monitored").agent_connection_type.as_deref(), Some("monitoring"));
}

#[wasm_bindgen_test]
fn connections_are_read_again_on_a_state_change_until_a_read_got_them() {
    install_doubles();
    assert!(fakeConnectAddContact(&voice_contact("c-late-number", "SingleMatch")));
    fakeConnectSetPhoneNumber("c-late-number", None);
    let view = connect_cif_bridge::sys::streams::Contact::new("c-late-number").expect("connect.Contact");
    let mut last = None;
    let first = streams::read_changes(&view, "c-late-number", Reading::Full, &mut last).expect("first sight");
    assert_eq!((first.inbound, first.phone_number), (Some(true), None));
    fakeConnectSetPhoneNumber("c-late-number", Some("+15555550123".into()));
    fakeConnectSetState("c-late-number", "connected");
    let second = streams::read_changes(&view, "c-late-number", Reading::Full, &mut last).expect("a new state");
    assert_eq!(
        second.phone_number.as_deref(),
        Some("+15555550123"),
        "the number is asked again"
    );
    let reads = fakeConnectConnectionReads();
    fakeConnectSetState("c-late-number", "ended");
    let third = streams::read_changes(&view, "c-late-number", Reading::Full, &mut last).expect("a new state");
    assert_eq!(third.phone_number, None);
    assert_eq!(fakeConnectConnectionReads(), reads, "complete now: not read again");
}

// ---- CIF results are copied, not judged -------------------------------------------------------------------

/// A CIF promise settled as the driver's bound callbacks settle it (`cif::resolved` / `cif::rejected`).
async fn settle_cif(promise: js_sys::Promise) -> CifOutcome {
    match wasm_bindgen_futures::JsFuture::from(promise).await {
        Ok(value) => cif::resolved(&value),
        Err(reason) => cif::rejected(&reason),
    }
}

#[wasm_bindgen_test]
async fn resolved_json_strings_stay_strings_and_objects_stay_objects() {
    let s = settle_cif(js_sys::Promise::resolve(&text("{\"actionName\":\"Accept\"}"))).await;
    assert_eq!(
        s,
        CifOutcome::Resolved(Value::String("{\"actionName\":\"Accept\"}".into()))
    );
    let o = settle_cif(js_sys::Promise::resolve(&js("{\"actionName\":\"Accept\"}"))).await;
    assert_eq!(o, CifOutcome::Resolved(json!({"actionName": "Accept"})));
    let r = settle_cif(js_sys::Promise::reject(&js("{\"message\":\"RejectAfterClientError\"}"))).await;
    assert_eq!(r, CifOutcome::Rejected(json!({"message": "RejectAfterClientError"})));
    let u = settle_cif(js_sys::Promise::resolve(&JsValue::UNDEFINED)).await;
    assert_eq!(u, CifOutcome::Resolved(Value::Null));
    assert_eq!(convert::to_json(&JsValue::from_f64(3.0)), json!(3));
}

#[wasm_bindgen_test]
async fn rejections_and_results_in_every_js_shape_reach_the_core_faithfully() {
    // CIF's own time limit arrives as a Map: JSON.stringify alone made it `{}`.
    let r = settle_cif(js_sys::Promise::reject(&fakeCifShape("time-limit-map"))).await;
    assert_eq!(
        r,
        CifOutcome::Rejected(json!({
            "message": "Timeout occurred as no response was received from listener window",
            "msdyn_name": "CreateSession"
        }))
    );
    let e = settle_cif(js_sys::Promise::reject(&fakeCifShape("error"))).await;
    assert_eq!(
        e,
        CifOutcome::Rejected(json!({"name": "Error", "message": "RejectAfterClientError", "msdyn_name": "CreateTab"}))
    );
    assert_eq!(
        convert::to_json(&fakeCifShape("nested")),
        json!({"outer": {"inner": {"1": ["a", "b"]}}, "n": null})
    );
    // `undefined` is absent, as in JSON; `null` stays.
    assert_eq!(
        convert::to_json(&fakeCifShape("undefined-fields")),
        json!({"sessionId": "s-1", "focussed": true, "context": {"kept": null}})
    );
    let cycle = convert::to_json(&fakeCifShape("cycle"));
    assert_eq!(cycle["self"], json!("[cycle]"), "{cycle}");
    let session = convert::to_json(&fakeCifSessionMap("s-1", "c-1"));
    assert_eq!(session["context"]["templateParameters"]["contactId"], "c-1");
    assert_eq!(session["isFocused"], true);
}

#[wasm_bindgen_test]
async fn a_cif_call_without_the_library_is_a_threw_outcome_not_a_crash() {
    doubles::fakeCifUninstall();
    let outcome = cif::invoke(&CifCall::CanCreateSession, "corr-1").err();
    assert!(matches!(outcome, Some(CifOutcome::Threw(_))), "{outcome:?}");
}

#[wasm_bindgen_test]
async fn every_cif_call_carries_the_correlation_id() {
    install_doubles();
    let call = CifCall::NotifyEvent {
        template_name: "extn_voice_notification".into(),
        template_parameters: serde_json::Map::from_iter([("contactId".to_owned(), json!("c-1"))]),
        cancellation_token: "tok-1".into(),
    };
    let _pending = cif::invoke(&call, "corr-c-1").expect("called");
    let _ = cif::invoke(
        &CifCall::RenderSearchPage {
            entity_name: "contact".into(),
            search_string: "x".into(),
        },
        "corr-2",
    );
    let calls = cif_calls();
    assert_eq!(calls[0]["method"], "notifyEvent");
    assert_eq!(calls[0]["args"][0]["templateName"], "extn_voice_notification");
    assert_eq!(calls[0]["args"][0]["templateParameters"]["contactId"], "c-1");
    assert_eq!(calls[0]["args"][0]["cancellationToken"], "tok-1");
    assert_eq!(calls[0]["args"][1], "corr-c-1");
    assert_eq!(calls[1]["args"], json!(["contact", "x", "corr-2"]));
}

// ---- configuration layers ---------------------------------------------------------------------------------

#[wasm_bindgen_test]
fn query_parameters_become_a_url_layer_of_strings() {
    let layer = layers::from_query("?ccpUrl=https%3A%2F%2Fa.my.connect.aws%2Fccp-v2%2F&region=eu-west-2&region=x");
    assert_eq!(layer.source, ConfigSource::Url);
    assert_eq!(layer.values["ccpUrl"], "https://a.my.connect.aws/ccp-v2/");
    assert_eq!(layer.values["region"], "eu-west-2", "the first of a repeated key wins");
}

#[wasm_bindgen_test]
async fn custom_parameters_from_get_environment_are_applied_before_ready() {
    install_doubles();
    fakeCifAutoResolve(
        "getEnvironment",
        &text(&json!({"customParams": "{\"region\":\"eu-west-2\"}"}).to_string()),
    );
    let shell = start("custom-params");
    fakeCifFireInitDone();
    settle().await;
    assert_eq!(shell.config().region.as_deref(), Some("eu-west-2"));
    assert_eq!(
        shell.driver().inspect(|b| b.config().region.clone()).as_deref(),
        Some("eu-west-2")
    );
}

#[wasm_bindgen_test]
async fn ccp_url_from_custom_parameters_loads_the_ccp_after_cif_init() {
    install_doubles();
    fakeCifAutoResolve(
        "getEnvironment",
        &js(&json!({"customParams": format!("{{\"ccpUrl\":\"{CCP}\"}}")}).to_string()),
    );
    let shell = Shell::start_with(
        Config::default(),
        vec![layers::defaults()],
        vec![],
        options("ccp-from-env", ""),
    )
    .expect("starts");
    assert_eq!(connect_calls_named("initCCP").len(), 0, "waits for Custom Parameters");
    assert!(shell.page().status().1.starts_with("waiting"));
    fakeCifFireInitDone();
    settle().await;
    let calls = connect_calls_named("initCCP");
    assert_eq!(calls.len(), 1, "{:?}", shell.page().errors());
    assert_eq!(calls[0]["params"]["ccpUrl"], CCP);
}

// ---- page -------------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn ccp_lifecycle_events_drive_the_status_line() {
    install_doubles();
    let shell = start("ccp-status");
    assert_eq!(shell.page().status().1, "loading…");
    cif_up().await;
    assert_eq!(shell.page().status().1, "loading…");
    assert!(fakeConnectFireCore("init"));
    assert_eq!(shell.page().status().1, "ready");
    assert!(fakeConnectFireCore("authfail"));
    assert!(shell.page().status().1.contains("not signed in"));
    // `terminated` (on Streams' page bus) names the ended session too.
    assert!(fakeConnectFireCore("init"));
    assert!(fakeConnectFireCore("terminated"));
    assert!(shell
        .page()
        .status()
        .1
        .starts_with("failed: the Amazon Connect session ended"));
}

#[wasm_bindgen_test]
fn page_text_is_text_not_markup() {
    let page = connect_cif_bridge::page::Page::attach(&fresh_root()).expect("page");
    page.show_error("<img src=x onerror=alert(1)>");
    assert_eq!(page.errors(), ["<img src=x onerror=alert(1)>"]);
    for i in 0..30 {
        page.show_notice(&format!("n{i}"), "info");
    }
    assert_eq!(page.notices().len(), 20, "notices are bounded");
}

// ---- memory: nothing is held for promises the core stopped waiting for, or for contacts that left ----------

#[wasm_bindgen_test]
async fn abandoned_contacts_leave_nothing_awaiting_their_unsettled_notification() {
    install_doubles();
    fakeCifAutoResolve("getEnvironment", &text("{}"));
    fakeCifAutoResolve("setClickToAct", &JsValue::NULL);
    fakeCifAutoResolve("cancelEvent", &JsValue::NULL);
    // The preflight's template lookups are answered (none found: warnings, not errors), so nothing stays awaited.
    fakeCifAutoResolve("searchAndOpenRecords", &text("[]"));
    let shell = start("forget");
    fakeConnectInitAgent();
    fakeCifFireInitDone();
    settle().await;
    console_errors_taken();
    let pending = shell.driver().inspect(|b| b.debug_counts().cif_pending);
    let held = wasm_bindgen::externref_heap_live_count();
    for i in 0..20 {
        let id = format!("abandoned-{i}");
        assert!(fakeConnectAddContact(&voice_contact(&id, "NoMatch")));
        assert!(fakeConnectFire(&id, "connecting"));
    }
    settle().await;
    let notified = cif_methods().iter().filter(|m| *m == "notifyEvent").count();
    assert_eq!(notified, 20);
    assert_eq!(
        shell.driver().inspect(|b| b.debug_counts().cif_pending),
        pending + 20,
        "the core waits for each notifyEvent"
    );
    for i in 0..20 {
        let id = format!("abandoned-{i}");
        fakeConnectSetState(&id, "missed");
        assert!(fakeConnectFire(&id, "missed"));
        assert!(fakeConnectRemove(&id));
    }
    settle().await;
    // Dynamics never settles those notifyEvent promises (cancelled): the core stopped waiting for them, and the
    // shell holds nothing per request (no JsFuture, whose closures would live until the promise settles), so no
    // JS value stays held for them.
    assert_eq!(shell.driver().inspect(|b| b.debug_counts().cif_pending), 0);
    assert_eq!(
        wasm_bindgen::externref_heap_live_count(),
        held,
        "no JS value held for contacts that came and went"
    );
    assert_eq!(
        console_errors_taken(),
        Vec::<String>::new(),
        "leaving contacts log nothing"
    );
    // A settlement that comes after all (Dynamics answering a withdrawn notification) reaches the core, which
    // ignores it: the request is no longer pending.
    let first = fakeCifIndexOf("notifyEvent", 0);
    assert!(first >= 0);
    fakeCifResolve(
        first as u32,
        &text(r#"{"actionName":"Accept","responseReason":"late"}"#),
    );
    settle().await;
    assert_eq!(shell.driver().inspect(|b| b.debug_counts().cif_pending), 0);
    assert!(
        !cif_methods()
            .iter()
            .any(|m| m == "createSession" || m == "canCreateSession"),
        "no pop for a contact that left"
    );
    assert!(
        shell.driver().export_trace().contains("reply.ignored"),
        "the late settlement reached the core and was ignored"
    );
    assert_eq!(
        wasm_bindgen::externref_heap_live_count(),
        held,
        "nothing held after the late settlement either"
    );
}

/// The wall clock stepped back during the day (time sync, a VM host) must not stop the page's clock: every
/// deadline of the core is measured on it.
#[wasm_bindgen_test]
fn the_page_clock_does_not_follow_a_wall_clock_stepped_back() {
    let date = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("Date")).expect("Date");
    let real = js_sys::Reflect::get(&date, &JsValue::from_str("now")).expect("Date.now");
    let before = connect_cif_bridge::clock::now();
    let stepped = js_sys::Function::new_no_args("return 0;"); // the wall clock jumps to 1970
    js_sys::Reflect::set(&date, &JsValue::from_str("now"), &stepped).expect("step the clock");
    let start = js_sys::Date::new_0().get_time();
    while js_sys::Date::new_0().get_time() - start < 5.0 {} // 5 ms pass (Date's constructor is untouched)
    let after = connect_cif_bridge::clock::now();
    js_sys::Reflect::set(&date, &JsValue::from_str("now"), &real).expect("restore the clock");
    assert!(after.0 >= before.0 + 4, "{before:?} → {after:?}");
}
