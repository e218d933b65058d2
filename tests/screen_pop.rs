//! Browser tests of the whole loop — Streams double → shell → core → shell → CIF double — for the seed's
//! scenarios: the exact CIF call sequence, Accept in Dynamics, abandon, result and payload shapes.
//!
//! A separate file from `web.rs`, so these run on a fresh page.

#![cfg(target_arch = "wasm32")]
#![allow(clippy::expect_used)] // a test that cannot set up its page should fail loudly

#[path = "doubles/mod.rs"]
mod doubles;

use connect_cif_bridge::Shell;
use doubles::*;
use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const CUSTOMER: &str = "2f0c6a3e-8d7b-4f4e-9a51-0c1d2e3f4a5b";
const ACTIVITY: &str = "c4d5e6f7-0a1b-4c2d-8e3f-405162738495";

/// A shell past `CIFInitDone`, with CIF answering everything but `notifyEvent` at once.
async fn ready_shell(name: &str) -> Shell {
    ready_shell_with(name, || ()).await
}

/// A ringing inbound voice contact with the seed's attributes, delivered as Streams does.
async fn ring(id: &str, lookup: &str) {
    assert!(fakeConnectAddContact(&voice_contact(id, lookup)));
    assert!(fakeConnectFire(id, "connecting"));
    settle().await;
}

/// The index of the (single) notifyEvent call, asserting there is exactly one.
fn the_notification() -> u32 {
    let calls = cif_calls();
    let n: Vec<_> = calls
        .iter()
        .enumerate()
        .filter(|(_, c)| c["method"] == "notifyEvent")
        .collect();
    assert_eq!(n.len(), 1, "exactly one notifyEvent; calls: {:?}", cif_methods());
    n[0].0 as u32
}

async fn accept_toast(index: u32, answer: JsValue) {
    fakeCifResolve(index, &answer);
    settle().await;
    settle().await;
}

fn methods(calls: &[Value]) -> Vec<&str> {
    calls.iter().map(|c| c["method"].as_str().unwrap_or_default()).collect()
}

// ---- (c) + (d): the seed's single match voice contact -------------------------------------------------------

#[wasm_bindgen_test]
async fn single_match_voice_notifies_then_accepts_in_connect_and_pops_session_and_phonecall_tab() {
    let _shell = ready_shell("single").await;
    ring("c-single", "SingleMatch").await;
    let notify = the_notification();
    let call = &cif_calls()[notify as usize];
    assert_eq!(call["args"][0]["templateName"], "extn_voice_notification");
    let params = &call["args"][0]["templateParameters"];
    assert_eq!(params["contactId"], "c-single");
    assert_eq!(params["channel"], "voice");
    assert!(call["args"][0]["cancellationToken"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));
    assert!(
        call["args"][1].as_str().is_some_and(|c| !c.is_empty()),
        "correlation id passed"
    );
    assert!(
        connect_calls_named("accept").is_empty(),
        "not accepted before the agent decides"
    );

    accept_toast(
        notify,
        text("{\"actionName\":\"Accept\",\"responseReason\":\"Accept\"}"),
    )
    .await;

    assert_eq!(
        connect_calls_named("accept"),
        [json!({"method": "accept", "contactId": "c-single"})]
    );
    let pop = pop_calls();
    assert_eq!(
        methods(&pop)[..3],
        ["notifyEvent", "canCreateSession", "createSession"],
        "{:?}",
        methods(&pop)
    );
    assert_eq!(pop[2]["args"][0]["templateName"], "extn_voice_identified_session");
    assert_eq!(pop[2]["args"][0]["templateParameters"]["ms_contact_id"], CUSTOMER);
    assert_eq!(
        pop[2]["args"][0]["context"],
        json!({"contactId": "c-single"}),
        "the session's own context names the contact"
    );
    let tabs: Vec<_> = pop.iter().filter(|c| c["method"] == "createTab").collect();
    assert!(
        tabs.iter()
            .any(|t| t["args"][0]["templateParameters"]["entityName"] == "phonecall"
                && t["args"][0]["templateParameters"]["entityId"] == ACTIVITY),
        "a phonecall tab for the activity: {tabs:?}"
    );
    assert_eq!(methods(&pop).iter().filter(|m| **m == "createSession").count(), 1);
}

