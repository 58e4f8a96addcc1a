//! Processing pipelines: which rules run on which source, and under which field names.
//!
//! A Sigma rule names the logs it was written for (`logsource: {product, service, category}`)
//! and uses that log's field names. Vigil reads its own source types
//! ([`vigil_model::SourceType`]). A pipeline bridges the two, in the YAML form of pySigma's
//! processing pipelines, restricted to what Vigil needs, plus one Vigil section for routing:
//!
//! ```yaml
//! name: vigil-fortigate            # required
//! priority: 20                     # optional (default 0): lower applies first
//! description: FortiGate syslog    # optional
//! logsources:                      # routing (a Vigil extension)
//!   - product: fortigate
//!     service: event
//!     source_types: [fortigate]    # Vigil source type names
//! transformations:                 # optional
//!   - id: event_type               # optional
//!     type: add_condition          # AND the rule with these items (keys may carry modifiers)
//!     conditions: {type: event}
//!     rule_conditions:             # optional: only for rules whose logsource matches
//!       - {type: logsource, product: fortigate, service: event}
//!   - type: field_name_mapping     # rename rule fields; a list means "any of these fields"
//!     mapping: {src_ip: src_endpoint.ip, dst_port: [dst_endpoint.port]}
//!     rule_conditions: [{type: logsource, category: firewall}]
//!     rule_cond_op: or             # optional: `and` (default) or `or` over rule_conditions
//! ```
//!
//! Routing ([`route`]): a rule is routed to a source type when one `logsources` entry listing
//! that type matches the rule: **every field the rule's logsource sets equals the entry's**
//! (ASCII case-insensitive). A rule with only `product: aws` matches the `aws`/`cloudtrail`
//! entry; a rule with `category` and `product` needs an entry with both. A rule routed nowhere
//! is never evaluated (unless the engine is told to ignore logsources): on CloudTrail input
//! only the AWS rules run, which is a correctness property, not only a speed-up.
//!
//! Transformations apply to a rule for a source type when their pipeline routes the rule to
//! that type and their `rule_conditions` hold (pySigma semantics: every field the condition
//! sets equals the rule's). Field mappings chain in pipeline priority order. `add_condition`
//! fields are event field names: later mappings do not rename them.
//!
//! Vigil ships one pipeline per source type ([`shipped`]); `docs/adr/0003-sigma-engine.md`
//! explains the choices.

mod parse;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use vigil_model::SourceType;

use crate::ast::{DetectionItem, LogSource};

pub use parse::PipelineError;

/// A processing pipeline: routing entries and transformations. See the module documentation
/// for the YAML form.
#[derive(Clone, Debug, PartialEq)]
pub struct Pipeline {
    /// `name`.
    pub name: String,
    /// `priority`: pipelines apply in ascending priority, then by name.
    pub priority: i64,
    /// `description`.
    pub description: Option<String>,
    /// `logsources`: which rules go to which source types.
    pub routes: Vec<Route>,
    /// `transformations`, in order.
    pub transformations: Vec<Transformation>,
}

/// One `logsources` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    /// The logsource this entry stands for (`definition` unused).
    pub logsource: LogSource,
    /// The source types that carry it.
    pub source_types: Vec<SourceType>,
}

/// One transformation with the rules it applies to.
#[derive(Clone, Debug, PartialEq)]
pub struct Transformation {
    /// `id`, for messages.
    pub id: Option<String>,
    /// What it does.
    pub action: Action,
    /// `rule_conditions` (logsource conditions); empty means every rule.
    pub rule_conditions: Vec<LogSource>,
    /// `rule_cond_op: or`: one condition suffices (default: all must hold).
    pub any_condition: bool,
}

/// What a transformation does.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// `field_name_mapping`: rule field → event fields (several: the item holds on any).
    FieldNameMapping(BTreeMap<String, Vec<String>>),
    /// `add_condition`: items AND-ed with the rule's condition (event field names).
    AddCondition(Vec<DetectionItem>),
}

/// Whether `outer` covers `inner`: every field `outer` sets (`category`, `product`,
/// `service`) equals `inner`'s, ASCII case-insensitively. Routing asks whether the rule covers
/// a `logsources` entry; rule conditions and filters ask whether they cover the rule.
pub fn covers(outer: &LogSource, inner: &LogSource) -> bool {
    fn same(outer: &Option<String>, inner: &Option<String>) -> bool {
        match (outer, inner) {
            (None, _) => true,
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            (Some(_), None) => false,
        }
    }
    same(&outer.category, &inner.category)
        && same(&outer.product, &inner.product)
        && same(&outer.service, &inner.service)
}

