//! Reading CIF results, which are often JSON text inside a string, per call kind.
//!
//! The shell converts JS values without interpreting them, so `"{\"actionName\":\"Accept\"}"`,
//! `{"value":{"actionName":"Accept"}}` and `{"actionName":"Accept"}` all arrive here; each reader accepts the
//! documented and observed shapes and returns `None` for anything else (the engine then reports garbage and
//! treats the call as failed, never panicking).

use serde_json::Value;

use crate::contact::UnplacedTab;
use crate::persist::TabKind;
use crate::slug::TemplateName;
use crate::vecmap::VecMap;

use crate::text;

/// Longest result string parsed as JSON; anything bigger is garbage.
const MAX_RESULT_CHARS: usize = 65_536;
/// Longest session id kept.
const MAX_SESSION_ID_CHARS: usize = 256;

/// `value`, with a string holding JSON object/array/bool/string text replaced by the parsed value. A byte-order
/// mark before the text is skipped, and an object or array stringified twice is read through both layers.
pub fn unwrap_json(value: &Value) -> Option<Value> {
    match value {
        Value::String(s) if s.len() > MAX_RESULT_CHARS => None,
        Value::String(s) => {
            let t = s.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
            if t.starts_with(['{', '[', '"']) || t.trim_end() == "true" || t.trim_end() == "false" {
                match serde_json::from_str(t).ok()? {
                    Value::String(inner) if inner.trim_start().starts_with(['{', '[']) => {
                        Some(serde_json::from_str(inner.trim()).unwrap_or(Value::String(inner)))
                    }
                    parsed => Some(parsed),
                }
            } else {
                Some(value.clone())
            }
        }
        other => Some(other.clone()),
    }
}

/// How the agent answered a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotificationAction {
    /// `Accept` (also `AutoAccept`).
    Accept,
    /// `Reject` (declined, or the notification queue overflowed).
    Reject,
    /// `Timeout`: nobody answered within the template's countdown.
    Timeout,
    /// `Reject` that the agent did not choose: Dynamics' notification queue was full or the toast waited too
    /// long in it (`responseReason` `NotificationQueueLimitExceeded` / `NotificationQueueTimeLimitExceeded`).
    /// The agent never saw the toast, so it is not a decline: the pop runs if the contact is answered.
    Refused,
    /// Any other `actionName` (excerpt).
    Other(String),
}

/// Reads `notifyEvent`'s result: `{actionName}` at the top level or under `value`, object or JSON text; or the
/// action name alone (bare, or under `value`). Action names are read in any case: an agent's Accept that a host
/// spells `accept` is still the agent's Accept, and reading it as garbage would leave the call unanswered.
pub fn notification_action(value: &Value) -> Option<NotificationAction> {
    let v = unwrap_json(value)?;
    let obj = v.get("value").filter(|inner| inner.is_object()).unwrap_or(&v);
    let inner = obj.get("value").and_then(unwrap_json);
    let field = |k: &str| {
        obj.get(k)
            .or_else(|| inner.as_ref().and_then(|i| i.get(k)))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let named_alone = |v: &Value| {
        v.as_str()
            .map(str::trim)
            .filter(|s| {
                ["Accept", "Reject", "Timeout"]
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(s))
            })
            .map(str::to_owned)
    };
    let action = field("actionName")
        .or_else(|| named_alone(&v))
        .or_else(|| inner.as_ref().and_then(named_alone))?;
    let queue_refusal = field("responseReason").is_some_and(|r| r.contains("NotificationQueue"));
    let action = action.trim();
    Some(if action.eq_ignore_ascii_case("Accept") {
        NotificationAction::Accept
    } else if action.eq_ignore_ascii_case("Reject") {
        if queue_refusal {
            NotificationAction::Refused
        } else {
            NotificationAction::Reject
        }
    } else if action.eq_ignore_ascii_case("Timeout") {
        NotificationAction::Timeout
    } else {
        NotificationAction::Other(text::excerpt(action))
    })
}

/// Reads a boolean result (`canCreateSession`): `true`, `"true"`, or JSON text of it.
pub fn boolean(value: &Value) -> Option<bool> {
    match unwrap_json(value)? {
        Value::Bool(b) => Some(b),
        Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Some(false),
        Value::Object(o) => o.get("value").and_then(boolean),
        _ => None,
    }
}

