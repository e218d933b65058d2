//! §3.14, §5: what a reloaded page reads back when its storage was only partly written, mixes slots from
//! different moments, or holds text that is wrong. Storage is a cache: whatever it says, Dynamics decides which
//! contact has which session, and no contact ends with another's session or with two.
#![allow(clippy::unwrap_used)]

use super::common;

use bridge_core::*;
use common::*;
use serde_json::json;

fn with_customer_tab() -> Config {
    Config::resolve(&[ConfigLayer {
        source: ConfigSource::Url,
        values: json!({"customerRecordTab": "tab"}).as_object().cloned().unwrap(),
    }])
    .0
}

/// A contacts slot naming one session for two contacts (any script on the origin can write it): Dynamics says
/// `s1` is c1's, so c2 never takes it for its own, never opens a tab in it, and gets a session of its own.
#[test]
fn a_session_stored_for_two_contacts_goes_to_the_one_dynamics_names() {
    let stored = r#"{"v":2,"contacts":{"c1":{"sessionId":"s1","tabs":["activity"]},"c2":{"sessionId":"s1","tabs":["activity"]}}}"#;
    let mut p = Pair::new(with_customer_tab());
    p.input(Input::Restore(RestoredState {
        contacts: Some(stored.into()),
        ..Default::default()
    }));
    for id in ["c1", "c2"] {
        p.event(
            id,
            ContactEventKind::Existing,
            Some(voice("connected", Scenario::Single)),
        );
    }
    p.ready();
    let r = p.req("getAllSessions");
    p.resolve(r, json!(["s1"]));
    let g = p.req("getSession");
    p.resolve(
        g,
        json!({"sessionId": "s1", "isFocused": true,
               "context": {"templateParameters": {"contactId": "c1"}, "ccbTabs": "activity"}}),
    );
    assert_eq!(p.bridge.session_of("c1"), Some("s1"));
    assert_ne!(p.bridge.session_of("c2"), Some("s1"), "c2 holds c1's session");
    // Every tab opened so far is c1's (focused s1): one customer tab, not one per contact.
    let tabs = p.take().into_iter().filter(|c| c.starts_with("createTab")).count();
    assert_eq!(tabs, 1);
    // Dynamics never made c2's session: at sessionOrphanMs it is opened once more, for c2 alone.
    p.advance(40_000);
    if let Some((r, _, _)) = p.all("getAllSessions").last().cloned() {
        if p.bridge.awaits_reply(r) {
            p.resolve(r, json!(["s1"]));
        }
    }
    if let Some((r, _, _)) = p.all("canCreateSession").last().cloned() {
        if p.bridge.awaits_reply(r) {
            p.resolve(r, json!(true));
        }
    }
    let creates = p.all("createSession");
    assert_eq!(creates.len(), 1, "{:?}", p.take());
    assert_eq!(creates[0].1.as_ref().map(ContactId::as_str), Some("c2"));
    assert!(p.report_codes().contains(&"persist.invalid"), "{:?}", p.report_codes());
}

/// What `p` stored, as a reloaded page reads it, up to its command number `upto`; after that only the contacts
/// slot was written (the handled ids' chunk was refused: quota exceeded).
fn stored_until_handled_write_refused(p: &Pair, upto: usize) -> RestoredState {
    let mut stored = RestoredState::default();
    for (n, c) in p.log.iter().enumerate() {
        if let Command::Persist { slot, text } = c {
            if n < upto || *slot == PersistSlot::Contacts {
                stored.store(*slot, text.clone());
            }
        }
    }
    stored
}

/// The contact's release was written to the contacts slot (its session moved to `otherSessions`) but the write
/// of the handled chunk remembering it threw. Delivered again after the reload, it is known by the session
/// Dynamics holds for it, not popped a second time.
#[test]
fn a_released_contact_whose_handled_chunk_was_refused_adopts_its_session_when_delivered_again() {
    let mut first = Pair::default_ready();
    first.connected_until_create_session();
    first.session_created("s1");
    let before = first.log.len();
    first.event(CONTACT_ID, ContactEventKind::Destroyed, None);
    let stored = stored_until_handled_write_refused(&first, before);
    assert!(
        stored
            .contacts
            .as_deref()
            .unwrap_or_default()
            .contains(r#""otherSessions":["s1"]"#),
        "{stored:?}"
    );

    let mut p = Pair::new(Config::default());
    p.input(Input::Restore(stored));
    p.ready();
    let r = p.req("getAllSessions");
    p.resolve(r, json!(["s1"]));
    for (g, _, _) in p.all("getSession") {
        p.resolve(
            g,
            json!({"sessionId": "s1", "context": {"templateParameters": {"contactId": CONTACT_ID}}}),
        );
    }
    p.event(
        CONTACT_ID,
        ContactEventKind::Existing,
        Some(voice("connected", Scenario::Single)),
    );
    if let Some((c, _, _)) = p.all("canCreateSession").last().cloned() {
        p.resolve(c, json!(true));
    }
    assert!(p.all("createSession").is_empty(), "a second session: {:?}", p.take());
    assert_eq!(p.bridge.session_of(CONTACT_ID), Some("s1"));
    assert_eq!(p.bridge.open_sessions(), 1);
}

/// The same released session on a CIF whose `getSession` names no contact, or that never answers about it: it
/// stays a released contact's, counted, and blocks nothing.
#[test]
fn a_stored_released_session_dynamics_cannot_name_stays_nobodys_and_holds_nothing_back() {
    for answer in [Some(json!({"sessionId": "s1", "context": {}})), None] {
        let mut first = Pair::default_ready();
        first.connected_until_create_session();
        first.session_created("s1");
        first.event(CONTACT_ID, ContactEventKind::Destroyed, None);
        let mut p = Pair::new(Config::default());
        p.input(Input::Restore(first.stored()));
        p.event(
            "c2",
            ContactEventKind::Existing,
            Some(voice("connected", Scenario::Single)),
        );
        p.ready();
        let r = p.req("getAllSessions");
        p.resolve(r, json!(["s1"]));
        for _ in 0..10 {
            for (g, _, _) in p.all("getSession") {
                if p.bridge.awaits_reply(g) {
                    match &answer {
                        Some(a) => p.resolve(g, a.clone()),
                        None => p.reject(g, json!({"message": "RejectAfterClientError"})),
                    }
                }
            }
            p.advance(5_000);
        }
        if let Some((c, _, _)) = p.all("canCreateSession").last().cloned() {
            if p.bridge.awaits_reply(c) {
                p.resolve(c, json!(true));
            }
        }
        assert_ne!(p.bridge.session_of("c2"), Some("s1"), "{answer:?}");
        assert_eq!(p.all("createSession").len(), 1, "{answer:?}: c2 pops once");
        assert!(
            !p.report_codes().contains(&"cif.getSession.failed"),
            "{answer:?}: {:?}",
            p.report_codes()
        );
        assert_eq!(p.bridge.open_sessions(), 2, "{answer:?}: s1 still counts");
    }
}
