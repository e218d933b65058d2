//! Layered configuration: each bad value → its error, precedence across the four layers, URL coercion.
#![allow(clippy::unwrap_used)]

use bridge_core::config::CustomerRecordTab;
use bridge_core::*;
use serde_json::{json, Value};

fn layer(source: ConfigSource, v: Value) -> ConfigLayer {
    ConfigLayer {
        source,
        values: v.as_object().cloned().unwrap(),
    }
}

fn one(key: &str, value: Value) -> Vec<ConfigError> {
    Config::resolve(&[layer(ConfigSource::CustomParams, json!({ key: value }))]).1
}

#[test]
fn defaults() {
    let c = Config::default();
    assert_eq!(c.cif_call_timeout_ms, 12_000);
    assert_eq!(c.notification_timeout_ms, 600_000);
    assert_eq!(c.cif_retry_attempts, 3);
    assert_eq!(c.cif_retry_backoff_ms, 500);
    assert_eq!(c.voice.notification.as_str(), "extn_voice_notification");
    assert_eq!(c.voice.session.as_str(), "extn_voice_identified_session");
    assert_eq!(c.chat.session.as_str(), "extn_chat_session");
    assert_eq!(c.task.notification.as_str(), "extn_task_notification");
    assert_eq!(c.email.session.as_str(), "extn_email_session");
    assert_eq!(c.templates_for("queue_callback"), &c.voice);
    assert_eq!(c.record_tab_template.as_str(), "extn_entity_record");
    assert_eq!(
        c.search_tab_template.as_ref().map(TemplateName::as_str),
        Some("extn_search")
    );
    assert_eq!(c.customer_record_tab, CustomerRecordTab::Anchor);
    assert!(!c.reject_in_connect_on_decline);
    assert_eq!(
        (c.max_sessions, c.handled_contact_memory, c.trace_capacity),
        (10, 1000, 500)
    );
    assert_eq!(c.attribute_names.get(SlugField::LookupStatusFallback), "LookupSatus");
    assert_eq!(Config::resolve(&[]), (Config::default(), vec![]));
}

#[test]
fn every_bad_value_is_its_own_error() {
    let bad: Vec<(&str, Value)> = vec![
        ("ucilib", json!("javascript:alert(1)")),
        ("crmUrl", json!("http://contoso.crm.dynamics.com")),
        ("ccpUrl", json!("data:text/html,hi")),
        ("ccpUrl", json!("https://user:pw@example.my.connect.aws/ccp-v2/")),
        ("ccpUrl", json!("http://evil.example/ccp-v2/")),
        ("ccpUrl", json!("https://good.example\\@evil.example/")),
        ("ccpUrl", json!("http://localhost.evil.example/")),
        ("ccpUrl", json!(42)),
        ("loginUrl", json!("http://idp.example/saml/login")),
        ("loginUrl", json!("javascript:alert(1)")),
        ("loginUrl", json!("https://user:pw@idp.example/")),
        ("loginUrl", json!(true)),
        ("region", json!("EU-WEST-2")),
        ("region", json!("eu-west")),
        ("loginPopup", json!("yes")),
        ("loginPopupAutoClose", json!(1)),
        ("allowFramedSoftphone", json!("")),
        ("disableRingtone", json!(null_string())),
        ("ccpLoadTimeoutMs", json!(999)),
        ("ccpLoadTimeoutMs", json!("5 s")),
        ("cifInitTimeoutMs", json!(-5)),
        ("cifCallTimeoutMs", json!("12s")),
        ("notificationTimeoutMs", json!(1.5)),
        ("cifRetryAttempts", json!(11)),
        ("cifRetryBackoffMs", json!("99999999999999999999999")),
        ("voiceNotificationTemplate", json!("voice")),
        ("voiceSessionTemplate", json!("ab_session")),
        ("chatNotificationTemplate", json!("toolongprefix_x")),
        ("chatSessionTemplate", json!("extn_")),
        ("taskNotificationTemplate", json!("extn_task-notification")),
        ("taskSessionTemplate", json!(true)),
        ("emailNotificationTemplate", json!("extn notification")),
        ("emailSessionTemplate", json!({})),
        ("recordTabTemplate", json!("")),
        ("customerRecordTab", json!("both")),
        ("searchTabTemplate", json!("bad")),
        ("rejectInConnectOnDecline", json!("no")),
        ("maxSessions", json!(0)),
        ("handledContactMemory", json!("lots")),
        ("handledContactMemory", json!(0)),
        ("traceCapacity", json!(1_000_000)),
        ("attributeNames", json!([1])),
        ("attributeNames", json!("{not json")),
        ("colour", json!("blue")),
    ];
    for (key, value) in bad {
        let errors = one(key, value.clone());
        assert_eq!(errors.len(), 1, "{key}={value}: {errors:?}");
        assert_eq!(errors[0].key, key);
        assert_eq!(errors[0].source, ConfigSource::CustomParams);
        let (config, _) = Config::resolve(&[layer(ConfigSource::CustomParams, json!({ key: value }))]);
        assert_eq!(config, Config::default(), "{key}: the default stays in force");
    }
}

