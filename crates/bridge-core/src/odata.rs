//! Escaping for text that reaches an OData query (`searchAndOpenRecords`).
//!
//! A customer-controlled value inside a `$filter` string literal could otherwise close the literal and add
//! clauses, or break the query string with `&`, `#` or `%`. Literals are quoted the OData way (`'` → `''`)
//! after stripping control characters and capping the length, and characters with a meaning in a query string
//! are percent-encoded.

use crate::text;

/// Longest text placed in a query literal.
pub const MAX_LITERAL_CHARS: usize = 200;

/// `raw` as the inside of an OData string literal (without the surrounding quotes): cleaned, capped, quotes
/// doubled, and `%`, `&`, `#`, `+`, `?` and `;` percent-encoded so the query string stays one parameter.
pub fn escape_literal(raw: &str) -> String {
    let (clean, _) = text::clean(raw, MAX_LITERAL_CHARS);
    let mut out = String::with_capacity(clean.len());
    for c in clean.chars() {
        match c {
            '\'' => out.push_str("''"),
            '%' => out.push_str("%25"),
            '&' => out.push_str("%26"),
            '#' => out.push_str("%23"),
            '+' => out.push_str("%2B"),
            '?' => out.push_str("%3F"),
            ';' => out.push_str("%3B"),
            c => out.push(c),
        }
    }
    out
}

/// A `searchAndOpenRecords` query: `?$select=<select>&$filter=<field> eq '<value>'`.
///
/// `select` and `field` must be logical names (the caller passes [`crate::slug::LogicalName`]s); only the value
/// is untrusted.
pub fn filter_eq(select: &str, field: &str, value: &str) -> String {
    format!("?$select={select}&$filter={field} eq '{}'", escape_literal(value))
}

/// A `searchAndOpenRecords` query for records whose `field` is any of `values`:
/// `?$select=<select>&$filter=<field> eq '<a>' or <field> eq '<b>'`.
pub fn filter_any_eq<'a>(select: &str, field: &str, values: impl IntoIterator<Item = &'a str>) -> String {
    let clauses: Vec<String> = values
        .into_iter()
        .map(|v| format!("{field} eq '{}'", escape_literal(v)))
        .collect();
    format!("?$select={select}&$filter={}", clauses.join(" or "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_query_characters_are_escaped() {
        assert_eq!(
            filter_any_eq("msdyn_uniquename", "msdyn_uniquename", ["a_b", "x'y"]),
            "?$select=msdyn_uniquename&$filter=msdyn_uniquename eq 'a_b' or msdyn_uniquename eq 'x''y'"
        );
        assert_eq!(escape_literal("O'Brien"), "O''Brien");
        assert_eq!(escape_literal("x' or 1 eq 1 &$top=5#"), "x'' or 1 eq 1 %26$top=5%23");
        assert_eq!(escape_literal("a\u{0}\nb"), "a b");
        assert_eq!(
            filter_eq("fullname", "mobilephone", "+1 555'"),
            "?$select=fullname&$filter=mobilephone eq '%2B1 555'''"
        );
    }
}
