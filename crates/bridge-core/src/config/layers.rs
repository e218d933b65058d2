//! Where configuration values come from and how a refused one is told: the layers in precedence order and
//! [`ConfigError`].

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

impl ConfigSource {
    /// The name an admin knows the layer by (the README's words), for messages.
    pub fn describe(self) -> &'static str {
        match self {
            ConfigSource::Defaults => "the defaults",
            ConfigSource::ConfigFile => "config.json",
            ConfigSource::CustomParams => "Custom Parameters",
            ConfigSource::Url => "the page's URL",
        }
    }
}

/// The key/value pairs one source gave. URL values arrive as strings; JSON sources keep their types.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigLayer {
    /// Where these values came from.
    pub source: ConfigSource,
    /// The raw values, keyed by configuration key.
    pub values: Map<String, Value>,
}

/// Puts `layer` after every layer of lower or equal precedence, so that a list built this way is in
/// precedence order (later wins) with ties kept in arrival order. An insertion, not a sort: these lists hold a
/// handful of layers, and std's sort costs kilobytes of wasm per element type.
pub fn insert_by_source<L: AsRef<ConfigLayer>>(layers: &mut Vec<L>, layer: L) {
    let source = layer.as_ref().source;
    let at = layers.partition_point(|l| l.as_ref().source <= source);
    layers.insert(at, layer);
}

impl ConfigLayer {
    /// Stands for a `config.json` that exists but cannot be read (a server error, invalid JSON): the origin
    /// allow-lists it may hold are unknown, so they are taken as empty — nothing from the URL or Custom
    /// Parameters is allowed until the file is fixed. A typo in the file must not switch the lists off.
    pub fn unreadable_config_file() -> ConfigLayer {
        let mut values = Map::new();
        values.insert("allowedConnectOrigins".into(), Value::Array(Vec::new()));
        values.insert("allowedDynamicsOrigins".into(), Value::Array(Vec::new()));
        ConfigLayer {
            source: ConfigSource::ConfigFile,
            values,
        }
    }
}

impl AsRef<ConfigLayer> for ConfigLayer {
    fn as_ref(&self) -> &ConfigLayer {
        self
    }
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
            "configuration key `{}` from {}: value {:?} refused, expected {}",
            self.key,
            self.source.describe(),
            self.value,
            self.expected
        )
    }
}
