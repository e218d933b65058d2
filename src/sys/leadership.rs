//! Raw binding to `src/js/helpers.js`, tabs part: the Web Lock and the `BroadcastChannel` shared by the agent's pages.

use js_sys::Function;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/js/helpers.js")]
extern "C" {
    /// The lock and channel of one page; reports through the function given to `new`.
    #[derive(Debug, Clone)]
    pub type TabLeadership;

    /// `report(kind, detail)` hears `held`, `waiting`, `lost`, `unavailable` and `message`.
    #[wasm_bindgen(constructor, catch)]
    pub fn new(report: &Function) -> Result<TabLeadership, JsValue>;

    /// Asks for the lock (if free, else waits in line) and listens on the channel of the same name.
    #[wasm_bindgen(method, catch)]
    pub fn seek(this: &TabLeadership, name: &str) -> Result<(), JsValue>;

    /// Takes the lock from the page holding it.
    #[wasm_bindgen(method, catch, js_name = takeOver)]
    pub fn take_over(this: &TabLeadership) -> Result<(), JsValue>;

    /// Posts text on the channel.
    #[wasm_bindgen(method, catch)]
    pub fn post(this: &TabLeadership, text: &str) -> Result<(), JsValue>;

    /// Releases the lock, withdraws a waiting request and closes the channel.
    #[wasm_bindgen(method, catch)]
    pub fn close(this: &TabLeadership) -> Result<(), JsValue>;

    /// `{agentArn, username}` of a Streams agent (nulls when `getConfiguration` throws).
    #[wasm_bindgen(catch, js_name = agentIdentity)]
    pub fn agent_identity(agent: &JsValue) -> Result<JsValue, JsValue>;
}
