//! The shell's only clock.
//!
//! Why one place: the core never reads time; every input is stamped here, so a trace shows exactly the instants
//! the engine was given and nothing else in the shell can disagree about "now".

use bridge_core::Millis;

/// Milliseconds since the Unix epoch (`Date.now()`), clamped to zero for a clock set before 1970.
pub fn now() -> Millis {
    let ms = js_sys::Date::now();
    if ms.is_finite() && ms > 0.0 {
        // Date.now() is an integer number of milliseconds well inside u64.
        Millis(ms as u64)
    } else {
        Millis(0)
    }
}