fn null_string() -> &'static str {
    "null"
}

#[test]
fn good_urls() {
    for ok in [
        "https://example.my.connect.aws/ccp-v2/",
        "https://example.awsapps.com/connect/ccp-v2#x",
        "http://localhost:8080/ccp-v2/",
        "http://127.0.0.1/ccp",
        "HTTPS://Example.com",
    ] {
        assert_eq!(one("ccpUrl", json!(ok)), vec![], "{ok}");
    }
}

#[test]
fn error_display_is_pinned() {
    let e = one("ccpUrl", json!("http://evil.example/ccp-v2/")).remove(0);
    assert_eq!(
        e.to_string(),
        "configuration key `ccpUrl` from Custom Parameters: value \"http://evil.example/ccp-v2/\" refused, expected an https:// URL (http:// only for localhost or 127.0.0.1), without credentials"
    );
    let e = one("colour", json!({"a": 1})).remove(0);
    assert_eq!(
        e.to_string(),
        "configuration key `colour` from Custom Parameters: value \"an object with 1 keys\" refused, expected a known configuration key (see the README); this key is unknown"
    );
    let long = one("region", json!("x".repeat(10_000))).remove(0);
    assert!(long.value.chars().count() <= 65);
}

#[test]
fn precedence_across_all_four_layers() {
    let layers = [
        // Given out of order on purpose: precedence comes from the source, not the slice order.
        layer(ConfigSource::Url, json!({"region": "us-east-1", "maxSessions": "4"})),
        layer(
            ConfigSource::ConfigFile,
            json!({"region": "eu-west-2", "maxSessions": 2, "traceCapacity": 7, "cifRetryAttempts": 1}),
        ),
        layer(
            ConfigSource::CustomParams,
            json!({"region": "ap-southeast-2", "traceCapacity": 8, "maxSessions": "bad"}),
        ),
    ];
    let (c, errors) = Config::resolve(&layers);
    assert_eq!(c.region.as_deref(), Some("us-east-1"), "URL wins");
    assert_eq!(c.trace_capacity, 8, "Custom Parameters beat config.json");
    assert_eq!(c.cif_retry_attempts, 1, "config.json beats defaults");
    assert_eq!(c.max_sessions, 4);
    assert_eq!(c.cif_call_timeout_ms, 12_000, "defaults");
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (errors[0].key.as_str(), errors[0].source),
        ("maxSessions", ConfigSource::CustomParams)
    );
    // A refused URL value leaves the Custom Parameters value in force.
    let (c, errors) = Config::resolve(&[
        layer(ConfigSource::CustomParams, json!({"region": "eu-west-2"})),
        layer(ConfigSource::Url, json!({"region": "nowhere"})),
    ]);
    assert_eq!((c.region.as_deref(), errors.len()), (Some("eu-west-2"), 1));
}

