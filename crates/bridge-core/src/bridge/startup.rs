//! The page's start-up (spec §1): the CIF library and its `CIFInitDone`, Custom Parameters, the CCP, and what the
//! status line says about them.
//!
//! Why these rules:
//! * Nothing waits forever: CIF gets `cifInitTimeoutMs`, after which Dynamics is said to be not connected and the
//!   CCP starts anyway; a `CIFInitDone` that comes later still connects (a slow Dynamics is not a broken one).
//! * `getEnvironment` is the first CIF call, and its Custom Parameters are applied before CIF counts as ready, so
//!   the first pop already uses them. They rank below the URL and above `config.json`; only their own refused
//!   values are shown (the others were shown at start-up). `getEnvironment` gets `cifInitTimeoutMs` too: a
//!   Dynamics that never answers it goes live without Custom Parameters rather than keep the pops waiting.
//! * The CCP starts once, as soon as its URL is known: at start-up from the URL or `config.json`, else after the
//!   Custom Parameters (or at once when CIF will not come). A `ccpUrl` from Custom Parameters after the CCP
//!   started is not applied (a second CCP would sign the agent in twice), and the console says so; the
//!   configuration keeps the URL the CCP started with, so Retry restarts that one.
//! * Retry counts only while the CCP status offers it: before the CCP started it would start without the URL
//!   Custom Parameters may still bring.
//! * A URL reaches `initCCP` only after a last check at the sink ([`acceptable_ccp_url`]) and the allow-list, and
//!   the same holds for the secondary CCP and the login pop-up, where the agent types credentials.
//! * A frame refused by `frame-ancestors` is opaque to the page, so the only fact is time: a CCP still loading
//!   [`ccp_answer_wait_ms`] after `initCCP` is said to be not answering; a later `onInitialized` makes it ready.

use crate::ccp_failure::{ccp_answer_wait_ms, CcpFailure};
use crate::command::{CifCall, Command, Severity};
use crate::config::{insert_by_source, Config, ConfigLayer, ConfigSource, GlobalResiliency};
use crate::contact::page_guid;
use crate::ids::RequestId;
use crate::input::{CifAvailability, CifOutcome, CifReply};
use crate::reply::{CifError, ErrorKind};
use crate::startup::{
    acceptable_ccp_url, custom_parameters, raw_value, CcpEvent, CcpParams, CifLibrary, CifState, Softphone,
    StartupCall, StartupInput,
};
use crate::status::{CcpStatus, DynamicsStatus, FocusStatus, StatusView};
use crate::text;
use crate::time::Millis;

use super::{Bridge, TimerKey};

/// When to look at Streams' login pop-up after a sign-in failure: its `ccpAckTimeout` (3 s) plus time to open it.
const LOGIN_POPUP_CHECK_MS: u64 = 5_500;

/// What the errors box says a CCP URL must be.
const CCP_URL_EXPECTED: &str = "an https:// Amazon Connect CCP URL such as https://<instance>.my.connect.aws/ccp-v2/ \
                                (http:// only for localhost or 127.0.0.1), whose origin is in allowedConnectOrigins \
                                when config.json sets that list";

/// How long the CCP waits for Dynamics' Custom Parameters (which may set its region, sign-in URL and softphone
/// options) before it starts with the page's own configuration. Dynamics usually answers well within it.
const CCP_AWAITS_CUSTOM_PARAMETERS_MS: u64 = 3_000;

/// How long after a sign-in failure Streams' agent and contact data count as proof that the CCP works again:
/// data Streams had already queued when the failure came (a snapshot from before the session ended) proves
/// nothing, and a re-authentication (login pop-up, iframe refresh) takes seconds anyway.
const SIGNED_IN_AGAIN_AFTER_MS: u64 = 1_000;

/// Most missing templates the status line's state keeps (the preflight checks at most 64 names a page load).
const MISSING_TEMPLATES_KEPT: usize = 64;

