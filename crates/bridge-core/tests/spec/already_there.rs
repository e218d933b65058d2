//! Contacts already there when the page loaded (`ContactEventKind::Existing`), and what a reload with storage
//! that refused a write leaves: such a contact pops only after Dynamics said which sessions exist, and only it
//! waits; a stale restored tab list never overwrites what Dynamics recorded.
#![allow(clippy::unwrap_used)]

use super::common;

use bridge_core::*;
use common::*;
use serde_json::{json, Value};

const ARN: &str = "arn:aws:connect:us-east-1:111122223333:instance/7a3e/agent/4f1c";

fn quota() -> Input {
    Input::StorageUnavailable {
        reason: "QuotaExceededError: the contacts slot was refused".into(),
    }
}

fn url_config(values: Value) -> Config {
    Config::resolve(&[ConfigLayer {
        source: ConfigSource::Url,
        values: values.as_object().cloned().unwrap(),
    }])
    .0
}

fn with_activity() -> Value {
    attrs(&[
        ("ms_customer_entity_name", "contact"),
        ("LookupStatus", "SingleMatch"),
        ("ms_contact_id", CUSTOMER_ID),
        ("CreateTimeline", "true"),
        ("ms_activity_id", ACTIVITY_ID),
        ("ms_entityrecord_entity_name", "phonecall"),
        ("ms_entityrecord_record_id", ACTIVITY_ID),
    ])
}

/// What this tab's Dynamics holds in s1's context: the last `ccbTabs` an `updateContext` wrote.
fn apply_update_contexts(p: &Pair, ccb: &mut String) {
    for (_, _, call) in p.all("updateContext") {
        if let CifCall::UpdateContext { input, .. } = call {
            if let Some(v) = input.get("ccbTabs").and_then(Value::as_str) {
                *ccb = v.to_owned();
            }
        }
    }
}

/// Dynamics answers everything the pops ask (a free slot, a new session, each tab) except `getAllSessions`, which
/// CIF never settles (our deadline gives up on each attempt); returns when `id` has asked `canCreateSession`, or
/// after `limit` ms, with the time waited.
fn run_until_pop_starts(p: &mut Pair, id: &str, limit: u64) -> u64 {
    let mut waited = 0;
    let mut next_session = 10;
    loop {
        for method in ["canCreateSession", "createSession", "createTab"] {
            for (r, _, _) in p.all(method) {
                if p.bridge.awaits_reply(r) {
                    let answer = match method {
                        "canCreateSession" => json!(true),
                        "createSession" => {
                            next_session += 1;
                            json!(format!("s{next_session}"))
                        }
                        _ => json!("tab"),
                    };
                    p.resolve(r, answer);
                }
            }
        }
        let started = p.log.iter().any(
            |c| matches!(c, Command::Cif { call: CifCall::CanCreateSession, contact: Some(c), .. } if c.as_str() == id),
        );
        if started || waited >= limit {
            return waited;
        }
        p.advance(250);
        waited += 250;
    }
}

/// Page 1 pops the contact (customer tab); a storage write is refused, so its tabs go into s1's context from then
/// on, and the activity tab the flow adds later is recorded there. Page 2 reads back the slot written before the
/// refusal (customer tab only) and its own first write is refused too: it writes nothing over what Dynamics
/// recorded before `getSession` said it, and the activity tab does not open a second time.
#[test]
fn a_stale_restored_tab_list_never_overwrites_the_tabs_dynamics_recorded() {
    let cfg = json!({"customerRecordTab": "tab"});
    let mut first = Pair::new(url_config(cfg.clone()));
    first.ready();
    let without_activity = attrs(&[
        ("ms_customer_entity_name", "contact"),
        ("LookupStatus", "SingleMatch"),
        ("ms_contact_id", CUSTOMER_ID),
    ]);
    first.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(snapshot("voice", "connected", Some(true), without_activity)),
    );
    first.can_create();
    first.session_created("s1");
    let r = first.req("createTab");
    first.resolve(r, json!("tab1"));
    // What storage holds: the last write before the refusal.
    let stale = first.stored();
    first.input(quota());
    first.event(
        CONTACT_ID,
        ContactEventKind::Refresh,
        Some(snapshot("voice", "connected", Some(true), with_activity())),
    );
    let activity_tabs = |p: &Pair| {
        p.all("createTab")
            .into_iter()
            .filter(|(_, _, c)| {
                matches!(c, CifCall::CreateTab { template_parameters, .. }
                if template_parameters.get("entityName") == Some(&json!("phonecall")))
            })
            .count()
    };
    assert_eq!(activity_tabs(&first), 1, "page 1 opened the activity tab in s1");
    let mut ccb = String::new();
    apply_update_contexts(&first, &mut ccb);
    assert!(ccb.contains(','), "Dynamics' context records both tabs: {ccb:?}");

    // Page 2.
    let mut p = Pair::new(url_config(cfg));
    p.input(Input::Restore(stale));
    p.ready();
    p.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(snapshot("voice", "connected", Some(true), with_activity())),
    );
    p.input(quota()); // the quota is still full: page 2's first write is refused too
    apply_update_contexts(&p, &mut ccb);
    let r = p.req("getAllSessions");
    p.resolve(r, json!(["s1"]));
    let r = p.req("getSession");
    p.resolve(
        r,
        json!({"sessionId": "s1", "isFocused": true,
               "context": {"ccbTabs": ccb, "templateParameters": {"contactId": CONTACT_ID}}}),
    );
    p.advance(5_000);
    assert_eq!(
        activity_tabs(&p),
        0,
        "the activity tab is already open in s1 (page 1 recorded it in Dynamics); Dynamics' ccbTabs now {ccb:?}"
    );
}

