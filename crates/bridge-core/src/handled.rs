//! The bounded memory of released contacts, so a contact Streams delivers again never pops twice.

use std::collections::VecDeque;

use crate::vecmap::VecSet;

use crate::ids::ContactId;

/// The last `capacity` released contact ids, oldest evicted first.
///
/// Each id gets the next sequence number; ids are stored in chunks of consecutive numbers
/// ([`HandledIds::chunk_size`]), so a release rewrites one chunk ([`HandledIds::take_changed_chunks`]) and a
/// reload puts the chunks back in order by number.
#[derive(Debug, Clone, Default)]
pub struct HandledIds {
    capacity: usize,
    order: VecDeque<(u64, ContactId)>,
    set: VecSet<ContactId>,
    next_seq: u64,
    /// Chunks (sequence number / chunk size) changed since they were last taken for storage.
    changed: VecSet<u64>,
    /// Stored ids beyond the capacity, oldest first, read at page load: storage is read before Custom Parameters
    /// settle the capacity, and a larger one takes them back ([`HandledIds::set_capacity`]). Not remembered
    /// meanwhile, as before a reload.
    reserve: VecDeque<(u64, ContactId)>,
}

/// The fewest ids in a chunk: below that, chunking saves nothing worth a storage key.
const MIN_CHUNK: u64 = 100;

impl HandledIds {
    /// An empty memory of `capacity` ids.
    pub fn new(capacity: usize) -> HandledIds {
        HandledIds {
            capacity,
            ..HandledIds::default()
        }
    }

    /// Changes the capacity, forgetting the oldest ids if needed. A new chunk size regroups every id, so all
    /// chunks are stored again.
    pub fn set_capacity(&mut self, capacity: usize) {
        let before = self.chunk_size();
        self.capacity = capacity;
        let mut reserve = std::mem::take(&mut self.reserve);
        while self.order.len() < capacity {
            let Some((seq, id)) = reserve.pop_back() else { break };
            if self.set.insert(id.clone()) {
                self.order.push_front((seq, id));
            }
        }
        self.trim();
        if self.chunk_size() != before {
            let size = self.chunk_size();
            self.changed = self.order.iter().map(|(seq, _)| seq / size).collect();
        }
    }

    /// Ids per stored chunk: a tenth of the capacity, at least `MIN_CHUNK` (100). Ten full chunks and the one being
    /// filled hold the whole memory in [`crate::command::HANDLED_SLOTS`] slots.
    pub fn chunk_size(&self) -> u64 {
        (self.capacity as u64).div_ceil(10).max(MIN_CHUNK)
    }

    fn trim(&mut self) {
        while self.order.len() > self.capacity {
            if let Some((_, old)) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
    }

    /// Remembers `id` (no-op if already remembered).
    pub fn insert(&mut self, id: ContactId) {
        if self.set.insert(id.clone()) {
            let seq = self.next_seq;
            self.next_seq = seq.saturating_add(1);
            self.order.push_back((seq, id));
            self.changed.insert(seq / self.chunk_size());
            self.trim();
        }
    }

    /// Puts back an id stored under sequence number `seq` (restored in increasing order); nothing to store again.
    /// The oldest beyond the capacity are set aside until the capacity is settled.
    pub fn restore(&mut self, seq: u64, id: ContactId) {
        if seq >= self.next_seq && self.set.insert(id.clone()) {
            self.next_seq = seq.saturating_add(1);
            self.order.push_back((seq, id));
            while self.order.len() > self.capacity {
                if let Some((seq, old)) = self.order.pop_front() {
                    self.set.remove(&old);
                    self.reserve.push_back((seq, old));
                }
            }
        }
    }

    /// The chunks changed since the last call, each as (chunk number, first sequence number, its ids in order).
    pub fn take_changed_chunks(&mut self) -> Vec<(u64, u64, Vec<&ContactId>)> {
        let size = self.chunk_size();
        let changed = std::mem::take(&mut self.changed);
        changed
            .into_iter()
            .map(|chunk| {
                // Retained ids have consecutive numbers (eviction is oldest first), so the first one's number
                // and the order give every number back.
                let mut in_chunk = self.order.iter().filter(|(seq, _)| seq / size == chunk).peekable();
                let first = in_chunk.peek().map_or(chunk * size, |(seq, _)| *seq);
                (chunk, first, in_chunk.map(|(_, id)| id).collect())
            })
            .collect()
    }

    /// Whether `id` was released recently.
    pub fn contains(&self, id: &ContactId) -> bool {
        self.set.contains(id)
    }

    /// The remembered ids, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &ContactId> {
        self.order.iter().map(|(_, id)| id)
    }

    /// How many ids are remembered.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether none is remembered.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn evicts_oldest() {
        let mut h = HandledIds::new(2);
        for id in ["a", "b", "a", "c"] {
            h.insert(ContactId::known(id));
        }
        assert_eq!(h.iter().map(ContactId::as_str).collect::<Vec<_>>(), vec!["b", "c"]);
    }
}
