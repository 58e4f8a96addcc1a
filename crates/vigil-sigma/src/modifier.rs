//! Value modifiers: a detection item (`field|mod1|mod2: values`) compiled into an
//! [`ItemMatcher`].
//!
//! # Compilation
//!
//! [`compile_item`] validates the modifier chain by name first (unknown names, duplicates,
//! combinations that cannot mean anything), then runs every value through the chain left to
//! right, the way pySigma does: a value starts as what YAML wrote (string, number, boolean,
//! null) and each modifier turns it into something else — a wildcard pattern, UTF-16 bytes,
//! a base64 text, a regular expression, a network, a comparison. A value may become several
//! alternatives (`base64offset` makes three, `expand` one per placeholder value, `windash`
//! up to five per dash); alternatives are OR-ed. Values are OR-ed, or AND-ed with `all`.
//! `neq` negates the whole item.
//!
//! Each alternative ends as a *leaf*: a literal test (exact, prefix, suffix, contains; ASCII
//! case-insensitive unless `cased`), a wildcard pattern compiled once to an anchored regex, a
//! regex (`re`), a network (`cidr`), a numeric comparison, or a time-part comparison.
//!
//! # Matching semantics (each pinned by a test in `modifier/tests`)
//!
//! * Plain strings: ASCII case folding only; `*` and `?` wildcards (`?` is one character);
//!   `\*`, `\?` and `\\` escape, a backslash before anything else is literal; `''` matches only
//!   an empty string.
//! * Numbers: `4624`, `"4624"` and `4624.0` are equal, as rule values and as field values
//!   (exact tests on a number-like text compare numerically when the text differs).
//!   Booleans compare as the text `true`/`false`.
//! * `null` matches an absent field or a JSON null; it must be the only value of its item
//!   (`null_in_list` otherwise) and takes no modifier but `neq`. An empty value list means
//!   `null`, as in pySigma.
//! * Array fields match when any element matches; with `all`, each value may be matched by a
//!   different element.
//! * `neq` is `NOT (item without neq)`, as pySigma converts it: an absent or null field
//!   *matches* `field|neq: x`, a list is "none of", an array field matches only when no
//!   element equals.
//! * Keyword items (no field) match when some string of the event (numbers as text) contains
//!   the value: keyword values are implicitly wrapped in `*…*` (inner wildcards kept, as in
//!   SigmaHQ's `'Trojan*FOUND'`), unless `startswith`/`endswith`/`contains`/`re` says
//!   otherwise. `'|all'` requires every keyword.
//! * `re` is case-sensitive, unanchored (matches a substring), with `i`, `m`, `s` (and
//!   pySigma's `ignorecase`, `multiline`, `dotall`) only after it; `re` takes no other value
//!   modifier (`re|contains` is `invalid_combination`).
//! * `windash`: as pySigma, every `-` or `/` that starts a word (preceded by a non-word
//!   character or the start of a literal run, followed by a word character) becomes any of
//!   `-` `/` `–` `—` `―`; the other dashes stay.
//! * `cidr` matches a string field holding an IPv4 or IPv6 address inside the network (host
//!   bits in the rule are ignored).
//! * `gt`/`gte`/`lt`/`lte` compare numerically (integers exactly, otherwise as floats);
//!   numeric strings in the event compare as numbers.
//! * `minute`…`year` take the part of the field's timestamp in UTC (RFC 3339 text, or epoch
//!   seconds/milliseconds/microseconds/nanoseconds by magnitude) and compare it, with equality
//!   or with one of `gt`… in either order; `week` is the ISO 8601 week (1–53).
//! * `fieldref` compares with another field of the same event (case-insensitive unless
//!   `cased`, numbers numerically, any element of either array); `contains`, `startswith`,
//!   `endswith` make it a substring test as in pySigma; `neq` negates it.
//! * `expand` replaces `%name%` from [`CompileOptions::placeholders`] (each value is a Sigma
//!   string: wildcards allowed); an unknown name is `unresolved_placeholder`.
//!
//! # Sharing work across rules
//!
//! [`ItemMatcher::string_patterns`] describes an item that is nothing but literal string
//! tests, so a rule-set compiler can put the patterns of many items into shared Aho-Corasick
//! automata and only fall back to [`ItemMatcher::matches`] for the rest.
//! [`ItemMatcher::matches_values`] evaluates an item on values the caller already looked up,
//! so a field that many items test is read once per event.

use std::collections::HashMap;

