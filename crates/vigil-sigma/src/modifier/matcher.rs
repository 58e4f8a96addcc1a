//! The compiled item and how it reads an event.

use std::borrow::Cow;

use aho_corasick::{AhoCorasick, AhoCorasickKind};

use super::leaf::{contains_ignore_ascii_case, Cmp, Leaf, Literal, Num};
use super::{StringPattern, StringPatternKind, StringPatterns};
use crate::doc::{Document, FieldValue};

/// A compiled detection item: see [`super::compile_item`].
#[derive(Clone, Debug)]
pub struct ItemMatcher {
    pub(super) field: Option<String>,
    pub(super) negated: bool,
    pub(super) kind: Kind,
}

/// What the item tests.
#[derive(Clone, Debug)]
pub(super) enum Kind {
    /// `exists: true|false`.
    Exists(bool),
    /// `null`: absent or JSON null.
    Null,
    /// `fieldref`: OR (or AND) over referenced fields.
    FieldRef { all: bool, refs: Vec<FieldRef> },
    /// Values of the field (or keywords of the event).
    Values(Values),
}

/// A `fieldref` value.
#[derive(Clone, Debug)]
pub(super) struct FieldRef {
    /// The referenced field.
    pub other: String,
    /// How this field's value must relate to the referenced one (`contains`: this field
    /// contains the other's value).
    pub kind: StringPatternKind,
    /// `cased`.
    pub cased: bool,
}

/// The values of an item.
#[derive(Clone, Debug)]
pub(super) enum Values {
    /// Any leaf of any value.
    Any(AnyOf),
    /// Every value (each: any of its alternatives), possibly on different array elements.
    All(Vec<Vec<Leaf>>),
}

/// OR over leaves, with substring tests gathered into Aho-Corasick automata.
#[derive(Clone, Debug)]
pub(super) struct AnyOf {
    /// Cheap leaves (literal tests, networks, numbers), tried first.
    cheap: Vec<Leaf>,
    /// Substring tests held by `automata` (kept for [`ItemMatcher::string_patterns`]).
    gathered: Vec<Literal>,
    /// One automaton per case mode.
    automata: Vec<AhoCorasick>,
    /// Regexes, tried last.
    costly: Vec<Leaf>,
}

/// Substring tests are gathered into an automaton from this many on (below, the SWAR scan
/// of [`contains_ignore_ascii_case`] per test ran fewer instructions on process-creation
/// events; 4 was the best of 2, 3, 4, 8 measured with callgrind).
const MIN_GATHERED: usize = 4;

// Automata are contiguous NFAs: on the SigmaHQ `rules/` folder DFAs doubled the memory of
// all compiled items (66 MB against 33 MB) and were not measurably faster.

impl AnyOf {
    pub(super) fn new(leaves: Vec<Leaf>) -> AnyOf {
        let mut any = AnyOf {
            cheap: Vec::new(),
            gathered: Vec::new(),
            automata: Vec::new(),
            costly: Vec::new(),
        };
        let mut substrings: [Vec<Literal>; 2] = [Vec::new(), Vec::new()];
        for leaf in leaves {
            match leaf {
                Leaf::Literal(literal)
                    if literal.pattern.kind == StringPatternKind::Contains
                        && literal.number.is_none() =>
                {
                    substrings[usize::from(literal.pattern.cased)].push(literal);
                }
                Leaf::Glob(_) | Leaf::Regex(_) => any.costly.push(leaf),
                other => any.cheap.push(other),
            }
        }
        for (cased, literals) in substrings.into_iter().enumerate() {
            let automaton = (literals.len() >= MIN_GATHERED)
                .then(|| {
                    AhoCorasick::builder()
                        .kind(Some(AhoCorasickKind::ContiguousNFA))
                        .ascii_case_insensitive(cased == 0)
                        .build(literals.iter().map(|l| l.pattern.text.as_bytes()))
                        .ok()
                })
                .flatten();
            match automaton {
                Some(automaton) => {
                    any.automata.push(automaton);
                    any.gathered.extend(literals);
                }
                None => any.cheap.extend(literals.into_iter().map(Leaf::Literal)),
            }
        }
        any
    }

    fn matches(&self, value: &FieldValue<'_>, text: &str) -> bool {
        self.cheap.iter().any(|leaf| leaf.matches(value, text))
            || self
                .automata
                .iter()
                .any(|automaton| automaton.is_match(text))
            || self.costly.iter().any(|leaf| leaf.matches(value, text))
    }

