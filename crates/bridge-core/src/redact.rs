//! Personal data that must never reach a report, the console or the trace.
//!
//! Phone numbers, customer names and free text (call reasons, search text) are wrapped in [`Redacted`] as
//! soon as they are read, so that formatting them for a diagnostic prints a placeholder; only the code that
//! builds CIF template parameters calls [`Redacted::expose`].

use std::fmt;

/// The text every [`Redacted`] value formats as.
pub const REDACTED: &str = "[redacted]";

/// A value that formats as [`REDACTED`] with both `{}` and `{:?}`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Redacted<T>(T);

impl<T> Redacted<T> {
    /// Wraps `value`; from now on only [`Redacted::expose`] shows it.
    pub fn new(value: T) -> Redacted<T> {
        Redacted(value)
    }

    /// The real value, for the one place that needs it (template parameters sent to Dynamics).
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl<T> fmt::Display for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_as_placeholder() {
        let r = Redacted::new("+15555550100".to_owned());
        assert_eq!(format!("{r} {r:?}"), "[redacted] [redacted]");
        assert_eq!(r.expose(), "+15555550100");
    }
}
