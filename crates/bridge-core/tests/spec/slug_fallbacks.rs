//! §2, §3.4, §5: what the tabs use when a slug is refused, missing, or comes after the pop.
#![allow(clippy::unwrap_used)]

use super::common;

use bridge_core::*;
use common::*;
use serde_json::json;

/// Connected contact on `channel` with `attributes`, popped into session `s1`: the tab calls that follow.
fn pop_on(channel: &str, attributes: serde_json::Value, config: serde_json::Value) -> Vec<String> {
    let mut p = Pair::with_config(config);
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(snapshot(channel, "connected", Some(true), attributes)),
    );
    p.can_create();
    p.session_created("s1");
    p.take()
        .into_iter()
        .skip_while(|c| !c.starts_with("createSession"))
        .skip(1)
        .collect()
}

/// §3.4 + §5: the customer record tab's entity is `ms_customer_entity_name`; a value §2 refuses leads to the
/// fallback (a search instead of the record), never to a record of an entity the flow did not name.
#[test]
fn a_refused_customer_entity_name_leads_to_a_search_not_a_record_of_another_entity() {
    let calls = pop_on(
        "voice",
        attrs(&[
            ("LookupStatus", "SingleMatch"),
            ("ms_customer_entity_name", "Account"), // refused by §2's ^[a-z]… rule
            ("ms_contact_id", CUSTOMER_ID),         // an *account* id
            ("ms_searchText", PHONE),
        ]),
        json!({"customerRecordTab": "tab"}),
    );
    assert!(
        !calls.iter().any(|c| c.contains(&format!("contact {CUSTOMER_ID}"))),
        "record tab opened for an entity the flow never named: {calls:?}"
    );
    assert!(
        calls.iter().any(|c| c.contains("search +15555550100")),
        "no search instead: {calls:?}"
    );
}

/// §3.4 with the default `customerRecordTab` (`anchor`): the session template's anchor tab opens whatever ids
/// the session carries, so a single match the bridge searches for instead hands it none.
#[test]
fn a_single_match_searched_for_hands_no_customer_id_to_the_anchor_tab() {
    let mut p = Pair::default_ready();
    let attributes = attrs(&[
        ("LookupStatus", "SingleMatch"),
        ("ms_customer_entity_name", "Account"), // refused: the ids are an account's
        ("ms_contact_id", CUSTOMER_ID),
        ("ms_id", CUSTOMER_ID),
        ("ms_searchText", PHONE),
    ]);
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(snapshot("voice", "connected", Some(true), attributes)),
    );
    p.can_create();
    let (_, _, _, call) = p.last("createSession");
    let handed: Vec<String> = params(&call)
        .keys()
        .filter(|k| ["ms_contact_id", "ms_id", "ms_account_id"].contains(&k.as_str()))
        .cloned()
        .collect();
    assert_eq!(handed, Vec::<String>::new(), "customer ids handed to the anchor tab");
    p.session_created("s1");
    assert!(
        p.take().iter().any(|c| c.contains(&format!("search {PHONE}"))),
        "a search instead"
    );
}

/// §3.4: the activity tab's `entityName` is `ms_entityrecord_entity_name`. A chat's activity (the seed: "based
/// off interaction type; phonecall, chat") without that name is not opened as a `phonecall` record: only a
/// call's activity defaults to `phonecall`.
#[test]
fn a_chats_activity_without_its_entity_name_is_not_opened_as_a_phonecall() {
    let calls = pop_on(
        "chat",
        attrs(&[
            ("LookupStatus", "SingleMatch"),
            ("ms_contact_id", CUSTOMER_ID),
            ("CreateTimeline", "true"),
            ("ms_activity_id", ACTIVITY_ID),
        ]),
        json!({}),
    );
    assert!(
        !calls.iter().any(|c| c.contains(&format!("phonecall {ACTIVITY_ID}"))),
        "a chat's activity opened as a phonecall record: {calls:?}"
    );
}

