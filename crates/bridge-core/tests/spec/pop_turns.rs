//! §3.8 and §3.12 with CIF's real semantics: `createTab` opens in the *focused* session and `createSession`
//! focuses the session it creates, so pops run one at a time and tabs open only while their contact's session is
//! focused; and CIF's own 10 s time limit ("Timeout occurred as no response was received from listener window")
//! means *no answer*, never a reason to repeat a `createSession` or a `createTab`.
#![allow(clippy::unwrap_used)]

use super::common;

use bridge_core::*;
use common::*;
use serde_json::{json, Value};

fn activity(n: u8) -> String {
    format!("{n}{n}{n}{n}{n}{n}{n}{n}-{n}{n}{n}{n}-4{n}{n}{n}-8{n}{n}{n}-{n}{n}{n}{n}{n}{n}{n}{n}{n}{n}{n}{n}")
}

/// A connected chat whose flow created an activity (so its pop opens one record tab).
fn chat(p: &mut Pair, id: &str, n: u8) {
    chat_event(p, id, n, ContactEventKind::Connected);
}

/// Streams delivers a connected chat whose flow created activity `n`, as the event `kind`.
fn chat_event(p: &mut Pair, id: &str, n: u8, kind: ContactEventKind) {
    let a = activity(n);
    let attributes = attrs(&[
        ("CreateTimeline", "true"),
        ("ms_activity_id", &a),
        ("ms_entityrecord_entity_name", "phonecall"),
    ]);
    p.event(id, kind, Some(snapshot("chat", "connected", Some(true), attributes)));
}

fn switched(p: &mut Pair, session: &str, focused: bool) {
    p.dynamics(
        DynamicsHandler::SessionSwitched,
        json!(format!("{{\"sessionId\":\"{session}\",\"focused\":{focused}}}")),
    );
}

/// CIF's time-limit rejection in its other shape: the same object as JSON text (`Pair::reject_time_limit` sends the object).
fn time_limit(p: &mut Pair, request: RequestId, method: &str) {
    p.reject(
        request,
        json!(format!(
            "{{\"message\":\"{CIF_TIME_LIMIT}\",\"msdyn_name\":\"{method}\"}}"
        )),
    );
}

/// Runs the current turn's contact from canCreateSession to its session `session`.
fn create(p: &mut Pair, session: &str) {
    p.can_create();
    p.session_created(session);
}

/// Chats a and b; a has its session `s-a` (its tab in flight), b is next in line; the commands so far taken.
fn two_chats_first_popped() -> Pair {
    let mut p = Pair::default_ready();
    chat(&mut p, "chat-a", 1);
    chat(&mut p, "chat-b", 2);
    create(&mut p, "s-a");
    p.take();
    p
}

#[test]
fn item_08_pops_take_turns_first_come_first_served() {
    let mut p = Pair::default_ready();
    chat(&mut p, "chat-a", 1);
    chat(&mut p, "chat-b", 2);
    chat(&mut p, "chat-c", 3);
    assert_eq!(p.take(), vec!["canCreateSession"]);
    create(&mut p, "s-a");
    // a's tab is requested in a's (focused) session. b asks canCreateSession meanwhile (it focuses nothing),
    // but its createSession waits: the tab's answer is part of a's turn.
    assert_eq!(
        p.take(),
        vec![
            "createSession extn_chat_session".to_owned(),
            format!("createTab extn_entity_record phonecall {}", activity(1)),
            "canCreateSession".to_owned(),
        ]
    );
    assert_eq!(p.last("canCreateSession").1.unwrap().as_str(), "chat-b");
    p.can_create();
    assert!(p.take().is_empty(), "b's createSession waits for a's tab");
    assert_eq!(p.bridge.contact_state("chat-b"), Some("WaitingForTurn"));
    assert_eq!(p.bridge.contact_state("chat-c"), Some("WaitingForTurn"));
    let tab = p.req("createTab");
    p.resolve(tab, json!("tab-1"));
    assert_eq!(
        p.take(),
        vec![
            "updateContext s-a ccbTab_activity=1 ccbTabs=activity",
            "createSession extn_chat_session"
        ],
        "a's opened tab is recorded in its session; b's turn starts without asking again"
    );
    assert_eq!(p.last("createSession").1.unwrap().as_str(), "chat-b");
    p.session_created("s-b");
    assert_eq!(p.last("canCreateSession").1.unwrap().as_str(), "chat-c");
    let tab = p.req("createTab");
    p.resolve(tab, json!("tab-2"));
    create(&mut p, "s-c");
    let tabs: Vec<(Option<ContactId>, Value)> = p
        .all("createTab")
        .into_iter()
        .map(|(_, c, call)| (c, params(&call)["entityId"].clone()))
        .collect();
    for (i, id) in ["chat-a", "chat-b", "chat-c"].into_iter().enumerate() {
        assert_eq!(tabs[i].0.as_ref().unwrap().as_str(), id);
        assert_eq!(tabs[i].1, json!(activity(i as u8 + 1)));
    }
    assert_eq!(p.all("canCreateSession").len(), 3, "one capacity check per contact");
}

#[test]
fn item_08_a_contact_that_asked_ahead_still_waits_for_capacity_when_dynamics_says_no() {
    let mut p = two_chats_first_popped();
    let ask = p.req("canCreateSession");
    p.resolve(ask, json!(false));
    assert_eq!(p.bridge.contact_state("chat-b"), Some("WaitingForCapacity"));
    let tab = p.req("createTab");
    p.resolve(tab, json!("tab-1"));
    assert!(
        p.take().iter().all(|c| !c.starts_with("createSession")),
        "no session without capacity"
    );
}

