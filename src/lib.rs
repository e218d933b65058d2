//! Browser shell of connect-cif-bridge: the channel provider page's Rust side.
//!
//! The sans-IO core (`bridge-core`) makes every decision; this crate only translates. Streams events and CIF
//! results come in as [`bridge_core::Input`]s stamped by one clock, [`bridge_core::Command`]s go out as
//! Streams and `Microsoft.CIFramework` calls, sessionStorage writes and console/page reports.
//!
//! Layout: `sys/` holds raw `catch` bindings with no logic; `streams`, `cif`, `layers` are typed adapters;
//! `driver` is the loop; `startup` gathers what the page starts from and hands it to the core; `ccp` carries out
//! the core's CCP commands; `page` and `trace` are the DOM; `diagnostics` is the support hook.
//!
//! The JS API of the built module is one function, [`start`], which `www/index.js` calls after importing
//! Streams and TaskJS. Everything is wasm-only: on other targets this crate is empty, so a native
//! `cargo test` of the workspace still builds.

#[cfg(target_arch = "wasm32")]
pub mod ccp;
#[cfg(target_arch = "wasm32")]
pub mod cif;
#[cfg(target_arch = "wasm32")]
pub mod clock;
#[cfg(target_arch = "wasm32")]
pub mod console;
#[cfg(target_arch = "wasm32")]
pub mod convert;
#[cfg(target_arch = "wasm32")]
pub mod diagnostics;
#[cfg(target_arch = "wasm32")]
pub mod driver;
#[cfg(target_arch = "wasm32")]
pub mod error;
#[cfg(target_arch = "wasm32")]
pub mod ids;
#[cfg(target_arch = "wasm32")]
pub mod layers;
#[cfg(target_arch = "wasm32")]
pub mod leadership;
#[cfg(target_arch = "wasm32")]
pub mod metrics;
#[cfg(target_arch = "wasm32")]
pub mod page;
#[cfg(target_arch = "wasm32")]
pub mod startup;
#[cfg(target_arch = "wasm32")]
pub mod storage;
#[cfg(target_arch = "wasm32")]
pub mod streams;
#[cfg(target_arch = "wasm32")]
pub mod sys;
#[cfg(target_arch = "wasm32")]
pub mod trace;

#[cfg(target_arch = "wasm32")]
pub use startup::{CifLibrary, Shell, ShellOptions};

#[cfg(target_arch = "wasm32")]
mod entry {
    use std::cell::RefCell;

    use wasm_bindgen::prelude::*;

    use crate::startup::{Shell, ShellOptions};

    thread_local! {
        /// The page's one shell, kept for the page's lifetime (the way gloo keeps its one popstate listener).
        static SHELL: RefCell<Option<Shell>> = const { RefCell::new(None) };
        static STARTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// Starts the bridge on this page: panic hook, configuration, CIF, the CCP. A second call does nothing.
    #[wasm_bindgen]
    pub fn start() {
        console_error_panic_hook::set_once();
        if STARTED.with(|s| s.replace(true)) {
            crate::console::warn("start() called again; the bridge is already running");
            return;
        }
        wasm_bindgen_futures::spawn_local(async {
            let options = match ShellOptions::for_page() {
                Ok(options) => options,
                Err(e) => {
                    crate::console::error(&e.to_string());
                    return;
                }
            };
            match Shell::launch(options).await {
                Ok(shell) => SHELL.with(|s| *s.borrow_mut() = Some(shell)),
                Err(e) => crate::console::error(&format!("the bridge did not start: {e}")),
            }
        });
    }
}

#[cfg(target_arch = "wasm32")]
pub use entry::start;
