//! The few regular expressions libphonenumber writes its dialling rules in (exit prefixes such as
//! `001[14-689]|14(?:1[14]|34|4[17]|[56]6|7[47]|88)0011`, national prefixes such as `0|180020` or Argentina's
//! `0?(?:(11|…)?15)?`), matched the way JavaScript matches them: anchored at the start of the digits, the first
//! alternative that succeeds wins, quantifiers are greedy, and a capture group remembers where it matched.
//!
//! Why not a regex crate: the product is a wasm bundle with a size budget, the input is at most 64 digits,
//! and the patterns use a fixed, small subset (digits, `\d`, `[classes]`, `(?:…)` and `(…)`, `|`, `?`, `{n}`,
//! `{n,m}`, `$`) that the generator (`scripts/gen-phone-metadata.mjs`) checks before it writes the table.

/// Where a pattern matched a prefix of the digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Match {
    /// Digits the match covers, from the start.
    pub end: usize,
    /// Capture groups 1, 2, …: where each matched, or `None` when it took no part (index 0 is unused).
    pub groups: Vec<Option<(usize, usize)>>,
}

/// A table pattern outside the subset: the table is broken, so no number may be placed with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct BadPattern;

enum Node {
    /// One digit from the set (bit n = digit n).
    Class(u16),
    /// `$`: the end of the digits.
    End,
    /// Alternatives, each a sequence; `capture` is the group number of a `(…)` group.
    Group {
        capture: Option<usize>,
        alts: Vec<Vec<Node>>,
    },
    /// `x?`, `x{n}`, `x{n,m}`: greedy.
    Repeat { node: Box<Node>, min: u8, max: u8 },
}

struct Parser<'a> {
    src: &'a [u8],
    i: usize,
    groups: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.src.get(self.i).copied()
    }

    fn alternation(&mut self) -> Result<Vec<Vec<Node>>, BadPattern> {
        let mut alts = vec![self.sequence()?];
        while self.peek() == Some(b'|') {
            self.i += 1;
            alts.push(self.sequence()?);
        }
        Ok(alts)
    }

    fn sequence(&mut self) -> Result<Vec<Node>, BadPattern> {
        let mut items = Vec::new();
        while let Some(c) = self.peek().filter(|c| *c != b'|' && *c != b')') {
            self.i += 1;
            let atom = match c {
                b'0'..=b'9' => Node::Class(1 << (c - b'0')),
                b'\\' if self.peek() == Some(b'd') => {
                    self.i += 1;
                    Node::Class(0x3ff)
                }
                b'[' => self.class()?,
                b'(' => {
                    let capture = if self.src[self.i..].starts_with(b"?:") {
                        self.i += 2;
                        None
                    } else {
                        self.groups += 1;
                        Some(self.groups)
                    };
                    let alts = self.alternation()?;
                    if self.peek() != Some(b')') {
                        return Err(BadPattern);
                    }
                    self.i += 1;
                    Node::Group { capture, alts }
                }
                b'$' => Node::End,
                _ => return Err(BadPattern),
            };
            items.push(self.quantified(atom)?);
        }
        Ok(items)
    }

    fn class(&mut self) -> Result<Node, BadPattern> {
        let mut set = 0u16;
        loop {
            let a = self.peek().filter(u8::is_ascii_digit).ok_or(BadPattern)?;
            self.i += 1;
            if self.peek() == Some(b'-') && self.src.get(self.i + 1).is_some_and(u8::is_ascii_digit) {
                let b = self.src[self.i + 1];
                if b < a {
                    return Err(BadPattern);
                }
                set |= (a..=b).fold(0, |s, d| s | 1 << (d - b'0'));
                self.i += 2;
            } else {
                set |= 1 << (a - b'0');
            }
            if self.peek() == Some(b']') {
                self.i += 1;
                return Ok(Node::Class(set));
            }
        }
    }

    fn number(&mut self) -> Result<u8, BadPattern> {
        let start = self.i;
        let mut n: u8 = 0;
        while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
            n = n
                .checked_mul(10)
                .and_then(|n| n.checked_add(d - b'0'))
                .ok_or(BadPattern)?;
            self.i += 1;
        }
        if self.i == start {
            return Err(BadPattern);
        }
        Ok(n)
    }

    fn quantified(&mut self, atom: Node) -> Result<Node, BadPattern> {
        let (min, max) = match self.peek() {
            Some(b'?') => {
                self.i += 1;
                (0, 1)
            }
            Some(b'{') => {
                self.i += 1;
                let min = self.number()?;
                let max = if self.peek() == Some(b',') {
                    self.i += 1;
                    self.number()?
                } else {
                    min
                };
                if self.peek() != Some(b'}') || max < min {
                    return Err(BadPattern);
                }
                self.i += 1;
                (min, max)
            }
            _ => return Ok(atom),
        };
        if matches!(self.peek(), Some(b'?' | b'*' | b'+' | b'{')) {
            return Err(BadPattern);
        }
        Ok(Node::Repeat {
            node: Box::new(atom),
            min,
            max,
        })
    }
}

type Groups = Vec<Option<(usize, usize)>>;
type Next<'k> = &'k mut dyn FnMut(&mut Groups, usize) -> bool;

fn sequence(input: &[u8], nodes: &[Node], groups: &mut Groups, pos: usize, k: Next) -> bool {
    match nodes.split_first() {
        None => k(groups, pos),
        Some((first, rest)) => node(input, first, groups, pos, &mut |g, p| sequence(input, rest, g, p, k)),
    }
}