#[test]
fn item_15_an_unanswered_create_session_holds_the_turn_for_pop_turn_ms_only() {
    let mut p = Pair::default_ready();
    chat(&mut p, "chat-a", 1);
    chat(&mut p, "chat-b", 2);
    p.can_create();
    p.take();
    p.advance(1_499);
    assert!(p.take().is_empty(), "b waits while a's createSession is young");
    p.advance(1);
    // a keeps waiting for its answer (never repeated); b's turn starts.
    assert_eq!(p.take(), vec!["canCreateSession"]);
    assert_eq!(p.bridge.contact_state("chat-a"), Some("CreatingSession"));
    assert_eq!(p.last("canCreateSession").1.unwrap().as_str(), "chat-b");
    p.can_create();
    let a_create = p.all("createSession")[0].0;
    // b's session answers first and is focused; a's late answer does not say a is focused (CIF focused b
    // after it), so a's tab waits until the agent looks at a's session.
    p.session_created("s-b");
    assert_eq!(p.bridge.focused_contact().map(ContactId::as_str), Some("chat-b"));
    p.take();
    p.resolve(a_create, json!("s-a"));
    assert_eq!(p.bridge.session_of("chat-a"), Some("s-a"));
    assert!(p.take().is_empty(), "no tab for a while b's session is focused");
    let b_tab = p.req("createTab");
    p.resolve(b_tab, json!("tab-b"));
    switched(&mut p, "s-b", false);
    switched(&mut p, "s-a", true);
    assert_eq!(
        p.take(),
        vec![
            "updateContext s-b ccbTab_activity=1 ccbTabs=activity".to_owned(),
            format!("createTab extn_entity_record phonecall {}", activity(1))
        ]
    );
    assert_eq!(p.all("createSession").len(), 2);
}

#[test]
fn item_15_while_a_create_session_is_unanswered_a_new_session_is_attributed_by_dynamics_only() {
    let mut p = Pair::default_ready();
    chat(&mut p, "chat-a", 1);
    chat(&mut p, "chat-b", 2);
    p.can_create();
    p.take();
    p.advance(12_000);
    // a is overdue (reconciled, never repeated); b started after popTurnMs.
    assert_eq!(p.bridge.contact_state("chat-a"), Some("CreatingSession"));
    assert_eq!(p.last("canCreateSession").1.unwrap().as_str(), "chat-b");
    let reconcile = p.req("getAllSessions");
    p.can_create();
    p.resolve(reconcile, json!(["s-maybe-b"]));
    let ask = p.req("getSession");
    p.resolve(
        ask,
        json!({"sessionId": "s-maybe-b", "context": {"contactId": "chat-b"}}),
    );
    assert_eq!(p.bridge.session_of("chat-a"), None);
    assert_eq!(p.bridge.session_of("chat-b"), Some("s-maybe-b"));
    assert_eq!(p.all("createSession").len(), 2);
}

#[test]
fn item_15_a_slow_tab_holds_the_turn_for_pop_turn_ms_only() {
    let mut p = two_chats_first_popped();
    p.can_create();
    assert!(p.take().is_empty(), "b waits while a's tab is young");
    p.advance(1_499);
    assert!(p.take().is_empty(), "b waits while a's tab is young");
    p.advance(1);
    assert_eq!(p.take(), vec!["createSession extn_chat_session"]);
    assert_eq!(p.last("createSession").1.unwrap().as_str(), "chat-b");
    assert!(
        !p.report_codes().contains(&"cif.createTab.timeout"),
        "a slow tab is not yet a missing one"
    );
    // a's tab answers late: it opened in a's session, where it was sent.
    let tab = p.req("createTab");
    p.resolve(tab, json!("tab-a"));
    let session = p.req("createSession");
    p.resolve(session, json!("s-b"));
    assert_eq!(p.bridge.session_of("chat-a"), Some("s-a"));
    assert_eq!(p.bridge.session_of("chat-b"), Some("s-b"));
}

#[test]
fn item_15_a_tab_never_answered_is_reported_once_and_not_repeated() {
    let mut p = two_chats_first_popped();
    p.can_create();
    p.advance(12_000);
    assert_eq!(p.take(), vec!["createSession extn_chat_session"]);
    assert!(p.report_codes().contains(&"cif.createTab.timeout"));
    assert_eq!(p.all("createTab").len(), 1, "no second createTab for a");
}

#[test]
fn item_08_tabs_wait_while_the_agent_looks_at_another_session() {
    let mut p = Pair::default_ready();
    chat(&mut p, "chat-a", 1);
    p.can_create();
    // Dynamics focuses the new session, and the agent switches away before the answer arrives.
    switched(&mut p, "s-a", true);
    switched(&mut p, "s-a", false);
    switched(&mut p, "s-other", true);
    p.take();
    p.session_created("s-a");
    assert!(p.take().is_empty(), "no createTab while another session is focused");
    assert_eq!(p.bridge.contact_state("chat-a"), Some("Popped"));
    assert_eq!(p.bridge.focused_contact(), None);
    // Back to a's session: its tab opens now.
    switched(&mut p, "s-other", false);
    switched(&mut p, "s-a", true);
    assert_eq!(
        p.take(),
        vec![format!("createTab extn_entity_record phonecall {}", activity(1))]
    );
    assert_eq!(p.bridge.focused_contact().map(ContactId::as_str), Some("chat-a"));
    // Focusing it again opens nothing twice.
    switched(&mut p, "s-a", false);
    switched(&mut p, "s-a", true);
    assert!(p.take().is_empty());
}

