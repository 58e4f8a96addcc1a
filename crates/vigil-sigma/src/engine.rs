//! A compiled rule set: rules routed to source types, field names mapped, shared matching
//! work, filters applied as `rule AND filter-condition` (pySigma).
//!
//! Build one with [`RuleSet`]: add documents (rules, filters, correlations) and pipelines,
//! then [`RuleSet::build`] compiles every rule it can and reports each one it cannot,
//! precisely ([`RuleError`]), without stopping. Evaluate events with
//! [`CompiledRuleSet::evaluate`]: only the rules routed to the event's source type run.
//!
//! How a rule is compiled:
//!
//! 1. **Routing.** The pipelines say which source types the rule's logsource lives in
//!    ([`crate::pipeline::route`]); with [`EngineOptions::ignore_logsource`] every rule runs on
//!    every source, renamed where a pipeline routes it.
//! 2. **Variants.** For each distinct list of transformations that apply (its *plan*), the
//!    rule is compiled once: fields renamed by the field mappings (a field mapped to several
//!    becomes "any of them"), `add_condition` items AND-ed in, the condition parsed and
//!    resolved to a tree over its searches, and the filters that name the rule compiled under
//!    the same plan.
//! 3. **Sharing.** Items that are only literal string tests (most of them: `contains`,
//!    `startswith`, `endswith`, plain values) are answered for all rules at once by a
//!    per-source, per-field index: one hash lookup for exact values, one Aho-Corasick scan for
//!    the rest (`index.rs`). Rules read the answers.
//! 4. **Candidates.** Each rule is indexed by up to two conditions every match needs
//!    (`require.rs`); it is evaluated only when they hold, so most rules cost nothing on
//!    most events. The rest of the tree is evaluated with short-circuit.
//!
//! `docs/adr/0003-sigma-engine.md` records the design and its measurements.

mod build;
mod compile;
mod eval;
mod index;
mod require;
mod scratch;
#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::fmt;

use vigil_model::SourceType;

use crate::ast;
use crate::correlation::RuleRef;
use crate::doc::Document;
use crate::modifier::CompileOptions;
use crate::pipeline::{Pipeline, PipelineError};

pub use scratch::Scratch;

use compile::{Detection, Item};
use eval::Eval;
use index::SourceIndex;
use scratch::Tables;

/// How to build a [`CompiledRuleSet`].
#[derive(Clone, Debug)]
pub struct EngineOptions {
    /// Evaluate every rule on every source type, ignoring routing (rules a pipeline routes to
    /// a source still get its field mappings there). Off by default: routing is what keeps
    /// rules written for one product from firing on another's events.
    pub ignore_logsource: bool,
    /// At most this many `(field, value)` pairs of evidence per match.
    pub max_evidence_fields: usize,
    /// Evidence values are cut to this many bytes.
    pub max_evidence_value_bytes: usize,
    /// Options of the value modifiers (`expand` placeholders).
    pub compile: CompileOptions,
}

impl Default for EngineOptions {
    fn default() -> EngineOptions {
        EngineOptions {
            ignore_logsource: false,
            max_evidence_fields: 8,
            max_evidence_value_bytes: 256,
            compile: CompileOptions::default(),
        }
    }
}

/// The kind of document an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// A detection rule.
    Rule,
    /// A filter.
    Filter,
    /// A correlation rule.
    Correlation,
}

impl DocumentKind {
    /// The kind as a lowercase word.
    pub fn name(self) -> &'static str {
        match self {
            DocumentKind::Rule => "rule",
            DocumentKind::Filter => "filter",
            DocumentKind::Correlation => "correlation",
        }
    }
}

