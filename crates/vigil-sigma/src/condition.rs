//! The detection condition grammar: parsing, printing and resolving `x of` selectors.
//!
//! Grammar (Sigma v2.1 §condition, pySigma `sigma/conditions.py`), loosest to tightest:
//!
//! ```text
//! condition := or
//! or        := and ("or" and)*
//! and       := not ("and" not)*
//! not       := "not" not | primary
//! primary   := "(" or ")" | quantifier "of" target | identifier
//! quantifier:= "1" | "any" | "all"
//! target    := "them" | pattern
//! identifier:= [A-Za-z0-9_-]+            (pySigma: alphanums + "_-")
//! pattern   := [A-Za-z0-9_*-]+           (`*` matches any run of characters)
//! ```
//!
//! Decisions, each pinned by a test:
//! * keywords (`and`, `or`, `not`, `of`, `them`, `any`, `all`) are lowercase only, as in the
//!   spec and in pySigma; `AND` is rejected with a hint rather than read as an identifier;
//! * `and`, `or` and `not` are reserved and cannot name a search identifier;
//! * a chain of one operator at one level is one n-ary node (`a and b and c` is one
//!   [`Cond::And`] of three); parentheses keep their structure (`(a and b) and c` is an `And`
//!   inside an `And`), so printing a tree and parsing it back gives the same tree;
//! * the obsolete v1 aggregations — any `|` (`| count() by x > 5`) and `near` followed by a
//!   search — are rejected with [`ConditionErrorKind::ObsoleteAggregation`], so callers can say
//!   precisely why a legacy rule is refused;
//! * a pattern must match the whole identifier (the spec's "wildcards at arbitrary
//!   positions"); pySigma's prefix-only `re.match` would let `1 of selection` also select
//!   `selection_2`. No SigmaHQ rule depends on the difference;
//! * `them` and patterns skip identifiers starting with `_` (the spec: "same as `1 of them`,
//!   restricted to matching identifiers"), except that a pattern which itself starts with `_`
//!   selects them: `1 of _tmp*` states that intent, and pySigma would silently select nothing;
//! * nesting (parentheses and `not` chains) is limited to [`MAX_DEPTH`] levels, so hostile input
//!   cannot overflow the stack.

use std::fmt;

mod parser;
#[cfg(test)]
mod tests;

/// Deepest nesting of parentheses and `not` the parser accepts.
pub const MAX_DEPTH: usize = 64;

/// How many identifiers a selector requires: `1 of`/`any of` (OR) or `all of` (AND).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Quantifier {
    /// `1 of` or `any of`: at least one.
    One,
    /// `all of`: every one.
    All,
}

/// What a selector ranges over.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum OfTarget {
    /// `them`: every search identifier not starting with `_`.
    Them,
    /// A pattern where `*` matches any run of characters (`selection_*`).
    Pattern(String),
}

/// A parsed condition.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Cond {
    /// A search identifier.
    Ident(String),
    /// `not x`.
    Not(Box<Cond>),
    /// `a and b and …` (two or more operands when built by [`parse`]).
    And(Vec<Cond>),
    /// `a or b or …` (two or more operands when built by [`parse`]).
    Or(Vec<Cond>),
    /// `1 of …`, `any of …`, `all of …`.
    Of {
        /// `1`/`any` or `all`.
        quantifier: Quantifier,
        /// `them` or a pattern.
        target: OfTarget,
    },
}

/// Why a condition was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConditionErrorKind {
    /// The text is not a condition.
    Syntax,
    /// The obsolete v1 aggregation syntax (`| count() …`, `near`), replaced by correlation
    /// rules in Sigma v2.
    ObsoleteAggregation,
    /// An identifier names no search of the rule.
    UnknownIdentifier,
    /// A `1 of`/`all of` selector matches no search of the rule.
    EmptySelection,
}

/// A condition error: what, where and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConditionError {
    /// The class of error.
    pub kind: ConditionErrorKind,
    /// Byte offset in the condition text; `None` for errors found by [`resolve`], which works
    /// on a tree without positions.
    pub position: Option<usize>,
    /// What is wrong, lowercase, identifiers in backticks.
    pub message: String,
}