/// The start-up's own state (CIF's is [`Bridge`]'s `cif`, shared with the pop flow).
#[derive(Debug, Clone)]
pub(super) struct Startup {
    /// Whether [`StartupInput::Begin`] came.
    begun: bool,
    /// The layers the configuration was resolved from (Custom Parameters replace their own layer).
    layers: Vec<ConfigLayer>,
    /// Whether a `CIFInitDone` can come: a library was asked for (or is on the page).
    cif_expected: bool,
    /// The injected library's URL, for the message when it fails to load.
    library_url: Option<String>,
    /// The `getEnvironment` in flight (forgotten at its deadline, so a late answer is ignored).
    environment: Option<RequestId>,
    /// How many times `getEnvironment` was asked again after CIF's time limit (bounded: a host may give that
    /// answer at once, every time).
    environment_resends: u32,
    /// The `setClickToAct(true)` in flight.
    click_to_act: Option<RequestId>,
    /// How many times `setClickToAct(true)` was sent again after a failure (bounded by `cifRetryAttempts`).
    click_to_act_retries: u32,
    /// Whether the CCP is still to be started (once; again after Retry).
    ccp_pending: bool,
    /// What the status line shows about Dynamics, so only a change is emitted.
    dynamics: DynamicsStatus,
    /// The templates the preflight found missing, as the status line names them (`name (keys)`), at most
    /// [`MISSING_TEMPLATES_KEPT`].
    missing_templates: Vec<String>,
    /// What the status line shows about the CCP; also what Retry and the login pop-up check go by.
    ccp: CcpStatus,
    /// The failure the CCP status shows, and when it came (`None` while the status is not a failure): whether
    /// Streams' data arriving later proves it over.
    ccp_failure: Option<(CcpFailure, Millis)>,
    /// What the status line shows about the focused contact, so a switch to the same one says nothing.
    focus: FocusStatus,
    /// Global resiliency moved the CCP to the other region: the status line keeps saying so once it answers
    /// again there (Streams initialises the CCP anew after a failover), until Retry starts a new CCP.
    failed_over: bool,
    /// A Retry restarted Streams with contacts held: once the new CCP answers, those it does not deliver again
    /// within `restoredContactGraceMs` are released.
    grace_after_ccp_answers: bool,
    /// Whether Streams' login pop-up field was `null` as the last sign-in failure came (`None` until the shell
    /// said): a `null` then is an old pop-up's, not a refusal.
    login_window_null_at_failure: Option<bool>,
}

impl Default for Startup {
    fn default() -> Startup {
        Startup {
            failed_over: false,
            grace_after_ccp_answers: false,
            login_window_null_at_failure: None,
            begun: false,
            layers: Vec::new(),
            cif_expected: false,
            library_url: None,
            environment: None,
            environment_resends: 0,
            click_to_act: None,
            click_to_act_retries: 0,
            ccp_pending: true,
            dynamics: DynamicsStatus::default(),
            missing_templates: Vec::new(),
            ccp: CcpStatus::default(),
            ccp_failure: None,
            focus: FocusStatus::default(),
        }
    }
}

impl Startup {
    /// Start-up CIF calls awaiting their answer (counted with the pop flow's in [`Bridge::debug_counts`]).
    pub(super) fn requests_in_flight(&self) -> usize {
        usize::from(self.environment.is_some()) + usize::from(self.click_to_act.is_some())
    }
}

/// How many times `getEnvironment` is asked again after CIF's time limit, within `cifInitTimeoutMs`.
const MAX_ENVIRONMENT_RESENDS: u32 = 2;

impl Bridge {
    /// The shell reports what it saw and nothing else, so every start-up fact is judged here, against the state
    /// the core already holds (whether CIF was asked for, what the CCP status offers).
    pub(super) fn on_startup(&mut self, input: StartupInput) {
        match input {
            StartupInput::Begin { layers, cif_library } => self.begin(layers, cif_library),
            StartupInput::CifInitDone => self.on_cif_init_done(),
            StartupInput::CifScriptFailed => {
                let url = self.startup.library_url.clone().unwrap_or_default();
                self.cif_unavailable(format!("the CIF library could not be loaded from {url}"));
            }
            StartupInput::CifScriptNotAdded { reason } => self.cif_unavailable(reason),
            StartupInput::CcpInitThrew { name, message } => self.on_ccp_init_threw(&name, &message),
            StartupInput::StreamsSubscriptionsFailed { detail } => {
                let text = format!("Amazon Connect Streams subscriptions failed: {detail}");
                self.report(
                    Severity::Error,
                    None,
                    "streams.subscriptions_failed",
                    text.clone(),
                    false,
                );
                self.show_error(text);
            }
            StartupInput::Ccp(event) => self.on_ccp_event(event),
            StartupInput::RetryClicked => self.retry_ccp(),
            StartupInput::LoginWindowNoted { null } => self.startup.login_window_null_at_failure = Some(null),
            StartupInput::LoginWindow { null } => {
                // Already `null` as the sign-in failed: a pop-up Streams closed itself (after an earlier sign-in,
                // or while another tab holds the new one), which says nothing of a refusal now.
                let blocked = null && self.startup.login_window_null_at_failure != Some(true);
                if blocked && matches!(self.startup.ccp, CcpStatus::Failed(_)) {
                    self.ccp_failed(&CcpFailure::LoginPopupBlocked);
                }
            }
        }
    }

