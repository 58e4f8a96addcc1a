//! Predicates evaluated on JSON values rather than on the index: dotted OCSF paths that are
//! not in the catalogue (matched on the stored event) and `where` after aggregation (matched
//! on result rows). Same meaning as the index: strings compare case-insensitively, `*`/`?`
//! wildcards and regexes match the whole value, comparisons are numeric when both sides are
//! numbers (or times), textual otherwise.

use std::cmp::Ordering;
use std::net::IpAddr;

use ipnet::IpNet;
use regex::Regex;
use serde_json::Value;
use vigil_query::ast::{Bound, CompareOp, Predicate, Span};

use crate::error::StoreError;

/// A comparison operand.
#[derive(Clone, Debug)]
pub(crate) enum Operand {
    Number(f64),
    Text(String),
}

impl Operand {
    fn parse(text: &str) -> Operand {
        if let Ok(number) = text.trim().parse::<f64>() {
            return Operand::Number(number);
        }
        if let Some(ms) = parse_time_ms(text) {
            return Operand::Number(ms as f64);
        }
        Operand::Text(text.to_lowercase())
    }

    /// `value` compared with this operand; `None` when they cannot be compared.
    fn compare(&self, value: &Value) -> Option<Ordering> {
        match self {
            Operand::Number(n) => {
                let v = match value {
                    Value::Number(v) => v.as_f64()?,
                    Value::String(s) => match Operand::parse(s) {
                        Operand::Number(v) => v,
                        Operand::Text(_) => return None,
                    },
                    _ => return None,
                };
                v.partial_cmp(n)
            }
            Operand::Text(t) => Some(scalar_text(value)?.to_lowercase().as_str().cmp(t.as_str())),
        }
    }
}

/// A predicate compiled for JSON values.
#[derive(Clone, Debug)]
pub(crate) enum ValueMatcher {
    Eq(Operand),
    Pattern(Regex),
    Cidr(IpNet),
    Compare(CompareOp, Operand),
    Range(Option<(Operand, bool)>, Option<(Operand, bool)>),
    Exists,
}

impl ValueMatcher {
    pub(crate) fn new(
        predicate: &Predicate,
        value_span: &Span,
    ) -> Result<ValueMatcher, StoreError> {
        let bound = |b: &Bound| match b {
            Bound::Unbounded => None,
            Bound::Inclusive(v) => Some((Operand::parse(&v.text), true)),
            Bound::Exclusive(v) => Some((Operand::parse(&v.text), false)),
        };
        Ok(match predicate {
            Predicate::Eq(value) => ValueMatcher::Eq(Operand::parse(&value.text)),
            Predicate::Wildcard(pattern) => {
                ValueMatcher::Pattern(compile_regex(&wildcard_to_regex(pattern), value_span)?)
            }
            Predicate::Regex(pattern) => {
                ValueMatcher::Pattern(compile_regex(&format!("^(?:{pattern})$"), value_span)?)
            }
            Predicate::Cidr(net) => ValueMatcher::Cidr(*net),
            Predicate::Compare(op, value) => {
                ValueMatcher::Compare(*op, Operand::parse(&value.text))
            }
            Predicate::Range { low, high } => ValueMatcher::Range(bound(low), bound(high)),
            Predicate::Exists => ValueMatcher::Exists,
        })
    }

    /// Whether any of `values` matches (`Exists`: whether there is a non-null one).
    pub(crate) fn matches_any(&self, values: &[&Value]) -> bool {
        values.iter().any(|v| !v.is_null() && self.matches(v))
    }

    fn matches(&self, value: &Value) -> bool {
        match self {
            ValueMatcher::Exists => true,
            ValueMatcher::Eq(Operand::Number(n)) => match value {
                Value::Number(v) => v.as_f64() == Some(*n),
                Value::String(s) => s.trim().parse::<f64>().ok() == Some(*n),
                _ => false,
            },
            ValueMatcher::Eq(Operand::Text(t)) => {
                scalar_text(value).is_some_and(|s| s.to_lowercase() == *t)
            }
            ValueMatcher::Pattern(regex) => scalar_text(value).is_some_and(|s| regex.is_match(&s)),
            ValueMatcher::Cidr(net) => scalar_text(value)
                .and_then(|s| s.trim().parse::<IpAddr>().ok())
                .is_some_and(|ip| net.contains(&ip)),
            ValueMatcher::Compare(op, operand) => {
                let Some(ordering) = operand.compare(value) else {
                    return false;
                };
                match op {
                    CompareOp::Gt => ordering == Ordering::Greater,
                    CompareOp::Ge => ordering != Ordering::Less,
                    CompareOp::Lt => ordering == Ordering::Less,
                    CompareOp::Le => ordering != Ordering::Greater,
                }
            }
            ValueMatcher::Range(low, high) => {
                let low_ok = low.as_ref().is_none_or(|(operand, inclusive)| {
                    operand.compare(value).is_some_and(|o| {
                        o == Ordering::Greater || (*inclusive && o == Ordering::Equal)
                    })
                });
                let high_ok = high.as_ref().is_none_or(|(operand, inclusive)| {
                    operand.compare(value).is_some_and(|o| {
                        o == Ordering::Less || (*inclusive && o == Ordering::Equal)
                    })
                });
                low_ok && high_ok
            }
        }
    }
}

