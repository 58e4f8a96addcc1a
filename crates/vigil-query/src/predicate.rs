//! One field predicate, from the typed value to a compiled test: `normalize` checks the value
//! against the field's kind (and writes times as epoch milliseconds), `compile` builds the
//! test, `FieldTest::matches` runs it on one value of the field.

use std::net::IpAddr;
use std::ops::Bound as Limit;

use ipnet::IpNet;
use regex::{Regex, RegexBuilder};
use serde_json::Value as Json;

use crate::ast::{Bound, CompareOp, Predicate, Span, Value};
use crate::error::ParseError;
use crate::fields::FieldKind;
use crate::record::{scalar_number, scalar_text, tokenize};
use crate::resolve::{Access, Kind};
use crate::time::{parse_time_ms, TimeError};
use crate::words::{contains_phrase, keyword_pattern, pattern_phrase, phrase_of, TokenTest};

/// Compiled regexes may not grow past this (patterns come from anyone who can search).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Checks `predicate` against the kind of `access` and returns it in normal form: time values
/// as decimal epoch milliseconds (relative times resolved against `now_ms`), IP addresses in
/// canonical text, a CIDR on a keyword field as its text, `10.0.*` on an IP field as
/// `10.0.0.0/16`.
pub(crate) fn normalize(
    access: &Access,
    predicate: &Predicate,
    span: &Span,
    now_ms: Option<i64>,
) -> Result<Predicate, ParseError> {
    let field = &access.name;
    let refuse = |what: &str| {
        let message = format!(
            "{what} do not apply to `{field}`, which holds {}",
            access.kind.plural()
        );
        Err(ParseError::new(message, span.clone()))
    };
    let kind = match access.kind {
        Kind::Dynamic => return Ok(predicate.clone()),
        Kind::Known(kind) => kind,
    };
    let convert = |value: &Value| convert_value(kind, field, value, span, now_ms);
    match (kind, predicate) {
        (_, Predicate::Exists) => Ok(Predicate::Exists),
        (FieldKind::Ip, Predicate::Eq(value)) => match value.text.trim().parse::<IpNet>() {
            Ok(net) => Ok(Predicate::Cidr(net)),
            Err(_) => Ok(Predicate::Eq(convert(value)?)),
        },
        (FieldKind::Ip, Predicate::Wildcard(pattern)) => match octet_prefix(pattern) {
            Some(net) => Ok(Predicate::Cidr(net)),
            None => refuse("wildcards other than whole IPv4 octets (`10.0.*`)"),
        },
        (FieldKind::Ip, Predicate::Cidr(_)) => Ok(predicate.clone()),
        (FieldKind::Keyword | FieldKind::Text, Predicate::Cidr(net)) => Ok(Predicate::Eq(Value {
            text: net.to_string(),
            quoted: false,
        })),
        (FieldKind::Text, Predicate::Compare(..) | Predicate::Range { .. }) => {
            refuse("comparisons and ranges")
        }
        (FieldKind::Keyword | FieldKind::Text, _) => {
            if let Predicate::Regex(pattern) = predicate {
                build_regex(pattern, span)?;
            }
            Ok(predicate.clone())
        }
        (_, Predicate::Eq(value)) => Ok(Predicate::Eq(convert(value)?)),
        (_, Predicate::Compare(op, value)) => Ok(Predicate::Compare(*op, convert(value)?)),
        (_, Predicate::Range { low, high }) => {
            let bound = |bound: &Bound| -> Result<Bound, ParseError> {
                Ok(match bound {
                    Bound::Unbounded => Bound::Unbounded,
                    Bound::Inclusive(value) => Bound::Inclusive(convert(value)?),
                    Bound::Exclusive(value) => Bound::Exclusive(convert(value)?),
                })
            };
            Ok(Predicate::Range {
                low: bound(low)?,
                high: bound(high)?,
            })
        }
        (_, Predicate::Wildcard(_)) => refuse("wildcards"),
        (_, Predicate::Regex(_)) => refuse("regular expressions"),
        (_, Predicate::Cidr(_)) => refuse("CIDR ranges"),
    }
}

/// A value of an IP, integer or time field in normal form.
fn convert_value(
    kind: FieldKind,
    field: &str,
    value: &Value,
    span: &Span,
    now_ms: Option<i64>,
) -> Result<Value, ParseError> {
    let text = value.text.trim();
    let normal = match kind {
        FieldKind::Ip => text
            .parse::<IpAddr>()
            .ok()
            .map(|address| address.to_canonical().to_string()),
        FieldKind::Int => text.parse::<i64>().ok().map(|number| number.to_string()),
        FieldKind::Time => match parse_time_ms(text, now_ms) {
            Ok(ms) => Some(ms.to_string()),
            Err(TimeError::NeedsNow) => {
                let message = format!(
                    "relative time `{text}` needs a reference time: `check` the query first"
                );
                return Err(ParseError::new(message, span.clone()));
            }
            Err(TimeError::Malformed) => None,
        },
        FieldKind::Keyword | FieldKind::Text => Some(value.text.clone()),
    };
    let Some(text) = normal else {
        let expected = match kind {
            FieldKind::Ip => "an ip address".to_string(),
            FieldKind::Int => "an integer".to_string(),
            _ => {
                "a time: RFC 3339 (`2024-05-01T10:00:00Z`), epoch milliseconds, `now-1d` or `-24h`"
                    .to_string()
            }
        };
        let message = format!(
            "`{}` is not {expected} (`{field}` holds {})",
            value.text,
            Kind::Known(kind).plural()
        );
        return Err(ParseError::new(message, span.clone()));
    };
    Ok(Value {
        text,
        quoted: value.quoted,
    })
}

