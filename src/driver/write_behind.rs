//! The core's `Persist` commands, written once per browser task instead of as they come.
//!
//! Why: one Streams snapshot fires several contact callbacks, each a pump whose core may rewrite the same slot,
//! and a synchronous `setItem` before a CIF call delays that call (the contacts slot is queued ahead of
//! `createSession` on purpose). Writes wait for a microtask instead: later commands of the same task replace
//! a slot's pending text, and the microtask runs before the browser takes its next task, so no reload, unload or
//! other event can fall between a command and its write — the order the core relies on holds as before.

use bridge_core::{Input, PersistSlot};

use super::Inner;
use crate::storage;

impl Inner {
    /// Keeps `text` as `slot`'s next write and makes sure the task's writes are flushed.
    pub(super) fn persist_later(&self, slot: PersistSlot, text: String) {
        let mut unsaved = self.unsaved.borrow_mut();
        match unsaved.iter_mut().find(|(s, _)| *s == slot) {
            Some(entry) => entry.1 = text,
            None => unsaved.push((slot, text)),
        }
        if self.flush_queued.replace(true) {
            return;
        }
        let weak = self.self_weak();
        wasm_bindgen_futures::spawn_local(async move {
            if let Some(inner) = weak.upgrade() {
                inner.flush_unsaved();
            }
        });
    }

    /// Writes every pending slot; a refusal tells the core, which then stops relying on storage.
    fn flush_unsaved(&self) {
        self.flush_queued.set(false);
        let unsaved = std::mem::take(&mut *self.unsaved.borrow_mut());
        let mut refused = None;
        for (slot, text) in unsaved {
            if let Err(reason) = storage::write(&self.storage_key, slot, &text) {
                refused.get_or_insert(reason);
            }
        }
        if let Some(reason) = refused {
            self.push(Input::StorageUnavailable { reason });
        }
    }
}

impl Drop for Inner {
    /// A driver dropped within the task of a write (a test's shell, a page tearing the bridge down) still
    /// leaves the stored state its core last asked for; nobody is left to tell about a refusal.
    fn drop(&mut self) {
        for (slot, text) in std::mem::take(self.unsaved.get_mut()) {
            let _ = storage::write(&self.storage_key, slot, &text);
        }
    }
}
