//! Leaves: the test one alternative of one value makes on one field value.
//!
//! Literal tests compare bytes with ASCII case folding in place (no lowercased copies of
//! event text); wildcard patterns that are not a plain prefix/suffix/substring become one
//! anchored regex, compiled once.

use std::cmp::Ordering;
use std::net::IpAddr;

use ipnet::IpNet;
use regex::Regex;

use super::pattern::{expand_dashes, Tok, DASHES};
use super::time::{part_of, TimePart};
use super::{reason, ModifierError, StringPattern, StringPatternKind};
use crate::doc::FieldValue;

/// A number of a rule or an event.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Num {
    /// An integer, compared exactly with other integers.
    Int(i64),
    /// A float.
    Float(f64),
}

impl Num {
    /// Parses decimal text (`42`, `-7`, `+3`, `2.5`, `.5`, `1e5`); no spaces, no `inf`/`nan`.
    pub fn parse(text: &str) -> Option<Num> {
        let bytes = text.as_bytes();
        let first = *bytes.first()?;
        if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
            return None;
        }
        if !bytes
            .iter()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
        {
            return None;
        }
        if let Ok(int) = text.parse::<i64>() {
            return Some(Num::Int(int));
        }
        text.parse::<f64>()
            .ok()
            .filter(|float| float.is_finite())
            .map(Num::Float)
    }

    /// The number a field value holds: numbers, and strings that parse as numbers.
    pub fn of_value(value: &FieldValue<'_>) -> Option<Num> {
        match value {
            FieldValue::Int(int) => Some(Num::Int(*int)),
            FieldValue::Float(float) => Some(Num::Float(*float)),
            FieldValue::Str(text) => Num::parse(text),
            FieldValue::Bool(_) | FieldValue::Null => None,
        }
    }

    fn as_f64(self) -> f64 {
        match self {
            Num::Int(int) => int as f64,
            Num::Float(float) => float,
        }
    }

    /// Integers exactly, anything else as floats (`None` with NaN).
    pub fn compare(self, other: Num) -> Option<Ordering> {
        match (self, other) {
            (Num::Int(left), Num::Int(right)) => Some(left.cmp(&right)),
            _ => self.as_f64().partial_cmp(&other.as_f64()),
        }
    }

    /// The number as a rule writes it: integers in decimal, floats in `Debug` form.
    pub fn text(self) -> String {
        match self {
            Num::Int(int) => int.to_string(),
            Num::Float(float) => format!("{float:?}"),
        }
    }
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cmp {
    /// Equal (time parts without an operator).
    Eq,
    /// `gt`.
    Gt,
    /// `gte`.
    Gte,
    /// `lt`.
    Lt,
    /// `lte`.
    Lte,
}

impl Cmp {
    /// Whether `field <op> rule` holds, given `field.compare(rule)`.
    pub fn holds(self, ordering: Option<Ordering>) -> bool {
        let Some(ordering) = ordering else {
            return false;
        };
        match self {
            Cmp::Eq => ordering == Ordering::Equal,
            Cmp::Gt => ordering == Ordering::Greater,
            Cmp::Gte => ordering != Ordering::Less,
            Cmp::Lt => ordering == Ordering::Less,
            Cmp::Lte => ordering != Ordering::Greater,
        }
    }
}

/// A literal string test, with numeric equality for number-like exact texts.
#[derive(Clone, Debug)]
pub(crate) struct Literal {
    /// The test.
    pub pattern: StringPattern,
    /// For exact tests whose text is a number: compare numbers when the text differs.
    pub number: Option<Num>,
}

impl Literal {
    fn matches(&self, value: &FieldValue<'_>, text: &str) -> bool {
        if matches_text(&self.pattern, text) {
            return true;
        }
        let Some(number) = self.number else {
            return false;
        };
        Num::of_value(value).is_some_and(|found| Cmp::Eq.holds(found.compare(number)))
    }
}

/// The test one alternative makes.
#[derive(Clone, Debug)]
pub(crate) enum Leaf {
    /// Exact, prefix, suffix or substring.
    Literal(Literal),
    /// Any other wildcard pattern, as an anchored regex.
    Glob(Regex),
    /// `re`.
    Regex(Regex),
    /// `cidr`.
    Cidr(IpNet),
    /// `gt`, `gte`, `lt`, `lte`.
    Compare { op: Cmp, number: Num },
    /// A time part, compared.
    Time {
        part: TimePart,
        op: Cmp,
        number: Num,
    },
}

impl Leaf {
    /// Whether a non-null field value passes; `text` is its [`FieldValue::with_text`].
    pub fn matches(&self, value: &FieldValue<'_>, text: &str) -> bool {
        match self {
            Leaf::Literal(literal) => literal.matches(value, text),
            Leaf::Glob(regex) | Leaf::Regex(regex) => regex.is_match(text),
            Leaf::Cidr(network) => match value {
                FieldValue::Str(_) => text
                    .parse::<IpAddr>()
                    .is_ok_and(|address| network.contains(&address)),
                _ => false,
            },
            Leaf::Compare { op, number } => {
                Num::of_value(value).is_some_and(|found| op.holds(found.compare(*number)))
            }
            Leaf::Time { part, op, number } => part_of(value, *part)
                .is_some_and(|found| op.holds(Num::Int(found).compare(*number))),
        }
    }
}

