//! Phone numbers for click-to-dial: what Dynamics shows in a phone field, normalised to E.164 for
//! `connect.Endpoint.byPhoneNumber`.
//!
//! Dynamics phone fields are free text typed by people: `(425) 555-0142`, `+44 20 7946 0018`,
//! `0044 20 7946 0018`, `020 7946 0018`, `425.555.0142 x123`. Amazon Connect dials only E.164 (`+` and 8 to 15
//! digits here: shorter numbers are service codes, not customers). The rules, in order:
//!
//! 1. An extension (`x123`, `ext. 123`, `extension 123`, `#123`, `;ext=123`) is **stripped and reported**: the
//!    main number is dialled and the agent keys the extension in once connected (Amazon Connect cannot dial
//!    one as part of the number).
//! 2. Spaces, dashes, dots, slashes and parentheses are layout; any other character (letters, `*`, a second
//!    `+`) makes the number unusable: it is refused, never guessed.
//! 3. `+…` is international already; `00…` is the international prefix used by most of the world; with the
//!    default country code `1`, `011…` is North America's.
//! 4. Anything else is national: one trunk `0` is dropped (`020…` in the UK), and with country code `1` a
//!    leading `1` on an 11-digit number is the North American trunk prefix; then the configured default
//!    country code (`defaultCountryCode`, default `1`) is put in front.
//! 5. The result must have 8 to 15 digits and not start with `0`.

use std::fmt;

/// Fewest digits (country code included) accepted as a dialable number.
pub const MIN_DIGITS: usize = 8;
/// Most digits E.164 allows.
pub const MAX_DIGITS: usize = 15;
/// Longest raw value looked at (a phone field is short; anything longer is not a number).
const MAX_RAW_CHARS: usize = 64;

/// A number ready to dial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialable {
    /// E.164, e.g. `+14255550142`.
    pub e164: String,
    /// The extension that was stripped (digits only), if any: the agent keys it in once connected.
    pub extension: Option<String>,
}

/// Why a value cannot be dialled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneError {
    /// Nothing but layout.
    Empty,
    /// Longer than a phone field can reasonably be.
    TooLong,
    /// A character that is neither a digit nor layout (its position, 1-based: the value itself is personal).
    Character {
        /// 1-based position.
        position: usize,
    },
    /// The digit count is outside 8 to 15 after normalisation.
    Length {
        /// Digits counted (country code included).
        digits: usize,
    },
}

impl fmt::Display for PhoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PhoneError::Empty => write!(f, "it has no digits"),
            PhoneError::TooLong => write!(f, "it is longer than {MAX_RAW_CHARS} characters"),
            PhoneError::Character { position } => write!(
                f,
                "character {position} is not a digit, a leading +, or layout (space, dash, dot, slash, parentheses)"
            ),
            PhoneError::Length { digits } => {
                write!(
                    f,
                    "it has {digits} digits with the country code; a dialable number has {MIN_DIGITS} to {MAX_DIGITS}"
                )
            }
        }
    }
}

/// Whether `s` is a country calling code: 1 to 3 digits, not starting with 0.
pub fn valid_country_code(s: &str) -> bool {
    (1..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0')
}

/// Splits off an extension marker (`x`, `ext`, `extension`, `#`, `;ext=`), case-insensitively.
fn split_extension(raw: &str) -> (&str, Option<String>) {
    let lower = raw.to_ascii_lowercase();
    let markers = [";ext=", "extension", "ext.", "ext", "x", "#"];
    let cut = markers.iter().filter_map(|m| lower.find(m)).min();
    match cut {
        Some(i) => {
            let digits: String = raw[i..].chars().filter(char::is_ascii_digit).collect();
            (&raw[..i], (!digits.is_empty()).then_some(digits))
        }
        None => (raw, None),
    }
}

/// Normalises a phone field's value to E.164 with `default_country_code` (digits, e.g. `1` or `44`).
pub fn normalise(raw: &str, default_country_code: &str) -> Result<Dialable, PhoneError> {
    if raw.chars().count() > MAX_RAW_CHARS {
        return Err(PhoneError::TooLong);
    }
    let (number, extension) = split_extension(raw.trim());
    let mut digits = String::new();
    let mut plus = false;
    for (i, c) in number.chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if digits.is_empty() && !plus => plus = true,
            ' ' | '-' | '.' | '/' | '(' | ')' | '\u{a0}' => {}
            _ => return Err(PhoneError::Character { position: i + 1 }),
        }
    }
    if digits.is_empty() {
        return Err(PhoneError::Empty);
    }
    let international = if plus {
        Some(digits.as_str())
    } else if let Some(rest) = digits.strip_prefix("00") {
        Some(rest)
    } else if default_country_code == "1" {
        digits.strip_prefix("011")
    } else {
        None
    };
    let full = match international {
        Some(rest) => rest.to_owned(),
        None => {
            let national = match digits.strip_prefix('0') {
                Some(rest) => rest,
                None if default_country_code == "1" && digits.len() == 11 => {
                    digits.strip_prefix('1').unwrap_or(&digits)
                }
                None => digits.as_str(),
            };
            format!("{default_country_code}{national}")
        }
    };
    if !(MIN_DIGITS..=MAX_DIGITS).contains(&full.len()) || full.starts_with('0') {
        return Err(PhoneError::Length { digits: full.len() });
    }
    Ok(Dialable {
        e164: format!("+{full}"),
        extension,
    })
}

