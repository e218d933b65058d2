//! Security: https-only endpoints and the optional origin allow-lists (`allowedConnectOrigins`,
//! `allowedDynamicsOrigins`). The allow-lists are honoured from `config.json` only and then constrain the
//! endpoints given by every layer, the URL query included (anyone can craft a link).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use bridge_core::config::origin_of;
use bridge_core::{Config, ConfigLayer, ConfigSource};
use serde_json::{json, Value};

fn layer(source: ConfigSource, v: Value) -> ConfigLayer {
    ConfigLayer {
        source,
        values: v.as_object().unwrap().clone(),
    }
}

const CONNECT: &str = "https://good.my.connect.aws";
const DYN: &str = "https://org.crm4.dynamics.com";

fn file_with_lists() -> ConfigLayer {
    layer(
        ConfigSource::ConfigFile,
        json!({
            "allowedConnectOrigins": [CONNECT, "https://other.awsapps.com/"],
            "allowedDynamicsOrigins": [DYN],
            "ccpUrl": "https://good.my.connect.aws/ccp-v2/",
            "crmUrl": DYN,
        }),
    )
}

#[test]
fn https_only_for_every_endpoint_localhost_aside() {
    for key in ["ccpUrl", "ucilib", "crmUrl"] {
        for bad in [
            "http://evil.example/ccp-v2/",
            "javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "//evil.example/x",
            "https://user:pw@good.my.connect.aws/",
            "https://good.my.connect.aws\\@evil.example/",
            "ftp://good.my.connect.aws/",
            "https:// good.my.connect.aws/",
        ] {
            let (c, errors) = Config::resolve(&[layer(ConfigSource::Url, json!({ key: bad }))]);
            assert!(
                errors.iter().any(|e| e.key == key),
                "{key}={bad} must be refused: {errors:?}"
            );
            assert!(
                c.ccp_url.is_none() && c.ucilib.is_none() && c.crm_url.is_none(),
                "{key}={bad}"
            );
        }
        for ok in ["https://x.example/a", "http://localhost:8080/a", "http://127.0.0.1:9/a"] {
            let (_, errors) = Config::resolve(&[layer(ConfigSource::Url, json!({ key: ok }))]);
            assert!(errors.is_empty(), "{key}={ok}: {errors:?}");
        }
    }
}

#[test]
fn no_allow_list_means_any_https_origin() {
    let (c, errors) = Config::resolve(&[layer(
        ConfigSource::Url,
        json!({"ccpUrl": "https://any.my.connect.aws/ccp-v2/"}),
    )]);
    assert!(errors.is_empty());
    assert!(c.connect_origin_allowed("https://any.my.connect.aws/ccp-v2/"));
    assert!(c.allowed_connect_origins.is_none() && c.allowed_dynamics_origins.is_none());
}

#[test]
fn allow_list_from_config_json_constrains_url_endpoints() {
    let url = layer(
        ConfigSource::Url,
        json!({"ccpUrl": "https://evil.my.connect.aws/ccp-v2/", "ucilib": "https://evil.example/msdyn_ciLibrary.js"}),
    );
    let (c, errors) = Config::resolve(&[file_with_lists(), url]);
    // refused with a clear error; the config.json value stays in force
    assert_eq!(c.ccp_url.as_deref(), Some("https://good.my.connect.aws/ccp-v2/"));
    assert_eq!(c.ucilib, None);
    assert_eq!(
        c.cif_library_url().as_deref(),
        Some("https://org.crm4.dynamics.com/webresources/Widget/msdyn_ciLibrary.js")
    );
    let ccp = errors.iter().find(|e| e.key == "ccpUrl").expect("ccpUrl refused");
    assert_eq!(ccp.source, ConfigSource::Url);
    assert!(ccp.to_string().contains("allowedConnectOrigins"), "{ccp}");
    let lib = errors.iter().find(|e| e.key == "ucilib").expect("ucilib refused");
    assert!(lib.to_string().contains("allowedDynamicsOrigins"), "{lib}");
}