    /// A CIF reply for the start-up's own calls is handled here; any other is given back.
    pub(super) fn take_startup_reply(&mut self, reply: CifReply) -> Option<CifReply> {
        if self.startup.environment == Some(reply.request) {
            if let CifOutcome::Rejected(v) = &reply.outcome {
                if CifError::from_rejection(v).kind() == ErrorKind::NoAnswer
                    && self.startup.environment_resends < MAX_ENVIRONMENT_RESENDS
                {
                    self.startup.environment_resends += 1;
                    // CIF's own time limit says nothing of Dynamics, and this call only reads: it is asked again,
                    // still within the deadline set at `CIFInitDone`.
                    self.trace(None, "startup", "getEnvironment: CIF's time limit, asking again".into());
                    self.startup.environment = Some(self.send_startup_cif(CifCall::GetEnvironment));
                    return None;
                }
            }
            self.startup.environment = None;
            self.timers.remove(TimerKey::EnvironmentOverdue);
            self.apply_environment(reply.outcome);
            self.cif_connected();
            None
        } else if self.startup.click_to_act == Some(reply.request) {
            self.startup.click_to_act = None;
            let why = match &reply.outcome {
                CifOutcome::Resolved(_) => return None,
                CifOutcome::Rejected(v) => format!("rejected: {}", CifError::from_rejection(v).message),
                CifOutcome::Threw(m) | CifOutcome::Unreadable(m) => format!("threw: {}", text::excerpt(m)),
            };
            // It only switches a flag on, so it is retried like any call without side effects: one bad moment at
            // start-up (CIF's own time limit right after the handlers are registered) must not leave
            // click-to-dial off for the whole day.
            let retry = self.startup.click_to_act_retries + 1;
            match self.retry.delay(retry) {
                Some(delay) => {
                    self.startup.click_to_act_retries = retry;
                    self.trace(
                        None,
                        "startup",
                        format!("setClickToAct(true) {why}; retry {retry} in {delay} ms"),
                    );
                    self.timers.insert(self.now.plus(delay), TimerKey::ClickToActRetry);
                }
                None => self.report(
                    Severity::Warning,
                    None,
                    "cif.setClickToAct.failed",
                    format!("setClickToAct(true) {why}; click-to-dial from Dynamics is off until the page is reloaded"),
                    false,
                ),
            }
            None
        } else {
            Some(reply)
        }
    }

    /// Which CIF library to load (or why none), the wait for `CIFInitDone`, and the CCP if its URL is known.
    fn begin(&mut self, layers: Vec<ConfigLayer>, library: CifLibrary) {
        if self.startup.begun {
            self.trace(None, "startup", "Begin again: ignored".into());
            return;
        }
        self.startup.begun = true;
        self.startup.layers = layers;
        self.trace(None, "startup", format!("begin, CIF library {library:?}"));
        if self.cif_library_chosen(library) {
            self.startup.cif_expected = true;
            self.show(StatusView::Dynamics(DynamicsStatus::Connecting));
            let wait = self.config.cif_init_timeout_ms;
            self.timers.insert(self.now.plus(wait), TimerKey::CifInit);
            if let Some(url) = self.startup.library_url.clone() {
                let crm_origin = self.config.cif_crm_origin().unwrap_or_default();
                self.commands
                    .push_back(Command::Startup(StartupCall::LoadCifLibrary { url, crm_origin }));
            }
        }
        // Custom Parameters may set the CCP's region, sign-in URL and softphone options (or its URL): while CIF is
        // on its way the CCP waits for them, for CCP_AWAITS_CUSTOM_PARAMETERS_MS at most when its URL is known.
        if self.cif != CifState::NotReady || self.config.ccp_url.is_some() && !self.startup.cif_expected {
            self.start_ccp();
        } else if self.config.ccp_url.is_some() {
            self.set_ccp_status(CcpStatus::Loading);
            self.timers
                .insert(self.now.plus(CCP_AWAITS_CUSTOM_PARAMETERS_MS), TimerKey::CcpStartDue);
        } else {
            self.set_ccp_status(CcpStatus::WaitingForConfig);
        }
    }

    /// Dynamics has not given its Custom Parameters in time: the agent's softphone waits no longer.
    pub(super) fn on_ccp_start_due(&mut self) {
        if self.startup.ccp_pending {
            self.trace(
                None,
                "startup",
                "no Custom Parameters yet: the CCP starts with the page's own configuration".into(),
            );
            self.start_ccp();
        }
    }