#[wasm_bindgen_test]
async fn multi_and_no_match_search_instead_of_opening_a_customer_record() {
    for (i, lookup) in ["MultiMatch", "NoMatch"].into_iter().enumerate() {
        let _shell = ready_shell(&format!("search-{lookup}")).await;
        let id = format!("c-search-{i}");
        ring(&id, lookup).await;
        accept_toast(the_notification(), text("{\"actionName\":\"Accept\"}")).await;
        let pop = pop_calls();
        let session = pop.iter().find(|c| c["method"] == "createSession").expect("a session");
        let params = &session["args"][0]["templateParameters"];
        assert!(
            params.get("ms_contact_id").is_none() && params.get("ms_id").is_none(),
            "{lookup}: ids withheld"
        );
        let searched = pop.iter().any(|c| {
            c["method"] == "renderSearchPage"
                || (c["method"] == "createTab" && c["args"][0]["templateParameters"].get("searchText").is_some())
        });
        assert!(searched, "{lookup}: a search; calls {:?}", methods(&pop));
        let customer_tab = pop
            .iter()
            .any(|c| c["method"] == "createTab" && c["args"][0]["templateParameters"]["entityId"] == CUSTOMER);
        assert!(
            !customer_tab,
            "{lookup}: never a record tab for the unconfirmed customer"
        );
    }
}

#[wasm_bindgen_test]
async fn accept_in_dynamics_accepts_in_connect() {
    let _shell = ready_shell("accept").await;
    ring("c-accept", "SingleMatch").await;
    accept_toast(
        the_notification(),
        js("{\"actionName\":\"Accept\",\"responseReason\":\"Accept\"}"),
    )
    .await;
    assert_eq!(connect_calls_named("accept").len(), 1);
}

// ---- (e): the caller abandons while the toast is open -----------------------------------------------------

#[wasm_bindgen_test]
async fn an_abandoned_call_cancels_the_notification_with_its_token_and_opens_no_session() {
    let _shell = ready_shell("abandon").await;
    ring("c-abandon", "SingleMatch").await;
    let notify = the_notification();
    let token = cif_calls()[notify as usize]["args"][0]["cancellationToken"].clone();
    fakeConnectSetState("c-abandon", "missed");
    assert!(fakeConnectFire("c-abandon", "ended"));
    assert!(fakeConnectFire("c-abandon", "missed"));
    settle().await;
    let cancels: Vec<_> = cif_calls()
        .into_iter()
        .filter(|c| c["method"] == "cancelEvent")
        .collect();
    assert_eq!(cancels.len(), 1, "calls: {:?}", cif_methods());
    assert_eq!(cancels[0]["args"][0], token);
    // The toast's late answer changes nothing.
    accept_toast(notify, text("{\"actionName\":\"Timeout\"}")).await;
    assert!(!cif_methods().contains(&"createSession".to_owned()));
    assert!(connect_calls_named("accept").is_empty());
}

// ---- (f): JSON strings and objects ------------------------------------------------------------------------

#[wasm_bindgen_test]
async fn results_as_json_strings_and_as_objects_are_both_understood() {
    let answers = [
        (
            "string",
            text("{\"actionName\":\"Accept\",\"responseReason\":\"Accept\"}"),
        ),
        (
            "object",
            js("{\"actionName\":\"Accept\",\"responseReason\":\"Accept\"}"),
        ),
        (
            "wrapped",
            js("{\"value\":{\"actionName\":\"Accept\",\"responseReason\":\"Accept\"}}"),
        ),
    ];
    for (shape, answer) in answers {
        let _shell = ready_shell(&format!("shape-{shape}")).await;
        let id = format!("c-{shape}");
        ring(&id, "SingleMatch").await;
        accept_toast(the_notification(), answer).await;
        assert_eq!(connect_calls_named("accept").len(), 1, "{shape}: accepted in Connect");
        assert!(cif_methods().contains(&"createSession".to_owned()), "{shape}: popped");
    }
}

