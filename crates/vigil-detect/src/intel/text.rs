//! Plain and CSV indicator lists.

use std::collections::HashMap;
use std::sync::Arc;

use super::value::{self, Family, IndicatorKind};
use super::{IndicatorMeta, IntelSetBuilder, LoadReport};

/// The lines of `text` that hold something: 1-based number and content, a byte-order mark,
/// blank lines and `#` comment lines left out; over-long lines rejected here.
fn content_lines<'t>(
    text: &'t str,
    max_line_bytes: usize,
    report: &mut LoadReport,
) -> Vec<(u64, &'t str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index as u64 + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if line.len() > max_line_bytes {
            report.reject(
                number,
                "too_long",
                format!("a line of {} bytes", line.len()),
            );
            continue;
        }
        lines.push((number, trimmed));
    }
    lines
}

/// One value per line; the kind is inferred. A ` #` starts a trailing comment. A hosts-file
/// line (`0.0.0.0 evil.com`, `127.0.0.1 evil.com`) is read as its domain.
pub(super) fn load_list(
    builder: &mut IntelSetBuilder,
    text: &str,
    source: &Arc<str>,
    report: &mut LoadReport,
) {
    let meta = Arc::new(IndicatorMeta::of_source(source));
    for (line, content) in content_lines(text, builder.options().max_line_bytes, report) {
        let content = match content.find(" #").or_else(|| content.find("\t#")) {
            Some(at) => content[..at].trim_end(),
            None => content,
        };
        let mut words = content.split_whitespace();
        let first = words.next().unwrap_or("");
        let value = match (words.next(), words.next()) {
            (None, _) => first,
            (Some(host), None) if matches!(first, "0.0.0.0" | "127.0.0.1" | "::" | "::1") => host,
            _ => {
                report.reject(
                    line,
                    "invalid_line",
                    format!("`{content}` holds several values"),
                );
                continue;
            }
        };
        match value::parse(value, None) {
            Ok(parsed) => builder.add_parsed(parsed, line, &meta, report),
            Err((reason, detail)) => report.reject(line, reason, detail),
        }
    }
}

/// Where each field is in a row.
struct Columns {
    kind: usize,
    value: usize,
    feed: Option<usize>,
    confidence: Option<usize>,
}

impl Columns {
    const POSITIONAL: Columns = Columns {
        kind: 0,
        value: 1,
        feed: Some(2),
        confidence: Some(3),
    };

    /// The columns a header row names, when it is one (it names `type` and `value`).
    fn from_header(fields: &[String]) -> Option<Columns> {
        let find = |names: &[&str]| {
            fields
                .iter()
                .position(|f| names.iter().any(|n| f.trim().eq_ignore_ascii_case(n)))
        };
        Some(Columns {
            kind: find(&["type", "indicator_type", "ioc_type"])?,
            value: find(&["value", "indicator", "ioc", "ioc_value"])?,
            feed: find(&["source", "feed", "provider"]),
            confidence: find(&["confidence", "score"]),
        })
    }
}

