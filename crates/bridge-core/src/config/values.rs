//! Checks of single configuration values: URLs and origins (and allow-lists of them), AWS regions, queue ARNs,
//! Streams log levels, booleans, numbers and template names. Each says what it expected when it refuses.

use serde_json::Value;

use super::{ConfigError, ConfigSource};
use crate::slug::TemplateName;
use crate::text;

pub(super) const EXPECT_URL: &str = "an https:// URL (http:// only for localhost or 127.0.0.1), without credentials";
pub(super) const EXPECT_BOOL: &str = "true or false";
pub(super) const EXPECT_TEMPLATE: &str = "a template unique name (^[A-Za-z0-9]{3,8}_[A-Za-z0-9_]+$)";
pub(super) const EXPECT_CONNECT: &str = "a URL whose origin is listed in allowedConnectOrigins (config.json)";
pub(super) const EXPECT_LOGIN_URL: &str =
    "an https:// sign-in URL (the identity provider's SAML sign-in URL or the Amazon Connect \
                                sign-in page; http:// only for localhost or 127.0.0.1), without credentials, or \"\"";
pub(super) const EXPECT_LOGIN_ORIGIN: &str =
    "a sign-in URL whose origin is listed in allowedConnectOrigins (config.json): add the \
                                   identity provider's origin to that list";
pub(super) const EXPECT_DYNAMICS: &str = "a URL whose origin is listed in allowedDynamicsOrigins (config.json)";

/// The origin of an accepted URL (see [`check_url`]), normalised: lower case, default port dropped
/// (`https://Org.crm4.dynamics.com:443/main.aspx` → `https://org.crm4.dynamics.com`).
pub fn origin_of(url: &str) -> Option<String> {
    if !check_url(url.trim()) {
        return None;
    }
    let lower = url.trim().to_ascii_lowercase();
    let scheme_end = lower.find("://")? + 3;
    let host_end = lower[scheme_end..]
        .find(['/', '?', '#'])
        .map_or(lower.len(), |i| scheme_end + i);
    let origin = &lower[..host_end];
    let origin = match (origin.strip_suffix(":443"), origin.strip_suffix(":80")) {
        (Some(o), _) if lower.starts_with("https://") => o,
        (_, Some(o)) if lower.starts_with("http://") => o,
        _ => origin,
    };
    Some(origin.to_owned())
}

pub(super) fn origin_allowed(url: &str, list: &Option<Vec<String>>) -> bool {
    match list {
        None => true,
        Some(list) => origin_of(url).is_some_and(|o| list.contains(&o)),
    }
}

pub(super) fn allowed(url: String, list: &Option<Vec<String>>, expected: &'static str) -> Result<String, &'static str> {
    if origin_allowed(&url, list) {
        Ok(url)
    } else {
        Err(expected)
    }
}

/// An allow-list: an array of origins (or its JSON text). Each entry must be an origin (`https://host[:port]`,
/// http for loopback only, an optional trailing `/`, no path); bad entries are reported and left out.
pub(super) fn origin_list(
    key: &str,
    value: &Value,
    source: ConfigSource,
    errors: &mut Vec<ConfigError>,
) -> Vec<String> {
    const EXPECTED: &str = "an array of origins such as [\"https://myinstance.my.connect.aws\"]";
    let parsed;
    let items: Option<&[Value]> = match value {
        Value::Array(a) => Some(a),
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Array(a)) => {
                parsed = a;
                Some(&parsed)
            }
            _ => None,
        },
        _ => None,
    };
    let Some(items) = items else {
        errors.push(ConfigError {
            key: key.to_owned(),
            value: text::describe_json(value),
            expected: format!("{EXPECTED}; nothing is allowed until it is fixed"),
            source,
        });
        return Vec::new();
    };
    let mut list = Vec::new();
    for item in items {
        let origin = item.as_str().map(str::trim).and_then(|s| {
            let bare = s.strip_suffix('/').unwrap_or(s);
            origin_of(bare)
                .filter(|o| *o == bare.to_ascii_lowercase() || bare.ends_with(":443") || bare.ends_with(":80"))
        });
        match origin {
            Some(o) => list.push(o),
            None => errors.push(ConfigError {
                key: key.to_owned(),
                value: text::describe_json(item),
                expected: "an origin: https://host[:port] (http only for localhost or 127.0.0.1), no path; this \
                           entry is left out"
                    .to_owned(),
                source,
            }),
        }
    }
    list
}