/// A document the rule set could not use: which one, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleError {
    /// What kind of document.
    pub kind: DocumentKind,
    /// Its `id`, when it has one.
    pub id: Option<String>,
    /// Its `title`.
    pub title: String,
    /// Why, lowercase, identifiers in backticks.
    pub reason: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}`", self.kind.name(), self.title)?;
        if let Some(id) = &self.id {
            write!(f, " ({id})")?;
        }
        write!(f, ": {}", self.reason)
    }
}

impl std::error::Error for RuleError {}

/// A detection rule of the set, as written (metadata and logsource) and as routed.
#[derive(Clone, Debug)]
pub struct RuleInfo {
    /// `title`, `id`, `name`, `level`, `tags`, `author`, `description`, `falsepositives`…
    /// (`author` must stay with every match: the Detection Rule License requires it).
    pub meta: ast::Meta,
    /// `logsource`.
    pub logsource: ast::LogSource,
    /// The source types the pipelines route it to.
    pub source_types: Vec<SourceType>,
    /// The filters applied to it (their `id`, else their title).
    pub filters: Vec<String>,
}

/// One rule matching one event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleMatch {
    /// The rule: an index into [`CompiledRuleSet::rules`].
    pub rule_index: usize,
    /// The search identifiers of the condition that were true, in file order.
    pub matched_searches: Vec<String>,
    /// Evidence: event fields of true items and their values (capped, see
    /// [`EngineOptions`]).
    pub matched_fields: Vec<(String, String)>,
}

/// A rule compiled under one plan.
#[derive(Debug)]
struct Variant {
    rule: usize,
    added: Vec<Item>,
    detection: Detection,
    filters: Vec<Detection>,
    /// Which searches the condition references, by search index.
    referenced: Vec<bool>,
}

/// The per-source indexes: distinct ones, and which one each source type uses.
#[derive(Debug)]
struct Indexes {
    indexes: Vec<SourceIndex>,
    /// By position in [`SourceType::ALL`].
    index_of: Vec<usize>,
}

/// Collects documents, pipelines and options; [`RuleSet::build`] compiles them.
#[derive(Clone, Debug, Default)]
pub struct RuleSet {
    documents: Vec<ast::Document>,
    pipelines: Vec<Pipeline>,
    options: EngineOptions,
}

impl RuleSet {
    /// An empty set without pipelines (no rule is routed anywhere: add pipelines, or set
    /// [`EngineOptions::ignore_logsource`]).
    pub fn new() -> RuleSet {
        RuleSet::default()
    }

    /// An empty set with Vigil's shipped pipelines ([`crate::pipeline::shipped`]).
    pub fn with_shipped_pipelines() -> Result<RuleSet, PipelineError> {
        let mut set = RuleSet::new();
        set.pipelines = crate::pipeline::shipped()?;
        Ok(set)
    }

    /// Adds a document: a rule, a filter or a correlation.
    pub fn add_document(&mut self, document: ast::Document) -> &mut RuleSet {
        self.documents.push(document);
        self
    }

    /// Adds documents.
    pub fn add_documents(
        &mut self,
        documents: impl IntoIterator<Item = ast::Document>,
    ) -> &mut RuleSet {
        self.documents.extend(documents);
        self
    }

    /// Adds a pipeline (they apply in priority order, whatever the order of adding).
    pub fn add_pipeline(&mut self, pipeline: Pipeline) -> &mut RuleSet {
        self.pipelines.push(pipeline);
        self
    }

    /// Sets the options.
    pub fn options(&mut self, options: EngineOptions) -> &mut RuleSet {
        self.options = options;
        self
    }

    /// Compiles everything it can. Each document that fails is reported with its id, title
    /// and reason; the others still compile. A filter that fails is not applied.
    pub fn build(self) -> (CompiledRuleSet, Vec<RuleError>) {
        build::build(self)
    }
}

/// A compiled rule set, ready to evaluate events. Immutable and `Sync`: share it between
/// threads, each with its own [`Scratch`].
#[derive(Debug)]
pub struct CompiledRuleSet {
    rules: Vec<RuleInfo>,
    variants: Vec<Variant>,
    tables: Tables,
    indexes: Indexes,
    correlations: Vec<ast::Correlation>,
    pipelines: Vec<Pipeline>,
    options: EngineOptions,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::new());
}

impl CompiledRuleSet {
    /// The detection rules, by rule index.
    pub fn rules(&self) -> &[RuleInfo] {
        &self.rules
    }

    /// One rule.
    pub fn rule(&self, rule_index: usize) -> Option<&RuleInfo> {
        self.rules.get(rule_index)
    }

    /// The index of the rule with this `id`, else this `name`.
    pub fn find(&self, id_or_name: &str) -> Option<usize> {
        self.rules
            .iter()
            .position(|rule| rule.meta.id.as_deref() == Some(id_or_name))
            .or_else(|| {
                self.rules
                    .iter()
                    .position(|rule| rule.meta.name.as_deref() == Some(id_or_name))
            })
    }

    /// The correlation rules added, for [`crate::correlation::CorrelationEngine::new`].
    pub fn correlations(&self) -> &[ast::Correlation] {
        &self.correlations
    }

    /// Every rule's `id` and `name`, the `known_rules` of the correlation engine.
    pub fn known_rules(&self) -> Vec<RuleRef<'_>> {
        self.rules
            .iter()
            .map(|rule| RuleRef::of(&rule.meta))
            .collect()
    }

    /// The pipelines in application order.
    pub fn pipelines(&self) -> &[Pipeline] {
        &self.pipelines
    }

    /// The rules evaluated on `source_type`, ascending, without duplicates.
    pub fn rules_for(&self, source_type: SourceType) -> Vec<usize> {
        let Some(index) = self.index(source_type) else {
            return Vec::new();
        };
        let mut rules: Vec<usize> = index
            .variants
            .iter()
            .filter_map(|&v| self.variants.get(v as usize))
            .map(|variant| variant.rule)
            .collect();
        rules.dedup();
        rules
    }

    /// The fields read from every event of `source_type` before any rule runs, to select the
    /// candidate rules (`None`: keyword search over the whole event). For tuning and tests.
    pub fn eager_fields(&self, source_type: SourceType) -> Vec<Option<&str>> {
        self.index(source_type)
            .map(SourceIndex::eager_fields)
            .unwrap_or_default()
    }

    fn index(&self, source_type: SourceType) -> Option<&SourceIndex> {
        let position = SourceType::ALL.iter().position(|&t| t == source_type)?;
        let index = *self.indexes.index_of.get(position)?;
        self.indexes.indexes.get(index)
    }

    /// Evaluates the rules routed to `source_type` on `doc`, appending one [`RuleMatch`] per
    /// matching rule to `out`, in rule order. Uses a per-thread [`Scratch`].
    pub fn evaluate(&self, source_type: SourceType, doc: &dyn Document, out: &mut Vec<RuleMatch>) {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => self.evaluate_with(&mut scratch, source_type, doc, out),
            // Only when a `Document` evaluates rules from inside a lookup.
            Err(_) => self.evaluate_with(&mut Scratch::new(), source_type, doc, out),
        });
    }

    /// [`CompiledRuleSet::evaluate`] with caller-owned working memory.
    pub fn evaluate_with(
        &self,
        scratch: &mut Scratch,
        source_type: SourceType,
        doc: &dyn Document,
        out: &mut Vec<RuleMatch>,
    ) {
        let Some(index) = self.index(source_type) else {
            return;
        };
        if index.variants.is_empty() {
            return;
        }
        scratch.fit(&self.tables);
        index.select(doc, &self.tables, scratch);
        let eval = Eval {
            doc,
            index,
            tables: &self.tables,
        };
        let candidates = std::mem::take(&mut scratch.candidates);
        for &id in &candidates {
            let Some(variant) = self.variants.get(id as usize) else {
                continue;
            };
            if eval.variant(variant, scratch) {
                out.push(eval.evidence(
                    variant.rule,
                    variant,
                    self.options.max_evidence_fields,
                    self.options.max_evidence_value_bytes,
                    scratch,
                ));
            }
        }
        scratch.candidates = candidates;
    }
}
