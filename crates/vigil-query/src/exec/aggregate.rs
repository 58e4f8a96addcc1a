//! `stats`, `timechart` and `top`: grouping rows and folding aggregates.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::Table;
use crate::ast::AggFunction;
use crate::record::{scalar_number, Record};
use crate::resolve::Access;

/// Group keys one row may produce (multi-valued group-by fields multiply); past this, the
/// row's further combinations are dropped so one odd row cannot exhaust memory.
const MAX_KEYS_PER_ROW: usize = 1024;

/// One aggregate to compute.
pub(crate) struct AggSpec {
    pub function: AggFunction,
    pub access: Option<Access>,
    pub alias: String,
}

/// The running state of one aggregate in one group.
enum Accumulator {
    Count(u64),
    Distinct(HashSet<String>),
    Sum {
        integer: i128,
        float: f64,
        integral: bool,
    },
    Avg {
        sum: f64,
        count: u64,
    },
    Extreme {
        best: Option<(f64, Value)>,
        keep: Ordering,
    },
}

impl Accumulator {
    fn new(function: AggFunction) -> Accumulator {
        match function {
            AggFunction::Count => Accumulator::Count(0),
            AggFunction::DistinctCount => Accumulator::Distinct(HashSet::new()),
            AggFunction::Sum => Accumulator::Sum {
                integer: 0,
                float: 0.0,
                integral: true,
            },
            AggFunction::Avg => Accumulator::Avg { sum: 0.0, count: 0 },
            AggFunction::Min => Accumulator::Extreme {
                best: None,
                keep: Ordering::Less,
            },
            AggFunction::Max => Accumulator::Extreme {
                best: None,
                keep: Ordering::Greater,
            },
        }
    }

    fn add<'r>(&mut self, spec: &AggSpec, record: Record<'r>, scratch: &mut Vec<&'r Value>) {
        scratch.clear();
        let Some(access) = &spec.access else {
            if let Accumulator::Count(count) = self {
                *count += 1;
            }
            return;
        };
        record.values(access, scratch);
        match self {
            Accumulator::Count(count) => *count += u64::from(!scratch.is_empty()),
            Accumulator::Distinct(seen) => {
                for value in scratch.iter() {
                    seen.insert(value.to_string());
                }
            }
            Accumulator::Sum {
                integer,
                float,
                integral,
            } => {
                for value in scratch.iter() {
                    match value.as_i64() {
                        Some(number) => *integer += i128::from(number),
                        None => {
                            if let Some(number) = scalar_number(value) {
                                *float += number;
                                *integral = false;
                            }
                        }
                    }
                }
            }
            Accumulator::Avg { sum, count } => {
                for number in scratch.iter().filter_map(|value| scalar_number(value)) {
                    *sum += number;
                    *count += 1;
                }
            }
            Accumulator::Extreme { best, keep } => {
                for value in scratch.iter() {
                    let Some(number) = scalar_number(value) else {
                        continue;
                    };
                    let better = best
                        .as_ref()
                        .is_none_or(|(current, _)| number.partial_cmp(current) == Some(*keep));
                    if better {
                        let shown = if value.is_number() {
                            (*value).clone()
                        } else {
                            float_value(number)
                        };
                        *best = Some((number, shown));
                    }
                }
            }
        }
    }

    fn finish(self) -> Value {
        match self {
            Accumulator::Count(count) => Value::from(count),
            Accumulator::Distinct(seen) => Value::from(seen.len()),
            Accumulator::Sum {
                integer,
                float,
                integral,
            } => match i64::try_from(integer) {
                Ok(integer) if integral => Value::from(integer),
                _ => float_value(integer as f64 + float),
            },
            Accumulator::Avg { sum, count } if count > 0 => float_value(sum / count as f64),
            Accumulator::Avg { .. } => Value::Null,
            Accumulator::Extreme { best, .. } => best.map_or(Value::Null, |(_, value)| value),
        }
    }
}

/// A float as JSON (`null` if it is not finite).
fn float_value(number: f64) -> Value {
    serde_json::Number::from_f64(number).map_or(Value::Null, Value::Number)
}

/// Groups and their accumulators, in first-seen order until sorted.
struct Groups<'s> {
    specs: &'s [AggSpec],
    index: HashMap<String, usize>,
    groups: Vec<(Vec<Value>, Vec<Accumulator>)>,
}

impl<'s> Groups<'s> {
    fn new(specs: &'s [AggSpec]) -> Groups<'s> {
        Groups {
            specs,
            index: HashMap::new(),
            groups: Vec::new(),
        }
    }

    fn group(&mut self, key: Vec<Value>) -> &mut Vec<Accumulator> {
        let text = Value::Array(key.clone()).to_string();
        let specs = self.specs;
        let groups = &mut self.groups;
        let at = *self.index.entry(text).or_insert_with(|| {
            groups.push((
                key,
                specs
                    .iter()
                    .map(|spec| Accumulator::new(spec.function))
                    .collect(),
            ));
            groups.len() - 1
        });
        &mut self.groups[at].1
    }

    fn add<'r>(&mut self, key: Vec<Value>, record: Record<'r>, scratch: &mut Vec<&'r Value>) {
        let specs = self.specs;
        for (accumulator, spec) in self.group(key).iter_mut().zip(specs) {
            accumulator.add(spec, record, scratch);
        }
    }

    /// Rows sorted by key: key values, then aggregates.
    fn into_rows(self) -> Vec<Vec<Value>> {
        let mut groups = self.groups;
        groups.sort_by(|(a, _), (b, _)| compare_rows(a, b));
        groups
            .into_iter()
            .map(|(mut key, accumulators)| {
                key.extend(accumulators.into_iter().map(Accumulator::finish));
                key
            })
            .collect()
    }
}