    /// Whether a CIF library will come; when none can, Dynamics is said to be not connected at once.
    fn cif_library_chosen(&mut self, library: CifLibrary) -> bool {
        if library == CifLibrary::AlreadyLoaded {
            return true;
        }
        let refused = match (self.config.cif_library_url(), self.config.cif_crm_origin()) {
            (Some(url), Some(_)) if !self.config.dynamics_origin_allowed(&url) => {
                format!("the CIF library URL {url:?} is not in allowedDynamicsOrigins")
            }
            (Some(url), Some(_)) => {
                self.startup.library_url = Some(url);
                return true;
            }
            (Some(url), None) => format!("the CIF library URL {url:?} has no origin"),
            (None, _) => {
                // A value given but refused is not "not configured": the admin looks for the typo, not the key.
                let refused: Vec<&str> = [("ucilib", "ucilib"), ("crmUrl", "crmUrl"), ("crmurl", "crmUrl")]
                    .into_iter()
                    .filter(|(spelling, _)| {
                        raw_value(&self.startup.layers, spelling).is_some_and(|v| !v.trim().is_empty())
                    })
                    .map(|(_, key)| key)
                    .fold(Vec::new(), |mut keys, key| {
                        if !keys.contains(&key) {
                            keys.push(key);
                        }
                        keys
                    });
                match refused.as_slice() {
                    [] => "no ucilib or crmUrl configured".to_owned(),
                    [key] => format!("the configured {key} was refused: see the errors box"),
                    keys => format!("the configured {} were refused: see the errors box", keys.join(" and ")),
                }
            }
        };
        self.cif_unavailable(refused);
        false
    }

    /// No CIF (timeout, load error, not configured): say so, stop the pop flow waiting, and let the CCP start.
    fn cif_unavailable(&mut self, reason: String) {
        if self.cif != CifState::NotReady {
            return;
        }
        self.timers.remove(TimerKey::CifInit);
        self.report(
            Severity::Warning,
            None,
            "cif.not_connected",
            format!("Dynamics not connected: {reason}"),
            false,
        );
        self.show(StatusView::Dynamics(DynamicsStatus::NotConnected(reason.clone())));
        self.on_cif(CifAvailability::Unavailable { reason });
        self.start_ccp();
    }

    /// The wait for `CIFInitDone` is over: a missing Dynamics must not keep the CCP from starting.
    pub(super) fn on_cif_init_overdue(&mut self) {
        let wait = self.config.cif_init_timeout_ms;
        self.cif_unavailable(format!("no CIFInitDone within {wait} ms"));
    }

    /// `CIFInitDone`: read Custom Parameters first (`getEnvironment` is the first CIF call), then go live. After
    /// the page gave up waiting it still connects.
    fn on_cif_init_done(&mut self) {
        if !self.startup.cif_expected {
            self.trace(
                None,
                "startup",
                "CIFInitDone without a CIF library asked for: ignored".into(),
            );
            return;
        }
        match self.cif {
            CifState::Initialising | CifState::Ready => return,
            CifState::Unavailable => self.report(
                Severity::Info,
                None,
                "cif.late_init",
                "CIFInitDone arrived after the bridge had given up waiting; connecting to Dynamics now".into(),
                false,
            ),
            CifState::NotReady => {}
        }
        self.cif = CifState::Initialising;
        self.timers.remove(TimerKey::CifInit);
        self.startup.environment = Some(self.send_startup_cif(CifCall::GetEnvironment));
        let wait = self.config.cif_init_timeout_ms;
        self.timers.insert(self.now.plus(wait), TimerKey::EnvironmentOverdue);
    }

    /// `getEnvironment` never answered: Custom Parameters are only a refinement, so rather than keep the pops
    /// (and a CCP that waits for its URL) stuck, CIF goes live without them; a late answer is then ignored.
    pub(super) fn on_environment_overdue(&mut self) {
        if self.startup.environment.take().is_none() {
            return;
        }
        let wait = self.config.cif_init_timeout_ms;
        self.report(
            Severity::Warning,
            None,
            "cif.getEnvironment.unanswered",
            format!("getEnvironment() did not answer within {wait} ms; Custom Parameters are not applied"),
            false,
        );
        self.cif_connected();
    }

    /// A start-up CIF call: not a contact's, no deadline of the pop flow's. Its correlation id is unique to the
    /// method and the page load (the key holds a space, which no contact id does, so it never names a contact's).
    fn send_startup_cif(&mut self, call: CifCall) -> RequestId {
        let request = self.next_request_id();
        let method = call.method_name();
        self.trace(None, &format!("cif.{method}"), format!("{request}"));
        let correlation_id = page_guid(&format!("startup {method}"), &self.page_nonce);
        self.commands.push_back(Command::Cif {
            request,
            contact: None,
            correlation_id,
            call,
        });
        request
    }

