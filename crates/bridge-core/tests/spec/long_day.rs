//! A panel open all day: what outlives a session or a reload, and what is never waited for forever.
#![allow(clippy::unwrap_used, missing_docs)]

use super::common;

use bridge_core::*;
use common::*;
use serde_json::json;

fn config(values: serde_json::Value) -> Config {
    let layer = ConfigLayer {
        source: ConfigSource::CustomParams,
        values: values.as_object().cloned().unwrap(),
    };
    let (config, errors) = Config::resolve(&[layer]);
    assert!(errors.is_empty(), "{errors:?}");
    config
}

/// Presence mirrored both ways, the agent Available in Connect, then Busy chosen in Dynamics: the bridge has just
/// asked Streams to set the Connect state to Busy.
fn busy_asked_from_dynamics() -> Pair {
    let mut p = Pair::with_config(json!({
        "presenceRules": [
            {"connect": "Available", "dynamics": "Available", "direction": "both"},
            {"connect": "Busy", "dynamics": "Busy", "direction": "both"}
        ],
        "presenceSync": "both",
    }));
    p.input(Input::Agent(AgentEvent {
        state_name: "Available".into(),
        state_type: "routable".into(),
    }));
    let r = p.req("setPresence");
    p.resolve(r, json!(true));
    p.dynamics(
        DynamicsHandler::PresenceChanged,
        json!({"presenceInfo": {"presenceText": "Busy"}}),
    );
    p
}

/// `updateActivityOnEnd`: agents close the session at the end of wrap-up, every contact; a failed activity
/// update waiting for its retry still gets it, or the phonecall never gets its duration and end.
#[test]
fn the_activity_update_is_retried_when_the_session_closes_during_its_backoff() {
    let mut p = Pair::with_config(json!({"updateActivityOnEnd": true}));
    p.connected_until_create_session();
    p.session_created("s-1");
    for (r, _, _) in p.all("createTab") {
        p.resolve(r, json!("tab"));
    }
    p.advance(20_000);
    p.event(
        CONTACT_ID,
        ContactEventKind::Ended,
        Some(voice("ended", Scenario::Single)),
    );
    let first = p.all("updateRecord")[0].0;
    p.reject(
        first,
        json!({"message": "RejectAfterClientError", "msdyn_name": "UpdateRecord"}),
    );
    // Wrap-up done: the agent closes the session while the retry waits for its backoff.
    p.dynamics(DynamicsHandler::SessionClosed, json!({"sessionId": "s-1"}));
    p.event(CONTACT_ID, ContactEventKind::Destroyed, None);
    for _ in 0..60 {
        if p.all("updateRecord").len() > 1 {
            break;
        }
        p.advance(1_000);
    }
    let retried = p.all("updateRecord");
    assert_eq!(
        retried.len(),
        2,
        "updateRecord not retried; reports: {:?}",
        p.report_codes()
    );
    p.resolve(retried[1].0, json!(null));
    p.advance(120_000);
    assert_eq!(p.all("updateRecord").len(), 2);
    assert!(
        !p.report_codes().contains(&"cif.updateRecord.failed"),
        "{:?}",
        p.report_codes()
    );
}

/// Streams never calls back when the CCP does not answer (reference: "No response → callbacks never fire
/// (only agent.connect has a timeout)"), e.g. around a CCP restart: an agent-state change made for the presence
/// rules is given up after a deadline and reported, not waited for all day.
#[test]
fn an_unanswered_agent_state_change_is_given_up_and_reported() {
    let mut p = busy_asked_from_dynamics();
    assert_eq!(
        p.take().last().map(String::as_str),
        Some("streams SetAgentState { state_name: \"Busy\", enqueue_next_state: false }")
    );
    // Streams never calls back; the day goes on.
    p.advance(8 * 3_600_000);
    assert_eq!(
        p.bridge.debug_counts().streams_pending,
        0,
        "{:?}",
        p.bridge.debug_counts()
    );
    assert!(
        p.report_codes().contains(&"presence.connect.failed"),
        "{:?}",
        p.report_codes()
    );
}

/// `handledContactMemory` set in the channel provider's Custom Parameters (the admin's usual place) arrives
/// after storage was read at page load: a reload after a long day keeps every id that memory holds, not the
/// newest 1000 of the page's default.
#[test]
fn a_reload_keeps_the_handled_memory_custom_parameters_set() {
    let big = config(json!({"handledContactMemory": 5000}));
    let mut day = Pair::new(big.clone());
    day.ready();
    let id = |n: u32| format!("contact-{n:05}");
    for n in 0..3000 {
        day.event(
            &id(n),
            ContactEventKind::Connected,
            Some(voice("connected", Scenario::Single)),
        );
        day.event(&id(n), ContactEventKind::Destroyed, None);
    }
    assert!(day.bridge.was_handled(&id(0)));
    // Reload: storage is read with the configuration the page has before Custom Parameters (src/startup.rs).
    let mut reloaded = Bridge::new(Config::default(), day.now);
    reloaded.handle_input(day.now, Input::Restore(day.stored()));
    reloaded.set_config(big); // what bridge/startup.rs does when Custom Parameters arrive
    assert!(
        reloaded.was_handled(&id(0)),
        "only {} of 3000 released ids survive the reload",
        reloaded.debug_counts().handled
    );
}

/// Connect reported the state the bridge asked for (its echo came back) while the `setState` callback is slow or
/// lost: the change is done, and the agent is never told it failed.
#[test]
fn an_agent_state_change_connect_reported_is_done_however_late_its_callback() {
    let mut p = busy_asked_from_dynamics();
    let request = p
        .log
        .iter()
        .rev()
        .find_map(|c| match c {
            Command::Streams { request, .. } => Some(*request),
            _ => None,
        })
        .unwrap();
    p.advance(1_000);
    // Streams reports the change (the echo): the agent is Busy in Connect.
    p.input(Input::Agent(AgentEvent {
        state_name: "Busy".into(),
        state_type: "not_routable".into(),
    }));
    p.advance(10_500);
    // The callback arrives late.
    p.input(Input::StreamsReply(StreamsReply {
        request,
        outcome: Ok(()),
    }));
    let visible: Vec<&str> = p.reports().iter().filter(|r| r.agent_visible).map(|r| r.code).collect();
    assert!(
        !visible.contains(&"presence.connect.failed"),
        "agent told the change failed: {visible:?}"
    );
}