/// JSON (config.json, Custom Parameters) may write a whole number with a fraction or an exponent: it is the
/// same number. A fraction that is not zero stays refused (see `every_bad_value_is_its_own_error`).
#[test]
fn whole_json_numbers_are_numbers_whatever_their_spelling() {
    let values: Value =
        serde_json::from_str(r#"{"cifCallTimeoutMs": 15000.0, "notificationTimeoutMs": 1.5e4}"#).unwrap();
    let (c, errors) = Config::resolve(&[layer(ConfigSource::ConfigFile, values)]);
    assert_eq!(errors, vec![]);
    assert_eq!((c.cif_call_timeout_ms, c.notification_timeout_ms), (15_000, 15_000));
}

#[test]
fn url_strings_are_coerced() {
    let (c, errors) = Config::resolve(&[layer(
        ConfigSource::Url,
        json!({
            "loginPopup": "false",
            "disableRingtone": "TRUE",
            "cifCallTimeoutMs": "15000",
            "maxSessions": " 3 ",
            "searchTabTemplate": "",
            "customerRecordTab": "tab",
            "attributeNames": "{\"lookupStatus\":\"Lookup_Status\",\"contactId\":\"crm_contact\"}",
            "ucilib": "https://contoso.crm4.dynamics.com/webresources/Widget/msdyn_ciLibrary.js",
            "cifid": "CIFMainLibrary"
        }),
    )]);
    assert_eq!(errors, vec![]);
    assert!(!c.login_popup && c.disable_ringtone);
    assert_eq!((c.cif_call_timeout_ms, c.max_sessions), (15_000, 3));
    assert_eq!(c.search_tab_template, None);
    assert_eq!(c.customer_record_tab, CustomerRecordTab::Tab);
    assert_eq!(c.attribute_names.get(SlugField::LookupStatus), "Lookup_Status");
    assert_eq!(c.attribute_names.get(SlugField::ContactId), "crm_contact");
    assert_eq!(c.attribute_names.get(SlugField::Id), "ms_id");
    assert_eq!(c.cif_crm_origin().as_deref(), Some("https://contoso.crm4.dynamics.com"));
}

#[test]
fn attribute_name_entries_are_checked_one_by_one() {
    let errors = one(
        "attributeNames",
        json!({"contactId": "crm_contact", "contactid": "x", "id": ""}),
    );
    let keys: Vec<_> = errors.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, vec!["attributeNames.contactid", "attributeNames.id"]);
}

/// §3.1: the bridge adds `customerName`, `phoneNumber`, `channel`, `queueName`, `contactId` (and an email's
/// `emailAddress`, `emailSubject`) to the slugs. A slug renamed to one of them would be overwritten — the natural
/// `attributeNames: {contactId: "contactId"}` would hand the anchor tab the Amazon Connect contact id (GUID-shaped)
/// as the customer record id — so the name is refused at start-up, naming the key, and the default name stays.
/// The customer's name under `customerName` means the same thing and is kept.
#[test]
fn an_attribute_name_the_bridge_fills_itself_is_refused() {
    let (c, errors) = Config::resolve(&[layer(
        ConfigSource::CustomParams,
        json!({"attributeNames": {"contactId": "contactId", "searchText": "phoneNumber", "customerName": "customerName"}}),
    )]);
    let keys: Vec<_> = errors.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, vec!["attributeNames.contactId", "attributeNames.searchText"]);
    assert!(
        errors[0]
            .expected
            .contains("template parameters the bridge fills itself"),
        "{}",
        errors[0]
    );
    assert_eq!(c.attribute_names.get(SlugField::ContactId), "ms_contact_id");
    assert_eq!(c.attribute_names.get(SlugField::SearchText), "ms_searchText");
    assert_eq!(c.attribute_names.get(SlugField::CustomerName), "customerName");
}