/// §3.4: "CreateTimeline true and a valid activity id → createTab …". Attributes the flow (or an
/// UpdateContactAttributes call) sets after the session exists arrive on the next refresh (streams#566).
#[test]
fn an_activity_the_flow_names_after_the_pop_gets_its_tab() {
    let mut p = Pair::default_ready();
    let first = attrs(&[("LookupStatus", "SingleMatch"), ("ms_contact_id", CUSTOMER_ID)]);
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(snapshot("voice", "connected", Some(true), first)),
    );
    p.can_create();
    p.session_created("s1");
    p.take();
    let later = attrs(&[
        ("LookupStatus", "SingleMatch"),
        ("ms_contact_id", CUSTOMER_ID),
        ("CreateTimeline", "true"),
        ("ms_entityrecord_entity_name", "phonecall"),
        ("ms_entityrecord_record_id", ACTIVITY_ID),
    ]);
    p.event(
        CONTACT_ID,
        ContactEventKind::Refresh,
        Some(snapshot("voice", "connected", Some(true), later)),
    );
    p.advance(5_000);
    let calls = p.take();
    assert!(
        calls.iter().any(|c| c.contains(&format!("phonecall {ACTIVITY_ID}"))),
        "no activity tab: {calls:?}"
    );
}

/// §3.4 with the default `customerRecordTab` `anchor`: a contact popped as a search (no match yet, so its session
/// was created with the customer ids withheld) whose flow names the single matching customer afterwards. The
/// anchor tab was opened without the record and cannot show it now: the record opens as a tab of its own. One
/// popped with the customer known keeps showing it in the anchor tab, and gets no second one.
#[test]
fn a_customer_the_flow_names_after_a_search_pop_gets_a_record_tab() {
    for known_at_pop in [false, true] {
        let mut p = Pair::default_ready();
        let first = if known_at_pop {
            attrs(&[("LookupStatus", "SingleMatch"), ("ms_contact_id", CUSTOMER_ID)])
        } else {
            attrs(&[("LookupStatus", "NoMatch"), ("ms_searchText", PHONE)])
        };
        p.event(
            CONTACT_ID,
            ContactEventKind::Connected,
            Some(snapshot("voice", "connected", Some(true), first)),
        );
        p.can_create();
        p.session_created("s1");
        for (r, _, _) in p.all("createTab") {
            p.resolve(r, json!("t"));
        }
        p.take();
        let later = attrs(&[
            ("LookupStatus", "SingleMatch"),
            ("ms_contact_id", CUSTOMER_ID),
            ("ms_searchText", PHONE),
        ]);
        p.event(
            CONTACT_ID,
            ContactEventKind::Refresh,
            Some(snapshot("voice", "connected", Some(true), later)),
        );
        p.advance(5_000);
        let record_tabs: Vec<String> = p
            .take()
            .into_iter()
            .filter(|c| c.starts_with("createTab") && c.contains(CUSTOMER_ID))
            .collect();
        let expected = if known_at_pop {
            vec![]
        } else {
            vec![format!("createTab extn_entity_record contact {CUSTOMER_ID}")]
        };
        assert_eq!(record_tabs, expected, "customer known at the pop: {known_at_pop}");
    }
}

/// §3.4: "`MultiMatch`, `NoMatch` … → a search … with `searchText`". Without `ms_searchText`, a call searches
/// for the caller's number and an inbound email for its sender's address (§2: the search text is "phone number
/// or e-mail").
#[test]
fn an_unmatched_email_without_search_text_searches_for_its_sender() {
    let mut p = Pair::default_ready();
    let s = ContactSnapshot {
        channel: "email".into(),
        state: "connected".into(),
        inbound: Some(true),
        queue_name: Some("Customer Service".into()),
        attributes: attrs(&[("LookupStatus", "NoMatch"), ("ms_searchType", "contact")]),
        email_address: Some("alex.rivera@example.com".into()),
        initiation_method: Some("inbound".into()),
        ..Default::default()
    };
    p.event(CONTACT_ID, ContactEventKind::Connected, Some(s));
    p.can_create();
    p.session_created("s1");
    let calls: Vec<String> = p
        .take()
        .into_iter()
        .skip_while(|c| !c.starts_with("createSession"))
        .skip(1)
        .collect();
    assert!(
        calls.iter().any(|c| c.contains("alex.rivera@example.com")),
        "no search for the no-match email: {calls:?}"
    );
}

