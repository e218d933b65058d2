//! Browser tests of the several-tabs binding: the real Web Locks and BroadcastChannel of headless Chromium,
//! two shells in one page standing for two Dynamics tabs of one agent (same lock, same channel), the Streams
//! and CIF doubles shared by both. The leadership policy itself is tested natively (`crates/bridge-core/tests/tabs.rs`).

#![cfg(target_arch = "wasm32")]
#![allow(clippy::expect_used)]

#[path = "doubles/mod.rs"]
mod doubles;

use bridge_core::Config;
use connect_cif_bridge::{layers, Shell};
use doubles::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A shell for one tab, started like a provider page.
fn tab(name: &str) -> Shell {
    let config = Config {
        ccp_url: Some(CCP.to_owned()),
        preflight: false,
        ..Config::default()
    };
    Shell::start_with(config, vec![layers::defaults()], vec![], options(name, "")).expect("starts")
}

/// Doubles for one agent (a fresh ARN per test, so tests never share a lock), CIF answering at once.
fn agent_doubles() {
    install_doubles();
    for (method, value) in [
        ("getEnvironment", text("{}")),
        ("setClickToAct", JsValue::NULL),
        ("canCreateSession", JsValue::TRUE),
        ("createSession", text("session-1")),
        ("createTab", text("tab-1")),
        ("renderSearchPage", JsValue::NULL),
        ("cancelEvent", text("ok")),
        ("getAllSessions", text("[]")),
    ] {
        fakeCifAutoResolve(method, &value);
    }
    let arn = format!(
        "arn:aws:connect:us-east-1:111122223333:instance/i/agent/{}",
        js_sys::Math::random()
    );
    fakeConnectSetAgentConfiguration(&js(&format!("{{\"agentARN\":\"{arn}\",\"username\":\"agent1\"}}")));
}

/// Waits (up to 2 s) until `done` holds: the lock answers with a promise, whose timing is the browser's.
async fn until(done: impl Fn() -> bool) {
    for _ in 0..100 {
        if done() {
            return;
        }
        gloo_timers::future::TimeoutFuture::new(20).await;
    }
}

fn role(shell: &Shell) -> &'static str {
    shell.driver().inspect(|b| b.tab_role())
}

fn count(method: &str) -> usize {
    cif_calls().iter().filter(|c| c["method"] == method).count()
}

async fn two_tabs_of_one_agent_elect_one_leader_and_the_follower_says_so() {
    agent_doubles();
    let first = tab("tabs-a1");
    let second = tab("tabs-a2");
    fakeConnectInitAgent();
    fakeCifFireInitDone();
    // Each page knows its agent once its CCP started, which waits for CIF's Custom Parameters: "alone" until then.
    let settled = |shell: &Shell| !matches!(role(shell), "seeking" | "alone");
    until(|| settled(&first) && settled(&second)).await;
    assert_eq!((role(&first), role(&second)), ("leading", "following"));
    assert_eq!(first.page().role_text(), None);
    assert_eq!(
        second.page().role_text().as_deref(),
        Some("Contacts are being handled in another Dynamics tab.")
    );
    assert!(fakeConnectAddContact(&voice_contact("c-tabs-1", "SingleMatch")));
    assert!(fakeConnectFire("c-tabs-1", "connecting"));
    settle().await;
    assert_eq!(count("notifyEvent"), 1, "one toast in all: {:?}", cif_methods());
}

async fn handle_contacts_here_takes_the_lead_and_moves_the_open_toast() {
    agent_doubles();
    let first = tab("tabs-b1");
    let second = tab("tabs-b2");
    fakeConnectInitAgent();
    fakeCifFireInitDone();
    until(|| role(&first) == "leading" && role(&second) == "following").await;
    assert!(fakeConnectAddContact(&voice_contact("c-tabs-2", "SingleMatch")));
    assert!(fakeConnectFire("c-tabs-2", "connecting"));
    settle().await;
    assert_eq!(count("notifyEvent"), 1);
    let button: web_sys::HtmlElement = second.page().take_over_button().clone().unchecked_into();
    button.click();
    // The new leader waits for the old one's hand-over (posted on the channel) before it notifies.
    until(|| count("notifyEvent") == 2).await;
    assert_eq!((role(&first), role(&second)), ("following", "leading"));
    assert_eq!(second.page().role_text(), None);
    assert!(first.page().role_text().is_some());
    assert_eq!(
        count("cancelEvent"),
        1,
        "the old leader withdrew its toast: {:?}",
        cif_methods()
    );
    assert_eq!(
        count("notifyEvent"),
        2,
        "the new leader raised it again: {:?}",
        cif_methods()
    );
}

async fn when_the_leader_goes_the_follower_takes_over_and_notifies() {
    agent_doubles();
    let first = tab("tabs-c1");
    let second = tab("tabs-c2");
    fakeConnectInitAgent();
    fakeCifFireInitDone();
    until(|| role(&first) == "leading" && role(&second) == "following").await;
    assert!(fakeConnectAddContact(&voice_contact("c-tabs-3", "SingleMatch")));
    assert!(fakeConnectFire("c-tabs-3", "connecting"));
    settle().await;
    assert_eq!(count("notifyEvent"), 1);
    drop(first); // the leader's page goes: its lock is released
    until(|| count("notifyEvent") == 2).await;
    assert_eq!(role(&second), "leading");
    assert_eq!(count("notifyEvent"), 2, "{:?}", cif_methods());
}

async fn without_web_locks_the_page_pops_alone_and_says_so() {
    agent_doubles();
    fakeLocksHide(true);
    let only = tab("tabs-d1");
    fakeConnectInitAgent();
    fakeCifFireInitDone();
    settle().await;
    fakeLocksHide(false);
    assert_eq!(role(&only), "alone");
    let said = only.page().role_text().unwrap_or_default();
    assert!(
        said.contains("cannot coordinate with your other Dynamics tabs"),
        "{said:?}"
    );
    assert!(only.page().take_over_button().has_attribute("hidden"));
    assert!(fakeConnectAddContact(&voice_contact("c-tabs-4", "SingleMatch")));
    assert!(fakeConnectFire("c-tabs-4", "connecting"));
    settle().await;
    assert_eq!(count("notifyEvent"), 1);
}

async fn a_lock_taken_away_with_an_unprintable_reason_is_still_lost() {
    agent_doubles();
    fakeLocksTakenAway();
    let only = tab("tabs-e1");
    fakeConnectInitAgent();
    fakeCifFireInitDone();
    until(|| role(&only) == "leading").await;
    assert_eq!(role(&only), "leading");
    fakeLocksTakeAway();
    until(|| role(&only) != "leading").await;
    fakeLocksRestore();
    assert_eq!(
        role(&only),
        "following",
        "the page still takes itself for the one that pops"
    );
}

/// The scenarios share the page's doubles and `navigator.locks`, so they run one after another, each with its
/// own agent (lock) and shells dropped (locks released) before the next begins.
#[wasm_bindgen_test]
async fn several_tabs_of_one_agent() {
    two_tabs_of_one_agent_elect_one_leader_and_the_follower_says_so().await;
    settle().await;
    handle_contacts_here_takes_the_lead_and_moves_the_open_toast().await;
    settle().await;
    when_the_leader_goes_the_follower_takes_over_and_notifies().await;
    settle().await;
    without_web_locks_the_page_pops_alone_and_says_so().await;
    settle().await;
    a_lock_taken_away_with_an_unprintable_reason_is_still_lost().await;
}