#[test]
fn crm_url_gives_the_library_url() {
    let (c, errors) = Config::resolve(&[layer(
        ConfigSource::Url,
        json!({"crmUrl": "https://contoso.crm.dynamics.com/"}),
    )]);
    assert!(errors.is_empty());
    assert_eq!(
        c.cif_library_url().as_deref(),
        Some("https://contoso.crm.dynamics.com/webresources/Widget/msdyn_ciLibrary.js")
    );
    assert_eq!(c.cif_crm_origin().as_deref(), Some("https://contoso.crm.dynamics.com"));
}

/// An org address copied from the browser's address bar names the same org: the library comes from its origin,
/// never from under a page or a query.
#[test]
fn crm_url_with_a_page_or_a_query_gives_the_library_under_the_org() {
    for crm in [
        "https://contoso.crm.dynamics.com/main.aspx?appid=1234&pagetype=dashboard",
        "https://contoso.crm.dynamics.com/?appid=1234",
        "https://Contoso.CRM.dynamics.com:443/#top",
    ] {
        let (c, errors) = Config::resolve(&[layer(ConfigSource::Url, json!({ "crmUrl": crm }))]);
        assert!(errors.is_empty(), "{crm}: {errors:?}");
        assert_eq!(
            c.cif_library_url().as_deref(),
            Some("https://contoso.crm.dynamics.com/webresources/Widget/msdyn_ciLibrary.js"),
            "{crm}"
        );
        assert_eq!(c.cif_crm_origin().as_deref(), Some("https://contoso.crm.dynamics.com"));
    }
}

/// `data-crmurl` is compared by the CIF library with `event.origin`, which a browser writes in lower case and
/// without the default port.
#[test]
fn data_crmurl_is_the_origin_as_a_browser_writes_it() {
    let (c, errors) = Config::resolve(&[layer(
        ConfigSource::Url,
        json!({"ucilib": "https://Contoso.CRM.dynamics.com:443/webresources/Widget/msdyn_ciLibrary.js"}),
    )]);
    assert!(errors.is_empty());
    assert_eq!(c.cif_crm_origin().as_deref(), Some("https://contoso.crm.dynamics.com"));
}

/// `loginUrl` (the sign-in page of Streams' login pop-up: SAML, global resiliency) is an https URL
/// (http only on the loopback, as the workbench uses), refused otherwise with an error naming the key and what
/// was expected; `""` clears a lower layer's value.
#[test]
fn login_url_is_an_https_url_like_ccp_url() {
    for ok in [
        "https://example.awsapps.com/auth/?client_id=abc&redirect_uri=x",
        "https://myapps.microsoft.com/signin/Connect/1234?tenantId=5",
        "http://localhost:8080/ccp-v2/login",
    ] {
        let (c, errors) = Config::resolve(&[layer(ConfigSource::Url, json!({ "loginUrl": ok }))]);
        assert_eq!(errors, vec![], "{ok}");
        assert_eq!(c.login_url.as_deref(), Some(ok));
    }
    for bad in [
        json!("http://idp.example/saml/login"),
        json!("data:text/html,<form>"),
        json!("https://user:pw@idp.example/"),
        json!("//idp.example/"),
        json!(["https://idp.example/"]),
    ] {
        let errors = one("loginUrl", bad.clone());
        assert_eq!(errors.len(), 1, "{bad}: {errors:?}");
        assert_eq!(errors[0].key, "loginUrl");
        assert!(
            errors[0].expected.starts_with("an https:// sign-in URL"),
            "{bad}: {}",
            errors[0].expected
        );
        let shown = errors[0].to_string();
        assert!(
            shown.starts_with("configuration key `loginUrl` from Custom Parameters: value "),
            "{shown}"
        );
    }
    // "" from a higher layer clears config.json's value: Streams signs in at ccpUrl again.
    let (c, errors) = Config::resolve(&[
        layer(
            ConfigSource::ConfigFile,
            json!({"loginUrl": "https://idp.example/saml"}),
        ),
        layer(ConfigSource::Url, json!({"loginUrl": ""})),
    ]);
    assert_eq!(errors, vec![]);
    assert_eq!(c.login_url, None);
    // a refused value leaves the lower layer's in force
    let (c, errors) = Config::resolve(&[
        layer(
            ConfigSource::ConfigFile,
            json!({"loginUrl": "https://idp.example/saml"}),
        ),
        layer(ConfigSource::Url, json!({"loginUrl": "http://evil.example/login"})),
    ]);
    assert_eq!(errors.len(), 1);
    assert_eq!(c.login_url.as_deref(), Some("https://idp.example/saml"));
}