    fn patterns(&self) -> Option<Vec<StringPattern>> {
        let mut out = literal_patterns(&self.cheap)?;
        if !self.costly.is_empty() {
            return None;
        }
        out.extend(self.gathered.iter().map(|l| l.pattern.clone()));
        Some(out)
    }
}

/// The literal patterns of leaves, if all are literal and none compares numerically.
fn literal_patterns(leaves: &[Leaf]) -> Option<Vec<StringPattern>> {
    leaves
        .iter()
        .map(|leaf| match leaf {
            Leaf::Literal(literal) if literal.number.is_none() => Some(literal.pattern.clone()),
            _ => None,
        })
        .collect()
}

/// Which values of an `all` item were seen; a bit set without allocation up to 64 values.
enum Found {
    Bits { bits: u64, full: u64 },
    Many(Vec<bool>),
}

impl Found {
    fn new(count: usize) -> Found {
        match count {
            0..=63 => Found::Bits {
                bits: 0,
                full: (1u64 << count) - 1,
            },
            64 => Found::Bits {
                bits: 0,
                full: u64::MAX,
            },
            _ => Found::Many(vec![false; count]),
        }
    }

    fn get(&self, index: usize) -> bool {
        match self {
            Found::Bits { bits, .. } => bits & (1 << index) != 0,
            Found::Many(seen) => seen.get(index).copied().unwrap_or(false),
        }
    }

    fn set(&mut self, index: usize) {
        match self {
            Found::Bits { bits, .. } => *bits |= 1 << index,
            Found::Many(seen) => {
                if let Some(slot) = seen.get_mut(index) {
                    *slot = true;
                }
            }
        }
    }

    fn all(&self) -> bool {
        match self {
            Found::Bits { bits, full } => bits == full,
            Found::Many(seen) => seen.iter().all(|s| *s),
        }
    }
}

