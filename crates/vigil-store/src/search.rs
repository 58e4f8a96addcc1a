//! Search: the filter compiled per partition, only partitions overlapping the time range,
//! then the newest events or an aggregation, then row pipes.

use std::cmp::Reverse;
use std::ops::Bound as StdBound;
use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, RangeQuery};
use tantivy::schema::TantivyDocument;
use tantivy::{DocAddress, Order, Searcher, Term};
use vigil_query::ast::{AggFunction, Aggregation, FieldRef, Pipe, Query as SearchQuery};
use vigil_query::fields::FieldKind;

use crate::agg::{
    Acc, AggKind, AggPlan, AggSpec, GroupCollector, GroupValue, Groups, KeyKind, KeySpec,
};
use crate::compile::Compiler;
use crate::error::StoreError;
use crate::partition::Partition;
use crate::pipes::{self, Rows};
use crate::schema::{from_index_ip, StoreSchema};
use crate::store::EventStore;

/// A search: a parsed query over `[from_ms, to_ms)`.
#[derive(Clone, Debug)]
pub struct SearchRequest {
    /// The query (filter and pipes).
    pub query: SearchQuery,
    /// Start of the time range (inclusive, ms since the epoch).
    pub from_ms: i64,
    /// End of the time range (exclusive).
    pub to_ms: i64,
    /// Events returned when the query does not aggregate (newest first).
    pub limit: usize,
}

/// One event found.
#[derive(Clone, Debug, PartialEq)]
pub struct EventHit {
    /// Event time (ms).
    pub time_ms: i64,
    /// Rules that matched it at ingest, sorted.
    pub rule_ids: Vec<String>,
    /// The event JSON as stored.
    pub event: Value,
}

/// A result table (aggregations, `table`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows, one value per column.
    pub rows: Vec<Vec<Value>>,
}

/// What a search gives.
#[derive(Clone, Debug, PartialEq)]
pub enum SearchResult {
    /// Events, newest first (unless a pipe reordered them).
    Events {
        /// Events matching the filter in the range (before row pipes).
        total: u64,
        /// The returned events.
        events: Vec<EventHit>,
    },
    /// A table.
    Table(Table),
}

/// A search's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchResponse {
    /// The result.
    pub result: SearchResult,
    /// Time spent, in milliseconds.
    pub took_ms: u64,
    /// Partitions searched (those overlapping the time range).
    pub partitions_searched: usize,
}

/// Most buckets a `timechart` without `by` fills with zeros.
const MAX_FILLED_BUCKETS: i64 = 10_000;

enum Shape {
    Stats,
    Timechart { span_ms: i64 },
    Top { limit: usize },
}

