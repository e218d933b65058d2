//! What survives a page reload: per contact the session (or that one was being created, or was closed), the
//! tabs requested and the open notification's token, plus the ids of released contacts.
//!
//! Written as versioned JSON (`{"v":2,…}`) in two slots ([`crate::PersistSlot`]) through
//! [`crate::Command::Persist`] and read back from [`crate::Input::Restore`]. This is a cache that saves round
//! trips to Dynamics, never the truth: the engine reconciles with `getAllSessions`/`getSession` after a reload.
//! The stored text is untrusted (any script on the origin can write sessionStorage), so [`Persisted::parse`]
//! bounds sizes, validates every id and keeps what is valid.

use serde::Serialize;
use serde_json::Value;

use crate::vecmap::{VecMap, VecSet};

use crate::contact::UnplacedTab;
use crate::ids::ContactId;
use crate::reply::valid_session_id;
use crate::slug::TemplateName;

/// The format version written; other versions are ignored with a report.
pub const VERSION: u64 = 2;
/// Longest stored text read.
pub const MAX_RAW_CHARS: usize = 1_000_000;
/// Most contacts restored.
pub const MAX_CONTACTS: usize = 200;
/// Most handled ids read from one slot (a chunk holds a tenth of `handledContactMemory`, at most 100,000).
const MAX_HANDLED_PER_SLOT: usize = 100_000;

/// An application tab the bridge opens in a contact's session.
///
/// Its spelling is written once, in [`TabKind::as_str`]: storage, the console and context records all use it, and
/// reading is lenient per entry ([`TabKind::parse`]), so serde only writes it (a derive would be a second list).
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

    /// The kind a stored (or context-recorded) spelling names.
    pub fn parse(s: &str) -> Option<TabKind> {
        [TabKind::Activity, TabKind::Customer, TabKind::Search]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

impl Serialize for TabKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// What is remembered of one contact.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PersistedContact {
    /// Its session, once created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// A `createSession` was sent and not answered: never send another before Dynamics was asked.
    #[serde(skip_serializing_if = "is_false")]
    pub creating: bool,
    /// A tab request of it was unanswered: Dynamics may still carry it out, in whichever session is focused
    /// then, so a reloaded page holds the pop turn for `popTurnMs` as that request would have.
    #[serde(skip_serializing_if = "is_false")]
    pub opening: bool,
    /// The agent closed its session: never write to it again, never open another.
    #[serde(skip_serializing_if = "is_false")]
    pub closed: bool,
    /// The agent declined its notification.
    #[serde(skip_serializing_if = "is_false")]
    pub declined: bool,
    /// Another Dynamics tab of the agent popped it: a reloaded page that follows, then leads, never pops it.
    #[serde(skip_serializing_if = "is_false")]
    pub elsewhere: bool,
    /// The page that wrote this had not seen the contact end: a reloaded page that meets it over writes its
    /// activity end (the reload itself may have ended the call). Absent, the page before saw the end and wrote it
    /// (or left it to the tab that writes ends), or was a version that did not say: text stored by that version
    /// keeps its meaning then (the end left as that page wrote it), rather than an end written twice with a later
    /// time.
    #[serde(skip_serializing_if = "is_false")]
    pub live: bool,
    /// Tabs already requested in its session.
    #[serde(skip_serializing_if = "VecSet::is_empty")]
    pub tabs: VecSet<TabKind>,
    /// Tabs Dynamics opened while the agent was in a session not this provider's: the reloaded page still looks
    /// for each in the contact's session before it opens it there (never in `tabs`).
    #[serde(skip_serializing_if = "VecMap::is_empty", serialize_with = "unplaced_as_map")]
    pub unplaced: VecMap<TabKind, UnplacedTab>,
    /// The cancellation token of its open notification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn unplaced_as_map<S: serde::Serializer>(tabs: &VecMap<TabKind, UnplacedTab>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(tabs.iter())
}

/// Everything persisted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Persisted {
    /// Live contacts.
    pub contacts: VecMap<ContactId, PersistedContact>,
    /// Released contacts with their sequence numbers, oldest first.
    pub handled: Vec<(u64, ContactId)>,
    /// Open sessions that belong to no live contact (a released contact's, kept for wrap-up, or another
    /// provider's): counted again after a reload and never taken for a contact whose session is in doubt.
    pub other_sessions: Vec<String>,
    /// The nonce of the page load that wrote the contacts slot. A duplicated browser tab starts with a copy of
    /// the original's storage: hearing this nonce from a live page on the tabs' channel tells the copy that what
    /// it restored is that page's, not its own.
    pub page: Option<String>,
}