#[test]
fn allow_list_constrains_custom_parameters_and_the_file_itself() {
    let custom = layer(
        ConfigSource::CustomParams,
        json!({"crmUrl": "https://evil.crm.dynamics.com", "ccpUrl": "https://other.awsapps.com/connect/ccp-v2"}),
    );
    let (c, errors) = Config::resolve(&[file_with_lists(), custom]);
    assert_eq!(c.crm_url.as_deref(), Some(DYN));
    assert_eq!(
        c.ccp_url.as_deref(),
        Some("https://other.awsapps.com/connect/ccp-v2"),
        "listed with a trailing slash"
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].key, "crmUrl");
    // the same file's own endpoint is checked too
    let file = layer(
        ConfigSource::ConfigFile,
        json!({"allowedConnectOrigins": [CONNECT], "ccpUrl": "https://bad.my.connect.aws/ccp-v2/"}),
    );
    let (c, errors) = Config::resolve(&[file]);
    assert_eq!(c.ccp_url, None);
    assert!(errors.iter().any(|e| e.key == "ccpUrl"));
}

#[test]
fn allow_list_outside_config_json_is_refused_and_cannot_widen() {
    for source in [ConfigSource::Url, ConfigSource::CustomParams] {
        let widen = layer(
            source,
            json!({"allowedConnectOrigins": "[\"https://evil.my.connect.aws\"]", "ccpUrl": "https://evil.my.connect.aws/ccp-v2/"}),
        );
        let (c, errors) = Config::resolve(&[file_with_lists(), widen]);
        assert_eq!(
            c.allowed_connect_origins.as_deref(),
            Some(
                &[
                    "https://good.my.connect.aws".to_owned(),
                    "https://other.awsapps.com".to_owned()
                ][..]
            )
        );
        assert_eq!(c.ccp_url.as_deref(), Some("https://good.my.connect.aws/ccp-v2/"));
        let e = errors
            .iter()
            .find(|e| e.key == "allowedConnectOrigins")
            .expect("refused");
        assert!(e.to_string().contains("config.json only"), "{e}");
        assert!(errors.iter().any(|e| e.key == "ccpUrl"));
        // nor can it set one where config.json has none
        let (c, _) = Config::resolve(&[layer(source, json!({"allowedDynamicsOrigins": ["https://x.example"]}))]);
        assert!(c.allowed_dynamics_origins.is_none());
    }
}

#[test]
fn malformed_allow_list_fails_closed_with_errors() {
    let file = layer(
        ConfigSource::ConfigFile,
        json!({"allowedConnectOrigins": ["https://ok.my.connect.aws:443", "https://x.example/path", "http://evil.example", 7, "javascript:alert(1)"],
               "allowedDynamicsOrigins": "not a list"}),
    );
    let url = layer(
        ConfigSource::Url,
        json!({"ccpUrl": "https://ok.my.connect.aws/ccp-v2/", "crmUrl": DYN}),
    );
    let (c, errors) = Config::resolve(&[file, url]);
    assert_eq!(
        c.allowed_connect_origins.as_deref(),
        Some(&["https://ok.my.connect.aws".to_owned()][..])
    );
    assert_eq!(
        c.ccp_url.as_deref(),
        Some("https://ok.my.connect.aws/ccp-v2/"),
        "default port normalised"
    );
    assert_eq!(
        errors.iter().filter(|e| e.key == "allowedConnectOrigins").count(),
        4,
        "{errors:?}"
    );
    assert_eq!(c.allowed_dynamics_origins.as_deref(), Some(&[][..]), "fails closed");
    assert_eq!(c.crm_url, None);
    assert!(errors
        .iter()
        .any(|e| e.key == "allowedDynamicsOrigins" && e.expected.contains("nothing is allowed")));
    // an empty list given as JSON text is a valid (closed) list, not an error
    let (c, errors) = Config::resolve(&[layer(ConfigSource::ConfigFile, json!({"allowedDynamicsOrigins": "[]"}))]);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(c.allowed_dynamics_origins.as_deref(), Some(&[][..]));
}

