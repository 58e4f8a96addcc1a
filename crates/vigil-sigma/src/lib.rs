//! Sigma v2.1: detection rules, correlation rules and filters, from YAML to matches.
//!
//! Layers, each pure (no IO, no clock; event time is passed in):
//!
//! 1. [`ast`]: the rule documents as written — [`ast::Rule`], [`ast::Correlation`],
//!    [`ast::Filter`] — with detection items in raw form (field, modifier names, values).
//!    [`load`] parses YAML (multi-document, `action: global` collections) into them, with a
//!    precise error per rejected document.
//! 2. [`condition`]: the condition grammar (`not` > `and` > `or`, parentheses, `1 of`/`all of`
//!    patterns, `them`).
//! 3. [`modifier`]: value modifiers turn a detection item into a [`modifier::ItemMatcher`].
//! 4. [`engine`]: a compiled rule set: logsource routing through processing pipelines, field
//!    mapping, shared matching work across rules, filters AND-ed to the rules they name.
//! 5. [`correlation`]: the streaming correlation engine (event_count, value_count, temporal,
//!    temporal_ordered, value_sum, value_avg, value_percentile), bounded, snapshottable.
//!
//! Events are read through the [`doc::Document`] trait, implemented for `serde_json::Value`
//! and for Vigil's OCSF event, so the same rules run on raw JSON and on normalized events.

pub mod ast;
pub mod condition;
pub mod correlation;
pub mod doc;
pub mod engine;
pub mod load;
pub mod modifier;
pub mod pipeline;
