//! Evaluating a candidate rule on an event: the condition tree with short-circuit, shared
//! items read from the index, the others matched directly; then the evidence of a match.

use super::compile::{Detection, Item, Node, Search};
use super::index::SourceIndex;
use super::scratch::{Scratch, Tables};
use super::{RuleMatch, Variant};
use crate::doc::{Document, FieldValue};

/// What evaluation reads besides the rule.
pub(super) struct Eval<'a> {
    pub doc: &'a dyn Document,
    pub index: &'a SourceIndex,
    pub tables: &'a Tables,
}

impl Eval<'_> {
    /// Whether `variant` matches: its pipeline conditions, its detection, and the condition
    /// of every filter applied to it (pySigma's semantics: `rule AND filter-condition`, so a
    /// filter written `condition: not selection` excludes what its selection matches).
    pub fn variant(&self, variant: &Variant, scratch: &mut Scratch) -> bool {
        variant.added.iter().all(|item| self.item(item, scratch))
            && self.node(&variant.detection.tree, &variant.detection, scratch)
            && variant
                .filters
                .iter()
                .all(|filter| self.node(&filter.tree, filter, scratch))
    }

    fn node(&self, node: &Node, detection: &Detection, scratch: &mut Scratch) -> bool {
        match node {
            Node::Search(index) => detection
                .searches
                .get(*index)
                .is_some_and(|search| self.search(search, scratch)),
            Node::Not(inner) => !self.node(inner, detection, scratch),
            Node::And(children) => children
                .iter()
                .all(|child| self.node(child, detection, scratch)),
            Node::Or(children) => children
                .iter()
                .any(|child| self.node(child, detection, scratch)),
        }
    }

    fn search(&self, search: &Search, scratch: &mut Scratch) -> bool {
        search
            .groups
            .iter()
            .any(|group| group.iter().all(|item| self.item(item, scratch)))
    }

    fn item(&self, item: &Item, scratch: &mut Scratch) -> bool {
        item.alternatives.iter().any(|leaf| match leaf.shared {
            Some(id) => self.index.item_true(id, self.doc, self.tables, scratch),
            None => leaf.matcher.matches(self.doc),
        })
    }

    /// The evidence of a match: the searches the condition references that are true, and the
    /// fields and values of their true items (at most `max_fields`, values cut to
    /// `max_value_bytes`).
    pub fn evidence(
        &self,
        rule_index: usize,
        variant: &Variant,
        max_fields: usize,
        max_value_bytes: usize,
        scratch: &mut Scratch,
    ) -> RuleMatch {
        let mut found = RuleMatch {
            rule_index,
            matched_searches: Vec::new(),
            matched_fields: Vec::new(),
        };
        let detection = &variant.detection;
        for (index, search) in detection.searches.iter().enumerate() {
            if !variant.referenced.get(index).copied().unwrap_or(false) {
                continue;
            }
            if !self.search(search, scratch) {
                continue;
            }
            found.matched_searches.push(search.name.clone());
            for group in &search.groups {
                if !group.iter().all(|item| self.item(item, scratch)) {
                    continue;
                }
                for item in group {
                    for leaf in &item.alternatives {
                        if found.matched_fields.len() >= max_fields {
                            break;
                        }
                        let Some(field) = leaf.matcher.field() else {
                            continue;
                        };
                        if found.matched_fields.iter().any(|(f, _)| f == field) {
                            continue;
                        }
                        let value = match leaf.shared {
                            // The value that made the item true, kept by the index.
                            Some(id) => {
                                if !self.index.item_true(id, self.doc, self.tables, scratch) {
                                    continue;
                                }
                                scratch
                                    .item_text(id)
                                    .map(|text| cut(text, max_value_bytes).to_owned())
                            }
                            None => {
                                if !leaf.matcher.matches(self.doc) {
                                    continue;
                                }
                                first_value(self.doc, field, max_value_bytes)
                            }
                        };
                        if let Some(value) = value {
                            found.matched_fields.push((field.to_owned(), value));
                        }
                    }
                }
                // One satisfied group is the evidence of its search.
                break;
            }
        }
        found
    }
}

/// The first value of `field` as text (`null` for null), cut to `max_bytes` at a character
/// boundary; several values are joined with `, ` while they fit.
fn first_value(doc: &dyn Document, field: &str, max_bytes: usize) -> Option<String> {
    let mut out: Option<String> = None;
    doc.field(field, &mut |value| {
        let text = match &value {
            FieldValue::Null => Some("null".to_owned()),
            other => other.with_text(str::to_owned),
        };
        let Some(text) = text else {
            return;
        };
        match &mut out {
            None => out = Some(cut(&text, max_bytes).to_owned()),
            Some(joined) => {
                if joined.len() + 2 + text.len() <= max_bytes {
                    joined.push_str(", ");
                    joined.push_str(&text);
                }
            }
        }
    });
    out
}

fn cut(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}