/// Whether `text` passes a literal test.
pub(crate) fn matches_text(pattern: &StringPattern, text: &str) -> bool {
    let (haystack, needle) = (text.as_bytes(), pattern.text.as_bytes());
    match (pattern.kind, pattern.cased) {
        (StringPatternKind::Exact, true) => haystack == needle,
        (StringPatternKind::Exact, false) => haystack.eq_ignore_ascii_case(needle),
        (StringPatternKind::Prefix, true) => haystack.starts_with(needle),
        (StringPatternKind::Prefix, false) => haystack
            .get(..needle.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(needle)),
        (StringPatternKind::Suffix, true) => haystack.ends_with(needle),
        (StringPatternKind::Suffix, false) => haystack
            .len()
            .checked_sub(needle.len())
            .is_some_and(|start| haystack[start..].eq_ignore_ascii_case(needle)),
        (StringPatternKind::Contains, true) => text.contains(pattern.text.as_str()),
        (StringPatternKind::Contains, false) => contains_ignore_ascii_case(haystack, needle),
    }
}

/// Substring search with ASCII case folding (either side may be in any case), without
/// allocating: candidates are found by the needle's first byte, eight bytes at a time.
pub(crate) fn contains_ignore_ascii_case(haystack: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    let Some(last_start) = haystack.len().checked_sub(needle.len()) else {
        return false;
    };
    let (lower, upper) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    let mut at = 0;
    while at <= last_start {
        let Some(offset) = find_either(&haystack[at..=last_start], lower, upper) else {
            return false;
        };
        at += offset;
        if haystack[at + 1..at + needle.len()].eq_ignore_ascii_case(rest) {
            return true;
        }
        at += 1;
    }
    false
}

/// The first position of `a` or `b`, testing eight bytes per step (SWAR: a byte of
/// `word ^ splat(a)` is zero where the byte equals `a`).
fn find_either(haystack: &[u8], a: u8, b: u8) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero_byte = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS != 0;
    let (splat_a, splat_b) = (ONES * u64::from(a), ONES * u64::from(b));
    let mut chunks = haystack.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        let word = u64::from_le_bytes(bytes);
        if has_zero_byte(word ^ splat_a) || has_zero_byte(word ^ splat_b) {
            return chunk
                .iter()
                .position(|byte| *byte == a || *byte == b)
                .map(|offset| base + offset);
        }
        base += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|byte| *byte == a || *byte == b)
        .map(|offset| base + offset)
}

/// Windash variants are spelled out as separate literal tests up to this many; beyond, the
/// pattern becomes one regex with a dash class.
const MAX_LITERAL_DASH_VARIANTS: usize = 25;

/// The leaves of one string pattern (several when `windash` variants are spelled out).
pub(crate) fn string_leaves(
    pattern: &[Tok],
    cased: bool,
    out: &mut Vec<Leaf>,
) -> Result<(), ModifierError> {
    let dashes = pattern.iter().filter(|tok| **tok == Tok::Dash).count();
    let spelled_out = u32::try_from(dashes)
        .ok()
        .and_then(|d| 5usize.checked_pow(d))
        .is_some_and(|total| total <= MAX_LITERAL_DASH_VARIANTS);
    if dashes > 0 && spelled_out {
        for variant in expand_dashes(pattern)? {
            out.push(string_leaf(&variant, cased)?);
        }
        return Ok(());
    }
    out.push(string_leaf(pattern, cased)?);
    Ok(())
}

fn string_leaf(pattern: &[Tok], cased: bool) -> Result<Leaf, ModifierError> {
    let leading = pattern.iter().take_while(|tok| **tok == Tok::Star).count();
    let core = &pattern[leading..];
    let trailing = core
        .iter()
        .rev()
        .take_while(|tok| **tok == Tok::Star)
        .count();
    let core = &core[..core.len() - trailing];
    let literal: Option<String> = core
        .iter()
        .map(|tok| match tok {
            Tok::Lit(c) => Some(*c),
            _ => None,
        })
        .collect();
    let Some(text) = literal else {
        return Ok(Leaf::Glob(glob_regex(pattern, cased)?));
    };
    let kind = match (leading > 0, trailing > 0) {
        (false, false) => StringPatternKind::Exact,
        (false, true) => StringPatternKind::Prefix,
        (true, false) if core.is_empty() => StringPatternKind::Contains,
        (true, false) => StringPatternKind::Suffix,
        (true, true) => StringPatternKind::Contains,
    };
    let number = match kind {
        StringPatternKind::Exact => Num::parse(&text),
        _ => None,
    };
    let text = if cased {
        text
    } else {
        text.to_ascii_lowercase()
    };
    Ok(Leaf::Literal(Literal {
        pattern: StringPattern { kind, text, cased },
        number,
    }))
}