/// `10.*`, `10.0.*`, `10.0.0.*` → the CIDR they mean.
fn octet_prefix(pattern: &str) -> Option<IpNet> {
    let prefix = pattern.strip_suffix(".*")?;
    let octets: Vec<u8> = prefix
        .split('.')
        .map(|octet| octet.parse().ok())
        .collect::<Option<_>>()?;
    if octets.is_empty() || octets.len() > 3 {
        return None;
    }
    let mut address = [0u8; 4];
    address[..octets.len()].copy_from_slice(&octets);
    let prefix_len = u8::try_from(octets.len() * 8).ok()?;
    IpNet::new(IpAddr::from(address), prefix_len).ok()
}

fn build_regex(pattern: &str, span: &Span) -> Result<Regex, ParseError> {
    RegexBuilder::new(&format!("^(?:{pattern})$"))
        .case_insensitive(true)
        .dot_matches_new_line(true)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|error| {
            let detail = error.to_string();
            let detail = detail
                .lines()
                .rev()
                .find(|line| !line.trim().is_empty())
                .unwrap_or("")
                .trim();
            let detail = detail.strip_prefix("error: ").unwrap_or(detail);
            ParseError::new(format!("invalid regex: {detail}"), span.clone())
        })
}

/// A compiled predicate on one field.
#[derive(Debug)]
pub(crate) enum FieldTest {
    Exists,
    /// Keyword equality (ASCII lowercase); for dynamic fields also the number it holds.
    Equals {
        text: String,
        number: Option<f64>,
    },
    /// Whole-value wildcard over the ASCII-lowercased value.
    Pattern(Regex),
    /// Whole-value regex, case-insensitive.
    Regex(Regex),
    /// Strings between two limits (ASCII lowercase); dynamic fields compare numbers as numbers.
    StringRange {
        low: Limit<String>,
        high: Limit<String>,
        numeric: Option<(Limit<f64>, Limit<f64>)>,
    },
    /// Text field: consecutive words.
    Phrase(Vec<TokenTest>),
    /// Text field: some word matches the regex.
    TokenRegex(Regex),
    IpEquals(IpAddr),
    IpIn(IpNet),
    IpRange(Limit<u128>, Limit<u128>),
    /// Integers and times.
    NumberRange(Limit<f64>, Limit<f64>),
}

/// Builds the test for a normalized predicate.
pub(crate) fn compile(
    access: &Access,
    predicate: &Predicate,
    span: &Span,
) -> Result<FieldTest, ParseError> {
    let kind = match access.kind {
        Kind::Known(kind) => Some(kind),
        Kind::Dynamic => None,
    };
    let number_of = |value: &Value| {
        value
            .text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
    };
    let (low, high) = match predicate {
        Predicate::Exists => return Ok(FieldTest::Exists),
        Predicate::Regex(pattern) if kind == Some(FieldKind::Text) => {
            return Ok(FieldTest::TokenRegex(build_regex(pattern, span)?))
        }
        Predicate::Regex(pattern) => return Ok(FieldTest::Regex(build_regex(pattern, span)?)),
        Predicate::Wildcard(pattern) if kind == Some(FieldKind::Text) => {
            return Ok(FieldTest::Phrase(pattern_phrase(pattern)))
        }
        Predicate::Wildcard(pattern) => return Ok(FieldTest::Pattern(keyword_pattern(pattern))),
        Predicate::Cidr(net) => return Ok(FieldTest::IpIn(net.trunc())),
        Predicate::Eq(value) => match kind {
            Some(FieldKind::Text) => return Ok(FieldTest::Phrase(phrase_of(&value.text))),
            Some(FieldKind::Ip) => {
                let address = parse_ip(&value.text, span)?;
                return Ok(FieldTest::IpEquals(address));
            }
            None | Some(FieldKind::Keyword) => {
                let number = if kind.is_none() {
                    number_of(value)
                } else {
                    None
                };
                return Ok(FieldTest::Equals {
                    text: value.text.to_ascii_lowercase(),
                    number,
                });
            }
            Some(FieldKind::Int | FieldKind::Time) => {
                (Limit::Included(value), Limit::Included(value))
            }
        },
        Predicate::Compare(op, value) => match op {
            CompareOp::Gt => (Limit::Excluded(value), Limit::Unbounded),
            CompareOp::Ge => (Limit::Included(value), Limit::Unbounded),
            CompareOp::Lt => (Limit::Unbounded, Limit::Excluded(value)),
            CompareOp::Le => (Limit::Unbounded, Limit::Included(value)),
        },
        Predicate::Range { low, high } => (limit_of(low), limit_of(high)),
    };
    match kind {
        Some(FieldKind::Ip) => {
            let low = try_map(low, |value| parse_ip(&value.text, span).map(ip_number))?;
            let high = try_map(high, |value| parse_ip(&value.text, span).map(ip_number))?;
            Ok(FieldTest::IpRange(low, high))
        }
        Some(FieldKind::Int | FieldKind::Time) => {
            let number = |value: &Value| {
                number_of(value).ok_or_else(|| {
                    ParseError::new(format!("`{}` is not a number", value.text), span.clone())
                })
            };
            Ok(FieldTest::NumberRange(
                try_map(low, number)?,
                try_map(high, number)?,
            ))
        }
        _ => {
            let numeric = if kind.is_none() {
                let low = try_map(low, |value| number_of(value).ok_or(()));
                let high = try_map(high, |value| number_of(value).ok_or(()));
                low.ok().zip(high.ok())
            } else {
                None
            };
            let text = |value: &Value| Ok::<_, ParseError>(value.text.to_ascii_lowercase());
            Ok(FieldTest::StringRange {
                low: try_map(low, text)?,
                high: try_map(high, text)?,
                numeric,
            })
        }
    }
}