/// The last two digits of a number, for messages the agent sees (the number itself is personal data).
pub fn tail(e164: &str) -> String {
    let digits: Vec<char> = e164.chars().filter(char::is_ascii_digit).collect();
    let n = digits.len().saturating_sub(2);
    format!("…{}", digits[n..].iter().collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_of_real_shapes() {
        let ok = |raw: &str, cc: &str, want: &str| {
            assert_eq!(
                normalise(raw, cc).map(|d| d.e164),
                Ok(want.to_owned()),
                "{raw:?} with +{cc}"
            );
        };
        ok("(425) 555-0142", "1", "+14255550142");
        ok("425.555.0142", "1", "+14255550142");
        ok("1 425 555 0142", "1", "+14255550142");
        ok("+1 (425) 555-0142", "1", "+14255550142");
        ok("011 44 20 7946 0018", "1", "+442079460018");
        ok("+44 20 7946 0018", "1", "+442079460018");
        ok("0044 20 7946 0018", "1", "+442079460018");
        ok("020 7946 0018", "44", "+442079460018");
        ok("06 12 34 56 78", "33", "+33612345678");
        ok("123456789", "1", "+1123456789");
        ok("  +49 30/1234567 ", "1", "+49301234567");
        ok("425\u{a0}555\u{a0}0142", "1", "+14255550142");
    }

    #[test]
    fn extensions_are_stripped_and_kept_apart() {
        for raw in [
            "425-555-0142 x123",
            "425-555-0142 ext. 123",
            "425-555-0142 Extension 123",
            "425 555 0142#123",
            "+14255550142;ext=123",
        ] {
            let d = normalise(raw, "1").unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(d.e164, "+14255550142", "{raw}");
            assert_eq!(d.extension.as_deref(), Some("123"), "{raw}");
        }
        assert_eq!(normalise("425 555 0142", "1").map(|d| d.extension), Ok(None));
    }

    #[test]
    fn unusable_numbers_are_refused() {
        assert_eq!(normalise("", "1"), Err(PhoneError::Empty));
        assert_eq!(normalise(" ( ) - ", "1"), Err(PhoneError::Empty));
        assert_eq!(normalise("call me", "1"), Err(PhoneError::Character { position: 1 }));
        assert_eq!(
            normalise("1-800-FLOWERS", "1"),
            Err(PhoneError::Character { position: 7 })
        );
        assert_eq!(
            normalise("++1 425 555 0142", "1"),
            Err(PhoneError::Character { position: 2 })
        );
        assert_eq!(
            normalise("425+5550142", "1"),
            Err(PhoneError::Character { position: 4 })
        );
        assert_eq!(
            normalise("*67 425 555 0142", "1"),
            Err(PhoneError::Character { position: 1 })
        );
        assert_eq!(normalise("911", "1"), Err(PhoneError::Length { digits: 4 }));
        assert_eq!(normalise("+1234567", "1"), Err(PhoneError::Length { digits: 7 }));
        assert_eq!(
            normalise("+1234567890123456", "1"),
            Err(PhoneError::Length { digits: 16 })
        );
        assert_eq!(
            normalise("+0 425 555 0142", "1"),
            Err(PhoneError::Length { digits: 11 })
        );
        assert_eq!(normalise(&"1".repeat(65), "1"), Err(PhoneError::TooLong));
        assert!(normalise("x123", "1").is_err());
        assert!(normalise("425\u{202e}5550142", "1").is_err());
    }

    #[test]
    fn country_codes_and_tails() {
        assert!(valid_country_code("1") && valid_country_code("44") && valid_country_code("358"));
        assert!(
            !valid_country_code("")
                && !valid_country_code("0")
                && !valid_country_code("1234")
                && !valid_country_code("+1")
        );
        assert_eq!(tail("+14255550142"), "…42");
        assert!(PhoneError::Length { digits: 4 }.to_string().contains("8 to 15"));
    }
}
