//! Group keys and values: reading them from a [`Document`] and packing them into bytes.
//!
//! A group key is one allocation: the correlation index (4 bytes, little endian) followed by
//! each group-by value. A value is packed as a LEB128 varint `0` for null, or `len + 1`
//! followed by the UTF-8 bytes. Distinct-value keys of `value_count` use the same packing
//! without the prefix. Packing is injective, so two different value lists never collide.

use std::borrow::Cow;
use std::fmt::Write as _;

use super::ValueCase;
use crate::doc::{Document, FieldValue};

/// Bytes of the correlation-index prefix of a group key.
pub(crate) const PREFIX_BYTES: usize = 4;

/// How values are normalized before they become keys.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ValueRules {
    /// Case folding.
    pub case: ValueCase,
    /// Longest value kept, in bytes (cut at a character boundary).
    pub max_value_bytes: usize,
}

/// Appends the text of the first value of `path` to `out`; returns `false` (and appends
/// nothing) when the field is absent or null.
pub(crate) fn read_text(
    doc: &dyn Document,
    path: &str,
    rules: ValueRules,
    out: &mut String,
) -> bool {
    let mut seen_first = false;
    let mut present = false;
    doc.field(path, &mut |value| {
        if seen_first {
            return;
        }
        seen_first = true;
        let start = out.len();
        match value {
            FieldValue::Str(text) => out.push_str(&text),
            FieldValue::Int(number) => {
                let _ = write!(out, "{number}");
            }
            FieldValue::Float(number) => push_float(out, number),
            FieldValue::Bool(flag) => out.push_str(if flag { "true" } else { "false" }),
            FieldValue::Null => return,
        }
        present = true;
        truncate_at_char(out, start + rules.max_value_bytes);
        if matches!(rules.case, ValueCase::AsciiInsensitive) {
            out[start..].make_ascii_lowercase();
        }
    });
    present
}

/// The first value of `path` as a finite number: integers, floats and numeric strings
/// (`"42"`, `" 1.5 "`); anything else is `None`.
pub(crate) fn read_number(doc: &dyn Document, path: &str) -> Option<f64> {
    let mut seen_first = false;
    let mut number = None;
    doc.field(path, &mut |value| {
        if seen_first {
            return;
        }
        seen_first = true;
        number = match value {
            // Precision loss above 2^53 is accepted: sums and averages are floats anyway.
            FieldValue::Int(int) => Some(int as f64),
            FieldValue::Float(float) => Some(float),
            FieldValue::Str(text) => text.trim().parse::<f64>().ok(),
            FieldValue::Bool(_) | FieldValue::Null => None,
        };
    });
    number.filter(|n| n.is_finite())
}

/// Integral floats print like integers (`5.0` groups with `5`, as SQL compares them),
/// others in `Debug` form, like matching sees them (`0.5`, `1e300`). Writing to a `String`
/// cannot fail, hence the ignored results.
fn push_float(out: &mut String, number: f64) {
    const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0; // 2^53
    if number.fract() == 0.0 && number.abs() < EXACT_INTEGERS {
        // In range and integral: the cast is exact.
        let _ = write!(out, "{}", number as i64);
    } else {
        let _ = write!(out, "{number:?}");
    }
}

fn truncate_at_char(text: &mut String, max_len: usize) {
    if text.len() <= max_len {
        return;
    }
    let mut cut = max_len;
    while cut > 0 && !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text.truncate(cut);
}

/// Appends one packed value.
pub(crate) fn push_value(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        None => push_varint(out, 0),
        Some(text) => {
            push_varint(out, text.len() as u64 + 1);
            out.extend_from_slice(text.as_bytes());
        }
    }
}

fn push_varint(out: &mut Vec<u8>, mut value: u64) {
    loop {
        // Truncation intended: the low seven bits.
        let low = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(low);
            return;
        }
        out.push(low | 0x80);
    }
}

/// Unpacks values written by [`push_value`]; stops at the first malformed byte.
pub(crate) fn unpack_values(mut bytes: &[u8]) -> Vec<Option<String>> {
    let mut values = Vec::new();
    while !bytes.is_empty() {
        let Some((tag, rest)) = read_varint(bytes) else {
            break;
        };
        if tag == 0 {
            values.push(None);
            bytes = rest;
            continue;
        }
        let Ok(len) = usize::try_from(tag - 1) else {
            break;
        };
        let Some(text) = rest.get(..len) else {
            break;
        };
        values.push(Some(String::from_utf8_lossy(text).into_owned()));
        bytes = &rest[len..];
    }
    values
}

fn read_varint(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let mut value = 0u64;
    for (index, byte) in bytes.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * index);
        if byte & 0x80 == 0 {
            return Some((value, &bytes[index + 1..]));
        }
    }
    None
}

/// Starts a group key for correlation `correlation`.
pub(crate) fn start_group_key(out: &mut Vec<u8>, correlation: u32) {
    out.clear();
    out.extend_from_slice(&correlation.to_le_bytes());
}

/// Packs a list of values (snapshot restore).
pub(crate) fn pack_values(prefix: Option<u32>, values: &[Option<String>]) -> Vec<u8> {
    let mut out = Vec::new();
    if let Some(correlation) = prefix {
        start_group_key(&mut out, correlation);
    }
    for value in values {
        push_value(&mut out, value.as_deref());
    }
    out
}

/// A correlation alert seen as a document by the correlations chained on it: its group-by
/// values are its only fields.
pub(crate) struct AlertDocument<'a> {
    /// The alert's group.
    pub group: &'a [(String, Option<String>)],
}

impl Document for AlertDocument<'_> {
    fn field(&self, path: &str, each: &mut dyn FnMut(FieldValue<'_>)) -> bool {
        let Some((_, value)) = self.group.iter().find(|(name, _)| name == path) else {
            return false;
        };
        match value {
            Some(text) => each(FieldValue::Str(Cow::Borrowed(text))),
            None => each(FieldValue::Null),
        }
        true
    }

    fn keywords(&self, each: &mut dyn FnMut(&str) -> bool) {
        for text in self.group.iter().filter_map(|(_, value)| value.as_deref()) {
            if !each(text) {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_round_trips_and_is_injective() {
        let a = pack_values(None, &[Some("a\u{0}b".into()), Some("c".into())]);
        let b = pack_values(None, &[Some("a".into()), Some("\u{0}bc".into())]);
        assert_ne!(a, b);
        let values = vec![None, Some(String::new()), Some("x".repeat(300))];
        assert_eq!(unpack_values(&pack_values(None, &values)), values);
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        let mut text = String::from("ééé");
        truncate_at_char(&mut text, 3);
        assert_eq!(text, "é");
    }
}
