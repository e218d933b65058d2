//! Console output with one prefix, so an admin can filter the bridge's lines in a busy Dynamics page.

use bridge_core::Severity;

const PREFIX: &str = "[connect-cif-bridge]";

/// `console.error`.
pub fn error(message: &str) {
    web_sys::console::error_1(&format!("{PREFIX} {message}").into());
}

/// `console.warn`.
pub fn warn(message: &str) {
    web_sys::console::warn_1(&format!("{PREFIX} {message}").into());
}

/// `console.info`.
pub fn info(message: &str) {
    web_sys::console::info_1(&format!("{PREFIX} {message}").into());
}

/// The console method matching a core report's severity.
pub fn by_severity(severity: Severity, message: &str) {
    match severity {
        Severity::Error => error(message),
        Severity::Warning => warn(message),
        Severity::Info => info(message),
    }
}