/// Most sessions of no live contact stored (CIF allows 10 sessions in all).
pub const MAX_OTHER_SESSIONS: usize = 32;

/// The contacts slot as written: borrowed, so rendering copies nothing but the text.
#[derive(Serialize)]
struct ContactsSlot<'a> {
    v: u64,
    #[serde(serialize_with = "as_map")]
    contacts: &'a [(&'a ContactId, &'a PersistedContact)],
    #[serde(rename = "otherSessions", skip_serializing_if = "<[_]>::is_empty")]
    other_sessions: &'a [&'a str],
    #[serde(skip_serializing_if = "str::is_empty")]
    page: &'a str,
}

/// The highest sequence number of a released contact read back (JavaScript's largest safe integer): numbers
/// only ever count up from 0, and one beyond this came from something other than a page of this bridge.
const MAX_SEQUENCE: u64 = (1 << 53) - 1;

/// One chunk of handled ids as written: `first` is the sequence number of the first id, the others follow.
#[derive(Serialize)]
struct HandledSlot<'a> {
    v: u64,
    first: u64,
    handled: &'a [&'a str],
}

fn as_map<S: serde::Serializer>(entries: &&[(&ContactId, &PersistedContact)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(entries.iter().map(|(id, c)| (id.as_str(), c)))
}

/// The contacts slot's text, written by the page load whose nonce is `page`.
pub fn contacts_text(contacts: &[(&ContactId, &PersistedContact)], other_sessions: &[&str], page: &str) -> String {
    // Serialising plain strings, bools and sequences cannot fail; an empty text would only be read as nothing.
    let slot = ContactsSlot {
        v: VERSION,
        contacts,
        other_sessions,
        page,
    };
    serde_json::to_string(&slot).unwrap_or_default()
}

/// The text of one chunk of handled ids, the first numbered `first`.
pub fn handled_text<'a>(first: u64, handled: impl Iterator<Item = &'a ContactId>) -> String {
    let ids: Vec<&str> = handled.map(ContactId::as_str).collect();
    serde_json::to_string(&HandledSlot {
        v: VERSION,
        first,
        handled: &ids,
    })
    .unwrap_or_default()
}

impl Persisted {
    /// The contacts slot's text and the handled ids as one chunk's text.
    pub fn to_texts(&self) -> (String, String) {
        let contacts: Vec<(&ContactId, &PersistedContact)> = self.contacts.iter().collect();
        let others: Vec<&str> = self.other_sessions.iter().map(String::as_str).collect();
        let first = self.handled.first().map_or(0, |(seq, _)| *seq);
        (
            contacts_text(&contacts, &others, self.page.as_deref().unwrap_or_default()),
            handled_text(first, self.handled.iter().map(|(_, id)| id)),
        )
    }

    /// Parses the stored slots (the handled ids' chunks in any order); never fails. Returns what was valid and
    /// a list of problems for reports.
    pub fn parse<'a>(
        contacts: Option<&str>,
        handled: impl IntoIterator<Item = &'a str>,
        max_handled: usize,
    ) -> (Persisted, Vec<String>) {
        let mut out = Persisted::default();
        let mut problems = Vec::new();
        if let Some(v) = contacts.and_then(|raw| read_slot(raw, "contacts", &mut problems)) {
            if let Some(contacts) = v.get("contacts").and_then(Value::as_object) {
                for (key, entry) in contacts.iter().take(MAX_CONTACTS) {
                    let Some(id) = ContactId::parse(key) else {
                        problems.push("stored contact with an invalid id ignored".to_owned());
                        continue;
                    };
                    out.contacts.insert(id, read_contact(entry));
                }
                doubt_shared_sessions(&mut out.contacts, &mut problems);
            }
            if let Some(others) = v.get("otherSessions").and_then(Value::as_array) {
                out.other_sessions = others
                    .iter()
                    .take(MAX_OTHER_SESSIONS)
                    .filter_map(Value::as_str)
                    .map(str::trim)
                    .filter(|s| valid_session_id(s))
                    .map(str::to_owned)
                    .collect();
            }
            // A page nonce is letters and digits, at most 16 (`Bridge::with_page_nonce`).
            out.page = v
                .get("page")
                .and_then(Value::as_str)
                .filter(|n| (1..=16).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_alphanumeric()))
                .map(str::to_owned);
        }
        // By sequence number (a chunk without `first` is the single list an older page wrote: from 0), the
        // newest `max_handled` kept.
        let mut numbered: VecMap<u64, ContactId> = VecMap::new();
        for raw in handled {
            let Some(v) = read_slot(raw, "handled", &mut problems) else {
                continue;
            };
            let first = v.get("first").and_then(Value::as_u64).unwrap_or(0);
            if first > MAX_SEQUENCE {
                // One released contact a second for a million years stays far below: this is not a page's writing.
                problems.push(format!(
                    "stored handled ids numbered from {first} ignored: expected at most {MAX_SEQUENCE}"
                ));
                continue;
            }
            let Some(ids) = v.get("handled").and_then(Value::as_array) else {
                continue;
            };
            for (i, id) in ids.iter().take(MAX_HANDLED_PER_SLOT).enumerate() {
                if let Some(id) = id.as_str().and_then(ContactId::parse) {
                    numbered.insert(first.saturating_add(i as u64), id);
                }
            }
        }
        let skip = numbered.len().saturating_sub(max_handled);
        out.handled = numbered.into_iter().skip(skip).collect();
        (out, problems)
    }
}