/// The source types a rule with `logsource` is routed to by `pipelines` (sorted, no
/// duplicates; empty when no pipeline routes it).
pub fn route(logsource: &LogSource, pipelines: &[Pipeline]) -> Vec<SourceType> {
    let mut out: Vec<SourceType> = pipelines
        .iter()
        .flat_map(|pipeline| &pipeline.routes)
        .filter(|entry| covers(logsource, &entry.logsource))
        .flat_map(|entry| entry.source_types.iter().copied())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

impl Pipeline {
    /// Parses one pipeline from its YAML text.
    pub fn from_yaml(text: &str) -> Result<Pipeline, PipelineError> {
        parse::pipeline(text)
    }

    /// Whether this pipeline routes a rule with `logsource` to `source_type`.
    pub fn routes_to(&self, logsource: &LogSource, source_type: SourceType) -> bool {
        self.routes.iter().any(|entry| {
            entry.source_types.contains(&source_type) && covers(logsource, &entry.logsource)
        })
    }
}

impl Transformation {
    /// Whether this transformation applies to a rule with `logsource` (its pipeline routing
    /// the rule is checked by the caller).
    pub fn applies_to(&self, logsource: &LogSource) -> bool {
        if self.rule_conditions.is_empty() {
            return true;
        }
        let mut holding = self
            .rule_conditions
            .iter()
            .map(|condition| covers(condition, logsource));
        if self.any_condition {
            holding.any(|holds| holds)
        } else {
            holding.all(|holds| holds)
        }
    }
}

/// Sorts pipelines into application order: ascending priority, then name.
pub fn sort(pipelines: &mut [Pipeline]) {
    pipelines.sort_by(|a, b| a.priority.cmp(&b.priority).then(a.name.cmp(&b.name)));
}

/// The transformations that apply to a rule with `logsource` evaluated on `source_type`, in
/// order, as `(pipeline index, transformation index)` pairs. `pipelines` must be in
/// application order ([`sort`]).
pub fn plan(
    logsource: &LogSource,
    source_type: SourceType,
    pipelines: &[Pipeline],
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (p, pipeline) in pipelines.iter().enumerate() {
        if !pipeline.routes_to(logsource, source_type) {
            continue;
        }
        for (t, transformation) in pipeline.transformations.iter().enumerate() {
            if transformation.applies_to(logsource) {
                out.push((p, t));
            }
        }
    }
    out
}

/// The event field names `field` stands for after the field mappings of `plan`: itself when
/// none maps it, several when a mapping lists several (any of them may hold the value).
pub fn map_field(field: &str, plan: &[(usize, usize)], pipelines: &[Pipeline]) -> Vec<String> {
    let mut names = vec![field.to_owned()];
    for &(p, t) in plan {
        let Some(transformation) = pipelines
            .get(p)
            .and_then(|pipeline| pipeline.transformations.get(t))
        else {
            continue;
        };
        let Action::FieldNameMapping(mapping) = &transformation.action else {
            continue;
        };
        let mut next = Vec::with_capacity(names.len());
        for name in names {
            match mapping.get(&name) {
                Some(targets) => next.extend(targets.iter().cloned()),
                None => next.push(name),
            }
        }
        next.dedup();
        names = next;
    }
    names
}

/// The `add_condition` items of `plan`, in order.
pub fn added_conditions<'p>(
    plan: &[(usize, usize)],
    pipelines: &'p [Pipeline],
) -> Vec<&'p [DetectionItem]> {
    plan.iter()
        .filter_map(|&(p, t)| pipelines.get(p)?.transformations.get(t))
        .filter_map(|transformation| match &transformation.action {
            Action::AddCondition(items) => Some(items.as_slice()),
            Action::FieldNameMapping(_) => None,
        })
        .collect()
}

/// The pipelines Vigil ships, one file per source family under `pipelines/`.
pub const SHIPPED: [(&str, &str); 9] = [
    (
        "aws_cloudtrail.yml",
        include_str!("../pipelines/aws_cloudtrail.yml"),
    ),
    (
        "ibm_activity_tracker.yml",
        include_str!("../pipelines/ibm_activity_tracker.yml"),
    ),
    (
        "ibm_vpc_flow_logs.yml",
        include_str!("../pipelines/ibm_vpc_flow_logs.yml"),
    ),
    ("panos.yml", include_str!("../pipelines/panos.yml")),
    ("fortigate.yml", include_str!("../pipelines/fortigate.yml")),
    (
        "checkpoint.yml",
        include_str!("../pipelines/checkpoint.yml"),
    ),
    ("cis.yml", include_str!("../pipelines/cis.yml")),
    ("falco.yml", include_str!("../pipelines/falco.yml")),
    ("sysdig.yml", include_str!("../pipelines/sysdig.yml")),
];

/// The shipped pipelines, parsed and in application order. They are tested to parse, so an
/// error here means a broken build.
pub fn shipped() -> Result<Vec<Pipeline>, PipelineError> {
    let mut out = Vec::with_capacity(SHIPPED.len());
    for (file, text) in SHIPPED {
        let pipeline = Pipeline::from_yaml(text).map_err(|error| error.in_file(file))?;
        out.push(pipeline);
    }
    sort(&mut out);
    Ok(out)
}
