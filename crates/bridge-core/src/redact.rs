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

/// What a JSON value is, told without quoting any of its content: for a value that may hold personal data (a
/// clicked number, a CIF answer carrying a customer's name) and still has to be described in a report or the
/// trace. A string is told by its length only, since it may be the personal value itself or JSON text holding it.
pub fn shape(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(_) => "a number".to_owned(),
        Value::String(s) if s.trim().is_empty() => "an empty string".to_owned(),
        Value::String(s) => {
            let what = if s
                .trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
                .starts_with(['{', '['])
            {
                "JSON text"
            } else {
                "a string"
            };
            format!("{what} of {} characters", s.chars().count())
        }
        Value::Array(a) => format!("an array of {} items", a.len()),
        Value::Object(o) => format!("an object with {} keys", o.len()),
    }
}

/// Whether `text` may be a phone number: at least seven digits (of any script), and at least twice as many
/// digits as letters, so `+1 (555) 555-0123`, `tel:+15555550123` and `5555550123 ext 5` count and a GUID (about
/// 20 digits to 12 letters) or a word does not. For values quoted in diagnostics that are not expected to hold
/// one (a misplaced slug, an identifier), where a number found anyway must not be shown.
pub fn looks_like_phone_number(text: &str) -> bool {
    let digits = text.chars().filter(|c| c.is_numeric()).count();
    let letters = text.chars().filter(|c| c.is_alphabetic() && !c.is_numeric()).count();
    digits >= 7 && digits >= 2 * letters
}

/// Whether `text` may hold an e-mail address (an `@` between other characters): the sender of an email contact is
/// personal data like a phone number, and a flow that swaps `ms_searchType` and `ms_searchText` on its email path
/// puts it where an identifier was expected. Identifiers (logical names, GUIDs, template names) never hold an `@`.
pub fn looks_like_email_address(text: &str) -> bool {
    text.trim()
        .split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
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
    fn email_addresses_are_told_from_identifiers() {
        assert!(looks_like_email_address(" alex.rivera@example.com "));
        for other in [
            "contact",
            "0f8fad5b-d9cb-469f-a165-70867728950e",
            "extn_search",
            "@",
            "a@",
            "@b",
        ] {
            assert!(!looks_like_email_address(other), "{other}");
        }
    }

    #[test]
    fn formats_as_placeholder() {
        let r = Redacted::new("+15555550100".to_owned());
        assert_eq!(format!("{r} {r:?}"), "[redacted] [redacted]");
        assert_eq!(r.expose(), "+15555550100");
    }

    #[test]
    fn phone_numbers_are_told_from_identifiers() {
        for phone in [
            "+15555550123",
            "+1 (555) 555-0123",
            "tel:+15555550123",
            "5555550123 ext 5",
            "０２０ ７９４６ ００１８",
        ] {
            assert!(looks_like_phone_number(phone), "{phone}");
        }
        for other in [
            "6f1c9a2e-4b7d-4e2a-9c3b-8d5e7f1a2b3c",
            "contact",
            "incident",
            "123",
            "Accept",
        ] {
            assert!(!looks_like_phone_number(other), "{other}");
        }
    }

    #[test]
    fn a_shape_quotes_nothing() {
        use serde_json::json;
        assert_eq!(shape(&json!("+15555550100")), "a string of 12 characters");
        assert_eq!(shape(&json!("{\"value\":5555550100}")), "JSON text of 20 characters");
        assert_eq!(shape(&json!(5555550100u64)), "a number");
        assert_eq!(shape(&json!({"a": 1, "b": 2})), "an object with 2 keys");
        assert_eq!(shape(&json!(" ")), "an empty string");
    }
}