impl EventStore {
    /// Runs a search. Query errors carry the span of the part of the query at fault.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResponse, StoreError> {
        let started = Instant::now();
        let schema = &self.shared.schema;
        let query = &request.query;
        let (aggregation, rest) = match query.pipes.split_first() {
            Some((
                first @ (Pipe::Stats { .. } | Pipe::Timechart { .. } | Pipe::Top { .. }),
                rest,
            )) => (
                Some(plan_of(schema, first, self.shared.options.max_groups)?),
                rest,
            ),
            _ => (None, query.pipes.as_slice()),
        };
        // Compile once up front so errors show even when no partition overlaps.
        Compiler::new(schema, self.shared.options.raw_text_positions).compile(&query.filter)?;
        let mut partitions: Vec<Arc<Partition>> = self
            .shared
            .partitions_snapshot()
            .into_iter()
            .filter(|p| p.overlaps(request.from_ms, request.to_ms))
            .collect();
        partitions.sort_by_key(|p| Reverse(p.start_ms));
        let mut compiled = Vec::with_capacity(partitions.len());
        for partition in &partitions {
            let filter = Compiler::new(schema, partition.raw_positions).compile(&query.filter)?;
            let time = RangeQuery::new(
                StdBound::Included(Term::from_field_i64(schema.time, request.from_ms)),
                StdBound::Excluded(Term::from_field_i64(schema.time, request.to_ms)),
            );
            let query: Box<dyn Query> = Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(time) as Box<dyn Query>),
                (Occur::Must, filter),
            ]));
            compiled.push((partition.reader.searcher(), query, partition.dir.clone()));
        }
        let mut total = 0;
        let rows = match aggregation {
            Some((plan, shape, columns)) => {
                let plan = Arc::new(plan);
                let mut groups = Groups::new();
                for (searcher, query, dir) in &compiled {
                    let collector = GroupCollector { plan: plan.clone() };
                    let found = searcher
                        .search(query.as_ref(), &collector)
                        .map_err(|e| StoreError::index(dir, e))?
                        .map_err(|e| StoreError::query(e, 0..0))?;
                    crate::agg::merge_groups(&mut groups, found, plan.max_groups)
                        .map_err(|e| StoreError::query(e, 0..0))?;
                }
                Rows::Table(to_table(&plan, &shape, columns, groups, request))
            }
            None => {
                let limit = match rest.first() {
                    Some(Pipe::Head(n)) => request.limit.min(*n),
                    _ => request.limit,
                };
                let (found, events) = self.newest_events(schema, &compiled, limit)?;
                total = found;
                Rows::Events(events)
            }
        };
        let result = match pipes::apply(rows, rest)? {
            Rows::Events(events) => SearchResult::Events { total, events },
            Rows::Table(table) => SearchResult::Table(table),
        };
        Ok(SearchResponse {
            result,
            took_ms: started.elapsed().as_millis() as u64,
            partitions_searched: partitions.len(),
        })
    }

    fn newest_events(
        &self,
        schema: &StoreSchema,
        compiled: &[(Searcher, Box<dyn Query>, std::path::PathBuf)],
        limit: usize,
    ) -> Result<(u64, Vec<EventHit>), StoreError> {
        let mut total = 0u64;
        let mut candidates: Vec<(i64, usize, DocAddress)> = Vec::new();
        for (position, (searcher, query, dir)) in compiled.iter().enumerate() {
            let top = TopDocs::with_limit(limit.max(1)).order_by_fast_field::<i64>(
                schema.fields[time_position(schema)].def.name,
                Order::Desc,
            );
            let (hits, count) = searcher
                .search(query.as_ref(), &(top, Count))
                .map_err(|e| StoreError::index(dir, e))?;
            total += count as u64;
            for (time, address) in hits {
                candidates.push((time.unwrap_or(i64::MIN), position, address));
            }
        }
        candidates.sort_by_key(|(time, _, _)| Reverse(*time));
        candidates.truncate(limit);
        let mut events = Vec::with_capacity(candidates.len());
        for (time_ms, position, address) in candidates {
            let (searcher, _, dir) = &compiled[position];
            let document: TantivyDocument = searcher
                .doc(address)
                .map_err(|e| StoreError::index(dir, e))?;
            let event = crate::schema::stored_event_json(&document, schema.event)
                .and_then(|bytes| serde_json::from_slice(bytes).ok())
                .unwrap_or(Value::Null);
            let rule_ids = rule_ids_of(searcher, address);
            events.push(EventHit {
                time_ms,
                rule_ids,
                event,
            });
        }
        Ok((total, events))
    }
}

fn time_position(schema: &StoreSchema) -> usize {
    schema
        .fields
        .iter()
        .position(|f| f.def.kind == FieldKind::Time)
        .expect("the catalogue has a time field")
}

fn rule_ids_of(searcher: &Searcher, address: DocAddress) -> Vec<String> {
    let segment = searcher.segment_reader(address.segment_ord);
    let Ok(Some(column)) = segment
        .fast_fields()
        .str(crate::schema::RULE_HIT_FIELD.name)
    else {
        return Vec::new();
    };
    let mut rule_ids: Vec<String> = column
        .term_ords(address.doc_id)
        .filter_map(|ord| {
            let mut text = String::new();
            column.ord_to_str(ord, &mut text).ok()?.then_some(text)
        })
        .collect();
    rule_ids.sort();
    rule_ids
}