#[test]
fn item_08_a_deferred_pop_does_not_block_the_next_contact() {
    let mut p = Pair::default_ready();
    chat(&mut p, "chat-a", 1);
    chat(&mut p, "chat-b", 2);
    p.can_create();
    switched(&mut p, "s-a", true);
    switched(&mut p, "s-a", false);
    p.session_created("s-a");
    // a's tab is deferred, so b's turn starts at once; b's session takes the focus.
    assert_eq!(p.last("canCreateSession").1.unwrap().as_str(), "chat-b");
    p.take();
    p.can_create();
    switched(&mut p, "s-a", true);
    assert!(
        p.take().iter().all(|c| !c.starts_with("createTab")),
        "not while b's createSession is in flight: {:?}",
        p.log
    );
    p.session_created("s-b");
    // b's createSession focused s-b (after a's switch event): b's tab opens, a's waits.
    let tabs: Vec<String> = p
        .all("createTab")
        .into_iter()
        .map(|(_, c, _)| c.unwrap().to_string())
        .collect();
    assert_eq!(tabs, vec!["chat-b"]);
    let tab = p.req("createTab");
    p.resolve(tab, json!("t"));
    switched(&mut p, "s-b", false);
    switched(&mut p, "s-a", true);
    let tabs: Vec<String> = p
        .all("createTab")
        .into_iter()
        .map(|(_, c, _)| c.unwrap().to_string())
        .collect();
    assert_eq!(tabs, vec!["chat-b", "chat-a"]);
}

#[test]
fn item_08_a_closed_session_gets_no_deferred_tab() {
    let mut p = Pair::default_ready();
    chat(&mut p, "chat-a", 1);
    p.can_create();
    switched(&mut p, "s-a", true);
    switched(&mut p, "s-a", false);
    p.session_created("s-a");
    p.dynamics(DynamicsHandler::SessionClosed, json!({"sessionId": "s-a"}));
    switched(&mut p, "s-a", true);
    assert!(p.all("createTab").is_empty());
    assert_eq!(p.bridge.contact_state("chat-a"), Some("SessionClosed"));
}

#[test]
fn item_12_cif_time_limit_on_create_session_is_no_answer() {
    for as_object in [false, true] {
        let mut p = Pair::default_ready();
        p.connected_until_create_session();
        p.take();
        let create = p.req("createSession");
        if as_object {
            p.reject_time_limit(create, "CreateSession");
        } else {
            time_limit(&mut p, create, "CreateSession");
        }
        // Never repeated: reconcile instead, and keep waiting.
        assert_eq!(p.take(), vec!["getAllSessions"]);
        assert_eq!(p.bridge.contact_state(CONTACT_ID), Some("CreatingSession"));
        assert!(p.report_codes().contains(&"cif.createSession.timeout"));
        let r = p.req("getAllSessions");
        p.resolve(r, json!([]));
        p.advance(12_000);
        // Our own deadline looks once more (Dynamics may have been slow), still without repeating.
        assert_eq!(p.take(), vec!["getAllSessions"]);
        let r = p.req("getAllSessions");
        switched(&mut p, "late", true);
        p.resolve(r, json!("[\"late\"]"));
        // Dynamics says whose it is: a Map in the CIF sample, an object once the shell converted it.
        let ask = p.req("getSession");
        p.resolve(
            ask,
            json!({"sessionId": "late", "context": {"templateParameters": {"contactId": CONTACT_ID}}}),
        );
        assert_eq!(p.bridge.session_of(CONTACT_ID), Some("late"));
        assert_eq!(p.all("createSession").len(), 1);
        assert_eq!(
            p.take(),
            vec![
                "getSession".to_owned(),
                format!("createTab extn_entity_record phonecall {ACTIVITY_ID}")
            ]
        );
        assert_eq!(
            p.report_codes()
                .iter()
                .filter(|c| **c == "cif.createSession.timeout")
                .count(),
            1
        );
    }
}

#[test]
fn item_12_cif_time_limit_on_create_tab_is_not_repeated() {
    let mut p = two_chats_first_popped();
    let tab = p.req("createTab");
    time_limit(&mut p, tab, "CreateTab");
    p.advance(600_000);
    assert_eq!(p.all("createTab").len(), 1, "never repeated");
    // The turn moved on at once.
    assert_eq!(p.last("canCreateSession").1.unwrap().as_str(), "chat-b");
    assert_eq!(
        p.report_codes()
            .iter()
            .filter(|c| **c == "cif.createTab.timeout")
            .count(),
        1
    );
}

#[test]
fn item_12_cif_time_limit_on_calls_without_side_effects_keeps_bounded_retries() {
    let mut p = Pair::default_ready();
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    for _ in 0..4 {
        let r = p.req("canCreateSession");
        time_limit(&mut p, r, "CanCreateSession");
        p.advance(10_000);
    }
    // 1 + 3 retries, then createSession anyway (the existing give-up rule).
    assert_eq!(p.all("canCreateSession").len(), 4);
    assert_eq!(p.all("createSession").len(), 1);
    // cancelEvent too.
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    p.event(
        CONTACT_ID,
        ContactEventKind::Missed,
        Some(voice("missed", Scenario::Single)),
    );
    let r = p.req("cancelEvent");
    time_limit(&mut p, r, "CancelEvent");
    p.advance(500);
    assert_eq!(p.all("cancelEvent").len(), 2);
}

