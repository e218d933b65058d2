//! §3.12: no answer from Dynamics; retries; template fallbacks; garbage results.
#![allow(clippy::unwrap_used)]

use super::common;

use bridge_core::*;
use common::*;
use serde_json::json;

fn to_create_session(p: &mut Pair) {
    p.connected_until_create_session();
    p.take();
}

#[test]
fn item_12_create_session_without_answer_is_never_repeated_while_dynamics_may_still_answer() {
    let mut p = Pair::default_ready();
    to_create_session(&mut p);
    let create = p.req("createSession");
    p.advance(12_000);
    assert_eq!(p.take(), vec!["getAllSessions"]);
    let report = p
        .reports()
        .into_iter()
        .find(|r| r.code == "cif.createSession.timeout")
        .unwrap();
    assert!(report.agent_visible);
    // getAllSessions shows nothing new yet; wait on.
    let r = p.req("getAllSessions");
    p.resolve(r, json!([]));
    p.advance(10_000);
    assert!(p.take().is_empty());
    // The late answer (within sessionOrphanMs) is accepted.
    p.resolve(create, json!("late-session"));
    assert_eq!(p.bridge.session_of(CONTACT_ID), Some("late-session"));
    assert_eq!(p.all("createSession").len(), 1);
    assert_eq!(
        p.take(),
        vec![format!("createTab extn_entity_record phonecall {ACTIVITY_ID}")]
    );
    p.advance(600_000);
    assert_eq!(p.all("createSession").len(), 1);
}

#[test]
fn item_12_an_orphaned_create_session_frees_its_slot_and_is_tried_once_more() {
    let mut p = Pair::with_config(json!({"maxSessions": 1}));
    to_create_session(&mut p);
    let first = p.req("createSession");
    p.reject_time_limit(first, "CreateSession");
    let r = p.req("getAllSessions");
    p.resolve(r, json!([]));
    assert_eq!(
        p.bridge.open_sessions(),
        1,
        "the slot stays reserved while Dynamics may still create it"
    );
    p.advance(30_000);
    // A last look at Dynamics: still nothing, so it never happened.
    let r = p.req("getAllSessions");
    p.resolve(r, json!("[]"));
    assert_eq!(p.all("createSession").len(), 1, "not before canCreateSession");
    p.can_create();
    assert_eq!(
        p.all("createSession").len(),
        2,
        "tried once more after Dynamics said no session exists"
    );
    assert!(p.report_codes().contains(&"cif.createSession.orphaned"));
    let counts = p.bridge.debug_counts();
    assert_eq!((counts.orphan_due, counts.overdue), (0, 0), "{counts:?}");
    // The second one is orphaned too: the agent is told, nothing stays counted.
    p.advance(30_000);
    for _ in 0..3 {
        if let Some((r, _, _, _)) = p.log.iter().rev().find_map(|c| match c {
            Command::Cif {
                request,
                call: CifCall::GetAllSessions,
                ..
            } => Some((*request, (), (), ())),
            _ => None,
        }) {
            p.resolve(r, json!([]));
        }
    }
    assert_eq!(p.bridge.contact_state(CONTACT_ID), Some("Failed"));
    assert_eq!(p.all("createSession").len(), 2);
    assert_eq!(
        p.bridge.open_sessions(),
        0,
        "no slot counted for sessions that never appeared"
    );
    let told = p
        .reports()
        .iter()
        .any(|r| r.code == "cif.createSession.orphaned" && r.severity == Severity::Error && r.agent_visible);
    assert!(told);
}

