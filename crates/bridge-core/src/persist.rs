//! What survives a page reload: per contact the session (or that one was being created, or was closed), the
//! tabs requested and the open notification's token, plus the ids of released contacts.
//!
//! Written as versioned JSON (`{"v":1,…}`) through [`crate::Command::Persist`] and read back from
//! [`crate::Input::Restore`]. The stored text is untrusted (any script on the origin can write
//! sessionStorage), so [`Persisted::parse`] bounds sizes, validates every id and keeps what is valid.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use crate::ids::ContactId;
use crate::reply::valid_session_id;

/// The format version written; other versions are ignored with a report.
pub const VERSION: u64 = 1;
/// Longest stored text read.
pub const MAX_RAW_CHARS: usize = 1_000_000;
/// Most contacts restored.
pub const MAX_CONTACTS: usize = 200;

/// An application tab the bridge opens in a contact's session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TabKind {
    /// The timeline activity record (`CreateTimeline`).
    Activity,
    /// The matched customer's record.
    Customer,
    /// A search for the customer (multi / no match).
    Search,
}

impl TabKind {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TabKind::Activity => "activity",
            TabKind::Customer => "customer",
            TabKind::Search => "search",
        }
    }

    fn parse(s: &str) -> Option<TabKind> {
        [TabKind::Activity, TabKind::Customer, TabKind::Search].into_iter().find(|k| k.as_str() == s)
    }
}

/// What is remembered of one contact.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PersistedContact {
    /// Its session, once created.
    pub session_id: Option<String>,
    /// A `createSession` was sent and not answered: never send another.
    pub creating: bool,
    /// The agent closed its session: never write to it again, never open another.
    pub closed: bool,
    /// The agent declined its notification.
    pub declined: bool,
    /// Tabs already requested in its session.
    pub tabs: BTreeSet<TabKind>,
    /// The cancellation token of its open notification.
    pub token: Option<String>,
}

/// Everything persisted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Persisted {
    /// Live contacts.
    pub contacts: BTreeMap<ContactId, PersistedContact>,
    /// Released contacts, oldest first.
    pub handled: Vec<ContactId>,
}

impl Persisted {
    /// The versioned JSON text.
    pub fn to_json(&self) -> String {
        let mut contacts = Map::new();
        for (id, c) in &self.contacts {
            let mut m = Map::new();
            if let Some(s) = &c.session_id {
                m.insert("sessionId".into(), json!(s));
            }
            if c.creating {
                m.insert("creating".into(), json!(true));
            }
            if c.closed {
                m.insert("closed".into(), json!(true));
            }
            if c.declined {
                m.insert("declined".into(), json!(true));
            }
            if !c.tabs.is_empty() {
                m.insert("tabs".into(), json!(c.tabs.iter().map(|t| t.as_str()).collect::<Vec<_>>()));
            }
            if let Some(t) = &c.token {
                m.insert("token".into(), json!(t));
            }
            contacts.insert(id.as_str().to_owned(), Value::Object(m));
        }
        let handled: Vec<&str> = self.handled.iter().map(ContactId::as_str).collect();
        json!({"v": VERSION, "contacts": contacts, "handled": handled}).to_string()
    }

    /// Parses stored text; never fails. Returns what was valid and a list of problems for reports.
    pub fn parse(raw: &str, max_handled: usize) -> (Persisted, Vec<String>) {
        let mut out = Persisted::default();
        let mut problems = Vec::new();
        if raw.trim().is_empty() {
            return (out, problems);
        }
        if raw.len() > MAX_RAW_CHARS {
            problems.push(format!("stored state of {} bytes ignored: expected at most {MAX_RAW_CHARS}", raw.len()));
            return (out, problems);
        }
        let v: Value = match serde_json::from_str(raw) {
            Ok(v) => v,
            Err(_) => {
                problems.push("stored state ignored: expected JSON text".to_owned());
                return (out, problems);
            }
        };
        if v.get("v").and_then(Value::as_u64) != Some(VERSION) {
            problems.push(format!("stored state ignored: expected version {VERSION}"));
            return (out, problems);
        }
        if let Some(contacts) = v.get("contacts").and_then(Value::as_object) {
            for (key, entry) in contacts.iter().take(MAX_CONTACTS) {
                let Some(id) = ContactId::parse(key) else {
                    problems.push("stored contact with an invalid id ignored".to_owned());
                    continue;
                };
                let s = |k: &str| entry.get(k).and_then(Value::as_str).map(str::trim);
                let b = |k: &str| entry.get(k).and_then(Value::as_bool).unwrap_or(false);
                let c = PersistedContact {
                    session_id: s("sessionId").filter(|s| valid_session_id(s)).map(str::to_owned),
                    creating: b("creating"),
                    closed: b("closed"),
                    declined: b("declined"),
                    tabs: entry
                        .get("tabs")
                        .and_then(Value::as_array)
                        .map(|a| a.iter().take(8).filter_map(Value::as_str).filter_map(TabKind::parse).collect())
                        .unwrap_or_default(),
                    token: s("token").filter(|t| !t.is_empty() && t.len() <= 300).map(str::to_owned),
                };
                out.contacts.insert(id, c);
            }
        }
        if let Some(handled) = v.get("handled").and_then(Value::as_array) {
            let skip = handled.len().saturating_sub(max_handled);
            out.handled = handled.iter().skip(skip).filter_map(Value::as_str).filter_map(ContactId::parse).collect();
        }
        (out, problems)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_hostile() {
        let mut p = Persisted::default();
        p.contacts.insert(
            ContactId::parse("c1").unwrap(),
            PersistedContact { session_id: Some("s1".into()), tabs: [TabKind::Activity].into(), ..Default::default() },
        );
        p.handled.push(ContactId::parse("c0").unwrap());
        let text = p.to_json();
        assert_eq!(text, r#"{"contacts":{"c1":{"sessionId":"s1","tabs":["activity"]}},"handled":["c0"],"v":1}"#);
        assert_eq!(Persisted::parse(&text, 10).0, p);
        for bad in ["", "nope", "[]", "{\"v\":2}", "{\"v\":1,\"contacts\":[1],\"handled\":{}}"] {
            assert_eq!(Persisted::parse(bad, 10).0, Persisted::default());
        }
    }
}