/// The JSON of one slot, if it is sized, parseable and of this version.
fn read_slot(raw: &str, slot: &str, problems: &mut Vec<String>) -> Option<Value> {
    if raw.trim().is_empty() {
        return None;
    }
    if raw.len() > MAX_RAW_CHARS {
        problems.push(format!(
            "stored {slot} of {} bytes ignored: expected at most {MAX_RAW_CHARS}",
            raw.len()
        ));
        return None;
    }
    let Ok(v) = serde_json::from_str::<Value>(raw) else {
        problems.push(format!("stored {slot} ignored: expected JSON text"));
        return None;
    };
    if v.get("v").and_then(Value::as_u64) != Some(VERSION) {
        problems.push(format!("stored {slot} ignored: expected version {VERSION}"));
        return None;
    }
    Some(v)
}

/// A session stored for more than one contact belongs to one of them at most, and which one only Dynamics
/// can say: none keeps it (nor its tabs, which would open in another contact's session). Each is read as a
/// `createSession` in flight instead, so the reloaded page asks Dynamics before anything is created or opened.
fn doubt_shared_sessions(contacts: &mut VecMap<ContactId, PersistedContact>, problems: &mut Vec<String>) {
    let mut seen: VecSet<&str> = VecSet::new();
    let mut shared: VecSet<String> = VecSet::new();
    for c in contacts.values() {
        if let Some(sid) = c.session_id.as_deref() {
            if !seen.insert(sid) {
                shared.insert(sid.to_owned());
            }
        }
    }
    for sid in shared.iter() {
        problems.push(format!(
            "stored session {} is named for several contacts: Dynamics is asked whose it is",
            crate::text::excerpt(sid)
        ));
    }
    for c in contacts.values_mut() {
        if c.session_id.as_ref().is_some_and(|sid| shared.contains(sid)) {
            c.session_id = None;
            c.tabs = VecSet::new();
            c.unplaced = VecMap::new();
            c.creating = true;
        }
    }
}

fn read_contact(entry: &Value) -> PersistedContact {
    let s = |k: &str| entry.get(k).and_then(Value::as_str).map(str::trim);
    let b = |k: &str| entry.get(k).and_then(Value::as_bool).unwrap_or(false);
    PersistedContact {
        session_id: s("sessionId").filter(|s| valid_session_id(s)).map(str::to_owned),
        creating: b("creating"),
        opening: b("opening"),
        closed: b("closed"),
        declined: b("declined"),
        elsewhere: b("elsewhere"),
        live: b("live"),
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
        unplaced: entry
            .get("unplaced")
            .and_then(Value::as_object)
            .map(|tabs| tabs.iter().take(8).filter_map(read_unplaced_tab).collect())
            .unwrap_or_default(),
        token: s("token")
            .filter(|t| !t.is_empty() && t.len() <= 300)
            .map(str::to_owned),
    }
}

