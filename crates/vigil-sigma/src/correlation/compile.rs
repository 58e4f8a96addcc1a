//! From [`ast::Correlation`]s to a validated plan: references resolved, fields per referenced
//! rule (aliases applied), defaults filled in, cycles rejected.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::resolve::{check_cycles, resolve_aliases, Resolver};
use super::{CorrelationError, CorrelationOptions, RuleRef};
use crate::ast::{self, CmpOp, CorrelationType, Level};

/// What a reference in `rules` resolved to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum SourceKey {
    /// A detection rule: its index in the caller's `known_rules`.
    Rule(usize),
    /// Another correlation: its index in the correlation list.
    Correlation(usize),
}

/// A correlation listening to a source, and which of its sources that is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Subscription {
    /// Index of the listening correlation.
    pub correlation: u32,
    /// Index into its `sources`.
    pub source: u16,
}

/// One distinct referenced rule (or correlation) of a correlation.
#[derive(Clone, Debug)]
pub(crate) struct SourcePlan {
    /// What the reference resolved to.
    pub key: SourceKey,
    /// Field read for each group-by entry, aliases applied.
    pub group_fields: Vec<String>,
    /// Fields read for `condition.field`, aliases applied.
    pub value_fields: Vec<String>,
}

/// What must not change for a snapshot's open windows to be restored into a correlation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Fingerprint {
    /// `id`, else `name`, else `title`.
    pub identity: String,
    /// The type name.
    pub kind: String,
    /// `rules` as written.
    pub rules: Vec<String>,
    /// `group-by` as written.
    pub group_by: Vec<String>,
    /// `condition.field` as written.
    pub fields: Vec<String>,
    /// `aliases`, flattened to `(alias, rule, field)`.
    pub aliases: Vec<(String, String, String)>,
    /// `timespan` in milliseconds.
    pub timespan_ms: i64,
}

/// A validated correlation, ready to run.
#[derive(Clone, Debug)]
pub(crate) struct CompiledCorrelation {
    /// `id`.
    pub id: Option<String>,
    /// `name`.
    pub name: Option<String>,
    /// `title`.
    pub title: String,
    /// `level`.
    pub level: Option<Level>,
    /// The type.
    pub kind: CorrelationType,
    /// `timespan` in milliseconds (positive).
    pub timespan_ms: i64,
    /// `group-by` as written (alias names stay alias names): the names in alerts.
    pub group_names: Vec<String>,
    /// Distinct sources in first-reference order.
    pub sources: Vec<SourcePlan>,
    /// `rules` as source indices, in the written order (`temporal_ordered`).
    pub order: Vec<u16>,
    /// The comparisons, AND-ed (temporal default: `gte` the number of rules).
    pub ops: Vec<(CmpOp, f64)>,
    /// `condition.percentile` (`value_percentile` only).
    pub percentile: f64,
    /// `generate`.
    pub generate: bool,
    /// Whether this correlation's own alerts are returned: false when it is referenced only
    /// by correlations with `generate: false`.
    pub emit: bool,
    /// Snapshot compatibility.
    pub fingerprint: Fingerprint,
}

/// The validated correlation set with its routing tables.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    /// The correlations, in input order.
    pub correlations: Vec<CompiledCorrelation>,
    /// Referenced rules by id, to an index of `rule_subscribers`.
    rule_by_id: HashMap<String, usize>,
    /// Referenced rules by name, to an index of `rule_subscribers`.
    rule_by_name: HashMap<String, usize>,
    /// Per referenced rule: the correlations listening to it.
    pub rule_subscribers: Vec<Vec<Subscription>>,
    /// Per correlation: the correlations chained on it.
    pub correlation_subscribers: Vec<Vec<Subscription>>,
}

/// The Sigma name of a correlation type.
pub(crate) fn kind_name(kind: CorrelationType) -> &'static str {
    match kind {
        CorrelationType::EventCount => "event_count",
        CorrelationType::ValueCount => "value_count",
        CorrelationType::Temporal => "temporal",
        CorrelationType::TemporalOrdered => "temporal_ordered",
        CorrelationType::ValueSum => "value_sum",
        CorrelationType::ValueAvg => "value_avg",
        CorrelationType::ValuePercentile => "value_percentile",
    }
}

/// `id`, else `name`, else `title`: how messages and snapshots name a correlation.
pub(crate) fn label(meta: &ast::Meta) -> String {
    meta.id
        .clone()
        .or_else(|| meta.name.clone())
        .unwrap_or_else(|| meta.title.clone())
}

