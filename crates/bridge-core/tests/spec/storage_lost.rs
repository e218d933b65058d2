//! Reloads where what the page's storage holds says less than what the page before it did: a write refused
//! (quota), or storage blocked in both loads. Dynamics, the source of truth (spec §3.14), is asked first.
#![allow(clippy::unwrap_used)]

use super::common;

use bridge_core::*;
use common::*;
use serde_json::{json, Map, Value};

const ARN: &str = "arn:aws:connect:us-east-1:111122223333:instance/7a3e/agent/4f1c";

/// This tab's Dynamics answers whatever is pending: a free session slot, and session s1 open for the contact.
fn dynamics_holds_s1(p: &mut Pair) {
    for _ in 0..5 {
        let pending = |p: &Pair, method: &str| {
            p.all(method)
                .into_iter()
                .last()
                .filter(|(r, _, _)| p.bridge.awaits_reply(*r))
                .map(|(r, _, _)| r)
        };
        if let Some(r) = pending(p, "canCreateSession") {
            p.resolve(r, json!(true));
        }
        if let Some(r) = pending(p, "getAllSessions") {
            p.resolve(r, json!(["s1"]));
        }
        if let Some(r) = pending(p, "getSession") {
            p.resolve(
                r,
                json!({"sessionId": "s1", "context": {"templateParameters": {"contactId": CONTACT_ID}}}),
            );
        }
    }
}

fn storage_blocked() -> Input {
    Input::StorageUnavailable {
        reason: "SecurityError: The operation is insecure.".into(),
    }
}

/// A page whose storage is blocked has sent `createSession` for a connected contact; the agent reloads while it
/// is in flight and this tab's Dynamics carries it out as s1.
fn leader_reloaded_mid_create_session_without_storage() {
    let mut first = Pair::new(Config::default());
    first.input(storage_blocked());
    // A load that cannot read its storage holds the pop turn for popTurnMs from its start.
    first.advance(1_500);
    first.ready();
    first.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    let r = first.req("getAllSessions");
    first.resolve(r, json!([]));
    first.can_create();
    assert!(first.take().iter().any(|c| c.starts_with("createSession")));
}

/// The first contacts-slot write is refused (the start-up probe fitted, the slot did not) just as `createSession`
/// leaves; the reloaded page finds its storage working and empty, so only the contact's state (answered before
/// the page loaded) says a page before it may have popped it.
#[test]
fn a_reload_after_the_first_write_was_refused_adopts_the_session_instead_of_creating_a_second() {
    let mut first = Pair::default_ready();
    first.connected_until_create_session();
    assert_eq!(
        first.take(),
        vec!["canCreateSession", "createSession extn_voice_identified_session"]
    );
    first.input(Input::StorageUnavailable {
        reason: "QuotaExceededError: 120 characters refused".into(),
    });
    // The page reloads; its storage works again and holds nothing: no Restore.
    let mut p = Pair::new(Config::default());
    p.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    p.ready();
    dynamics_holds_s1(&mut p);
    let calls = p.take();
    assert!(
        !calls.iter().any(|c| c.starts_with("createSession")),
        "s1 already carries the contact: adopted, none created; got {calls:?}"
    );
    assert_eq!(p.bridge.session_of(CONTACT_ID), Some("s1"));
}

