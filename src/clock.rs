//! The shell's only clock.
//!
//! Why one place: the core never reads time; every input is stamped here, so a trace shows exactly the instants
//! the engine was given and nothing else in the shell can disagree about "now".
//!
//! Why monotonic: a page stays open all day, and the wall clock may be stepped back meanwhile (time sync, a VM
//! host, an admin). Stamped with `Date.now()`, every deadline (the pop turn's bound, CIF deadlines, retries)
//! would then wait out the length of the step. `performance.timeOrigin + performance.now()` is still
//! milliseconds since the epoch (as of the page's start), so times stored across a reload stay comparable.

use bridge_core::Millis;

thread_local! {
    static PERFORMANCE: Option<web_sys::Performance> = web_sys::window().and_then(|w| w.performance());
}

/// Milliseconds since the Unix epoch, monotonic for the page's life; clamped to zero for a clock set before 1970.
pub fn now() -> Millis {
    let ms = PERFORMANCE
        .with(|p| p.as_ref().map(|p| p.time_origin() + p.now()))
        .unwrap_or_else(js_sys::Date::now);
    if ms.is_finite() && ms > 0.0 {
        // Well inside u64: an epoch time in milliseconds.
        Millis(ms as u64)
    } else {
        Millis(0)
    }
}