fn node(input: &[u8], n: &Node, groups: &mut Groups, pos: usize, k: Next) -> bool {
    match n {
        Node::Class(set) => match input.get(pos) {
            Some(&b) if b.is_ascii_digit() && set & (1 << (b - b'0')) != 0 => k(groups, pos + 1),
            _ => false,
        },
        Node::End => pos == input.len() && k(groups, pos),
        Node::Group { capture, alts } => {
            for alt in alts {
                let matched = sequence(input, alt, groups, pos, &mut |g, end| match *capture {
                    Some(i) => {
                        let before = g[i];
                        g[i] = Some((pos, end));
                        k(g, end) || {
                            g[i] = before;
                            false
                        }
                    }
                    None => k(g, end),
                });
                if matched {
                    return true;
                }
            }
            false
        }
        Node::Repeat { node: inner, min, max } => repeat(input, inner, *min, *max, groups, pos, k),
    }
}

fn repeat(input: &[u8], inner: &Node, min: u8, max: u8, groups: &mut Groups, pos: usize, k: Next) -> bool {
    let more = max > 0
        && node(input, inner, groups, pos, &mut |g, p| {
            // Once the minimum is met, an iteration that matches nothing ends the loop (as in JavaScript).
            (p != pos || min > 0) && repeat(input, inner, min.saturating_sub(1), max - 1, g, p, k)
        });
    more || (min == 0 && k(groups, pos))
}

fn parse(pattern: &str) -> Result<(Node, Groups), BadPattern> {
    let mut parser = Parser {
        src: pattern.as_bytes(),
        i: 0,
        groups: 0,
    };
    let alts = parser.alternation()?;
    if parser.i != pattern.len() {
        return Err(BadPattern);
    }
    Ok((Node::Group { capture: None, alts }, vec![None; parser.groups + 1]))
}

/// Matches `pattern` against the start of `digits`: `Ok(None)` when it does not match there.
pub(super) fn match_prefix(pattern: &str, digits: &[u8]) -> Result<Option<Match>, BadPattern> {
    let (root, mut groups) = parse(pattern)?;
    let mut found = None;
    node(digits, &root, &mut groups, 0, &mut |g, end| {
        found = Some(Match { end, groups: g.clone() });
        true
    });
    Ok(found)
}

/// Whether `pattern` matches all of `digits` (libphonenumber's `matchesEntirely`).
pub(super) fn matches_entirely(pattern: &str, digits: &[u8]) -> Result<bool, BadPattern> {
    let (root, mut groups) = parse(pattern)?;
    Ok(node(digits, &root, &mut groups, 0, &mut |_, end| end == digits.len()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn end(pattern: &str, digits: &str) -> Option<usize> {
        match_prefix(pattern, digits.as_bytes()).unwrap().map(|m| m.end)
    }

    #[test]
    fn the_first_alternative_that_matches_wins_and_quantifiers_are_greedy() {
        assert_eq!(end("0|180020", "01234"), Some(1));
        assert_eq!(end("0|180020", "1800201234"), Some(6));
        assert_eq!(end("0|180020", "1234"), None);
        assert_eq!(end("00(?:30|5[09]|[126-9]?)", "0030123"), Some(4));
        assert_eq!(end("00(?:30|5[09]|[126-9]?)", "00712"), Some(3));
        assert_eq!(end("00(?:30|5[09]|[126-9]?)", "0044"), Some(2));
        assert_eq!(end("0|80?", "8012"), Some(2));
        assert_eq!(end("0(?:0|1[3-9]\\d)", "0150123"), Some(4));
        assert_eq!(end("\\d{2,3}", "12345"), Some(3));
        assert_eq!(end("\\d{2,3}", "1"), None);
        assert_eq!(
            end("([59]\\d{7})$|0", "512345678"),
            None,
            "one digit too many for $, and no 0"
        );
        assert_eq!(end("([59]\\d{7})$|0", "0512345678"), Some(1));
        assert_eq!(end("([59]\\d{7})$|0", "51234567"), Some(8));
        assert_eq!(end("001[14-689]", "0017"), None);
    }

    #[test]
    fn groups_remember_where_they_matched_and_forget_failed_attempts() {
        let m = match_prefix("0?(?:(11|2(?:2[13]|3))?15)?", b"01115123")
            .unwrap()
            .unwrap();
        assert_eq!((m.end, m.groups[1]), (5, Some((1, 3))));
        let m = match_prefix("0?(?:(11|2(?:2[13]|3))?15)?", b"015123").unwrap().unwrap();
        assert_eq!((m.end, m.groups[1]), (3, None));
        let m = match_prefix("(?:0|90)(?:(1[245]|2[1-35])(\\d{10,11}))?", b"02111987654321")
            .unwrap()
            .unwrap();
        assert_eq!(m.groups, vec![None, Some((1, 3)), Some((3, 14))]);
        let m = match_prefix("(1001)|0", b"01234").unwrap().unwrap();
        assert_eq!((m.end, m.groups[1]), (1, None));
    }

    #[test]
    fn a_whole_match_backtracks_into_earlier_alternatives() {
        let whole = |p: &str, d: &str| matches_entirely(p, d.as_bytes()).unwrap();
        assert!(whole("8\\d{5}|8[0-79]\\d{5}", "8012345"));
        assert!(!whole("8\\d{5}|8[0-79]\\d{5}", "80123456"));
        assert!(whole("[1-357-9]\\d{9}|[18]\\d{8}|8\\d{6}", "8001234"));
        assert!(!whole("[1-357-9]\\d{9}", "20794600181"));
    }

    #[test]
    fn anything_outside_the_subset_is_refused() {
        for bad in [
            "a", "0+", "0*", "[", "[0-", "(0", "0)", "\\w", "0{2", "0{3,1}", "0??", "[a]", "[5-1]",
        ] {
            assert_eq!(match_prefix(bad, b"0123"), Err(BadPattern), "{bad}");
        }
    }
}
