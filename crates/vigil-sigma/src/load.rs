//! Sigma YAML to [`ast::Document`]s, with one precise error per rejected document.
//!
//! [`load_str`] reads every YAML document of a file (`---` separated) and returns one result
//! per Sigma document, in file order. A document holding `correlation:` is a correlation
//! rule, one holding `filter:` a filter, anything else a detection rule. Errors never stop
//! the other documents: a YAML syntax error fails the document it is in, and reading resumes
//! at the next `---` line.
//!
//! Rule collections (spec v1 "Rule Collections", still honoured by pySigma):
//! * `action: global` documents are deep-merged into every following document until
//!   `action: reset`; several globals accumulate (the spec), a later one winning on a conflict;
//! * on a conflict between a global and a document, the global wins, as both sigmac and
//!   pySigma merge (`deep_dict_update(rule, global)`); mappings merge key by key, any other
//!   value is replaced;
//! * `action: repeat` re-issues the previous rule document (already merged with the globals)
//!   with this document deep-merged over it, this document winning;
//! * action documents produce no result unless they are wrong (unknown action, `repeat`
//!   with no previous rule); empty documents produce nothing.
//!
//! What is checked here, so that a loaded document always compiles: the mandatory keys, the
//! shape of every value, the typing of detection values (a plain scalar is a number only when
//! written as a canonical decimal, so `00000429` stays text; see `value` in `load/rule.rs`),
//! and every condition, parsed and resolved against the rule's searches. What is not: modifier
//! names and values (the compiler owns them), rule references of correlations and filters (they
//! span files), and `timeframe`, kept as written.

use std::fmt;

use crate::ast;

mod correlation;
mod rule;
#[cfg(test)]
mod tests;
mod yaml;

use yaml::{Body, Node};

/// Stable reason codes of [`LoadError::reason`].
pub mod reason {
    /// The document is not valid YAML (syntax, duplicate key, nesting or size limit).
    pub const INVALID_YAML: &str = "invalid_yaml";
    /// The document is not a mapping.
    pub const NOT_A_MAPPING: &str = "not_a_mapping";
    /// `action` is unknown, or `repeat` has no previous rule document.
    pub const INVALID_COLLECTION: &str = "invalid_collection";
    /// No `title`.
    pub const MISSING_TITLE: &str = "missing_title";
    /// A metadata field has the wrong shape or value (`level: urgent`).
    pub const INVALID_METADATA: &str = "invalid_metadata";
    /// No `logsource` (rules and filters).
    pub const MISSING_LOGSOURCE: &str = "missing_logsource";
    /// `logsource` is not a mapping of strings.
    pub const INVALID_LOGSOURCE: &str = "invalid_logsource";
    /// No `detection`.
    pub const MISSING_DETECTION: &str = "missing_detection";
    /// No `condition` in `detection` (or `filter`).
    pub const MISSING_CONDITION: &str = "missing_condition";
    /// A search identifier has the wrong shape (empty, empty modifier, empty value list).
    pub const INVALID_DETECTION: &str = "invalid_detection";
    /// A condition does not parse, or names a search that does not exist.
    pub const INVALID_CONDITION: &str = "invalid_condition";
    /// A condition uses the v1 pipe aggregation or `near`, obsolete since Sigma v2.
    pub const OBSOLETE_AGGREGATION: &str = "obsolete_aggregation";
    /// A value Sigma cannot hold: a nested mapping or list, or an unsupported YAML tag.
    pub const UNSUPPORTED_VALUE: &str = "unsupported_value";
    /// The `correlation` section is wrong.
    pub const INVALID_CORRELATION: &str = "invalid_correlation";
    /// `correlation.timespan` is missing or not `<count><unit>`.
    pub const INVALID_TIMESPAN: &str = "invalid_timespan";
    /// The `filter` section is wrong.
    pub const INVALID_FILTER: &str = "invalid_filter";
}

/// Why one document of a file was not loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    /// Where the text came from (a path), as given to [`load_str`].
    pub source: String,
    /// 0-based index of the YAML document in the file.
    pub document: usize,
    /// The document's `title`, when it has a readable one.
    pub title: Option<String>,
    /// The document's `id`, when it has a readable one.
    pub id: Option<String>,
    /// A stable code from [`reason`].
    pub reason: &'static str,
    /// What exactly is wrong, lowercase, keys in backticks.
    pub detail: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: document {}", self.source, self.document)?;
        match (&self.id, &self.title) {
            (Some(id), Some(title)) => write!(f, " (`{id}`, {title:?})")?,
            (Some(id), None) => write!(f, " (`{id}`)")?,
            (None, Some(title)) => write!(f, " ({title:?})")?,
            (None, None) => {}
        }
        write!(f, ": {}: {}", self.reason, self.detail)
    }
}

impl std::error::Error for LoadError {}

