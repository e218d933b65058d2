//! The bounded memory of released contacts, so a contact Streams delivers again never pops twice.

use std::collections::VecDeque;

use crate::vecmap::VecSet;

use crate::ids::ContactId;

/// The last `capacity` released contact ids, oldest evicted first.
#[derive(Debug, Clone, Default)]
pub struct HandledIds {
    capacity: usize,
    order: VecDeque<ContactId>,
    set: VecSet<ContactId>,
    /// Bumped on every change, so a cached rendering of the ids (the persisted text) knows when it is stale.
    generation: u64,
}

impl HandledIds {
    /// An empty memory of `capacity` ids.
    pub fn new(capacity: usize) -> HandledIds {
        HandledIds {
            capacity,
            order: VecDeque::new(),
            set: VecSet::new(),
            generation: 0,
        }
    }

    /// Changes the capacity, forgetting the oldest ids if needed.
    pub fn set_capacity(&mut self, capacity: usize) {
        self.capacity = capacity;
        self.trim();
    }

    fn trim(&mut self) {
        while self.order.len() > self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
                self.generation += 1;
            }
        }
    }

    /// Remembers `id` (no-op if already remembered).
    pub fn insert(&mut self, id: ContactId) {
        if self.set.insert(id.clone()) {
            self.order.push_back(id);
            self.generation += 1;
            self.trim();
        }
    }

    /// Whether `id` was released recently.
    pub fn contains(&self, id: &ContactId) -> bool {
        self.set.contains(id)
    }

    /// The remembered ids, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &ContactId> {
        self.order.iter()
    }

    /// A counter that changes whenever the remembered ids change.
    pub fn generation(&self) -> u64 {
        self.generation
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
