//! Deadlines as data: a table of keyed instants, of which the shell arms only the earliest.

use crate::time::Millis;
use crate::vecmap::VecMap;

/// Keyed deadlines; re-inserting a key moves its deadline.
///
/// One small map, the earliest found by a scan: deadlines are a few per contact in flight, and a second
/// time-ordered index (a `BTreeSet`) cost more wasm code than the scans cost time.
#[derive(Debug, Clone)]
pub struct TimerTable<K: Ord + Copy> {
    by_key: VecMap<K, Millis>,
}

impl<K: Ord + Copy> Default for TimerTable<K> {
    fn default() -> Self {
        TimerTable { by_key: VecMap::new() }
    }
}

impl<K: Ord + Copy> TimerTable<K> {
    /// Sets (or moves) `key`'s deadline to `at`.
    pub fn insert(&mut self, at: Millis, key: K) {
        self.by_key.insert(key, at);
    }

    /// Whether `key` has a deadline.
    pub fn contains(&self, key: K) -> bool {
        self.by_key.get(&key).is_some()
    }

    /// Cancels `key`'s deadline, if any.
    pub fn remove(&mut self, key: K) {
        self.by_key.remove(&key);
    }

    /// The earliest deadline and its key: among equal deadlines the smallest key, so that deadlines falling
    /// together fire in one fixed order.
    fn earliest(&self) -> Option<(Millis, K)> {
        self.by_key.iter().map(|(k, at)| (*at, *k)).min()
    }

    /// The earliest deadline.
    pub fn next(&self) -> Option<Millis> {
        self.earliest().map(|(at, _)| at)
    }

    /// Removes and returns one key whose deadline is at or before `now`, earliest first.
    pub fn pop_due(&mut self, now: Millis) -> Option<K> {
        let (at, key) = self.earliest()?;
        if at > now {
            return None;
        }
        self.remove(key);
        Some(key)
    }

    /// How many deadlines are set.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// Whether no deadline is set.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_and_moves() {
        let mut t = TimerTable::default();
        t.insert(Millis(30), 1u32);
        t.insert(Millis(10), 2);
        t.insert(Millis(50), 2);
        assert_eq!(t.next(), Some(Millis(30)));
        assert_eq!(t.pop_due(Millis(29)), None);
        assert_eq!(t.pop_due(Millis(60)), Some(1));
        assert_eq!(t.pop_due(Millis(60)), Some(2));
        assert!(t.is_empty());
    }
}