/// Storage blocked in both loads; after the reload another tab leads and claims the contact. Only this page can
/// open s1's tabs (they live in its own Dynamics), so it asks its Dynamics although it follows — whether the
/// agent is known before CIF is ready (the CCP started first) or after.
#[test]
fn a_page_reloaded_mid_create_session_without_storage_opens_its_tabs_while_another_tab_leads() {
    for agent_known_first in [true, false] {
        leader_reloaded_mid_create_session_without_storage();
        let mut p = Pair::new(Config::default());
        p.input(storage_blocked());
        if !agent_known_first {
            p.ready();
        }
        p.input(Input::Leadership(LeadershipInput::AgentKnown {
            agent_arn: Some(ARN.into()),
            username: None,
        }));
        p.input(Input::Leadership(LeadershipInput::LockWaiting));
        p.ready();
        p.event(
            CONTACT_ID,
            ContactEventKind::Existing,
            Some(voice("connected", Scenario::Single)),
        );
        p.input(Input::Leadership(LeadershipInput::Peer(
            json!({"t": "leading", "from": "other", "claimed": [CONTACT_ID]}),
        )));
        assert_eq!(p.bridge.tab_role(), "following");
        p.advance(5_000);
        dynamics_holds_s1(&mut p);
        p.dynamics(
            DynamicsHandler::SessionSwitched,
            json!({"sessionId": "s1", "focused": true}),
        );
        p.advance(60_000);
        let calls = p.take();
        assert!(
            calls.iter().any(|c| c.starts_with("createTab")),
            "agent known first: {agent_known_first}; got {calls:?}; state {:?}",
            p.bridge.contact_state(CONTACT_ID)
        );
        assert!(!calls.iter().any(|c| c.starts_with("createSession")), "{calls:?}");
    }
}

/// s1's context as Dynamics holds it: every `updateContext` merged in order.
fn context_of(p: &Pair) -> Map<String, Value> {
    let mut ctx = Map::new();
    for (_, _, call) in p.all("updateContext") {
        if let CifCall::UpdateContext { input, .. } = call {
            for (k, v) in input {
                ctx.insert(k, v);
            }
        }
    }
    ctx
}

fn customer_tabs(p: &Pair) -> usize {
    p.all("createTab")
        .into_iter()
        .filter(|(_, _, c)| {
            matches!(c, CifCall::CreateTab { template_parameters, .. }
                if template_parameters.get("entityName") == Some(&json!("contact")))
        })
        .count()
}

/// Storage blocked: the customer tab is recorded in s1's context as requested, its `createTab` fails, and its
/// retry waits for s1's focus (the agent moved on). A reload then finds the tab recorded as waiting, not as open,
/// and opens it when s1 is focused.
#[test]
fn a_tab_back_to_waiting_after_it_was_recorded_still_opens_after_a_reload() {
    let cfg = json!({"customerRecordTab": "tab"});
    let config = || {
        Config::resolve(&[ConfigLayer {
            source: ConfigSource::Url,
            values: cfg.as_object().cloned().unwrap(),
        }])
        .0
    };
    let customer = || {
        attrs(&[
            ("ms_customer_entity_name", "contact"),
            ("LookupStatus", "SingleMatch"),
            ("ms_contact_id", CUSTOMER_ID),
        ])
    };
    let mut first = Pair::new(config());
    first.ready();
    first.input(storage_blocked());
    if let Some((r, _, _)) = first.all("getAllSessions").into_iter().last() {
        first.resolve(r, json!([]));
    }
    first.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(snapshot("voice", "connected", Some(true), customer())),
    );
    first.can_create();
    first.session_created("s1");
    assert_eq!(customer_tabs(&first), 1);
    let r = first.req("createTab");
    first.reject(r, json!({"message": "Network request failed"}));
    agent_looks_at_another_session(&mut first);
    first.advance(10_000);
    assert_eq!(customer_tabs(&first), 1, "the retry waits for s1's focus");
    let ctx = context_of(&first);

    let p = reloaded_without_storage_into_s1(config(), snapshot("voice", "connected", Some(true), customer()), &ctx);
    assert_eq!(customer_tabs(&p), 1, "context {ctx:?}");
}

/// A page without storage, reloaded while the contact is connected: Dynamics lists s1, focused, whose context
/// holds the contact id and `recorded` (what earlier pages wrote with `updateContext`).
fn reloaded_without_storage_into_s1(config: Config, contact: ContactSnapshot, recorded: &Map<String, Value>) -> Pair {
    let mut p = Pair::new(config);
    p.input(storage_blocked());
    p.ready();
    p.event(CONTACT_ID, ContactEventKind::Existing, Some(contact));
    let r = p.req("getAllSessions");
    p.resolve(r, json!(["s1"]));
    let r = p.req("getSession");
    let mut context = recorded.clone();
    context.insert("templateParameters".into(), json!({"contactId": CONTACT_ID}));
    p.resolve(r, json!({"sessionId": "s1", "isFocused": true, "context": context}));
    p.advance(5_000);
    p
}