/// Accepts an https URL, or http on `localhost` / `127.0.0.1` (any port); refuses credentials, whitespace,
/// control characters and backslashes anywhere.
pub fn check_url(raw: &str) -> bool {
    if raw.len() > 2048 || raw.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\') {
        return false;
    }
    let lower = raw.to_ascii_lowercase();
    let (rest, https) = if let Some(r) = lower.strip_prefix("https://") {
        (r, true)
    } else if let Some(r) = lower.strip_prefix("http://") {
        (r, false)
    } else {
        return false;
    };
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    if authority.contains('@') {
        return false;
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    if let Some(p) = port {
        if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    }
    let host_ok = !host.is_empty()
        && !host.starts_with('.')
        && !host.starts_with('-')
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    host_ok && (https || host == "localhost" || host == "127.0.0.1")
}

pub(super) fn url(value: &Value) -> Result<String, &'static str> {
    let s = value.as_str().ok_or(EXPECT_URL)?.trim();
    check_url(s).then(|| s.to_owned()).ok_or(EXPECT_URL)
}

/// Whether `s` is an AWS region name (`^[a-z]{2}(-[a-z]+)+-\d$`, e.g. `eu-west-2`, `us-gov-west-1`).
pub fn check_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let n = parts.len();
    n >= 3
        && parts[0].len() == 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts[1..n - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[n - 1].len() == 1
        && parts[n - 1].bytes().all(|b| b.is_ascii_digit())
}

pub(super) fn region(value: &Value) -> Result<String, &'static str> {
    const EXPECTED: &str = "an AWS region such as eu-west-2 (^[a-z]{2}(-[a-z]+)+-\\d$)";
    let s = value.as_str().ok_or(EXPECTED)?.trim();
    check_region(s).then(|| s.to_owned()).ok_or(EXPECTED)
}

/// Whether `s` is an Amazon Connect queue ARN: `arn:<partition>:connect:<region>:<12 digits>:instance/<id>/queue/<id>`,
/// ids of letters, digits and dashes (the shape only; Amazon Connect says whether it exists).
pub fn check_queue_arn(s: &str) -> bool {
    let id = |p: &str| (1..=128).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts.as_slice() else {
        return false;
    };
    let path: Vec<&str> = resource.split('/').collect();
    *arn == "arn"
        && partition.starts_with("aws")
        && partition.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        && *service == "connect"
        && check_region(region)
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && matches!(path.as_slice(), ["instance", i, "queue", q] if id(i) && id(q))
}

/// One of Streams' `connect.LogLevel` names, in upper case (what `Logger.setEchoLevel` accepts).
pub(super) fn streams_log_level(value: &Value) -> Result<&'static str, &'static str> {
    const LEVELS: [&str; 8] = ["TEST", "TRACE", "DEBUG", "INFO", "LOG", "WARN", "ERROR", "CRITICAL"];
    const EXPECTED: &str = "one of Streams' log levels: TEST, TRACE, DEBUG, INFO, LOG, WARN, ERROR or CRITICAL";
    let s = value.as_str().ok_or(EXPECTED)?.trim();
    LEVELS
        .into_iter()
        .find(|level| level.eq_ignore_ascii_case(s))
        .ok_or(EXPECTED)
}

pub(super) fn boolean(value: &Value) -> Result<bool, &'static str> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(EXPECT_BOOL),
    }
}

/// A whole number in `min..=max`: digits in a string (the URL's only kind), or a JSON number whose value is
/// whole (`15000` and `15000.0` are the same number to whoever wrote the JSON).
pub(super) fn number(value: &Value, min: u64, max: u64, expected: &'static str) -> Result<u64, &'static str> {
    let n = match value {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && (0.0..=9_007_199_254_740_992.0).contains(f))
                .map(|f| f as u64)
        }),
        Value::String(s) => {
            let t = s.trim();
            (!t.is_empty() && t.len() <= 20 && t.bytes().all(|b| b.is_ascii_digit()))
                .then(|| t.parse::<u64>().ok())
                .flatten()
        }
        _ => None,
    };
    n.filter(|n| (min..=max).contains(n)).ok_or(expected)
}

pub(super) fn template(value: &Value) -> Result<TemplateName, &'static str> {
    value.as_str().and_then(TemplateName::parse).ok_or(EXPECT_TEMPLATE)
}
