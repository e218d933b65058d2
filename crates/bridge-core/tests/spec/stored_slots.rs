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
