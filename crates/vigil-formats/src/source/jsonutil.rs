//! Shared helpers for the JSON normalizers: reading a record as JSON text, rejecting it with a
//! position when it is not, and lenient typed extraction.
//!
//! Real JSON logs disagree with their own documentation: numbers arrive as strings (`"200"`),
//! strings as numbers, objects as `null` or as a JSON-encoded string. A derived `Deserialize`
//! fails the whole record on the first such surprise, and a `serde_json::Value` tree costs an
//! allocation per key and value. The helpers here sit between the two:
//!
//! * [`Scalar`] accepts any JSON value and keeps strings borrowed from the record; accessors
//!   convert on demand (`"200"` reads as a number, `200` as text).
//! * `lenient_struct!` declares a borrowed struct whose `Deserialize` never fails on the
//!   *shape* of a value: unknown keys are skipped (or collected raw), a non-object where an
//!   object was expected yields the default, duplicate keys keep the last value.
//! * [`List`] is a lenient array; [`Key`] a borrowed-when-possible object key.
//!
//! So the only errors left are real syntax errors, which [`parse`] turns into an
//! `invalid_json` rejection carrying serde's line and column; invalid UTF-8 is caught first and
//! reported as `invalid_utf8` with its position.

mod lenient;
mod scalar;
#[cfg(test)]
pub(crate) mod tests;

use bytes::Bytes;
use serde::de::IgnoredAny;
use serde::Deserialize;
use vigil_model::SourceType;

use crate::{Output, Record};

pub(crate) use lenient::lenient_struct;
pub use lenient::{FromMap, Key, List, MapVisitor};
pub use scalar::Scalar;

/// Why a record could not be read as a JSON object: a stable reason and a detail for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// `invalid_utf8`, `invalid_json` or `not_an_object`.
    pub reason: &'static str,
    /// What and where, e.g. `expected value at line 1 column 7`.
    pub detail: String,
}

impl JsonError {
    /// Records this error as a rejection of `record`.
    pub fn reject(self, source_type: SourceType, record: &Record, out: &mut Output) {
        out.reject(source_type, record, self.reason, self.detail);
    }
}

/// The record's bytes as UTF-8 text, without a leading byte-order mark.
pub fn record_text(bytes: &[u8]) -> Result<&str, JsonError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|err| {
        let at = err.valid_up_to();
        let before = bytes.get(..at).unwrap_or_default();
        let line = 1 + memchr::memchr_iter(b'\n', before).count();
        let line_start = memchr::memrchr(b'\n', before).map_or(0, |nl| nl + 1);
        JsonError {
            reason: "invalid_utf8",
            detail: format!(
                "invalid utf-8 at line {line} column {} (byte {at})",
                at - line_start + 1
            ),
        }
    })
}

/// Whether the first non-whitespace byte of `text` opens a JSON object.
pub fn starts_object(text: &str) -> bool {
    text.trim_start_matches([' ', '\t', '\r', '\n'])
        .starts_with('{')
}

/// The error for JSON text that does not start with `{`: `invalid_json` when it is not JSON at
/// all, else `not_an_object` naming what it is.
pub fn non_object_error(text: &str) -> JsonError {
    if let Err(err) = serde_json::from_str::<IgnoredAny>(text) {
        return syntax_error(&err);
    }
    let kind = match text
        .trim_start_matches([' ', '\t', '\r', '\n'])
        .as_bytes()
        .first()
    {
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    };
    JsonError {
        reason: "not_an_object",
        detail: format!("expected a json object, found {kind}"),
    }
}

fn syntax_error(err: &serde_json::Error) -> JsonError {
    JsonError {
        reason: "invalid_json",
        detail: err.to_string(),
    }
}

/// Reads `bytes` as one JSON object into `T` (normally a `lenient_struct!` type, which only
/// fails on syntax). Rejects invalid UTF-8, invalid JSON and non-objects with their position.
pub fn parse<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, JsonError> {
    let text = record_text(bytes)?;
    parse_text(text)
}

/// Like [`parse`] for text already known to be UTF-8.
pub fn parse_text<'a, T: Deserialize<'a>>(text: &'a str) -> Result<T, JsonError> {
    if !starts_object(text) {
        return Err(non_object_error(text));
    }
    serde_json::from_str(text).map_err(|err| syntax_error(&err))
}

/// A raw JSON value as a `serde_json::Value` (raw values are valid JSON, so this only yields
/// `Null` past serde's nesting limit).
pub fn raw_to_value(raw: &serde_json::value::RawValue) -> serde_json::Value {
    serde_json::from_str(raw.get()).unwrap_or(serde_json::Value::Null)
}

/// The bytes of `part`, which must lie inside `whole`, as a zero-copy slice of `whole`; a copy
/// when it does not (never panics).
pub fn subslice(whole: &Bytes, part: &str) -> Bytes {
    let start = (part.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
    match start.checked_add(part.len()) {
        Some(end) if start <= whole.len() && end <= whole.len() => whole.slice(start..end),
        _ => Bytes::copy_from_slice(part.as_bytes()),
    }
}

/// Sets `map[key] = value`, creating the intermediate objects of a nested `path` (a key that
/// holds a non-object is replaced).
pub fn insert_path(
    map: &mut serde_json::Map<String, serde_json::Value>,
    path: &[&str],
    value: serde_json::Value,
) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut current = map;
    for parent in parents {
        let slot = current
            .entry(*parent)
            .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
        if !slot.is_object() {
            *slot = serde_json::Value::Object(serde_json::Map::new());
        }
        let serde_json::Value::Object(next) = slot else {
            return;
        };
        current = next;
    }
    current.insert((*last).to_owned(), value);
}

/// Moves a non-empty `map` into `event.unmapped` (merging with what is there).
pub fn set_unmapped(
    event: &mut vigil_model::Event,
    map: serde_json::Map<String, serde_json::Value>,
) {
    if map.is_empty() {
        return;
    }
    match &mut event.unmapped {
        serde_json::Value::Object(existing) => existing.extend(map),
        other => *other = serde_json::Value::Object(map),
    }
}
