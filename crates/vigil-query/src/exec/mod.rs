//! The row engine: runs a whole query (filter and every pipe) over events in memory. It is
//! the reference the store's index implementation is compared with, and it serves the tail
//! of events not yet indexed.

mod aggregate;

use std::cmp::Ordering;
use std::collections::HashSet;

use serde_json::Value;

use crate::ast::{Aggregation, FieldRef, Pipe, Query};
use crate::check::TIME_COLUMN;
use crate::error::ParseError;
use crate::matcher::Matcher;
use crate::record::Record;
use crate::resolve::{Access, Schema};
use aggregate::{compare_values, AggSpec};

/// A result table: named columns and rows of JSON values (one per column).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// Column names, in order.
    pub columns: Vec<String>,
    /// Rows; each has one value per column (`null` where a row has none).
    pub rows: Vec<Vec<Value>>,
}

/// What a query produces: events (the filter and pipes that keep rows as they are), or a
/// table once a pipe aggregates (`stats`, `timechart`, `top`) or projects (`table`).
#[derive(Clone, Debug, PartialEq)]
pub enum Output<'a> {
    /// Matching events, in input order unless sorted.
    Events(Vec<&'a Value>),
    /// A table.
    Table(Table),
}

impl Output<'_> {
    fn schema(&self) -> Schema {
        match self {
            Output::Events(_) => Schema::Events,
            Output::Table(table) => Schema::Columns(table.columns.clone()),
        }
    }

    fn records(&self) -> Vec<Record<'_>> {
        match self {
            Output::Events(events) => events.iter().map(|event| Record::Event(event)).collect(),
            Output::Table(table) => table
                .rows
                .iter()
                .map(|row| Record::Row {
                    columns: &table.columns,
                    values: row,
                })
                .collect(),
        }
    }

    fn len(&self) -> usize {
        match self {
            Output::Events(events) => events.len(),
            Output::Table(table) => table.rows.len(),
        }
    }

    /// The rows at `indices`, in that order.
    fn select(self, indices: &[usize]) -> Self {
        match self {
            Output::Events(events) => {
                Output::Events(indices.iter().map(|&index| events[index]).collect())
            }
            Output::Table(mut table) => {
                let mut rows: Vec<Option<Vec<Value>>> = table.rows.into_iter().map(Some).collect();
                table.rows = indices
                    .iter()
                    .filter_map(|&index| rows[index].take())
                    .collect();
                Output::Table(table)
            }
        }
    }
}

/// Runs `query` over `events` (OCSF JSON as `vigil-model` writes it). Pass a query that went
/// through [`crate::check`] when it may hold relative times; names are resolved here as
/// `check` resolves them, and a name a pipe cannot see is an error.
pub fn execute<'a>(
    query: &Query,
    events: impl IntoIterator<Item = &'a Value>,
) -> Result<Output<'a>, ParseError> {
    let filter = Matcher::new(&query.filter)?;
    let mut output = Output::Events(
        events
            .into_iter()
            .filter(|event| filter.matches(event))
            .collect(),
    );
    for pipe in &query.pipes {
        output = apply(pipe, output)?;
    }
    Ok(output)
}

fn resolve_all(schema: &Schema, fields: &[FieldRef]) -> Result<Vec<Access>, ParseError> {
    fields
        .iter()
        .map(|field| schema.resolve(&field.name, field.span.clone()))
        .collect()
}

fn specs(schema: &Schema, aggs: &[Aggregation]) -> Result<Vec<AggSpec>, ParseError> {
    aggs.iter()
        .map(|agg| {
            let access = agg
                .field
                .as_ref()
                .map(|field| schema.resolve(&field.name, field.span.clone()))
                .transpose()?;
            Ok(AggSpec {
                function: agg.function,
                access,
                alias: agg.alias.clone(),
            })
        })
        .collect()
}