#[test]
fn origins_are_normalised() {
    assert_eq!(
        origin_of("HTTPS://Org.CRM4.dynamics.com:443/main.aspx?x#y").as_deref(),
        Some("https://org.crm4.dynamics.com")
    );
    assert_eq!(origin_of("http://localhost:80/x").as_deref(), Some("http://localhost"));
    assert_eq!(
        origin_of("http://localhost:8080").as_deref(),
        Some("http://localhost:8080")
    );
    assert_eq!(
        origin_of("https://a.example:8443/").as_deref(),
        Some("https://a.example:8443")
    );
    assert_eq!(origin_of("http://evil.example/"), None);
    assert_eq!(origin_of("javascript:alert(1)"), None);
    let (c, _) = Config::resolve(&[file_with_lists()]);
    assert!(c.connect_origin_allowed("https://GOOD.my.connect.aws:443/ccp-v2/"));
    assert!(!c.connect_origin_allowed("https://good.my.connect.aws.evil.example/ccp-v2/"));
    assert!(!c.connect_origin_allowed("https://good.my.connect.aws:444/ccp-v2/"));
    assert!(c.dynamics_origin_allowed("https://org.crm4.dynamics.com/webresources/Widget/msdyn_ciLibrary.js"));
    assert!(!c.dynamics_origin_allowed("https://org.crm4.dynamics.com@evil.example/"));
}

/// Global resiliency: `secondaryCCPUrl` is checked like `ccpUrl` (https only, allow-list from
/// config.json), and `enableGlobalResiliency` is a boolean.
#[test]
fn secondary_ccp_url_is_held_to_the_same_rules_as_ccp_url() {
    let (c, errors) = Config::resolve(&[
        file_with_lists(),
        layer(
            ConfigSource::Url,
            json!({"secondaryCCPUrl": "https://other.awsapps.com/connect/ccp-v2/", "enableGlobalResiliency": "true"}),
        ),
    ]);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        c.secondary_ccp_url.as_deref(),
        Some("https://other.awsapps.com/connect/ccp-v2/")
    );
    assert!(c.enable_global_resiliency);
    for bad in [
        "https://evil.my.connect.aws/ccp-v2/",
        "http://other.awsapps.com/connect/ccp-v2/",
        "javascript:alert(1)",
    ] {
        let (c, errors) = Config::resolve(&[
            file_with_lists(),
            layer(ConfigSource::CustomParams, json!({ "secondaryCCPUrl": bad })),
        ]);
        assert_eq!(errors.len(), 1, "{bad}: {errors:?}");
        assert_eq!(errors[0].key, "secondaryCCPUrl");
        assert_eq!(c.secondary_ccp_url, None, "{bad}");
    }
    let (c, errors) = Config::resolve(&[layer(ConfigSource::Url, json!({"enableGlobalResiliency": "sometimes"}))]);
    assert_eq!(errors.len(), 1);
    assert!(!c.enable_global_resiliency);
}

/// `loginUrl` opens a sign-in pop-up the agent types credentials into, so it is held to the Connect
/// allow-list like `ccpUrl` when `config.json` sets one (the identity provider's origin must be listed there), from
/// every layer; the refusal names the key and says what to list.
#[test]
fn login_url_is_held_to_the_connect_allow_list() {
    let (c, errors) = Config::resolve(&[
        file_with_lists(),
        layer(
            ConfigSource::Url,
            json!({"loginUrl": "https://other.awsapps.com/auth/?client_id=x"}),
        ),
    ]);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        c.login_url.as_deref(),
        Some("https://other.awsapps.com/auth/?client_id=x")
    );
    for source in [ConfigSource::ConfigFile, ConfigSource::CustomParams, ConfigSource::Url] {
        let (c, errors) = Config::resolve(&[
            file_with_lists(),
            layer(source, json!({"loginUrl": "https://login.evil.example/saml"})),
        ]);
        assert_eq!(errors.len(), 1, "{source:?}: {errors:?}");
        assert_eq!(errors[0].key, "loginUrl");
        assert!(
            errors[0].expected.contains("allowedConnectOrigins") && errors[0].expected.contains("identity provider"),
            "{}",
            errors[0].expected
        );
        assert_eq!(c.login_url, None);
    }
    // without a list, any https sign-in URL (the identity provider's) is accepted
    let (c, errors) = Config::resolve(&[layer(
        ConfigSource::Url,
        json!({"loginUrl": "https://idp.example/saml"}),
    )]);
    assert!(errors.is_empty());
    assert_eq!(c.login_url.as_deref(), Some("https://idp.example/saml"));
}
