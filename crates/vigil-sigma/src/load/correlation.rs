//! Correlation documents (`correlation:`) and filter documents (`filter:`).

use std::collections::BTreeMap;

use super::rule::{detection_skipping, logsource, meta, optional_text};
use super::yaml::{Body, Node};
use super::{reason, Reject};
use crate::ast::{CmpOp, Correlation, CorrelationCondition, CorrelationType, Filter, FilterTarget};

/// Builds a correlation rule from a document root holding `correlation:`.
pub(super) fn correlation(root: &Node) -> Result<Correlation, Reject> {
    let meta = meta(root)?;
    let Some(section) = root.get("correlation") else {
        return Err(invalid("document has no `correlation`"));
    };
    let Body::Map(_) = section.body else {
        return Err(invalid("`correlation` must be a mapping"));
    };
    let kind = kind(section)?;
    let rules = rules(section)?;
    let group_by = match section.get("group-by") {
        None => Vec::new(),
        Some(node) if node.is_null() => Vec::new(),
        Some(node) => strings(node, "correlation.group-by")?,
    };
    let Some(timespan) = section.get("timespan") else {
        return Err(Reject::new(
            reason::INVALID_TIMESPAN,
            "`correlation.timespan` is missing",
        ));
    };
    let timespan_ms = timespan_ms(timespan)?;
    let condition = condition(section, kind, &rules)?;
    let aliases = aliases(section)?;
    let generate = generate(root, section)?;
    Ok(Correlation {
        meta,
        kind,
        rules,
        group_by,
        timespan_ms,
        condition,
        aliases,
        generate,
    })
}

/// Builds a filter from a document root holding `filter:`.
pub(super) fn filter(root: &Node) -> Result<Filter, Reject> {
    let meta = meta(root)?;
    let logsource = logsource(root)?;
    let Some(section) = root.get("filter") else {
        return Err(invalid_filter("document has no `filter`"));
    };
    let Body::Map(_) = section.body else {
        return Err(invalid_filter("`filter` must be a mapping"));
    };
    let target = match section.get("rules") {
        None => {
            return Err(invalid_filter(
                "`filter.rules` is missing (use `any` for all rules)",
            ))
        }
        Some(node) => match &node.body {
            Body::Scalar(scalar) if scalar.text.eq_ignore_ascii_case("any") => FilterTarget::Any,
            // pySigma reads `all` as `any`.
            Body::Scalar(scalar) if scalar.text.eq_ignore_ascii_case("all") => FilterTarget::Any,
            _ => {
                let rules = strings(node, "filter.rules").map_err(|_| {
                    invalid_filter(
                        "`filter.rules` must be `any`, a rule id or name, or a list of them",
                    )
                })?;
                if rules.is_empty() {
                    // pySigma reads an empty list as `any`; widening a filter to every rule by
                    // accident is worse than asking for `any`.
                    return Err(invalid_filter(
                        "`filter.rules` is empty (use `any` for all rules)",
                    ));
                }
                FilterTarget::Rules(rules)
            }
        },
    };
    if section
        .get("condition")
        .is_some_and(|node| node.scalar().is_none())
    {
        return Err(invalid_filter("`filter.condition` must be one string"));
    }
    let detection = detection_skipping(section, "filter", &["rules"])?;
    if detection.timeframe.is_some() {
        return Err(invalid_filter("`filter.timeframe` is not allowed"));
    }
    Ok(Filter {
        meta,
        logsource,
        target,
        detection,
    })
}

fn invalid(detail: impl Into<String>) -> Reject {
    Reject::new(reason::INVALID_CORRELATION, detail)
}

fn invalid_filter(detail: impl Into<String>) -> Reject {
    Reject::new(reason::INVALID_FILTER, detail)
}

fn kind(section: &Node) -> Result<CorrelationType, Reject> {
    let Some(text) = optional_text(section, "type")
        .map_err(|_| invalid("`correlation.type` must be a string"))?
    else {
        return Err(invalid("`correlation.type` is missing"));
    };
    Ok(match text.as_str() {
        "event_count" => CorrelationType::EventCount,
        "value_count" => CorrelationType::ValueCount,
        "temporal" => CorrelationType::Temporal,
        "temporal_ordered" => CorrelationType::TemporalOrdered,
        "value_sum" => CorrelationType::ValueSum,
        "value_avg" => CorrelationType::ValueAvg,
        "value_percentile" => CorrelationType::ValuePercentile,
        other => {
            return Err(invalid(format!(
                "unsupported correlation type `{other}` (supported: event_count, value_count, \
                 temporal, temporal_ordered, value_sum, value_avg, value_percentile)"
            )))
        }
    })
}

