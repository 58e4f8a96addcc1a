//! STIX 2.x files: bundles, arrays or lines of objects, and their indicator objects.

use std::borrow::Cow;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::pattern::{parse_pattern, PatternError, Term};
use super::value;
use super::{IndicatorMeta, IntelSetBuilder, LoadReport};

/// Loads every indicator of `text` into `builder`.
pub(super) fn load(
    builder: &mut IntelSetBuilder,
    text: &str,
    source: &Arc<str>,
    report: &mut LoadReport,
) {
    let text = text.trim_start_matches('\u{feff}');
    let mut lines = LineCounter::new(text);
    match top_level_objects(text) {
        Ok(objects) => {
            for object in objects {
                let line = lines.line_of(object.get());
                load_object(builder, object.get(), line, source, report);
            }
        }
        Err(error) => {
            // Objects one per line (a TAXII export) when every non-empty line is an object.
            let one_per_line = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .all(|l| l.starts_with('{'));
            if one_per_line && text.lines().filter(|l| !l.trim().is_empty()).count() > 1 {
                for (index, line) in text.lines().enumerate() {
                    if !line.trim().is_empty() {
                        load_object(builder, line, index as u64 + 1, source, report);
                    }
                }
            } else {
                report.reject(error.line() as u64, "invalid_json", error.to_string());
            }
        }
    }
}

/// The objects of a bundle, of an array, or the one object.
fn top_level_objects(text: &str) -> Result<Vec<&RawValue>, serde_json::Error> {
    #[derive(Deserialize)]
    struct Bundle<'a> {
        #[serde(borrow, default)]
        objects: Option<Vec<&'a RawValue>>,
        #[serde(rename = "type", default)]
        kind: Option<Cow<'a, str>>,
    }
    if text.trim_start().starts_with('[') {
        return serde_json::from_str::<Vec<&RawValue>>(text);
    }
    let whole: &RawValue = serde_json::from_str(text)?;
    let bundle: Bundle<'_> = serde_json::from_str(whole.get())?;
    match bundle.objects {
        Some(objects) if bundle.kind.as_deref() != Some("indicator") => Ok(objects),
        _ => Ok(vec![whole]),
    }
}

/// Finds the line of a slice of the text, moving forward only (objects come in order).
struct LineCounter<'a> {
    text: &'a str,
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> LineCounter<'a> {
        LineCounter {
            text,
            offset: 0,
            line: 1,
        }
    }

    fn line_of(&mut self, part: &str) -> u64 {
        let start = (part.as_ptr() as usize).wrapping_sub(self.text.as_ptr() as usize);
        if start < self.offset || start > self.text.len() {
            return 0;
        }
        self.line +=
            memchr::memchr_iter(b'\n', &self.text.as_bytes()[self.offset..start]).count() as u64;
        self.offset = start;
        self.line
    }
}

#[derive(Deserialize)]
struct StixObject<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    pattern: Option<String>,
    #[serde(default)]
    pattern_type: Option<String>,
    #[serde(default)]
    valid_until: Option<String>,
    #[serde(default)]
    confidence: Option<i64>,
    #[serde(default)]
    labels: Vec<String>,
    #[serde(default)]
    indicator_types: Vec<String>,
    #[serde(default)]
    revoked: Option<bool>,
}

fn load_object(
    builder: &mut IntelSetBuilder,
    json: &str,
    line: u64,
    source: &Arc<str>,
    report: &mut LoadReport,
) {
    let object: StixObject<'_> = match serde_json::from_str(json) {
        Ok(object) => object,
        Err(error) => {
            report.reject(line, "invalid_object", error.to_string());
            return;
        }
    };
    if object.kind != "indicator" {
        report.ignored_objects += 1;
        return;
    }
    let id = object.id.as_deref().unwrap_or("indicator without id");
    if object.revoked == Some(true) {
        report.reject(line, "revoked", format!("`{id}` is revoked"));
        return;
    }
    if let Some(kind) = object.pattern_type.as_deref().filter(|k| *k != "stix") {
        report.reject(
            line,
            "unsupported_pattern_type",
            format!("`{id}` has pattern_type `{kind}`"),
        );
        return;
    }
    let Some(pattern) = object.pattern.as_deref() else {
        report.reject(line, "missing_pattern", format!("`{id}` has no pattern"));
        return;
    };
    if pattern.len() > builder.options().max_line_bytes {
        report.reject(
            line,
            "too_long",
            format!("`{id}`: pattern of {} bytes", pattern.len()),
        );
        return;
    }
    let valid_until_ms = match object.valid_until.as_deref().map(parse_rfc3339_ms) {
        Some(Some(ms)) => Some(ms),
        Some(None) => {
            report.reject(
                line,
                "invalid_timestamp",
                format!("`{id}`: bad valid_until"),
            );
            return;
        }
        None => None,
    };
    let terms = match parse_pattern(pattern) {
        Ok(terms) => terms,
        Err(PatternError { reason, detail }) => {
            report.reject(line, reason, format!("`{id}`: {detail} in `{pattern}`"));
            return;
        }
    };
    let mut labels: Vec<Box<str>> = Vec::new();
    for label in object.indicator_types.iter().chain(&object.labels) {
        if !labels.iter().any(|l| **l == **label) {
            labels.push(label.as_str().into());
        }
    }
    let meta = Arc::new(IndicatorMeta {
        source: source.clone(),
        feed: None,
        stix_id: object.id.as_deref().map(Into::into),
        name: object.name.as_deref().map(Into::into),
        confidence: object
            .confidence
            .and_then(|c| u8::try_from(c.clamp(0, 100)).ok()),
        labels,
        valid_until_ms,
    });
    for term in terms {
        match term {
            Term::Value { family, value } => match value::parse(&value, Some(family)) {
                Ok(parsed) => builder.add_parsed(parsed, line, &meta, report),
                Err((reason, detail)) => report.reject(line, reason, format!("`{id}`: {detail}")),
            },
            Term::Unsupported { reason, detail } => {
                report.reject(line, reason, format!("`{id}`: {detail}"));
            }
        }
    }
}

/// Milliseconds since the epoch of an RFC 3339 timestamp (`2024-05-01T12:00:00.5+02:00`).
pub(super) fn parse_rfc3339_ms(text: &str) -> Option<i64> {
    let b = text.trim().as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(range)?;
        part.iter().try_fold(0i64, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
        })
    };
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    if b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || !matches!(b.get(10), Some(b'T' | b't' | b' '))
    {
        return None;
    }
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut at = 19;
    let mut millis = 0i64;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            if at - start < 3 {
                millis = millis * 10 + i64::from(b[at] - b'0');
            }
            at += 1;
        }
        for _ in (at - start).min(3)..3 {
            millis *= 10;
        }
    }
    let offset_minutes = match b.get(at) {
        Some(b'Z' | b'z') if at + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if at + 6 == b.len() => {
            let minutes = digits(at + 1..at + 3)? * 60 + digits(at + 4..at + 6)?;
            if *sign == b'-' {
                -minutes
            } else {
                minutes
            }
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1_000 + millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339_ms("2024-03-01T00:00:00.250Z"),
            Some(1_709_251_200_250)
        );
        assert_eq!(
            parse_rfc3339_ms("2024-03-01T02:00:00+02:00"),
            Some(1_709_251_200_000)
        );
        assert_eq!(parse_rfc3339_ms("2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339_ms("yesterday"), None);
    }
}
