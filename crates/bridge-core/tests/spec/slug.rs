//! Slug data parsing (spec §2), with the `Display` text of errors pinned.
#![allow(clippy::unwrap_used)]

use super::common;

use bridge_core::*;
use common::*;
use serde_json::json;

fn parse(v: serde_json::Value) -> (SlugData, Vec<String>) {
    let id = ContactId::parse("c-1").unwrap();
    let (d, e) = SlugData::parse(&id, &v, &AttributeNames::default());
    (d, e.iter().map(ToString::to_string).collect())
}

#[test]
fn seed_single_match_parses_completely() {
    let (d, errors) = parse(seed_attributes(Scenario::Single));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(d.lookup_status, Some(LookupStatus::SingleMatch));
    assert!(d.lookup_status_from_fallback);
    assert_eq!(d.customer_id().map(Guid::as_str), Some(CUSTOMER_ID));
    assert_eq!(d.activity_record_id().map(Guid::as_str), Some(ACTIVITY_ID));
    assert_eq!(d.create_timeline, Some(true));
    assert_eq!(
        d.customer_name.as_ref().map(|n| n.expose().as_str()),
        Some("Maria Campbell")
    );
    assert_eq!(format!("{:?}", d.customer_name), "Some([redacted])");
}

/// Streams' wire model makes an attribute's `value` optional: `{name}` alone is an attribute set without a
/// value, read as absent like `value: null`, not refused. An object that is not an attribute at all still is.
#[test]
fn an_attribute_without_a_value_is_absent_not_invalid() {
    let mut a = seed_attributes(Scenario::Single);
    a["CallReason"] = json!({"name": "CallReason"});
    let (d, errors) = parse(a.clone());
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(d.call_reason, None);
    a["CallReason"] = json!({"label": "x"});
    let (_, errors) = parse(a);
    assert_eq!(errors.len(), 1, "{errors:?}");
}

#[test]
fn lookup_status_prefers_the_correct_spelling() {
    let (d, _) = parse(attrs(&[("LookupStatus", "NoMatch"), ("LookupSatus", "SingleMatch")]));
    assert_eq!(d.lookup_status, Some(LookupStatus::NoMatch));
    assert!(!d.lookup_status_from_fallback);
}

#[test]
fn error_display_is_pinned() {
    let (_, errors) = parse(json!({
        "ms_contact_id": {"name": "ms_contact_id", "value": "{not-a-guid}"},
        "ms_customer_entity_name": {"name": "x", "value": "Contact"},
        "LookupStatus": {"name": "x", "value": "Single"},
        "ms_session_template": {"name": "x", "value": "voice"},
        "CreateTimeline": {"name": "x", "value": "yes"},
        "ms_searchText": {"name": "x", "value": "a\u{1}".repeat(300)},
        "ms_activity_id": {"name": "x", "value": true},
        "ms_entityrecord_record_id": [1],
    }));
    assert_eq!(
        errors,
        vec![
            "contact c-1: attribute `ms_customer_entity_name` value \"Contact\" refused: expected a Dataverse logical name (^[a-z][a-z0-9_]{0,63}$)",
            "contact c-1: attribute `ms_contact_id` value \"{not-a-guid}\" refused: expected a GUID (8-4-4-4-12 hex digits, braces optional)",
            "contact c-1: attribute `LookupStatus` value \"Single\" refused: expected SingleMatch, MultiMatch or NoMatch",
            "contact c-1: attribute `ms_session_template` value \"voice\" refused: expected a template unique name (^[A-Za-z0-9]{3,8}_[A-Za-z0-9_]+$)",
            "contact c-1: attribute `ms_searchText` value \"[redacted]\" too long: cut to 200 characters",
            "contact c-1: attribute `CreateTimeline` value \"yes\" refused: expected true or false",
            "contact c-1: attribute `ms_activity_id` value \"true\" refused: expected a GUID (8-4-4-4-12 hex digits, braces optional)",
            "contact c-1: attribute `ms_entityrecord_record_id` refused (an array): expected {name, value} with a string value",
        ]
    );
    let (_, errors) = parse(json!("oops"));
    assert_eq!(
        errors,
        vec!["contact c-1: attributes refused (a string): expected an object of {name, value} entries"]
    );
}

