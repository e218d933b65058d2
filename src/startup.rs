//! Start-up: configuration layers, the CIF library and its `CIFInitDone`, the CCP, and the [`Shell`] that owns
//! it all for the page's lifetime.
//!
//! Why here and not in the driver: this is the order of things (spec §1) — storage first, then configuration,
//! then CIF and the CCP in parallel — while the driver is the steady-state loop. Nothing here is retried
//! forever: CIF gets `cifInitTimeoutMs`, after which the page says "Dynamics not connected" and carries on.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use bridge_core::ccp_failure::CCP_ANSWER_WAIT_MS;
use bridge_core::{
    Bridge, CcpFailure, CifOutcome, Config, ConfigError, ConfigLayer, ConfigSource, GlobalResiliency, Input,
    RestoredState,
};
use gloo::events::EventListener;
use gloo::timers::callback::Timeout;
use js_sys::{Function, Reflect};
use serde::Serialize;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlScriptElement};

use crate::driver::{Driver, WeakDriver};
use crate::error::StartupError;
use crate::page::{CcpStatus, DynamicsStatus, Page};
use crate::trace::TraceButtons;
use crate::{cif, clock, console, ids, layers, storage, sys};

/// Where the CIF library comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CifLibrary {
    /// Inject `<script src=ucilib data-crmurl=… data-cifid="CIFMainLibrary">` from the configuration (the page).
    FromConfig,
    /// The library (or a double) is already on the page: only wait for `CIFInitDone` (tests, custom hosts).
    AlreadyLoaded,
}

/// What the shell needs from its host page.
#[derive(Debug, Clone)]
pub struct ShellOptions {
    /// The element whose `data-bridge` parts (status line, errors, CCP container, buttons) the shell uses.
    pub root: Element,
    /// The URL query, as `location.search`.
    pub query: String,
    /// The URL of the optional `config.json`; `None` skips it.
    pub config_file: Option<String>,
    /// How the CIF library is loaded.
    pub cif_library: CifLibrary,
    /// The sessionStorage key for the core's persisted state.
    pub storage_key: String,
}

impl ShellOptions {
    /// The real page: `document.body`, `location.search`, `config.json` beside the page, injected CIF library.
    pub fn for_page() -> Result<ShellOptions, StartupError> {
        let window = web_sys::window().ok_or(StartupError::NoDocument)?;
        let document = window.document().ok_or(StartupError::NoDocument)?;
        let root: Element = document.body().ok_or(StartupError::NoDocument)?.into();
        let query = window.location().search().unwrap_or_default();
        Ok(ShellOptions {
            root,
            query,
            config_file: Some("config.json".to_owned()),
            cif_library: CifLibrary::FromConfig,
            storage_key: storage::DEFAULT_KEY.to_owned(),
        })
    }
}

/// The running bridge: the driver, the CIF start-up state and the page's listeners. Dropping it releases every
/// subscription, handler and timer it made (the page keeps one in a `thread_local` for its lifetime).
#[derive(Debug)]
pub struct Shell {
    _diagnostics: DiagnosticsHook,
    _trace: TraceButtons,
    cif: Rc<CifStartup>,
    driver: Driver,
}

impl Shell {
    /// Gathers the configuration layers (reading sessionStorage first, before anything async), resolves them,
    /// and starts. Configuration errors are shown, never fatal.
    pub async fn launch(options: ShellOptions) -> Result<Shell, StartupError> {
        let restored = read_storage(&options.storage_key);
        let page = Page::attach(&options.root)?;
        let mut all = vec![layers::defaults()];
        if let Some(file) = &options.config_file {
            match layers::from_file(file).await {
                Ok(Some(layer)) => all.push(layer),
                Ok(None) => {}
                Err(e) => show_error(&page, &e.to_string()),
            }
        }
        all.push(layers::from_query(&options.query));
        let (config, errors) = Config::resolve(&all);
        Shell::start_inner(config, all, errors, restored, options)
    }

