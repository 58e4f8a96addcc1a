//! [`RuleSet::build`]: documents and pipelines to a [`CompiledRuleSet`].

use std::collections::BTreeSet;

use vigil_model::SourceType;

use super::compile::{self, Context, Detection, Node, SharedTable};
use super::index::{SourceIndex, VariantEntry};
use super::require::{self, Requirement};
use super::scratch::Tables;
use super::{CompiledRuleSet, DocumentKind, Indexes, RuleError, RuleInfo, RuleSet, Variant};
use crate::ast;
use crate::pipeline::{self, Pipeline};

/// A variant with what indexing it needs.
struct Built {
    variant: Variant,
    source_types: Vec<SourceType>,
    shared: std::ops::Range<u32>,
    /// Its necessary requirements, then (after `require::select`) the chosen ones.
    requirements: Vec<Requirement>,
}

pub(super) fn build(set: RuleSet) -> (CompiledRuleSet, Vec<RuleError>) {
    let RuleSet {
        documents,
        mut pipelines,
        options,
    } = set;
    pipeline::sort(&mut pipelines);
    let mut errors = Vec::new();
    let mut rules = Vec::new();
    let mut filters = Vec::new();
    let mut correlations = Vec::new();
    for document in documents {
        match document {
            ast::Document::Rule(rule) => rules.push(rule),
            ast::Document::Filter(filter) => filters.push(filter),
            ast::Document::Correlation(correlation) => correlations.push(correlation),
        }
    }

    let filter_targets = filter_targets(&rules, &filters, &pipelines, &options, &mut errors);
    let mut filter_failed: Vec<bool> = filter_targets.iter().map(Option::is_none).collect();

    let mut shared = SharedTable::default();
    let mut infos = Vec::new();
    let mut built: Vec<Built> = Vec::new();
    for (rule_at, rule) in rules.iter().enumerate() {
        let routes = pipeline::route(&rule.logsource, &pipelines);
        let applied: Vec<usize> = filter_targets
            .iter()
            .enumerate()
            .filter(|(_, targets)| targets.as_ref().is_some_and(|t| t.contains(&rule_at)))
            .map(|(f, _)| f)
            .collect();
        let rule_index = infos.len();
        let shared_mark = shared.items.len();
        let result = rule_variants(rule, rule_index, &routes, &pipelines, &options, &mut shared)
            .map(|variants| {
                let mut out = Vec::with_capacity(variants.len());
                for (plan, source_types, start, mut variant) in variants {
                    let ctx = Context {
                        pipelines: &pipelines,
                        plan: &plan,
                        options: &options.compile,
                    };
                    for &f in &applied {
                        if filter_failed[f] {
                            continue;
                        }
                        match compile::detection(&filters[f].detection, &ctx, &mut shared) {
                            Ok(detection) => variant.filters.push(detection),
                            Err(reason) => {
                                filter_failed[f] = true;
                                errors.push(error(DocumentKind::Filter, &filters[f].meta, reason));
                            }
                        }
                    }
                    let end = u32::try_from(shared.items.len()).unwrap_or(u32::MAX);
                    let requirements =
                        require::necessary(&variant.added, &variant.detection, &shared);
                    out.push(Built {
                        variant,
                        source_types,
                        shared: start..end,
                        requirements,
                    });
                }
                out
            });
        match result {
            Ok(variants) => {
                if variants.iter().all(|v| v.source_types.is_empty()) {
                    // Compiled only to report its errors: it runs nowhere.
                    shared.items.truncate(shared_mark);
                } else {
                    built.extend(variants);
                }
                infos.push(RuleInfo {
                    meta: rule.meta.clone(),
                    logsource: rule.logsource.clone(),
                    source_types: routes,
                    filters: applied
                        .iter()
                        .filter(|&&f| !filter_failed[f])
                        .map(|&f| reference(&filters[f].meta))
                        .collect(),
                });
            }
            Err(reason) => {
                shared.items.truncate(shared_mark);
                errors.push(error(DocumentKind::Rule, &rule.meta, reason));
            }
        }
    }
    let (variants, tables, indexes) = assemble(built, &shared);
    let compiled = CompiledRuleSet {
        rules: infos,
        variants,
        tables,
        indexes,
        correlations,
        pipelines,
        options,
    };
    (compiled, errors)
}