/// An anchored regex for a wildcard pattern; letters fold ASCII case only, `?` is one
/// character, `*` any run including newlines.
fn glob_regex(pattern: &[Tok], cased: bool) -> Result<Regex, ModifierError> {
    let leading = pattern.iter().take_while(|tok| **tok == Tok::Star).count();
    let trailing = pattern[leading..]
        .iter()
        .rev()
        .take_while(|tok| **tok == Tok::Star)
        .count();
    let core = &pattern[leading..pattern.len() - trailing];
    let mut source = String::with_capacity(core.len() * 2 + 8);
    if leading == 0 {
        source.push_str(r"\A");
    }
    let mut buffer = [0u8; 4];
    for tok in core {
        match tok {
            Tok::Lit(c) if !cased && c.is_ascii_alphabetic() => {
                source.push('[');
                source.push(c.to_ascii_lowercase());
                source.push(c.to_ascii_uppercase());
                source.push(']');
            }
            Tok::Lit(c) => source.push_str(&regex::escape(c.encode_utf8(&mut buffer))),
            Tok::Star => source.push_str("(?s:.*)"),
            Tok::One => source.push_str("(?s:.)"),
            Tok::Dash => {
                source.push('[');
                for dash in DASHES {
                    source.push_str(&regex::escape(dash.encode_utf8(&mut buffer)));
                }
                source.push(']');
            }
        }
    }
    if trailing == 0 {
        source.push_str(r"\z");
    }
    Regex::new(&source).map_err(|error| {
        ModifierError::new(
            reason::INVALID_VALUE,
            format!("wildcard pattern does not compile: {error}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modifier::pattern::{parse, windash};

    fn leaf(raw: &str, cased: bool) -> Leaf {
        let mut out = Vec::new();
        string_leaves(&parse(raw), cased, &mut out).unwrap();
        assert_eq!(out.len(), 1);
        out.remove(0)
    }

    fn kind(raw: &str) -> Option<StringPatternKind> {
        match leaf(raw, false) {
            Leaf::Literal(literal) => Some(literal.pattern.kind),
            _ => None,
        }
    }

    #[test]
    fn literal_kinds() {
        assert_eq!(kind("abc"), Some(StringPatternKind::Exact));
        assert_eq!(kind("abc*"), Some(StringPatternKind::Prefix));
        assert_eq!(kind("*abc"), Some(StringPatternKind::Suffix));
        assert_eq!(kind("*abc*"), Some(StringPatternKind::Contains));
        assert_eq!(kind("**abc**"), Some(StringPatternKind::Contains));
        assert_eq!(kind("*"), Some(StringPatternKind::Contains));
        assert_eq!(kind(""), Some(StringPatternKind::Exact));
        assert_eq!(kind("a*c"), None);
        assert_eq!(kind("a?c"), None);
    }

    #[test]
    fn ascii_case_insensitive_search() {
        assert!(contains_ignore_ascii_case(b"xxHeLLo", b"hello"));
        assert!(contains_ignore_ascii_case(b"hello", b"hello"));
        assert!(contains_ignore_ascii_case(b"", b""));
        assert!(!contains_ignore_ascii_case(b"hell", b"hello"));
        assert!(!contains_ignore_ascii_case(b"hxllo hellx", b"hello"));
        assert!(contains_ignore_ascii_case(b"hhello", b"hello"));
    }

    #[test]
    fn glob_folds_ascii_only() {
        let Leaf::Glob(regex) = leaf("stra*e", false) else {
            panic!("not a glob");
        };
        assert!(regex.is_match("STRAßE"));
        assert!(regex.is_match("stra\nXe"));
        assert!(!regex.is_match("xstraXe"));
        let Leaf::Glob(regex) = leaf("é?", false) else {
            panic!("not a glob");
        };
        assert!(regex.is_match("éß"), "? is one character, not one byte");
        assert!(!regex.is_match("Éx"), "non-ASCII letters do not fold");
    }

    #[test]
    fn many_windash_positions_become_one_regex() {
        let mut out = Vec::new();
        string_leaves(&windash(&parse("* -a -b -c*")), false, &mut out).unwrap();
        assert_eq!(out.len(), 1);
        assert!(out[0].matches(&FieldValue::Int(0), "x \u{2013}a /b -c y"));
        let mut few = Vec::new();
        string_leaves(&windash(&parse("* -a*")), false, &mut few).unwrap();
        assert_eq!(few.len(), 5);
    }

    #[test]
    fn numbers_parse_strictly() {
        assert_eq!(Num::parse("42"), Some(Num::Int(42)));
        assert_eq!(Num::parse("+3"), Some(Num::Int(3)));
        assert_eq!(Num::parse("-2.5"), Some(Num::Float(-2.5)));
        assert_eq!(Num::parse("1e3"), Some(Num::Float(1000.0)));
        for text in [
            "", " 1", "1 ", "inf", "NaN", "0x10", "1_000", "-", "e5", "1e999",
        ] {
            assert_eq!(Num::parse(text), None, "{text}");
        }
    }
}