/// One stored unplaced tab, if its kind, id and template are each valid.
fn read_unplaced_tab((kind, tab): (&String, &Value)) -> Option<(TabKind, UnplacedTab)> {
    let kind = TabKind::parse(kind)?;
    let tab_id = tab
        .get("tabId")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| valid_session_id(t))?;
    let template = tab
        .get("templateName")
        .and_then(Value::as_str)
        .and_then(TemplateName::parse)?;
    Some((
        kind,
        UnplacedTab {
            tab_id: tab_id.to_owned(),
            template_name: template.as_str().to_owned(),
        },
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn handled_chunks_are_read_in_number_order_whatever_the_slots_and_an_old_single_list_too() {
        let newer = r#"{"v":2,"first":100,"handled":["c100","c101"]}"#;
        let older = r#"{"v":2,"first":98,"handled":["c98","c99"]}"#;
        let ids = |p: Persisted| {
            p.handled
                .into_iter()
                .map(|(n, id)| format!("{n}:{id}"))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids(Persisted::parse(None, [newer, older], 3).0),
            vec!["99:c99", "100:c100", "101:c101"],
            "the newest three"
        );
        let single = r#"{"v":2,"handled":["a","b"]}"#;
        assert_eq!(ids(Persisted::parse(None, [single], 10).0), vec!["0:a", "1:b"]);
    }

    #[test]
    fn other_sessions_round_trip_and_only_valid_ids_are_read_back() {
        let p = Persisted {
            other_sessions: vec!["sA".into()],
            ..Persisted::default()
        };
        let (contacts, _) = p.to_texts();
        assert_eq!(contacts, r#"{"v":2,"contacts":{},"otherSessions":["sA"]}"#);
        assert_eq!(Persisted::parse(Some(&contacts), [], 10).0, p);
        let hostile = r#"{"v":2,"contacts":{},"otherSessions":["", 7, "a b\u0000", "ok-1", {"x":1}]}"#;
        assert_eq!(
            Persisted::parse(Some(hostile), [], 10).0.other_sessions,
            vec!["ok-1".to_owned()]
        );
    }

    #[test]
    fn unplaced_tabs_round_trip_apart_from_the_requested_ones_and_only_valid_ones_are_read_back() {
        let mut p = Persisted::default();
        let mut contact = PersistedContact {
            session_id: Some("s1".into()),
            tabs: [TabKind::Activity].into(),
            ..Default::default()
        };
        contact.unplaced.insert(
            TabKind::Customer,
            UnplacedTab {
                tab_id: "tab-7".into(),
                template_name: "msdyn_customer".into(),
            },
        );
        p.contacts.insert(ContactId::known("c1"), contact);
        let (contacts, _) = p.to_texts();
        assert_eq!(
            contacts,
            r#"{"v":2,"contacts":{"c1":{"sessionId":"s1","tabs":["activity"],"unplaced":{"customer":{"tabId":"tab-7","templateName":"msdyn_customer"}}}}}"#
        );
        assert_eq!(Persisted::parse(Some(&contacts), [], 10).0, p);
        let hostile = r#"{"v":2,"contacts":{"c1":{"sessionId":"s1","unplaced":{
            "customer":{"tabId":"null","templateName":"msdyn_customer"},
            "search":{"tabId":"t","templateName":"no template"},
            "nothing":{"tabId":"t","templateName":"msdyn_customer"},
            "activity":["t"]}}}}"#;
        let read = Persisted::parse(Some(hostile), [], 10).0;
        assert!(read.contacts.values().all(|c| c.unplaced.is_empty()), "{read:?}");
    }

    #[test]
    fn a_handled_chunk_numbered_beyond_any_page_is_refused_and_said() {
        let huge = r#"{"v":2,"first":18446744073709551615,"handled":["c1"]}"#;
        let fine = r#"{"v":2,"first":9007199254740991,"handled":["c2"]}"#;
        let (p, problems) = Persisted::parse(None, [huge, fine], 10);
        assert_eq!(p.handled, vec![(MAX_SEQUENCE, ContactId::known("c2"))]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("18446744073709551615"), "{problems:?}");
    }

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
        p.handled.push((0, ContactId::known("c0")));
        let (contacts, handled) = p.to_texts();
        assert_eq!(
            contacts,
            r#"{"v":2,"contacts":{"c1":{"sessionId":"s1","tabs":["activity"]}}}"#
        );
        assert_eq!(handled, r#"{"v":2,"first":0,"handled":["c0"]}"#);
        assert_eq!(Persisted::parse(Some(&contacts), [handled.as_str()], 10).0, p);
        let hostile = PersistedContact {
            token: Some("a\"b\\c\n\u{1}é".into()),
            closed: true,
            creating: true,
            opening: true,
            declined: true,
            live: true,
            tabs: [TabKind::Search, TabKind::Customer].into(),
            ..Default::default()
        };
        let mut q = Persisted::default();
        q.contacts.insert(ContactId::known("c2"), hostile);
        let (text, _) = q.to_texts();
        assert!(serde_json::from_str::<Value>(&text).is_ok(), "{text}");
        assert_eq!(Persisted::parse(Some(&text), [], 10).0, q);
        for bad in [
            "",
            "nope",
            "[]",
            "{\"v\":1}",
            "{\"v\":2,\"contacts\":[1],\"handled\":{}}",
        ] {
            assert_eq!(Persisted::parse(Some(bad), [bad], 10).0, Persisted::default());
        }
    }
}