fn compile_regex(pattern: &str, span: &Span) -> Result<Regex, StoreError> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| StoreError::query(format!("invalid regular expression: {e}"), span.clone()))
}

/// A string, number or bool as text; `None` for null, arrays and objects.
pub(crate) fn scalar_text(value: &Value) -> Option<std::borrow::Cow<'_, str>> {
    match value {
        Value::String(s) => Some(std::borrow::Cow::Borrowed(s)),
        Value::Number(n) => Some(std::borrow::Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(std::borrow::Cow::Borrowed(if *b {
            "true"
        } else {
            "false"
        })),
        _ => None,
    }
}

/// `*`/`?` wildcard to an anchored regex (everything else literal).
pub(crate) fn wildcard_to_regex(pattern: &str) -> String {
    let mut regex = String::with_capacity(pattern.len() + 8);
    regex.push_str("^(?:");
    regex.push_str(&wildcard_body(pattern));
    regex.push_str(")$");
    regex
}

/// `*`/`?` wildcard to an unanchored regex body (tantivy's term regexes are anchored).
pub(crate) fn wildcard_body(pattern: &str) -> String {
    let mut body = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars();
    let mut buf = [0u8; 4];
    while let Some(c) = chars.next() {
        match c {
            '*' => body.push_str(".*"),
            '?' => body.push('.'),
            // `\*`, `\?`, `\\` are literal (the query grammar's escapes).
            '\\' => {
                let literal = chars.next().unwrap_or('\\');
                body.push_str(&regex::escape(literal.encode_utf8(&mut buf)));
            }
            c => body.push_str(&regex::escape(c.encode_utf8(&mut buf))),
        }
    }
    body
}

/// Every value at a dotted `path` in `root` (`[]` suffixes optional; arrays are walked).
pub(crate) fn values_at<'a>(root: &'a Value, path: &str, out: &mut Vec<&'a Value>) {
    fn walk<'a>(value: &'a Value, segments: &[&str], out: &mut Vec<&'a Value>) {
        if let Value::Array(items) = value {
            for item in items {
                walk(item, segments, out);
            }
            return;
        }
        let Some((first, rest)) = segments.split_first() else {
            out.push(value);
            return;
        };
        if let Some(child) = value.get(first.trim_end_matches("[]")) {
            walk(child, rest, out);
        }
    }
    let segments: Vec<&str> = path.split('.').collect();
    walk(root, &segments, out);
}

/// Milliseconds since the epoch from an RFC 3339 time (`2024-05-01`, `2024-05-01T10:00:00Z`,
/// with fraction and offset) or an epoch number (seconds below 10^11, else milliseconds).
pub(crate) fn parse_time_ms(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(number) = text.parse::<i64>() {
        return Some(if number.abs() < 100_000_000_000 {
            number.checked_mul(1000)?
        } else {
            number
        });
    }
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        if part.bytes().all(|b| b.is_ascii_digit()) && !part.is_empty() {
            part.parse().ok()
        } else {
            None
        }
    };
    if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut ms = days_from_civil(year, month, day) * 86_400_000;
    let rest = &text[10..];
    if rest.is_empty() {
        return Some(ms);
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (hour, minute) = (digits_of(rest, 0..2)?, digits_of(rest, 3..5)?);
    if rest.as_bytes().get(2) != Some(&b':') || hour > 23 || minute > 59 {
        return None;
    }
    ms += (hour * 3600 + minute * 60) * 1000;
    let mut rest = &rest[5..];
    if let Some(after) = rest.strip_prefix(':') {
        let second = digits_of(after, 0..2)?;
        if second > 60 {
            return None;
        }
        ms += second * 1000;
        rest = &after[2..];
        if let Some(fraction) = rest.strip_prefix('.') {
            let end = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if end == 0 {
                return None;
            }
            let millis: String = fraction[..end]
                .chars()
                .chain("000".chars())
                .take(3)
                .collect();
            ms += millis.parse::<i64>().ok()?;
            rest = &fraction[end..];
        }
    }
    match rest {
        "" | "Z" | "z" => Some(ms),
        offset => {
            let sign = match offset.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (oh, om) = (digits_of(offset, 1..3)?, digits_of(offset, 4..6)?);
            if offset.len() != 6 || offset.as_bytes()[3] != b':' {
                return None;
            }
            Some(ms - sign * (oh * 3600 + om * 60) * 1000)
        }
    }
}