/// Streams takes the two-region path only with `enableGlobalResiliency`, `secondaryCCPUrl` and
/// `loginUrl` together; with a key missing the page names it and does not ask Streams for it.
#[test]
fn global_resiliency_needs_secondary_ccp_url_and_login_url() {
    let resolve = |v: Value| {
        Config::resolve(&[layer(ConfigSource::ConfigFile, v)])
            .0
            .global_resiliency()
    };
    let secondary = "https://replica.my.connect.aws/ccp-v2/";
    let login = "https://example.awsapps.com/connect/login";
    assert_eq!(resolve(json!({})), GlobalResiliency::Off);
    assert_eq!(
        resolve(json!({"secondaryCCPUrl": secondary, "loginUrl": login})),
        GlobalResiliency::Off,
        "not asked for"
    );
    let on = resolve(json!({"enableGlobalResiliency": true, "secondaryCCPUrl": secondary, "loginUrl": login}));
    assert_eq!(on, GlobalResiliency::On);
    assert!(on.enabled());
    assert_eq!(on.problem(), None);
    for (v, missing) in [
        (
            json!({"enableGlobalResiliency": true, "loginUrl": login}),
            "secondaryCCPUrl",
        ),
        (
            json!({"enableGlobalResiliency": true, "secondaryCCPUrl": secondary}),
            "loginUrl",
        ),
        (json!({"enableGlobalResiliency": "true"}), "secondaryCCPUrl or loginUrl"),
    ] {
        let g = resolve(v.clone());
        assert_eq!(g, GlobalResiliency::Incomplete { missing }, "{v}");
        assert!(!g.enabled());
        let text = g.problem().unwrap();
        assert!(
            text.starts_with(&format!(
                "enableGlobalResiliency is on without an acceptable {missing}:"
            )),
            "{text}"
        );
        assert!(text.contains("the CCP starts in one region only"), "{text}");
    }
}

#[test]
fn streams_console_level_is_one_of_streams_levels_and_warn_by_default() {
    assert_eq!(Config::default().streams_console_level, "WARN");
    let resolved = |v: Value| Config::resolve(&[layer(ConfigSource::Url, json!({ "streamsConsoleLevel": v }))]);
    let (config, errors) = resolved(json!(" info "));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(config.streams_console_level, "INFO");
    // null (like every key's) clears a lower layer's value back to the default.
    assert_eq!(resolved(json!(null)).0.streams_console_level, "WARN");
    for bad in [json!("verbose"), json!(3), json!(true)] {
        let (config, errors) = resolved(bad.clone());
        assert_eq!(errors.len(), 1, "{bad}: {errors:?}");
        assert!(errors[0].to_string().contains("Streams' log levels"), "{}", errors[0]);
        assert_eq!(config.streams_console_level, "WARN", "{bad}");
    }
}