    /// Custom Parameters: re-layered (their own layer replaced, precedence restored) and resolved again; only
    /// their own refused values are shown.
    fn apply_environment(&mut self, outcome: CifOutcome) {
        let value = match outcome {
            CifOutcome::Resolved(value) => value,
            other => {
                let why = match &other {
                    CifOutcome::Rejected(v) => format!("rejected: {}", CifError::from_rejection(v).message),
                    CifOutcome::Threw(m) | CifOutcome::Unreadable(m) => format!("threw: {}", text::excerpt(m)),
                    CifOutcome::Resolved(_) => String::new(),
                };
                self.report(
                    Severity::Warning,
                    None,
                    "cif.getEnvironment.failed",
                    format!("getEnvironment() {why}; Custom Parameters are not applied"),
                    false,
                );
                return;
            }
        };
        let layer = match custom_parameters(&value) {
            Ok(Some(layer)) => layer,
            Ok(None) => return,
            Err(e) => {
                self.show_error(format!("Custom Parameters ignored: {e}"));
                return;
            }
        };
        let mut layers: Vec<ConfigLayer> = Vec::with_capacity(self.startup.layers.len() + 1);
        for kept in self
            .startup
            .layers
            .iter()
            .filter(|l| l.source != ConfigSource::CustomParams)
        {
            insert_by_source(&mut layers, kept.clone());
        }
        insert_by_source(&mut layers, layer);
        let (mut config, errors) = Config::resolve(&layers);
        for e in errors.iter().filter(|e| e.source == ConfigSource::CustomParams) {
            self.show_error(e.to_string());
        }
        // Custom Parameters come through the CIF library: it was loaded from the page's own configuration, and
        // the tabs' lock is named after its origin, which must not change under a page that holds it.
        let library = |c: &Config| c.cif_library_url().map(|u| u.to_ascii_lowercase());
        let library_differs = library(&config) != library(&self.config);
        (config.ucilib, config.crm_url) = (self.config.ucilib.clone(), self.config.crm_url.clone());
        if let Some(custom) = layers.iter_mut().find(|l| l.source == ConfigSource::CustomParams) {
            for key in ["ucilib", "crmUrl", "crmurl"] {
                custom.values.remove(key);
            }
        }
        if library_differs {
            self.report(
                Severity::Warning,
                None,
                "config.cif_library_not_applied",
                "ucilib / crmUrl from Custom Parameters are not applied: Custom Parameters come through the CIF \
                 library, which was already loaded (from the page's own configuration, URL or config.json, or by \
                 the page that hosts the bridge)"
                    .into(),
                false,
            );
        }
        if !self.startup.ccp_pending && config.ccp_url != self.config.ccp_url {
            // The URL in force stays the one the CCP started with, so a Retry and the diagnostics agree with the
            // message below.
            config.ccp_url = self.config.ccp_url.clone();
            if let Some(custom) = layers.iter_mut().find(|l| l.source == ConfigSource::CustomParams) {
                custom.values.remove("ccpUrl");
            }
            self.report(
                Severity::Warning,
                None,
                "config.ccp_url_not_applied",
                "ccpUrl from Custom Parameters is not applied: the CCP was already loaded from the page's own \
                 configuration (URL or config.json)"
                    .into(),
                false,
            );
        }
        if !self.startup.ccp_pending {
            let late = self.config.ccp_keys_differing(&config);
            if !late.is_empty() {
                self.report(
                    Severity::Warning,
                    None,
                    "config.ccp_keys_late",
                    format!(
                        "Custom Parameters {} came after the CCP had started (Dynamics answered after {} s): \
                         they apply after Retry or the next page load; set them in the URL or config.json to \
                         apply them at once",
                        late.join(", "),
                        CCP_AWAITS_CUSTOM_PARAMETERS_MS / 1000
                    ),
                    false,
                );
            }
        }
        self.startup.layers = layers;
        self.trace(None, "startup", "Custom Parameters applied".into());
        self.set_config(config);
    }

    /// The backoff after a failed `setClickToAct(true)` is over: it is sent again.
    pub(super) fn on_click_to_act_retry_due(&mut self) {
        if self.startup.click_to_act.is_none() {
            self.startup.click_to_act = Some(self.send_startup_cif(CifCall::SetClickToAct { value: true }));
        }
    }

    /// CIF is ready (Custom Parameters applied): pops may run, Dynamics' handlers are registered, the CCP starts
    /// if it waited, and click-to-act is switched on.
    fn cif_connected(&mut self) {
        self.on_cif(CifAvailability::Ready);
        self.commands
            .push_back(Command::Startup(StartupCall::RegisterDynamicsHandlers));
        self.show(StatusView::Dynamics(self.connected_status()));
        self.start_ccp();
        self.startup.click_to_act = Some(self.send_startup_cif(CifCall::SetClickToAct { value: true }));
    }

