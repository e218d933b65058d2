//! §3.11: page reload and late start.
#![allow(clippy::unwrap_used)]

use super::common;

use bridge_core::*;
use common::*;
use serde_json::json;

/// Runs a first page instance to `Popped` and returns what it persisted.
fn first_instance() -> String {
    let mut p = Pair::with_config(json!({"customerRecordTab": "tab"}));
    p.ring(CONTACT_ID, Scenario::Single);
    p.accept_toast();
    p.can_create();
    p.session_created("s1");
    p.last_persist().unwrap()
}

#[test]
fn item_11_reload_keeps_the_session_and_opens_no_duplicate_tabs() {
    let recorded = json!({"ccbTab_activity": "1", "ccbTab_customer": "1", "ccbTabs": "activity,customer"});
    let (p, after) = reloaded_into_s1(&recorded);
    assert_eq!(after, Vec::<String>::new(), "Dynamics already holds the record");
    assert_eq!(p.bridge.session_of(CONTACT_ID), Some("s1"));
}

/// The first page's record never reached Dynamics (the reload cut its `updateContext` off): the reloaded page
/// writes what its storage says, once Dynamics confirmed the session.
#[test]
fn item_11_reload_records_the_tabs_dynamics_lacks() {
    let (_, after) = reloaded_into_s1(&json!({}));
    assert_eq!(
        after,
        vec!["updateContext s1 ccbTab_activity=1 ccbTab_customer=1 ccbTabs=activity,customer"]
    );
}

/// A page reloaded with its storage while the contact's session s1 is open (its activity and customer tabs
/// requested); Dynamics lists s1 and another provider's session, and s1's context holds `recorded` besides
/// the contact id. No second session, no tab twice; returns the page and what it sent once Dynamics answered.
fn reloaded_into_s1(recorded: &serde_json::Value) -> (Pair, Vec<String>) {
    let stored = first_instance();
    assert!(stored.contains("\"sessionId\":\"s1\""), "{stored}");
    assert!(stored.contains("\"tabs\":[\"activity\",\"customer\"]"), "{stored}");
    let mut p = Pair::new(
        Config::resolve(&[ConfigLayer {
            source: ConfigSource::Url,
            values: json!({"customerRecordTab": "tab"}).as_object().cloned().unwrap(),
        }])
        .0,
    );
    p.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    p.input(Input::Restore(RestoredState {
        contacts: Some(stored),
        ..Default::default()
    }));
    p.ready();
    assert_eq!(p.take(), vec!["getAllSessions"]);
    let r = p.req("getAllSessions");
    p.resolve(r, json!("[\"s1\",\"other\"]"));
    // The unknown session: Dynamics is asked whose it is (another provider's: no contact id of ours); and the
    // restored one, whose stored tabs may be stale.
    assert_eq!(p.take(), vec!["getSession", "getSession"]);
    for (r, _, call) in p.all("getSession") {
        let CifCall::GetSession { session_id } = call else {
            unreachable!()
        };
        let answer = if session_id == "other" {
            json!({"sessionId": "other", "context": {"customer": "x"}})
        } else {
            let mut context = recorded.clone();
            context["templateParameters"] = json!({"contactId": CONTACT_ID});
            json!({"sessionId": "s1", "context": context})
        };
        p.resolve(r, answer);
    }
    p.event(
        CONTACT_ID,
        ContactEventKind::Refresh,
        Some(voice("connected", Scenario::Single)),
    );
    let after = p.take();
    assert!(p.all("createSession").is_empty());
    assert!(p.all("createTab").is_empty());
    assert_eq!(
        p.bridge.open_sessions(),
        2,
        "the unknown live session counts against the limit"
    );
    (p, after)
}

#[test]
fn item_11_restored_session_closed_during_the_reload_is_never_written_again() {
    let stored = first_instance();
    let mut p = Pair::new(Config::default());
    p.input(Input::Restore(RestoredState {
        contacts: Some(stored),
        ..Default::default()
    }));
    p.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    p.ready();
    let r = p.req("getAllSessions");
    p.resolve(r, json!([]));
    assert_eq!(p.bridge.contact_state(CONTACT_ID), Some("SessionClosed"));
    assert_eq!(p.take(), vec!["getAllSessions"]);
}

