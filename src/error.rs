//! The shell's own errors, typed so that each message names what failed, where, and what was expected.
//!
//! Why typed: a failure in the shell is either untrusted input (a Streams getter that threw, a bad config file)
//! or a missing dependency (Streams or CIF not on the page). The page and the console show these texts, so their
//! wording names the contact, the field and the expectation, as the spec's "bad input" section asks.

use std::fmt;

use wasm_bindgen::JsValue;

use crate::convert::js_text;

/// A Streams getter on one contact threw or returned the wrong type; the field becomes `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetterError {
    /// The contact id (already read), or `?` when even that failed.
    pub contact: String,
    /// The getter, e.g. `initial connection getEndpoint().phoneNumber` (named by `src/js/helpers.js`, contact part).
    pub field: String,
    /// What the bridge expected to get.
    pub expected: String,
    /// What happened instead (the JS error text, or the type found).
    pub found: String,
}

impl fmt::Display for GetterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "contact {}: could not read {} (expected {}): {}",
            self.contact, self.field, self.expected, self.found
        )
    }
}

/// What can stop the page from starting part of its work. None of them stop the rest of the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartupError {
    /// `config.json` was found but is not a JSON object.
    ConfigFile {
        /// The file's URL as requested.
        file: String,
        /// Why it was refused.
        reason: String,
    },
    /// A JS call the shell needs threw.
    Js {
        /// What the shell was doing, e.g. `connect.core.initCCP`.
        call: &'static str,
        /// The JS error text.
        detail: String,
    },
    /// The page lacks something the shell must have (`window`, `document`).
    NoDocument,
}

impl StartupError {
    /// Wraps a thrown JS value for `call`.
    pub fn js(call: &'static str, thrown: &JsValue) -> StartupError {
        StartupError::Js {
            call,
            detail: js_text(thrown),
        }
    }
}

impl fmt::Display for StartupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartupError::ConfigFile { file, reason } => {
                write!(
                    f,
                    "configuration file {file} refused: {reason}; expected a JSON object of configuration keys"
                )
            }
            StartupError::Js { call, detail } => write!(f, "{call} failed: {detail}"),
            StartupError::NoDocument => f.write_str("no window/document: the bridge must run in a browser page"),
        }
    }
}

impl std::error::Error for StartupError {}
impl std::error::Error for GetterError {}
