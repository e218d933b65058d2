//! Raw bindings to `Microsoft.CIFramework` (Dynamics 365 Channel Integration Framework 2.0).
//!
//! Why raw and loose: the library is injected at run time and its results vary (JSON strings or objects), so
//! every import is `catch` (calling before the library exists is an `Err`, not a crash) and returns the raw
//! value, whose answer (a promise, a thenable or a plain value) [`crate::cif`] awaits through `settleAnswer`
//! and converts without interpreting. Every method that takes CIF's optional trailing `correlationId` gets it.

use js_sys::Function;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `notifyEvent(input, correlationId)`; `input` = `{templateName, templateParameters, cancellationToken}`.
    #[wasm_bindgen(js_namespace = ["Microsoft", "CIFramework"], js_name = notifyEvent, catch)]
    pub fn notify_event(input: &JsValue, correlation_id: &str) -> Result<JsValue, JsValue>;

    /// `cancelEvent(cancellationToken, correlationId)`.
    #[wasm_bindgen(js_namespace = ["Microsoft", "CIFramework"], js_name = cancelEvent, catch)]
    pub fn cancel_event(token: &str, correlation_id: &str) -> Result<JsValue, JsValue>;

    /// `canCreateSession(correlationId)`.
    #[wasm_bindgen(js_namespace = ["Microsoft", "CIFramework"], js_name = canCreateSession, catch)]
    pub fn can_create_session(correlation_id: &str) -> Result<JsValue, JsValue>;

    /// `createSession(input, correlationId)`; `input` = `{templateName, templateParameters}`.
    #[wasm_bindgen(js_namespace = ["Microsoft", "CIFramework"], js_name = createSession, catch)]
    pub fn create_session(input: &JsValue, correlation_id: &str) -> Result<JsValue, JsValue>;

    /// `getAllSessions(correlationId)`.
    #[wasm_bindgen(js_namespace = ["Microsoft", "CIFramework"], js_name = getAllSessions, catch)]
    pub fn get_all_sessions(correlation_id: &str) -> Result<JsValue, JsValue>;

    /// `getSession(sessionId, correlationId)`: the session's id, conversation id, context and focus (a `Map`).
    #[wasm_bindgen(js_namespace = ["Microsoft", "CIFramework"], js_name = getSession, catch)]
    pub fn get_session(session_id: &str, correlation_id: &str) -> Result<JsValue, JsValue>;

    /// `updateContext(input, sessionId, isDelete, correlationId)`: slug values into the session's context.
    #[wasm_bindgen(js_namespace = ["Microsoft", "CIFramework"], js_name = updateContext, catch)]
    pub fn update_context(
        input: &JsValue,
        session_id: &str,
        is_delete: bool,
        correlation_id: &str,
    ) -> Result<JsValue, JsValue>;

    /// `getFocusedSession(correlationId)`.
    #[wasm_bindgen(js_namespace = ["Microsoft", "CIFramework"], js_name = getFocusedSession, catch)]
    pub fn get_focused_session(correlation_id: &str) -> Result<JsValue, JsValue>;

    /// `createTab(input, correlationId)`; `input` = `{templateName, templateParameters, isFocused}`.
    #[wasm_bindgen(js_namespace = ["Microsoft", "CIFramework"], js_name = createTab, catch)]
    pub fn create_tab(input: &JsValue, correlation_id: &str) -> Result<JsValue, JsValue>;

    /// `getTabs(templateName, tags, correlationId)` (no tags: `null`).
    #[wasm_bindgen(js_namespace = ["Microsoft", "CIFramework"], js_name = getTabs, catch)]
    pub fn get_tabs(template_name: &str, tags: &JsValue, correlation_id: &str) -> Result<JsValue, JsValue>;

    /// `closeTab(tabId, correlationId)`.
    #[wasm_bindgen(js_namespace = ["Microsoft", "CIFramework"], js_name = closeTab, catch)]
    pub fn close_tab(tab_id: &str, correlation_id: &str) -> Result<JsValue, JsValue>;

    /// `renderSearchPage(entityName, searchString, correlationId)`.
    #[wasm_bindgen(js_namespace = ["Microsoft", "CIFramework"], js_name = renderSearchPage, catch)]
    pub fn render_search_page(entity_name: &str, search_string: &str, correlation_id: &str)
        -> Result<JsValue, JsValue>;

    /// `searchAndOpenRecords(entityName, query, searchOnly, correlationId)`.
    #[wasm_bindgen(js_namespace = ["Microsoft", "CIFramework"], js_name = searchAndOpenRecords, catch)]
    pub fn search_and_open_records(
        entity_name: &str,
        query: &str,
        search_only: bool,
        correlation_id: &str,
    ) -> Result<JsValue, JsValue>;

    /// `getEnvironment(correlationId)`: a JSON string (or object) with `customParams` among others.
    #[wasm_bindgen(js_namespace = ["Microsoft", "CIFramework"], js_name = getEnvironment, catch)]
    pub fn get_environment(correlation_id: &str) -> Result<JsValue, JsValue>;

    /// `setClickToAct(value, correlationId)`.
    #[wasm_bindgen(js_namespace = ["Microsoft", "CIFramework"], js_name = setClickToAct, catch)]
    pub fn set_click_to_act(value: bool, correlation_id: &str) -> Result<JsValue, JsValue>;

    /// `setPresence(presenceText, correlationId)`.
    #[wasm_bindgen(js_namespace = ["Microsoft", "CIFramework"], js_name = setPresence, catch)]
    pub fn set_presence(presence_text: &str, correlation_id: &str) -> Result<JsValue, JsValue>;

    /// `updateRecord(entityName, id, data: JSON string, correlationId)`.
    #[wasm_bindgen(js_namespace = ["Microsoft", "CIFramework"], js_name = updateRecord, catch)]
    pub fn update_record(entity_name: &str, id: &str, data: &str, correlation_id: &str) -> Result<JsValue, JsValue>;

    /// `addHandler(eventName, handler)`: the handler gets `eventData` (usually a JSON string), returns a Promise.
    #[wasm_bindgen(js_namespace = ["Microsoft", "CIFramework"], js_name = addHandler, catch)]
    pub fn add_handler(event_name: &str, handler: &Function) -> Result<JsValue, JsValue>;

    /// `removeHandler(eventName, handler)`: must be given the identical function.
    #[wasm_bindgen(js_namespace = ["Microsoft", "CIFramework"], js_name = removeHandler, catch)]
    pub fn remove_handler(event_name: &str, handler: &Function) -> Result<JsValue, JsValue>;
}

#[wasm_bindgen(module = "/src/js/helpers.js")]
extern "C" {
    /// Hands what a CIF call returned (a promise, a thenable or a plain value) to `on_resolved` / `on_rejected`,
    /// later and at most once; `Err` when the answer cannot be read (its `then` throws or cannot be read, a
    /// promise's `constructor` getter throws). Plain functions (`Function.bind` results) as handlers: the driver
    /// binds shared closures to a request id.
    #[wasm_bindgen(catch, js_name = settleAnswer)]
    pub fn settle_answer(value: &JsValue, on_resolved: &Function, on_rejected: &Function) -> Result<(), JsValue>;
}