    /// Loads the CCP once, if `ccpUrl` is acceptable; otherwise a clear error and no `initCCP`.
    fn start_ccp(&mut self) {
        if !std::mem::replace(&mut self.startup.ccp_pending, false) {
            return;
        }
        self.timers.remove(TimerKey::CcpStartDue);
        match self.config.ccp_url.clone() {
            Some(url) if acceptable_ccp_url(&url) && self.config.connect_origin_allowed(&url) => self.init_ccp(url),
            Some(url) => self.ccp_url_refused(&url),
            None => {
                let raw = raw_value(&self.startup.layers, "ccpUrl").unwrap_or_default();
                self.ccp_url_refused(&raw);
            }
        }
    }

    /// Says in the errors box which value was refused (or that none was given) and what is expected, since the
    /// CCP's status alone cannot tell the admin what to fix. The value is quoted as an excerpt, as every refused
    /// configuration value is: a crafted link's huge value costs one short line.
    fn ccp_url_refused(&mut self, value: &str) {
        let text = if value.is_empty() {
            format!("configuration key `ccpUrl` is missing: expected {CCP_URL_EXPECTED}; the CCP is not loaded")
        } else {
            format!(
                "configuration key `ccpUrl`: value {:?} refused, expected {CCP_URL_EXPECTED}; the CCP is not loaded",
                text::excerpt(value)
            )
        };
        self.show_error(text);
        self.set_ccp_status(CcpStatus::Failed("no valid ccpUrl configured".into()));
    }

    /// `initCCP`'s parameters, and the watch for the CCP's first answer.
    fn init_ccp(&mut self, ccp_url: String) {
        // The secondary CCP is loaded into this page too, and the login pop-up is where the agent types
        // credentials: both are held to the same sink checks as ccpUrl.
        let config = &self.config;
        let at_sink = |u: &Option<String>| {
            u.clone()
                .filter(|u| acceptable_ccp_url(u) && config.connect_origin_allowed(u))
        };
        let secondary_ccp_url = at_sink(&config.secondary_ccp_url);
        let login_url = at_sink(&config.login_url);
        let resiliency = GlobalResiliency::decide(
            config.enable_global_resiliency,
            secondary_ccp_url.is_some(),
            login_url.is_some(),
        );
        let params = CcpParams {
            ccp_url,
            secondary_ccp_url,
            enable_global_resiliency: resiliency.enabled(),
            login_url,
            region: config.region.clone(),
            ccp_load_timeout: config.ccp_load_timeout_ms,
            login_popup: config.login_popup,
            login_popup_auto_close: config.login_popup_auto_close,
            softphone: Softphone {
                allow_framed_softphone: config.allow_framed_softphone,
                disable_ringtone: config.disable_ringtone,
            },
            streams_console_level: config.streams_console_level,
        };
        if let Some(problem) = resiliency.problem() {
            self.show_error(problem);
        }
        self.trace(None, "startup", "initCCP".into());
        self.commands.push_back(Command::Startup(StartupCall::InitCcp(params)));
        self.set_ccp_status(CcpStatus::Loading);
        let wait = ccp_answer_wait_ms(self.config.ccp_load_timeout_ms);
        self.timers.insert(self.now.plus(wait), TimerKey::CcpAnswer);
    }

    /// A throwing `initCCP` never answers, so there is no point waiting for it; the failure is named by its cause
    /// (storage blocked, …) rather than by Streams' wording.
    fn on_ccp_init_threw(&mut self, name: &str, message: &str) {
        let failure = CcpFailure::from_init_error(name, message);
        self.timers.remove(TimerKey::CcpAnswer);
        self.show_error(format!("CCP: {}", failure.message()));
        self.set_ccp_status(CcpStatus::Failed(failure.message()));
    }

    /// No `onInitialized` yet: say that the CCP is not answering and what to check (Streams keeps trying).
    pub(super) fn on_ccp_answer_overdue(&mut self) {
        if self.startup.ccp != CcpStatus::Loading {
            return;
        }
        let failure = CcpFailure::NotAnswering {
            after_s: ccp_answer_wait_ms(self.config.ccp_load_timeout_ms) / 1000,
        };
        self.report_ccp_failure(&failure);
        self.set_ccp_status(CcpStatus::NotAnswering(failure.message()));
    }