    /// Starts from an already resolved configuration: `layers` (defaults, file, URL) are kept to re-resolve
    /// when Custom Parameters arrive; `errors` are shown on the page and in the console.
    pub fn start_with(
        config: Config,
        layers: Vec<ConfigLayer>,
        errors: Vec<ConfigError>,
        options: ShellOptions,
    ) -> Result<Shell, StartupError> {
        let restored = read_storage(&options.storage_key);
        Shell::start_inner(config, layers, errors, restored, options)
    }

    fn start_inner(
        config: Config,
        layers: Vec<ConfigLayer>,
        errors: Vec<ConfigError>,
        restored: Result<RestoredState, String>,
        options: ShellOptions,
    ) -> Result<Shell, StartupError> {
        let page = Page::attach(&options.root)?;
        for e in &errors {
            show_error(&page, &e.to_string());
        }
        let driver = Driver::new(
            // The nonce keeps this page load's notification tokens and correlation ids apart from any earlier one's.
            Bridge::new(config.clone(), clock::now()).with_page_nonce(&ids::fresh_id()),
            page.clone(),
            options.storage_key.clone(),
        );
        match restored {
            Ok(r) if r.contacts.is_some() || r.handled.is_some() => driver.feed(Input::Restore(r)),
            Ok(_) => {}
            Err(reason) => driver.feed(Input::StorageUnavailable { reason }),
        }
        let trace = TraceButtons::attach(&page, driver.downgrade());
        let cif = Rc::new(CifStartup {
            page: page.clone(),
            driver: driver.downgrade(),
            layers: RefCell::new(layers),
            config: RefCell::new(config),
            state: Cell::new(CifState::Waiting),
            ccp_pending: Cell::new(true),
            timeout: RefCell::new(None),
            answer_watch: RefCell::new(None),
            ccp_params: RefCell::new(None),
            listeners: RefCell::new(Vec::new()),
        });
        let weak = Rc::downgrade(&cif);
        let retry = EventListener::new(page.ccp_retry_button(), "click", move |_| {
            if let Some(me) = weak.upgrade() {
                me.retry_ccp();
            }
        });
        cif.listeners.borrow_mut().push(retry);
        cif.begin(options.cif_library);
        // The CCP starts now when its URL is known; otherwise Custom Parameters (once CIF settles) may bring it.
        let have_ccp = cif.config.borrow().ccp_url.is_some();
        if have_ccp || cif.state.get() != CifState::Waiting {
            cif.start_ccp();
        } else {
            page.set_ccp(&CcpStatus::WaitingForConfig);
        }
        Ok(Shell {
            _diagnostics: DiagnosticsHook::install(driver.downgrade(), Rc::downgrade(&cif)),
            _trace: trace,
            cif,
            driver,
        })
    }

    /// The driver (for tests and diagnostics).
    pub fn driver(&self) -> &Driver {
        &self.driver
    }

    /// The page parts the shell writes to.
    pub fn page(&self) -> &Page {
        &self.cif.page
    }

    /// The configuration in force (after Custom Parameters, once they arrived).
    pub fn config(&self) -> Config {
        self.cif.config.borrow().clone()
    }
}

/// Where the wait for `CIFInitDone` stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CifState {
    Waiting,
    Initialising,
    Ready,
    Unavailable,
}

/// The CIF start-up sequence and the CCP's wait for configuration.
#[derive(Debug)]
struct CifStartup {
    page: Page,
    driver: WeakDriver,
    layers: RefCell<Vec<ConfigLayer>>,
    config: RefCell<Config>,
    state: Cell<CifState>,
    ccp_pending: Cell<bool>,
    timeout: RefCell<Option<Timeout>>,
    /// Fires [`CCP_ANSWER_WAIT_MS`] after `initCCP`: a CCP still loading then is said to be not answering.
    answer_watch: RefCell<Option<Timeout>>,
    /// The parameters the last `initCCP` was given, for `connectCifBridgeDiagnostics()`.
    ccp_params: RefCell<Option<serde_json::Value>>,
    listeners: RefCell<Vec<EventListener>>,
}