#[test]
fn item_12_get_all_sessions_and_get_session_adopt_the_contacts_session() {
    let mut p = Pair::default_ready();
    to_create_session(&mut p);
    p.advance(12_000);
    let r = p.req("getAllSessions");
    p.resolve(r, json!("[\"other\",\"found\"]"));
    let asked: Vec<String> = p
        .all("getSession")
        .into_iter()
        .map(|(_, _, c)| match c {
            CifCall::GetSession { session_id } => session_id,
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(asked, vec!["found", "other"]);
    let calls = p.all("getSession");
    // As the CIF sample reads it: a Map (converted by the shell to an object) whose context holds the
    // template parameters.
    p.resolve(
        calls[0].0,
        json!({"sessionId": "found", "context": {"templateParameters": {"contactId": CONTACT_ID}}, "isFocused": true}),
    );
    p.resolve(calls[1].0, json!("{\"sessionId\":\"other\",\"context\":{}}"));
    assert_eq!(p.bridge.session_of(CONTACT_ID), Some("found"));
    assert_eq!(p.all("createSession").len(), 1);
    assert_eq!(
        p.bridge.open_sessions(),
        3,
        "the other provider's session counts, and so does the unanswered createSession (it may still make one)"
    );
    // Dynamics never answers it: at sessionOrphanMs (30 s after it was sent) it frees its slot, nothing created.
    p.advance(18_000);
    let r = p.req("getAllSessions");
    p.resolve(r, json!(["other", "found"]));
    assert_eq!(p.bridge.open_sessions(), 2);
    assert_eq!(p.all("createSession").len(), 1);
    assert_eq!(p.bridge.session_of(CONTACT_ID), Some("found"));
}

#[test]
fn item_12_without_a_contact_id_in_the_context_one_new_session_is_adopted_for_one_waiting_contact() {
    let mut p = Pair::default_ready();
    to_create_session(&mut p);
    p.advance(12_000);
    let r = p.req("getAllSessions");
    p.resolve(r, json!("[\"found\"]"));
    // An older CIF whose context carries no template parameters.
    let r = p.req("getSession");
    p.resolve(r, json!({"sessionId": "found", "conversationId": "c1", "context": {}}));
    assert_eq!(p.bridge.session_of(CONTACT_ID), Some("found"));
    assert_eq!(p.all("createSession").len(), 1);
}

#[test]
fn item_12_a_failing_get_session_is_retried_then_the_session_counts_with_its_owner_unknown() {
    let mut p = Pair::default_ready();
    to_create_session(&mut p);
    p.advance(12_000);
    let r = p.req("getAllSessions");
    p.resolve(r, json!(["found"]));
    for _ in 0..4 {
        let r = p.req("getSession");
        p.reject(
            r,
            json!({"message": "RejectAfterClientError", "msdyn_name": "GetSession"}),
        );
        p.advance(5_000);
    }
    assert_eq!(p.all("getSession").len(), 4, "first try and three retries");
    assert!(p.report_codes().contains(&"cif.getSession.failed"));
    // Exactly one unnamed session and one contact waiting for its own: that one is taken as its.
    assert_eq!(p.bridge.session_of(CONTACT_ID), Some("found"));
    assert_eq!(p.all("createSession").len(), 1);
}

/// A `createSession` that went overdue and was then *rejected* (nothing was created) waits for its retry: it is
/// not the contact of the one session Dynamics lists without an owner.
#[test]
fn item_12_a_create_session_rejected_after_its_deadline_adopts_no_stranger() {
    let mut p = Pair::default_ready();
    p.connected_until_create_session();
    let create = p.req("createSession");
    p.advance(12_100);
    let list = p.req("getAllSessions");
    p.reject(create, json!({"message": "Something went wrong on the server"}));
    p.resolve(list, json!(["stranger"]));
    let ask = p.req("getSession");
    p.resolve(ask, json!({"sessionId": "stranger", "context": {}}));
    assert_ne!(p.bridge.session_of(CONTACT_ID), Some("stranger"));
    p.advance(5_000);
    assert_eq!(
        p.all("createSession").len(),
        2,
        "the rejected createSession is tried again"
    );
    assert_ne!(p.bridge.session_of(CONTACT_ID), Some("stranger"));
}

#[test]
fn item_12_create_session_rejection_is_retried_with_backoff() {
    let mut p = Pair::default_ready();
    to_create_session(&mut p);
    let first = p.req("createSession");
    p.reject(
        first,
        json!("{\"message\":\"RejectAfterClientError\",\"msdyn_name\":\"CreateSession\"}"),
    );
    assert!(p.take().is_empty());
    assert_eq!(p.bridge.poll_timeout(), Some(p.now.plus(500)));
    p.advance(500);
    assert_eq!(p.take(), vec!["createSession extn_voice_identified_session"]);
    for expected_delay in [1000, 2000] {
        let r = p.req("createSession");
        p.reply(r, CifOutcome::Threw("Microsoft is not defined".into()));
        p.advance(expected_delay - 1);
        assert!(p.take().is_empty());
        p.advance(1);
        assert_eq!(p.take().len(), 1);
    }
    let r = p.req("createSession");
    p.reject(r, json!({"message": "RejectAfterClientError"}));
    p.advance(60_000);
    assert!(p.take().is_empty(), "retries are bounded");
    assert_eq!(p.bridge.contact_state(CONTACT_ID), Some("Failed"));
    assert!(p
        .reports()
        .iter()
        .any(|r| r.code == "cif.createSession.failed" && r.agent_visible));
}

#[test]
fn item_12_template_not_found_falls_back_to_the_channel_default_once() {
    let mut p = Pair::default_ready();
    let a = attrs(&[
        ("ms_notify_template", "abc_missing"),
        ("ms_session_template", "abc_missing_session"),
    ]);
    p.event(
        CONTACT_ID,
        ContactEventKind::Connecting,
        Some(snapshot("voice", "connecting", Some(true), a)),
    );
    let r = p.req("notifyEvent");
    p.reject(
        r,
        json!("{\"message\":\"NotificationTemplateNotFoundError\",\"msdyn_name\":\"NotifyEvent\"}"),
    );
    assert_eq!(
        p.take(),
        vec!["notifyEvent abc_missing", "notifyEvent extn_voice_notification"]
    );
    p.accept_toast();
    p.can_create();
    let r = p.req("createSession");
    p.reject(r, json!({"message": "SessionTemplateNotFoundError"}));
    let calls: Vec<_> = p
        .take()
        .into_iter()
        .filter(|c| c.starts_with("createSession"))
        .collect();
    assert_eq!(
        calls,
        vec![
            "createSession abc_missing_session",
            "createSession extn_voice_identified_session"
        ]
    );
    assert!(p.report_codes().contains(&"template.notification.fallback"));
    assert!(p.report_codes().contains(&"template.session.fallback"));
}

#[test]
fn item_12_garbage_results_are_failures_not_panics() {
    let mut p = Pair::default_ready();
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    let r = p.req("canCreateSession");
    p.resolve(r, json!("{not json"));
    p.advance(500);
    assert_eq!(p.take(), vec!["canCreateSession", "canCreateSession"]);
    p.can_create();
    let r = p.req("createSession");
    p.resolve(r, json!({"weird": [1, 2, 3]}));
    // A resolved createSession may have created something: never repeated, reconciled instead.
    assert_eq!(
        p.take(),
        vec!["createSession extn_voice_identified_session", "getAllSessions"]
    );
    assert_eq!(p.bridge.contact_state(CONTACT_ID), Some("SessionUnknown"));
}

#[test]
fn item_12_notification_without_answer_is_withdrawn_and_pops_on_connect() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    p.take();
    p.advance(599_999);
    assert!(p.take().is_empty(), "a toast may stay up to 500 s");
    p.advance(1);
    assert_eq!(p.take(), vec!["cancelEvent"]);
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    assert_eq!(p.take(), vec!["canCreateSession"]);
}

/// A single match popped in `s1`, its two `createTab`s (customer record, activity) sent and not answered.
fn popped_with_two_tabs_in_flight() -> (Pair, Vec<(RequestId, Option<ContactId>, CifCall)>) {
    let mut p = Pair::with_config(json!({"customerRecordTab": "tab"}));
    p.ring(CONTACT_ID, Scenario::Single);
    p.accept_toast();
    p.can_create();
    p.session_created("s1");
    let tabs = p.all("createTab");
    assert_eq!(tabs.len(), 2);
    p.take();
    (p, tabs)
}

#[test]
fn item_12_tab_failures_are_retried_but_tab_timeouts_are_not() {
    let (mut p, tabs) = popped_with_two_tabs_in_flight();
    p.reject(tabs[0].0, json!({"message": "RejectAfterClientError"}));
    p.advance(500);
    assert_eq!(
        p.take(),
        vec![format!("createTab extn_entity_record phonecall {ACTIVITY_ID}")]
    );
    p.advance(30_000);
    assert!(p.take().is_empty());
    assert!(p.report_codes().contains(&"cif.createTab.timeout"));
}

/// Only an unknown template is permanent: a record the tab template names that is not found (or not visible
/// yet) is retried like any other failure, however the rejection words it.
#[test]
fn item_12_a_record_not_found_is_retried_even_when_the_rejection_names_the_template() {
    for message in [
        "Record not found",
        "Could not open the tab from template extn_entity_record: record phonecall 9b2c3d4e not found",
    ] {
        let (mut p, tabs) = popped_with_two_tabs_in_flight();
        p.reject(tabs[0].0, json!({"message": message, "msdyn_name": "CreateTab"}));
        p.advance(500);
        assert_eq!(p.take().len(), 1, "{message:?}: retried");
    }
}

#[test]
fn item_12_the_channel_default_template_unknown_too_is_told_at_once_and_pops_when_answered() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::NoMatch);
    // The flow named the channel default itself: a missing template is permanent, nothing to fall back to.
    let r = p.req("notifyEvent");
    p.reject(
        r,
        json!({"message": "NotificationTemplateNotFoundError", "msdyn_name": "NotifyEvent"}),
    );
    p.advance(30_000);
    assert_eq!(p.all("notifyEvent").len(), 1, "a permanent error is never retried");
    let told = p
        .reports()
        .into_iter()
        .find(|r| r.code == "cif.notifyEvent.failed")
        .unwrap();
    assert!(
        told.agent_visible && told.message.contains("extn_voice_notification"),
        "{told:?}"
    );
    // Answered in the softphone: the pop runs.
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::NoMatch)),
    );
    p.can_create();
    let r = p.req("createSession");
    p.reject(
        r,
        json!({"message": "SessionTemplateNotFoundError", "msdyn_name": "CreateSession"}),
    );
    p.advance(30_000);
    assert_eq!(
        p.all("createSession").len(),
        1,
        "the default session template is not retried either"
    );
    assert_eq!(p.bridge.contact_state(CONTACT_ID), Some("Failed"));
    assert!(p
        .reports()
        .iter()
        .any(|r| r.code == "cif.createSession.failed" && r.agent_visible));
}

