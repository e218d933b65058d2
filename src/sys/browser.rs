//! Browser calls that can throw in some contexts (insecure origins, old browsers), bound with `catch`.
//!
//! web-sys binds `crypto.randomUUID` and `navigator.clipboard.writeText` without `catch`, and js-sys
//! `Array.isArray` (which a revoked proxy makes throw), so a throw there would abort the module; these bindings
//! turn it into an `Err`.

use js_sys::Promise;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `crypto.randomUUID()`: missing outside secure contexts.
    #[wasm_bindgen(js_namespace = crypto, js_name = randomUUID, catch)]
    pub fn random_uuid() -> Result<String, JsValue>;

    /// `Array.isArray(value)`: throws for a revoked proxy (js-sys binds it without `catch`).
    #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
    pub fn is_array(value: &JsValue) -> Result<bool, JsValue>;

    /// `navigator.clipboard.writeText(text)`: missing outside secure contexts, rejects without permission.
    #[wasm_bindgen(js_namespace = ["navigator", "clipboard"], js_name = writeText, catch)]
    pub fn clipboard_write_text(text: &str) -> Result<Promise, JsValue>;
}