impl CifStartup {
    fn begin(self: &Rc<Self>, library: CifLibrary) {
        let script = match library {
            CifLibrary::AlreadyLoaded => None,
            CifLibrary::FromConfig => {
                let config = self.config.borrow();
                match (config.cif_library_url(), config.cif_crm_origin()) {
                    (Some(url), Some(_)) if !config.dynamics_origin_allowed(&url) => {
                        drop(config);
                        self.unavailable(format!("the CIF library URL {url:?} is not in allowedDynamicsOrigins"));
                        return;
                    }
                    (Some(url), Some(origin)) => Some((url, origin)),
                    (Some(url), None) => {
                        drop(config);
                        self.unavailable(format!("the CIF library URL {url:?} has no origin"));
                        return;
                    }
                    (None, _) => {
                        drop(config);
                        self.unavailable("no ucilib or crmUrl configured".to_owned());
                        return;
                    }
                }
            }
        };
        self.page.set_dynamics(&DynamicsStatus::Connecting);
        let Some(window) = web_sys::window() else {
            return;
        };
        let weak = Rc::downgrade(self);
        let init_done = EventListener::once(&window, "CIFInitDone", move |_| {
            if let Some(me) = weak.upgrade() {
                me.init_done();
            }
        });
        self.listeners.borrow_mut().push(init_done);
        let wait = self.config.borrow().cif_init_timeout_ms;
        let weak = Rc::downgrade(self);
        let timeout = Timeout::new(wait.min(i32::MAX as u64) as u32, move || {
            if let Some(me) = weak.upgrade() {
                me.unavailable(format!("no CIFInitDone within {wait} ms"));
            }
        });
        *self.timeout.borrow_mut() = Some(timeout);
        if let Some((url, origin)) = script {
            if let Err(e) = self.inject(&url, &origin) {
                self.unavailable(e.to_string());
            }
        }
    }

    fn inject(self: &Rc<Self>, url: &str, origin: &str) -> Result<(), StartupError> {
        let document = self.page.document();
        let script: HtmlScriptElement = document
            .create_element("script")
            .map_err(|e| StartupError::js("document.createElement(script)", &e))?
            .unchecked_into();
        script.set_src(url);
        let _ = script.set_attribute("data-crmurl", origin);
        let _ = script.set_attribute("data-cifid", "CIFMainLibrary");
        let weak = Rc::downgrade(self);
        let failed_url = url.to_owned();
        let on_error = EventListener::once(&script, "error", move |_| {
            if let Some(me) = weak.upgrade() {
                me.unavailable(format!("the CIF library could not be loaded from {failed_url}"));
            }
        });
        self.listeners.borrow_mut().push(on_error);
        let parent: Element = match document.head() {
            Some(head) => head.into(),
            None => self.page.ccp_container().clone(),
        };
        parent
            .append_child(&script)
            .map_err(|e| StartupError::js("appendChild(script)", &e))?;
        Ok(())
    }

    /// No CIF (timeout, load error, not configured): say so, tell the core, and let the CCP start.
    fn unavailable(self: &Rc<Self>, reason: String) {
        if self.state.get() != CifState::Waiting {
            return;
        }
        self.state.set(CifState::Unavailable);
        console::warn(&format!("Dynamics not connected: {reason}"));
        self.page.set_dynamics(&DynamicsStatus::NotConnected(reason.clone()));
        if let Some(driver) = self.driver.upgrade() {
            driver.cif_unavailable(reason);
        }
        self.start_ccp();
    }

