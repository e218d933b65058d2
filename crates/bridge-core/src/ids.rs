//! Identifiers the core hands out or receives.

use std::fmt;

use serde::Serialize;

/// Longest contact id the core keeps; Amazon Connect ids are 36-character UUIDs.
pub const MAX_CONTACT_ID_LEN: usize = 128;

/// An Amazon Connect contact id, as Streams reported it.
///
/// Built only through [`ContactId::parse`], so an empty or absurdly long id from a hostile snapshot never
/// becomes a key in the engine's tables.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ContactId(String);

impl ContactId {
    /// Accepts a non-empty id of printable ASCII no longer than [`MAX_CONTACT_ID_LEN`].
    pub fn parse(raw: &str) -> Option<ContactId> {
        let ok = !raw.is_empty() && raw.len() <= MAX_CONTACT_ID_LEN && raw.bytes().all(|b| b.is_ascii_graphic());
        ok.then(|| ContactId(raw.to_owned()))
    }

    /// The id as Streams spelled it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
impl ContactId {
    /// A contact id from a literal the test knows to be valid (unit tests only).
    pub(crate) fn known(raw: &str) -> ContactId {
        match ContactId::parse(raw) {
            Some(id) => id,
            None => panic!("{raw:?} is not a valid contact id"),
        }
    }
}

impl fmt::Display for ContactId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Matches a CIF reply to the call that caused it, even when replies of several contacts arrive out of order.
///
/// Handed out by a counter in the core; the shell only carries it from a command to its reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct RequestId(pub u64);

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "r{}", self.0)
    }
}