fn rules(section: &Node) -> Result<Vec<String>, Reject> {
    let Some(node) = section.get("rules") else {
        return Err(invalid("`correlation.rules` is missing"));
    };
    let rules = strings(node, "correlation.rules")?;
    if rules.is_empty() {
        return Err(invalid("`correlation.rules` is empty"));
    }
    Ok(rules)
}

/// A string or a list of strings.
fn strings(node: &Node, key: &str) -> Result<Vec<String>, Reject> {
    let not_strings = || invalid(format!("`{key}` must be a string or a list of strings"));
    match &node.body {
        Body::Scalar(scalar) if !node.is_null() => Ok(vec![scalar.text.clone()]),
        Body::Seq(items) => items
            .iter()
            .map(|item| {
                item.scalar()
                    .filter(|_| !item.is_null())
                    .map(|scalar| scalar.text.clone())
                    .ok_or_else(not_strings)
            })
            .collect(),
        _ => Err(not_strings()),
    }
}

/// `<count><unit>`: `s`, `m`, `h`, `d` (spec), `w`, `M` (2,629,746 s) and `y` (31,556,952 s),
/// the average Gregorian month and year pySigma uses.
pub(super) fn timespan_ms(node: &Node) -> Result<i64, Reject> {
    let text = node
        .scalar()
        .map(|scalar| scalar.text.as_str())
        .unwrap_or_default();
    let bad = || {
        Reject::new(
            reason::INVALID_TIMESPAN,
            format!(
                "`correlation.timespan` must be a positive count and a unit s, m, h, d, w, M \
                 or y, not `{text}`"
            ),
        )
    };
    let Some(unit) = text.chars().last() else {
        return Err(bad());
    };
    let count_text = &text[..text.len() - unit.len_utf8()];
    if count_text.is_empty() || !count_text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(bad());
    }
    let seconds: i64 = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        'w' => 604_800,
        'M' => 2_629_746,
        'y' => 31_556_952,
        _ => return Err(bad()),
    };
    let count: i64 = count_text.parse().map_err(|_| bad())?;
    if count == 0 {
        return Err(bad());
    }
    count
        .checked_mul(seconds)
        .and_then(|total| total.checked_mul(1_000))
        .ok_or_else(bad)
}

fn condition(
    section: &Node,
    kind: CorrelationType,
    rules: &[String],
) -> Result<Option<CorrelationCondition>, Reject> {
    let temporal = matches!(
        kind,
        CorrelationType::Temporal | CorrelationType::TemporalOrdered
    );
    let node = match section.get("condition") {
        Some(node) if !node.is_null() => node,
        _ if temporal => return Ok(None),
        _ => return Err(invalid("`correlation.condition` is missing")),
    };
    let entries = match &node.body {
        Body::Map(entries) => entries,
        Body::Scalar(scalar) if temporal => {
            return temporal_expression(&scalar.text, rules).map(|()| None);
        }
        _ => return Err(invalid("`correlation.condition` must be a mapping")),
    };
    let mut condition = CorrelationCondition::default();
    for (key, value) in entries {
        let op = match key.as_str() {
            "gt" => CmpOp::Gt,
            "gte" => CmpOp::Gte,
            "lt" => CmpOp::Lt,
            "lte" => CmpOp::Lte,
            "eq" => CmpOp::Eq,
            "neq" => CmpOp::Neq,
            "field" => {
                condition.field = strings(value, "correlation.condition.field")?;
                continue;
            }
            "percentile" => {
                let percentile = number(value, "correlation.condition.percentile")?;
                if !(0.0..=100.0).contains(&percentile) {
                    return Err(invalid(
                        "`correlation.condition.percentile` must be within 0 and 100",
                    ));
                }
                condition.percentile = Some(percentile);
                continue;
            }
            other => {
                return Err(invalid(format!(
                    "`correlation.condition` has an unknown key `{other}`"
                )))
            }
        };
        condition
            .ops
            .push((op, number(value, &format!("correlation.condition.{key}"))?));
    }
    if condition.ops.is_empty() {
        return Err(invalid(
            "`correlation.condition` has no gt, gte, lt, lte, eq or neq",
        ));
    }
    let needs_field = matches!(
        kind,
        CorrelationType::ValueCount
            | CorrelationType::ValueSum
            | CorrelationType::ValueAvg
            | CorrelationType::ValuePercentile
    );
    if needs_field && condition.field.is_empty() {
        return Err(invalid(
            "`correlation.condition.field` is required for value_* correlations",
        ));
    }
    Ok(Some(condition))
}

