//! Click-to-dial's number rules under untrusted input: a phone field holds whatever someone typed
//! or pasted, so normalising never panics nor takes long, whatever the text and default country; what it
//! dials is always E.164; dialling the result again gives the same number; and a refusal names the number
//! only by its last two digits.
#![allow(clippy::unwrap_used)]

use bridge_core::phone::{normalise, valid_country_code, MAX_DIGITS, MIN_DIGITS};
use proptest::prelude::*;

/// Text that looks like a phone number: digits, layout, `+`, extension markers, and a few strangers.
fn phoneish() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "00", "011", "0011", "810", "8~10", "15", "0549", " ", "-",
        ".", "(", ")", "/", "+", "~", "x", "ext.", ";ext=", "#", "*", "a", "\u{a0}", "\u{202e}", "٣",
    ]);
    prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
}

/// A default country code: a real one most of the time, sometimes anything.
fn country_code() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec!["1", "7", "39", "44", "49", "54", "55", "61", "62", "81", "86", "375", "378", "672", "800"])
            .prop_map(str::to_owned),
        1 => "[0-9+]{0,4}",
    ]
}

/// Every calling code the table knows.
fn codes() -> &'static [String] {
    static CODES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    CODES.get_or_init(|| {
        (1..1000)
            .map(|n| n.to_string())
            .filter(|c| valid_country_code(c))
            .collect()
    })
}

fn check(raw: &str, cc: &str) -> Result<(), TestCaseError> {
    match normalise(raw, cc) {
        Ok(d) => {
            let digits = &d.e164[1..];
            prop_assert!(
                d.e164.starts_with('+') && digits.bytes().all(|b| b.is_ascii_digit()),
                "{:?}",
                d
            );
            prop_assert!((MIN_DIGITS..=MAX_DIGITS).contains(&digits.len()), "{:?}", d);
            prop_assert!(!digits.starts_with('0'), "{:?}", d);
            // The dialled number read again, under any default country, is the same number (libphonenumber's
            // rules alone do not promise this: `0 0110 110` in Australia would become +610110110, and that read
            // again +61110110; such numbers are refused).
            for again_cc in ["1", "44", cc] {
                prop_assert_eq!(normalise(&d.e164, again_cc).map(|x| x.e164), Ok(d.e164.clone()));
            }
        }
        Err(e) => {
            let message = e.to_string();
            let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
            if digits.len() >= 5 {
                prop_assert!(!message.contains(&digits), "{message} names {digits}");
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 5_000, ..ProptestConfig::default() })]

    #[test]
    fn any_text_is_dialled_as_e164_or_refused(raw in ".{0,80}", cc in country_code()) {
        check(&raw, &cc)?;
    }

    #[test]
    fn phone_like_text_is_dialled_as_e164_or_refused(raw in phoneish(), cc in country_code()) {
        check(&raw, &cc)?;
    }

    #[test]
    fn national_digits_under_every_country_are_dialled_as_e164_or_refused(digits in "[0-9]{1,20}", which in 0usize..1000) {
        let codes = codes();
        let cc = &codes[which % codes.len()];
        check(&digits, cc)?;
    }
}

#[test]
fn the_longest_inputs_stay_quick() {
    // Backtracking over the table's patterns is bounded: the worst inputs for Argentina's long national prefix
    // rule and for every country still take well under a millisecond each.
    let start = std::time::Instant::now();
    for n in 1..=64 {
        for d in ["0", "1", "9", "15", "011", "0115"] {
            let raw: String = d.repeat(n).chars().take(64).collect();
            for cc in ["54", "55", "7", "375", "86", "81"] {
                let _ = normalise(&raw, cc);
            }
        }
    }
    assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
}
