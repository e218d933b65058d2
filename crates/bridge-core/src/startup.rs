//! The words of the page's start-up: the facts the shell reports while the CIF library and the CCP come up
//! ([`StartupInput`]), what the shell carries out for it ([`StartupCall`]), and the parameters `initCCP` gets
//! ([`CcpParams`]).
//!
//! Why in the core: which CIF library is loaded (or why not), how long `CIFInitDone` is waited for, that a late
//! `CIFInitDone` still connects, which configuration layer wins once Custom Parameters arrive, whether a `ccpUrl`
//! may reach `initCCP`, and what the status line says about all of it are decisions; a browser test can check
//! a handful of them, a native test all of them. The shell only reports what happened and does what it is told
//! (the decisions are in `bridge/startup.rs`).

use serde::Serialize;
use serde_json::Value;

use crate::config::{check_url, ConfigLayer, ConfigSource};
use crate::text::json_kind;

/// Where the CIF library comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CifLibrary {
    /// Inject `<script src=ucilib data-crmurl=… data-cifid="CIFMainLibrary">` from the configuration (the page).
    FromConfig,
    /// The library (or a double) is already on the page: only wait for `CIFInitDone` (tests, custom hosts).
    AlreadyLoaded,
}

/// Where the wait for the CIF library stands; one value for the whole page, so "may Dynamics be called" has one
/// answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CifState {
    /// `CIFInitDone` has not fired yet (or no library was asked for and nothing was decided yet).
    NotReady,
    /// `CIFInitDone` fired; `getEnvironment` is reading Custom Parameters before anything else calls Dynamics.
    Initialising,
    /// CIF is usable: Custom Parameters are applied, pops may run.
    Ready,
    /// No CIF (not configured, not allowed, not loaded, or no `CIFInitDone` in time); a late `CIFInitDone` still
    /// connects.
    Unavailable,
}

/// A fact about start-up that the shell observed.
#[derive(Debug, Clone, PartialEq)]
pub enum StartupInput {
    /// The page starts: the configuration layers the shell gathered (defaults, `config.json`, the URL; kept to
    /// be resolved again with Custom Parameters) and where the CIF library comes from. Feed it once, after any
    /// [`crate::Input::Restore`].
    Begin {
        /// The layers the bridge's configuration was resolved from, lowest precedence first.
        layers: Vec<ConfigLayer>,
        /// Whether the shell injects the library or it is already on the page.
        cif_library: CifLibrary,
    },
    /// The window's `CIFInitDone` event fired.
    CifInitDone,
    /// The injected CIF library's `<script>` fired `error` (not reachable, blocked).
    CifScriptFailed,
    /// The `<script>` for the CIF library could not be added to the page at all.
    CifScriptNotAdded {
        /// What the browser said.
        reason: String,
    },
    /// `connect.core.initCCP` threw: the error's `name` and `message` as read from the thrown value.
    CcpInitThrew {
        /// The error's `name` (`SecurityError`, `TypeError`, …), empty when it had none.
        name: String,
        /// The error's `message`, or the thrown value's text.
        message: String,
    },
    /// After `initCCP`, some Streams subscriptions (`connect.contact`, `connect.agent`, the CCP's events) could
    /// not be made: the CCP may work while the bridge misses what it would report.
    StreamsSubscriptionsFailed {
        /// Which subscriptions, and what Streams threw.
        detail: String,
    },
    /// A CCP lifecycle event fired.
    Ccp(CcpEvent),
    /// The agent pressed the CCP's Retry button.
    RetryClicked,
    /// The shell looked at Streams' login pop-up as the sign-in failed ([`StartupCall::NoteLoginWindow`]).
    LoginWindowNoted {
        /// Whether `connect.core.loginWindow` was `null` then.
        null: bool,
    },
    /// The shell looked at Streams' login pop-up once Streams had time to open it
    /// ([`StartupCall::CheckLoginWindow`]).
    LoginWindow {
        /// Whether `connect.core.loginWindow` is `null`: `window.open` gave no window, or (when it was already
        /// `null` as the sign-in failed) Streams closed an earlier pop-up and has not opened one since.
        null: bool,
    },
}

/// The CCP lifecycle events the status line follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CcpEvent {
    /// `connect.core.onInitialized`: the CCP answered.
    Initialized,
    /// `connect.core.onIframeRetriesExhausted`.
    IframeRetriesExhausted,
    /// `connect.core.onAuthFail`.
    AuthFail,
    /// `connect.core.onAccessDenied`.
    AccessDenied,
    /// The CCP posted `terminated` (`connect.EventType.TERMINATED`): the Connect session ended.
    Terminated,
    /// `connect.globalResiliency.onFailoverDetected`: the CCP moved to the other region (Streams 2.27+).
    FailoverDetected,
}

impl CcpEvent {
    /// Every event, in the order the shell subscribes to them.
    pub const ALL: [CcpEvent; 6] = [
        CcpEvent::Initialized,
        CcpEvent::IframeRetriesExhausted,
        CcpEvent::AuthFail,
        CcpEvent::AccessDenied,
        CcpEvent::Terminated,
        CcpEvent::FailoverDetected,
    ];
}