fn apply<'a>(pipe: &Pipe, output: Output<'a>) -> Result<Output<'a>, ParseError> {
    let schema = output.schema();
    let count = output.len();
    let kept: Vec<usize> = match pipe {
        Pipe::Head(limit) => (0..count.min(*limit)).collect(),
        Pipe::Tail(limit) => (count.saturating_sub(*limit)..count).collect(),
        Pipe::Where(expr) => {
            let matcher = Matcher::compile(expr, &schema, None)?;
            let records = output.records();
            (0..count)
                .filter(|&index| matcher.matches_record(records[index]))
                .collect()
        }
        Pipe::Sort(keys) => {
            let fields: Vec<FieldRef> = keys.iter().map(|key| key.field.clone()).collect();
            let accesses = resolve_all(&schema, &fields)?;
            let records = output.records();
            let sort_keys: Vec<Vec<Option<Value>>> = records
                .iter()
                .map(|record| {
                    accesses
                        .iter()
                        .map(|access| first_value(*record, access))
                        .collect()
                })
                .collect();
            let mut order: Vec<usize> = (0..count).collect();
            order.sort_by(|&a, &b| {
                for (index, key) in keys.iter().enumerate() {
                    let ordering = match (&sort_keys[a][index], &sort_keys[b][index]) {
                        // Rows without the field go last, whichever the direction.
                        (None, None) => Ordering::Equal,
                        (None, Some(_)) => Ordering::Greater,
                        (Some(_), None) => Ordering::Less,
                        (Some(x), Some(y)) if key.descending => compare_values(y, x),
                        (Some(x), Some(y)) => compare_values(x, y),
                    };
                    if ordering != Ordering::Equal {
                        return ordering;
                    }
                }
                Ordering::Equal
            });
            order
        }
        Pipe::Dedup(fields) => {
            let accesses = resolve_all(&schema, fields)?;
            let records = output.records();
            let mut seen = HashSet::new();
            (0..count)
                .filter(|&index| {
                    let mut key = Vec::new();
                    for access in &accesses {
                        let mut values = Vec::new();
                        records[index].values(access, &mut values);
                        if values.is_empty() {
                            return false;
                        }
                        key.push(Value::Array(values.into_iter().cloned().collect()));
                    }
                    seen.insert(Value::Array(key).to_string())
                })
                .collect()
        }
        Pipe::Table(fields) => {
            let accesses = resolve_all(&schema, fields)?;
            let rows = output
                .records()
                .iter()
                .map(|record| {
                    accesses
                        .iter()
                        .map(|access| cell(*record, access))
                        .collect()
                })
                .collect();
            let columns = accesses.into_iter().map(|access| access.name).collect();
            return Ok(Output::Table(Table { columns, rows }));
        }
        Pipe::Stats { aggs, by } => {
            let by = resolve_all(&schema, by)?;
            let specs = specs(&schema, aggs)?;
            return Ok(Output::Table(aggregate::stats(
                &output.records(),
                &by,
                &specs,
            )));
        }
        Pipe::Timechart { span_ms, aggs, by } => {
            let at = aggs.first().map_or(0..0, |agg| agg.span.clone());
            let time = schema.resolve(TIME_COLUMN, at)?;
            let by = by
                .as_ref()
                .map(|field| schema.resolve(&field.name, field.span.clone()))
                .transpose()?;
            let specs = specs(&schema, aggs)?;
            let table =
                aggregate::timechart(&output.records(), &time, *span_ms, by.as_ref(), &specs);
            return Ok(Output::Table(table));
        }
        Pipe::Top { limit, field } => {
            let access = schema.resolve(&field.name, field.span.clone())?;
            return Ok(Output::Table(aggregate::top(
                &output.records(),
                &access,
                *limit,
            )));
        }
    };
    Ok(output.select(&kept))
}

fn first_value(record: Record<'_>, access: &Access) -> Option<Value> {
    let mut values = Vec::new();
    record.values(access, &mut values);
    values.first().map(|value| (*value).clone())
}

/// A table cell: `null`, the one value, or an array of all of them.
fn cell(record: Record<'_>, access: &Access) -> Value {
    let mut values = Vec::new();
    record.values(access, &mut values);
    match values.len() {
        0 => Value::Null,
        1 => values[0].clone(),
        _ => Value::Array(values.into_iter().cloned().collect()),
    }
}