    /// `CIFInitDone`: read Custom Parameters first (getEnvironment is the first CIF call), then go live.
    fn init_done(self: &Rc<Self>) {
        if matches!(self.state.get(), CifState::Initialising | CifState::Ready) {
            return;
        }
        if self.state.get() == CifState::Unavailable {
            console::info("CIFInitDone arrived after the bridge had given up waiting; connecting to Dynamics now");
        }
        self.state.set(CifState::Initialising);
        let spent = self.timeout.borrow_mut().take();
        drop(spent);
        let me = Rc::downgrade(self);
        wasm_bindgen_futures::spawn_local(async move {
            let correlation_id = ids::shell_correlation_id("getEnvironment");
            let environment = cif::get_environment(&correlation_id).await;
            let Some(me) = Weak::upgrade(&me) else { return };
            me.apply_environment(environment);
            me.state.set(CifState::Ready);
            let Some(driver) = me.driver.upgrade() else {
                return;
            };
            driver.cif_ready();
            driver.register_dynamics_handlers();
            me.page.set_dynamics(&DynamicsStatus::Connected);
            me.start_ccp();
            drop(driver);
            cif::enable_click_to_act(&ids::shell_correlation_id("setClickToAct")).await;
        });
    }

    fn apply_environment(&self, environment: CifOutcome) {
        let value = match environment {
            CifOutcome::Resolved(value) => value,
            other => {
                console::warn(&format!(
                    "getEnvironment() failed ({other:?}); Custom Parameters are not applied"
                ));
                return;
            }
        };
        let layer = match layers::from_environment(&value) {
            Ok(Some(layer)) => layer,
            Ok(None) => return,
            Err(e) => {
                show_error(&self.page, &format!("Custom Parameters ignored: {e}"));
                return;
            }
        };
        let with_custom = {
            let mut all: Vec<ConfigLayer> = self
                .layers
                .borrow()
                .iter()
                .filter(|l| l.source != ConfigSource::CustomParams)
                .cloned()
                .collect();
            all.push(layer);
            all.sort_by_key(|l| l.source);
            all
        };
        let (config, errors) = Config::resolve(&with_custom);
        for e in errors.iter().filter(|e| e.source == ConfigSource::CustomParams) {
            show_error(&self.page, &e.to_string());
        }
        if !self.ccp_pending.get() && config.ccp_url != self.config.borrow().ccp_url {
            console::warn(
                "ccpUrl from Custom Parameters is not applied: the CCP was already loaded from the page's own \
                 configuration (URL or config.json)",
            );
        }
        *self.layers.borrow_mut() = with_custom;
        *self.config.borrow_mut() = config.clone();
        if let Some(driver) = self.driver.upgrade() {
            driver.set_config(config);
        }
    }

    /// Loads the CCP once, if `ccpUrl` is acceptable; otherwise a clear error and no `initCCP`.
    fn start_ccp(self: &Rc<Self>) {
        if !self.ccp_pending.replace(false) {
            return;
        }
        let config = self.config.borrow().clone();
        let layers = self.layers.borrow().clone();
        let result = match config.ccp_url.as_deref() {
            Some(url) if acceptable_ccp_url(url) && config.connect_origin_allowed(url) => self.init_ccp(url, &config),
            Some(url) => Err(StartupError::CcpUrl {
                value: url.to_owned(),
                expected: CCP_URL_EXPECTED,
            }),
            None => Err(StartupError::CcpUrl {
                value: layers::raw_value(&layers, "ccpUrl").unwrap_or_default(),
                expected: CCP_URL_EXPECTED,
            }),
        };
        if let Err(e) = result {
            show_error(&self.page, &e.to_string());
            let why = match e {
                StartupError::CcpUrl { .. } => "no valid ccpUrl configured".to_owned(),
                StartupError::Ccp(failure) => failure.message(),
                other => other.to_string(),
            };
            self.page.set_ccp(&CcpStatus::Failed(why));
        }
    }