/// An error before its document context is attached.
#[derive(Debug)]
pub(crate) struct Reject {
    reason: &'static str,
    detail: String,
}

impl Reject {
    fn new(reason: &'static str, detail: impl Into<String>) -> Reject {
        Reject {
            reason,
            detail: detail.into(),
        }
    }
}

/// Loads every Sigma document of `text`; `source` names it in errors. One result per
/// document that is not an action or empty, in file order.
#[must_use]
pub fn load_str(text: &str, source: &str) -> Vec<Result<ast::Document, LoadError>> {
    let mut results = Vec::new();
    let mut global: Option<Node> = None;
    let mut previous: Option<Node> = None;
    for document in yaml::parse_documents(text) {
        let error = |root: Option<&Node>, reject: Reject| LoadError {
            source: source.to_string(),
            document: document.index,
            title: root.and_then(|root| scalar_text(root, "title")),
            id: root.and_then(|root| scalar_text(root, "id")),
            reason: reject.reason,
            detail: reject.detail,
        };
        let root = match document.root {
            Ok(Some(root)) if !root.is_null() => root,
            Ok(_) => continue,
            Err(message) => {
                previous = None;
                results.push(Err(error(None, Reject::new(reason::INVALID_YAML, message))));
                continue;
            }
        };
        let Body::Map(_) = root.body else {
            previous = None;
            let reject = Reject::new(reason::NOT_A_MAPPING, "a sigma document must be a mapping");
            results.push(Err(error(None, reject)));
            continue;
        };
        let merged = match action(&root) {
            Ok(Action::None) => {
                let mut merged = root;
                if let Some(global) = &global {
                    deep_merge(&mut merged, global);
                }
                merged
            }
            Ok(Action::Global) => {
                let content = without_action(root);
                match global.as_mut() {
                    Some(global) => deep_merge(global, &content),
                    None => global = Some(content),
                }
                continue;
            }
            Ok(Action::Reset) => {
                global = None;
                continue;
            }
            Ok(Action::Repeat) => {
                let Some(mut repeated) = previous.clone() else {
                    let reject = Reject::new(
                        reason::INVALID_COLLECTION,
                        "`action: repeat` has no previous rule document to repeat",
                    );
                    results.push(Err(error(Some(&root), reject)));
                    continue;
                };
                deep_merge(&mut repeated, &without_action(root));
                repeated
            }
            Err(reject) => {
                results.push(Err(error(Some(&root), reject)));
                continue;
            }
        };
        results.push(document_from(&merged).map_err(|reject| error(Some(&merged), reject)));
        previous = Some(merged);
    }
    results
}

/// Builds the document a merged root describes.
fn document_from(root: &Node) -> Result<ast::Document, Reject> {
    if root.get("correlation").is_some() {
        return correlation::correlation(root).map(ast::Document::Correlation);
    }
    if root.get("filter").is_some() {
        return correlation::filter(root).map(ast::Document::Filter);
    }
    rule::rule(root).map(ast::Document::Rule)
}

enum Action {
    None,
    Global,
    Reset,
    Repeat,
}

fn action(root: &Node) -> Result<Action, Reject> {
    let Some(node) = root.get("action") else {
        return Ok(Action::None);
    };
    match node.scalar().map(|scalar| scalar.text.as_str()) {
        Some("global") => Ok(Action::Global),
        Some("reset") => Ok(Action::Reset),
        Some("repeat") => Ok(Action::Repeat),
        Some(other) => Err(Reject::new(
            reason::INVALID_COLLECTION,
            format!("unknown `action: {other}` (expected global, reset or repeat)"),
        )),
        None => Err(Reject::new(
            reason::INVALID_COLLECTION,
            "`action` must be a string",
        )),
    }
}

fn without_action(mut root: Node) -> Node {
    if let Body::Map(entries) = &mut root.body {
        entries.retain(|(key, _)| key != "action");
    }
    root
}

/// Merges `over` into `base`: mappings key by key (recursively), anything else replaced by
/// `over`'s value; keys new to `base` are appended in `over`'s order.
fn deep_merge(base: &mut Node, over: &Node) {
    let (Body::Map(base_entries), Body::Map(over_entries)) = (&mut base.body, &over.body) else {
        *base = over.clone();
        return;
    };
    for (key, value) in over_entries {
        match base_entries.iter_mut().find(|(name, _)| name == key) {
            Some((_, existing)) => {
                if matches!(value.body, Body::Map(_)) && matches!(existing.body, Body::Map(_)) {
                    deep_merge(existing, value);
                } else {
                    *existing = value.clone();
                }
            }
            None => base_entries.push((key.clone(), value.clone())),
        }
    }
}

fn scalar_text(root: &Node, key: &str) -> Option<String> {
    let node = root.get(key)?;
    if node.is_null() {
        return None;
    }
    node.scalar().map(|scalar| scalar.text.clone())
}
