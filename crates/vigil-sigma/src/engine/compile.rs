//! One rule (and the filters on it) compiled for one transformation plan: detection items
//! renamed by the pipeline's field mappings and compiled to matchers, the condition resolved
//! to a tree over search indexes, and literal-string items registered for the shared index.

use crate::ast::{self, DetectionItem, Value};
use crate::condition::{self, Cond};
use crate::modifier::{self, CompileOptions, ItemMatcher, StringPattern, StringPatternKind};
use crate::pipeline::{self, Pipeline};

/// A literal-string item whose truth the per-source index computes once per event for every
/// rule (see `index.rs`).
#[derive(Debug)]
pub(super) struct SharedItem {
    /// The event field, or `None` for keyword search.
    pub field: Option<String>,
    /// AND of groups, each an OR of patterns (`modifier::StringPatterns`).
    pub groups: Vec<Vec<StringPattern>>,
    /// Whether every pattern is an exact test (answered by one hash lookup).
    pub exact_only: bool,
}

/// Every shared item of a compiled rule set, by id.
#[derive(Debug, Default)]
pub(super) struct SharedTable {
    pub items: Vec<SharedItem>,
}

impl SharedTable {
    fn register(&mut self, matcher: &ItemMatcher) -> Option<u32> {
        let patterns = matcher.string_patterns()?;
        if patterns.groups.is_empty() || patterns.groups.iter().any(Vec::is_empty) {
            // An empty OR can never hold; let the matcher say so.
            return None;
        }
        let id = u32::try_from(self.items.len()).ok()?;
        let exact_only = patterns
            .groups
            .iter()
            .flatten()
            .all(|p| p.kind == StringPatternKind::Exact);
        self.items.push(SharedItem {
            field: patterns.field.map(str::to_owned),
            groups: patterns.groups,
            exact_only,
        });
        Some(id)
    }
}

/// One compiled alternative of an item: the matcher, and its shared id when the index answers
/// for it.
#[derive(Debug)]
pub(super) struct Leaf {
    pub matcher: ItemMatcher,
    pub shared: Option<u32>,
}

/// A detection item: true when any alternative is (a field mapped to several event fields
/// gives several).
#[derive(Debug)]
pub(super) struct Item {
    pub alternatives: Vec<Leaf>,
    /// The item can only hold when one of its fields is present (no `null`, `exists`, `neq`).
    pub needs_presence: bool,
}

/// A search identifier: OR of AND-groups.
#[derive(Debug)]
pub(super) struct Search {
    pub name: String,
    pub groups: Vec<Vec<Item>>,
}

/// A resolved condition over search indexes.
#[derive(Debug)]
pub(super) enum Node {
    Search(usize),
    Not(Box<Node>),
    And(Vec<Node>),
    Or(Vec<Node>),
}

/// Searches and the condition over them.
#[derive(Debug)]
pub(super) struct Detection {
    pub searches: Vec<Search>,
    pub tree: Node,
}

/// What compiling needs besides the document.
pub(super) struct Context<'a> {
    pub pipelines: &'a [Pipeline],
    pub plan: &'a [(usize, usize)],
    pub options: &'a CompileOptions,
}

/// Compiles a detection (a rule's or a filter's) under `ctx`'s plan.
pub(super) fn detection(
    detection: &ast::Detection,
    ctx: &Context<'_>,
    shared: &mut SharedTable,
) -> Result<Detection, String> {
    if let Some(timeframe) = &detection.timeframe {
        return Err(format!(
            "`timeframe: {timeframe}` belongs to the obsolete v1 aggregations; write a \
             correlation rule instead"
        ));
    }
    let mut conditions = Vec::with_capacity(detection.conditions.len());
    for text in &detection.conditions {
        let parsed = condition::parse(text).map_err(|e| format!("condition `{text}`: {e}"))?;
        conditions.push(parsed);
    }
    let condition = match conditions.len() {
        0 => return Err("the detection has no `condition`".to_owned()),
        1 => conditions.swap_remove(0),
        _ => Cond::Or(conditions),
    };
    let names: Vec<&str> = detection.searches.iter().map(|(n, _)| n.as_str()).collect();
    let resolved = condition::resolve(&condition, &names).map_err(|e| e.to_string())?;
    let tree = node(&resolved, &names)?;
    let mut searches = Vec::with_capacity(detection.searches.len());
    for (name, search) in &detection.searches {
        let mut groups = Vec::with_capacity(search.any_of.len());
        for group in &search.any_of {
            let mut items = Vec::with_capacity(group.len());
            for raw in group {
                let compiled =
                    item(raw, ctx, shared).map_err(|e| format!("search `{name}`: {e}"))?;
                items.push(compiled);
            }
            groups.push(items);
        }
        searches.push(Search {
            name: name.clone(),
            groups,
        });
    }
    Ok(Detection { searches, tree })
}

