//! LEEF (IBM QRadar Log Event Extended Format), versions 1.0 and 2.0.
//!
//! * 1.0: `LEEF:1.0|Vendor|Product|Version|EventID|key=value<TAB>key=value…`
//! * 2.0: `LEEF:2.0|Vendor|Product|Version|EventID|Delimiter|key=value<D>key=value…`, where the
//!   delimiter is one character, or a hex form (`x09`, `0x5E`, `^` as `x5E`), and empty means
//!   TAB. A 2.0 header whose delimiter field already holds `key=value` (the field was left out)
//!   is read with TAB.
//!
//! Header fields unescape `\|` and `\\`. Attribute values may contain `=` (the key ends at the
//! first one). A piece between delimiters without `=` continues the previous value (the
//! delimiter was part of it), so nothing is lost. Empty pieces (a trailing delimiter) are
//! skipped. LEEF defines no escapes in attribute values; they are kept as written.

use std::borrow::Cow;

use crate::decode::DecodeError;
use crate::time::{days_from_civil, parse_any};

/// A decoded LEEF record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leef<'a> {
    /// The LEEF version as written (`1.0`, `2.0`).
    pub version: &'a str,
    /// Vendor.
    pub vendor: Cow<'a, str>,
    /// Product.
    pub product: Cow<'a, str>,
    /// Product version.
    pub product_version: Cow<'a, str>,
    /// EventID.
    pub event_id: Cow<'a, str>,
    /// The attribute delimiter (TAB for 1.0).
    pub delimiter: char,
    /// Attributes in order, duplicates kept.
    pub attributes: Vec<(&'a str, Cow<'a, str>)>,
}

impl Leef<'_> {
    /// The first attribute value for `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_ref())
    }
}

/// The length of a version (`1.0`, `2`) followed by `|`.
fn version_len(b: &[u8]) -> Option<usize> {
    let len = b
        .iter()
        .take_while(|c| c.is_ascii_digit() || **c == b'.')
        .count();
    let starts_with_digit = b.first().is_some_and(u8::is_ascii_digit);
    (starts_with_digit && b.get(len) == Some(&b'|')).then_some(len)
}

/// The byte offset of `LEEF:<version>|` in `line`, possibly after a syslog header. The marker
/// must start the line or follow a non-alphanumeric byte.
pub fn find(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    memchr::memmem::find_iter(b, b"LEEF:").find(|&at| {
        let boundary = at == 0 || b.get(at - 1).is_some_and(|c| !c.is_ascii_alphanumeric());
        boundary && version_len(b.get(at + 5..).unwrap_or_default()).is_some()
    })
}

/// The next header field from `at`: up to an unescaped `|`. Returns the raw field and where
/// the next one starts, or `None` when the text ends before a `|`.
fn header_field(s: &str, at: usize) -> (Option<&str>, usize) {
    let b = s.as_bytes();
    let mut i = at;
    while let Some(&c) = b.get(i) {
        match c {
            b'\\' => i += 2,
            b'|' => return (s.get(at..i), i + 1),
            _ => i += 1,
        }
    }
    (None, b.len())
}

fn unescape_header(raw: &str) -> Cow<'_, str> {
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' && matches!(chars.clone().next(), Some('|' | '\\')) {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The delimiter a LEEF 2.0 delimiter field names: empty is TAB, one character is itself, and
/// `xHH`, `0xHH` (any case, 1 to 4 hex digits) is that code point.
fn delimiter_of(field: &str) -> Option<char> {
    let mut chars = field.chars();
    match (chars.next(), chars.next()) {
        (None, _) => return Some('\t'),
        (Some(c), None) => return Some(c),
        _ => {}
    }
    let hex = field
        .strip_prefix("0x")
        .or_else(|| field.strip_prefix("0X"))
        .or_else(|| field.strip_prefix('x'))
        .or_else(|| field.strip_prefix('X'))?;
    if hex.is_empty() || hex.len() > 4 {
        return None;
    }
    u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
}