/// Whether `s` can be kept as a session id. `null` and `undefined` are a missing id written as text
/// (`JSON.stringify(null)`, `String(undefined)`), never one: taken for an id, tabs and context writes would go to a
/// session of that name.
pub fn valid_session_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_SESSION_ID_CHARS
        && !s.chars().any(char::is_control)
        && !["null", "undefined"].iter().any(|w| s.trim().eq_ignore_ascii_case(w))
}

/// Reads `createSession`'s result: the session id string (or `{sessionId}` / `{value}`, the host's raw message
/// wrapping any of these under `value`, as it wraps `notifyEvent`'s).
pub fn session_id(value: &Value) -> Option<String> {
    let v = unwrap_json(value)?;
    let s = match &v {
        Value::String(s) => s.trim(),
        Value::Object(o) => match o.get("sessionId").and_then(Value::as_str) {
            Some(s) => s.trim(),
            None => match unwrap_json(o.get("value")?)? {
                inner @ (Value::String(_) | Value::Object(_)) => return session_id(&inner),
                _ => return None,
            },
        },
        _ => return None,
    };
    valid_session_id(s).then(|| s.to_owned())
}

/// Reads `createTab`'s result: the tab id string (or `{tabId}` / `{value}` holding it), held to what a session id
/// may be. `None` when no id can be read: a tab that cannot be named cannot be closed.
pub fn tab_id(value: &Value) -> Option<String> {
    match unwrap_json(value)? {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| valid_session_id(s)),
        Value::Object(o) => o.get("tabId").or_else(|| o.get("value")).and_then(tab_id),
        _ => None,
    }
}

/// Reads `getAllSessions`' result: an array of session ids (or JSON text of one); `None` if not an array, or
/// if an entry is neither a session id nor a session (`{sessionId}`, as a host handing out its session `Map`s
/// gives it). Why not skip such an entry: the list says which sessions exist, so an entry left out would be
/// read as "no session" — a restored session closed, a contact in doubt given a second one.
pub fn session_list(value: &Value) -> Option<Vec<String>> {
    let v = unwrap_json(value)?;
    // Keyed by index (`{"0": "s1"}`): a `Map` or array-like of the ids built by position, also under `value`.
    let by_index = |v: &Value| match v {
        Value::Object(o) if !o.is_empty() && o.keys().all(|k| is_index(k)) => Some(o.values().cloned().collect()),
        _ => None,
    };
    let arr: Vec<Value> = match &v {
        Value::Array(a) => a.clone(),
        Value::Object(o) => match by_index(&v) {
            Some(a) => a,
            None => match unwrap_json(o.get("value")?)? {
                Value::Array(a) => a,
                inner => by_index(&inner)?,
            },
        },
        _ => return None,
    };
    arr.iter()
        .take(1000)
        .map(|entry| {
            let s = match unwrap_json(entry)? {
                Value::String(s) => s,
                Value::Object(o) => o.get("sessionId").and_then(Value::as_str)?.to_owned(),
                _ => return None,
            };
            let s = s.trim();
            valid_session_id(s).then(|| s.to_owned())
        })
        .collect()
}

/// Whether `key` is an index as a `Map` or array-like built by position writes it: decimal digits, at most nine.
pub(crate) fn is_index(key: &str) -> bool {
    !key.is_empty() && key.len() <= 9 && key.bytes().all(|b| b.is_ascii_digit())
}

/// Reads a rejection's whole text: the time limit is matched on its stable parts, the unknown template on
/// CIF's error name (`NotificationTemplateNotFoundError` or similar, any case) or the words "template not found"
/// (a record the template names that is not found is another matter, and transient).
fn classify(text: &str) -> ErrorKind {
    let lower = text.to_ascii_lowercase();
    if lower.contains("timeout occurred") || lower.contains("no response was received") {
        ErrorKind::NoAnswer
    } else if lower.contains("templatenotfound") || lower.contains("template not found") {
        ErrorKind::Permanent
    } else {
        ErrorKind::Transient
    }
}