// ---- (g): onSessionSwitched spelled `focused` or `focussed` -----------------------------------------------

#[wasm_bindgen_test]
async fn session_switch_payloads_with_focused_and_focussed_are_both_understood() {
    let shell = ready_shell("focus").await;
    ring("c-focus", "SingleMatch").await;
    accept_toast(the_notification(), text("{\"actionName\":\"Accept\"}")).await;
    let focused = || shell.driver().inspect(|b| b.focused_contact().map(|c| c.to_string()));
    assert_eq!(
        focused().as_deref(),
        Some("c-focus"),
        "CIF focuses the session it creates"
    );
    assert!(
        shell.driver().page().focus().starts_with("voice with"),
        "Looking at: {}",
        shell.driver().page().focus()
    );
    fakeCifRaise(
        "onSessionSwitched",
        &text("{\"sessionId\":\"session-1\",\"focused\":false}"),
    );
    assert_eq!(focused(), None, "`focused: false`, as a JSON string");
    assert_eq!(shell.driver().page().focus(), "no contact", "the status line follows");

    let n = fakeCifRaise(
        "onSessionSwitched",
        &text("{\"sessionId\":\"session-1\",\"focused\":true}"),
    );
    assert_eq!(n, 1, "the handler returns a Promise");
    assert_eq!(focused().as_deref(), Some("c-focus"), "`focused`, as a JSON string");

    fakeCifRaise(
        "onSessionSwitched",
        &js("{\"sessionId\":\"session-1\",\"focussed\":false}"),
    );
    assert_eq!(focused(), None, "`focussed`, as an object");

    fakeCifRaise(
        "onSessionSwitched",
        &text("{\"sessionId\":\"session-1\",\"focussed\":true}"),
    );
    assert_eq!(focused().as_deref(), Some("c-focus"), "`focussed`, as a JSON string");
}

// ---- §3.12, §3.14: Dynamics is the source of truth ------------------------------------------------------------

#[wasm_bindgen_test]
async fn a_time_limit_rejection_as_a_map_is_no_answer_and_dynamics_names_the_session() {
    let _shell = ready_shell("time-limit").await;
    fakeCifAutoReject("createSession", &fakeCifShape("time-limit-map"));
    fakeCifAutoResolve("getAllSessions", &js("[\"session-7\"]"));
    fakeCifAutoResolve("getSession", &fakeCifSessionMap("session-7", "c-late"));
    ring("c-late", "SingleMatch").await;
    accept_toast(the_notification(), text("{\"actionName\":\"Accept\"}")).await;
    settle().await;
    let pop = session_calls();
    assert_eq!(
        pop, "canCreateSession,createSession,getAllSessions,getSession,createTab,updateContext",
        "never a second createSession: the session Dynamics made anyway is adopted, gets its tab and records it"
    );
    let tab = pop_calls()
        .into_iter()
        .find(|c| c["method"] == "createTab")
        .expect("tab");
    assert_eq!(tab["args"][0]["templateParameters"]["entityId"], ACTIVITY);
}

#[wasm_bindgen_test]
async fn with_storage_blocked_the_page_asks_dynamics_before_its_first_pop() {
    fakeStorageBlock(true);
    let _shell = ready_shell("storage-blocked").await;
    fakeCifAutoResolve("getSession", &fakeCifSessionMap("session-1", "c-reloaded"));
    assert!(fakeConnectAddContact(&voice_contact("c-reloaded", "SingleMatch")));
    fakeConnectSetState("c-reloaded", "connected");
    assert!(fakeConnectFire("c-reloaded", "connected"));
    settle().await;
    // Asked when Dynamics came up, before any pop; Dynamics answers now.
    let asked = fakeCifIndexOf("getAllSessions", 0);
    assert!(asked >= 0, "{:?}", cif_methods());
    fakeCifResolve(asked as u32, &js("[\"session-1\"]"));
    settle().await;
    settle().await;
    fakeStorageBlock(false);
    let pop = session_calls();
    assert!(
        pop.starts_with("getAllSessions,getSession") && !pop.contains("createSession"),
        "the session a page before the reload created is adopted, not doubled: {pop}"
    );
    assert!(
        console_errors_taken().iter().all(|e| !e.contains("panicked")),
        "a storage that throws is a fact, not a crash"
    );
}