/// §3.15: a `canCreateSession` that Dynamics does not answer holds the next contact for `popTurnMs`, not for a
/// CIF deadline; the slow one goes first again when its "yes" comes.
#[test]
fn a_slow_can_create_session_lets_the_next_contact_start_within_the_turn_bound() {
    let mut p = Pair::default_ready();
    p.event(
        "a",
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    let a_check = p.req("canCreateSession");
    p.advance(100);
    p.event(
        "b",
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Multi)),
    );
    p.advance(2_400);
    let checks = p.all("canCreateSession");
    assert_eq!(checks.len(), 2, "B asks within 2.5 s of its accept");
    assert_eq!(checks[1].1.as_ref().map(ContactId::as_str), Some("b"));
    p.resolve(a_check, json!(true));
    p.resolve(checks[1].0, json!(true));
    let creates: Vec<_> = p.all("createSession").iter().map(|(_, c, _)| c.clone()).collect();
    assert_eq!(creates.len(), 1, "one session at a time");
    assert_eq!(
        creates[0].as_ref().map(ContactId::as_str),
        Some("a"),
        "the slow one keeps its place"
    );
}

/// §3.6 and §3.15: a contact accepted in Dynamics whose `accept()` did not make it (missed, the caller hung up)
/// while it waited for its pop turn gets no session when the turn comes: it never connected, and Connect routes
/// it on. Its new offer rings again instead of being taken for a contact already popped.
#[test]
fn a_contact_missed_while_waiting_for_its_turn_gets_no_session_and_rings_again_when_offered_again() {
    let mut p = Pair::default_ready();
    chat(&mut p, "chat-a", 1);
    p.ring("b", Scenario::Single);
    p.accept_toast();
    assert_eq!(p.bridge.contact_state("b"), Some("WaitingForTurn"));
    p.event("b", ContactEventKind::Missed, Some(voice("missed", Scenario::Single)));
    create(&mut p, "s-a");
    let tab = p.req("createTab");
    p.resolve(tab, json!("tab-a"));
    p.advance(60_000);
    assert_eq!(
        p.all("createSession").len(),
        1,
        "no session for the missed contact: {:?}",
        p.take()
    );
    assert!(p
        .all("canCreateSession")
        .iter()
        .all(|(_, c, _)| c.as_ref().map(ContactId::as_str) != Some("b")));
    p.event("b", ContactEventKind::Destroyed, None);
    p.advance(10_000);
    p.take();
    p.ring("b", Scenario::Single);
    assert_eq!(
        p.take(),
        vec!["notifyEvent extn_voice_notification"],
        "the new offer rings"
    );
}

/// The same when it missed while its capacity check, asked ahead while the previous pop waited for its tabs, was
/// on its way: Dynamics' "yes" puts it in line, and its turn starts nothing.
#[test]
fn a_contact_missed_while_its_capacity_check_was_asked_ahead_gets_no_session() {
    let mut p = Pair::default_ready();
    chat(&mut p, "chat-a", 1);
    p.ring("b", Scenario::Single);
    p.accept_toast();
    create(&mut p, "s-a");
    assert_eq!(p.last("canCreateSession").1.unwrap().as_str(), "b", "b asks ahead");
    p.event("b", ContactEventKind::Missed, Some(voice("missed", Scenario::Single)));
    p.can_create();
    let tab = p.req("createTab");
    p.resolve(tab, json!("tab-a"));
    p.advance(60_000);
    assert_eq!(p.all("createSession").len(), 1, "no session for the missed contact");
    assert_eq!(p.bridge.contact_state("b"), Some("Abandoned"));
}

/// §3.15: a `createSession` answered after its turn passed, while the next contact only asks `canCreateSession`
/// (which focuses nothing), is the focused session: its tabs open at once, and the next `createSession` waits for
/// their answers, rather than leaving the tabs for the agent to find by switching back.
#[test]
fn a_session_answered_late_while_the_next_contact_only_checks_capacity_gets_its_tabs_at_once() {
    let mut p = Pair::default_ready();
    chat(&mut p, "chat-a", 1);
    chat(&mut p, "chat-b", 2);
    p.can_create();
    let a_create = p.req("createSession");
    p.take();
    p.advance(1_500);
    assert_eq!(p.take(), vec!["canCreateSession"], "b's turn starts");
    p.resolve(a_create, json!("s-a"));
    assert_eq!(
        p.take(),
        vec![format!("createTab extn_entity_record phonecall {}", activity(1))],
        "a's session is the focused one"
    );
    p.can_create();
    assert!(p.take().is_empty(), "b's createSession waits for a's tab");
    let tab = p.req("createTab");
    p.resolve(tab, json!("tab-a"));
    assert_eq!(
        p.take(),
        vec![
            "updateContext s-a ccbTab_activity=1 ccbTabs=activity",
            "createSession extn_chat_session"
        ]
    );
    assert_eq!(p.last("createSession").1.unwrap().as_str(), "chat-b");
}

/// The same for tabs deferred while the agent looked elsewhere: back on their session while the next contact
/// only checks capacity, they open before that contact's `createSession` takes the focus away again.
#[test]
fn deferred_tabs_open_when_their_session_is_focused_while_the_next_contact_checks_capacity() {
    let mut p = Pair::default_ready();
    chat(&mut p, "chat-a", 1);
    p.can_create();
    switched(&mut p, "s-a", true);
    switched(&mut p, "s-a", false);
    switched(&mut p, "s-other", true);
    p.session_created("s-a");
    chat(&mut p, "chat-b", 2);
    p.take();
    assert_eq!(p.last("canCreateSession").1.unwrap().as_str(), "chat-b");
    switched(&mut p, "s-other", false);
    switched(&mut p, "s-a", true);
    assert_eq!(
        p.take(),
        vec![format!("createTab extn_entity_record phonecall {}", activity(1))]
    );
    p.can_create();
    assert!(p.take().is_empty(), "b's createSession waits for a's tab");
}

