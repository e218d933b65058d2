//! The bounded diagnostic trace: inputs, decisions and commands, newest last.
//!
//! A ring buffer of `traceCapacity` entries, so a page left open for a whole shift keeps flat memory; the
//! page exports it as JSON for a support ticket. Entries never hold phone numbers or customer names: the code
//! that writes them only has [`crate::redact::Redacted`] values or parameter *names* in hand.

use std::collections::VecDeque;

use serde::Serialize;

use crate::time::Millis;

/// One trace line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TraceEntry {
    /// When (the input's timestamp).
    pub at: u64,
    /// The contact concerned, if any.
    pub contact: Option<String>,
    /// The CIF correlation id of that contact, so the trace lines up with Dynamics telemetry.
    pub correlation_id: Option<String>,
    /// What kind of line: `input.contact`, `cif.notifyEvent`, `reply.createSession`, `decision`, `report`, …
    pub kind: String,
    /// Free detail, already redacted.
    pub detail: String,
}

/// A ring buffer of [`TraceEntry`].
#[derive(Debug, Clone)]
pub struct Trace {
    capacity: usize,
    entries: VecDeque<TraceEntry>,
    dropped: u64,
}

impl Trace {
    /// An empty trace that keeps at most `capacity` entries.
    pub fn new(capacity: usize) -> Trace {
        Trace {
            capacity,
            entries: VecDeque::new(),
            dropped: 0,
        }
    }

    /// Changes the capacity, dropping the oldest entries if needed.
    pub fn set_capacity(&mut self, capacity: usize) {
        self.capacity = capacity;
        self.trim();
    }

    fn trim(&mut self) {
        while self.entries.len() > self.capacity {
            self.entries.pop_front();
            self.dropped += 1;
        }
    }

    /// Appends one line.
    pub fn push(
        &mut self,
        at: Millis,
        contact: Option<&str>,
        correlation_id: Option<&str>,
        kind: &str,
        detail: String,
    ) {
        if self.capacity == 0 {
            self.dropped += 1;
            return;
        }
        self.entries.push_back(TraceEntry {
            at: at.0,
            contact: contact.map(str::to_owned),
            correlation_id: correlation_id.map(str::to_owned),
            kind: kind.to_owned(),
            detail,
        });
        self.trim();
    }

    /// The lines kept, oldest first.
    pub fn entries(&self) -> impl Iterator<Item = &TraceEntry> {
        self.entries.iter()
    }

    /// How many lines were dropped for capacity.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The kept lines as a JSON array.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.entries).unwrap_or_else(|_| "[]".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_is_bounded() {
        let mut t = Trace::new(2);
        for i in 0..5 {
            t.push(Millis(i), None, None, "k", format!("{i}"));
        }
        assert_eq!(t.entries().map(|e| e.at).collect::<Vec<_>>(), vec![3, 4]);
        assert_eq!(t.dropped(), 3);
        assert!(t.to_json().starts_with("[{\"at\":3,"));
    }
}
