//! Time as data: the core never reads a clock.

use serde::Serialize;

/// Milliseconds since the Unix epoch, as read by the shell's one clock.
///
/// Every input is stamped with one of these, so tests can run faster than real time and the engine's
/// decisions are reproducible from a trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Millis(pub u64);

impl Millis {
    /// The instant `ms` milliseconds later, saturating instead of overflowing on hostile clocks.
    #[must_use]
    pub fn plus(self, ms: u64) -> Millis {
        Millis(self.0.saturating_add(ms))
    }

    /// Milliseconds from `earlier` to `self`, or 0 if the clock went backwards.
    #[must_use]
    pub fn since(self, earlier: Millis) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}
