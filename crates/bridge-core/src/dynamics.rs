//! Parsers for the payloads of the Dynamics handlers registered with `addHandler`.
//!
//! CIF hands `eventData` as a JSON string (sometimes an object); `onSessionSwitched` spells its flag `focused`
//! or `focussed` and fires twice per switch. Each parser accepts both shapes and returns a typed payload or a
//! [`PayloadError`] saying what was expected. Click-to-act and presence payloads are parsed here too, as the
//! extension point for dialling and presence sync.

use std::fmt;

use serde_json::Value;

use crate::input::DynamicsHandler;
use crate::reply::{unwrap_json, valid_session_id};
use crate::text;

/// `onSessionSwitched`: which session gained or lost focus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSwitched {
    /// The session concerned.
    pub session_id: String,
    /// Whether it is now focused.
    pub focused: bool,
}

/// `onSessionClosed`: the agent closed a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionClosed {
    /// The closed session.
    pub session_id: String,
}

/// `onclicktoact`: the agent clicked a phone (or other) field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClickToAct {
    /// The clicked value (a phone number: personal data, never traced).
    pub value: crate::redact::Redacted<String>,
    /// The attribute name, e.g. `mobilephone`.
    pub name: Option<String>,
    /// The field format, e.g. `phone`.
    pub format: Option<String>,
    /// The record's entity logical name.
    pub entity_logical_name: Option<String>,
}

/// `onPresenceChange`: the agent's Dynamics presence changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenceChanged {
    /// `presenceInfo.presenceText`, if given.
    pub presence_text: Option<String>,
    /// `presenceInfo.presenceId` or `presenceId`, if given.
    pub presence_id: Option<String>,
}

/// A handler payload that did not have the expected shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadError {
    /// Which handler.
    pub handler: DynamicsHandler,
    /// What was expected.
    pub expected: &'static str,
    /// A short description of what came.
    pub found: String,
}

impl fmt::Display for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} payload refused ({}): expected {}",
            self.handler.event_name(),
            self.found,
            self.expected
        )
    }
}

/// The payload as an object. CIF's own handler example reads `eventData` as a `Map` holding the payload under
/// `value` (`eventInput.get("value")`), which the shell copies as `{"value": …}`: an object (or JSON text of one)
/// there is the payload. No documented payload has an object under `value` (click-to-act's is the number).
fn object(handler: DynamicsHandler, payload: &Value, expected: &'static str) -> Result<Value, PayloadError> {
    let inner = |v: &Value| match v.get("value").and_then(unwrap_json) {
        Some(i @ Value::Object(_)) => Some(i),
        _ => None,
    };
    match unwrap_json(payload) {
        Some(v @ Value::Object(_)) => Ok(inner(&v).unwrap_or(v)),
        _ => Err(PayloadError {
            handler,
            expected,
            found: text::describe_json(payload),
        }),
    }
}

fn short_string(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(|s| text::clean(s, 256).0)
        .filter(|s| !s.is_empty())
}

fn session_id(
    handler: DynamicsHandler,
    v: &Value,
    payload: &Value,
    expected: &'static str,
) -> Result<String, PayloadError> {
    v.get("sessionId")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| valid_session_id(s))
        .map(str::to_owned)
        .ok_or_else(|| PayloadError {
            handler,
            expected,
            found: text::describe_json(payload),
        })
}

