//! JS values ⇄ `serde_json::Value`, without interpretation.
//!
//! Why: the core judges every untrusted value, so the shell must hand it over unchanged: a JS string stays a
//! `Value::String` even when it holds JSON text, objects keep their shape, `undefined` becomes `null`. Going the
//! other way, command arguments become plain JS objects (not `Map`s), as CIF expects.

use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};

/// Copies a JS value into JSON form; values JSON cannot hold (functions, symbols, cycles) degrade to their text.
pub fn to_json(value: &JsValue) -> Value {
    if value.is_undefined() || value.is_null() {
        return Value::Null;
    }
    if let Some(s) = value.as_string() {
        return Value::String(s);
    }
    if let Ok(v) = serde_wasm_bindgen::from_value::<Value>(value.clone()) {
        return v;
    }
    // A shape serde cannot walk (e.g. an object with a function inside): JSON.stringify drops what JSON can't hold.
    if let Ok(text) = js_sys::JSON::stringify(value) {
        if let Some(text) = text.as_string() {
            if let Ok(v) = serde_json::from_str::<Value>(&text) {
                return v;
            }
        }
    }
    Value::String(js_text(value))
}

/// Builds the plain JS object (or array, string, number…) for a serialisable Rust value.
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, serde_wasm_bindgen::Error> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
}

/// `String(value)`, for messages; never throws (an `Error` gives `name: message`, anything else its JSON text).
pub fn js_text(value: &JsValue) -> String {
    if let Some(s) = value.as_string() {
        return s;
    }
    if let Some(err) = value.dyn_ref::<js_sys::Error>() {
        return format!(
            "{}: {}",
            String::from(err.name()),
            String::from(err.message())
        );
    }
    match js_sys::JSON::stringify(value) {
        Ok(s) => s.as_string().unwrap_or_else(|| "undefined".to_owned()),
        Err(_) => "<unprintable JS value>".to_owned(),
    }
}
