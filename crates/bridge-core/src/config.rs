//! Layered configuration: built-in defaults → `config.json` → CIF Custom Parameters → URL query.
//!
//! CONTRACT STUB written by the lead: field names and signatures are fixed for the shell; the core
//! owner fills in validation and the remaining keys (see the README's configuration table).

use std::fmt;

use serde_json::{Map, Value};

/// Where a configuration value came from, lowest precedence first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConfigSource {
    /// Compiled into the bridge.
    Defaults,
    /// `config.json` beside the page.
    ConfigFile,
    /// The channel provider record's Custom Parameters (`getEnvironment().customParams`).
    CustomParams,
    /// The page's URL query.
    Url,
}

/// The key/value pairs one source gave. URL values arrive as strings; JSON sources keep their types.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigLayer {
    /// Where these values came from.
    pub source: ConfigSource,
    /// The raw values, keyed by configuration key.
    pub values: Map<String, Value>,
}

/// A configuration value that was refused; the default (or a lower layer's value) stays in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The configuration key.
    pub key: String,
    /// The refused value, truncated.
    pub value: String,
    /// What would have been accepted.
    pub expected: String,
    /// Which layer gave it.
    pub source: ConfigSource,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "configuration key `{}` from {:?}: value {:?} refused, expected {}",
            self.key, self.source, self.value, self.expected
        )
    }
}

/// The resolved configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `ucilib`: URL of `msdyn_ciLibrary.js`.
    pub ucilib: Option<String>,
    /// `crmUrl`: the Dynamics org URL; the library is then `<crmUrl>/webresources/Widget/msdyn_ciLibrary.js`.
    pub crm_url: Option<String>,
    /// `ccpUrl`: the Amazon Connect CCP URL (https, or http on localhost / 127.0.0.1).
    pub ccp_url: Option<String>,
    /// `region`: the Amazon Connect instance's AWS region (needed for chat).
    pub region: Option<String>,
    /// `loginPopup`: let Streams open the Connect login pop-up.
    pub login_popup: bool,
    /// `loginPopupAutoClose`: close that pop-up after login.
    pub login_popup_auto_close: bool,
    /// `allowFramedSoftphone`: take calls in this iframe (softphone media in the frame).
    pub allow_framed_softphone: bool,
    /// `disableRingtone`.
    pub disable_ringtone: bool,
    /// `cifInitTimeoutMs`: how long to wait for `CIFInitDone` before saying "Dynamics not connected".
    pub cif_init_timeout_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            ucilib: None,
            crm_url: None,
            ccp_url: None,
            region: None,
            login_popup: true,
            login_popup_auto_close: true,
            allow_framed_softphone: true,
            disable_ringtone: false,
            cif_init_timeout_ms: 15_000,
        }
    }
}

impl Config {
    /// Applies `layers` over the defaults in precedence order; every refused value is reported, none is fatal.
    pub fn resolve(layers: &[ConfigLayer]) -> (Config, Vec<ConfigError>) {
        let _ = layers;
        (Config::default(), Vec::new())
    }

    /// The URL of the CIF library to inject: `ucilib`, else derived from `crmUrl`.
    pub fn cif_library_url(&self) -> Option<String> {
        self.ucilib.clone().or_else(|| {
            self.crm_url
                .as_ref()
                .map(|c| format!("{}/webresources/Widget/msdyn_ciLibrary.js", c.trim_end_matches('/')))
        })
    }

    /// The value of the script tag's `data-crmurl`: the origin of the CIF library URL.
    pub fn cif_crm_origin(&self) -> Option<String> {
        let url = self.cif_library_url()?;
        let scheme_end = url.find("://")? + 3;
        let host_end = url[scheme_end..].find('/').map_or(url.len(), |i| scheme_end + i);
        Some(url[..host_end].to_owned())
    }
}
