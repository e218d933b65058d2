//! Typed adapter over `Microsoft.CIFramework`: a [`CifCall`] becomes the JS call, its promise a [`CifOutcome`].
//!
//! Why: the core decides which call to make and parses every result; this file only builds the arguments
//! CIF expects (plain objects, JSON strings where CIF wants text, the correlation id last) and reports how the
//! call ended without interpreting the value: a resolved JSON string stays a string.

use bridge_core::{CifCall, CifOutcome, DynamicsHandler};
use js_sys::{Function, Promise};
use serde::Serialize;
use serde_json::{Map, Value};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::console;
use crate::convert::{js_text, to_js, to_json_readable};
use crate::sys::cif as sys;

/// Starts `call`: what it returned (a promise, a thenable or a plain value, for [`await_answer`]), or
/// [`CifOutcome::Threw`] when the call was not made (library missing, bad arguments).
pub fn invoke(call: &CifCall, correlation_id: &str) -> Result<JsValue, CifOutcome> {
    let cid = correlation_id;
    let returned = match call {
        CifCall::NotifyEvent {
            template_name,
            template_parameters,
            cancellation_token,
        } => {
            let input = args(&NotifyInput {
                template_name,
                template_parameters,
                cancellation_token,
            })?;
            sys::notify_event(&input, cid)
        }
        CifCall::CancelEvent { cancellation_token } => sys::cancel_event(cancellation_token, cid),
        CifCall::CanCreateSession => sys::can_create_session(cid),
        CifCall::CreateSession {
            template_name,
            template_parameters,
            context,
        } => sys::create_session(
            &args(&SessionInput {
                template_name,
                template_parameters,
                context,
            })?,
            cid,
        ),
        CifCall::CreateTab {
            template_name,
            template_parameters,
            is_focused,
        } => sys::create_tab(
            &args(&TabInput {
                template_name,
                template_parameters,
                is_focused: *is_focused,
            })?,
            cid,
        ),
        CifCall::CloseTab { tab_id } => sys::close_tab(tab_id, cid),
        CifCall::GetTabs { template_name } => sys::get_tabs(template_name, &JsValue::NULL, cid),
        CifCall::RenderSearchPage {
            entity_name,
            search_string,
        } => sys::render_search_page(entity_name, search_string, cid),
        CifCall::SearchAndOpenRecords {
            entity_name,
            query,
            search_only,
        } => sys::search_and_open_records(entity_name, query, *search_only, cid),
        CifCall::GetAllSessions => sys::get_all_sessions(cid),
        CifCall::GetSession { session_id } => sys::get_session(session_id, cid),
        CifCall::UpdateContext { session_id, input } => sys::update_context(&args(input)?, session_id, false, cid),
        CifCall::GetEnvironment => sys::get_environment(cid),
        CifCall::SetClickToAct { value } => sys::set_click_to_act(*value, cid),
        CifCall::SetPresence { presence_text } => sys::set_presence(presence_text, cid),
        CifCall::UpdateRecord { entity_name, id, data } => {
            let text = serde_json::to_string(data)
                .map_err(|e| CifOutcome::Threw(format!("updateRecord: data could not be written as JSON: {e}")))?;
            sys::update_record(entity_name, id, &text, cid)
        }
    };
    returned.map_err(|thrown| CifOutcome::Threw(js_text(&thrown)))
}

/// Hands the answer of a call [`invoke`] made to `on_resolved` / `on_rejected`, later and at most once; a plain
/// value (some CIF builds return them) counts as resolved. `Err` ([`CifOutcome::Unreadable`]) when the answer
/// cannot be read: its `then` throws or cannot be read, or a promise's `constructor` getter throws. The call went
/// out and Dynamics may carry it out, so it must read neither as "not sent" nor as a rejection (which is retried).
pub fn await_answer(returned: &JsValue, on_resolved: &Function, on_rejected: &Function) -> Result<(), CifOutcome> {
    sys::settle_answer(returned, on_resolved, on_rejected)
        .map_err(|e| CifOutcome::Unreadable(format!("its answer could not be read: {}", js_text(&e))))
}

/// A CIF promise's value, copied unjudged (a JSON string stays a string: the core reads it); a value that
/// cannot be read, wholly or in part (a getter that throws, a proxy that refuses), is [`CifOutcome::Unreadable`]:
/// the call went out and its answer is unknown, and no marker text may stand in for one of its fields.
pub fn resolved(value: &JsValue) -> CifOutcome {
    match to_json_readable(value) {
        Some(answer) => CifOutcome::Resolved(answer),
        None => CifOutcome::Unreadable(format!(
            "it resolved with a value that could not be read: {}",
            js_text(value)
        )),
    }
}

/// A CIF promise's rejection reason, copied unjudged (a `Map` keeps its entries, an `Error` its message); a reason
/// that cannot be read in full is [`CifOutcome::Unreadable`]: what cannot be read may be CIF's time limit, which
/// says nothing about what Dynamics did, and a rejection is taken for "not done" (a `createSession` retried would
/// be a second session). Its text, as far as it reads, goes with it for the report.
pub fn rejected(reason: &JsValue) -> CifOutcome {
    match to_json_readable(reason) {
        Some(reason) => CifOutcome::Rejected(reason),
        None => CifOutcome::Unreadable(format!(
            "it was rejected with a reason that could not be read in full: {}",
            js_text(reason)
        )),
    }
}

/// One `addHandler` registration; dropping it calls `removeHandler` with the identical function.
///
/// Why a guard: CIF keeps handler functions for the page's life and calls them with no way to tell a dropped
/// Rust closure apart; removing it first is the only safe order.
pub struct HandlerGuard {
    handler: DynamicsHandler,
    closure: Closure<dyn Fn(JsValue) -> Promise>,
}

impl std::fmt::Debug for HandlerGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandlerGuard")
            .field("handler", &self.handler)
            .finish_non_exhaustive()
    }
}

impl HandlerGuard {
    /// Registers `on_payload` for `handler`; it receives the raw payload and the JS handler returns a resolved
    /// Promise, as CIF expects.
    pub fn register(handler: DynamicsHandler, on_payload: impl Fn(JsValue) + 'static) -> Result<HandlerGuard, String> {
        let closure = Closure::<dyn Fn(JsValue) -> Promise>::new(move |payload: JsValue| {
            on_payload(payload);
            Promise::resolve(&JsValue::UNDEFINED)
        });
        sys::add_handler(handler.event_name(), closure.as_ref().unchecked_ref::<Function>())
            .map_err(|e| format!("addHandler({}) threw: {}", handler.event_name(), js_text(&e)))?;
        Ok(HandlerGuard { handler, closure })
    }
}

impl Drop for HandlerGuard {
    fn drop(&mut self) {
        let f: &Function = self.closure.as_ref().unchecked_ref();
        if let Err(e) = sys::remove_handler(self.handler.event_name(), f) {
            console::warn(&format!(
                "removeHandler({}) threw: {}",
                self.handler.event_name(),
                js_text(&e)
            ));
        }
    }
}

fn args<T: Serialize>(value: &T) -> Result<JsValue, CifOutcome> {
    to_js(value).map_err(|e| CifOutcome::Threw(format!("arguments could not be built: {e}")))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotifyInput<'a> {
    template_name: &'a str,
    template_parameters: &'a Map<String, Value>,
    cancellation_token: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionInput<'a> {
    template_name: &'a str,
    template_parameters: &'a Map<String, Value>,
    context: &'a Map<String, Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TabInput<'a> {
    template_name: &'a str,
    template_parameters: &'a Map<String, Value>,
    is_focused: bool,
}
