//! The page's Web Lock and channel among the agent's Dynamics tabs, turned into core inputs and carried out from
//! core commands. Nothing is decided here (`bridge_core::leadership` says why and `bridge/leadership.rs` how).

use bridge_core::{Input, LeadershipInput};
use js_sys::Function;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::convert::{js_text, to_json};
use crate::sys::leadership as sys;

/// The JS side of the lock and the channel, and the one closure it reports through. Dropping it releases the
/// lock and closes the channel.
pub struct TabLeadership {
    js: sys::TabLeadership,
    _report: Closure<dyn Fn(JsValue, JsValue)>,
}

impl std::fmt::Debug for TabLeadership {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TabLeadership").finish_non_exhaustive()
    }
}

impl TabLeadership {
    /// Creates the lock holder; `deliver` gets each report as a core input.
    pub fn new(deliver: impl Fn(Input) + 'static) -> Result<TabLeadership, String> {
        let report = Closure::<dyn Fn(JsValue, JsValue)>::new(move |kind: JsValue, detail: JsValue| {
            if let Some(input) = input_from(&kind, &detail) {
                deliver(Input::Leadership(input));
            }
        });
        let function: &Function = report.as_ref().unchecked_ref();
        let js = sys::TabLeadership::new(function).map_err(|e| js_text(&e))?;
        Ok(TabLeadership { js, _report: report })
    }

    /// Asks for the lock named `name`; the answer comes as an input. `Err` when the JS side threw.
    pub fn seek(&self, name: &str) -> Result<(), String> {
        self.js.seek(name).map_err(|e| js_text(&e))
    }

    /// Takes the lock over.
    pub fn take_over(&self) -> Result<(), String> {
        self.js.take_over().map_err(|e| js_text(&e))
    }

    /// Posts to the other pages.
    pub fn post(&self, text: &str) -> Result<(), String> {
        self.js.post(text).map_err(|e| js_text(&e))
    }
}

impl Drop for TabLeadership {
    fn drop(&mut self) {
        let _ = self.js.close();
    }
}

/// The agent's ids as Streams gives them, for the lock's name.
pub fn agent_known(agent: &JsValue) -> Input {
    let identity = sys::agent_identity(agent).map(|v| to_json(&v)).unwrap_or_default();
    let text = |key: &str| identity.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    Input::Leadership(LeadershipInput::AgentKnown {
        agent_arn: text("agentArn"),
        username: text("username"),
    })
}

fn input_from(kind: &JsValue, detail: &JsValue) -> Option<LeadershipInput> {
    let detail_text = || js_text(detail);
    Some(match kind.as_string()?.as_str() {
        "held" => LeadershipInput::LockHeld,
        "waiting" => LeadershipInput::LockWaiting,
        "lost" => LeadershipInput::LockLost { reason: detail_text() },
        "unavailable" => LeadershipInput::Unavailable { reason: detail_text() },
        "message" => LeadershipInput::Peer(to_json(detail)),
        _ => return None,
    })
}
