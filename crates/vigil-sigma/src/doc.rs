//! How the engine reads an event: the [`Document`] trait.
//!
//! Matching semantics decided here (each pinned by a test in `doc/json.rs`):
//! * a field path is looked up as a literal key first, then as nested objects, trying every
//!   split of the path at its dots, longest key first (`a.b.c` finds `{"a.b.c": …}`,
//!   `{"a.b": {"c": …}}`, `{"a": {"b.c": …}}` and `{"a": {"b": {"c": …}}}`); the first
//!   split that exists wins;
//! * field names are case-sensitive;
//! * an array field yields every element (nested arrays flattened), and a path descends into
//!   arrays of objects (`resources.ARN` over `{"resources": [{"ARN": …}, …]}`), so an array
//!   field matches when any element matches;
//! * JSON `null` and an absent field are both "null" for value matching; `exists` is true for a
//!   present null (and for a present object or empty array, which yield no values);
//! * numbers are given as [`FieldValue::Int`] when they fit `i64`, else as
//!   [`FieldValue::Float`].
//!
//! `serde_json::Value` implements [`Document`] (`doc/json.rs`); Vigil's OCSF event reads
//! through [`EventDocument`] (`doc/event.rs`).

use std::borrow::Cow;
use std::fmt::Write as _;

mod event;
mod json;

pub use event::EventDocument;

/// One value of a field, as the matchers see it.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue<'a> {
    /// A string.
    Str(Cow<'a, str>),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// JSON null.
    Null,
}

impl FieldValue<'_> {
    /// Calls `f` with the value as text — strings as they are, integers in decimal, floats in
    /// Rust's `Debug` form (`4624.0`, `0.5`, `1e300`, like JSON and Python print them),
    /// booleans as `true`/`false` — and returns its result; `None` for null.
    ///
    /// This is the text that string patterns (`contains`, wildcards, `re`) and keyword search
    /// compare against. Numbers are formatted into a stack buffer: no allocation.
    pub fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> Option<R> {
        match self {
            FieldValue::Str(text) => Some(f(text)),
            FieldValue::Bool(true) => Some(f("true")),
            FieldValue::Bool(false) => Some(f("false")),
            FieldValue::Int(number) => Some(with_formatted(format_args!("{number}"), f)),
            FieldValue::Float(number) => Some(with_formatted(format_args!("{number:?}"), f)),
            FieldValue::Null => None,
        }
    }
}

/// Formats `args` into a stack buffer (a heap string only when it does not fit) and calls `f`.
pub(crate) fn with_formatted<R>(args: std::fmt::Arguments<'_>, f: impl FnOnce(&str) -> R) -> R {
    let mut buffer = StackText::default();
    if buffer.write_fmt(args).is_ok() {
        return f(buffer.as_str());
    }
    f(&args.to_string())
}

/// A small fixed-capacity text buffer; writing past its capacity fails.
struct StackText {
    bytes: [u8; 64],
    len: usize,
}

impl Default for StackText {
    fn default() -> StackText {
        StackText {
            bytes: [0; 64],
            len: 0,
        }
    }
}

impl StackText {
    fn as_str(&self) -> &str {
        // Only whole `&str`s are ever appended, so the prefix is valid UTF-8.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        let end = self.len + text.len();
        let Some(target) = self.bytes.get_mut(self.len..end) else {
            return Err(std::fmt::Error);
        };
        target.copy_from_slice(text.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// An event the engine can read.
///
/// Implementations must not allocate for plain lookups of borrowed data and must never panic.
pub trait Document {
    /// Calls `each` with every value of the field at `path` (several for arrays; nested
    /// arrays flattened; objects yield nothing). Returns whether the field exists (a present
    /// null exists).
    fn field(&self, path: &str, each: &mut dyn FnMut(FieldValue<'_>)) -> bool;

    /// Calls `each` with every string value in the event (and numbers as text, formatted as
    /// [`FieldValue::with_text`] does), for keyword search; stops early when `each` returns
    /// `false`. Keys and booleans are not visited.
    fn keywords(&self, each: &mut dyn FnMut(&str) -> bool);
}
