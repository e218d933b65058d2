//! The page's own DOM: status line, errors box, notices, the CCP container and the diagnostics bar.
//!
//! Why separate: the page runs under a strict CSP, so every text is set with `textContent` and every look is a
//! class from `style.css`; keeping all DOM writes here makes that easy to check. Elements are found by
//! `data-bridge` attribute under a root and created when missing, so tests can hand over an empty `<div>`.

pub use bridge_core::{CcpStatus, DynamicsStatus};
use bridge_core::{FocusStatus, RoleView, StatusView};
use web_sys::{Document, Element};

use crate::error::StartupError;

/// At most this many notices stay on the page (the oldest go first).
const MAX_NOTICES: u32 = 20;
/// At most this many errors stay on the page.
const MAX_ERRORS: u32 = 50;

/// Handles to the page's elements.
#[derive(Debug, Clone)]
pub struct Page {
    document: Document,
    dynamics: Element,
    ccp_status: Element,
    focus: Element,
    errors: Element,
    notices: Element,
    ccp: Element,
    ccp_retry: Element,
    tabs: Element,
    tabs_text: Element,
    take_over: Element,
    copy_trace: Element,
    download_trace: Element,
}

impl Page {
    /// Finds (or creates) the page's parts under `root`.
    pub fn attach(root: &Element) -> Result<Page, StartupError> {
        let document = root.owner_document().ok_or(StartupError::NoDocument)?;
        let part = |parent: &Element, role: &str, tag: &str, class: &str, text: &str| {
            part(&document, parent, role, tag, class, text)
        };
        let status = part(root, "status", "div", "status-line", "")?;
        // Each status value sits in a labelled item ("CCP: <value>"), made with it when the page has none.
        let status_value = |role: &str, label: &str| -> Result<Element, StartupError> {
            match find(&status, role) {
                Some(found) => Ok(found),
                None => {
                    let item = add(&document, &status, "span", "status-item", label)?;
                    part(&item, role, "span", "", "")
                }
            }
        };
        let dynamics = status_value("dynamics-status", "Dynamics: ")?;
        let ccp_status = status_value("ccp-status", "CCP: ")?;
        // Which contact's session the agent is looking at in Dynamics (none until a session is focused).
        let focus = status_value("focus-status", "Looking at: ")?;
        // "Retry" beside the CCP status, shown only while the CCP has failed (the `hidden` attribute needs no CSS).
        let ccp_retry = part(&status, "ccp-retry", "button", "ccp-retry", "Retry")?;
        // Shown only while another Dynamics tab of the agent handles contacts, with the button that takes over.
        let tabs = part(root, "tabs", "div", "tabs-line", "")?;
        let tabs_text = part(&tabs, "tabs-status", "span", "", "")?;
        let take_over = part(&tabs, "take-over", "button", "", "Handle contacts here")?;
        let _ = tabs.set_attribute("hidden", "");
        let errors = part(root, "errors", "ul", "errors", "")?;
        let notices = part(root, "notices", "ul", "notices", "")?;
        let ccp = part(root, "ccp", "div", "ccp", "")?;
        let diagnostics = part(root, "diagnostics", "div", "diagnostics", "")?;
        let copy_trace = part(&diagnostics, "copy-trace", "button", "", "Copy trace")?;
        let download_trace = part(&diagnostics, "download-trace", "button", "", "Download trace")?;
        let page = Page {
            document,
            dynamics,
            ccp_status,
            focus,
            errors,
            notices,
            ccp,
            ccp_retry,
            tabs,
            tabs_text,
            take_over,
            copy_trace,
            download_trace,
        };
        // What the core takes the page to show before it says anything.
        page.set_dynamics(&DynamicsStatus::default());
        page.set_ccp(&CcpStatus::default());
        page.set_focus(&FocusStatus::default());
        Ok(page)
    }

    /// Shows one part of the status line, as the core words it.
    pub fn show_status(&self, view: &StatusView) {
        match view {
            StatusView::Dynamics(status) => self.set_dynamics(status),
            StatusView::Ccp(status) => self.set_ccp(status),
            StatusView::Focus(status) => self.set_focus(status),
        }
    }

    fn set_dynamics(&self, status: &DynamicsStatus) {
        set_status(&self.dynamics, &status.text(), status.tone().class());
    }

    /// The CCP's part comes with the Retry button while the status offers it.
    fn set_ccp(&self, status: &CcpStatus) {
        set_status(&self.ccp_status, &status.text(), status.tone().class());
        let _ = if status.offers_retry() {
            self.ccp_retry.remove_attribute("hidden")
        } else {
            self.ccp_retry.set_attribute("hidden", "")
        };
    }

