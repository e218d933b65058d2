//! The session limit: contacts wait (agent-visible) and pop when a session closes; none is lost.
#![allow(clippy::unwrap_used)]

use super::common;

use bridge_core::*;
use common::*;
use serde_json::json;

fn connect(p: &mut Pair, id: &str) {
    p.event(
        id,
        ContactEventKind::Connected,
        Some(snapshot("chat", "connected", Some(true), attrs(&[]))),
    );
}

/// A page reloaded with `maxSessions` 1 and the one session (`s-old`, contact `old`) its predecessor popped.
fn reloaded_with_one_session_of_one() -> Pair {
    let mut first = Pair::with_config(json!({"maxSessions": 1}));
    connect(&mut first, "old");
    first.can_create();
    first.session_created("s-old");
    let layer = ConfigLayer {
        source: ConfigSource::CustomParams,
        values: json!({"maxSessions": 1}).as_object().cloned().unwrap(),
    };
    let mut p = Pair::new(Config::resolve(&[layer]).0);
    p.input(Input::Restore(first.stored()));
    p.ready();
    p
}

#[test]
fn session_limit_contacts_wait_and_pop_when_a_session_closes() {
    let mut p = Pair::with_config(json!({"maxSessions": 2}));
    for (id, sid) in [("c1", "s1"), ("c2", "s2")] {
        connect(&mut p, id);
        p.can_create();
        p.session_created(sid);
    }
    p.take();
    connect(&mut p, "c3");
    connect(&mut p, "c4");
    assert!(p.take().is_empty());
    let limit: Vec<_> = p.reports().into_iter().filter(|r| r.code == "session.limit").collect();
    assert_eq!(limit.len(), 2);
    assert!(limit[0].agent_visible && limit[0].message.contains("contact c3 waiting"));
    p.dynamics(DynamicsHandler::SessionClosed, json!("{\"sessionId\":\"s1\"}"));
    assert_eq!(p.take(), vec!["canCreateSession"]);
    assert_eq!(p.bridge.contact_state("c3"), Some("CheckingCapacity"));
    assert_eq!(p.bridge.contact_state("c4"), Some("WaitingForCapacity"));
    p.can_create();
    p.session_created("s3");
    p.dynamics(DynamicsHandler::SessionClosed, json!({"sessionId": "s2"}));
    p.can_create();
    p.session_created("s4");
    assert_eq!(p.bridge.session_of("c4"), Some("s4"));
}

#[test]
fn session_limit_cif_says_no() {
    let mut p = Pair::default_ready();
    connect(&mut p, "c1");
    let r = p.req("canCreateSession");
    p.resolve(r, json!("false"));
    assert_eq!(p.bridge.contact_state("c1"), Some("WaitingForCapacity"));
    assert!(p.reports().iter().any(|r| r.code == "session.limit" && r.agent_visible));
}

/// A session restored after a reload, closed while the page reloaded, counts until Dynamics' list says it is gone:
/// a contact connected meanwhile, over the limit only through it, waits for that list and then pops.
#[test]
fn a_restored_session_dynamics_no_longer_lists_does_not_keep_a_new_contact_from_popping() {
    let mut p = reloaded_with_one_session_of_one();
    let listing = p.req("getAllSessions");
    connect(&mut p, "new");
    p.resolve(listing, json!([]));
    p.can_create();
    assert_eq!(
        p.all("createSession").len(),
        1,
        "the new contact never popped: {:?}",
        p.take()
    );
}

/// A contact whose `canCreateSession` held the last slot goes (the caller hung up) while Dynamics had not answered,
/// after the next contact found the limit reached: the slot it held is free, so the waiting contact pops at once
/// rather than waiting for a session to close that was never there.
#[test]
fn a_contact_released_while_checking_capacity_frees_its_slot_for_the_one_waiting() {
    let mut p = Pair::with_config(json!({"maxSessions": 1}));
    connect(&mut p, "c1");
    assert_eq!(p.take(), vec!["canCreateSession"]);
    connect(&mut p, "c2");
    // c1's check goes unanswered past popTurnMs: c2 may start, and finds the one slot held by c1.
    p.advance(1_500);
    assert_eq!(p.bridge.contact_state("c2"), Some("WaitingForCapacity"));
    p.take();
    p.event("c1", ContactEventKind::Destroyed, None);
    assert_eq!(
        p.take(),
        vec!["canCreateSession"],
        "c2 still waits for a slot nobody holds: {:?}",
        p.bridge.contact_state("c2")
    );
    p.can_create();
    p.session_created("s2");
    assert_eq!(p.bridge.session_of("c2"), Some("s2"));
}