#[test]
fn item_11_restored_ringing_contact_cancels_the_old_toast_and_notifies_again() {
    let mut first = Pair::default_ready();
    first.ring(CONTACT_ID, Scenario::Single);
    let stored = first.last_persist().unwrap();
    let (_, _, _, old) = first.last("notifyEvent");
    let mut p = Pair::new(Config::default());
    p.input(Input::Restore(RestoredState {
        contacts: Some(stored),
        ..Default::default()
    }));
    p.ring(CONTACT_ID, Scenario::Single);
    p.ready();
    assert_eq!(
        p.take(),
        vec!["getAllSessions", "cancelEvent", "notifyEvent extn_voice_notification"]
    );
    match (old, p.last("cancelEvent").3) {
        (
            CifCall::NotifyEvent {
                cancellation_token: a, ..
            },
            CifCall::CancelEvent { cancellation_token: b },
        ) => assert_eq!(a, b),
        other => panic!("{other:?}"),
    }
}

#[test]
fn item_11_create_session_in_flight_at_reload_is_never_repeated() {
    let mut first = Pair::default_ready();
    first.connected_until_create_session();
    let stored = first.last_persist().unwrap();
    assert!(stored.contains("\"creating\":true"), "{stored}");
    let mut p = Pair::new(Config::default());
    p.input(Input::Restore(RestoredState {
        contacts: Some(stored),
        ..Default::default()
    }));
    p.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    p.ready();
    assert!(p.all("createSession").is_empty());
    assert_eq!(p.bridge.contact_state(CONTACT_ID), Some("SessionUnknown"));
}

#[test]
fn item_11_late_start_picks_up_existing_contacts() {
    let mut p = Pair::new(Config::default());
    p.event(
        "a",
        ContactEventKind::Existing,
        Some(voice("connecting", Scenario::Single)),
    );
    p.event(
        "b",
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Multi)),
    );
    p.input(Input::Restore(RestoredState {
        contacts: Some(String::new()),
        ..Default::default()
    }));
    p.ready();
    // b was answered before the page loaded: Dynamics is asked first (a page before may have popped it).
    assert_eq!(p.take(), vec!["getAllSessions", "notifyEvent extn_voice_notification"]);
    let r = p.req("getAllSessions");
    p.resolve(r, json!([]));
    assert_eq!(p.take(), vec!["canCreateSession"]);
}