/// The compiled variants of one rule: `(plan, source types, first shared id, variant)`. A rule
/// routed nowhere is still compiled once without a plan, so its errors are reported; the
/// variant then has no source type.
type Variants = Vec<(Plan, Vec<SourceType>, u32, Variant)>;

/// The transformations that apply, as `(pipeline, transformation)` indexes.
type Plan = Vec<(usize, usize)>;

fn rule_variants(
    rule: &ast::Rule,
    rule_index: usize,
    routes: &[SourceType],
    pipelines: &[Pipeline],
    options: &super::EngineOptions,
    shared: &mut SharedTable,
) -> Result<Variants, String> {
    let mut plans: Vec<(Plan, Vec<SourceType>)> = Vec::new();
    for source_type in SourceType::ALL {
        let routed = routes.contains(&source_type);
        if !routed && !options.ignore_logsource {
            continue;
        }
        let plan = if routed {
            pipeline::plan(&rule.logsource, source_type, pipelines)
        } else {
            Vec::new()
        };
        match plans.iter_mut().find(|(p, _)| *p == plan) {
            Some((_, types)) => types.push(source_type),
            None => plans.push((plan, vec![source_type])),
        }
    }
    if plans.is_empty() {
        plans.push((Vec::new(), Vec::new()));
    }
    let mut out = Vec::with_capacity(plans.len());
    for (plan, source_types) in plans {
        let start = u32::try_from(shared.items.len()).unwrap_or(u32::MAX);
        let ctx = Context {
            pipelines,
            plan: &plan,
            options: &options.compile,
        };
        let added = compile::added_items(&ctx, shared)?;
        let detection = compile::detection(&rule.detection, &ctx, shared)?;
        let referenced = referenced(&detection);
        let variant = Variant {
            rule: rule_index,
            added,
            detection,
            filters: Vec::new(),
            referenced,
        };
        out.push((plan, source_types, start, variant));
    }
    Ok(out)
}

/// Which rules each filter applies to (`None`: the filter is unusable, reported).
fn filter_targets(
    rules: &[ast::Rule],
    filters: &[ast::Filter],
    pipelines: &[Pipeline],
    options: &super::EngineOptions,
    errors: &mut Vec<RuleError>,
) -> Vec<Option<BTreeSet<usize>>> {
    let mut out = Vec::with_capacity(filters.len());
    for filter in filters {
        // Validate once without a plan, so a broken filter is reported even if it names no
        // rule that compiles.
        let ctx = Context {
            pipelines,
            plan: &[],
            options: &options.compile,
        };
        if let Err(reason) =
            compile::detection(&filter.detection, &ctx, &mut SharedTable::default())
        {
            errors.push(error(DocumentKind::Filter, &filter.meta, reason));
            out.push(None);
            continue;
        }
        let mut targets = BTreeSet::new();
        match &filter.target {
            ast::FilterTarget::Any => {
                for (at, rule) in rules.iter().enumerate() {
                    if pipeline::covers(&filter.logsource, &rule.logsource) {
                        targets.insert(at);
                    }
                }
            }
            ast::FilterTarget::Rules(references) => {
                for reference in references {
                    let by_id = rules
                        .iter()
                        .position(|r| r.meta.id.as_deref() == Some(reference.as_str()));
                    let found = by_id.or_else(|| {
                        rules
                            .iter()
                            .position(|r| r.meta.name.as_deref() == Some(reference.as_str()))
                    });
                    match found {
                        // As in pySigma, a filter applies only where its logsource covers
                        // the rule's; unlike pySigma, naming a rule it cannot cover is
                        // reported rather than silently ignored.
                        Some(at) if !pipeline::covers(&filter.logsource, &rules[at].logsource) => {
                            errors.push(error(
                                DocumentKind::Filter,
                                &filter.meta,
                                format!(
                                    "`rules` names `{reference}`, whose logsource the filter's does not cover"
                                ),
                            ))
                        }
                        Some(at) => {
                            targets.insert(at);
                        }
                        None => errors.push(error(
                            DocumentKind::Filter,
                            &filter.meta,
                            format!("`rules` names `{reference}`, which is no rule of the set"),
                        )),
                    }
                }
            }
        }
        out.push(Some(targets));
    }
    out
}