fn limit_of(bound: &Bound) -> Limit<&Value> {
    match bound {
        Bound::Unbounded => Limit::Unbounded,
        Bound::Inclusive(value) => Limit::Included(value),
        Bound::Exclusive(value) => Limit::Excluded(value),
    }
}

fn try_map<T, U, E>(limit: Limit<T>, convert: impl Fn(T) -> Result<U, E>) -> Result<Limit<U>, E> {
    Ok(match limit {
        Limit::Unbounded => Limit::Unbounded,
        Limit::Included(value) => Limit::Included(convert(value)?),
        Limit::Excluded(value) => Limit::Excluded(convert(value)?),
    })
}

fn parse_ip(text: &str, span: &Span) -> Result<IpAddr, ParseError> {
    text.trim()
        .parse::<IpAddr>()
        .map(|address| address.to_canonical())
        .map_err(|_| ParseError::new(format!("`{text}` is not an ip address"), span.clone()))
}

/// IPv4 as IPv4-mapped IPv6, so both families order on one line.
fn ip_number(address: IpAddr) -> u128 {
    match address {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

fn within<T: PartialOrd>(value: &T, low: &Limit<T>, high: &Limit<T>) -> bool {
    let above = match low {
        Limit::Unbounded => true,
        Limit::Included(low) => value >= low,
        Limit::Excluded(low) => value > low,
    };
    let below = match high {
        Limit::Unbounded => true,
        Limit::Included(high) => value <= high,
        Limit::Excluded(high) => value < high,
    };
    above && below
}

impl FieldTest {
    /// Whether one value of the field passes (`Exists` is decided by the caller).
    pub fn matches(&self, value: &Json) -> bool {
        match self {
            FieldTest::Exists => true,
            FieldTest::Equals { text, number } => {
                if let (Some(expected), Json::Number(actual)) = (number, value) {
                    return actual.as_f64() == Some(*expected);
                }
                scalar_text(value).is_some_and(|actual| actual.eq_ignore_ascii_case(text))
            }
            FieldTest::Pattern(regex) => scalar_text(value)
                .is_some_and(|actual| regex.is_match(&actual.to_ascii_lowercase())),
            FieldTest::Regex(regex) => {
                scalar_text(value).is_some_and(|actual| regex.is_match(&actual))
            }
            FieldTest::StringRange { low, high, numeric } => {
                if let (Some((low, high)), Some(actual)) = (numeric, scalar_number(value)) {
                    return within(&actual, low, high);
                }
                scalar_text(value)
                    .is_some_and(|actual| within(&actual.to_ascii_lowercase(), low, high))
            }
            FieldTest::Phrase(phrase) => value
                .as_str()
                .is_some_and(|text| contains_phrase(&tokenize(text), phrase)),
            FieldTest::TokenRegex(regex) => value
                .as_str()
                .is_some_and(|text| tokenize(text).iter().any(|token| regex.is_match(token))),
            FieldTest::IpEquals(expected) => {
                value_ip(value).is_some_and(|actual| actual == *expected)
            }
            FieldTest::IpIn(net) => value_ip(value).is_some_and(|actual| net.contains(&actual)),
            FieldTest::IpRange(low, high) => {
                value_ip(value).is_some_and(|actual| within(&ip_number(actual), low, high))
            }
            FieldTest::NumberRange(low, high) => {
                let number = scalar_number(value).or_else(|| {
                    value
                        .as_str()
                        .and_then(|text| parse_time_ms(text, None).ok())
                        .map(|ms| ms as f64)
                });
                number.is_some_and(|number| within(&number, low, high))
            }
        }
    }
}

fn value_ip(value: &Json) -> Option<IpAddr> {
    value
        .as_str()?
        .trim()
        .parse::<IpAddr>()
        .ok()
        .map(|address| address.to_canonical())
}