fn flag(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// Parses an `onSessionSwitched` payload (`{sessionId, focused|focussed}`).
pub fn session_switched(payload: &Value) -> Result<SessionSwitched, PayloadError> {
    const EXPECTED: &str = "{sessionId, focused|focussed: boolean}";
    let h = DynamicsHandler::SessionSwitched;
    let v = object(h, payload, EXPECTED)?;
    let session_id = session_id(h, &v, payload, EXPECTED)?;
    // Whichever spelling holds a flag: a host that fills both may leave one of them `null`.
    let focused = v
        .get("focused")
        .and_then(flag)
        .or_else(|| v.get("focussed").and_then(flag))
        .ok_or_else(|| PayloadError {
            handler: h,
            expected: EXPECTED,
            found: text::describe_json(payload),
        })?;
    Ok(SessionSwitched { session_id, focused })
}

/// Parses an `onSessionClosed` payload (`{sessionId}`), or the id alone, bare or under `value`: the payload is
/// undocumented, and a close refused keeps the session's slot counted and its contact written to.
pub fn session_closed(payload: &Value) -> Result<SessionClosed, PayloadError> {
    const EXPECTED: &str = "{sessionId}";
    let h = DynamicsHandler::SessionClosed;
    let alone = match unwrap_json(payload) {
        Some(Value::Object(o)) if !o.contains_key("sessionId") => o.get("value").and_then(unwrap_json),
        other => other,
    };
    if let Some(Value::String(id)) = alone {
        let id = id.trim();
        // One word, as session ids are: a sentence is no id, and is refused below as what it is.
        if valid_session_id(id) && !id.contains(char::is_whitespace) {
            return Ok(SessionClosed {
                session_id: id.to_owned(),
            });
        }
    }
    let v = object(h, payload, EXPECTED)?;
    Ok(SessionClosed {
        session_id: session_id(h, &v, payload, EXPECTED)?,
    })
}

/// Parses an `onclicktoact` payload (`{value, name, format, entityLogicalName}`).
pub fn click_to_act(payload: &Value) -> Result<ClickToAct, PayloadError> {
    const EXPECTED: &str = "{value, name, format, entityLogicalName}";
    let h = DynamicsHandler::ClickToAct;
    // A refused payload is described by its shape only: whatever form it came in, it may be the clicked number.
    let v = object(h, payload, EXPECTED).map_err(|e| PayloadError {
        found: crate::redact::shape(payload),
        ..e
    })?;
    // As clicked, only trimmed: the phone rules judge every character (a direction mark dropped here would dial a
    // number other than the one shown) and the length.
    let value = (v.get("value").and_then(Value::as_str).map(str::trim))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| PayloadError {
            handler: h,
            expected: EXPECTED,
            found: format!(
                "{}, whose value is {}",
                crate::redact::shape(payload),
                v.get("value")
                    .map_or_else(|| "missing".to_owned(), crate::redact::shape)
            ),
        })?;
    Ok(ClickToAct {
        value: crate::redact::Redacted::new(value),
        name: short_string(&v, "name"),
        format: short_string(&v, "format"),
        entity_logical_name: short_string(&v, "entityLogicalName"),
    })
}

/// Parses an `onPresenceChange` payload (`{presenceInfo: {presenceText, presenceId}}` or `{presenceId}`).
pub fn presence_changed(payload: &Value) -> Result<PresenceChanged, PayloadError> {
    const EXPECTED: &str = "{presenceInfo: {presenceText, presenceId}} or {presenceId}";
    let h = DynamicsHandler::PresenceChanged;
    let v = object(h, payload, EXPECTED)?;
    let info = v.get("presenceInfo").filter(|i| i.is_object()).unwrap_or(&v);
    let p = PresenceChanged {
        presence_text: short_string(info, "presenceText"),
        presence_id: short_string(info, "presenceId").or_else(|| short_string(&v, "presenceId")),
    };
    if p.presence_text.is_none() && p.presence_id.is_none() {
        return Err(PayloadError {
            handler: h,
            expected: EXPECTED,
            found: text::describe_json(payload),
        });
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn both_spellings() {
        let a = session_switched(&json!("{\"sessionId\":\"s1\",\"focussed\":true}"));
        assert_eq!(
            a,
            Ok(SessionSwitched {
                session_id: "s1".into(),
                focused: true
            })
        );
        let b = session_switched(&json!({"sessionId": "s1", "focused": false}));
        assert_eq!(
            b,
            Ok(SessionSwitched {
                session_id: "s1".into(),
                focused: false
            })
        );
        let e = session_switched(&json!("nope")).map_err(|e| e.to_string());
        assert_eq!(
            e,
            Err("onSessionSwitched payload refused (nope): expected {sessionId, focused|focussed: boolean}".into())
        );
    }

    #[test]
    fn presence_and_click() {
        let p = presence_changed(&json!({"presenceInfo": {"presenceText": "Busy", "presenceId": "x"}}));
        assert_eq!(p.map(|p| p.presence_text), Ok(Some("Busy".into())));
        let c = click_to_act(&json!("{\"value\":\"+1 555\",\"name\":\"mobilephone\"}"));
        assert_eq!(c.map(|c| format!("{:?}", c.value)), Ok("[redacted]".into()));
        let refused = click_to_act(&json!({"value": 5555550123u64, "name": "mobilephone"})).map_err(|e| e.to_string());
        assert_eq!(
            refused,
            Err("onclicktoact payload refused (an object with 2 keys, whose value is a number): expected {value, name, format, entityLogicalName}".into())
        );
    }
}