/// The same, with the previous pop's tabs answered before Dynamics' "yes" to the missed contact's capacity check:
/// the turn is free when the "yes" comes, and it must still start nothing for a contact that never connected.
#[test]
fn a_contact_missed_while_asked_ahead_gets_no_session_when_the_yes_comes_after_the_turn_freed() {
    let mut p = Pair::default_ready();
    chat(&mut p, "chat-a", 1);
    p.ring("b", Scenario::Single);
    p.accept_toast();
    create(&mut p, "s-a");
    assert_eq!(p.last("canCreateSession").1.unwrap().as_str(), "b", "b asks ahead");
    p.event("b", ContactEventKind::Missed, Some(voice("missed", Scenario::Single)));
    let tab = p.req("createTab");
    p.resolve(tab, json!("tab-a"));
    p.can_create();
    p.advance(60_000);
    assert_eq!(p.all("createSession").len(), 1, "no session for the missed contact");
    assert_eq!(p.bridge.contact_state("b"), Some("Abandoned"));
}

/// Chats a and b popped in turn, b's tab on its way while s-b is focused; the agent clicks back to a's session
/// before Dynamics answers: the switch events come before the answer. Returns b's `createTab` request.
fn b_tab_overtaken_by_a_switch() -> (Pair, RequestId) {
    let mut p = two_chats_first_popped();
    p.can_create();
    let tab_a = p.req("createTab");
    p.resolve(tab_a, json!("tab-a"));
    p.session_created("s-b");
    assert_eq!(p.last("createTab").1.map(|c| c.to_string()), Some("chat-b".to_owned()));
    let tab_b = p.req("createTab");
    p.take();
    switched(&mut p, "s-b", false);
    switched(&mut p, "s-a", true);
    (p, tab_b)
}

/// CIF opens a tab in whichever session is focused when Dynamics carries `createTab` out, and its switch events
/// reach the page in order with its answers: a tab whose answer comes after a switch away from its session may
/// have opened in the session the agent switched to. Dynamics says whether it did (`getTabs` of the focused
/// session); if so, the bridge closes it there and opens it again once its own session is focused.
#[test]
fn item_08_a_tab_overtaken_by_a_switch_is_closed_where_it_landed_and_opened_again_in_its_session() {
    let (mut p, tab_b) = b_tab_overtaken_by_a_switch();
    p.resolve(tab_b, json!("tab-b"));
    assert_eq!(p.take(), vec!["getTabs"], "asked where it opened, nothing else yet");
    match p.last("getTabs").3 {
        CifCall::GetTabs { template_name } => assert_eq!(template_name, "extn_entity_record"),
        other => panic!("{other:?}"),
    }
    let check = p.req("getTabs");
    p.resolve(check, json!("[\"tab-a\",\"tab-b\"]"));
    assert_eq!(
        p.take(),
        vec!["closeTab"],
        "closed in a's session, not opened again while a's is focused"
    );
    match p.last("closeTab").3 {
        CifCall::CloseTab { tab_id } => assert_eq!(tab_id, "tab-b"),
        other => panic!("{other:?}"),
    }
    assert!(p.report_codes().contains(&"tab.misplaced"), "{:?}", p.report_codes());
    // Back in b's session, its tab opens there, once.
    switched(&mut p, "s-a", false);
    switched(&mut p, "s-b", true);
    assert_eq!(
        p.take(),
        vec![format!("createTab extn_entity_record phonecall {}", activity(2))]
    );
    let again = p.req("createTab");
    p.resolve(again, json!("tab-b2"));
    switched(&mut p, "s-b", false);
    switched(&mut p, "s-a", true);
    switched(&mut p, "s-a", false);
    switched(&mut p, "s-b", true);
    let later = p.take();
    assert!(
        !later
            .iter()
            .any(|c| c.starts_with("createTab") || c == "closeTab" || c == "getTabs"),
        "an answer that no switch overtook is where it belongs: {later:?}"
    );
    assert_eq!(p.all("closeTab").len(), 1);
}

/// Dynamics carried the tab out before the switch and answered after it: `getTabs` of the session switched to does
/// not list it, so it stays where it opened, in its own session, and is not opened again.
#[test]
fn item_08_an_overtaken_tab_that_opened_in_its_own_session_stays() {
    let (mut p, tab_b) = b_tab_overtaken_by_a_switch();
    p.resolve(tab_b, json!("tab-b"));
    let check = p.req("getTabs");
    p.take();
    p.resolve(check, json!(["tab-a"]));
    assert_eq!(
        p.take(),
        vec!["updateContext s-b ccbTab_activity=1 ccbTabs=activity"],
        "recorded as opened in b's session"
    );
    switched(&mut p, "s-a", false);
    switched(&mut p, "s-b", true);
    assert!(p.take().is_empty(), "not opened twice");
    assert!(!p.report_codes().contains(&"tab.misplaced"));
}

