//! Raw binding to the values part of the page's JS helpers (`src/js/helpers.js`), which turns any JS value into
//! JSON text faithfully (a `Map` as an object, an `Error` with its message), in one call.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/js/helpers.js")]
extern "C" {
    /// The value's JSON text, or `None` when converting it threw (it is then described by its text).
    #[wasm_bindgen(js_name = plainJson)]
    pub fn plain_json(value: &JsValue) -> Option<String>;

    /// Like [`plain_json`], but `None` also when any part of the value could not be read (a getter that threw),
    /// so that no marker text stands in for a field.
    #[wasm_bindgen(js_name = readableJson)]
    pub fn readable_json(value: &JsValue) -> Option<String>;

    /// `name: message` of an `Error` from any realm (its fields read without trusting them), `None` for anything
    /// else; never throws.
    #[wasm_bindgen(js_name = errorText)]
    pub fn error_text(value: &JsValue) -> Option<String>;
}