fn node(cond: &Cond, names: &[&str]) -> Result<Node, String> {
    Ok(match cond {
        Cond::Ident(name) => match names.iter().position(|n| n == name) {
            Some(index) => Node::Search(index),
            None => return Err(format!("condition references unknown search `{name}`")),
        },
        Cond::Not(inner) => Node::Not(Box::new(node(inner, names)?)),
        Cond::And(items) => Node::And(
            items
                .iter()
                .map(|c| node(c, names))
                .collect::<Result<_, _>>()?,
        ),
        Cond::Or(items) => Node::Or(
            items
                .iter()
                .map(|c| node(c, names))
                .collect::<Result<_, _>>()?,
        ),
        Cond::Of { .. } => return Err("unresolved `of` selector in the condition".to_owned()),
    })
}

/// Compiles one detection item with the plan's field mappings applied: one alternative per
/// event field the rule field maps to.
pub(super) fn item(
    raw: &DetectionItem,
    ctx: &Context<'_>,
    shared: &mut SharedTable,
) -> Result<Item, String> {
    let fields = match &raw.field {
        Some(field) => pipeline::map_field(field, ctx.plan, ctx.pipelines)
            .into_iter()
            .map(Some)
            .collect(),
        None => vec![None],
    };
    let values = mapped_fieldref_values(raw, ctx)?;
    let mut alternatives = Vec::with_capacity(fields.len());
    for field in fields {
        let renamed = DetectionItem {
            field: field.clone(),
            modifiers: raw.modifiers.clone(),
            values: values.clone(),
        };
        let matcher = modifier::compile_item(&renamed, ctx.options)
            .map_err(|e| format!("`{}`: {e}", describe(raw)))?;
        let shared_id = shared.register(&matcher);
        alternatives.push(Leaf {
            matcher,
            shared: shared_id,
        });
    }
    Ok(Item {
        alternatives,
        needs_presence: needs_presence(raw),
    })
}

/// `fieldref` values name fields, so the field mappings apply to them too.
fn mapped_fieldref_values(raw: &DetectionItem, ctx: &Context<'_>) -> Result<Vec<Value>, String> {
    if !raw.modifiers.iter().any(|m| m == "fieldref") {
        return Ok(raw.values.clone());
    }
    let mut out = Vec::with_capacity(raw.values.len());
    for value in &raw.values {
        let Value::Str(name) = value else {
            out.push(value.clone());
            continue;
        };
        let mut mapped = pipeline::map_field(name, ctx.plan, ctx.pipelines);
        if mapped.len() != 1 {
            return Err(format!(
                "`{}`: `fieldref` to `{name}`, which the pipeline maps to several fields",
                describe(raw)
            ));
        }
        out.push(Value::Str(mapped.swap_remove(0)));
    }
    Ok(out)
}

/// Whether the item can only hold on an event that has one of its fields. `null` values,
/// `exists` and `neq` can hold on an absent field; keyword items have no field.
fn needs_presence(raw: &DetectionItem) -> bool {
    raw.field.is_some()
        && !raw.values.is_empty()
        && !raw.values.iter().any(|v| matches!(v, Value::Null))
        && !raw
            .modifiers
            .iter()
            .any(|m| matches!(m.as_str(), "exists" | "neq"))
}

/// `field|mod1|mod2` as written, for messages.
fn describe(raw: &DetectionItem) -> String {
    let mut out = raw.field.clone().unwrap_or_else(|| "keywords".to_owned());
    for modifier in &raw.modifiers {
        out.push('|');
        out.push_str(modifier);
    }
    out
}

/// The `add_condition` items of a plan, compiled (their fields are event fields).
pub(super) fn added_items(
    ctx: &Context<'_>,
    shared: &mut SharedTable,
) -> Result<Vec<Item>, String> {
    let mut out = Vec::new();
    for items in pipeline::added_conditions(ctx.plan, ctx.pipelines) {
        for raw in items {
            let matcher = modifier::compile_item(raw, ctx.options)
                .map_err(|e| format!("pipeline condition `{}`: {e}", describe(raw)))?;
            let shared_id = shared.register(&matcher);
            out.push(Item {
                alternatives: vec![Leaf {
                    matcher,
                    shared: shared_id,
                }],
                needs_presence: needs_presence(raw),
            });
        }
    }
    Ok(out)
}
