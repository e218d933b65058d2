//! The pure start-up checks on their own: reading Custom Parameters from a `getEnvironment()` result, and the
//! last URL check at the `initCCP` sink. No bridge runs here; `startup.rs` covers what the bridge does with them.

#![allow(clippy::expect_used)] // a refused case that is accepted should fail loudly

use bridge_core::startup::{acceptable_ccp_url, custom_parameters};
use bridge_core::{ConfigLayer, ConfigSource};
use serde_json::{json, Value};

#[test]
fn custom_parameters_are_read_from_json_text_or_objects() {
    let as_text = json!({"appid": "a", "customParams": "{\"region\":\"eu-west-2\"}"}).to_string();
    let layer = custom_parameters(&Value::String(as_text))
        .expect("ok")
        .expect("a layer");
    assert_eq!(layer.source, ConfigSource::CustomParams);
    assert_eq!(layer.values["region"], "eu-west-2");
    let as_object = json!({"customParams": "{\"loginPopup\":false}"});
    let layer: ConfigLayer = custom_parameters(&as_object).expect("ok").expect("a layer");
    assert_eq!(layer.values["loginPopup"], false);
}

/// `getEnvironment()` answers JSON text; a host that stringifies it twice, or text behind a byte-order mark (as the
/// bridge reads every other CIF result, `reply::unwrap_json`), still carries the Custom Parameters: refusing it
/// would run the whole shift on the wrong templates, region and limits. The same for `customParams` itself, a
/// blob an administrator pasted.
#[test]
fn custom_parameters_are_read_from_text_stringified_twice_or_behind_a_byte_order_mark() {
    let once = json!({"appid": "a", "customParams": "{\"region\":\"eu-west-2\"}"}).to_string();
    let twice = Value::String(once.clone()).to_string();
    for env in [twice, format!("\u{feff}{once}")] {
        let layer = custom_parameters(&Value::String(env.clone()))
            .unwrap_or_else(|e| panic!("{env:?} refused: {e}"))
            .expect("a layer");
        assert_eq!(layer.values["region"], "eu-west-2", "{env:?}");
    }
    let pasted = json!({"customParams": "\u{feff}{\"loginPopup\":false}"});
    let layer = custom_parameters(&pasted).expect("ok").expect("a layer");
    assert_eq!(layer.values["loginPopup"], false);
}

#[test]
fn no_custom_parameters_is_no_layer() {
    assert_eq!(custom_parameters(&json!({"appid": "a"})), Ok(None));
    assert_eq!(custom_parameters(&json!({"customParams": null})), Ok(None));
    assert_eq!(custom_parameters(&json!({"customParams": "  "})), Ok(None));
}

#[test]
fn custom_parameters_that_are_not_a_json_object_are_refused_by_name() {
    let bad = custom_parameters(&json!({"customParams": "{not json"})).expect_err("refused");
    assert!(bad.contains("customParams"), "{bad}");
    let bad = custom_parameters(&json!({"customParams": "[1]"})).expect_err("refused");
    assert!(bad.contains("customParams"), "{bad}");
    let bad = custom_parameters(&json!({"customParams": 3})).expect_err("refused");
    assert!(bad.contains("customParams"), "{bad}");
    let bad = custom_parameters(&Value::String("{not json".into())).expect_err("refused");
    assert!(bad.contains("getEnvironment()"), "{bad}");
    let bad = custom_parameters(&json!([1])).expect_err("refused");
    assert!(bad.contains("getEnvironment()"), "{bad}");
}

#[test]
fn only_https_or_loopback_http_ccp_urls_are_acceptable() {
    assert!(acceptable_ccp_url("https://example.my.connect.aws/ccp-v2/"));
    assert!(acceptable_ccp_url("http://localhost:8081/fake-ccp.html"));
    assert!(acceptable_ccp_url("http://127.0.0.1:9000/ccp-v2/"));
    assert!(!acceptable_ccp_url("http://evil.example/ccp-v2/"));
    assert!(!acceptable_ccp_url("javascript:alert(1)"));
    assert!(!acceptable_ccp_url("data:text/html,<p>hi</p>"));
    assert!(!acceptable_ccp_url("https://user:pw@example.my.connect.aws/ccp-v2/"));
    assert!(!acceptable_ccp_url("ccp-v2/"));
}