/// `getAllSessions` has answered but `getSession` has not yet said whose s1 is, when Streams delivers a contact
/// that was already there when the page loaded: it waits for that answer and adopts s1 (the page before made it).
#[test]
fn a_contact_delivered_while_get_session_is_on_its_way_waits_for_it_and_adopts_its_session() {
    let mut p = Pair::default_ready(); // nothing stored: the page before had its writes refused
    p.input(quota());
    let r = p.req("getAllSessions");
    p.resolve(r, json!(["s1"]));
    let get_session = p.req("getSession");
    // Streams delivers the contact the agent answered before the reload (its session is s1).
    p.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    // Dynamics answers the quick question first.
    if let Some((r, _, _)) = p.all("canCreateSession").into_iter().last() {
        p.resolve(r, json!(true));
    }
    p.resolve(
        get_session,
        json!({"sessionId": "s1", "context": {"templateParameters": {"contactId": CONTACT_ID}}}),
    );
    let calls = p.take();
    assert!(
        !calls.iter().any(|c| c.starts_with("createSession")),
        "s1 carries the contact (getSession was still on its way): it must wait for it; got {calls:?}"
    );
    assert_eq!(p.bridge.session_of(CONTACT_ID), Some("s1"));
}

/// Mid-day (after a CCP Retry, say) Streams delivers a contact this page never saw as `Existing`, and CIF never
/// answers `getAllSessions`: that contact waits for Dynamics, but a contact the agent answers meanwhile, first
/// seen live, starts its pop within 2.5 s (spec §3.15).
#[test]
fn a_late_existing_contact_holds_only_itself_while_get_all_sessions_hangs() {
    let mut p = Pair::default_ready();
    p.ring("a0000000-0000-4000-8000-000000000001", Scenario::Single);
    p.accept_toast();
    p.can_create();
    p.session_created("s1");
    // CCP Retry: the new Streams re-delivers the agent's contacts; one was answered while it was down.
    p.event(
        "b0000000-0000-4000-8000-000000000002",
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    run_until_pop_starts(&mut p, "b0000000-0000-4000-8000-000000000002", 1_000);
    // A new contact rings and the agent answers it in the softphone.
    p.event(
        "c0000000-0000-4000-8000-000000000003",
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    let waited = run_until_pop_starts(&mut p, "c0000000-0000-4000-8000-000000000003", 200_000);
    assert!(
        waited <= 2_500,
        "the contact answered live must start its pop within 2.5 s; it started after {waited} ms ({} getAllSessions)",
        p.all("getAllSessions").len()
    );
}

/// After `getAllSessions` was given up on, a further contact first seen as `Existing` asks again, and again only it
/// waits.
#[test]
fn after_a_give_up_a_late_existing_contact_again_holds_only_itself() {
    let mut p = Pair::default_ready();
    p.event(
        "b0000000-0000-4000-8000-000000000002",
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    // getAllSessions never answers: 4 attempts with their deadlines, then the gate releases and b pops.
    run_until_pop_starts(&mut p, "b0000000-0000-4000-8000-000000000002", 200_000);
    p.advance(5_000);
    run_until_pop_starts(&mut p, "none", 0);
    // Another contact answered before the page loaded arrives late (a re-delivery after a CCP Retry), and the
    // agent answers a new one.
    p.event(
        "d0000000-0000-4000-8000-000000000004",
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    p.event(
        "c0000000-0000-4000-8000-000000000003",
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    let waited = run_until_pop_starts(&mut p, "c0000000-0000-4000-8000-000000000003", 200_000);
    assert!(
        waited <= 2_500,
        "the live contact waits again for a Dynamics given up on moments ago: its pop started after {waited} ms \
         ({} getAllSessions so far)",
        p.all("getAllSessions").len()
    );
}

/// A page that follows and finds a contact already there asks its own Dynamics, makes no other CIF call, and stops
/// asking when `getAllSessions` keeps failing.
#[test]
fn a_follower_with_a_contact_already_there_only_reads_its_own_dynamics_and_stops() {
    let mut p = Pair::new(Config::default());
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
        json!({"t": "leading", "from": "other", "claimed": []}),
    )));
    for _ in 0..40 {
        for (r, _, _) in p.all("getAllSessions") {
            if p.bridge.awaits_reply(r) {
                p.reject(r, json!({"message": "RejectAfterClientError"}));
            }
        }
        p.advance(3_000);
        p.input(Input::Leadership(LeadershipInput::Peer(
            json!({"t": "leading", "from": "other", "claimed": []}),
        )));
    }
    let calls: Vec<String> = p.take().into_iter().filter(|c| !c.starts_with("streams")).collect();
    assert!(calls.iter().all(|c| c == "getAllSessions"), "{calls:?}");
    assert!(calls.len() <= 4, "{calls:?}");
}

/// §3.15 after a reload: Dynamics is asked which sessions exist, and CIF answers each `getAllSessions` with its
/// time-limit rejection (seen right after frame reloads). Only the contacts the page knew then wait for the
/// answer; one first offered afterwards cannot have a session (storage would say if it were offered again), and
/// its pop starts within 2.5 s.
#[test]
fn a_contact_offered_after_a_reload_does_not_wait_for_a_get_all_sessions_that_times_out() {
    let mut p = Pair::new(Config::default());
    let mut before = Pair::default_ready();
    before.event(
        "a0000000-0000-4000-8000-000000000001",
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    before.can_create();
    before.session_created("s-old");
    p.input(Input::Restore(before.stored()));
    p.ready();
    assert_eq!(p.take(), vec!["getAllSessions"]);
    let mut asked = (p.req("getAllSessions"), p.now);
    p.advance(100);
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    let answered = p.now;
    let mut started = None;
    for _ in 0..600 {
        p.advance(100);
        let last = p.req("getAllSessions");
        if last != asked.0 {
            asked = (last, p.now);
        }
        if p.bridge.awaits_reply(last) && p.now.since(asked.1) >= 10_000 {
            p.reject_time_limit(last, "GetAllSessions");
        }
        if p.take().iter().any(|c| c == "canCreateSession") {
            started = Some(p.now.since(answered));
            break;
        }
    }
    assert!(
        started.is_some_and(|ms| ms <= 2_500),
        "ms from answering the new contact to its pop starting: {started:?}"
    );
}

/// Storage blocked in both loads. Before the reload the agent accepted the toast in Dynamics and its
/// `createSession` made s1; the reload cost the ringing call, and Connect offers the same contact again (not
/// `Existing`: it was not there when the page loaded) before `getAllSessions` answered. Only Dynamics knows it
/// has s1: it is adopted, never a second session.
#[test]
fn a_contact_offered_again_before_dynamics_answered_a_page_without_storage_gets_no_second_session() {
    let mut p = Pair::new(Config::default());
    p.input(Input::StorageUnavailable {
        reason: "SecurityError: The operation is insecure.".into(),
    });
    p.ready();
    let all = p.req("getAllSessions");
    p.ring(CONTACT_ID, Scenario::Single);
    p.accept_toast();
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    for (r, _, _) in p.all("canCreateSession") {
        if p.bridge.awaits_reply(r) {
            p.resolve(r, json!(true));
        }
    }
    p.resolve(all, json!(["s1"]));
    if let Some((r, _, _)) = p.all("getSession").into_iter().last() {
        p.resolve(
            r,
            json!({"sessionId": "s1", "context": {"templateParameters": {"contactId": CONTACT_ID}}}),
        );
    }
    let calls = p.take();
    assert!(
        !calls.iter().any(|c| c.starts_with("createSession")),
        "s1 already carries the contact: no second session; got {calls:?}"
    );
    assert_eq!(p.bridge.session_of(CONTACT_ID), Some("s1"));
}