/// A rejected CIF call: `{message, msdyn_name}` (object or JSON text), or whatever else came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CifError {
    /// `message` (excerpt), or an excerpt of the whole value.
    pub message: String,
    /// `msdyn_name`, the failing method's name as CIF spells it.
    pub name: Option<String>,
    /// What it means, read from the whole message (the excerpt may have cut the telling part).
    kind: ErrorKind,
}

impl CifError {
    /// Reads a rejection value; never fails. The message may be nested: `{error: {message}}` (or `{error: "…"}`),
    /// as Web API errors and many hosts wrap it, or the host's raw `{value: {message, msdyn_name}}`; it is reported
    /// by that message wherever it sits (a report saying "an object with 1 keys" tells nobody why the call failed),
    /// and classified by the whole value, so no telling word elsewhere is lost.
    pub fn from_rejection(value: &Value) -> CifError {
        // Text that only looks like JSON (`"[CIF] Timeout occurred…"`), or is too long to parse, is read as text.
        let v = unwrap_json(value).unwrap_or_else(|| value.clone());
        let field = |at: &Value, k: &str| at.get(k).and_then(Value::as_str).map(str::to_owned);
        if let Some(message) = field(&v, "message") {
            return CifError {
                message: text::excerpt(&message),
                name: field(&v, "msdyn_name").map(|n| text::excerpt(&n)),
                // A wrapping Error's own message may say nothing telling; the reason it wraps (`cause`, or an
                // AggregateError's `errors`) may be CIF's time limit, which must not be retried as transient.
                kind: match classify(&message) {
                    ErrorKind::Transient => ["cause", "errors"]
                        .iter()
                        .filter_map(|k| v.get(*k))
                        .map(|inner| classify(&inner.to_string()))
                        .find(|kind| *kind != ErrorKind::Transient)
                        .unwrap_or(ErrorKind::Transient),
                    telling => telling,
                },
            };
        }
        let nested = ["error", "value"]
            .iter()
            .find_map(|k| match v.get(*k).and_then(unwrap_json) {
                Some(inner @ Value::Object(_)) => field(&inner, "message").map(|m| (m, field(&inner, "msdyn_name"))),
                Some(Value::String(s)) if *k == "error" => Some((s, None)),
                _ => None,
            });
        match nested {
            Some((message, name)) => CifError {
                message: text::excerpt(&message),
                name: name.map(|n| text::excerpt(&n)),
                // The whole value: a telling word may sit beside the message.
                kind: classify(&v.to_string()),
            },
            None => CifError {
                message: text::describe_json(value),
                name: None,
                kind: match &v {
                    Value::String(s) => classify(s),
                    other => classify(&other.to_string()),
                },
            },
        }
    }

    /// Whether this is the CIF library giving up on its own time limit (10 s): "Timeout occurred as no response
    /// was received from listener window". That means *no answer*, not *nothing happened*: Dynamics may still
    /// carry the call out (a session may appear later), so the call must not be treated as a clean failure and
    /// blindly repeated.
    pub fn is_time_limit(&self) -> bool {
        self.kind == ErrorKind::NoAnswer
    }

    /// Whether CIF said the template name is unknown (`NotificationTemplateNotFoundError` or similar).
    pub fn is_template_not_found(&self) -> bool {
        self.kind == ErrorKind::Permanent
    }

    /// What the rejection means for the next step: CIF rejects for three different reasons that need three
    /// different answers, and confusing them costs a doubled session (a time limit retried) or a silent agent
    /// (a permanent error retried until the caller hangs up).
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

/// How a rejected CIF call is handled ([`CifError::kind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// CIF's own time limit: Dynamics may still act, so the call is never repeated blindly; reconcile instead.
    NoAnswer,
    /// The same input will fail again (an unknown template): fall back once, else tell the agent.
    Permanent,
    /// Anything else: retried with bounded backoff.
    Transient,
}

/// Most nested levels searched for the contact id in a session's context.
const MAX_CONTEXT_DEPTH: usize = 4;