fn digits_of(text: &str, range: std::ops::Range<usize>) -> Option<i64> {
    let part = text.get(range)?;
    if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    part.parse().ok()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use vigil_query::ast::Value as AstValue;

    fn v(text: &str) -> AstValue {
        AstValue {
            text: text.to_owned(),
            quoted: false,
        }
    }

    fn check(predicate: Predicate, value: Value, expect: bool) {
        let matcher = ValueMatcher::new(&predicate, &(0..0)).unwrap();
        assert_eq!(
            matcher.matches_any(&[&value]),
            expect,
            "{predicate:?} on {value}"
        );
    }

    #[test]
    fn predicates_on_values() {
        check(Predicate::Eq(v("ADMIN")), json!("admin"), true);
        check(Predicate::Eq(v("443")), json!(443), true);
        check(Predicate::Eq(v("443")), json!("443"), true);
        check(
            Predicate::Wildcard("adm*".into()),
            json!("Administrator"),
            true,
        );
        check(
            Predicate::Wildcard("adm?".into()),
            json!("administrator"),
            false,
        );
        check(Predicate::Regex("a.+n".into()), json!("ADMIN"), true);
        check(
            Predicate::Cidr("10.0.0.0/8".parse().unwrap()),
            json!("10.1.2.3"),
            true,
        );
        check(
            Predicate::Cidr("10.0.0.0/8".parse().unwrap()),
            json!("11.1.2.3"),
            false,
        );
        check(Predicate::Compare(CompareOp::Gt, v("10")), json!(11), true);
        check(Predicate::Compare(CompareOp::Le, v("10")), json!(11), false);
        check(Predicate::Compare(CompareOp::Lt, v("b")), json!("A"), true);
        check(
            Predicate::Range {
                low: Bound::Inclusive(v("1")),
                high: Bound::Exclusive(v("3")),
            },
            json!(3),
            false,
        );
        check(Predicate::Exists, json!(null), false);
        check(Predicate::Exists, json!(""), true);
    }

    #[test]
    fn wildcard_escapes_are_literal() {
        check(Predicate::Wildcard(r"a\*b*".into()), json!("a*bc"), true);
        check(Predicate::Wildcard(r"a\*b*".into()), json!("axbc"), false);
        check(Predicate::Wildcard(r"a\?".into()), json!("a?"), true);
        check(Predicate::Wildcard(r"a\\".into()), json!("a\\"), true);
    }

    #[test]
    fn invalid_regex_is_an_error_with_the_span() {
        let error = ValueMatcher::new(&Predicate::Regex("(".into()), &(4..7)).unwrap_err();
        assert!(matches!(error, StoreError::Query { span, .. } if span == (4..7)));
    }

    #[test]
    fn paths_walk_arrays() {
        let doc = json!({"resources": [{"uid": "a"}, {"uid": "b"}], "x": {"y": 1}});
        let mut out = Vec::new();
        values_at(&doc, "resources[].uid", &mut out);
        values_at(&doc, "x.y", &mut out);
        values_at(&doc, "x.z", &mut out);
        assert_eq!(out, vec![&json!("a"), &json!("b"), &json!(1)]);
    }

    #[test]
    fn times_parse() {
        assert_eq!(parse_time_ms("1970-01-02"), Some(86_400_000));
        assert_eq!(
            parse_time_ms("2024-02-29T12:00:00Z"),
            Some(1_709_208_000_000)
        );
        assert_eq!(
            parse_time_ms("2024-02-29T14:00:00.5+02:00"),
            Some(1_709_208_000_500)
        );
        assert_eq!(parse_time_ms("1700000000"), Some(1_700_000_000_000));
        assert_eq!(parse_time_ms("1700000000123"), Some(1_700_000_000_123));
        assert_eq!(parse_time_ms("2024-13-01"), None);
        assert_eq!(parse_time_ms("2024-01-01T1"), None);
        assert_eq!(parse_time_ms("garbage"), None);
    }
}