/// CIF's own spelling of the org URL (its script's `data-crmurl`), as some hosts append it to the channel URL, is
/// `crmUrl`; a layer that spells both keeps `crmUrl`.
#[test]
fn cifs_crmurl_spelling_is_crm_url() {
    let url = |values: Value| {
        Config::resolve(&[ConfigLayer {
            source: ConfigSource::Url,
            values: values.as_object().cloned().unwrap(),
        }])
    };
    let (c, errors) = url(json!({"crmurl": "https://contoso.crm4.dynamics.com/"}));
    assert_eq!(errors, vec![]);
    assert_eq!(c.crm_url.as_deref(), Some("https://contoso.crm4.dynamics.com"));
    let (c, errors) =
        url(json!({"crmurl": "https://other.crm.dynamics.com", "crmUrl": "https://contoso.crm4.dynamics.com"}));
    assert_eq!(errors, vec![]);
    assert_eq!(c.crm_url.as_deref(), Some("https://contoso.crm4.dynamics.com"));
    let (_, errors) = url(json!({"trace": "1"}));
    assert_eq!(errors.len(), 1, "nothing reads `trace`: a key like any unknown one");
}

/// A config.json that exists but cannot be read must not switch the origin allow-lists off: it stands for
/// empty lists, and endpoints from the URL are refused until it is fixed.
#[test]
fn an_unreadable_config_file_closes_the_allow_lists() {
    let url = ConfigLayer {
        source: ConfigSource::Url,
        values: json!({"ccpUrl": "https://evil.example/ccp-v2/", "ucilib": "https://evil.example/lib.js"})
            .as_object()
            .cloned()
            .unwrap(),
    };
    let (open, errors) = Config::resolve(std::slice::from_ref(&url));
    assert_eq!(errors, vec![]);
    assert!(open.ccp_url.is_some(), "no config.json at all: no allow-list");
    let (closed, errors) = Config::resolve(&[ConfigLayer::unreadable_config_file(), url]);
    assert_eq!(closed.ccp_url, None);
    assert_eq!(closed.ucilib, None);
    assert_eq!(errors.len(), 2, "{errors:?}");
}

/// `ucilib` and `crmUrl` name one thing, the CIF library: the higher layer's choice wins whichever key it uses
/// (spec §1: URL query parameters over Custom Parameters over `config.json`), so a Channel URL's `crmUrl` points a
/// page whose `config.json` names a `ucilib` at another org. Within one layer `ucilib` wins, and a refused value
/// leaves the lower layer's library in force.
#[test]
fn the_cif_library_comes_from_the_highest_layer_that_names_it_by_either_key() {
    const PROD: &str = "https://prod.crm4.dynamics.com/webresources/Widget/msdyn_ciLibrary.js";
    const UAT: &str = "https://uat.crm4.dynamics.com";
    let library = |layers: &[ConfigLayer]| {
        let (c, _) = Config::resolve(layers);
        c.cif_library_url()
    };
    let uat_library = Some(format!("{UAT}/webresources/Widget/msdyn_ciLibrary.js"));
    assert_eq!(
        library(&[
            layer(ConfigSource::ConfigFile, json!({"ucilib": PROD})),
            layer(ConfigSource::Url, json!({"crmUrl": UAT})),
        ]),
        uat_library,
        "the URL's crmUrl over config.json's ucilib"
    );
    assert_eq!(
        library(&[
            layer(ConfigSource::ConfigFile, json!({"ucilib": PROD})),
            layer(ConfigSource::Url, json!({"crmurl": UAT})),
        ]),
        uat_library,
        "CIF's own spelling too"
    );
    assert_eq!(
        library(&[
            layer(ConfigSource::ConfigFile, json!({"crmUrl": UAT})),
            layer(ConfigSource::Url, json!({"ucilib": PROD})),
        ]),
        Some(PROD.to_owned()),
        "the URL's ucilib over config.json's crmUrl"
    );
    assert_eq!(
        library(&[layer(ConfigSource::Url, json!({"crmUrl": UAT, "ucilib": PROD}))]),
        Some(PROD.to_owned()),
        "one layer: ucilib wins"
    );
    assert_eq!(
        library(&[
            layer(ConfigSource::ConfigFile, json!({"ucilib": PROD})),
            layer(ConfigSource::Url, json!({"crmUrl": "http://uat.crm4.dynamics.com"})),
        ]),
        Some(PROD.to_owned()),
        "a refused crmUrl leaves the lower layer's library"
    );
}