impl fmt::Display for ConditionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(position) => write!(f, "{} (at byte {position})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ConditionError {}

impl ConditionError {
    fn syntax(position: usize, message: impl Into<String>) -> ConditionError {
        ConditionError {
            kind: ConditionErrorKind::Syntax,
            position: Some(position),
            message: message.into(),
        }
    }
}

/// Parses a condition (one entry of a rule's `condition` list).
///
/// # Errors
///
/// [`ConditionErrorKind::Syntax`] with the byte position of the problem, or
/// [`ConditionErrorKind::ObsoleteAggregation`] for the v1 pipe and `near` syntax.
pub fn parse(text: &str) -> Result<Cond, ConditionError> {
    parser::parse(text)
}

/// Expands every `x of` selector into the concrete identifiers it selects, in the order of
/// `identifiers` (the rule's searches, in file order), and checks that every identifier
/// exists. The result holds only [`Cond::Ident`], [`Cond::Not`], [`Cond::And`] and
/// [`Cond::Or`]; a selector matching one identifier becomes that identifier.
///
/// # Errors
///
/// [`ConditionErrorKind::UnknownIdentifier`] for an identifier that is not a search,
/// [`ConditionErrorKind::EmptySelection`] for a selector that selects none.
pub fn resolve(cond: &Cond, identifiers: &[&str]) -> Result<Cond, ConditionError> {
    match cond {
        Cond::Ident(name) => {
            if identifiers.contains(&name.as_str()) {
                return Ok(Cond::Ident(name.clone()));
            }
            Err(ConditionError {
                kind: ConditionErrorKind::UnknownIdentifier,
                position: None,
                message: format!(
                    "condition references `{name}`, which is not a search of the rule"
                ),
            })
        }
        Cond::Not(inner) => Ok(Cond::Not(Box::new(resolve(inner, identifiers)?))),
        Cond::And(items) => Ok(Cond::And(resolve_all(items, identifiers)?)),
        Cond::Or(items) => Ok(Cond::Or(resolve_all(items, identifiers)?)),
        Cond::Of { quantifier, target } => {
            let selected: Vec<Cond> = identifiers
                .iter()
                .filter(|identifier| selects(target, identifier))
                .map(|identifier| Cond::Ident((*identifier).to_string()))
                .collect();
            if selected.is_empty() {
                return Err(ConditionError {
                    kind: ConditionErrorKind::EmptySelection,
                    position: None,
                    message: format!("`{cond}` selects no search of the rule"),
                });
            }
            Ok(match quantifier {
                Quantifier::One => combine(selected, Cond::Or),
                Quantifier::All => combine(selected, Cond::And),
            })
        }
    }
}

/// Whether `target` selects the search identifier `identifier` (see the module docs for the
/// `_` rule).
#[must_use]
pub fn selects(target: &OfTarget, identifier: &str) -> bool {
    match target {
        OfTarget::Them => !identifier.starts_with('_'),
        OfTarget::Pattern(pattern) => {
            if identifier.starts_with('_') && !pattern.starts_with('_') {
                return false;
            }
            matches_pattern(pattern, identifier)
        }
    }
}

/// Whether `text` matches `pattern` as a whole, where `*` matches any run of characters
/// (possibly empty) and every other character matches itself.
#[must_use]
pub fn matches_pattern(pattern: &str, text: &str) -> bool {
    let pattern = pattern.as_bytes();
    let text = text.as_bytes();
    let (mut p, mut t) = (0, 0);
    // Position of the last `*` seen and the text position it was tried at: on a mismatch
    // the star absorbs one more byte. Linear backtracking suffices for a single wildcard
    // kind.
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            backtrack = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((star, tried)) = backtrack {
            p = star + 1;
            t = tried + 1;
            backtrack = Some((star, tried + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|byte| *byte == b'*')
}

fn resolve_all(items: &[Cond], identifiers: &[&str]) -> Result<Vec<Cond>, ConditionError> {
    items
        .iter()
        .map(|item| resolve(item, identifiers))
        .collect()
}

/// One operand stays itself; several become `make(items)`.
fn combine(mut items: Vec<Cond>, make: fn(Vec<Cond>) -> Cond) -> Cond {
    if items.len() == 1 {
        if let Some(only) = items.pop() {
            return only;
        }
    }
    make(items)
}

impl fmt::Display for Quantifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Quantifier::One => "1",
            Quantifier::All => "all",
        })
    }
}

impl fmt::Display for OfTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OfTarget::Them => f.write_str("them"),
            OfTarget::Pattern(pattern) => f.write_str(pattern),
        }
    }
}

/// Prints the condition in Sigma syntax with only the parentheses the tree needs, so that
/// [`parse`] gives back the same tree.
impl fmt::Display for Cond {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cond::Ident(name) => f.write_str(name),
            Cond::Of { quantifier, target } => write!(f, "{quantifier} of {target}"),
            Cond::Not(inner) => match **inner {
                Cond::And(_) | Cond::Or(_) => write!(f, "not ({inner})"),
                _ => write!(f, "not {inner}"),
            },
            // An `And` inside an `And` needs parentheses too: without them it would parse as
            // one flat chain.
            Cond::And(items) => write_chain(f, items, " and ", |item| {
                matches!(item, Cond::And(_) | Cond::Or(_))
            }),
            Cond::Or(items) => write_chain(f, items, " or ", |item| matches!(item, Cond::Or(_))),
        }
    }
}

fn write_chain(
    f: &mut fmt::Formatter<'_>,
    items: &[Cond],
    separator: &str,
    needs_parentheses: fn(&Cond) -> bool,
) -> fmt::Result {
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            f.write_str(separator)?;
        }
        if needs_parentheses(item) {
            write!(f, "({item})")?;
        } else {
            write!(f, "{item}")?;
        }
    }
    Ok(())
}