/// A key spec for a field named in a pipe.
fn key_of(schema: &StoreSchema, field: &FieldRef) -> Result<(KeySpec, &'static str), StoreError> {
    let Some(indexed) = schema.lookup(&field.name) else {
        return Err(StoreError::query(
            format!(
                "unknown field `{}` (aggregations read catalogue fields)",
                field.name
            ),
            field.span.clone(),
        ));
    };
    let kind = match indexed.def.kind {
        FieldKind::Keyword => KeyKind::Str,
        FieldKind::Int | FieldKind::Time => KeyKind::Int,
        FieldKind::Ip => KeyKind::Ip,
        FieldKind::Text => {
            return Err(StoreError::query(
                format!(
                    "`{}` is a text field and cannot be aggregated",
                    indexed.def.name
                ),
                field.span.clone(),
            ))
        }
    };
    Ok((
        KeySpec {
            field: indexed.def.name.to_owned(),
            kind,
        },
        indexed.def.name,
    ))
}

fn agg_of(schema: &StoreSchema, aggregation: &Aggregation) -> Result<AggSpec, StoreError> {
    let kind = match (aggregation.function, &aggregation.field) {
        (AggFunction::Count, None) => {
            return Ok(AggSpec {
                kind: AggKind::Count,
                field: None,
            })
        }
        (AggFunction::Count, Some(_)) => AggKind::CountField,
        (AggFunction::DistinctCount, _) => AggKind::DistinctCount,
        (AggFunction::Sum, _) => AggKind::Sum,
        (AggFunction::Avg, _) => AggKind::Avg,
        (AggFunction::Min, _) => AggKind::Min,
        (AggFunction::Max, _) => AggKind::Max,
    };
    let Some(field) = &aggregation.field else {
        return Err(StoreError::query(
            "this aggregation needs a field",
            aggregation.span.clone(),
        ));
    };
    let (spec, _) = key_of(schema, field)?;
    let numeric = matches!(
        kind,
        AggKind::Sum | AggKind::Avg | AggKind::Min | AggKind::Max
    );
    if numeric && spec.kind != KeyKind::Int {
        return Err(StoreError::query(
            format!("`{}` is not a number field", field.name),
            field.span.clone(),
        ));
    }
    Ok(AggSpec {
        kind,
        field: Some(spec),
    })
}

fn plan_of(
    schema: &StoreSchema,
    pipe: &Pipe,
    max_groups: usize,
) -> Result<(AggPlan, Shape, Vec<String>), StoreError> {
    let mut keys = Vec::new();
    let mut columns = Vec::new();
    let (aggs, shape) = match pipe {
        Pipe::Stats { aggs, by } => {
            for field in by {
                let (spec, name) = key_of(schema, field)?;
                keys.push(spec);
                columns.push(name.to_owned());
            }
            (
                aggs.iter()
                    .map(|a| agg_of(schema, a))
                    .collect::<Result<Vec<_>, _>>()?,
                Shape::Stats,
            )
        }
        Pipe::Timechart { span_ms, aggs, by } => {
            if *span_ms <= 0 {
                let span = aggs.first().map(|a| a.span.clone()).unwrap_or(0..0);
                return Err(StoreError::query(
                    "the timechart span must be positive",
                    span,
                ));
            }
            keys.push(KeySpec {
                field: schema.fields[time_position(schema)].def.name.to_owned(),
                kind: KeyKind::Bucket(*span_ms),
            });
            columns.push("time".to_owned());
            if let Some(field) = by {
                let (spec, name) = key_of(schema, field)?;
                keys.push(spec);
                columns.push(name.to_owned());
            }
            (
                aggs.iter()
                    .map(|a| agg_of(schema, a))
                    .collect::<Result<Vec<_>, _>>()?,
                Shape::Timechart { span_ms: *span_ms },
            )
        }
        Pipe::Top { limit, field } => {
            let (spec, name) = key_of(schema, field)?;
            keys.push(spec);
            columns.push(name.to_owned());
            columns.push("count".to_owned());
            (
                vec![AggSpec {
                    kind: AggKind::Count,
                    field: None,
                }],
                Shape::Top { limit: *limit },
            )
        }
        _ => return Err(StoreError::query("not an aggregation pipe", 0..0)),
    };
    if let Pipe::Stats { aggs: list, .. } | Pipe::Timechart { aggs: list, .. } = pipe {
        columns.extend(list.iter().map(|a| a.alias.clone()));
    }
    Ok((
        AggPlan {
            keys,
            aggs,
            max_groups,
        },
        shape,
        columns,
    ))
}

