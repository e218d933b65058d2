//! `window.connectCifBridgeDiagnostics()`: read-only counters for support and for the memory test.
//!
//! `{trackedContacts, coreContacts, openSessions, wasmMemoryBytes, cifPending, heldJsValues,
//! initCcpParams, tabRole}`. `initCcpParams` is what the last `connect.core.initCCP` was given (no secrets: URLs
//! and switches), so support and the end-to-end tests see what Streams was asked for without reading Streams'
//! internals. Removed when the hook drops.

use js_sys::Reflect;
use serde::Serialize;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::driver::WeakDriver;

const DIAGNOSTICS_GLOBAL: &str = "connectCifBridgeDiagnostics";

/// Owns the global function; dropping it removes the global.
pub struct DiagnosticsHook {
    _closure: Closure<dyn FnMut() -> JsValue>,
}

impl std::fmt::Debug for DiagnosticsHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DiagnosticsHook")
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Diagnostics {
    /// Contacts the shell holds Streams subscriptions for: zero whenever no contact is in progress, or a
    /// subscription was left behind.
    tracked_contacts: usize,
    /// Contacts the core remembers: it lets one go on Streams' `onDestroy`, so this falls back with
    /// `tracked_contacts`; a gap between the two is a contact one side forgot.
    core_contacts: usize,
    /// Sessions the core counts against Dynamics' session limit (open, being created, or created for a contact
    /// already gone): what decides whether the next contact pops.
    open_sessions: usize,
    /// Size of the wasm linear memory, which never shrinks: flat across many contacts, or the bridge leaks.
    wasm_memory_bytes: u32,
    /// CIF requests the core waits for.
    cif_pending: usize,
    /// JS values the wasm side holds (wasm-bindgen's externref table): flat while nothing leaks.
    held_js_values: u32,
    /// This page's part among the agent's Dynamics tabs: `alone`, `seeking`, `leading` or `following`.
    tab_role: &'static str,
    /// The parameters the last `initCCP` was given; `null` before the first.
    init_ccp_params: Option<serde_json::Value>,
}

impl DiagnosticsHook {
    /// Installs the global, reading through `driver` at each call.
    pub fn install(driver: WeakDriver) -> DiagnosticsHook {
        let closure = Closure::<dyn FnMut() -> JsValue>::new(move || {
            let Some(driver) = driver.upgrade() else {
                return JsValue::NULL;
            };
            let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
            let bytes = memory.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length();
            let d = Diagnostics {
                tracked_contacts: driver.tracked_contacts(),
                core_contacts: driver.inspect(|b| b.contact_count()),
                open_sessions: driver.inspect(|b| b.open_sessions()),
                wasm_memory_bytes: bytes,
                cif_pending: driver.inspect(|b| b.debug_counts().cif_pending),
                held_js_values: wasm_bindgen::externref_heap_live_count(),
                tab_role: driver.inspect(|b| b.tab_role()),
                init_ccp_params: driver.init_ccp_params(),
            };
            crate::convert::to_js(&d).unwrap_or(JsValue::NULL)
        });
        let _ = Reflect::set(
            &js_sys::global(),
            &JsValue::from_str(DIAGNOSTICS_GLOBAL),
            closure.as_ref(),
        );
        DiagnosticsHook { _closure: closure }
    }
}

impl Drop for DiagnosticsHook {
    fn drop(&mut self) {
        let global: js_sys::Object = js_sys::global();
        let _ = Reflect::delete_property(&global, &JsValue::from_str(DIAGNOSTICS_GLOBAL));
    }
}