    /// The "Retry" button: `connect.core.terminate()`, remove the old iframe, forget the old subscriptions, then
    /// `initCCP` again (Streams reference §1.2: without removing the iframe the next `initCCP` is a no-op). The
    /// page, the core and its contacts stay; the new CCP's first snapshot delivers the live contacts again.
    fn retry_ccp(self: &Rc<Self>) {
        console::info("CCP: retrying (terminate Streams, remove the iframe, initCCP again)");
        terminate_streams();
        let container = self.page.ccp_container();
        while let Some(child) = container.first_element_child() {
            child.remove();
        }
        if let Some(driver) = self.driver.upgrade() {
            driver.release_streams();
        }
        self.ccp_pending.set(true);
        self.start_ccp();
    }

    fn init_ccp(self: &Rc<Self>, url: &str, config: &Config) -> Result<(), StartupError> {
        // The secondary CCP is loaded into this page too, and the login pop-up is where the agent types
        // credentials: both are held to the same sink checks as ccpUrl.
        let at_sink = |u: &Option<String>| {
            u.clone()
                .filter(|u| acceptable_ccp_url(u) && config.connect_origin_allowed(u))
        };
        let secondary = at_sink(&config.secondary_ccp_url);
        let login_url = at_sink(&config.login_url);
        let resiliency = GlobalResiliency::decide(
            config.enable_global_resiliency,
            secondary.is_some(),
            login_url.is_some(),
        );
        if let Some(problem) = resiliency.problem() {
            show_error(&self.page, &problem);
        }
        let params = CcpParams {
            ccp_url: url,
            secondary_ccp_url: secondary.as_deref(),
            enable_global_resiliency: resiliency.enabled(),
            login_url: login_url.as_deref(),
            region: config.region.as_deref(),
            login_popup: config.login_popup,
            login_popup_auto_close: config.login_popup_auto_close,
            softphone: Softphone {
                allow_framed_softphone: config.allow_framed_softphone,
                disable_ringtone: config.disable_ringtone,
            },
        };
        *self.ccp_params.borrow_mut() = serde_json::to_value(&params).ok();
        let params = crate::convert::to_js(&params).map_err(|e| StartupError::Js {
            call: "initCCP parameters",
            detail: e.to_string(),
        })?;
        sys::streams::init_ccp(self.page.ccp_container(), &params).map_err(|e| {
            // The fact (what was thrown: its name and message); the core says what it means.
            let name = Reflect::get(&e, &JsValue::from_str("name"))
                .ok()
                .and_then(|n| n.as_string())
                .unwrap_or_default();
            let message = Reflect::get(&e, &JsValue::from_str("message"))
                .ok()
                .and_then(|m| m.as_string())
                .unwrap_or_else(|| crate::convert::js_text(&e));
            StartupError::Ccp(CcpFailure::from_init_error(&name, &message))
        })?;
        self.page.set_ccp(&CcpStatus::Loading);
        if let Some(driver) = self.driver.upgrade() {
            if let Err(e) = driver.subscribe_streams() {
                show_error(&self.page, &format!("Amazon Connect Streams subscriptions failed: {e}"));
            }
        }
        self.watch_for_answer();
        Ok(())
    }

    /// The iframe exists now, but whether the CCP in it answers only Streams sees (a frame refused by
    /// `frame-ancestors` is opaque to this page): if the status line still says "loading…" after
    /// [`CCP_ANSWER_WAIT_MS`], it says the CCP is not answering and what to check (the core's text). A later
    /// `onInitialized` still makes it ready; a Retry starts a new watch.
    fn watch_for_answer(self: &Rc<Self>) {
        let weak = Rc::downgrade(self);
        let watch = Timeout::new(CCP_ANSWER_WAIT_MS, move || {
            let Some(me) = weak.upgrade() else { return };
            if me.page.ccp_loading() {
                let failure = CcpFailure::NotAnswering;
                let why = failure.message();
                console::error(&format!("{}: CCP: {why}", failure.code()));
                me.page.set_ccp(&CcpStatus::NotAnswering(why));
            }
        });
        let old = self.answer_watch.borrow_mut().replace(watch);
        drop(old);
    }
}

