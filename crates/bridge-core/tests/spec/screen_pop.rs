//! §3.4: the screen pop and its tab rules.
#![allow(clippy::unwrap_used)]

use super::common;

use bridge_core::*;
use common::*;

fn pop_with(attributes: serde_json::Value, config: serde_json::Value) -> Vec<String> {
    let mut p = Pair::with_config(config);
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(snapshot("voice", "connected", Some(true), attributes)),
    );
    p.can_create();
    p.session_created("s1");
    let calls = p.take();
    calls
        .into_iter()
        .skip_while(|c| !c.starts_with("createSession"))
        .skip(1)
        .collect()
}

#[test]
fn item_04_screen_pop_tabs_follow_the_slugs() {
    let tab = serde_json::json!({"customerRecordTab": "tab"});
    // Single match, valid id → customer record tab.
    assert_eq!(
        pop_with(
            attrs(&[("LookupStatus", "SingleMatch"), ("ms_contact_id", CUSTOMER_ID)]),
            tab.clone()
        ),
        vec![format!("createTab extn_entity_record contact {CUSTOMER_ID}")]
    );
    // Account customer, id in braces and upper case → normalised.
    let braced = format!("{{{}}}", CUSTOMER_ID.to_uppercase());
    assert_eq!(
        pop_with(
            attrs(&[
                ("LookupStatus", " SingleMatch "),
                ("ms_customer_entity_name", "account"),
                ("ms_id", &braced)
            ]),
            tab.clone()
        ),
        vec![format!("createTab extn_entity_record account {CUSTOMER_ID}")]
    );
    // A status spelt otherwise than the slug table does is unknown: a search, not the record.
    for near_miss in ["singlematch", "SINGLEMATCH", "Single Match"] {
        assert_eq!(
            pop_with(
                attrs(&[
                    ("LookupStatus", near_miss),
                    ("ms_contact_id", CUSTOMER_ID),
                    ("ms_searchText", "x")
                ]),
                tab.clone()
            ),
            vec!["createTab extn_search search x"],
            "{near_miss}"
        );
    }
    // Single match with an invalid id → search, never a record tab.
    assert_eq!(
        pop_with(
            attrs(&[
                ("LookupStatus", "SingleMatch"),
                ("ms_contact_id", "not-a-guid"),
                ("ms_searchText", "x")
            ]),
            tab
        ),
        vec!["createTab extn_search search x"]
    );
    // Timeline without a valid activity id → no activity tab.
    assert_eq!(
        pop_with(
            attrs(&[
                ("CreateTimeline", "TRUE"),
                ("ms_activity_id", "123"),
                ("LookupStatus", "NoMatch")
            ]),
            serde_json::json!({})
        ),
        vec![format!("createTab extn_search search {PHONE}")]
    );
    // Timeline with only ms_activity_id → phonecall by default.
    assert_eq!(
        pop_with(
            attrs(&[
                ("CreateTimeline", "True"),
                ("ms_activity_id", ACTIVITY_ID),
                ("LookupStatus", "SingleMatch"),
                ("ms_contact_id", CUSTOMER_ID)
            ]),
            serde_json::json!({})
        ),
        vec![format!("createTab extn_entity_record phonecall {ACTIVITY_ID}")]
    );
    // CreateTimeline false → no activity tab.
    assert_eq!(
        pop_with(
            attrs(&[
                ("CreateTimeline", "false"),
                ("ms_activity_id", ACTIVITY_ID),
                ("LookupStatus", "SingleMatch"),
                ("ms_contact_id", CUSTOMER_ID)
            ]),
            serde_json::json!({})
        ),
        Vec::<String>::new()
    );
}

#[test]
fn item_04_session_template_from_the_flow_or_channel_default() {
    let mut p = Pair::default_ready();
    let a = attrs(&[("ms_session_template", "abc_custom_session")]);
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(snapshot("voice", "connected", Some(true), a)),
    );
    p.can_create();
    // Pops take turns: the first one's session and search tab complete before the next one starts.
    p.session_created("s-1");
    for (r, _, _) in p.all("createTab") {
        p.resolve(r, serde_json::json!("tab"));
    }
    p.event(
        "chat-9",
        ContactEventKind::Connected,
        Some(snapshot("chat", "connected", Some(true), attrs(&[]))),
    );
    p.can_create();
    let sessions: Vec<_> = p
        .take()
        .into_iter()
        .filter(|c| c.starts_with("createSession"))
        .collect();
    assert_eq!(
        sessions,
        vec!["createSession abc_custom_session", "createSession extn_chat_session"]
    );
}

#[test]
fn item_04_search_text_is_cleaned_and_capped() {
    let hostile = format!("  O'Brien\u{0}\u{202e}\n{}", "x".repeat(5000));
    let calls = pop_with(
        attrs(&[("LookupStatus", "NoMatch"), ("ms_searchText", &hostile)]),
        serde_json::json!({"searchTabTemplate": ""}),
    );
    assert_eq!(calls.len(), 1);
    let text = calls[0].strip_prefix("renderSearchPage contact ").unwrap();
    assert!(text.starts_with("O'Brien x"));
    assert!(text.chars().count() <= 200);
    assert!(!text.chars().any(char::is_control));
}

/// §3.4: the search tab's `searchType` is only ever `0` or `1`, never an entity name. A configuration that would
/// send the entity under one of the Search page's own parameters (`searchType`, or `searchText`, which would lose
/// the text searched for) is refused by name, and the search tab keeps its own values.
#[test]
fn item_04_the_entity_to_search_never_goes_into_the_search_pages_own_parameters() {
    for param in ["searchType", "searchText", "SearchType"] {
        let (config, errors) = Config::resolve(&[ConfigLayer {
            source: ConfigSource::CustomParams,
            values: serde_json::json!({"searchTabEntityParameter": param, "searchTabSearchType": 1})
                .as_object()
                .cloned()
                .unwrap(),
        }]);
        assert_eq!(errors.len(), 1, "{param}: {errors:?}");
        assert_eq!(errors[0].key, "searchTabEntityParameter");
        assert_eq!(errors[0].value, param);
        assert!(errors[0].expected.contains("searchType"), "{}", errors[0].expected);
        let mut p = Pair::new(config);
        p.ready();
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
            Some(&serde_json::json!(1)),
            "{param}: {search:?}"
        );
        assert_eq!(
            search.get("searchText"),
            Some(&serde_json::json!(PHONE)),
            "{param}: {search:?}"
        );
        assert_eq!(search.len(), 2, "{param}: {search:?}");
    }
}