fn group_value_json(value: &GroupValue) -> Value {
    match value {
        GroupValue::Int(v) => Value::from(*v),
        GroupValue::Str(s) => Value::String(s.clone()),
        GroupValue::Ip(ip) => Value::String(from_index_ip(*ip).to_string()),
    }
}

fn acc_json(spec: &AggSpec, acc: &Acc) -> Value {
    match (spec.kind, acc) {
        (_, Acc::Count(n)) => Value::from(*n),
        (_, Acc::Distinct(set)) => Value::from(set.len() as u64),
        (AggKind::Avg, Acc::Sum { sum, count }) if *count > 0 => {
            serde_json::Number::from_f64(*sum as f64 / *count as f64)
                .map_or(Value::Null, Value::Number)
        }
        (AggKind::Avg, Acc::Sum { .. }) => Value::Null,
        (_, Acc::Sum { sum, .. }) => i64::try_from(*sum).map(Value::from).unwrap_or_else(|_| {
            serde_json::Number::from_f64(*sum as f64).map_or(Value::Null, Value::Number)
        }),
        (_, Acc::Min(v) | Acc::Max(v)) => v.map_or(Value::Null, Value::from),
    }
}

fn empty_accs(plan: &AggPlan) -> Vec<Acc> {
    plan.aggs
        .iter()
        .map(|a| match a.kind {
            AggKind::Count | AggKind::CountField => Acc::Count(0),
            AggKind::DistinctCount => Acc::Distinct(Default::default()),
            AggKind::Sum | AggKind::Avg => Acc::Sum { sum: 0, count: 0 },
            AggKind::Min => Acc::Min(None),
            AggKind::Max => Acc::Max(None),
        })
        .collect()
}

fn to_table(
    plan: &AggPlan,
    shape: &Shape,
    columns: Vec<String>,
    mut groups: Groups,
    request: &SearchRequest,
) -> Table {
    // `stats` with no `by` always has one row, even over nothing.
    if plan.keys.is_empty() && groups.is_empty() {
        groups.insert(Vec::new(), empty_accs(plan));
    }
    if let Shape::Timechart { span_ms } = shape {
        let buckets = (request.to_ms.saturating_sub(request.from_ms)) / span_ms;
        if plan.keys.len() == 1 && buckets <= MAX_FILLED_BUCKETS {
            let mut bucket = request.from_ms.div_euclid(*span_ms) * span_ms;
            while bucket < request.to_ms {
                groups
                    .entry(vec![GroupValue::Int(bucket)])
                    .or_insert_with(|| empty_accs(plan));
                bucket += span_ms;
            }
        }
    }
    let mut entries: Vec<(Vec<GroupValue>, Vec<Acc>)> = groups.into_iter().collect();
    match shape {
        Shape::Stats | Shape::Timechart { .. } => entries.sort_by(|a, b| a.0.cmp(&b.0)),
        Shape::Top { limit } => {
            let count = |accs: &[Acc]| match accs.first() {
                Some(Acc::Count(n)) => *n,
                _ => 0,
            };
            entries.sort_by(|a, b| count(&b.1).cmp(&count(&a.1)).then_with(|| a.0.cmp(&b.0)));
            entries.truncate(*limit);
        }
    }
    let rows = entries
        .iter()
        .map(|(key, accs)| {
            key.iter()
                .map(group_value_json)
                .chain(
                    plan.aggs
                        .iter()
                        .zip(accs)
                        .map(|(spec, acc)| acc_json(spec, acc)),
                )
                .collect()
        })
        .collect();
    Table { columns, rows }
}