/// The distinct values of a field in one row, in the order found.
fn distinct_values(record: Record<'_>, access: &Access) -> Vec<Value> {
    let mut found = Vec::new();
    record.values(access, &mut found);
    let mut seen = HashSet::new();
    found
        .into_iter()
        .filter(|value| seen.insert(value.to_string()))
        .cloned()
        .collect()
}

/// Every combination of the row's values of `by` (none if a field is missing).
fn group_keys(record: Record<'_>, by: &[Access]) -> Vec<Vec<Value>> {
    let mut keys = vec![Vec::new()];
    for access in by {
        let values = distinct_values(record, access);
        let mut next = Vec::new();
        for key in &keys {
            for value in &values {
                if next.len() == MAX_KEYS_PER_ROW {
                    break;
                }
                let mut extended = key.clone();
                extended.push(value.clone());
                next.push(extended);
            }
        }
        keys = next;
    }
    keys
}

/// `stats`: one row per combination of `by` values (rows missing a `by` field are left out);
/// without `by`, exactly one row even over no input.
pub(crate) fn stats(records: &[Record<'_>], by: &[Access], specs: &[AggSpec]) -> Table {
    let mut groups = Groups::new(specs);
    if by.is_empty() {
        groups.group(Vec::new());
    }
    let mut scratch = Vec::new();
    for record in records {
        for key in group_keys(*record, by) {
            groups.add(key, *record, &mut scratch);
        }
    }
    let columns = by
        .iter()
        .map(|access| access.name.clone())
        .chain(specs.iter().map(|spec| spec.alias.clone()));
    Table {
        columns: columns.collect(),
        rows: groups.into_rows(),
    }
}

/// `timechart`: rows per time bucket (aligned to multiples of the span since the epoch) and
/// split value; empty buckets are left out, rows without a time too.
pub(crate) fn timechart(
    records: &[Record<'_>],
    time: &Access,
    span_ms: i64,
    by: Option<&Access>,
    specs: &[AggSpec],
) -> Table {
    let span_ms = span_ms.max(1);
    let mut groups = Groups::new(specs);
    let mut scratch = Vec::new();
    for record in records {
        let mut times = Vec::new();
        record.values(time, &mut times);
        let Some(time_ms) = times.iter().find_map(|value| scalar_number(value)) else {
            continue;
        };
        if !time_ms.is_finite() {
            continue;
        }
        let bucket = (time_ms as i64).div_euclid(span_ms).saturating_mul(span_ms);
        let splits = match by {
            Some(access) => group_keys(*record, std::slice::from_ref(access)),
            None => vec![Vec::new()],
        };
        for split in splits {
            let mut key = vec![Value::from(bucket)];
            key.extend(split);
            groups.add(key, *record, &mut scratch);
        }
    }
    let mut columns = vec![time.name.clone()];
    columns.extend(by.map(|access| access.name.clone()));
    columns.extend(specs.iter().map(|spec| spec.alias.clone()));
    Table {
        columns,
        rows: groups.into_rows(),
    }
}

/// `top`: the `limit` most frequent values (each row counts once per distinct value), with
/// their count and percent of the input rows that have the field (two decimals); ties in
/// value order.
pub(crate) fn top(records: &[Record<'_>], access: &Access, limit: usize) -> Table {
    let specs = [AggSpec {
        function: AggFunction::Count,
        access: None,
        alias: "count".into(),
    }];
    let counted = stats(records, std::slice::from_ref(access), &specs);
    let mut scratch = Vec::new();
    let with_field = records
        .iter()
        .filter(|record| {
            scratch.clear();
            record.values(access, &mut scratch);
            !scratch.is_empty()
        })
        .count();
    let total = with_field.max(1) as f64;
    let mut rows = counted.rows;
    rows.sort_by(|a, b| compare_values(&b[1], &a[1]).then_with(|| compare_values(&a[0], &b[0])));
    rows.truncate(limit);
    for row in &mut rows {
        let count = row[1].as_f64().unwrap_or(0.0);
        row.push(float_value((count * 100.0 / total * 100.0).round() / 100.0));
    }
    Table {
        columns: vec![access.name.clone(), "count".into(), "percent".into()],
        rows,
    }
}

/// Orders rows value by value.
pub(crate) fn compare_rows(a: &[Value], b: &[Value]) -> Ordering {
    for (a, b) in a.iter().zip(b) {
        let order = compare_values(a, b);
        if order != Ordering::Equal {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

/// A total order on JSON values: null < booleans < numbers < strings < arrays < objects;
/// numbers by value, strings by bytes.
pub(crate) fn compare_values(a: &Value, b: &Value) -> Ordering {
    fn rank(value: &Value) -> u8 {
        match value {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Number(_) => 2,
            Value::String(_) => 3,
            Value::Array(_) => 4,
            Value::Object(_) => 5,
        }
    }
    match (a, b) {
        (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
        (Value::Number(a), Value::Number(b)) => match (a.as_i64(), b.as_i64()) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => a
                .as_f64()
                .partial_cmp(&b.as_f64())
                .unwrap_or(Ordering::Equal),
        },
        (Value::String(a), Value::String(b)) => a.cmp(b),
        (Value::Array(a), Value::Array(b)) => compare_rows(a, b),
        (Value::Object(_), Value::Object(_)) => a.to_string().cmp(&b.to_string()),
        _ => rank(a).cmp(&rank(b)),
    }
}