/// A question that fails, gets no answer, or is itself overtaken by another switch cannot say where the tab
/// opened: nothing is closed on its word, and the tab is looked for in its own session when that is focused —
/// listed there, it stays (a doubt makes no second tab); not listed, it opens there and the stray one is closed by
/// its id.
#[test]
fn item_08_an_unanswered_or_overtaken_stray_check_is_settled_in_the_tabs_own_session() {
    for how in ["rejected", "deadline", "switched again"] {
        for found_at_home in [true, false] {
            let (mut p, tab_b) = b_tab_overtaken_by_a_switch();
            p.resolve(tab_b, json!("tab-b"));
            let check = p.req("getTabs");
            match how {
                "rejected" => p.reject(
                    check,
                    json!({"message": "RejectAfterClientError", "msdyn_name": "GetTabs"}),
                ),
                "deadline" => p.advance(60_000),
                _ => {
                    switched(&mut p, "s-a", false);
                    switched(&mut p, "s-c", true);
                    switched(&mut p, "s-c", false);
                    switched(&mut p, "s-a", true);
                    p.resolve(check, json!(["tab-b"]));
                }
            }
            assert!(p.all("closeTab").is_empty(), "{how}: nothing closed on a doubt");
            assert_eq!(p.bridge.contact_state("chat-b"), Some("Popped"), "{how}");
            p.take();
            switched(&mut p, "s-a", false);
            switched(&mut p, "s-b", true);
            assert_eq!(p.take(), vec!["getTabs"], "{how}: looked for in its own session");
            let at_home = p.req("getTabs");
            p.resolve(at_home, json!(if found_at_home { ["tab-b"] } else { ["tab-x"] }));
            let commands = p.take();
            let opened_again = commands.iter().any(|c| c.starts_with("createTab"));
            assert_eq!(
                opened_again, !found_at_home,
                "{how}, found at home {found_at_home}: {commands:?}"
            );
            assert_eq!(p.all("closeTab").len(), usize::from(!found_at_home), "{how}");
            switched(&mut p, "s-b", false);
            switched(&mut p, "s-b", true);
            assert!(
                p.take()
                    .iter()
                    .all(|c| !c.starts_with("createTab") && !c.starts_with("getTabs")),
                "{how}: settled once"
            );
        }
    }
}

/// The answer to a question about the session switched to comes after the agent is back in the tab's own
/// session: it is asked there at once.
#[test]
fn item_08_a_stray_check_overtaken_by_a_return_to_the_tabs_session_asks_there_at_once() {
    let (mut p, tab_b) = b_tab_overtaken_by_a_switch();
    p.resolve(tab_b, json!("tab-b"));
    let check = p.req("getTabs");
    switched(&mut p, "s-a", false);
    switched(&mut p, "s-b", true);
    p.take();
    p.resolve(check, json!(["tab-b"]));
    assert_eq!(p.take(), vec!["getTabs"], "asked in its own session, now focused");
    let at_home = p.req("getTabs");
    p.resolve(at_home, json!([]));
    assert!(
        p.take().iter().any(|c| c.starts_with("createTab")),
        "not there: opened there"
    );
    match p.last("closeTab").3 {
        CifCall::CloseTab { tab_id } => assert_eq!(tab_id, "tab-b"),
        other => panic!("{other:?}"),
    }
}

/// One chat popped in `s-a`, its tab on its way; the agent clicks Home (a switch away from `s-a` with no session of
/// this provider focused) before Dynamics answers `tab-a`. Returns the pair, all commands taken.
fn tab_overtaken_by_a_switch_to_home() -> Pair {
    let mut p = Pair::default_ready();
    chat(&mut p, "chat-a", 1);
    create(&mut p, "s-a");
    let tab = p.req("createTab");
    p.take();
    switched(&mut p, "s-a", false);
    p.resolve(tab, json!("tab-a"));
    p
}

/// The agent clicks Home, or another provider's session, while a tab is on its way: Dynamics may carry it out
/// there, and `getTabs` cannot say (it lists the focused session's tabs only when that session is this
/// provider's). So the question waits for the contact's own session to be focused again: not listed there, the
/// tab opens there, and the stray one is closed by its id (Dynamics may refuse outside this provider's sessions:
/// then the agent is told to close it).
#[test]
fn item_08_a_tab_overtaken_by_a_switch_to_home_is_looked_for_in_its_session_when_focused_again() {
    let mut p = tab_overtaken_by_a_switch_to_home();
    assert!(
        p.take()
            .iter()
            .all(|c| !c.starts_with("getTabs") && !c.starts_with("createTab")),
        "nothing can be asked while Home is focused"
    );
    switched(&mut p, "s-a", true);
    assert_eq!(p.take(), vec!["getTabs"], "asked in its own session");
    let check = p.req("getTabs");
    p.resolve(check, json!("[\"tab-elsewhere\"]"));
    let commands = p.take();
    assert!(
        commands.contains(&format!("createTab extn_entity_record phonecall {}", activity(1))),
        "opened again in its own session: {commands:?}"
    );
    match p.last("closeTab").3 {
        CifCall::CloseTab { tab_id } => assert_eq!(tab_id, "tab-a"),
        other => panic!("{other:?}"),
    }
    assert!(p.report_codes().contains(&"tab.misplaced"), "{:?}", p.report_codes());
    let again = p.req("createTab");
    p.resolve(again, json!("tab-a2"));
    switched(&mut p, "s-a", false);
    switched(&mut p, "s-a", true);
    assert!(
        !p.take()
            .iter()
            .any(|c| c.starts_with("createTab") || c.starts_with("getTabs")),
        "found once: not looked for again"
    );
}