    /// The CCP's lifecycle decides its status; after a sign-in failure Streams may open its login pop-up, which
    /// the browser may block without telling anyone, hence the later look.
    fn on_ccp_event(&mut self, event: CcpEvent) {
        let failure = match event {
            CcpEvent::Initialized => {
                // Signed in and answering: neither watch has anything left to find.
                self.timers.remove(TimerKey::CcpAnswer);
                self.timers.remove(TimerKey::LoginPopupCheck);
                if std::mem::take(&mut self.startup.grace_after_ccp_answers) {
                    self.restart_restore_grace();
                }
                let ready = if self.startup.failed_over {
                    CcpStatus::FailedOver
                } else {
                    CcpStatus::Ready
                };
                self.set_ccp_status(ready);
                return;
            }
            CcpEvent::FailoverDetected => {
                // Contacts are the core's and Streams keeps their ids across regions: nothing is released, so each
                // keeps its pop state; the agent is told why the softphone reconnected.
                self.report(
                    Severity::Warning,
                    None,
                    "ccp.failover",
                    "CCP: global resiliency failover detected (the CCP switched regions)".into(),
                    false,
                );
                self.startup.failed_over = true;
                self.set_ccp_status(CcpStatus::FailedOver);
                return;
            }
            CcpEvent::IframeRetriesExhausted => CcpFailure::IframeRetriesExhausted,
            CcpEvent::AuthFail => CcpFailure::AuthFail,
            CcpEvent::AccessDenied => CcpFailure::AccessDenied,
            CcpEvent::Terminated => CcpFailure::Terminated,
        };
        self.ccp_failed(&failure);
        if matches!(failure, CcpFailure::AuthFail | CcpFailure::Terminated) && self.config.login_popup {
            // Streams opens the login pop-up `ccpAckTimeout` (3 s) after a sign-in failure; what its field holds
            // now is what that opening is compared with. A further failure before the check keeps the first
            // failure's reference: the field may be `null` by then because that opening was refused.
            if !self.timers.contains(TimerKey::LoginPopupCheck) {
                self.startup.login_window_null_at_failure = None;
                self.commands.push_back(Command::Startup(StartupCall::NoteLoginWindow));
            }
            self.timers
                .insert(self.now.plus(LOGIN_POPUP_CHECK_MS), TimerKey::LoginPopupCheck);
        }
    }

    /// Only a CCP still failed has a pop-up worth looking for: once it answered, the agent signed in somehow.
    pub(super) fn on_login_popup_check(&mut self) {
        if matches!(self.startup.ccp, CcpStatus::Failed(_)) {
            self.commands.push_back(Command::Startup(StartupCall::CheckLoginWindow));
        }
    }

    /// The Retry button: restart Streams and `initCCP` again. The page, the core and its contacts stay. Only while
    /// the status offers it: before the CCP started (waiting for Custom Parameters) a Retry would start it without
    /// the URL they may bring, and a working CCP has nothing to retry.
    fn retry_ccp(&mut self) {
        if !self.startup.ccp.offers_retry() {
            self.trace(None, "startup", "Retry while the CCP offers none: ignored".into());
            return;
        }
        self.report(
            Severity::Info,
            None,
            "ccp.retry",
            "CCP: retrying (terminate Streams, remove the iframe, initCCP again)".into(),
            false,
        );
        self.commands.push_back(Command::Startup(StartupCall::RestartCcp));
        // The new Streams delivers again the contacts the agent still has; it never destroys those it no longer
        // has, so, as after a reload, those it does not deliver within restoredContactGraceMs of answering (the
        // sign-in may take its time) are released.
        // What the old Streams listed says nothing about the new one's contacts.
        self.connect_listed = None;
        for c in self.contacts.values_mut() {
            c.seen = false;
        }
        self.startup.grace_after_ccp_answers = !self.contacts.is_empty();
        // A look at the old CCP's login pop-up would judge the new CCP by it.
        self.timers.remove(TimerKey::LoginPopupCheck);
        // The new CCP starts afresh: only a failover it reports itself is shown.
        self.startup.failed_over = false;
        self.startup.ccp_pending = true;
        self.start_ccp();
    }

    /// A failure is both reported (console, trace) and shown with Retry beside it.
    fn ccp_failed(&mut self, failure: &CcpFailure) {
        // The CCP answered, if only with a failure: "not answering" would be wrong from now on.
        self.timers.remove(TimerKey::CcpAnswer);
        self.report_ccp_failure(failure);
        self.set_ccp_status(CcpStatus::Failed(failure.message_for(self.config.login_popup)));
        self.startup.ccp_failure = Some((failure.clone(), self.now));
    }

