//! The diagnostics bar: "Copy trace" and "Download trace" export the core's bounded trace.
//!
//! Why: an agent reporting "the screen pop didn't happen" can hand support the exact events and calls, without
//! devtools. The trace text comes from the core (already redacted there); this file only moves it.

use gloo::events::EventListener;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, HtmlElement, Url};

use crate::convert::js_text;
use crate::driver::WeakDriver;
use crate::page::Page;
use crate::{clock, console, sys};

/// The two buttons' click listeners; dropping them detaches the buttons.
#[derive(Debug)]
pub struct TraceButtons {
    _copy: EventListener,
    _download: EventListener,
}

impl TraceButtons {
    /// Wires the page's buttons to the driver's trace.
    pub fn attach(page: &Page, driver: WeakDriver) -> TraceButtons {
        let d = driver.clone();
        let notice_page = page.clone();
        let copy = EventListener::new(page.copy_trace_button(), "click", move |_| {
            let Some(driver) = d.upgrade() else { return };
            let text = driver.export_trace();
            match sys::browser::clipboard_write_text(&text) {
                Ok(promise) => {
                    let page = notice_page.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        match wasm_bindgen_futures::JsFuture::from(promise).await {
                            Ok(_) => page.show_notice("Trace copied to the clipboard.", "info"),
                            Err(e) => copy_failed(&page, &js_text(&e)),
                        }
                    });
                }
                Err(e) => copy_failed(&notice_page, &js_text(&e)),
            }
        });
        let page_for_download = page.clone();
        let download = EventListener::new(page.download_trace_button(), "click", move |_| {
            let Some(driver) = driver.upgrade() else {
                return;
            };
            if let Err(e) = download(&page_for_download, &driver.export_trace()) {
                console::error(&format!("trace download failed: {e}"));
            }
        });
        TraceButtons {
            _copy: copy,
            _download: download,
        }
    }
}

fn copy_failed(page: &Page, why: &str) {
    console::warn(&format!("copying the trace failed: {why}"));
    page.show_notice("Copying the trace failed; use Download trace instead.", "warning");
}

fn download(page: &Page, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&text.into());
    let options = BlobPropertyBag::new();
    options.set_type("application/json");
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options).map_err(|e| js_text(&e))?;
    let url = Url::create_object_url_with_blob(&blob).map_err(|e| js_text(&e))?;
    let anchor = page.document().create_element("a").map_err(|e| js_text(&e))?;
    let _ = anchor.set_attribute("href", &url);
    let _ = anchor.set_attribute("download", &format!("connect-cif-bridge-trace-{}.json", clock::now().0));
    if let Some(a) = anchor.dyn_ref::<HtmlElement>() {
        a.click();
    }
    // Revoked a little later: some browsers start reading the blob after the click returns.
    wasm_bindgen_futures::spawn_local(async move {
        gloo_timers::future::TimeoutFuture::new(10_000).await;
        let _ = Url::revoke_object_url(&url);
    });
    Ok(())
}