/// Feeds values to a callback until it returns `false`.
type Source<'s> = &'s mut dyn FnMut(&mut dyn FnMut(&FieldValue<'_>) -> bool);

impl Values {
    fn matches(&self, source: Source<'_>) -> bool {
        match self {
            Values::Any(any) => {
                let mut hit = false;
                source(&mut |value| {
                    hit = value
                        .with_text(|text| any.matches(value, text))
                        .unwrap_or(false);
                    !hit
                });
                hit
            }
            Values::All(values) => {
                let mut found = Found::new(values.len());
                source(&mut |value| {
                    let done = value.with_text(|text| {
                        for (index, leaves) in values.iter().enumerate() {
                            if !found.get(index) && leaves.iter().any(|l| l.matches(value, text)) {
                                found.set(index);
                            }
                        }
                        found.all()
                    });
                    !done.unwrap_or(false)
                });
                found.all()
            }
        }
    }
}

impl FieldRef {
    /// Whether some value given by `left` relates to some value of the referenced field.
    fn matches(&self, left: Source<'_>, doc: &dyn Document) -> bool {
        let mut hit = false;
        left(&mut |left| {
            let _ = left.with_text(|left_text| {
                doc.field(&self.other, &mut |right| {
                    if hit {
                        return;
                    }
                    hit = right
                        .with_text(|right_text| self.relates(left, left_text, &right, right_text))
                        .unwrap_or(false);
                });
            });
            !hit
        });
        hit
    }

    fn relates(
        &self,
        left: &FieldValue<'_>,
        left_text: &str,
        right: &FieldValue<'_>,
        right_text: &str,
    ) -> bool {
        let (haystack, needle) = (left_text.as_bytes(), right_text.as_bytes());
        match (self.kind, self.cased) {
            (StringPatternKind::Exact, cased) => {
                let same_text = if cased {
                    haystack == needle
                } else {
                    haystack.eq_ignore_ascii_case(needle)
                };
                same_text
                    || Num::of_value(left)
                        .zip(Num::of_value(right))
                        .is_some_and(|(l, r)| Cmp::Eq.holds(l.compare(r)))
            }
            (StringPatternKind::Prefix, true) => haystack.starts_with(needle),
            (StringPatternKind::Prefix, false) => haystack
                .get(..needle.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(needle)),
            (StringPatternKind::Suffix, true) => haystack.ends_with(needle),
            (StringPatternKind::Suffix, false) => haystack
                .len()
                .checked_sub(needle.len())
                .is_some_and(|start| haystack[start..].eq_ignore_ascii_case(needle)),
            (StringPatternKind::Contains, true) => left_text.contains(right_text),
            (StringPatternKind::Contains, false) => contains_ignore_ascii_case(haystack, needle),
        }
    }
}

/// Where an item's own field values come from.
#[derive(Clone, Copy)]
enum Input<'i, 'v> {
    /// Looked up in the document.
    Lookup,
    /// Already looked up by the caller.
    Given {
        exists: bool,
        values: &'i [FieldValue<'v>],
    },
}

impl Input<'_, '_> {
    /// Feeds the field's values to `each` until it returns `false`; returns whether the field
    /// exists.
    fn visit(
        self,
        doc: &dyn Document,
        field: &str,
        each: &mut dyn FnMut(&FieldValue<'_>) -> bool,
    ) -> bool {
        match self {
            Input::Lookup => {
                let mut going = true;
                doc.field(field, &mut |value| {
                    if going {
                        going = each(&value);
                    }
                })
            }
            Input::Given { exists, values } => {
                for value in values {
                    if !each(value) {
                        break;
                    }
                }
                exists
            }
        }
    }
}

impl ItemMatcher {
    /// Whether the event satisfies the item (negation of `neq` included).
    pub fn matches(&self, doc: &dyn Document) -> bool {
        self.evaluate(doc, Input::Lookup) != self.negated
    }

    /// Like [`Self::matches`], on values of [`Self::field`] the caller already looked up
    /// (`exists` and `values` as [`Document::field`] gave them), so that an engine can read a
    /// field shared by many items once per event. `doc` is still read for `fieldref` targets
    /// and for keyword items (which have no field and ignore `exists` and `values`).
    pub fn matches_values(
        &self,
        exists: bool,
        values: &[FieldValue<'_>],
        doc: &dyn Document,
    ) -> bool {
        self.evaluate(doc, Input::Given { exists, values }) != self.negated
    }

    fn evaluate(&self, doc: &dyn Document, input: Input<'_, '_>) -> bool {
        let Some(field) = self.field.as_deref() else {
            let Kind::Values(values) = &self.kind else {
                return false;
            };
            return values.matches(&mut |each| {
                doc.keywords(&mut |text| each(&FieldValue::Str(Cow::Borrowed(text))));
            });
        };
        match &self.kind {
            Kind::Exists(wanted) => input.visit(doc, field, &mut |_| false) == *wanted,
            Kind::Null => {
                let mut null = false;
                let exists = input.visit(doc, field, &mut |value| {
                    null = *value == FieldValue::Null;
                    !null
                });
                !exists || null
            }
            Kind::FieldRef { all, refs } => {
                let mut relates = refs.iter().map(|field_ref| {
                    field_ref.matches(
                        &mut |each| {
                            input.visit(doc, field, each);
                        },
                        doc,
                    )
                });
                if *all {
                    relates.all(|hit| hit)
                } else {
                    relates.any(|hit| hit)
                }
            }
            Kind::Values(values) => values.matches(&mut |each| {
                input.visit(doc, field, each);
            }),
        }
    }

    /// The field tested, or `None` for a keyword item.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// Every field the item reads: its own and the `fieldref` targets.
    pub fn fields_referenced(&self) -> Vec<&str> {
        let mut fields: Vec<&str> = self.field.as_deref().into_iter().collect();
        if let Kind::FieldRef { refs, .. } = &self.kind {
            for field_ref in refs {
                if !fields.contains(&field_ref.other.as_str()) {
                    fields.push(&field_ref.other);
                }
            }
        }
        fields
    }

    /// Whether `neq` negates the item.
    pub fn is_negated(&self) -> bool {
        self.negated
    }

    /// The item as literal string tests, when it is nothing else: see [`StringPatterns`].
    pub fn string_patterns(&self) -> Option<StringPatterns<'_>> {
        if self.negated {
            return None;
        }
        let Kind::Values(values) = &self.kind else {
            return None;
        };
        let groups = match values {
            Values::Any(any) => vec![any.patterns()?],
            Values::All(per_value) => per_value
                .iter()
                .map(|leaves| literal_patterns(leaves))
                .collect::<Option<Vec<_>>>()?,
        };
        Some(StringPatterns {
            field: self.field.as_deref(),
            groups,
        })
    }
}
