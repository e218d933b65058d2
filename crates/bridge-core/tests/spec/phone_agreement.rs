//! Click-to-dial's E.164 rules held to libphonenumber itself, not to themselves.
//!
//! `tests/spec/fixtures/phone-numbers.json` is written by `node scripts/gen-phone-metadata.mjs` from the pinned
//! libphonenumber-js: real-format numbers of every region it knows (its mobile examples, and fixed-line
//! numbers drawn from its fixed-line patterns and checked valid by it), typed the ways people type them
//! (international, national, national digits, without the trunk prefix, with another country's exit prefix,
//! with `(0)`, with the calling code but no `+`, with an extension, a digit short), each with libphonenumber-js's
//! own reading under the same default country. The core must give the same number, or refuse: and it may
//! refuse a number libphonenumber-js dials only for a reason it states (the 8-to-15-digit rule, or two
//! possible readings), never give a different number, and never dial what libphonenumber-js refuses.

#![allow(clippy::expect_used)]

use bridge_core::phone::{normalise, PhoneError};
use serde_json::Value;

struct Case {
    input: String,
    cc: String,
    e164: Option<String>,
    ext: Option<String>,
    refused: Option<String>,
    what: String,
}

fn cases() -> Vec<Case> {
    let text = include_str!("fixtures/phone-numbers.json");
    let json: Value = serde_json::from_str(text).expect("fixture is JSON");
    let s = |v: &Value, i: usize| v[i].as_str().map(str::to_owned);
    json["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| {
            let reading = s(c, 2).expect("libphonenumber's reading");
            let (e164, refused) = match reading.strip_prefix('!') {
                Some(why) => (None, Some(why.to_owned())),
                None => (Some(reading), None),
            };
            Case {
                input: s(c, 0).expect("input"),
                cc: s(c, 1).expect("cc"),
                e164,
                ext: s(c, 3),
                refused,
                what: format!(
                    "{} {} {}",
                    s(c, 4).unwrap_or_default(),
                    s(c, 5).unwrap_or_default(),
                    s(c, 6).unwrap_or_default()
                ),
            }
        })
        .collect()
}

#[test]
fn the_core_agrees_with_libphonenumber_on_real_numbers() {
    let cases = cases();
    assert!(cases.len() >= 1000, "{} cases", cases.len());
    let mut agree = 0;
    let mut stated_refusals = Vec::new();
    let mut wrong = Vec::new();
    for c in &cases {
        let ours = normalise(&c.input, &c.cc);
        let line = format!(
            "{:?} with +{} ({}): ours {:?}, libphonenumber {:?}",
            c.input, c.cc, c.what, ours, c
        );
        match (&ours, &c.e164) {
            (Ok(d), Some(want)) if &d.e164 == want && d.extension == c.ext => agree += 1,
            (Err(_), None) => agree += 1,
            (Err(e @ (PhoneError::Length { .. } | PhoneError::Ambiguous { .. })), Some(_)) => {
                stated_refusals.push(format!("{line}\n    because: {e}"))
            }
            _ => wrong.push(line),
        }
    }
    let rate = agree as f64 * 100.0 / cases.len() as f64;
    println!("{agree} of {} agree ({rate:.2} %)", cases.len());
    println!("refused with a stated reason where libphonenumber dials:");
    for r in &stated_refusals {
        println!("  {r}");
    }
    assert!(wrong.is_empty(), "{} disagreements:\n{}", wrong.len(), wrong.join("\n"));
    assert!(rate >= 98.0, "agreement {rate:.2} %");
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.e164, &self.refused) {
            (Some(n), _) => write!(f, "{n} ext {:?}", self.ext),
            (None, r) => write!(f, "refused ({})", r.as_deref().unwrap_or("?")),
        }
    }
}
