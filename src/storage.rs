//! sessionStorage for the core's persisted slots (`Command::Persist` → `Input::Restore` after a reload).
//!
//! Why web-sys and not gloo-storage's `SessionStorage::raw()`: that panics when storage is blocked (sandboxed
//! or third-party-storage-restricted iframes, common inside Dynamics); here every failure is an `Err` the core
//! is told about (`Input::StorageUnavailable`), so it asks Dynamics instead of trusting what is (not) stored.

use bridge_core::{PersistSlot, RestoredState};

use crate::convert::js_text;

/// The key prefix the page uses by default; versioned so a format change can move to `:v3`.
pub const DEFAULT_KEY: &str = "connect-cif-bridge:v2";

thread_local! {
    /// The frame's `sessionStorage` once it was handed out: the `window.sessionStorage` getter runs the
    /// browser's access checks on every call (a sixth of a write's time in a profile), and the object it
    /// returns stays the frame's storage for the document's life. A getter that threw is asked again next time.
    static STORAGE: std::cell::OnceCell<web_sys::Storage> = const { std::cell::OnceCell::new() };
}

fn session_storage() -> Result<web_sys::Storage, String> {
    if let Some(storage) = STORAGE.with(|s| s.get().cloned()) {
        return Ok(storage);
    }
    let window = web_sys::window().ok_or("no window")?;
    match window.session_storage() {
        Ok(Some(storage)) => {
            STORAGE.with(|s| s.get_or_init(|| storage.clone()).clone());
            Ok(storage)
        }
        Ok(None) => Err("sessionStorage is not offered to this frame".to_owned()),
        Err(e) => Err(js_text(&e)),
    }
}

fn key(prefix: &str, slot: PersistSlot) -> String {
    format!("{prefix}:{}", slot.key_suffix())
}

/// Whether storage can be written at all: reading works in some locked-down frames where writing throws (or
/// the quota is spent), and a page that cannot write must not trust what it reads after its next reload.
pub fn probe(prefix: &str) -> Result<(), String> {
    let storage = session_storage()?;
    let probe = format!("{prefix}:probe");
    storage.set_item(&probe, "1").map_err(|e| js_text(&e))?;
    storage.remove_item(&probe).map_err(|e| js_text(&e))
}

/// Every stored slot under `prefix` (any may be missing).
pub fn read(prefix: &str) -> Result<RestoredState, String> {
    let storage = session_storage()?;
    let mut stored = RestoredState::default();
    for slot in PersistSlot::all() {
        if let Some(text) = storage.get_item(&key(prefix, slot)).map_err(|e| js_text(&e))? {
            stored.store(slot, text);
        }
    }
    Ok(stored)
}

/// Stores one slot's text, replacing what was there.
pub fn write(prefix: &str, slot: PersistSlot, text: &str) -> Result<(), String> {
    session_storage()?
        .set_item(&key(prefix, slot), text)
        .map_err(|e| format!("{} characters refused: {}", text.len(), js_text(&e)))
}