/// A session restored after a reload is trusted when Dynamics cannot say which sessions are open (`getAllSessions`
/// keeps failing); if the agent closed it while the page reloaded, it is counted for nothing. A contact held back
/// by that count alone makes the page ask Dynamics again, and pops once the list says the session is gone, rather
/// than waiting all day for the agent to close a session that does not exist.
#[test]
fn a_contact_over_the_limit_through_a_trusted_restored_session_makes_the_page_ask_dynamics_again() {
    let mut p = reloaded_with_one_session_of_one();
    // Dynamics cannot list its sessions: every attempt fails, and the page trusts what it stored.
    for _ in 0..4 {
        let listing = p.req("getAllSessions");
        p.reject(
            listing,
            json!({"message": "RejectAfterClientError", "msdyn_name": "getAllSessions"}),
        );
        p.advance(10_000);
    }
    assert!(p.report_codes().contains(&"cif.getAllSessions.failed"));
    // The old contact ended while the page reloaded: Streams never delivers it again.
    p.advance(60_000);
    p.take();
    connect(&mut p, "new");
    assert_eq!(p.bridge.contact_state("new"), Some("WaitingForCapacity"));
    assert_eq!(
        p.take(),
        vec!["getAllSessions"],
        "nothing asks Dynamics whether the trusted session is still open"
    );
    let listing = p.req("getAllSessions");
    p.resolve(listing, json!([]));
    p.can_create();
    p.session_created("s-new");
    assert_eq!(p.bridge.session_of("new"), Some("s-new"));
}

/// The same, for a contact that already waited at the limit when Dynamics' first list was given up on: however
/// long Dynamics keeps failing, the page keeps asking, paced, while that contact is held back by sessions only
/// storage vouches for, and it pops once Dynamics can say the session is gone.
#[test]
fn a_contact_waiting_while_dynamics_cannot_list_its_sessions_pops_once_it_can() {
    let mut p = reloaded_with_one_session_of_one();
    // A new contact connects while Dynamics is first asked: the restored session counts, so it waits.
    connect(&mut p, "new");
    assert_eq!(p.bridge.contact_state("new"), Some("WaitingForCapacity"));
    // Dynamics rejects every getAllSessions for ten minutes.
    let mut answered = std::collections::BTreeSet::new();
    for _ in 0..600 {
        for (request, _, _) in p.all("getAllSessions") {
            if answered.insert(request) {
                p.reject(
                    request,
                    json!({"message": "RejectAfterClientError", "msdyn_name": "getAllSessions"}),
                );
            }
        }
        p.advance(1_000);
    }
    assert_eq!(p.bridge.contact_state("new"), Some("WaitingForCapacity"));
    let asked = p.all("getAllSessions").len();
    // Paced: rounds of four attempts, the next round 30 s after one is given up on (ten minutes: about 16).
    assert!(asked <= 80, "Dynamics asked {asked} times in ten minutes");
    // Then Dynamics answers: the restored session is gone, and the contact pops.
    let mut next = None;
    for _ in 0..60 {
        next = p
            .all("getAllSessions")
            .into_iter()
            .map(|(r, _, _)| r)
            .find(|r| !answered.contains(r));
        if next.is_some() {
            break;
        }
        p.advance(1_000);
    }
    let Some(listing) = next else {
        panic!("Dynamics is not asked again while the contact waits");
    };
    p.resolve(listing, json!([]));
    p.can_create();
    p.session_created("s-new");
    assert_eq!(p.bridge.session_of("new"), Some("s-new"));
}