/// Decodes LEEF text starting at `LEEF:` (use [`find`] to skip a syslog header).
pub fn parse(s: &str) -> Result<Leef<'_>, DecodeError> {
    if !s.starts_with("LEEF:") {
        return Err(DecodeError::new(
            "not_leef",
            "text does not start with `LEEF:`",
        ));
    }
    let Some(version_len) = version_len(s.as_bytes().get(5..).unwrap_or_default()) else {
        return Err(DecodeError::new(
            "not_leef",
            "`LEEF:` is not followed by a version and `|`",
        ));
    };
    let version = s.get(5..5 + version_len).unwrap_or("");
    let major = version.split('.').next().unwrap_or("");
    if major != "1" && major != "2" {
        return Err(DecodeError::new(
            "unsupported_version",
            format!("leef version `{version}` is not 1.0 or 2.0"),
        ));
    }
    let mut at = 5 + version_len + 1;
    let mut header: [&str; 3] = [""; 3];
    for (index, field) in header.iter_mut().enumerate() {
        let (raw, next) = header_field(s, at);
        let Some(raw) = raw else {
            return Err(DecodeError::new(
                "truncated_header",
                format!("leef header has {} of 5 fields", index + 1),
            ));
        };
        *field = raw;
        at = next;
    }
    // EventID may end the line (no attributes).
    let (event_id, next) = header_field(s, at);
    let event_id = event_id.unwrap_or_else(|| s.get(at..).unwrap_or(""));
    at = next;
    let mut delimiter = '\t';
    if major == "2" {
        let (field, next) = header_field(s, at);
        match field {
            // The delimiter field was left out: attributes start here.
            Some(field) if field.contains('=') => {}
            None if s.get(at..).is_some_and(|rest| rest.contains('=')) => {}
            Some(field) => {
                delimiter = delimiter_of(field).ok_or_else(|| {
                    DecodeError::new(
                        "invalid_delimiter",
                        format!("leef 2.0 delimiter `{field}` is not a character or hex code"),
                    )
                })?;
                at = next;
            }
            None => at = next,
        }
    }
    let attributes = parse_attributes(s.get(at.min(s.len())..).unwrap_or(""), delimiter);
    let [vendor, product, product_version] = header.map(unescape_header);
    Ok(Leef {
        version,
        vendor,
        product,
        product_version,
        event_id: unescape_header(event_id),
        delimiter,
        attributes,
    })
}

fn parse_attributes(text: &str, delimiter: char) -> Vec<(&str, Cow<'_, str>)> {
    let mut attributes: Vec<(&str, Cow<'_, str>)> = Vec::new();
    for piece in text.split(delimiter) {
        let key_and_value = piece.split_once('=').filter(|(key, _)| {
            let key = key.trim_matches(' ');
            !key.is_empty() && !key.contains(' ')
        });
        match (key_and_value, attributes.last_mut()) {
            (Some((key, value)), _) => {
                let value = value.trim_end_matches(['\r', '\n']);
                attributes.push((key.trim_matches(' '), Cow::Borrowed(value)));
            }
            (None, _) if piece.is_empty() => {}
            (None, Some((_, previous))) => {
                let previous = previous.to_mut();
                previous.push(delimiter);
                previous.push_str(piece.trim_end_matches(['\r', '\n']));
            }
            (None, None) => {}
        }
    }
    attributes
}

/// The event time of a LEEF record from `devTime`, in ms since the epoch. Understands epoch
/// values (s or ms), RFC 3339 and QRadar's default `MMM dd yyyy HH:mm:ss[.SSS] [zone]`
/// (zone `UTC`/`GMT`/`Z` or `+hh:mm`; none means UTC). `devTimeFormat` is not interpreted
/// beyond that: formats differ per vendor.
pub fn dev_time_ms(dev_time: &str) -> Option<i64> {
    let dev_time = dev_time.trim();
    parse_any(dev_time).or_else(|| month_day_year(dev_time))
}

/// `MMM dd yyyy HH:mm:ss[.SSS] [zone]`.
fn month_day_year(s: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mut parts = s.split_whitespace();
    let month_name = parts.next()?;
    let month = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(month_name))?;
    let day: u32 = parts.next()?.parse().ok()?;
    let year: i64 = parts.next()?.parse().ok()?;
    let time = parts.next()?;
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut hms = hms.split(':').map(|p| p.parse::<i64>().ok());
    let (h, mi, sec) = (
        hms.next()??,
        hms.next()??,
        hms.next().flatten().unwrap_or(0),
    );
    if !(1..=31).contains(&day) || h > 24 || mi > 59 || sec > 60 {
        return None;
    }
    let mut ms = 0i64;
    for (k, c) in frac.bytes().take(3).enumerate() {
        if !c.is_ascii_digit() {
            return None;
        }
        ms += i64::from(c - b'0') * [100, 10, 1][k];
    }
    let offset_secs = match parts.next() {
        None => 0,
        Some(zone) => crate::time::parse_offset(zone.as_bytes())
            .filter(|(_, used)| *used == zone.len())
            .map(|(secs, _)| secs)?,
    };
    let month = u32::try_from(month).ok()? + 1;
    let days = days_from_civil(year, month, day);
    Some((days * 86_400 + h * 3600 + mi * 60 + sec - offset_secs) * 1000 + ms)
}

#[cfg(test)]
mod tests;