const CCP_URL_EXPECTED: &str =
    "an https:// Amazon Connect CCP URL such as https://<instance>.my.connect.aws/ccp-v2/ (http:// only for localhost or 127.0.0.1), \
     whose origin is in allowedConnectOrigins when config.json sets that list";

/// `connect.core.terminate()` (unsubscribes everything, resets Streams' initialised flags), plus what it leaves
/// behind: the iframe refresh timer and attempt counter, so a retried CCP gets its full refresh budget again.
fn terminate_streams() {
    let get = |target: &JsValue, key: &str| Reflect::get(target, &JsValue::from_str(key)).ok();
    let Some(core) = get(&js_sys::global(), "connect").and_then(|c| get(&c, "core")) else {
        return;
    };
    if let Some(f) = get(&core, "terminate").and_then(|f| f.dyn_into::<Function>().ok()) {
        if let Err(e) = f.call0(&core) {
            console::warn(&format!(
                "connect.core.terminate() failed: {}",
                crate::convert::js_text(&e)
            ));
        }
    }
    if let (Some(window), Some(handle)) = (
        web_sys::window(),
        get(&core, "iframeRefreshTimeout").and_then(|t| t.as_f64()),
    ) {
        window.clear_timeout_with_handle(handle as i32);
    }
    let _ = Reflect::set(
        &core,
        &JsValue::from_str("iframeRefreshAttempt"),
        &JsValue::from_f64(0.0),
    );
}

/// `window.connectCifBridgeDiagnostics()`: read-only counters for support and for the memory test (issue 6):
/// `{trackedContacts, coreContacts, openSessions, wasmMemoryBytes, cifPending, heldJsValues,
/// initCcpParams, tabRole}`. `initCcpParams` is what the last `connect.core.initCCP` was given (no secrets: URLs
/// and switches), so support and the end-to-end tests see what Streams was asked for without reading Streams'
/// internals. Removed when the shell drops.
struct DiagnosticsHook {
    _closure: Closure<dyn FnMut() -> JsValue>,
}

impl std::fmt::Debug for DiagnosticsHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DiagnosticsHook")
    }
}

const DIAGNOSTICS_GLOBAL: &str = "connectCifBridgeDiagnostics";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Diagnostics {
    tracked_contacts: usize,
    core_contacts: usize,
    open_sessions: usize,
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
    fn install(driver: WeakDriver, cif: Weak<CifStartup>) -> DiagnosticsHook {
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
                init_ccp_params: cif.upgrade().and_then(|c| c.ccp_params.borrow().clone()),
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

/// A last check at the sink, whatever the configuration said: https (any host), or http on the loopback only;
/// no credentials in the URL. (`javascript:`, `data:` and plain http to other hosts never reach `initCCP`.)
pub fn acceptable_ccp_url(url: &str) -> bool {
    let Ok(parsed) = web_sys::Url::new(url) else {
        return false;
    };
    if !parsed.username().is_empty() || !parsed.password().is_empty() {
        return false;
    }
    match parsed.protocol().as_str() {
        "https:" => !parsed.hostname().is_empty(),
        "http:" => matches!(parsed.hostname().as_str(), "localhost" | "127.0.0.1"),
        _ => false,
    }
}

/// What an earlier instance of the page stored, read before anything async (a probe write first: a frame that
/// can read but not write must not trust what it reads).
fn read_storage(prefix: &str) -> Result<RestoredState, String> {
    storage::probe(prefix).and_then(|()| storage::read(prefix))
}

fn show_error(page: &Page, text: &str) {
    console::error(text);
    page.show_error(text);
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CcpParams<'a> {
    ccp_url: &'a str,
    #[serde(rename = "secondaryCCPUrl", skip_serializing_if = "Option::is_none")]
    secondary_ccp_url: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    enable_global_resiliency: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    login_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<&'a str>,
    login_popup: bool,
    login_popup_auto_close: bool,
    softphone: Softphone,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Softphone {
    allow_framed_softphone: bool,
    disable_ringtone: bool,
}
