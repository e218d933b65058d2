//! Start-up: what the page starts from (storage, configuration layers), the listeners for the facts only the
//! page sees (`CIFInitDone`, the Retry button), and the [`Shell`] that owns it all for the page's lifetime.
//!
//! Why so little here: the order of things (spec §1) — storage first, then configuration, then CIF and the CCP in
//! parallel — is this file's; every decision after that (which CIF library, how long to wait for it, Custom
//! Parameters, whether and with what the CCP starts, what the status line says) is the core's
//! (`bridge-core`'s `bridge/startup.rs`), which the driver carries out.

use bridge_core::{Bridge, Config, ConfigError, ConfigLayer, Input, RestoredState, StartupInput};
use gloo::events::EventListener;
use wasm_bindgen::JsCast;
use web_sys::{Element, EventTarget, HtmlScriptElement};

pub use bridge_core::CifLibrary;

use crate::diagnostics::DiagnosticsHook;
use crate::driver::{Driver, WeakDriver};
use crate::error::StartupError;
use crate::page::Page;
use crate::trace::TraceButtons;
use crate::{clock, console, ids, layers, storage};

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

/// The running bridge: the driver and the page's listeners. Dropping it releases every subscription, handler and
/// timer it made (the page keeps one in a `thread_local` for its lifetime).
#[derive(Debug)]
pub struct Shell {
    _diagnostics: DiagnosticsHook,
    _trace: TraceButtons,
    /// `CIFInitDone` and the Retry button.
    _listeners: Vec<EventListener>,
    page: Page,
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
                Err(e) => {
                    show_error(
                        &page,
                        &format!(
                            "{e}; until it is fixed, allowedConnectOrigins and allowedDynamicsOrigins allow nothing"
                        ),
                    );
                    all.push(ConfigLayer::unreadable_config_file());
                }
            }
        }
        all.push(layers::from_query(&options.query));
        let (config, errors) = Config::resolve(&all);
        Shell::start_inner(page, config, all, errors, restored, options)
    }

    /// Starts from an already resolved configuration: `layers` (defaults, file, URL) are kept by the core to
    /// re-resolve when Custom Parameters arrive; `errors` are shown on the page and in the console.
    pub fn start_with(
        config: Config,
        layers: Vec<ConfigLayer>,
        errors: Vec<ConfigError>,
        options: ShellOptions,
    ) -> Result<Shell, StartupError> {
        let restored = read_storage(&options.storage_key);
        let page = Page::attach(&options.root)?;
        Shell::start_inner(page, config, layers, errors, restored, options)
    }

    fn start_inner(
        page: Page,
        config: Config,
        layers: Vec<ConfigLayer>,
        errors: Vec<ConfigError>,
        restored: Result<RestoredState, String>,
        options: ShellOptions,
    ) -> Result<Shell, StartupError> {
        for e in &errors {
            show_error(&page, &e.to_string());
        }
        let driver = Driver::new(
            // The nonce keeps this page load's notification tokens and correlation ids apart from any earlier one's.
            Bridge::new(config, clock::now()).with_page_nonce(&ids::fresh_id()),
            page.clone(),
            options.storage_key.clone(),
        );
        match restored {
            Ok(r) if r.contacts.is_some() || r.handled.iter().any(Option::is_some) => driver.feed(Input::Restore(r)),
            Ok(_) => {}
            Err(reason) => driver.feed(Input::StorageUnavailable { reason }),
        }
        let trace = TraceButtons::attach(&page, driver.downgrade());
        let mut listeners = vec![reporting(
            page.ccp_retry_button(),
            "click",
            Fires::EveryTime,
            driver.downgrade(),
            StartupInput::RetryClicked,
        )];
        if let Some(window) = web_sys::window() {
            listeners.push(reporting(
                &window,
                "CIFInitDone",
                Fires::Once,
                driver.downgrade(),
                StartupInput::CifInitDone,
            ));
        }
        driver.feed(Input::Startup(StartupInput::Begin {
            layers,
            cif_library: options.cif_library,
        }));
        Ok(Shell {
            _diagnostics: DiagnosticsHook::install(driver.downgrade()),
            _trace: trace,
            _listeners: listeners,
            page,
            driver,
        })
    }

    /// The driver (for tests and diagnostics).
    pub fn driver(&self) -> &Driver {
        &self.driver
    }

    /// The page parts the shell writes to.
    pub fn page(&self) -> &Page {
        &self.page
    }

    /// The configuration in force (after Custom Parameters, once they arrived).
    pub fn config(&self) -> Config {
        self.driver.inspect(|b| b.config().clone())
    }
}

/// Whether a [`reporting`] listener reports its event once (then stays silent until dropped) or every time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fires {
    /// `CIFInitDone` and the script's `error` happen once per page; a second one is not a new fact.
    Once,
    /// The Retry button can be clicked again after each failure.
    EveryTime,
}

/// A listener that reports `fact` to the core when `event` fires on `target`, if the driver is still there (the
/// listener holds it weakly, so a dropped [`Shell`] is not kept alive by the page's events).
fn reporting(
    target: &EventTarget,
    event: &'static str,
    fires: Fires,
    driver: WeakDriver,
    fact: StartupInput,
) -> EventListener {
    let report = move |_: &web_sys::Event| {
        if let Some(driver) = driver.upgrade() {
            driver.feed(Input::Startup(fact.clone()));
        }
    };
    match fires {
        Fires::Once => EventListener::once(target, event, report),
        Fires::EveryTime => EventListener::new(target, event, report),
    }
}

/// Adds `<script src=url data-crmurl=crm_origin data-cifid="CIFMainLibrary">` to the page's head; the returned
/// listener reports the script's `error` event as [`StartupInput::CifScriptFailed`] until it drops.
pub fn inject_cif_library(
    page: &Page,
    url: &str,
    crm_origin: &str,
    driver: WeakDriver,
) -> Result<EventListener, StartupError> {
    let document = page.document();
    let script: HtmlScriptElement = document
        .create_element("script")
        .map_err(|e| StartupError::js("document.createElement(script)", &e))?
        .unchecked_into();
    script.set_src(url);
    let _ = script.set_attribute("data-crmurl", crm_origin);
    let _ = script.set_attribute("data-cifid", "CIFMainLibrary");
    let on_error = reporting(&script, "error", Fires::Once, driver, StartupInput::CifScriptFailed);
    let parent: Element = match document.head() {
        Some(head) => head.into(),
        None => page.ccp_container().clone(),
    };
    parent
        .append_child(&script)
        .map_err(|e| StartupError::js("appendChild(script)", &e))?;
    Ok(on_error)
}

/// What an earlier instance of the page stored, read before anything async (a probe write first: a frame that
/// can read but not write must not trust what it reads).
fn read_storage(prefix: &str) -> Result<RestoredState, String> {
    storage::probe(prefix).and_then(|()| storage::read(prefix))
}

/// Errors found before the core runs (the configuration file, refused values): the errors box and the console.
fn show_error(page: &Page, text: &str) {
    console::error(text);
    page.show_error(text);
}