/// Storage works while the contact pops, and the first page reloads before its tab's answer (so before it
/// records the tab in Dynamics); storage works again on the reloaded page, and fails there before Dynamics has
/// said what the restored session holds; the agent reloads once more, and this last page has no storage at all. The tab
/// the first page opened is in Dynamics' context by then, so it does not open a second time. (Found by the
/// property test: the page that lost its storage waited for `getSession` before writing anything.)
#[test]
fn storage_failing_before_a_restored_session_is_confirmed_still_records_its_tabs_in_dynamics() {
    let mut first = Pair::default_ready();
    first.connected_until_create_session();
    first.session_created("s1");
    assert_eq!(first.all("createTab").len(), 1, "the activity tab");
    assert!(
        first.all("updateContext").is_empty(),
        "with storage working, a tab is recorded in Dynamics once it opened"
    );

    let mut second = Pair::new(Config::default());
    second.input(Input::Restore(first.stored()));
    second.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    second.ready();
    second.input(Input::StorageUnavailable {
        reason: "QuotaExceededError".into(),
    });
    assert!(
        second.bridge.awaits_reply(second.req("getAllSessions")),
        "Dynamics not asked yet"
    );
    let ctx = context_of(&second);
    assert_eq!(ctx.get("ccbTab_activity"), Some(&json!("1")), "{ctx:?}");
    assert!(
        !ctx.contains_key("ccbTabs"),
        "no list that could be shorter than the context's: {ctx:?}"
    );

    let third = reloaded_without_storage_into_s1(Config::default(), voice("connected", Scenario::Single), &ctx);
    assert!(third.all("createSession").is_empty());
    assert!(third.all("createTab").is_empty(), "{:?}", third.all("createTab"));
}

/// Storage worked while the contact popped, and the next page finds it empty (cleared, or blocked from this
/// load on without a failed write before): Dynamics' context, which the first page wrote too, says the
/// session and its tabs exist, so nothing opens twice.
#[test]
fn storage_emptied_across_a_reload_opens_no_tab_twice() {
    for blocked in [false, true] {
        let mut first = Pair::with_config(json!({"customerRecordTab": "tab"}));
        first.connected_until_create_session();
        first.session_created("s1");
        assert_eq!(first.all("createTab").len(), 2);
        for (tab, _, _) in first.all("createTab") {
            first.resolve(tab, json!("tab"));
        }
        assert_eq!(first.all("updateContext").len(), 1, "one record once both tabs opened");
        let ctx = context_of(&first);

        let mut p = Pair::with_config(json!({"customerRecordTab": "tab"}));
        if blocked {
            p.input(storage_blocked());
        } else {
            p.input(Input::Restore(RestoredState::default()));
        }
        p.event(
            CONTACT_ID,
            ContactEventKind::Existing,
            Some(voice("connected", Scenario::Single)),
        );
        p.ready();
        assert_eq!(p.take(), vec!["getAllSessions"], "blocked: {blocked}");
        let r = p.req("getAllSessions");
        p.resolve(r, json!(["s1"]));
        assert_eq!(p.take(), vec!["getSession"], "blocked: {blocked}");
        let r = p.req("getSession");
        let mut context = ctx.clone();
        context.insert("templateParameters".into(), json!({"contactId": CONTACT_ID}));
        p.resolve(r, json!({"sessionId": "s1", "isFocused": true, "context": context}));
        p.advance(5_000);
        assert_eq!(p.take(), Vec::<String>::new(), "blocked: {blocked}");
        assert!(p.all("createSession").is_empty(), "blocked: {blocked}");
        assert!(p.all("createTab").is_empty(), "blocked: {blocked}");
        assert_eq!(p.bridge.session_of(CONTACT_ID), Some("s1"));
    }
}