    /// Shows the tabs line (and the take-over button) as the core words it for this page's role.
    pub fn show_role(&self, role: RoleView) {
        let Some(text) = role.text() else {
            let _ = self.tabs.set_attribute("hidden", "");
            return;
        };
        self.tabs_text.set_text_content(Some(text));
        let _ = if role.offers_take_over() {
            self.take_over.remove_attribute("hidden")
        } else {
            self.take_over.set_attribute("hidden", "")
        };
        let _ = self.tabs.remove_attribute("hidden");
    }

    /// The tabs line's text when shown, else `None` (for tests and diagnostics).
    pub fn role_text(&self) -> Option<String> {
        (!self.tabs.has_attribute("hidden")).then(|| self.tabs_text.text_content().unwrap_or_default())
    }

    /// The "Handle contacts here" button.
    pub fn take_over_button(&self) -> &Element {
        &self.take_over
    }

    fn set_focus(&self, status: &FocusStatus) {
        set_status(&self.focus, status.text(), status.tone().class());
    }

    /// The status line's focus value, as the core worded it.
    pub fn focus(&self) -> String {
        self.focus.text_content().unwrap_or_default()
    }

    /// Adds an error to the errors box (configuration errors, start-up failures).
    pub fn show_error(&self, text: &str) {
        self.append_bounded(&self.errors, text, "error", MAX_ERRORS);
    }

    /// Adds a notice for the agent (reports the core marked `agent_visible`).
    pub fn show_notice(&self, text: &str, class: &str) {
        self.append_bounded(&self.notices, text, class, MAX_NOTICES);
    }

    /// The texts in the errors box, oldest first (for tests and the diagnostics export).
    pub fn errors(&self) -> Vec<String> {
        texts(&self.errors)
    }

    /// The texts of the notices, oldest first.
    pub fn notices(&self) -> Vec<String> {
        texts(&self.notices)
    }

    /// The status line's two values: (Dynamics, CCP).
    pub fn status(&self) -> (String, String) {
        (
            self.dynamics.text_content().unwrap_or_default(),
            self.ccp_status.text_content().unwrap_or_default(),
        )
    }

    /// The element the CCP iframe goes into.
    pub fn ccp_container(&self) -> &Element {
        &self.ccp
    }

    /// The CCP "Retry" button (shown while the CCP has failed): terminate Streams, remove the iframe, initCCP again.
    pub fn ccp_retry_button(&self) -> &Element {
        &self.ccp_retry
    }

    /// The "Copy trace" button.
    pub fn copy_trace_button(&self) -> &Element {
        &self.copy_trace
    }

    /// The "Download trace" button.
    pub fn download_trace_button(&self) -> &Element {
        &self.download_trace
    }

    /// The document the page lives in.
    pub fn document(&self) -> &Document {
        &self.document
    }

    fn append_bounded(&self, list: &Element, text: &str, class: &str, max: u32) {
        let Ok(li) = self.document.create_element("li") else {
            return;
        };
        li.set_class_name(class);
        li.set_text_content(Some(text));
        let _ = list.append_child(&li);
        while list.child_element_count() > max {
            match list.first_element_child() {
                Some(first) => first.remove(),
                None => break,
            }
        }
    }
}

/// The element marked `data-bridge=role` under `parent`, or a new `tag` of `class` with `text`, so marked and
/// appended (buttons get `type=button`, so none ever submits a form of the host page).
fn part(
    document: &Document,
    parent: &Element,
    role: &str,
    tag: &str,
    class: &str,
    text: &str,
) -> Result<Element, StartupError> {
    if let Some(found) = find(parent, role) {
        return Ok(found);
    }
    let el = add(document, parent, tag, class, text)?;
    let _ = el.set_attribute("data-bridge", role);
    if tag == "button" {
        let _ = el.set_attribute("type", "button");
    }
    Ok(el)
}

fn find(parent: &Element, role: &str) -> Option<Element> {
    parent
        .query_selector(&format!("[data-bridge=\"{role}\"]"))
        .ok()
        .flatten()
}

/// A new `tag` of `class` with `text` (either may be empty), appended to `parent`.
fn add(document: &Document, parent: &Element, tag: &str, class: &str, text: &str) -> Result<Element, StartupError> {
    let el = document
        .create_element(tag)
        .map_err(|e| StartupError::js("document.createElement", &e))?;
    if !class.is_empty() {
        el.set_class_name(class);
    }
    if !text.is_empty() {
        el.set_text_content(Some(text));
    }
    parent
        .append_child(&el)
        .map_err(|e| StartupError::js("appendChild", &e))?;
    Ok(el)
}

fn set_status(el: &Element, text: &str, class: &str) {
    el.set_text_content(Some(text));
    el.set_class_name(&format!("status-value {class}"));
}

fn texts(list: &Element) -> Vec<String> {
    let children = list.children();
    (0..children.length())
        .filter_map(|i| children.item(i))
        .filter_map(|c| c.text_content())
        .collect()
}