use crate::ast;

mod build;
mod chain;
mod encode;
mod leaf;
mod matcher;
mod pattern;
mod time;

#[cfg(test)]
mod tests;

pub use matcher::ItemMatcher;

/// Options for [`compile_item`].
#[derive(Clone, Debug, Default)]
pub struct CompileOptions {
    /// Values for `%name%` placeholders of the `expand` modifier, by name (without `%`).
    /// Each value is a Sigma string (wildcards and escapes are interpreted).
    pub placeholders: HashMap<String, Vec<String>>,
}

/// Compiles one detection item into a matcher.
pub fn compile_item(
    item: &ast::DetectionItem,
    options: &CompileOptions,
) -> Result<ItemMatcher, ModifierError> {
    build::compile(item, options)
}

/// Why a detection item was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{reason}: {detail}")]
pub struct ModifierError {
    /// A stable machine-readable reason, one of the constants in [`reason`].
    pub reason: &'static str,
    /// What exactly is wrong, for people.
    pub detail: String,
}

impl ModifierError {
    pub(crate) fn new(reason: &'static str, detail: impl Into<String>) -> ModifierError {
        ModifierError {
            reason,
            detail: detail.into(),
        }
    }
}

/// The values of [`ModifierError::reason`].
pub mod reason {
    /// A modifier name that Sigma v2.1 (and pySigma) does not define.
    pub const UNKNOWN_MODIFIER: &str = "unknown_modifier";
    /// Modifiers that cannot be combined, or a modifier repeated or in the wrong place.
    pub const INVALID_COMBINATION: &str = "invalid_combination";
    /// A value of the wrong type for its modifiers (`exists: 'yes'`, `base64` of a wildcard,
    /// a keyword `null`).
    pub const INVALID_VALUE: &str = "invalid_value";
    /// A `re` value the regex engine rejects (syntax, or lookaround/backreferences).
    pub const INVALID_REGEX: &str = "invalid_regex";
    /// A `cidr` value that is neither a network nor an address.
    pub const INVALID_CIDR: &str = "invalid_cidr";
    /// A `%name%` of an `expand` value with no configured values.
    pub const UNRESOLVED_PLACEHOLDER: &str = "unresolved_placeholder";
    /// A numeric or time-part modifier on a value that is not a number.
    pub const INVALID_NUMBER: &str = "invalid_number";
    /// `null` together with other values.
    pub const NULL_IN_LIST: &str = "null_in_list";
    /// Text that UTF-16 encoding turns into bytes that are not UTF-8 and are not base64-encoded
    /// afterwards, so no event string can hold them.
    pub const INVALID_ENCODING: &str = "invalid_encoding";
    /// A value that would expand into more than [`super::MAX_ALTERNATIVES`] alternatives.
    pub const TOO_MANY_VARIANTS: &str = "too_many_variants";
}

/// The most alternatives one value may expand into (`windash` before an encoding, `expand`).
pub const MAX_ALTERNATIVES: usize = 4096;

/// How a [`StringPattern`] is anchored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StringPatternKind {
    /// The whole value equals the text.
    Exact,
    /// The value starts with the text.
    Prefix,
    /// The value ends with the text.
    Suffix,
    /// The value contains the text.
    Contains,
}

/// One literal string test of an item (no wildcards left).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StringPattern {
    /// How the text is anchored.
    pub kind: StringPatternKind,
    /// The text; ASCII-lowercased when `cased` is false (compare with ASCII case folding).
    pub text: String,
    /// Whether the test is case-sensitive.
    pub cased: bool,
}

/// An item that is nothing but literal string tests, in conjunctive form:
/// [`ItemMatcher::matches`] is true exactly when **every group** has **some pattern** that
/// matches **some text** of the item's source — the values of `field` rendered by
/// [`crate::doc::FieldValue::with_text`] (null never matches), or, for a keyword item
/// (`field` is `None`), the strings given by [`crate::doc::Document::keywords`].
///
/// An item without `all` has one group; with `all`, one group per value (its alternatives).
/// Items that are negated, or hold anything but literal tests (regexes, inner wildcards,
/// numbers compared numerically, networks…), have no `StringPatterns`.
#[derive(Clone, Debug, PartialEq)]
pub struct StringPatterns<'a> {
    /// The field, or `None` for keyword search.
    pub field: Option<&'a str>,
    /// AND of groups, each an OR of patterns.
    pub groups: Vec<Vec<StringPattern>>,
}