#[test]
fn item_04_the_search_tab_gets_search_text_and_only_a_configured_search_type() {
    let mut p = Pair::default_ready();
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Multi)),
    );
    p.can_create();
    p.session_created("s1");
    let (_, _, _, call) = p.last("createTab");
    let search = params(&call);
    assert_eq!(search.get("searchText"), Some(&json!(PHONE)));
    assert_eq!(search.get("searchType"), None, "left to the template");
    assert_eq!(search.len(), 1, "{search:?}");

    let mut p = Pair::with_config(json!({"searchTabSearchType": 1, "searchTabEntityParameter": "entityName"}));
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Multi)),
    );
    p.can_create();
    p.session_created("s1");
    let (_, _, _, call) = p.last("createTab");
    let search = params(&call);
    assert_eq!(
        search.get("searchType"),
        Some(&json!(1)),
        "categorized, as the Search page type takes it"
    );
    assert_eq!(
        search.get("entityName"),
        Some(&json!("contact")),
        "the entity under the configured name"
    );

    let mut p = Pair::with_config(json!({"searchTabTemplate": ""}));
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Multi)),
    );
    p.can_create();
    p.session_created("s1");
    assert_eq!(
        p.last("renderSearchPage").3,
        CifCall::RenderSearchPage {
            entity_name: "contact".into(),
            search_string: PHONE.into()
        }
    );
}

