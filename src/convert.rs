//! JS values ⇄ `serde_json::Value`, without interpretation.
//!
//! Why: the core judges every untrusted value, so the shell must hand it over unchanged: a JS string stays a
//! `Value::String` even when it holds JSON text, objects keep their shape, `undefined` becomes `null`, a `Map`
//! becomes an object and an `Error` keeps its name and message (CIF rejects with a `Map`, which
//! `JSON.stringify` alone turns into `{}`). Going the other way, command arguments become plain JS objects (not
//! `Map`s), as CIF expects.
//!
//! Both directions go through JSON text (`src/js/helpers.js`, values part and `JSON.parse` on the JS side, serde_json on
//! ours): serde_json is linked anyway, and a second serde data format (serde-wasm-bindgen) monomorphised every
//! serialisable type a second time in the wasm.

use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::JsValue;

use crate::sys;

/// Copies a JS value into JSON form; what JSON cannot hold (functions, symbols) is dropped, cycles and
/// unreadable values degrade to text.
pub fn to_json(value: &JsValue) -> Value {
    if value.is_undefined() || value.is_null() {
        return Value::Null;
    }
    if let Some(s) = value.as_string() {
        return Value::String(s);
    }
    sys::values::plain_json(value)
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .unwrap_or_else(|| Value::String(js_text(value)))
}

/// Like [`to_json`], but `None` when any part of the value could not be read (a getter or `toJSON` that threw, a
/// proxy that refuses), instead of a marker text in its place: for an answer, whose fields are data (a marker
/// would be taken for a session id).
pub fn to_json_readable(value: &JsValue) -> Option<Value> {
    if value.is_undefined() || value.is_null() {
        return Some(Value::Null);
    }
    if let Some(s) = value.as_string() {
        return Some(Value::String(s));
    }
    sys::values::readable_json(value).and_then(|text| serde_json::from_str::<Value>(&text).ok())
}

/// Builds the plain JS object (or array, string, number…) for a serialisable Rust value.
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, String> {
    let text = serde_json::to_string(value).map_err(|e| e.to_string())?;
    js_sys::JSON::parse(&text).map_err(|e| js_text(&e))
}

/// `String(value)`, for messages; never throws (an `Error` gives `name: message`, anything else its faithful
/// JSON text: a `Map` thrown by CIF reads as its entries, not `{}`).
pub fn js_text(value: &JsValue) -> String {
    if let Some(s) = value.as_string() {
        return s;
    }
    if value.is_undefined() {
        return "undefined".to_owned();
    }
    // Not `dyn_ref::<js_sys::Error>`: another frame's Error is no `instanceof Error` here, and js-sys trusts
    // `name` and `message` to be strings (a number there threw out of the bridge).
    if let Some(text) = sys::values::error_text(value) {
        return text;
    }
    if let Some(text) = sys::values::plain_json(value) {
        return text;
    }
    match js_sys::JSON::stringify(value) {
        Ok(s) => s.as_string().unwrap_or_else(|| "undefined".to_owned()),
        Err(_) => "<unprintable JS value>".to_owned(),
    }
}
