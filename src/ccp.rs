//! Carrying out the core's CCP commands: `initCCP` with the core's parameters, the restart before a retry, and a
//! look at Streams' login pop-up.
//!
//! Why apart from the driver: these reach into Streams' globals (`connect.core`) beyond the raw bindings, and each
//! only reports what happened; which parameters, when to restart and what a blocked pop-up means are the core's.

use bridge_core::CcpParams;
use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Element;

use crate::convert::{js_text, to_js};
use crate::{console, sys};

/// What `initCCP` threw: its `name` and `message` (the core says what it means).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitThrew {
    /// The error's `name`, empty when it had none.
    pub name: String,
    /// The error's `message`, or the thrown value's text.
    pub message: String,
}

/// `connect.core.initCCP(container, params)`, with Streams' console echo level set first.
pub fn init(container: &Element, params: &CcpParams) -> Result<(), InitThrew> {
    let js_params = to_js(params).map_err(|e| InitThrew {
        name: String::new(),
        message: format!("initCCP parameters could not be built: {e}"),
    })?;
    // Before initCCP, so the lines Streams logs while it starts are held to the level too.
    set_console_level(params.streams_console_level);
    sys::streams::init_ccp(container, &js_params).map_err(|e| {
        let text = |key: &str| property(&e, key).and_then(|v| v.as_string());
        InitThrew {
            name: text("name").unwrap_or_default(),
            message: text("message").unwrap_or_else(|| js_text(&e)),
        }
    })
}

/// `connect.getLog().setEchoLevel(level)`: which of Streams' log lines reach the console. A Streams without it
/// keeps its own default; that is worth a console line, not a failure.
fn set_console_level(level: &str) {
    let log = streams_global("connect").and_then(|connect| method(&connect, "getLog")?.call0(&connect).ok());
    let set = log.as_ref().and_then(|log| method(log, "setEchoLevel"));
    match (log, set) {
        (Some(log), Some(set)) => {
            if let Err(e) = set.call1(&log, &JsValue::from_str(level)) {
                console::warn(&format!(
                    "connect.getLog().setEchoLevel({level}) failed: {}",
                    js_text(&e)
                ));
            }
        }
        _ => console::info("connect.getLog().setEchoLevel is not available; Streams echoes its default levels"),
    }
}

/// `connect.core.terminate()` (unsubscribes everything, resets Streams' initialised flags), plus what it leaves
/// behind: the iframe refresh timer and attempt counter, so a retried CCP gets its full refresh budget again; then
/// the old iframe goes (Streams reference §1.2: without removing it the next `initCCP` is a no-op).
pub fn tear_down(container: &Element) {
    if let Some(core) = streams_global("connect").and_then(|c| property(&c, "core")) {
        if let Some(f) = method(&core, "terminate") {
            if let Err(e) = f.call0(&core) {
                console::warn(&format!("connect.core.terminate() failed: {}", js_text(&e)));
            }
        }
        if let (Some(window), Some(handle)) = (
            web_sys::window(),
            property(&core, "iframeRefreshTimeout").and_then(|t| t.as_f64()),
        ) {
            window.clear_timeout_with_handle(handle as i32);
        }
        let _ = Reflect::set(
            &core,
            &JsValue::from_str("iframeRefreshAttempt"),
            &JsValue::from_f64(0.0),
        );
    }
    while let Some(child) = container.first_element_child() {
        child.remove();
    }
}

/// Whether `connect.core.loginWindow` is `null`: what `window.open` gave for a refused pop-up, and what Streams
/// leaves after closing one itself (never set is `undefined`). The core tells the two apart.
pub fn login_window_is_null() -> bool {
    streams_global("connect")
        .and_then(|c| property(&c, "core"))
        .and_then(|core| property(&core, "loginWindow"))
        .is_some_and(|w| w.is_null())
}

/// A global of the page (`connect`, once Streams is loaded).
fn streams_global(name: &str) -> Option<JsValue> {
    property(&js_sys::global(), name)
}

/// `target[key]`, if reading it does not throw.
fn property(target: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(target, &JsValue::from_str(key)).ok()
}

/// `target[key]` when it is a function.
fn method(target: &JsValue, key: &str) -> Option<Function> {
    property(target, key)?.dyn_into::<Function>().ok()
}