/// What `getSession(id)` says about one session: the contact the bridge created it for (the `contactId` it put
/// into `templateParameters`, found in the session's context), the tabs it recorded there, and whether it is
/// focused. The shape is undocumented (a `Map` in the CIF sample, converted to an object by the shell; the
/// context may be JSON text or nested under `templateParameters`), so every level is searched, boundedly.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionFacts {
    /// The bridge's `contactId` parameter, if the context holds one.
    pub contact_id: Option<String>,
    /// The tabs the bridge recorded in the context (`ccbTabs` and `ccbTab_<kind>` keys), comma-separated: what
    /// a page that lost its storage still knows.
    pub tabs: Option<String>,
    /// `isFocused` (the documented name) or `focused` (what the CIF host's own `Map` holds), when given.
    pub focused: Option<bool>,
    /// Tabs that may have opened in another session than this one (`ccbTabUnplaced_<kind>`): a page that lost
    /// its storage looks for each here before it opens it.
    pub unplaced: VecMap<TabKind, UnplacedTab>,
}

/// Reads `getSession`'s result; `None` when it is not an object at all.
pub fn session_facts(value: &Value) -> Option<SessionFacts> {
    let mut v = unwrap_json(value)?;
    let is_session = |o: &serde_json::Map<String, Value>| o.contains_key("sessionId") || o.contains_key("context");
    if !v.as_object().is_some_and(is_session) {
        // The host's raw message wraps the session under `value` (as it wraps `notifyEvent`'s answer).
        match v.get("value").and_then(unwrap_json) {
            Some(inner @ Value::Object(_)) => v = inner,
            // Not a session at all: "nobody's" would be a guess.
            _ => return None,
        }
    }
    let obj = v.as_object()?;
    if !is_session(obj) {
        return None;
    }
    let focused = ["isFocused", "focused", "focussed"]
        .iter()
        .find_map(|key| obj.get(*key).and_then(boolean));
    let mut facts = SessionFacts {
        focused,
        ..SessionFacts::default()
    };
    find_context_values(&v, 0, &mut facts);
    Some(facts)
}

/// The context key of one recorded tab: `ccbTab_<kind>` (`activity`, `customer`, `search`), `1` once requested.
pub const TAB_KEY_PREFIX: &str = "ccbTab_";

/// The context key of a tab that Dynamics opened while the agent was in a session not of this provider:
/// `ccbTabUnplaced_<kind>`, valued `<template> <tab id>` ([`unplaced_tab_value`]).
pub const UNPLACED_TAB_KEY_PREFIX: &str = "ccbTabUnplaced_";

/// The value recorded for an unplaced tab: its template (which has no space) and its id.
pub fn unplaced_tab_value(tab: &UnplacedTab) -> String {
    format!("{} {}", tab.template_name, tab.tab_id)
}

/// Reads a [`unplaced_tab_value`] back, if both of its parts are valid.
fn unplaced_tab(value: &str) -> Option<UnplacedTab> {
    let (template, tab_id) = value.trim().split_once(' ')?;
    let template = TemplateName::parse(template)?;
    let tab_id = tab_id.trim();
    valid_session_id(tab_id).then(|| UnplacedTab {
        tab_id: tab_id.to_owned(),
        template_name: template.as_str().to_owned(),
    })
}

/// Adds recorded tab kinds (comma-separated) to what the session's context says was requested.
fn add_tabs(facts: &mut SessionFacts, kinds: &str) {
    let list = facts.tabs.get_or_insert_with(String::new);
    if !list.is_empty() && !kinds.is_empty() {
        list.push(',');
    }
    list.push_str(kinds);
}

/// Whether a `ccbTab_<kind>` value says the tab was recorded: the `"1"` the bridge wrote, or that value as the
/// context gives it back typed (`1`, `true`), or under `value`. Why lenient: a recorded tab read as not recorded
/// opens a second time after a reload.
fn is_recorded(value: &Value) -> bool {
    match unwrap_json(value) {
        Some(Value::String(s)) => s.trim() == "1",
        Some(Value::Number(n)) => n.as_u64() == Some(1),
        Some(Value::Bool(b)) => b,
        Some(Value::Object(o)) => o.get("value").is_some_and(|v| !v.is_object() && is_recorded(v)),
        _ => false,
    }
}