/// A number written as YAML would type it (`100`, `0.5`, `1e3`, `0x10`), finite.
fn number(node: &Node, key: &str) -> Result<f64, Reject> {
    let not_a_number = || invalid(format!("`{key}` must be a number"));
    let scalar = node
        .scalar()
        .filter(|scalar| scalar.plain)
        .ok_or_else(not_a_number)?;
    let text = scalar.text.as_str();
    let unsigned = text.strip_prefix('+').unwrap_or(text);
    let parsed = if let Some(hex) = unsigned.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok().map(|value| value as f64)
    } else if let Some(octal) = unsigned.strip_prefix("0o") {
        i64::from_str_radix(octal, 8).ok().map(|value| value as f64)
    } else if unsigned.bytes().any(|byte| byte.is_ascii_digit()) {
        unsigned.parse::<f64>().ok()
    } else {
        None
    };
    parsed
        .filter(|value| value.is_finite())
        .ok_or_else(not_a_number)
}

/// A string condition on a temporal correlation (pySigma's extended conditions, the
/// spec's `tests/schema/correlation/temporal_condition.yml`). The AST has no place for a
/// boolean expression, so only the one that means the same as no condition is accepted: a
/// conjunction naming each referenced rule (`a and b and c`; the spec's sample writes
/// `AND`, so the operator is case-insensitive here).
fn temporal_expression(text: &str, rules: &[String]) -> Result<(), Reject> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let operands: Vec<&str> = words.iter().step_by(2).copied().collect();
    let operators_ok = words
        .iter()
        .skip(1)
        .step_by(2)
        .all(|word| word.eq_ignore_ascii_case("and"));
    let mut named: Vec<&str> = operands.clone();
    named.sort_unstable();
    named.dedup();
    let mut expected: Vec<&str> = rules.iter().map(String::as_str).collect();
    expected.sort_unstable();
    expected.dedup();
    if words.len() % 2 == 1 && operators_ok && named.len() == operands.len() && named == expected {
        return Ok(());
    }
    Err(invalid(format!(
        "temporal condition `{text}`: only a conjunction of all `rules` (`a and b …`) is \
         supported, other boolean rule expressions are not"
    )))
}

fn aliases(section: &Node) -> Result<BTreeMap<String, BTreeMap<String, String>>, Reject> {
    let mut aliases = BTreeMap::new();
    let Some(node) = section.get("aliases") else {
        return Ok(aliases);
    };
    if node.is_null() {
        return Ok(aliases);
    }
    let not_a_map =
        || invalid("`correlation.aliases` must map each alias to a mapping of rule to field");
    let Body::Map(entries) = &node.body else {
        return Err(not_a_map());
    };
    for (alias, mapping) in entries {
        let Body::Map(fields) = &mapping.body else {
            return Err(not_a_map());
        };
        let mut by_rule = BTreeMap::new();
        for (rule, field) in fields {
            let field = field
                .scalar()
                .filter(|_| !field.is_null())
                .ok_or_else(not_a_map)?;
            by_rule.insert(rule.clone(), field.text.clone());
        }
        aliases.insert(alias.clone(), by_rule);
    }
    Ok(aliases)
}

/// `generate`: under `correlation` (pySigma) or at the top level (the spec lists it next to
/// `level`); both places must agree.
fn generate(root: &Node, section: &Node) -> Result<bool, Reject> {
    let read = |node: Option<&Node>, key: &str| -> Result<Option<bool>, Reject> {
        let Some(node) = node else {
            return Ok(None);
        };
        let scalar = node.scalar().filter(|scalar| scalar.plain);
        match scalar.map(|scalar| scalar.text.as_str()) {
            Some("true" | "True" | "TRUE") => Ok(Some(true)),
            Some("false" | "False" | "FALSE") => Ok(Some(false)),
            _ => Err(invalid(format!("`{key}` must be true or false"))),
        }
    };
    let inner = read(section.get("generate"), "correlation.generate")?;
    let outer = read(root.get("generate"), "generate")?;
    match (inner, outer) {
        (Some(a), Some(b)) if a != b => {
            Err(invalid("`generate` and `correlation.generate` disagree"))
        }
        (Some(value), _) | (None, Some(value)) => Ok(value),
        (None, None) => Ok(false),
    }
}