impl Plan {
    /// The routing slot of a matching detection rule, if any correlation references it.
    pub fn rule_slot(&self, rule: RuleRef<'_>) -> Option<usize> {
        rule.id
            .and_then(|id| self.rule_by_id.get(id))
            .or_else(|| rule.name.and_then(|name| self.rule_by_name.get(name)))
            .copied()
    }

    /// Validates and compiles `correlations`.
    pub fn build(
        correlations: &[ast::Correlation],
        known_rules: &[RuleRef<'_>],
        options: &CorrelationOptions,
    ) -> Result<Plan, CorrelationError> {
        let resolver = Resolver::new(correlations, known_rules)?;
        let mut compiled = Vec::with_capacity(correlations.len());
        for correlation in correlations {
            compiled.push(compile_one(correlation, correlations, &resolver, options)?);
        }
        check_cycles(&compiled)?;

        let mut rule_slots: HashMap<usize, usize> = HashMap::new();
        let mut plan = Plan {
            correlations: Vec::new(),
            rule_by_id: HashMap::new(),
            rule_by_name: HashMap::new(),
            rule_subscribers: Vec::new(),
            correlation_subscribers: vec![Vec::new(); compiled.len()],
        };
        for (correlation_index, correlation) in compiled.iter().enumerate() {
            for (source_index, source) in correlation.sources.iter().enumerate() {
                let subscription = Subscription {
                    correlation: u32::try_from(correlation_index).unwrap_or(u32::MAX),
                    source: u16::try_from(source_index).unwrap_or(u16::MAX),
                };
                match source.key {
                    SourceKey::Correlation(inner) => {
                        plan.correlation_subscribers[inner].push(subscription);
                    }
                    SourceKey::Rule(known) => {
                        let slot = *rule_slots.entry(known).or_insert_with(|| {
                            plan.rule_subscribers.push(Vec::new());
                            plan.rule_subscribers.len() - 1
                        });
                        plan.rule_subscribers[slot].push(subscription);
                        let rule = known_rules[known];
                        if let Some(id) = rule.id {
                            plan.rule_by_id.entry(id.to_owned()).or_insert(slot);
                        }
                        if let Some(name) = rule.name {
                            plan.rule_by_name.entry(name.to_owned()).or_insert(slot);
                        }
                    }
                }
            }
        }
        for (index, correlation) in compiled.iter_mut().enumerate() {
            let listeners = &plan.correlation_subscribers[index];
            correlation.emit = listeners.is_empty()
                || listeners
                    .iter()
                    .any(|listener| correlations[listener.correlation as usize].generate);
        }
        plan.correlations = compiled;
        Ok(plan)
    }
}

fn compile_one(
    correlation: &ast::Correlation,
    all: &[ast::Correlation],
    resolver: &Resolver,
    options: &CorrelationOptions,
) -> Result<CompiledCorrelation, CorrelationError> {
    let name = label(&correlation.meta);
    let kind = kind_name(correlation.kind);
    if correlation.rules.is_empty() {
        return Err(CorrelationError::NoRules { correlation: name });
    }
    if correlation.rules.len() > usize::from(u16::MAX) {
        return Err(CorrelationError::TooManyRules {
            correlation: name,
            count: correlation.rules.len(),
        });
    }
    if correlation.timespan_ms <= 0 {
        return Err(CorrelationError::InvalidTimespan {
            correlation: name,
            timespan_ms: correlation.timespan_ms,
        });
    }

    // References, deduplicated by what they resolve to.
    let mut sources: Vec<SourceKey> = Vec::new();
    let mut order = Vec::with_capacity(correlation.rules.len());
    for reference in &correlation.rules {
        let Some(key) = resolver.resolve(reference) else {
            return Err(CorrelationError::UnknownReference {
                correlation: name,
                reference: reference.clone(),
            });
        };
        let position = match sources.iter().position(|known| *known == key) {
            Some(position) => position,
            None => {
                sources.push(key);
                sources.len() - 1
            }
        };
        order.push(u16::try_from(position).unwrap_or(u16::MAX));
    }

    let temporal = matches!(
        correlation.kind,
        CorrelationType::Temporal | CorrelationType::TemporalOrdered
    );
    let empty_condition = ast::CorrelationCondition::default();
    let condition = correlation.condition.as_ref().unwrap_or(&empty_condition);
    let mut ops = condition.ops.clone();
    if ops.is_empty() {
        if !temporal {
            return Err(CorrelationError::MissingCondition {
                correlation: name,
                kind,
            });
        }
        let needed = match correlation.kind {
            CorrelationType::TemporalOrdered => order.len(),
            _ => sources.len(),
        };
        ops.push((CmpOp::Gte, needed as f64));
    }
    if ops.iter().any(|(_, threshold)| !threshold.is_finite()) {
        return Err(CorrelationError::InvalidThreshold { correlation: name });
    }
    let numeric = matches!(
        correlation.kind,
        CorrelationType::ValueSum | CorrelationType::ValueAvg | CorrelationType::ValuePercentile
    );
    let value_fields_needed = numeric || correlation.kind == CorrelationType::ValueCount;
    if value_fields_needed && condition.field.is_empty() {
        return Err(CorrelationError::MissingField {
            correlation: name,
            kind,
        });
    }
    if numeric && condition.field.len() > 1 {
        return Err(CorrelationError::MultipleFields {
            correlation: name,
            kind,
        });
    }
    let mut percentile = 0.0;
    if correlation.kind == CorrelationType::ValuePercentile {
        match condition.percentile {
            Some(value) if (0.0..=100.0).contains(&value) => percentile = value,
            _ => return Err(CorrelationError::InvalidPercentile { correlation: name }),
        }
    }
    if matches!(
        correlation.kind,
        CorrelationType::EventCount | CorrelationType::ValueCount
    ) {
        let needed = minimum_needed(&ops);
        if needed > options.max_observations_per_group as u64 {
            return Err(CorrelationError::UnreachableCondition {
                correlation: name,
                needed,
                cap: options.max_observations_per_group,
            });
        }
    }

    // Fields per source, aliases applied.
    let aliases = resolve_aliases(correlation, &name, &sources, resolver)?;
    let value_fields: &[String] = if value_fields_needed {
        &condition.field
    } else {
        &[]
    };
    let mut plans = Vec::with_capacity(sources.len());
    for (index, key) in sources.iter().enumerate() {
        let reference = &correlation.rules[order
            .iter()
            .position(|&p| usize::from(p) == index)
            .unwrap_or(0)];
        let field_for = |written: &String| -> Result<String, CorrelationError> {
            let Some(mapping) = aliases.get(written.as_str()) else {
                return Ok(written.clone());
            };
            mapping
                .get(key)
                .cloned()
                .ok_or_else(|| CorrelationError::AliasMissingRule {
                    correlation: name.clone(),
                    alias: written.clone(),
                    reference: reference.clone(),
                })
        };
        let group_fields = correlation
            .group_by
            .iter()
            .map(field_for)
            .collect::<Result<Vec<_>, _>>()?;
        let value_fields = value_fields
            .iter()
            .map(field_for)
            .collect::<Result<Vec<_>, _>>()?;
        if let SourceKey::Correlation(inner) = key {
            let inner = &all[*inner];
            for field in group_fields.iter().chain(&value_fields) {
                if !inner.group_by.contains(field) {
                    return Err(CorrelationError::ChainedFieldUnavailable {
                        correlation: name,
                        inner: label(&inner.meta),
                        field: field.clone(),
                    });
                }
            }
        }
        plans.push(SourcePlan {
            key: *key,
            group_fields,
            value_fields,
        });
    }

    let fingerprint = Fingerprint {
        identity: name,
        kind: kind.to_owned(),
        rules: correlation.rules.clone(),
        group_by: correlation.group_by.clone(),
        fields: value_fields.to_vec(),
        aliases: flatten_aliases(&correlation.aliases),
        timespan_ms: correlation.timespan_ms,
    };
    Ok(CompiledCorrelation {
        id: correlation.meta.id.clone(),
        name: correlation.meta.name.clone(),
        title: correlation.meta.title.clone(),
        level: correlation.meta.level,
        kind: correlation.kind,
        timespan_ms: correlation.timespan_ms,
        group_names: correlation.group_by.clone(),
        sources: plans,
        order,
        ops,
        percentile,
        generate: correlation.generate,
        emit: true,
        fingerprint,
    })
}

/// The fewest observations that can satisfy the lower bounds of `ops`.
fn minimum_needed(ops: &[(CmpOp, f64)]) -> u64 {
    let mut needed = 0u64;
    for (op, threshold) in ops {
        // `as` saturates: negative thresholds need nothing, huge ones need u64::MAX.
        let bound = match op {
            CmpOp::Gt => (threshold.floor() + 1.0) as u64,
            CmpOp::Gte | CmpOp::Eq => threshold.ceil() as u64,
            CmpOp::Lt | CmpOp::Lte | CmpOp::Neq => 0,
        };
        needed = needed.max(bound);
    }
    needed
}

fn flatten_aliases(
    aliases: &BTreeMap<String, BTreeMap<String, String>>,
) -> Vec<(String, String, String)> {
    let mut flat = Vec::new();
    for (alias, mapping) in aliases {
        for (rule, field) in mapping {
            flat.push((alias.clone(), rule.clone(), field.clone()));
        }
    }
    flat
}