#[test]
fn item_12_an_adopted_session_that_dynamics_says_is_focused_gets_its_tabs_whatever_the_flag_is_called() {
    // The documented `isFocused`, and `focused` as the CIF host's own Map holds it: no onSessionSwitched follows
    // for a session that is already focused, so the flag is all there is.
    for flag in ["isFocused", "focused"] {
        let mut p = Pair::default_ready();
        p.connected_until_create_session();
        let first = p.req("createSession");
        p.reject_time_limit(first, "CreateSession");
        let r = p.req("getAllSessions");
        p.resolve(r, json!(["found"]));
        let r = p.req("getSession");
        p.resolve(
            r,
            json!({"sessionId": "found", flag: true, "context": {"contactId": CONTACT_ID}}),
        );
        assert_eq!(p.bridge.session_of(CONTACT_ID), Some("found"), "{flag}");
        assert!(
            !p.all("createTab").is_empty(),
            "{flag}: the tabs open in the focused session"
        );
    }
}

/// §3.12 / §5: an unknown template is never sent again, even when its rejection comes after the contact lost
/// the pop turn (`popTurnMs`) and it queues for another: at its next turn it uses the channel default.
#[test]
fn an_unknown_session_template_rejected_after_the_turn_passed_is_not_sent_again() {
    let mut p = Pair::default_ready();
    let a = attrs(&[("ms_session_template", "abc_missing_session")]);
    p.event(
        "contact-a",
        ContactEventKind::Connected,
        Some(snapshot("voice", "connected", Some(true), a)),
    );
    p.can_create();
    let ra = p.req("createSession");
    p.advance(2_000); // popTurnMs (1.5 s) passes: A no longer holds the turn
    p.event(
        "contact-b",
        ContactEventKind::Connected,
        Some(snapshot("voice", "connected", Some(true), attrs(&[]))),
    );
    // B now holds the turn (canCreateSession in flight) when A's rejection arrives.
    p.reject(
        ra,
        json!({"message": "SessionTemplateNotFoundError", "msdyn_name": "CreateSession"}),
    );
    p.can_create(); // B may create
    p.session_created("s-b");
    for (r, _, _) in p.all("createTab") {
        p.resolve(r, json!("tab"));
    }
    // A's turn.
    if p.all("canCreateSession").len() == 3 {
        p.can_create();
    }
    let a_sessions: Vec<String> = p
        .all("createSession")
        .into_iter()
        .filter(|(_, c, _)| c.as_ref().map(ContactId::as_str) == Some("contact-a"))
        .map(|(_, _, call)| match call {
            CifCall::CreateSession { template_name, .. } => template_name,
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(
        a_sessions,
        vec!["abc_missing_session", "extn_voice_identified_session"],
        "the unknown template was sent again instead of the channel default"
    );
}

/// §3.12: a contact whose `createSession` Dynamics never carried out pops once more at once; its own lost
/// request no longer counts as an open session, so the agent is not told that the session limit is reached.
#[test]
fn an_orphaned_create_session_tried_once_more_does_not_count_itself_against_the_limit() {
    let mut p = Pair::with_config(json!({"maxSessions": 1}));
    to_create_session(&mut p);
    let first = p.req("createSession");
    p.reject_time_limit(first, "CreateSession");
    let r = p.req("getAllSessions");
    p.resolve(r, json!([]));
    p.advance(30_000);
    let r = p.req("getAllSessions");
    p.resolve(r, json!([]));
    assert!(
        !p.report_codes().contains(&"session.limit"),
        "no session is open: {:?}",
        p.report_codes()
    );
    p.can_create();
    assert_eq!(p.all("createSession").len(), 2);
}

/// A call that went out but whose answer the page cannot read (its promise's `then` threw) will never be
/// answered: the core acts on that at once, as its deadline would, and never sends a `createSession` again.
#[test]
fn item_12_an_unreadable_create_session_answer_is_no_answer_at_once() {
    let mut p = Pair::default_ready();
    to_create_session(&mut p);
    let create = p.req("createSession");
    p.reply(create, CifOutcome::Unreadable("then refused".into()));
    assert!(p.report_codes().contains(&"cif.createSession.timeout"));
    assert_eq!(
        p.take(),
        vec!["getAllSessions"],
        "Dynamics is asked which sessions exist"
    );
    p.advance(20_000);
    assert_eq!(p.all("createSession").len(), 1);
}

/// The same for a toast: its Accept could never be read, so the agent is told at once to answer in the
/// softphone, and the toast is withdrawn.
#[test]
fn item_12_an_unreadable_notification_answer_sends_the_agent_to_the_softphone() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    let toast = p.req("notifyEvent");
    p.reply(toast, CifOutcome::Unreadable("then refused".into()));
    assert!(p.report_codes().contains(&"cif.notifyEvent.timeout"));
    assert_eq!(p.bridge.contact_state(CONTACT_ID), Some("AwaitingConnect"));
    assert_eq!(p.all("notifyEvent").len(), 1, "no second toast");
}

/// A call without side effects whose answer cannot be read is simply asked again.
#[test]
fn item_12_an_unreadable_capacity_answer_is_asked_again() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    let toast = p.req("notifyEvent");
    p.resolve(toast, json!({"actionName": "Accept"}));
    let ask = p.req("canCreateSession");
    p.reply(ask, CifOutcome::Unreadable("then refused".into()));
    p.advance(1_000);
    assert_eq!(p.all("canCreateSession").len(), 2);
}