/// The indexes of the searches a detection's condition references.
fn referenced(detection: &Detection) -> Vec<bool> {
    fn walk(node: &Node, out: &mut [bool]) {
        match node {
            Node::Search(index) => {
                if let Some(slot) = out.get_mut(*index) {
                    *slot = true;
                }
            }
            Node::Not(inner) => walk(inner, out),
            Node::And(children) | Node::Or(children) => {
                for child in children {
                    walk(child, out);
                }
            }
        }
    }
    let mut out = vec![false; detection.searches.len()];
    walk(&detection.tree, &mut out);
    out
}

/// The rule-set-wide tables and the per-source indexes.
fn assemble(mut built: Vec<Built>, shared: &SharedTable) -> (Vec<Variant>, Tables, Indexes) {
    let candidates: Vec<Vec<Requirement>> = built
        .iter_mut()
        .map(|entry| std::mem::take(&mut entry.requirements))
        .collect();
    for (entry, chosen) in built.iter_mut().zip(require::select(&candidates, shared)) {
        entry.requirements = chosen;
    }
    let mut tables = Tables::default();
    for (id, item) in shared.items.iter().enumerate() {
        let first = u32::try_from(tables.slot_item.len()).unwrap_or(u32::MAX);
        tables.item_first_slot.push(first);
        tables
            .item_groups
            .push(u16::try_from(item.groups.len()).unwrap_or(u16::MAX));
        for _ in &item.groups {
            tables.slot_item.push(u32::try_from(id).unwrap_or(u32::MAX));
        }
    }
    tables.item_requirements = vec![Vec::new(); shared.items.len()];
    let mut requirement_ids: Vec<Vec<u32>> = Vec::with_capacity(built.len());
    for (variant_id, entry) in built.iter().enumerate() {
        let mut ids = Vec::with_capacity(entry.requirements.len());
        for requirement in &entry.requirements {
            let id = u32::try_from(tables.requirement_variant.len()).unwrap_or(u32::MAX);
            tables
                .requirement_variant
                .push(u32::try_from(variant_id).unwrap_or(u32::MAX));
            for atom in requirement {
                if let require::Atom::Item(item) = atom {
                    if let Some(list) = tables.item_requirements.get_mut(*item as usize) {
                        list.push(id);
                    }
                }
            }
            ids.push(id);
        }
        tables
            .variant_requirements
            .push(u16::try_from(ids.len()).unwrap_or(u16::MAX));
        requirement_ids.push(ids);
    }
    // Source types evaluating the same variants share one index (with `ignore_logsource`,
    // every source no pipeline routes to).
    let mut indexes: Vec<SourceIndex> = Vec::new();
    let mut index_of = Vec::with_capacity(SourceType::ALL.len());
    let mut built_for: Vec<Vec<u32>> = Vec::new();
    for source_type in SourceType::ALL {
        let ids: Vec<u32> = built
            .iter()
            .enumerate()
            .filter(|(_, entry)| entry.source_types.contains(&source_type))
            .map(|(id, _)| u32::try_from(id).unwrap_or(u32::MAX))
            .collect();
        if let Some(existing) = built_for.iter().position(|other| *other == ids) {
            index_of.push(existing);
            continue;
        }
        let entries: Vec<VariantEntry<'_>> = built
            .iter()
            .enumerate()
            .filter(|(_, entry)| entry.source_types.contains(&source_type))
            .map(|(id, entry)| VariantEntry {
                id: u32::try_from(id).unwrap_or(u32::MAX),
                shared: entry.shared.clone(),
                requirements: requirement_ids
                    .get(id)
                    .map(|ids| {
                        ids.iter()
                            .copied()
                            .zip(entry.requirements.iter().map(Vec::as_slice))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect();
        let index = SourceIndex::build(&entries, shared, &tables);
        tables.max_probes = tables.max_probes.max(index.probe_count());
        index_of.push(indexes.len());
        indexes.push(index);
        built_for.push(ids);
    }
    let variants = built.into_iter().map(|entry| entry.variant).collect();
    (variants, tables, Indexes { indexes, index_of })
}

fn reference(meta: &ast::Meta) -> String {
    meta.id.clone().unwrap_or_else(|| meta.title.clone())
}

fn error(kind: DocumentKind, meta: &ast::Meta, reason: String) -> RuleError {
    RuleError {
        kind,
        id: meta.id.clone(),
        title: meta.title.clone(),
        reason,
    }
}