/// Something for the shell to do during start-up.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "call", rename_all = "camelCase")]
pub enum StartupCall {
    /// Add `<script src=url data-crmurl=crm_origin data-cifid="CIFMainLibrary">` to the page; report its
    /// `error` event as [`StartupInput::CifScriptFailed`].
    LoadCifLibrary {
        /// The library's URL (allowed by `allowedDynamicsOrigins`).
        url: String,
        /// The Dynamics origin for `data-crmurl`.
        crm_origin: String,
    },
    /// Register one `addHandler` per [`crate::DynamicsHandler`] (replacing earlier registrations).
    RegisterDynamicsHandlers,
    /// Call `connect.core.initCCP` with these parameters, then subscribe to the CCP's events; a throw is
    /// reported as [`StartupInput::CcpInitThrew`].
    InitCcp(CcpParams),
    /// Before a new [`StartupCall::InitCcp`]: `connect.core.terminate()`, remove the old iframe (without that the
    /// next `initCCP` is a no-op), and drop every Streams subscription. The core keeps its contacts; the new CCP's
    /// first snapshot delivers the live ones again.
    RestartCcp,
    /// Note what Streams' login pop-up field holds as a sign-in fails, and answer with
    /// [`StartupInput::LoginWindowNoted`]: Streams leaves it `null` after closing a pop-up itself, so only a `null`
    /// written after the failure means the browser refused a new one.
    NoteLoginWindow,
    /// Look whether Streams' login pop-up opened and answer with [`StartupInput::LoginWindow`].
    CheckLoginWindow,
}

/// The parameters of `connect.core.initCCP`, in Streams' spelling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CcpParams {
    /// The CCP's URL (checked at the sink).
    pub ccp_url: String,
    /// The other region's CCP URL, when acceptable.
    #[serde(rename = "secondaryCCPUrl", skip_serializing_if = "Option::is_none")]
    pub secondary_ccp_url: Option<String>,
    /// Only `true` when Streams will honour it (see [`crate::GlobalResiliency`]).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub enable_global_resiliency: bool,
    /// The sign-in URL, when acceptable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_url: Option<String>,
    /// The instance's region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// `ccpLoadTimeoutMs`, when configured.
    #[serde(rename = "ccpLoadTimeout", skip_serializing_if = "Option::is_none")]
    pub ccp_load_timeout: Option<u64>,
    /// Whether Streams opens its login pop-up.
    pub login_popup: bool,
    /// Whether the login pop-up closes itself after the sign-in.
    pub login_popup_auto_close: bool,
    /// The softphone's options.
    pub softphone: Softphone,
    /// The lowest Streams log level echoed to the console, set with `connect.getLog().setEchoLevel` right after
    /// `initCCP` (not an `initCCP` parameter: Streams 2.28 does not read its `logConfig`).
    #[serde(skip)]
    pub streams_console_level: &'static str,
}

/// `initCCP`'s `softphone` options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Softphone {
    /// `allowFramedSoftphone`: whether calls' media run in this frame (else the agent needs the CCP open in a
    /// window of its own).
    pub allow_framed_softphone: bool,
    /// `disableRingtone`: whether Streams plays no ring for an incoming call.
    pub disable_ringtone: bool,
}

/// A last check at the sink, whatever the configuration said: https (any host), or http on the loopback only;
/// no credentials in the URL. (`javascript:`, `data:` and plain http to other hosts never reach `initCCP`.) The
/// configuration's own URL check, so the page carries no URL parser of its own.
pub fn acceptable_ccp_url(url: &str) -> bool {
    check_url(url)
}

/// The Custom Parameters layer from a `getEnvironment()` result (a JSON string or an object) whose
/// `customParams` is itself JSON text (or, leniently, an object). `Ok(None)` when there are none; `Err` says what
/// was wrong, for the errors box.
///
/// Both texts are read as every other CIF result is ([`crate::reply::unwrap_json`]): behind a byte-order mark, or
/// stringified twice. Refusing those would run the whole shift without the Custom Parameters.
pub fn custom_parameters(environment: &Value) -> Result<Option<ConfigLayer>, String> {
    let parsed;
    let env = match environment {
        Value::String(text) => {
            parsed = match crate::reply::unwrap_json(environment) {
                Some(v @ Value::Object(_)) => v,
                _ => serde_json::from_str::<Value>(text)
                    .map_err(|e| format!("getEnvironment() returned text that is not JSON: {e}"))?,
            };
            &parsed
        }
        other => other,
    };
    let Some(env) = env.as_object() else {
        return Err(format!(
            "getEnvironment() returned {}, expected an object",
            json_kind(env)
        ));
    };
    let values = match env.get("customParams") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) if text.trim().is_empty() => return Ok(None),
        Some(blob @ Value::String(text)) => match crate::reply::unwrap_json(blob)
            .filter(Value::is_object)
            .map_or_else(|| serde_json::from_str::<Value>(text), Ok)
        {
            Ok(Value::Object(values)) => values,
            Ok(other) => {
                return Err(format!(
                    "customParams holds {}, expected a JSON object",
                    json_kind(&other)
                ))
            }
            Err(e) => return Err(format!("customParams is not valid JSON ({e}); expected a JSON object")),
        },
        Some(Value::Object(values)) => values.clone(),
        Some(other) => return Err(format!("customParams is {}, expected JSON text", json_kind(other))),
    };
    Ok(Some(ConfigLayer {
        source: ConfigSource::CustomParams,
        values,
    }))
}

/// The raw value of `key` in the highest-precedence layer that sets it (to tell "missing" from "refused").
pub fn raw_value(layers: &[ConfigLayer], key: &str) -> Option<String> {
    layers.iter().rev().find_map(|l| l.values.get(key)).map(|v| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}