/// Attributes that could not be read this time (the getter threw, or copying them did) are not "no attributes":
/// the slugs read before stand, so the pop still opens the matched customer.
#[test]
fn attributes_unreadable_for_a_moment_keep_the_slugs_read_before() {
    let mut p = Pair::with_config(json!({"customerRecordTab": "tab"}));
    p.event(
        CONTACT_ID,
        ContactEventKind::Connecting,
        Some(voice("connecting", Scenario::Single)),
    );
    let mut unreadable = voice("connected", Scenario::Single);
    unreadable.attributes = serde_json::Value::Null;
    unreadable.attributes_unreadable = true;
    p.event(CONTACT_ID, ContactEventKind::Connected, Some(unreadable));
    p.can_create();
    p.session_created("s1");
    let calls = p.take();
    assert!(
        calls.iter().any(|c| c.contains(&format!("contact {CUSTOMER_ID}"))),
        "the matched customer was not opened: {calls:?}"
    );
}

/// A call's activity without its entity name opens as a phonecall, and its end-of-contact update goes to the same
/// record: the tab and the update never disagree about the entity.
#[test]
fn a_calls_activity_without_its_entity_name_is_opened_and_updated_as_a_phonecall() {
    let mut p = Pair::with_config(json!({"updateActivityOnEnd": true}));
    let attributes = attrs(&[
        ("LookupStatus", "SingleMatch"),
        ("ms_contact_id", CUSTOMER_ID),
        ("CreateTimeline", "true"),
        ("ms_activity_id", ACTIVITY_ID),
    ]);
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(snapshot("voice", "connected", Some(true), attributes.clone())),
    );
    p.can_create();
    p.session_created("s1");
    let calls = p.take();
    assert!(
        calls.iter().any(|c| c.contains(&format!("phonecall {ACTIVITY_ID}"))),
        "{calls:?}"
    );
    p.event(
        CONTACT_ID,
        ContactEventKind::Ended,
        Some(snapshot("voice", "ended", Some(true), attributes)),
    );
    let updates = p.all("updateRecord");
    assert_eq!(updates.len(), 1, "{:?}", p.take());
    let CifCall::UpdateRecord { entity_name, id, .. } = &updates[0].2 else {
        unreachable!()
    };
    assert_eq!((entity_name.as_str(), id.as_str()), ("phonecall", ACTIVITY_ID));
}

