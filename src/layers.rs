//! The configuration layers the shell gathers: `config.json` and the URL query. (Custom Parameters arrive
//! through CIF's `getEnvironment()`, which the core reads itself: `bridge_core::startup::custom_parameters`.)
//!
//! Why here: fetching and unwrapping are I/O and JS shapes; which values are valid is the core's
//! `Config::resolve`. URL values stay strings, JSON values keep their types.

use bridge_core::text::json_kind;
use bridge_core::{ConfigLayer, ConfigSource};
use serde_json::{Map, Value};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestCache, RequestInit, Response, UrlSearchParams};

use crate::convert::js_text;
use crate::error::StartupError;

/// The empty defaults layer (the defaults themselves are compiled into the core).
pub fn defaults() -> ConfigLayer {
    ConfigLayer {
        source: ConfigSource::Defaults,
        values: Map::new(),
    }
}

/// Every query parameter as a string (`location.search` form, with or without `?`); the first of a repeated
/// key wins, as `URLSearchParams.get` does.
pub fn from_query(query: &str) -> ConfigLayer {
    let mut values = Map::new();
    if let Ok(params) = UrlSearchParams::new_with_str(query) {
        for entry in params.entries() {
            let Ok(pair) = entry else { continue };
            let pair: js_sys::Array = pair.unchecked_into();
            if let (Some(k), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                values.entry(k).or_insert(Value::String(v));
            }
        }
    }
    ConfigLayer {
        source: ConfigSource::Url,
        values,
    }
}

/// Fetches `config.json` beside the page: a 404 is no layer; anything but a JSON object is an error naming it
/// (and, in the core, closes the origin allow-lists the file may hold).
pub async fn from_file(url: &str) -> Result<Option<ConfigLayer>, StartupError> {
    let refused = |reason: String| StartupError::ConfigFile {
        file: url.to_owned(),
        reason,
    };
    let window = web_sys::window().ok_or(StartupError::NoDocument)?;
    let init = RequestInit::new();
    init.set_cache(RequestCache::NoCache);
    let response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|e| refused(format!("could not be fetched: {}", js_text(&e))))?;
    let response: Response = response
        .dyn_into()
        .map_err(|_| refused("fetch gave no Response".into()))?;
    if response.status() == 404 {
        return Ok(None);
    }
    if response.status() == 403 {
        // S3 answers 403 for a missing object when the reader may not list the bucket: the file may not exist,
        // but a denied one must not open the allow-lists either.
        return Err(refused(
            "HTTP status 403 (a host that answers 403 for a missing file, such as S3 without list permission, \
             needs a config.json: `{}` at least)"
                .into(),
        ));
    }
    if !response.ok() {
        return Err(refused(format!("HTTP status {}", response.status())));
    }
    let text = response.text().map_err(|e| refused(js_text(&e)))?;
    let text = JsFuture::from(text).await.map_err(|e| refused(js_text(&e)))?;
    let text = text.as_string().unwrap_or_default();
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(values)) => Ok(Some(ConfigLayer {
            source: ConfigSource::ConfigFile,
            values,
        })),
        Ok(other) => Err(refused(format!("it holds {}, not an object", json_kind(&other)))),
        Err(e) => Err(refused(format!("invalid JSON: {e}"))),
    }
}