fn find_context_values(value: &Value, depth: usize, facts: &mut SessionFacts) {
    if depth > MAX_CONTEXT_DEPTH {
        return;
    }
    let Some(v) = unwrap_json(value) else { return };
    match &v {
        Value::Object(o) => {
            for (key, inner) in o.iter().take(200) {
                let text = || match unwrap_json(inner) {
                    Some(Value::String(s)) => Some(s),
                    Some(Value::Object(o)) => o.get("value").and_then(Value::as_str).map(str::to_owned),
                    _ => None,
                };
                match key.as_str() {
                    "contactId" if facts.contact_id.is_none() => {
                        facts.contact_id = text().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
                    }
                    "ccbTabs" => {
                        if let Some(list) = text() {
                            add_tabs(facts, &list);
                        }
                    }
                    k if k.starts_with(UNPLACED_TAB_KEY_PREFIX) => {
                        let kind = TabKind::parse(k.strip_prefix(UNPLACED_TAB_KEY_PREFIX).unwrap_or_default());
                        if let (Some(kind), Some(tab)) = (kind, text().as_deref().and_then(unplaced_tab)) {
                            facts.unplaced.insert(kind, tab);
                        }
                    }
                    k if k.starts_with(TAB_KEY_PREFIX) => {
                        if is_recorded(inner) {
                            add_tabs(facts, k.strip_prefix(TAB_KEY_PREFIX).unwrap_or_default());
                        }
                    }
                    _ => find_context_values(inner, depth + 1, facts),
                }
            }
        }
        Value::Array(a) => {
            for inner in a.iter().take(200) {
                find_context_values(inner, depth + 1, facts);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn notification_shapes() {
        let accept = Some(NotificationAction::Accept);
        assert_eq!(
            notification_action(&json!("{\"actionName\":\"Accept\",\"responseReason\":\"Accept\"}")),
            accept
        );
        assert_eq!(notification_action(&json!({"value": {"actionName": "Accept"}})), accept);
        assert_eq!(notification_action(&json!({"actionName": "Accept"})), accept);
        assert_eq!(
            notification_action(&json!("{\"value\":{\"actionName\":\"Timeout\"}}")),
            Some(NotificationAction::Timeout)
        );
        assert_eq!(notification_action(&json!("garbage")), None);
        assert_eq!(notification_action(&json!(42)), None);
        let full = json!("{\"actionName\":\"Reject\",\"responseReason\":\"NotificationQueueLimitExceeded\"}");
        assert_eq!(notification_action(&full), Some(NotificationAction::Refused));
        let declined = json!({"actionName": "Reject", "responseReason": "Reject"});
        assert_eq!(notification_action(&declined), Some(NotificationAction::Reject));
    }

    #[test]
    fn other_shapes() {
        assert_eq!(session_id(&json!("session-id-16")), Some("session-id-16".to_owned()));
        assert_eq!(
            session_id(&json!("\"session-id-16\"")),
            Some("session-id-16".to_owned())
        );
        assert_eq!(session_id(&json!({"x": 1})), None);
        assert_eq!(boolean(&json!("true")), Some(true));
        assert_eq!(boolean(&json!(false)), Some(false));
        assert_eq!(
            session_list(&json!("[\"a\",\"b\"]")),
            Some(vec!["a".to_owned(), "b".to_owned()])
        );
        let e = CifError::from_rejection(&json!(
            "{\"message\":\"NotificationTemplateNotFoundError\",\"msdyn_name\":\"NotifyEvent\"}"
        ));
        assert!(e.is_template_not_found());
        assert_eq!(e.name.as_deref(), Some("NotifyEvent"));
        assert!(!e.is_time_limit());
    }

    #[test]
    fn results_behind_a_byte_order_mark_or_stringified_twice_are_read() {
        let accept = json!({"actionName": "Accept"});
        let once = accept.to_string();
        let twice = Value::String(once.clone()).to_string();
        for text in [format!("\u{feff}{once}"), twice.clone(), format!(" \u{feff}{twice}\n")] {
            assert_eq!(unwrap_json(&json!(text)), Some(accept.clone()), "{text:?}");
            assert_eq!(
                notification_action(&json!(text)),
                Some(NotificationAction::Accept),
                "{text:?}"
            );
        }
        assert_eq!(session_id(&json!("\"session-1\"")).as_deref(), Some("session-1"));
        assert_eq!(
            session_list(&json!(json!(["s1"]).to_string())),
            Some(vec!["s1".to_owned()])
        );
        // A quoted string that only looks like JSON stays the string.
        assert_eq!(unwrap_json(&json!("\"{not json\"")), Some(json!("{not json")));
        assert_eq!(boolean(&json!("\u{feff}true")), Some(true));
    }

    #[test]
    fn an_unknown_template_is_permanent_however_it_is_worded() {
        for text in [
            "SessionTemplateNotFoundError",
            "sessiontemplatenotfound",
            "{\"message\":\"Template not found\",\"msdyn_name\":\"CreateTab\"}",
        ] {
            assert_eq!(
                CifError::from_rejection(&json!(text)).kind(),
                ErrorKind::Permanent,
                "{text}"
            );
        }
        for text in [
            "Record not found",
            "RejectAfterClientError",
            "Could not open the tab from template extn_entity_record: record phonecall 9b2c3d4e not found",
        ] {
            assert_eq!(
                CifError::from_rejection(&json!(text)).kind(),
                ErrorKind::Transient,
                "{text}"
            );
        }
    }

    #[test]
    fn time_limit_rejections_in_both_shapes() {
        let text = "Timeout occurred as no response was received from listener window";
        let object = CifError::from_rejection(&json!({"message": text, "msdyn_name": "CreateSession"}));
        let string = CifError::from_rejection(&json!(format!(
            "{{\"message\":\"{text}\",\"msdyn_name\":\"CreateTab\"}}"
        )));
        assert!(object.is_time_limit() && string.is_time_limit());
        assert_eq!(string.name.as_deref(), Some("CreateTab"));
        assert!(!CifError::from_rejection(&json!({"message": "RejectAfterClientError"})).is_time_limit());
        assert!(!CifError::from_rejection(&json!("timeout")).is_time_limit());
    }

    #[test]
    fn a_time_limit_wrapped_as_an_errors_cause_is_no_answer() {
        let text = "Timeout occurred as no response was received from listener window";
        let wrapped =
            json!({"name": "Error", "message": "createSession failed", "cause": {"name": "Error", "message": text}});
        assert!(CifError::from_rejection(&wrapped).is_time_limit());
        let aggregate = json!({"name": "AggregateError", "message": "", "errors": [{"message": text}]});
        assert!(CifError::from_rejection(&aggregate).is_time_limit());
        let plain =
            json!({"name": "Error", "message": "createSession failed", "cause": {"message": "RejectAfterClientError"}});
        assert_eq!(CifError::from_rejection(&plain).kind(), ErrorKind::Transient);
    }

    #[test]
    fn a_session_id_is_read_from_whichever_key_holds_text() {
        assert_eq!(
            session_id(&json!({"sessionId": null, "value": "s1"})).as_deref(),
            Some("s1")
        );
        assert_eq!(
            session_id(&json!({"sessionId": " s2 ", "value": "x"})).as_deref(),
            Some("s2")
        );
        assert_eq!(session_id(&json!({"sessionId": 3})), None);
    }

    #[test]
    fn a_bare_string_that_only_looks_like_json_is_classified_by_its_text() {
        let tagged = json!("[CIF] Timeout occurred as no response was received from listener window");
        assert_eq!(CifError::from_rejection(&tagged).kind(), ErrorKind::NoAnswer);
        let braced = json!("{createSession} SessionTemplateNotFoundError: extn_x");
        assert_eq!(CifError::from_rejection(&braced).kind(), ErrorKind::Permanent);
        let long = json!(format!("{}Timeout occurred", "x".repeat(MAX_RESULT_CHARS + 1)));
        let e = CifError::from_rejection(&long);
        assert_eq!(e.kind(), ErrorKind::NoAnswer);
        assert!(e.message.len() < 1_000, "reported as an excerpt");
    }

    #[test]
    fn a_long_message_is_classified_whole_though_reported_as_an_excerpt() {
        let prefix = "CIF: the listener window at https://org.crm.dynamics.com reported: ".repeat(3);
        let late = CifError::from_rejection(&json!({
            "message": format!("{prefix}Timeout occurred as no response was received from listener window")
        }));
        assert!(late.is_time_limit() && late.kind() == ErrorKind::NoAnswer);
        assert!(
            !late.message.contains("Timeout"),
            "the report keeps an excerpt: {}",
            late.message
        );
        let missing = CifError::from_rejection(&json!(format!("{prefix}SessionTemplateNotFoundError")));
        assert_eq!(missing.kind(), ErrorKind::Permanent);
    }
}