/// Dynamics refuses the tab record on every attempt: the console says so, and what still holds it (this page's
/// storage); the pop itself is untouched.
#[test]
fn a_tab_record_dynamics_refuses_is_reported_once_with_what_still_holds_it() {
    let mut p = Pair::with_config(json!({"cifRetryBackoffMs": 100}));
    p.connected_until_create_session();
    p.session_created("s1");
    let tab = p.req("createTab");
    p.resolve(tab, json!("tab-1"));
    for _ in 0..10 {
        let r = p.req("updateContext");
        if p.bridge.awaits_reply(r) {
            p.reject(r, json!({"message": "RejectAfterClientError"}));
        }
        p.advance(5_000);
    }
    let failed: Vec<&Report> = p
        .reports()
        .into_iter()
        .filter(|r| r.code == "cif.updateContext.failed")
        .collect();
    assert_eq!(failed.len(), 1, "{:?}", p.report_codes());
    assert!(!failed[0].agent_visible);
    assert!(
        failed[0].message.contains("this page's storage holds them"),
        "{}",
        failed[0].message
    );
    assert_eq!(p.bridge.contact_state(CONTACT_ID), Some("Popped"));
    // Storage fails later: the record is tried again, although it says what the refused one said.
    let before = p.all("updateContext").len();
    p.input(storage_blocked());
    assert_eq!(p.all("updateContext").len(), before + 1);
}

/// With storage working, a tab whose request failed and waits for its session's focus is never recorded in
/// Dynamics as opened: a reload with its storage then opens it when the session is focused, whatever the order
/// in which the page's writes reached Dynamics.
#[test]
fn a_tab_that_failed_and_waits_for_focus_is_never_recorded_as_opened() {
    let config = || {
        Config::resolve(&[ConfigLayer {
            source: ConfigSource::Url,
            values: json!({"customerRecordTab": "tab", "cifRetryBackoffMs": 100})
                .as_object()
                .cloned()
                .unwrap(),
        }])
        .0
    };
    let mut first = Pair::with_config(json!({"customerRecordTab": "tab", "cifRetryBackoffMs": 100}));
    first.connected_until_create_session();
    first.session_created("s1");
    let tabs = first.all("createTab");
    assert_eq!(tabs.len(), 2, "activity and customer");
    first.reject(tabs[0].0, json!({"message": "RejectAfterClientError"}));
    first.resolve(tabs[1].0, json!("tab-customer"));
    agent_looks_at_another_session(&mut first);
    first.advance(5_000);
    assert_eq!(first.all("createTab").len(), 2, "the retry waits for s1's focus");
    for (_, _, call) in first.all("updateContext") {
        let CifCall::UpdateContext { input, .. } = call else {
            unreachable!()
        };
        assert_ne!(input.get("ccbTab_activity"), Some(&json!("1")), "{input:?}");
    }
    let ctx = context_of(&first);

    let mut p = Pair::new(config());
    p.input(Input::Restore(first.stored()));
    p.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    p.ready();
    let r = p.req("getAllSessions");
    p.resolve(r, json!(["s1", "s-other"]));
    for (r, _, call) in p.all("getSession") {
        let CifCall::GetSession { session_id } = call else {
            unreachable!()
        };
        let answer = if session_id == "s1" {
            let mut context = ctx.clone();
            context.insert("templateParameters".into(), json!({"contactId": CONTACT_ID}));
            json!({"sessionId": "s1", "context": context})
        } else {
            json!({"sessionId": "s-other", "isFocused": true, "context": {}})
        };
        p.resolve(r, answer);
    }
    p.take();
    p.dynamics(
        DynamicsHandler::SessionSwitched,
        json!({"sessionId": "s-other", "focused": false}),
    );
    p.dynamics(
        DynamicsHandler::SessionSwitched,
        json!({"sessionId": "s1", "focused": true}),
    );
    assert_eq!(
        p.take()
            .iter()
            .filter(|c| c.starts_with("createTab extn_entity_record phonecall"))
            .count(),
        1,
        "the activity tab opens once s1 is focused"
    );
    assert!(p.all("createTab").iter().all(|(_, _, c)| matches!(c, CifCall::CreateTab { template_parameters, .. } if template_parameters.get("entityName") != Some(&json!("contact")))), "the customer tab is not opened again");
}

