//! CEF (ArcSight Common Event Format):
//! `CEF:Version|Vendor|Product|Device Version|Signature ID|Name|Severity|Extension`.
//!
//! Header fields escape only `\|` and `\\`. The extension is `key=value` pairs separated by
//! spaces, where a value may itself contain spaces and unescaped `=`: a value ends only where
//! whitespace is followed by something that looks like a key and `=`. Keys are a word character
//! then word characters, `.`, `,`, `-`, `[` or `]` (real senders use `ad.field[0]`,
//! `ad.Error_,Code`). Extension values unescape `\=`, `\\`, `\n` and `\r`; any other
//! backslash stays as written, and `|` needs no escape. Like Vector's `parse_cef`, a value (or
//! header field) wrapped in double quotes loses them, and surrounding whitespace is trimmed.
//! Text before the first key of the extension is ignored.
//!
//! [`labelled`] resolves custom slots (`cs1` + `cs1Label`…) to their labels: the label carries
//! the meaning, the slot number does not.

use std::borrow::Cow;

use vigil_model::SeverityId;

use crate::decode::DecodeError;

/// A decoded CEF record, borrowing from the input where no unescaping was needed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cef<'a> {
    /// The CEF version (`0` or `1`).
    pub version: &'a str,
    /// Device Vendor.
    pub vendor: Cow<'a, str>,
    /// Device Product.
    pub product: Cow<'a, str>,
    /// Device Version.
    pub device_version: Cow<'a, str>,
    /// Device Event Class ID (signature id).
    pub signature_id: Cow<'a, str>,
    /// Name.
    pub name: Cow<'a, str>,
    /// Severity, as written (`0`–`10` or a word).
    pub severity: Cow<'a, str>,
    /// Extension pairs in order, duplicates kept, values unescaped.
    pub extensions: Vec<(&'a str, Cow<'a, str>)>,
}

impl<'a> Cef<'a> {
    /// The first extension value for `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.extensions
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_ref())
    }
}

/// The byte offset of `CEF:<version>|` in `line`, possibly after a syslog header. The marker
/// must start the line or follow a non-alphanumeric byte.
pub fn find(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    memchr::memmem::find_iter(b, b"CEF:").find(|&at| {
        let boundary = at == 0 || b.get(at - 1).is_some_and(|c| !c.is_ascii_alphanumeric());
        boundary && version_len(b.get(at + 4..).unwrap_or_default()).is_some()
    })
}

/// The length of a version (`0`, `1`, `0.1`) followed by `|`.
fn version_len(b: &[u8]) -> Option<usize> {
    let len = b
        .iter()
        .take_while(|c| c.is_ascii_digit() || **c == b'.')
        .count();
    let starts_with_digit = b.first().is_some_and(u8::is_ascii_digit);
    (starts_with_digit && b.get(len) == Some(&b'|')).then_some(len)
}

/// Decodes CEF text starting at `CEF:` (use [`find`] to skip a syslog header).
pub fn parse(s: &str) -> Result<Cef<'_>, DecodeError> {
    let b = s.as_bytes();
    if !s.starts_with("CEF:") {
        return Err(DecodeError::new(
            "not_cef",
            "text does not start with `CEF:`",
        ));
    }
    let Some(version_len) = version_len(b.get(4..).unwrap_or_default()) else {
        return Err(DecodeError::new(
            "not_cef",
            "`CEF:` is not followed by a version and `|`",
        ));
    };
    let version = s.get(4..4 + version_len).unwrap_or("");
    let mut at = 4 + version_len + 1;
    let mut fields: [&str; 6] = [""; 6];
    for (index, field) in fields.iter_mut().enumerate() {
        let start = at;
        let mut i = at;
        let mut closed = false;
        while let Some(&c) = b.get(i) {
            match c {
                b'\\' => i += 2,
                b'|' => {
                    closed = true;
                    break;
                }
                _ => i += 1,
            }
        }
        let end = i.min(b.len());
        // The severity may end the line without its closing `|`; the others may not.
        if !closed && index < 5 {
            return Err(DecodeError::new(
                "truncated_header",
                format!("cef header has {} of 7 fields", index + 1),
            ));
        }
        *field = s.get(start..end).unwrap_or("");
        at = end + 1;
    }
    let extension = s.get(at.min(s.len())..).unwrap_or("");
    let [vendor, product, device_version, signature_id, name, severity] = fields.map(header_field);
    Ok(Cef {
        version,
        vendor,
        product,
        device_version,
        signature_id,
        name,
        severity,
        extensions: parse_extension(extension),
    })
}

/// Trims, drops surrounding double quotes and unescapes `\|` and `\\`.
fn header_field(raw: &str) -> Cow<'_, str> {
    unescape(strip_quotes(raw.trim()), |c| match c {
        '|' | '\\' => Some(c),
        _ => None,
    })
}

fn strip_quotes(s: &str) -> &str {
    if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') {
        s.get(1..s.len() - 1).unwrap_or(s)
    } else {
        s
    }
}

/// Replaces `\x` by `map(x)` when it is `Some`, keeping other backslashes as written.
fn unescape(raw: &str, map: impl Fn(char) -> Option<char>) -> Cow<'_, str> {
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.clone().next().and_then(&map) {
            Some(unescaped) => {
                out.push(unescaped);
                chars.next();
            }
            None => out.push('\\'),
        }
    }
    Cow::Owned(out)
}