/// §3.4 with the default `customerRecordTab` (`anchor`): the single match's record is shown by the session
/// template's anchor tab, which reads it from `{ms_customer_entity_name}` and `{ms_contact_id}` (README, section
/// 3). A flow that names its customer by `ms_id` alone (an account match: §2 reads `ms_contact_id`, else `ms_id`),
/// or names no entity, still gets that record in the anchor tab — the same one a customer tab would open — and
/// not an empty anchor (a blank create form) with neither a record tab nor a search beside it.
#[test]
fn the_anchor_tab_is_handed_the_customer_record_the_pop_names() {
    for (attributes, entity) in [
        (
            attrs(&[
                ("LookupStatus", "SingleMatch"),
                ("ms_customer_entity_name", "account"),
                ("ms_id", &format!("{{{}}}", CUSTOMER_ID.to_uppercase())),
            ]),
            "account",
        ),
        (
            attrs(&[("LookupStatus", "SingleMatch"), ("ms_contact_id", CUSTOMER_ID)]),
            "contact",
        ),
    ] {
        let mut p = Pair::default_ready();
        p.event(
            CONTACT_ID,
            ContactEventKind::Connected,
            Some(snapshot("voice", "connected", Some(true), attributes)),
        );
        p.can_create();
        let (_, _, _, call) = p.last("createSession");
        let handed = params(&call);
        assert_eq!(
            (handed.get("ms_customer_entity_name"), handed.get("ms_contact_id")),
            (Some(&json!(entity)), Some(&json!(CUSTOMER_ID))),
            "the anchor tab's slugs: {handed:?}"
        );
    }
    // The same record as `customerRecordTab: tab` opens.
    let calls = pop_on(
        "voice",
        attrs(&[
            ("LookupStatus", "SingleMatch"),
            ("ms_customer_entity_name", "account"),
            ("ms_id", CUSTOMER_ID),
        ]),
        json!({"customerRecordTab": "tab"}),
    );
    assert_eq!(
        calls,
        vec![format!("createTab extn_entity_record account {CUSTOMER_ID}")]
    );
}

/// §2 + §3.4 "Never a record tab with an invalid id": the all-zero GUID is a GUID's shape but names no record (a
/// flow's Lambda writes it for "no contact"); a single match carrying it searches, with the id refused by name,
/// and an activity carrying it gets no tab.
#[test]
fn the_all_zero_guid_opens_no_record() {
    const NIL: &str = "{00000000-0000-0000-0000-000000000000}";
    let mut p = Pair::with_config(json!({"customerRecordTab": "tab"}));
    let attributes = attrs(&[
        ("LookupStatus", "SingleMatch"),
        ("ms_contact_id", NIL),
        ("ms_id", NIL),
        ("ms_searchText", PHONE),
        ("CreateTimeline", "true"),
        ("ms_activity_id", NIL),
        ("ms_entityrecord_entity_name", "phonecall"),
    ]);
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(snapshot("voice", "connected", Some(true), attributes)),
    );
    p.can_create();
    let (_, _, _, call) = p.last("createSession");
    assert!(!params(&call).contains_key("ms_contact_id"), "{:?}", params(&call));
    p.session_created("s1");
    let calls = p.take();
    assert!(
        !calls.iter().any(|c| c.contains("00000000-0000")),
        "a record tab for the all-zero GUID: {calls:?}"
    );
    assert!(
        calls
            .iter()
            .any(|c| c == &format!("createTab extn_search search {PHONE}")),
        "no search instead: {calls:?}"
    );
    let refused = |attribute: &str| {
        p.reports().iter().any(|r| {
            r.message
                .starts_with(&format!("contact {CONTACT_ID}: attribute `{attribute}` value"))
                && r.message
                    .ends_with("refused: expected a record id (the all-zero GUID names no record)")
        })
    };
    for attribute in ["ms_contact_id", "ms_id", "ms_activity_id"] {
        assert!(refused(attribute), "{attribute}: {:?}", p.reports());
    }
}

/// §5: the report of an activity whose entity is missing names the attribute as the configuration names it
/// (`attributeNames`), which is what the flow writes and the admin looks for, not the default spelling.
#[test]
fn a_missing_activity_entity_is_reported_under_the_configured_attribute_name() {
    for (config, attribute) in [
        (json!({}), "ms_entityrecord_entity_name"),
        (
            json!({"attributeNames": {"entityRecordEntityName": "crm_activity_entity"}}),
            "crm_activity_entity",
        ),
    ] {
        let mut p = Pair::with_config(config);
        p.event(
            CONTACT_ID,
            ContactEventKind::Connected,
            Some(snapshot(
                "chat",
                "connected",
                Some(true),
                attrs(&[("CreateTimeline", "true"), ("ms_activity_id", ACTIVITY_ID)]),
            )),
        );
        p.can_create();
        p.session_created("s1");
        let report = p
            .reports()
            .into_iter()
            .find(|r| r.code == "pop.activity.unnamed")
            .unwrap();
        assert!(report.message.contains(&format!("({attribute})")), "{}", report.message);
        assert!(report.message.contains(CONTACT_ID), "{}", report.message);
    }
}

