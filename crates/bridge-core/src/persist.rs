//! What survives a page reload: per contact the session (or that one was being created, or was closed), the
//! tabs requested and the open notification's token, plus the ids of released contacts.
//!
//! Written as versioned JSON (`{"v":1,…}`) through [`crate::Command::Persist`] and read back from
//! [`crate::Input::Restore`]. The stored text is untrusted (any script on the origin can write
//! sessionStorage), so [`Persisted::parse`] bounds sizes, validates every id and keeps what is valid.

use crate::vecmap::{VecMap, VecSet};

use serde_json::Value;

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
        [TabKind::Activity, TabKind::Customer, TabKind::Search]
            .into_iter()
            .find(|k| k.as_str() == s)
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
    pub tabs: VecSet<TabKind>,
    /// The cancellation token of its open notification.
    pub token: Option<String>,
}

/// Everything persisted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Persisted {
    /// Live contacts.
    pub contacts: VecMap<ContactId, PersistedContact>,
    /// Released contacts, oldest first.
    pub handled: Vec<ContactId>,
}

impl Persisted {
    /// The versioned JSON text.
    pub fn to_json(&self) -> String {
        let mut contacts = String::new();
        write_contacts(&mut contacts, self.contacts.iter());
        let mut handled = String::new();
        write_handled(&mut handled, self.handled.iter());
        assemble(&contacts, &handled)
    }

    /// Parses stored text; never fails. Returns what was valid and a list of problems for reports.
    pub fn parse(raw: &str, max_handled: usize) -> (Persisted, Vec<String>) {
        let mut out = Persisted::default();
        let mut problems = Vec::new();
        if raw.trim().is_empty() {
            return (out, problems);
        }
        if raw.len() > MAX_RAW_CHARS {
            problems.push(format!(
                "stored state of {} bytes ignored: expected at most {MAX_RAW_CHARS}",
                raw.len()
            ));
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
                        .map(|a| {
                            a.iter()
                                .take(8)
                                .filter_map(Value::as_str)
                                .filter_map(TabKind::parse)
                                .collect()
                        })
                        .unwrap_or_default(),
                    token: s("token")
                        .filter(|t| !t.is_empty() && t.len() <= 300)
                        .map(str::to_owned),
                };
                out.contacts.insert(id, c);
            }
        }
        if let Some(handled) = v.get("handled").and_then(Value::as_array) {
            let skip = handled.len().saturating_sub(max_handled);
            out.handled = handled
                .iter()
                .skip(skip)
                .filter_map(Value::as_str)
                .filter_map(ContactId::parse)
                .collect();
        }
        (out, problems)
    }
}

/// Writes the `contacts` object (`{"id":{…},…}`) by hand: the engine re-renders it whenever a contact's
/// persisted fields may have changed, so it must cost a few hundred nanoseconds, not a `serde_json::Value` tree.
pub fn write_contacts<'a>(out: &mut String, contacts: impl Iterator<Item = (&'a ContactId, &'a PersistedContact)>) {
    out.push('{');
    for (i, (id, c)) in contacts.enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_str(out, id.as_str());
        out.push_str(":{");
        // Keys in sorted order, as serde_json's map wrote them (format v1 is byte-compatible).
        let mut first = true;
        let mut key = |out: &mut String, k: &str| {
            if !first {
                out.push(',');
            }
            first = false;
            write_str(out, k);
            out.push(':');
        };
        if c.closed {
            key(out, "closed");
            out.push_str("true");
        }
        if c.creating {
            key(out, "creating");
            out.push_str("true");
        }
        if c.declined {
            key(out, "declined");
            out.push_str("true");
        }
        if let Some(s) = &c.session_id {
            key(out, "sessionId");
            write_str(out, s);
        }
        if !c.tabs.is_empty() {
            key(out, "tabs");
            out.push('[');
            for (j, t) in c.tabs.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                write_str(out, t.as_str());
            }
            out.push(']');
        }
        if let Some(t) = &c.token {
            key(out, "token");
            write_str(out, t);
        }
        out.push('}');
    }
    out.push('}');
}

/// Writes the `handled` array. The engine keeps this text cached and re-renders it only when the set of
/// remembered ids changes (it holds up to `handledContactMemory` ids: the bulk of the stored text).
pub fn write_handled<'a>(out: &mut String, handled: impl Iterator<Item = &'a ContactId>) {
    out.push('[');
    for (i, id) in handled.enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_str(out, id.as_str());
    }
    out.push(']');
}

/// The whole stored text from its two pre-rendered parts.
pub fn assemble(contacts_json: &str, handled_json: &str) -> String {
    let mut out = String::with_capacity(contacts_json.len() + handled_json.len() + 32);
    out.push_str("{\"contacts\":");
    out.push_str(contacts_json);
    out.push_str(",\"handled\":");
    out.push_str(handled_json);
    out.push_str(",\"v\":1}");
    out
}

/// A JSON string literal. Ids and tokens are validated printable text, but a stored text is read back as
/// untrusted anyway, so everything JSON needs escaped is escaped.
fn write_str(out: &mut String, s: &str) {
    out.push('"');
    // Fast path: validated ids are printable ASCII without quotes or backslashes.
    if !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        out.push_str(s);
        out.push('"');
        return;
    }
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_hostile() {
        let mut p = Persisted::default();
        p.contacts.insert(
            ContactId::known("c1"),
            PersistedContact {
                session_id: Some("s1".into()),
                tabs: [TabKind::Activity].into(),
                ..Default::default()
            },
        );
        p.handled.push(ContactId::known("c0"));
        let text = p.to_json();
        assert_eq!(
            text,
            r#"{"contacts":{"c1":{"sessionId":"s1","tabs":["activity"]}},"handled":["c0"],"v":1}"#
        );
        assert_eq!(Persisted::parse(&text, 10).0, p);
        let mut hostile = PersistedContact {
            token: Some("a\"b\\c\n\u{1}é".into()),
            ..Default::default()
        };
        hostile.closed = true;
        hostile.creating = true;
        hostile.declined = true;
        hostile.tabs = [TabKind::Search, TabKind::Customer].into();
        let mut q = Persisted::default();
        q.contacts.insert(ContactId::known("c2"), hostile);
        let text = q.to_json();
        assert!(serde_json::from_str::<Value>(&text).is_ok(), "{text}");
        assert_eq!(Persisted::parse(&text, 10).0, q);
        for bad in [
            "",
            "nope",
            "[]",
            "{\"v\":2}",
            "{\"v\":1,\"contacts\":[1],\"handled\":{}}",
        ] {
            assert_eq!(Persisted::parse(bad, 10).0, Persisted::default());
        }
    }
}
