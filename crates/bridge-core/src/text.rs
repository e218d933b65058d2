//! Cleaning untrusted free text: control characters out, whitespace trimmed, length capped.
//!
//! Every string that leaves the core (template parameters, reports, trace lines) went through one of these
//! functions, so a 1 MB attribute or a string full of terminal escapes or bidi overrides costs bounded work
//! and cannot disguise a log line.

/// Longest excerpt of a refused value quoted in a report.
pub const REPORT_EXCERPT_CHARS: usize = 64;

/// Whether `c` is dropped from free text: control characters and the bidi controls that can reorder a line.
fn is_stripped(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text cleaned for use: line breaks and tabs become spaces, other control and bidi-control characters are
/// dropped, surrounding whitespace is trimmed, and at most `cap` characters are kept.
///
/// Returns the text and whether it was cut at `cap`.
pub fn clean(raw: &str, cap: usize) -> (String, bool) {
    let mut out = String::new();
    let mut count = 0usize;
    let mut cut = false;
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        let c = match c {
            '\n' | '\r' | '\t' => ' ',
            c if is_stripped(c) => continue,
            c => c,
        };
        if out.is_empty() && c.is_whitespace() {
            continue;
        }
        if count == cap {
            // Only trailing blank space after the cap is not a cut.
            cut = !c.is_whitespace() || chars.any(|c| !c.is_whitespace() && !is_stripped(c));
            break;
        }
        out.push(c);
        count += 1;
    }
    let trimmed_len = out.trim_end().len();
    out.truncate(trimmed_len);
    (out, cut)
}

/// A short, printable excerpt of an untrusted value for a report: control characters escaped, cut at
/// [`REPORT_EXCERPT_CHARS`] with an ellipsis.
///
/// The result is at most `REPORT_EXCERPT_CHARS + 1` characters long, escapes included.
pub fn excerpt(raw: &str) -> String {
    let mut out = String::new();
    let mut count = 0usize;
    for c in raw.chars() {
        let piece: String = if is_stripped(c) {
            c.escape_default().collect()
        } else {
            c.to_string()
        };
        let len = piece.chars().count();
        if count + len > REPORT_EXCERPT_CHARS {
            out.push('…');
            break;
        }
        out.push_str(&piece);
        count += len;
    }
    out
}

/// A short description of a JSON value for a report: strings as an excerpt, other values by their kind and a
/// bounded rendering, so a huge object costs no more than a few characters of output.
pub fn describe_json(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::String(s) => excerpt(s),
        Value::Array(a) => format!("an array of {} items", a.len()),
        Value::Object(o) => format!("an object with {} keys", o.len()),
        other => excerpt(&other.to_string()),
    }
}

/// What kind of JSON value arrived where another was expected ("a number", "an object"…), for error messages
/// that say what was found without echoing untrusted content.
pub fn json_kind(value: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_controls_and_caps() {
        assert_eq!(clean("  a\u{0}b\nc\u{202e}d  ", 10), ("ab cd".to_owned(), false));
        assert_eq!(clean("abcdef", 3), ("abc".to_owned(), true));
        assert_eq!(clean("abc   ", 3), ("abc".to_owned(), false));
        assert_eq!(clean("مرحبا 👋", 20), ("مرحبا 👋".to_owned(), false));
    }

    #[test]
    fn excerpt_is_bounded_and_escaped() {
        let long = "x".repeat(1000);
        assert_eq!(excerpt(&long).chars().count(), REPORT_EXCERPT_CHARS + 1);
        assert!(excerpt(&"\u{0}".repeat(100)).chars().count() <= REPORT_EXCERPT_CHARS + 1);
        assert_eq!(excerpt("a\u{1b}[31m"), "a\\u{1b}[31m");
    }
}