/// §5 "the bridge falls back (default template, search instead of record)" and §3.4 "… a search: `createTab` of
/// the configured search tab template … or `renderSearchPage`": a search tab template missing in Dynamics (the
/// deployment did not create `extn_search`) leaves the agent with a search all the same: `renderSearchPage`, once
/// Dynamics said the template is unknown, and straight away for the contacts after it.
#[test]
fn a_missing_search_tab_template_searches_with_render_search_page() {
    let mut p = Pair::default_ready();
    p.event(
        CONTACT_ID,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Multi)),
    );
    p.can_create();
    p.session_created("s1");
    p.take();
    let tabs = p.all("createTab");
    let (activity, search) = (tabs[0].0, tabs[1].0);
    assert!(matches!(&tabs[1].2, CifCall::CreateTab { template_name, .. } if template_name == "extn_search"));
    p.reject(
        search,
        json!({"message": "ApplicationTabTemplateNotFoundError", "msdyn_name": "CreateTab"}),
    );
    p.resolve(activity, json!("tab-1"));
    let calls = p.take();
    assert!(
        calls.contains(&format!("renderSearchPage contact {PHONE}")),
        "the same search without the template: {calls:?}"
    );
    assert!(!p.report_codes().contains(&"cif.createTab.failed"), "{:?}", p.reports());
    assert!(p.report_codes().contains(&"template.search.fallback"));

    let render = p.req("renderSearchPage");
    p.resolve(render, json!(null));

    // The next multi match searches that way at once.
    let other = "5b1a9c2e-3d4f-4a5b-8c6d-7e8f9a0b1c2d";
    p.event(
        other,
        ContactEventKind::Connected,
        Some(voice("connected", Scenario::Multi)),
    );
    p.can_create();
    p.session_created("s2");
    let calls = p.take();
    assert!(
        calls.contains(&format!("renderSearchPage contact {PHONE}"))
            && !calls.iter().any(|c| c.contains("extn_search")),
        "{calls:?}"
    );
}

/// §5 "missing … attributes … yield a clear console error naming the contact, the field and what was expected":
/// a chat the flow found several customers (or none) for, without `ms_searchText` and without a number to search
/// for instead, gets a session with no record and no search: the console says so and names the attribute, and a
/// single match without a usable id is not said to be "searching instead" when nothing is searched.
#[test]
fn a_search_with_nothing_to_search_for_is_reported_not_claimed() {
    for status in ["MultiMatch", "NoMatch", "SingleMatch"] {
        let mut p = Pair::default_ready();
        p.event(
            CONTACT_ID,
            ContactEventKind::Connected,
            Some(snapshot(
                "chat",
                "connected",
                Some(true),
                attrs(&[("LookupStatus", status), ("ms_contact_id", "not-a-guid")]),
            )),
        );
        p.can_create();
        p.session_created("s1");
        let calls = p.take();
        assert!(
            !calls
                .iter()
                .any(|c| c.starts_with("createTab") || c.starts_with("renderSearchPage")),
            "{status}: {calls:?}"
        );
        let nothing: Vec<&Report> = p
            .reports()
            .into_iter()
            .filter(|r| r.code == "pop.search.nothing")
            .collect();
        assert_eq!(nothing.len(), 1, "{status}: {:?}", p.reports());
        assert!(
            nothing[0].message.starts_with(&format!("contact {CONTACT_ID}: "))
                && nothing[0]
                    .message
                    .contains("attribute `ms_searchText` is missing or empty"),
            "{}",
            nothing[0].message
        );
        assert!(
            !p.report_codes().contains(&"pop.fallback.search"),
            "{status}: claims a search that is not made: {:?}",
            p.reports()
        );
    }
}