#[test]
fn valid_fields_survive_invalid_neighbours() {
    let (d, errors) = parse(attrs(&[
        ("ms_contact_id", "nope"),
        ("ms_account_id", ACCOUNT_ID),
        ("CreateTimeline", "TRUE"),
    ]));
    assert_eq!(errors.len(), 1);
    assert_eq!(d.contact_id, None);
    assert_eq!(d.account_id.map(|g| g.as_str().to_owned()).as_deref(), Some(ACCOUNT_ID));
    assert_eq!(d.create_timeline, Some(true));
}

#[test]
fn free_text_is_trimmed_stripped_and_capped() {
    let (d, _) = parse(attrs(&[
        ("ms_customer_name", "  José \u{1b}[31mMüller 👋 مرحبا  "),
        ("CallReason", &"r".repeat(3000)),
    ]));
    assert_eq!(d.customer_name.unwrap().expose(), "José [31mMüller 👋 مرحبا");
    assert_eq!(d.call_reason.unwrap().expose().chars().count(), 2000);
}

#[test]
fn renamed_attributes_are_read() {
    let mut names = AttributeNames::default();
    names.set(SlugField::ContactId, "crm_contact".into());
    let id = ContactId::parse("c-1").unwrap();
    let (d, _) = SlugData::parse(
        &id,
        &attrs(&[("crm_contact", CUSTOMER_ID), ("ms_contact_id", "x")]),
        &names,
    );
    assert_eq!(
        d.contact_id.map(|g| g.as_str().to_owned()).as_deref(),
        Some(CUSTOMER_ID)
    );
    let params = d_params(&id, &names);
    assert!(params.contains_key("crm_contact"));
}

fn d_params(id: &ContactId, names: &AttributeNames) -> serde_json::Map<String, serde_json::Value> {
    let (d, _) = SlugData::parse(
        id,
        &attrs(&[("crm_contact", CUSTOMER_ID), ("LookupStatus", "SingleMatch")]),
        names,
    );
    d.template_parameters(names, false)
}

/// §2: both spellings are accepted; a flow may write its raw lookup outcome to `LookupStatus` and the mapped
/// value to the seed's `LookupSatus`: the valid one counts.
#[test]
fn an_invalid_lookup_status_leaves_the_seed_spelling_in_force() {
    let id = ContactId::parse("c-1").unwrap();
    let (d, errors) = SlugData::parse(
        &id,
        &attrs(&[("LookupStatus", "match"), ("LookupSatus", "SingleMatch")]),
        &AttributeNames::default(),
    );
    assert_eq!(d.lookup_status, Some(LookupStatus::SingleMatch));
    assert_eq!(errors.len(), 1, "the invalid value is still reported: {errors:?}");
    let (d, _) = SlugData::parse(&id, &attrs(&[("LookupStatus", "match")]), &AttributeNames::default());
    assert_eq!(d.lookup_status, Some(LookupStatus::Unknown));
}

/// §3.1 "templateParameters carry every valid slug attribute under its own name": a flow that writes both
/// spellings (the seed's `LookupSatus`, kept for the templates built on the seed, and the corrected
/// `LookupStatus`) has the status under both names, as one that writes only the seed's spelling has; a template
/// field `{LookupSatus}` is not left blank.
#[test]
fn both_lookup_spellings_reach_the_templates() {
    let names = AttributeNames::default();
    let (d, _) = parse(attrs(&[("LookupStatus", "MultiMatch"), ("LookupSatus", "MultiMatch")]));
    let params = d.template_parameters(&names, true);
    assert_eq!(params.get("LookupStatus"), Some(&json!("MultiMatch")));
    assert_eq!(params.get("LookupSatus"), Some(&json!("MultiMatch")));
    // Spellings that disagree: both names carry the status the bridge acts on (the standard spelling's), so the
    // toast never says "SingleMatch" over a search.
    let (d, _) = parse(attrs(&[("LookupStatus", "NoMatch"), ("LookupSatus", "SingleMatch")]));
    let params = d.template_parameters(&names, true);
    assert_eq!(params.get("LookupSatus"), Some(&json!("NoMatch")));
    // Only the standard spelling written: nothing under the seed's.
    let (d, _) = parse(attrs(&[("LookupStatus", "NoMatch")]));
    assert_eq!(d.template_parameters(&names, true).get("LookupSatus"), None);
}