/// Listed in its own session (Dynamics carried it out before the click), or no answer to the question: the tab is
/// taken as where it belongs, and nothing is closed or opened again.
#[test]
fn item_08_a_tab_overtaken_by_a_switch_to_home_and_found_in_its_session_stays() {
    for how in ["listed", "rejected", "deadline"] {
        let mut p = tab_overtaken_by_a_switch_to_home();
        switched(&mut p, "s-a", true);
        let check = p.req("getTabs");
        match how {
            "listed" => p.resolve(check, json!(["tab-a"])),
            "rejected" => p.reject(
                check,
                json!({"message": "RejectAfterClientError", "msdyn_name": "GetTabs"}),
            ),
            _ => p.advance(60_000),
        }
        let commands = p.take();
        assert!(
            !commands.iter().any(|c| c.starts_with("createTab") || c == "closeTab"),
            "{how}: {commands:?}"
        );
        switched(&mut p, "s-a", false);
        switched(&mut p, "s-a", true);
        assert!(
            p.take().iter().all(|c| !c.starts_with("createTab")),
            "{how}: not opened twice"
        );
        assert!(!p.report_codes().contains(&"tab.misplaced"), "{how}");
    }
}

/// A switch event that does not take the focus away from a tab's session (the late events of its own session's
/// creation) says nothing about where the tab opened: no question is asked.
#[test]
fn item_08_a_tab_answered_with_no_switch_away_in_between_stays() {
    let mut p = two_chats_first_popped();
    let tab_a = p.req("createTab");
    switched(&mut p, "s-a", true);
    p.resolve(tab_a, json!("tab-a"));
    assert!(p.all("getTabs").is_empty());
    assert!(p.all("closeTab").is_empty());
    assert!(!p.report_codes().contains(&"tab.misplaced"));
}

/// The agent closes a session while its tab is on its way: Dynamics carries the tab out in whichever session is
/// focused by then, another customer's. Its answer is not dropped: the tab is closed wherever it opened (if it
/// opened before the close, it went with its session and Dynamics refuses: nothing to say), and the agent is told
/// when it was found elsewhere.
#[test]
fn item_07_a_tab_on_its_way_when_its_session_closed_is_closed_wherever_it_opened() {
    for closed_elsewhere in [true, false] {
        let mut p = two_chats_first_popped();
        let tab_a = p.req("createTab");
        p.dynamics(DynamicsHandler::SessionClosed, json!({"sessionId": "s-a"}));
        assert_eq!(p.bridge.contact_state("chat-a"), Some("SessionClosed"));
        p.take();
        p.resolve(tab_a, json!("tab-a"));
        let after = p.take();
        assert!(after.contains(&"closeTab".to_owned()), "{after:?}");
        match p.last("closeTab").3 {
            CifCall::CloseTab { tab_id } => assert_eq!(tab_id, "tab-a"),
            other => panic!("{other:?}"),
        }
        let close = p.req("closeTab");
        if closed_elsewhere {
            p.resolve(close, json!(null));
            assert!(
                p.reports().iter().any(|r| r.code == "tab.misplaced" && r.agent_visible),
                "{:?}",
                p.reports()
            );
        } else {
            p.reject(
                close,
                json!({"message": "RejectAfterClientError", "msdyn_name": "CloseTab"}),
            );
            assert!(
                !p.reports().iter().any(|r| r.code.starts_with("tab.misplaced")),
                "a tab that went with its session is nothing to tell: {:?}",
                p.reports()
            );
        }
        assert!(
            !p.take().iter().any(|c| c.starts_with("createTab")),
            "never opened again"
        );
        assert_eq!(p.bridge.contact_state("chat-a"), Some("SessionClosed"));
    }
}

/// The same when the contact ends (the customer left the chat) before the late tab answer: the tab still shows this
/// contact's record in another customer's session, so it is still closed, and the agent is told whose it was.
#[test]
fn item_07_a_tab_of_a_closed_session_answered_after_its_contact_ended_is_still_closed() {
    let mut p = two_chats_first_popped();
    let tab_a = p.req("createTab");
    p.dynamics(DynamicsHandler::SessionClosed, json!({"sessionId": "s-a"}));
    p.event("chat-a", ContactEventKind::Destroyed, None);
    assert_eq!(p.bridge.contact_state("chat-a"), None);
    p.take();
    p.resolve(tab_a, json!("tab-a"));
    match p.last("closeTab").3 {
        CifCall::CloseTab { tab_id } => assert_eq!(tab_id, "tab-a"),
        other => panic!("{other:?}"),
    }
    let close = p.req("closeTab");
    p.resolve(close, json!(null));
    assert!(
        p.reports()
            .iter()
            .any(|r| r.code == "tab.misplaced" && r.agent_visible && r.message.contains("chat-a")),
        "{:?}",
        p.reports()
    );
}

/// While Dynamics is asked where an overtaken tab opened, no other pop moves the focus: the next contact's
/// `createSession` (which focuses its new session) waits for the answer, as it waits for a tab's.
#[test]
fn item_08_the_question_about_an_overtaken_tab_holds_the_pop_turn() {
    let (mut p, tab_b) = b_tab_overtaken_by_a_switch();
    chat(&mut p, "chat-c", 3);
    if p.take().contains(&"canCreateSession".to_owned()) {
        p.can_create();
    }
    assert!(p
        .all("createSession")
        .iter()
        .all(|(_, c, _)| c.as_ref().unwrap().as_str() != "chat-c"));
    p.resolve(tab_b, json!("tab-b"));
    assert_eq!(p.take(), vec!["getTabs"], "c's createSession waits for the answer");
    let check = p.req("getTabs");
    p.resolve(check, json!(["tab-b"]));
    let after = p.take();
    assert!(after.contains(&"closeTab".to_owned()), "{after:?}");
    assert!(
        after
            .iter()
            .any(|c| c.starts_with("createSession") || c == "canCreateSession"),
        "c's pop goes on once the question is answered: {after:?}"
    );
}