#[test]
fn item_11_released_ids_survive_a_reload() {
    let mut first = Pair::default_ready();
    first.event(
        "gone",
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    first.event("gone", ContactEventKind::Destroyed, None);
    let mut p = Pair::new(Config::default());
    p.input(Input::Restore(first.stored()));
    p.ready();
    p.event(
        "gone",
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    assert_eq!(
        p.take(),
        vec!["getAllSessions"],
        "a reloaded page asks Dynamics, and pops nothing handled"
    );
    let r = p.req("getAllSessions");
    p.resolve(r, json!([]));
    assert_eq!(p.take(), Vec::<String>::new());
}

#[test]
fn hostile_restore_text_is_reported_not_trusted() {
    for raw in [
        "{",
        "[1,2]",
        "{\"v\":1,\"contacts\":{\"x\":{\"sessionId\":\"\\u0000\"}},\"handled\":[1,null]}",
        &"9".repeat(2_000_000),
    ] {
        let mut p = Pair::new(Config::default());
        p.input(Input::Restore(RestoredState {
            contacts: Some(raw.to_owned()),
            ..Default::default()
        }));
        p.ready();
        p.ring(CONTACT_ID, Scenario::Single);
        assert_eq!(
            p.take(),
            vec!["getAllSessions", "notifyEvent extn_voice_notification"],
            "something was stored, so this is a reload: Dynamics is asked, the garbage is not trusted"
        );
    }
}

#[test]
fn persist_saying_a_create_session_is_in_flight_precedes_the_call() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    p.accept_toast();
    let before = p.log.len();
    p.can_create();
    let after: Vec<&Command> = p.log[before..].iter().collect();
    let persist = after
        .iter()
        .position(|c| matches!(c, Command::Persist { text, .. } if text.contains("\"creating\":true")));
    let create = after.iter().position(|c| {
        matches!(
            c,
            Command::Cif {
                call: CifCall::CreateSession { .. },
                ..
            }
        )
    });
    assert!(persist.is_some() && create.is_some(), "{after:?}");
    assert!(persist < create, "Persist must leave before createSession: {after:?}");
}

#[test]
fn refresh_that_changes_nothing_persists_nothing() {
    let mut p = Pair::default_ready();
    p.ring(CONTACT_ID, Scenario::Single);
    let before = p.log.len();
    for _ in 0..50 {
        p.event(
            CONTACT_ID,
            ContactEventKind::Refresh,
            Some(voice("connecting", Scenario::Single)),
        );
    }
    assert!(p.log[before..].is_empty(), "{:?}", &p.log[before..]);
}

#[test]
fn handled_ids_are_persisted_when_that_set_changes_and_restore_from_them() {
    let mut p = Pair::default_ready();
    p.ring("c-one", Scenario::Single);
    p.event(
        "c-one",
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    p.event("c-one", ContactEventKind::Destroyed, None);
    let stored = p.last_handled_persist().unwrap();
    assert!(stored.contains("\"handled\":[\"c-one\"]"), "{stored}");
    let contacts_writes = p
        .log
        .iter()
        .filter(|c| {
            matches!(
                c,
                Command::Persist {
                    slot: PersistSlot::Handled(_),
                    ..
                }
            )
        })
        .count();
    assert_eq!(
        contacts_writes, 1,
        "the handled slot is written when that set changes, once"
    );
    let mut q = Pair::new(Config::default());
    q.input(Input::Restore(p.stored()));
    assert!(q.bridge.was_handled("c-one"));
}

#[test]
fn a_release_rewrites_one_chunk_of_the_handled_ids_and_a_reload_gets_all_of_them_back() {
    // 1,000 ids in chunks of 100 over 11 slots: the 1,050th release writes one chunk of 50 ids.
    let mut p = Pair::default_ready();
    for n in 0..1_050 {
        let id = format!("c-{n}");
        p.event(
            &id,
            ContactEventKind::Connected,
            Some(voice("connected", Scenario::Single)),
        );
        p.event(&id, ContactEventKind::Destroyed, None);
    }
    let last = p.last_handled_persist().unwrap();
    assert!(
        last.starts_with("{\"v\":2,\"first\":1000,\"handled\":[\"c-1000\""),
        "{}",
        &last[..60]
    );
    assert_eq!(last.matches("c-").count(), 50, "one chunk, not the whole memory");
    let mut q = Pair::new(Config::default());
    q.input(Input::Restore(p.stored()));
    assert!(!q.bridge.was_handled("c-49"), "forgotten: beyond handledContactMemory");
    for n in [50, 99, 100, 567, 999, 1_000, 1_049] {
        assert!(
            q.bridge.was_handled(&format!("c-{n}")),
            "c-{n} remembered across the reload"
        );
    }
    // The reloaded page numbers on from the restored ids: its next release lands in the chunk being filled.
    q.ready();
    q.event(
        "c-next",
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    q.event("c-next", ContactEventKind::Destroyed, None);
    let next = q.last_handled_persist().unwrap();
    assert!(next.contains("\"first\":1000"), "{}", &next[..40]);
    assert!(next.contains("c-1049\",\"c-next"));
}

#[test]
fn stored_handled_ids_numbered_beyond_any_page_are_refused_and_contacts_are_still_remembered() {
    let mut p = Pair::new(Config::default());
    let mut stored = RestoredState::default();
    stored.handled[0] = Some(r#"{"v":2,"first":18446744073709551615,"handled":["c1"]}"#.to_owned());
    p.input(Input::Restore(stored));
    p.ready();
    assert!(p.report_codes().contains(&"persist.invalid"), "{:?}", p.report_codes());
    for id in ["c2", "c3"] {
        p.event(
            id,
            ContactEventKind::Connected,
            Some(voice("connected", Scenario::Single)),
        );
        p.event(id, ContactEventKind::Destroyed, None);
    }
    p.take();
    assert!(p.bridge.was_handled("c2") && p.bridge.was_handled("c3"));
    // c2 was released and is remembered: delivered again, even long after, it raises nothing.
    p.advance(60_000);
    p.take();
    p.event(
        "c2",
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    assert_eq!(p.take(), Vec::<String>::new());
}

#[test]
fn a_toast_raised_before_the_reload_for_a_caller_who_hung_up_meanwhile_is_withdrawn() {
    let mut first = Pair::default_ready();
    first.ring(CONTACT_ID, Scenario::Single);
    let token = match first.last("notifyEvent").3 {
        CifCall::NotifyEvent { cancellation_token, .. } => cancellation_token,
        _ => unreachable!(),
    };
    let mut p = Pair::new(Config::default());
    p.input(Input::Restore(first.stored()));
    p.ready();
    let r = p.req("getAllSessions");
    p.resolve(r, json!([]));
    // Streams never delivers the contact again: it is released after restoredContactGraceMs.
    p.advance(120_000);
    let cancelled = cancelled_tokens(&p);
    assert_eq!(cancelled, vec![token]);
    assert_eq!(p.bridge.contact_state(CONTACT_ID), None);
}

/// After a reload with storage blocked, a contact Connect still offers (ringing) is missed while Dynamics says it
/// already has a session (answered before the reload). When Connect offers it again and the agent takes it,
/// that session is adopted: never a second one.
#[test]
fn item_11_a_missed_contact_whose_session_dynamics_holds_adopts_it_when_offered_again() {
    let mut q = Pair::new(Config::default());
    q.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("incoming", Scenario::Single)),
    );
    q.input(Input::StorageUnavailable {
        reason: "SecurityError".into(),
    });
    q.ready();
    let r = q.req("getAllSessions");
    q.resolve(r, json!(["s1"]));
    let r = q.req("getSession");
    q.event(CONTACT_ID, ContactEventKind::Missed, None);
    q.resolve(
        r,
        json!({"sessionId": "s1", "context": {"templateParameters": {"contactId": CONTACT_ID}}}),
    );
    q.event(CONTACT_ID, ContactEventKind::Destroyed, None);
    q.advance(12_000);
    q.take();
    q.event(
        CONTACT_ID,
        ContactEventKind::Init,
        Some(voice("connected", Scenario::Single)),
    );
    q.advance(100);
    let calls = q.take();
    assert!(
        !calls.iter().any(|c| c.starts_with("createSession")),
        "a second session for the contact: {calls:?}"
    );
    assert_eq!(q.bridge.session_of(CONTACT_ID), Some("s1"));
}

fn release_one(p: &mut Pair, id: &str) {
    p.event(
        id,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Single)),
    );
    p.event(id, ContactEventKind::Destroyed, None);
}

/// A page whose configuration is never settled by Custom Parameters (none set, or `getEnvironment` failed) keeps
/// the stored chunk layout: its next release rewrites one chunk, and the newest stored ids survive the next
/// reload.
#[test]
fn a_reload_without_custom_parameters_keeps_the_stored_layout_and_the_newest_ids() {
    let mut p = Pair::default_ready();
    for n in 0..1_050 {
        release_one(&mut p, &format!("c-{n}"));
    }
    // Reload 1: no Custom Parameters, so no set_config.
    let mut q = Pair::new(Config::default());
    q.input(Input::Restore(p.stored()));
    q.ready();
    release_one(&mut q, "c-next");
    // Reload 2 (settled config this time).
    let mut merged = p.stored();
    for c in &q.log {
        if let Command::Persist { slot, text } = c {
            merged.store(*slot, text.clone());
        }
    }
    let mut r = Pair::new(Config::default());
    r.input(Input::Restore(merged));
    r.bridge.set_config(Config::default());
    let lost: Vec<u32> = (1_000..1_050)
        .filter(|n| !r.bridge.was_handled(&format!("c-{n}")))
        .collect();
    assert!(r.bridge.was_handled("c-next"));
    assert!(
        lost.is_empty(),
        "most recent handled ids lost from storage: {} ids ({:?}..)",
        lost.len(),
        lost.first()
    );
}

/// Dynamics is the truth after a reload (spec §3.14): the session this page's storage names (s1) is no longer
/// listed, but Dynamics lists s7, whose context carries the contact and the tabs recorded in it (Dynamics restored
/// the session under a new id). s7 is the contact's session: the contact is popped there (focus and later events
/// map to it), with no tab opened twice and no second session — not left "closed" beside its open session.
#[test]
fn a_restored_session_that_dynamics_lists_under_another_id_is_adopted() {
    let stored = first_instance();
    let mut p = Pair::new(
        Config::resolve(&[ConfigLayer {
            source: ConfigSource::Url,
            values: json!({"customerRecordTab": "tab"}).as_object().cloned().unwrap(),
        }])
        .0,
    );
    p.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    p.input(Input::Restore(RestoredState {
        contacts: Some(stored),
        ..Default::default()
    }));
    p.ready();
    let r = p.req("getAllSessions");
    p.resolve(r, json!(["s7"]));
    let g = p.req("getSession");
    p.resolve(
        g,
        json!({"sessionId": "s7", "isFocused": true, "context": {
            "templateParameters": {"contactId": CONTACT_ID},
            "ccbTab_activity": "1", "ccbTab_customer": "1", "ccbTabs": "activity,customer"}}),
    );
    p.advance(5_000);
    assert_eq!(p.bridge.session_of(CONTACT_ID), Some("s7"));
    assert_eq!(p.bridge.focused_contact().map(ContactId::as_str), Some(CONTACT_ID));
    let calls = p.take();
    assert!(
        !calls
            .iter()
            .any(|c| c.starts_with("createSession") || c.starts_with("createTab")),
        "{calls:?}"
    );
}

/// Connect's own list of the agent's contacts settles it sooner: a contact remembered from before the reload that
/// Connect no longer lists has ended, and its toast is withdrawn as soon as Dynamics is connected, not after
/// `restoredContactGraceMs`. One Connect still lists stays.
#[test]
fn a_toast_for_a_caller_connect_no_longer_lists_is_withdrawn_at_once_after_the_reload() {
    let mut first = Pair::default_ready();
    first.ring(CONTACT_ID, Scenario::Single);
    first.ring("still-ringing", Scenario::Single);
    let token = match first.all("notifyEvent")[0].2.clone() {
        CifCall::NotifyEvent { cancellation_token, .. } => cancellation_token,
        _ => unreachable!(),
    };
    let mut p = Pair::new(Config::default());
    p.input(Input::Restore(first.stored()));
    p.event(
        "still-ringing",
        ContactEventKind::Existing,
        Some(voice("connecting", Scenario::Single)),
    );
    p.input(Input::ConnectListed {
        contact_ids: vec!["still-ringing".into()],
    });
    assert!(p.all("cancelEvent").is_empty(), "nothing before Dynamics is connected");
    p.ready();
    let r = p.req("getAllSessions");
    p.resolve(r, json!([]));
    let cancelled = cancelled_tokens(&p);
    assert!(cancelled.contains(&token), "{cancelled:?}");
    assert_eq!(p.bridge.contact_state(CONTACT_ID), None);
    assert!(p.bridge.contact_state("still-ringing").is_some());
}

/// The tokens of every `cancelEvent` the page sent, in order.
fn cancelled_tokens(p: &Pair) -> Vec<String> {
    p.all("cancelEvent")
        .into_iter()
        .map(|(_, _, c)| match c {
            CifCall::CancelEvent { cancellation_token } => cancellation_token,
            _ => unreachable!(),
        })
        .collect()
}
