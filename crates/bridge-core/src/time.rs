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

    /// ISO-8601 UTC with milliseconds (`2024-05-01T13:45:07.250Z`), for Dataverse date-time columns. The core
    /// formats it itself (civil-from-days, proleptic Gregorian), so it needs no date library.
    #[must_use]
    pub fn to_iso8601(self) -> String {
        let ms = self.0 % 1000;
        let secs = self.0 / 1000;
        let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
        // Days since 1970-01-01 → (year, month, day), after Howard Hinnant's civil_from_days.
        let z = (secs / 86_400) as i64 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{ms:03}Z")
    }
}

#[cfg(test)]
mod tests {
    use super::Millis;

    #[test]
    fn iso8601_utc() {
        assert_eq!(Millis(0).to_iso8601(), "1970-01-01T00:00:00.000Z");
        assert_eq!(Millis(951_782_400_000).to_iso8601(), "2000-02-29T00:00:00.000Z");
        assert_eq!(Millis(1_714_571_107_250).to_iso8601(), "2024-05-01T13:45:07.250Z");
        assert_eq!(Millis(4_102_444_799_999).to_iso8601(), "2099-12-31T23:59:59.999Z");
    }
}
