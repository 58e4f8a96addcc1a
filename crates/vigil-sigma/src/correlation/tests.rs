//! Tests of the correlation engine: one helper set here, one file per concern.

mod bounds;
mod chaining;
mod lateness;
mod props;
mod snapshot;
mod types;
mod validation;

use std::collections::BTreeMap;

use serde_json::Value;

use super::*;
use crate::ast::{CmpOp, Correlation, CorrelationCondition, CorrelationType, Level, Meta};

/// The detection rules the tests' correlations may reference: ids `id-a`… and names `a`….
const KNOWN: &[RuleRef<'static>] = &[
    RuleRef {
        id: Some("id-a"),
        name: Some("a"),
    },
    RuleRef {
        id: Some("id-b"),
        name: Some("b"),
    },
    RuleRef {
        id: Some("id-c"),
        name: Some("c"),
    },
];

/// Builds an [`ast::Correlation`] with a 60 s timespan and no condition.
struct Build(Correlation);

fn correlation(id: &str, kind: CorrelationType, rules: &[&str]) -> Build {
    Build(Correlation {
        meta: Meta {
            title: format!("title of {id}"),
            id: Some(id.to_owned()),
            level: Some(Level::High),
            ..Meta::default()
        },
        kind,
        rules: rules.iter().map(|rule| (*rule).to_owned()).collect(),
        group_by: Vec::new(),
        timespan_ms: 60_000,
        condition: None,
        aliases: BTreeMap::new(),
        generate: false,
    })
}

impl Build {
    fn group_by(mut self, fields: &[&str]) -> Build {
        self.0.group_by = fields.iter().map(|field| (*field).to_owned()).collect();
        self
    }

    fn when(mut self, ops: &[(CmpOp, f64)]) -> Build {
        self.0
            .condition
            .get_or_insert_with(CorrelationCondition::default)
            .ops = ops.to_vec();
        self
    }

    fn field(mut self, field: &str) -> Build {
        self.0
            .condition
            .get_or_insert_with(CorrelationCondition::default)
            .field
            .push(field.to_owned());
        self
    }

    fn percentile(mut self, percentile: f64) -> Build {
        self.0
            .condition
            .get_or_insert_with(CorrelationCondition::default)
            .percentile = Some(percentile);
        self
    }

    fn timespan_ms(mut self, timespan_ms: i64) -> Build {
        self.0.timespan_ms = timespan_ms;
        self
    }

    fn alias(mut self, alias: &str, fields: &[(&str, &str)]) -> Build {
        let mapping = fields
            .iter()
            .map(|(rule, field)| ((*rule).to_owned(), (*field).to_owned()))
            .collect();
        self.0.aliases.insert(alias.to_owned(), mapping);
        self
    }

    fn name(mut self, name: &str) -> Build {
        self.0.meta.name = Some(name.to_owned());
        self
    }

    fn generate(mut self) -> Build {
        self.0.generate = true;
        self
    }

    fn done(self) -> Correlation {
        self.0
    }
}

fn engine(correlations: Vec<Build>) -> CorrelationEngine {
    engine_with(correlations, CorrelationOptions::default())
}

fn engine_with(correlations: Vec<Build>, options: CorrelationOptions) -> CorrelationEngine {
    let correlations: Vec<Correlation> = correlations.into_iter().map(Build::done).collect();
    CorrelationEngine::new(&correlations, KNOWN, options).expect("valid test correlations")
}

fn build_error(correlations: Vec<Build>) -> CorrelationError {
    let correlations: Vec<Correlation> = correlations.into_iter().map(Build::done).collect();
    CorrelationEngine::new(&correlations, KNOWN, CorrelationOptions::default())
        .expect_err("the test expects a rejected set")
}

/// Feeds a match of rule `rule` (by name) of the event `event_id` at second `seconds`.
fn feed(
    engine: &mut CorrelationEngine,
    rule: &str,
    seconds: i64,
    event_id: u64,
    doc: Value,
) -> Vec<CorrelationAlert> {
    engine.observe(RuleRef::name(rule), seconds * 1000, event_id, &doc)
}

/// The group of an alert as `(name, value)` string pairs.
fn group(alert: &CorrelationAlert) -> Vec<(&str, Option<&str>)> {
    alert
        .group
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_deref()))
        .collect()
}

/// The sum of window sizes, which `stats().observations` must equal.
fn held_observations(engine: &CorrelationEngine) -> usize {
    let groups = &engine.state.groups;
    groups
        .slots_oldest_first()
        .into_iter()
        .filter_map(|slot| groups.group(slot))
        .map(|g| g.window.len())
        .sum()
}
