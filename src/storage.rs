//! sessionStorage for the core's persisted state (`Command::Persist` → `Input::Restore` after a reload).
//!
//! Why web-sys and not gloo-storage's `SessionStorage::raw()`: that panics when storage is blocked (sandboxed
//! or third-party-storage-restricted iframes, common inside Dynamics); here a blocked storage is a warning.

use crate::console;

/// The key the page uses by default; versioned so a format change can move to `:v2`.
pub const DEFAULT_KEY: &str = "connect-cif-bridge:v1";

fn session_storage() -> Option<web_sys::Storage> {
    match web_sys::window()?.session_storage() {
        Ok(storage) => storage,
        Err(_) => {
            console::warn("sessionStorage is not available: contacts will not survive a page reload");
            None
        }
    }
}

/// The stored text under `key`, if any.
pub fn read(key: &str) -> Option<String> {
    session_storage()?.get_item(key).ok().flatten()
}

/// Stores `text` under `key`; a full or blocked storage is logged, not fatal.
pub fn write(key: &str, text: &str) {
    if let Some(storage) = session_storage() {
        if storage.set_item(key, text).is_err() {
            console::warn(&format!("sessionStorage refused {} characters under {key}", text.len()));
        }
    }
}