    /// Whether `ev` brings a contact this page did not hold, ringing or connected: only a CCP that is signed in
    /// is offered contacts. (The agent's own state proves less: Streams may replay what it knew before the end.)
    pub(super) fn is_new_live_contact(&self, ev: &crate::input::ContactEvent) -> bool {
        let live = ev.snapshot.as_ref().is_some_and(|s| {
            matches!(
                s.state.trim().to_ascii_lowercase().as_str(),
                "incoming" | "connecting" | "pending" | "connected"
            )
        });
        live && crate::ids::ContactId::parse(&ev.contact_id).is_some_and(|id| !self.contacts.contains_key(&id))
    }

    /// Streams offered a new contact: the CCP is signed in and working. Streams signs the agent in again by itself
    /// after a sign-in failure or an ended session (its login pop-up, its iframe refresh), and fires no second
    /// `onInitialized` for that, so this is the only sure news that the failure is over; the status line stops
    /// asking for Retry. Only those failures: after access denied, Streams giving up on the frame or `initCCP`
    /// throwing, the CCP stays failed until Retry says otherwise. A wrong "failed" costs a Retry; a wrong "ready"
    /// would hide a CCP that receives nothing, so nothing weaker than a new contact counts.
    pub(super) fn on_streams_data(&mut self) {
        let Some((failure, at)) = &self.startup.ccp_failure else {
            return;
        };
        let signed_in_again = matches!(
            failure,
            CcpFailure::AuthFail | CcpFailure::Terminated | CcpFailure::LoginPopupBlocked
        ) && self.now.since(*at) >= SIGNED_IN_AGAIN_AFTER_MS;
        if !signed_in_again || !matches!(self.startup.ccp, CcpStatus::Failed(_)) {
            return;
        }
        self.timers.remove(TimerKey::LoginPopupCheck);
        self.report(
            Severity::Info,
            None,
            "ccp.signed_in_again",
            "CCP: Amazon Connect offers contacts again (signed in again): working".into(),
            false,
        );
        let ready = if self.startup.failed_over {
            CcpStatus::FailedOver
        } else {
            CcpStatus::Ready
        };
        self.set_ccp_status(ready);
    }

    /// One report per CCP failure, under the failure's own code, so support can tell them apart in the trace.
    fn report_ccp_failure(&mut self, failure: &CcpFailure) {
        self.report(
            Severity::Error,
            None,
            failure.code(),
            format!("CCP: {}", failure.message_for(self.config.login_popup)),
            false,
        );
    }

    /// What the Dynamics part of the status line says while CIF is up: connected, and which templates are missing.
    fn connected_status(&self) -> DynamicsStatus {
        if self.startup.missing_templates.is_empty() {
            DynamicsStatus::Connected
        } else {
            DynamicsStatus::MissingTemplates(self.startup.missing_templates.clone())
        }
    }

    /// The preflight found a template missing (`name (keys)`): the Dynamics part of the status line names it
    /// while CIF is up (spec §1), besides the notice.
    pub(super) fn show_missing_template(&mut self, entry: String) {
        if self.startup.missing_templates.len() >= MISSING_TEMPLATES_KEPT
            || self.startup.missing_templates.contains(&entry)
        {
            return;
        }
        self.startup.missing_templates.push(entry);
        if matches!(
            self.startup.dynamics,
            DynamicsStatus::Connected | DynamicsStatus::MissingTemplates(_)
        ) {
            self.show(StatusView::Dynamics(self.connected_status()));
        }
    }

    /// The CCP part of the status line, which Retry and the login pop-up check also go by. A status that is no
    /// failure ends the failure it showed.
    fn set_ccp_status(&mut self, status: CcpStatus) {
        if !matches!(status, CcpStatus::Failed(_)) {
            self.startup.ccp_failure = None;
        }
        self.show(StatusView::Ccp(status));
    }

    /// Emits a status part only when it differs from what the page shows.
    fn show(&mut self, view: StatusView) {
        let changed = match &view {
            StatusView::Dynamics(s) => std::mem::replace(&mut self.startup.dynamics, s.clone()) != *s,
            StatusView::Ccp(s) => std::mem::replace(&mut self.startup.ccp, s.clone()) != *s,
            StatusView::Focus(s) => std::mem::replace(&mut self.startup.focus, s.clone()) != *s,
        };
        if changed {
            self.commands.push_back(Command::Status(view));
        }
    }

    /// What the agent is looking at (from the core's focus knowledge), on the status line when it changed.
    pub(super) fn show_focus_if_changed(&mut self) {
        let focus = FocusStatus::of(self.focus_summary());
        if focus != self.startup.focus {
            self.show(StatusView::Focus(focus));
        }
    }

    /// An error the admin must act on goes to the errors box, and to the trace so an exported trace shows it.
    fn show_error(&mut self, text: String) {
        self.trace(None, "startup.error", text.clone());
        self.commands.push_back(Command::ShowError { text });
    }
}