/// `type,value[,source][,confidence]`, header optional; `type` is a family name (see
/// [`family_of_type`]), `source` names the feed, `confidence` is 0–100 or `low` / `medium` /
/// `high`. Fields may be quoted (RFC 4180).
pub(super) fn load_csv(
    builder: &mut IntelSetBuilder,
    text: &str,
    source: &Arc<str>,
    report: &mut LoadReport,
) {
    let mut columns: Option<Columns> = None;
    // One metadata per (feed, confidence): lines of one feed share it.
    let mut metas: HashMap<(Option<String>, Option<u8>), Arc<IndicatorMeta>> = HashMap::new();
    for (line, content) in content_lines(text, builder.options().max_line_bytes, report) {
        let Some(fields) = split_csv(content) else {
            report.reject(line, "invalid_csv", "an unterminated quoted field");
            continue;
        };
        let columns = match &columns {
            Some(columns) => columns,
            None => {
                let header = Columns::from_header(&fields);
                let is_header = header.is_some();
                columns = Some(header.unwrap_or(Columns::POSITIONAL));
                if is_header {
                    continue;
                }
                columns.as_ref().expect("just set")
            }
        };
        let field = |at: Option<usize>| {
            at.and_then(|i| fields.get(i))
                .map(|f| f.trim())
                .filter(|f| !f.is_empty())
        };
        let (Some(kind), Some(raw_value)) = (field(Some(columns.kind)), field(Some(columns.value)))
        else {
            report.reject(line, "missing_field", "a row needs a type and a value");
            continue;
        };
        let Some(family) = family_of_type(kind) else {
            report.reject(
                line,
                "unknown_type",
                format!("unknown indicator type `{kind}`"),
            );
            continue;
        };
        let confidence = match field(columns.confidence).map(parse_confidence) {
            Some(Some(c)) => Some(c),
            Some(None) => {
                let written = field(columns.confidence).unwrap_or_default();
                report.reject(
                    line,
                    "invalid_confidence",
                    format!("confidence `{written}`"),
                );
                continue;
            }
            None => None,
        };
        let feed = field(columns.feed).map(str::to_owned);
        let meta = metas
            .entry((feed.clone(), confidence))
            .or_insert_with(|| {
                Arc::new(IndicatorMeta {
                    feed: feed.map(String::into_boxed_str),
                    confidence,
                    ..IndicatorMeta::of_source(source)
                })
            })
            .clone();
        match value::parse(raw_value, Some(family)) {
            Ok(parsed) => builder.add_parsed(parsed, line, &meta, report),
            Err((reason, detail)) => report.reject(line, reason, detail),
        }
    }
}

/// The family a CSV `type` names.
fn family_of_type(kind: &str) -> Option<Family> {
    let kind = kind.trim().to_ascii_lowercase().replace('_', "-");
    Some(match kind.as_str() {
        "ip" | "ipv4" | "ipv6" | "ip-dst" | "ip-src" | "ipv4-addr" | "ipv6-addr" | "ip-address"
        | "cidr" | "network" | "subnet" | "netblock" => Family::Ip,
        "domain" | "domain-name" | "hostname" | "host" | "fqdn" => Family::Domain,
        "url" | "uri" | "link" => Family::Url,
        "md5" => Family::Hash(Some(IndicatorKind::Md5)),
        "sha1" | "sha-1" => Family::Hash(Some(IndicatorKind::Sha1)),
        "sha256" | "sha-256" => Family::Hash(Some(IndicatorKind::Sha256)),
        "sha512" | "sha-512" => Family::Hash(Some(IndicatorKind::Sha512)),
        "hash" | "filehash" | "file-hash" => Family::Hash(None),
        _ => return None,
    })
}

/// 0–100, or the STIX confidence words.
fn parse_confidence(text: &str) -> Option<u8> {
    match text.to_ascii_lowercase().as_str() {
        "high" => Some(85),
        "medium" => Some(50),
        "low" => Some(15),
        "none" => Some(0),
        number => number.parse::<u8>().ok().filter(|c| *c <= 100),
    }
}

/// The fields of one CSV row; `None` when a quote is not closed.
fn split_csv(line: &str) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if at_start || field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                at_start = true;
                continue;
            }
            _ => field.push(c),
        }
        at_start = false;
    }
    if quoted {
        return None;
    }
    fields.push(field);
    Some(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_may_be_quoted() {
        assert_eq!(
            split_csv("url,\"http://a.com/x,y\",feed").unwrap(),
            vec!["url", "http://a.com/x,y", "feed"]
        );
        assert_eq!(
            split_csv("a,\"say \"\"hi\"\"\",").unwrap(),
            vec!["a", "say \"hi\"", ""]
        );
        assert_eq!(split_csv("a,\"open"), None);
    }

    #[test]
    fn confidence_words_and_numbers() {
        assert_eq!(parse_confidence("High"), Some(85));
        assert_eq!(parse_confidence("70"), Some(70));
        assert_eq!(parse_confidence("170"), None);
        assert_eq!(parse_confidence("sure"), None);
    }
}
