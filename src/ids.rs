//! Identifiers the shell makes for itself (the page load's nonce).
//!
//! Why here: the core has no randomness; the few ids the shell needs come from `crypto.randomUUID`, with a
//! time-and-counter fallback on insecure origins where that API is missing.

use std::cell::Cell;

use crate::{clock, sys};

thread_local! {
    static FALLBACK_COUNTER: Cell<u64> = const { Cell::new(0) };
}

/// A fresh id: a UUID when the browser offers one, else `<epoch ms>-<counter>`.
pub fn fresh_id() -> String {
    match sys::browser::random_uuid() {
        Ok(id) => id,
        Err(_) => {
            let n = FALLBACK_COUNTER.with(|c| {
                let n = c.get().wrapping_add(1);
                c.set(n);
                n
            });
            format!("{}-{n}", clock::now().0)
        }
    }
}