/// The page of [`tab_overtaken_by_a_switch_to_home`] reloaded while the agent is still in Home: the reloaded page
/// restores from what it stored, Dynamics confirms `s-a` as chat-a's, and the agent goes back to `s-a`. Returns
/// the reloaded page, all commands taken.
fn reloaded_with_a_tab_overtaken_by_a_switch_to_home() -> Pair {
    let before = tab_overtaken_by_a_switch_to_home();
    let stored = before.stored();
    assert!(
        stored.contacts.as_deref().is_some_and(|c| c.contains("\"unplaced\"")),
        "{:?}",
        stored.contacts
    );
    let mut p = Pair::new(Config::default());
    chat_event(&mut p, "chat-a", 1, ContactEventKind::Existing);
    p.input(Input::Restore(stored));
    p.ready();
    let all = p.req("getAllSessions");
    p.resolve(all, json!(["s-a"]));
    let asked = p.req("getSession");
    p.resolve(
        asked,
        json!({"sessionId": "s-a", "context": {"templateParameters": {"contactId": "chat-a"}}}),
    );
    p.take();
    p
}

/// A reload does not forget a tab that may have opened in Home: at its session's next focus it is looked for
/// there, as it would have been without the reload, rather than opened again unasked or taken as opened.
#[test]
fn item_08_a_tab_overtaken_by_a_switch_to_home_is_still_looked_for_after_a_reload() {
    let mut p = reloaded_with_a_tab_overtaken_by_a_switch_to_home();
    switched(&mut p, "s-a", true);
    assert_eq!(p.take(), vec!["getTabs"], "asked in its own session");
    let check = p.req("getTabs");
    p.resolve(check, json!(["tab-elsewhere"]));
    let commands = p.take();
    assert!(
        commands.contains(&format!("createTab extn_entity_record phonecall {}", activity(1))),
        "opened in its own session: {commands:?}"
    );
    match p.last("closeTab").3 {
        CifCall::CloseTab { tab_id } => assert_eq!(tab_id, "tab-a"),
        other => panic!("{other:?}"),
    }

    let mut p = reloaded_with_a_tab_overtaken_by_a_switch_to_home();
    switched(&mut p, "s-a", true);
    let check = p.req("getTabs");
    p.resolve(check, json!(["tab-a"]));
    let commands = p.take();
    assert!(
        !commands.iter().any(|c| c.starts_with("createTab") || c == "closeTab"),
        "listed there: it stays ({commands:?})"
    );
}

/// Without storage, Dynamics' record is all a reloaded page has: a tab that may have opened in Home is recorded in
/// its session's context as such, with its id, so the reloaded page looks for it there before opening it — neither
/// taken as opened there nor opened a second time unasked.
#[test]
fn item_08_without_storage_a_tab_overtaken_by_a_switch_to_home_is_recorded_in_dynamics_and_looked_for_after_a_reload() {
    for found_at_home in [true, false] {
        let mut before = Pair::default_ready();
        before.input(Input::StorageUnavailable {
            reason: "SecurityError".into(),
        });
        chat(&mut before, "chat-a", 1);
        before.advance(1_500);
        create(&mut before, "s-a");
        let tab = before.req("createTab");
        switched(&mut before, "s-a", false);
        before.resolve(tab, json!("tab-a"));
        // What Dynamics holds: every write merged, key by key (the first recorded the tab as requested).
        let mut context = serde_json::Map::new();
        for (_, _, call) in before.all("updateContext") {
            if let CifCall::UpdateContext { session_id, input } = call {
                assert_eq!(session_id, "s-a");
                context.extend(input);
            }
        }
        assert_eq!(
            context.get("ccbTabUnplaced_activity"),
            Some(&json!("extn_entity_record tab-a")),
            "{context:?}"
        );

        let mut p = Pair::new(Config::default());
        p.input(Input::StorageUnavailable {
            reason: "SecurityError".into(),
        });
        chat_event(&mut p, "chat-a", 1, ContactEventKind::Existing);
        p.ready();
        let all = p.req("getAllSessions");
        p.resolve(all, json!(["s-a"]));
        let asked = p.req("getSession");
        let mut context = serde_json::Value::Object(context);
        context["templateParameters"] = json!({"contactId": "chat-a"});
        p.resolve(asked, json!({"sessionId": "s-a", "context": context}));
        p.advance(1_500);
        p.take();
        switched(&mut p, "s-a", true);
        assert_eq!(
            p.take(),
            vec!["getTabs"],
            "looked for in its session, not opened unasked"
        );
        let check = p.req("getTabs");
        p.resolve(check, json!(if found_at_home { ["tab-a"] } else { ["tab-x"] }));
        let opened_again = p.take().iter().any(|c| c.starts_with("createTab"));
        assert_eq!(opened_again, !found_at_home, "found at home: {found_at_home}");
        // Settled: Dynamics' record of it as possibly elsewhere is cleared, and it is recorded as requested.
        match p.last("updateContext").3 {
            CifCall::UpdateContext { input, .. } => {
                assert_eq!(input.get("ccbTabUnplaced_activity"), Some(&json!("")), "{input:?}");
                assert_eq!(input.get("ccbTab_activity"), Some(&json!("1")), "{input:?}");
            }
            other => panic!("{other:?}"),
        }
    }
}