/// The length of a key at `b[at..]` (word character first), when it is followed by `=`.
fn key_len_at(b: &[u8], at: usize) -> Option<usize> {
    let rest = b.get(at..)?;
    if !rest
        .first()
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
    {
        return None;
    }
    let len = rest
        .iter()
        .take(128)
        .take_while(|c| {
            c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b',' | b'-' | b'[' | b']')
        })
        .count();
    (rest.get(len) == Some(&b'=')).then_some(len)
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t')
}

/// The extension's pairs. Linear: each byte is looked at a bounded number of times.
fn parse_extension(ext: &str) -> Vec<(&str, Cow<'_, str>)> {
    let b = ext.as_bytes();
    let mut pairs = Vec::new();
    // Find the first key: at the start or after whitespace.
    let mut i = 0;
    let mut key_start = None;
    while i < b.len() {
        let at_boundary = i == 0 || b.get(i - 1).copied().is_some_and(is_space);
        if at_boundary && key_len_at(b, i).is_some() {
            key_start = Some(i);
            break;
        }
        i += 1;
    }
    let Some(mut key_start) = key_start else {
        return pairs;
    };
    loop {
        let key_len = key_len_at(b, key_start).unwrap_or(0);
        let key = ext.get(key_start..key_start + key_len).unwrap_or("");
        let value_start = key_start + key_len + 1;
        // Scan the value up to whitespace followed by the next key.
        let mut j = value_start;
        let mut next_key = None;
        while let Some(&c) = b.get(j) {
            if c == b'\\' {
                // `\\` is one escaped backslash; any other escape is one byte of value here.
                j += if b.get(j + 1) == Some(&b'\\') { 2 } else { 1 };
                continue;
            }
            if is_space(c) {
                let run = b.iter().skip(j).take_while(|c| is_space(**c)).count();
                if key_len_at(b, j + run).is_some() {
                    next_key = Some(j + run);
                    break;
                }
                j += run;
                continue;
            }
            j += 1;
        }
        let value_end = j.min(b.len());
        let raw = ext.get(value_start.min(value_end)..value_end).unwrap_or("");
        let value = unescape(strip_quotes(raw.trim_matches([' ', '\t'])), |c| match c {
            '=' => Some('='),
            '\\' => Some('\\'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            _ => None,
        });
        pairs.push((key, value));
        match next_key {
            Some(next) => key_start = next,
            None => return pairs,
        }
    }
}

/// CEF severity to OCSF: `0`–`3` Low, `4`–`6` Medium, `7`–`8` High, `9`–`10` Critical (CEF's
/// Very-High), or the words Unknown, Low, Medium, High, Very-High (any case). Anything else is
/// Unknown.
pub fn severity_id(sev: &str) -> SeverityId {
    let sev = sev.trim();
    if let Ok(n) = sev.parse::<u8>() {
        return match n {
            0..=3 => SeverityId::Low,
            4..=6 => SeverityId::Medium,
            7..=8 => SeverityId::High,
            9..=10 => SeverityId::Critical,
            _ => SeverityId::Unknown,
        };
    }
    match sev.to_ascii_lowercase().as_str() {
        "low" => SeverityId::Low,
        "medium" => SeverityId::Medium,
        "high" => SeverityId::High,
        "very-high" | "very high" | "veryhigh" | "critical" => SeverityId::Critical,
        _ => SeverityId::Unknown,
    }
}

/// Custom slot prefixes; a slot is a prefix followed by digits, and its label is the slot
/// name followed by `Label`.
const SLOT_PREFIXES: [&str; 12] = [
    "cs",
    "cn",
    "cfp",
    "c6a",
    "flexString",
    "flexNumber",
    "flexDate",
    "deviceCustomDate",
    "deviceCustomString",
    "deviceCustomNumber",
    "deviceCustomFloatingPoint",
    "deviceCustomIPv6Address",
];

fn is_slot(key: &str) -> bool {
    SLOT_PREFIXES.iter().any(|prefix| {
        key.strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()))
    })
}

/// The extension pairs with custom slots renamed to their labels: `cs2=x cs2Label=Rule Name`
/// gives `("Rule Name", "x")`. A label whose slot is present is dropped (it became the key);
/// a slot without a label and a label without a slot keep their own names. Order is kept.
pub fn labelled<'a>(ext: &[(&'a str, Cow<'a, str>)]) -> Vec<(Cow<'a, str>, Cow<'a, str>)> {
    let label_of = |slot: &str| {
        ext.iter()
            .find(|(k, v)| {
                !v.is_empty()
                    && k.len() == slot.len() + 5
                    && k.starts_with(slot)
                    && k.ends_with("Label")
            })
            .map(|(_, v)| v.clone())
    };
    let has_slot = |slot: &str| ext.iter().any(|(k, _)| *k == slot);
    let mut out = Vec::with_capacity(ext.len());
    for (key, value) in ext {
        if let Some(slot) = key.strip_suffix("Label") {
            if is_slot(slot) && has_slot(slot) && label_of(slot).is_some() {
                continue;
            }
        }
        let name = if is_slot(key) {
            label_of(key).unwrap_or(Cow::Borrowed(*key))
        } else {
            Cow::Borrowed(*key)
        };
        out.push((name, value.clone()));
    }
    out
}

#[cfg(test)]
mod tests;