#[wasm_bindgen_test]
async fn what_a_reload_needs_is_stored_after_the_notification_leaves_and_before_the_next_task() {
    let _shell = ready_shell("write-behind").await;
    fakeStorageWrites("record");
    // One Streams dispatch: the contact appears and its first event follows, in the same task.
    assert!(fakeConnectAddContact(&voice_contact("c-wb", "SingleMatch")));
    assert!(fakeConnectFire("c-wb", "connecting"));
    let during_the_task = fakeStorageWritesTaken();
    let notified = cif_methods().iter().any(|m| m == "notifyEvent");
    gloo_timers::future::TimeoutFuture::new(0).await;
    let by_the_next_task = fakeStorageWritesTaken();
    fakeStorageWrites("off");
    assert!(
        notified,
        "the notification left within the Streams callback: {:?}",
        cif_methods()
    );
    assert_eq!(during_the_task, "", "no storage write holds up the CIF call");
    let contacts: Vec<&str> = by_the_next_task.lines().filter(|k| k.ends_with(":contacts")).collect();
    assert_eq!(
        contacts.len(),
        1,
        "the contact's record is stored once, before any other task (a reload) can run: {by_the_next_task:?}"
    );
}

#[wasm_bindgen_test]
async fn a_new_contacts_notification_leaves_before_its_subscriptions_are_made() {
    let _shell = ready_shell("notify-first").await;
    fakeOrderTaken();
    assert!(fakeConnectAddContact(&voice_contact("c-first", "SingleMatch")));
    let order = fakeOrderTaken();
    let notified = order.lines().position(|l| l == "cif notifyEvent");
    let subscribed = order
        .lines()
        .position(|l| l.starts_with("subscribe contact::") && l.ends_with("::c-first"));
    assert!(
        notified.is_some() && subscribed.is_some() && notified < subscribed,
        "notifyEvent first, then the contact's own subscriptions: {order}"
    );
    // Subscribed all the same: the contact's next events reach the bridge (the caller hangs up).
    fakeConnectSetState("c-first", "missed");
    assert!(fakeConnectFire("c-first", "ended"));
    assert!(fakeConnectFire("c-first", "missed"));
    settle().await;
    assert!(cif_methods().contains(&"cancelEvent".to_owned()), "{:?}", cif_methods());
}

#[wasm_bindgen_test]
async fn a_write_refused_mid_session_leaves_the_record_with_dynamics() {
    let _shell = ready_shell("write-refused").await;
    fakeCifAutoResolve("getAllSessions", &text("[]"));
    fakeCifAutoResolve("updateContext", &JsValue::NULL);
    fakeStorageWrites("refuse");
    ring("c-full", "SingleMatch").await;
    accept_toast(the_notification(), text("{\"actionName\":\"Accept\"}")).await;
    settle().await;
    fakeStorageWrites("off");
    let calls = cif_calls();
    assert_eq!(
        methods(&calls).iter().filter(|m| **m == "createSession").count(),
        1,
        "{:?}",
        methods(&calls)
    );
    assert!(
        methods(&calls).contains(&"getAllSessions"),
        "Dynamics is asked: {:?}",
        methods(&calls)
    );
    let recorded = calls
        .iter()
        .find(|c| c["method"] == "updateContext")
        .unwrap_or_else(|| panic!("the tabs go into the session's context: {:?}", methods(&calls)));
    assert!(
        recorded["args"][0]["ccbTabs"].as_str().is_some_and(|t| !t.is_empty()),
        "{recorded}"
    );
    assert!(console_errors_taken().iter().all(|e| !e.contains("panicked")));
}

/// The session-related CIF calls, in order, as one comma-separated line.
fn session_calls() -> String {
    const SESSION: [&str; 6] = [
        "canCreateSession",
        "createSession",
        "getAllSessions",
        "getSession",
        "createTab",
        "updateContext",
    ];
    cif_methods()
        .into_iter()
        .filter(|m| SESSION.contains(&m.as_str()))
        .collect::<Vec<_>>()
        .join(",")
}