/// The agent switches from s1 to another session (a tab retry for s1 waits then).
fn agent_looks_at_another_session(p: &mut Pair) {
    p.dynamics(
        DynamicsHandler::SessionSwitched,
        json!({"sessionId": "s1", "focused": false}),
    );
    p.dynamics(
        DynamicsHandler::SessionSwitched,
        json!({"sessionId": "s-other", "focused": true}),
    );
}

/// A page without storage finds the contact already there and Dynamics' record of its tabs in the session's
/// context, which gives the values back typed (`1` as a number, as a dictionary that stores what it parses may;
/// `true`): those tabs are recorded, so none opens a second time.
#[test]
fn tabs_recorded_as_numbers_or_booleans_in_the_context_are_not_opened_again() {
    let mut p = Pair::with_config(json!({"customerRecordTab": "tab"}));
    p.input(storage_blocked());
    p.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    let r = p.req("getAllSessions");
    p.resolve(r, json!(["s1"]));
    let g = p.req("getSession");
    p.resolve(
        g,
        json!({"sessionId": "s1", "isFocused": true, "context": {
            "templateParameters": {"contactId": CONTACT_ID},
            "ccbTab_activity": 1, "ccbTab_customer": true}}),
    );
    assert_eq!(p.bridge.session_of(CONTACT_ID), Some("s1"));
    let tabs: Vec<String> = p.take().into_iter().filter(|c| c.starts_with("createTab")).collect();
    assert!(tabs.is_empty(), "recorded tabs opened again: {tabs:?}");
}

/// Storage blocked, and the page reloaded after the agent accepted the toast and s1 was created, before Connect
/// heard the accept. Dynamics names s1 as this contact's before Streams delivers it, still ringing: it is popped
/// already, so it gets no second toast; s1 is adopted and the contact accepted in Connect.
#[test]
fn a_ringing_contact_dynamics_already_named_gets_no_toast_and_is_accepted() {
    let mut p = Pair::new(Config::default());
    p.input(storage_blocked());
    p.ready();
    dynamics_holds_s1(&mut p);
    p.ring(CONTACT_ID, Scenario::Single);
    let sent = p.take();
    assert!(
        p.all("notifyEvent").is_empty(),
        "no toast for a popped contact: {sent:?}"
    );
    assert!(p.all("createSession").is_empty());
    assert_eq!(sent.iter().filter(|c| *c == "streams Accept").count(), 1, "{sent:?}");
    assert_eq!(p.bridge.session_of(CONTACT_ID), Some("s1"));
    p.ring(CONTACT_ID, Scenario::Single);
    assert!(!p.take().contains(&"streams Accept".to_owned()), "accepted once");
}

/// The same contact declined on this page before Dynamics named s1 as its, then offered again: the agent's
/// answer counts, so the new offer raises a toast and is not accepted on the agent's behalf.
#[test]
fn a_contact_declined_here_and_offered_again_gets_a_toast_despite_its_session() {
    let mut p = Pair::new(Config::default());
    p.input(storage_blocked());
    p.ready();
    p.ring(CONTACT_ID, Scenario::Single);
    let r = p.req("notifyEvent");
    p.resolve(r, json!({"actionName": "Reject", "responseReason": "DeclinedByAgent"}));
    dynamics_holds_s1(&mut p);
    assert_eq!(p.bridge.contact_state(CONTACT_ID), Some("Declined"));
    p.event(
        CONTACT_ID,
        ContactEventKind::Missed,
        Some(voice("missed", Scenario::Single)),
    );
    p.event(CONTACT_ID, ContactEventKind::Destroyed, None);
    p.advance(60_000);
    p.take();
    p.ring(CONTACT_ID, Scenario::Single);
    let sent = p.take();
    assert_eq!(sent, vec!["notifyEvent extn_voice_notification"]);
}
