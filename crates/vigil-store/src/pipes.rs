//! Row pipes after the search or aggregation: `sort`, `head`, `tail`, `dedup`, `table`,
//! `where`. They run on the result in memory (at most `limit` events, or the aggregation's
//! groups), on events (fields read from the event JSON through the catalogue) or on a table
//! (columns by name).

use std::cmp::Ordering;
use std::collections::HashSet;

use serde_json::Value;
use vigil_query::ast::{Expr, FieldRef, Pipe, TextTerm};
use vigil_query::fields::lookup;

use crate::error::StoreError;
use crate::search::{EventHit, Table};
use crate::values::{scalar_text, values_at, ValueMatcher};

/// Rows between pipes.
pub(crate) enum Rows {
    Events(Vec<EventHit>),
    Table(Table),
}

/// Every value of `name` in an event: catalogue fields through their OCSF paths, `time`,
/// `rule_hit`, or a dotted path.
pub(crate) fn event_values(hit: &EventHit, name: &str) -> Vec<Value> {
    if name.eq_ignore_ascii_case("rule_hit") || name.eq_ignore_ascii_case("rule_hits") {
        return hit
            .rule_ids
            .iter()
            .map(|r| Value::String(r.clone()))
            .collect();
    }
    let mut found = Vec::new();
    match lookup(name) {
        Some(def) if def.name == "time" => return vec![Value::from(hit.time_ms)],
        Some(def) => {
            for path in def.paths {
                values_at(&hit.event, path, &mut found);
            }
        }
        None => values_at(&hit.event, name, &mut found),
    }
    found
        .into_iter()
        .filter(|v| !v.is_null())
        .cloned()
        .collect()
}

fn first_event_value(hit: &EventHit, name: &str) -> Value {
    event_values(hit, name)
        .into_iter()
        .next()
        .unwrap_or(Value::Null)
}

fn column_index(table: &Table, field: &FieldRef) -> Result<usize, StoreError> {
    column_position(&table.columns, field)
}

fn column_position(columns: &[String], field: &FieldRef) -> Result<usize, StoreError> {
    let name = lookup(&field.name).map_or(field.name.as_str(), |def| def.name);
    columns
        .iter()
        .position(|c| c.eq_ignore_ascii_case(name) || c.eq_ignore_ascii_case(&field.name))
        .ok_or_else(|| {
            StoreError::query(
                format!("unknown column `{}`", field.name),
                field.span.clone(),
            )
        })
}

/// Orders JSON values: numbers numerically, then strings, then everything else; nulls last.
pub(crate) fn compare_values(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Number(_) => 0,
            Value::String(_) => 1,
            Value::Bool(_) => 2,
            Value::Array(_) | Value::Object(_) => 3,
            Value::Null => 4,
        }
    }
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

/// A `where` filter compiled once for all rows.
enum RowExpr {
    All,
    And(Vec<RowExpr>),
    Or(Vec<RowExpr>),
    Not(Box<RowExpr>),
    Field {
        name: FieldRef,
        matcher: ValueMatcher,
    },
    Text(String),
}

impl RowExpr {
    fn compile(expr: &Expr) -> Result<RowExpr, StoreError> {
        Ok(match expr {
            Expr::All => RowExpr::All,
            Expr::And(items) => RowExpr::And(
                items
                    .iter()
                    .map(RowExpr::compile)
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Or(items) => RowExpr::Or(
                items
                    .iter()
                    .map(RowExpr::compile)
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Not(inner) => RowExpr::Not(Box::new(RowExpr::compile(inner)?)),
            Expr::Field(p) => RowExpr::Field {
                name: FieldRef {
                    name: p.field.clone(),
                    span: p.field_span.clone(),
                },
                matcher: ValueMatcher::new(&p.predicate, &p.value_span)?,
            },
            Expr::Text(TextTerm::Word(w) | TextTerm::Phrase(w)) => RowExpr::Text(w.to_lowercase()),
        })
    }

    /// `values(name)` gives a field's values; `text()` the row's searchable text.
    fn eval(
        &self,
        values: &dyn Fn(&FieldRef) -> Result<Vec<Value>, StoreError>,
        text: &dyn Fn() -> String,
    ) -> Result<bool, StoreError> {
        Ok(match self {
            RowExpr::All => true,
            RowExpr::And(items) => {
                for item in items {
                    if !item.eval(values, text)? {
                        return Ok(false);
                    }
                }
                true
            }
            RowExpr::Or(items) => {
                for item in items {
                    if item.eval(values, text)? {
                        return Ok(true);
                    }
                }
                false
            }
            RowExpr::Not(inner) => !inner.eval(values, text)?,
            RowExpr::Field { name, matcher } => {
                let found = values(name)?;
                let refs: Vec<&Value> = found.iter().collect();
                matcher.matches_any(&refs)
            }
            RowExpr::Text(word) => text().to_lowercase().contains(word.as_str()),
        })
    }
}

fn dedup_key(values: Vec<Value>) -> String {
    Value::Array(values).to_string()
}

/// Applies `pipes` in order.
pub(crate) fn apply(mut rows: Rows, pipes: &[Pipe]) -> Result<Rows, StoreError> {
    for pipe in pipes {
        rows = match (rows, pipe) {
            (Rows::Events(mut events), Pipe::Head(n)) => {
                events.truncate(*n);
                Rows::Events(events)
            }
            (Rows::Table(mut table), Pipe::Head(n)) => {
                table.rows.truncate(*n);
                Rows::Table(table)
            }
            (Rows::Events(mut events), Pipe::Tail(n)) => {
                let skip = events.len().saturating_sub(*n);
                events.drain(..skip);
                Rows::Events(events)
            }
            (Rows::Table(mut table), Pipe::Tail(n)) => {
                let skip = table.rows.len().saturating_sub(*n);
                table.rows.drain(..skip);
                Rows::Table(table)
            }
            (Rows::Events(mut events), Pipe::Sort(keys)) => {
                events.sort_by(|a, b| {
                    for key in keys {
                        let ordering = compare_values(
                            &first_event_value(a, &key.field.name),
                            &first_event_value(b, &key.field.name),
                        );
                        let ordering = if key.descending {
                            ordering.reverse()
                        } else {
                            ordering
                        };
                        if ordering != Ordering::Equal {
                            return ordering;
                        }
                    }
                    Ordering::Equal
                });
                Rows::Events(events)
            }
            (Rows::Table(mut table), Pipe::Sort(keys)) => {
                let indexes = keys
                    .iter()
                    .map(|k| column_index(&table, &k.field).map(|i| (i, k.descending)))
                    .collect::<Result<Vec<_>, _>>()?;
                table.rows.sort_by(|a, b| {
                    for &(i, descending) in &indexes {
                        let ordering = compare_values(&a[i], &b[i]);
                        let ordering = if descending {
                            ordering.reverse()
                        } else {
                            ordering
                        };
                        if ordering != Ordering::Equal {
                            return ordering;
                        }
                    }
                    Ordering::Equal
                });
                Rows::Table(table)
            }
            (Rows::Events(events), Pipe::Dedup(fields)) => {
                let mut seen = HashSet::new();
                let kept = events
                    .into_iter()
                    .filter(|hit| {
                        let key = fields
                            .iter()
                            .map(|f| first_event_value(hit, &f.name))
                            .collect();
                        seen.insert(dedup_key(key))
                    })
                    .collect();
                Rows::Events(kept)
            }
            (Rows::Table(mut table), Pipe::Dedup(fields)) => {
                let indexes = fields
                    .iter()
                    .map(|f| column_index(&table, f))
                    .collect::<Result<Vec<_>, _>>()?;
                let mut seen = HashSet::new();
                table.rows.retain(|row| {
                    seen.insert(dedup_key(indexes.iter().map(|&i| row[i].clone()).collect()))
                });
                Rows::Table(table)
            }
            (Rows::Events(events), Pipe::Table(fields)) => {
                let columns = fields
                    .iter()
                    .map(|f| lookup(&f.name).map_or(f.name.clone(), |def| def.name.to_owned()))
                    .collect();
                let rows = events
                    .iter()
                    .map(|hit| {
                        fields
                            .iter()
                            .map(|f| first_event_value(hit, &f.name))
                            .collect()
                    })
                    .collect();
                Rows::Table(Table { columns, rows })
            }
            (Rows::Table(table), Pipe::Table(fields)) => {
                let indexes = fields
                    .iter()
                    .map(|f| column_index(&table, f))
                    .collect::<Result<Vec<_>, _>>()?;
                Rows::Table(Table {
                    columns: indexes.iter().map(|&i| table.columns[i].clone()).collect(),
                    rows: table
                        .rows
                        .iter()
                        .map(|row| indexes.iter().map(|&i| row[i].clone()).collect())
                        .collect(),
                })
            }
            (Rows::Events(events), Pipe::Where(expr)) => {
                let compiled = RowExpr::compile(expr)?;
                let mut kept = Vec::with_capacity(events.len());
                for hit in events {
                    let values = |f: &FieldRef| Ok(event_values(&hit, &f.name));
                    let text = || {
                        hit.event
                            .get("raw_data")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned()
                    };
                    if compiled.eval(&values, &text)? {
                        kept.push(hit);
                    }
                }
                Rows::Events(kept)
            }
            (Rows::Table(mut table), Pipe::Where(expr)) => {
                let compiled = RowExpr::compile(expr)?;
                let columns = table.columns.clone();
                let mut kept = Vec::with_capacity(table.rows.len());
                for row in std::mem::take(&mut table.rows) {
                    let values =
                        |f: &FieldRef| column_position(&columns, f).map(|i| vec![row[i].clone()]);
                    let text = || {
                        row.iter()
                            .filter_map(scalar_text)
                            .collect::<Vec<_>>()
                            .join(" ")
                    };
                    if compiled.eval(&values, &text)? {
                        kept.push(row);
                    }
                }
                table.rows = kept;
                Rows::Table(table)
            }
            (_, Pipe::Stats { aggs, .. } | Pipe::Timechart { aggs, .. }) => {
                let span = aggs.first().map(|a| a.span.clone()).unwrap_or(0..0);
                return Err(StoreError::query("only the first pipe may aggregate", span));
            }
            (_, Pipe::Top { field, .. }) => {
                return Err(StoreError::query(
                    "only the first pipe may aggregate",
                    field.span.clone(),
                ));
            }
        };
    }
    Ok(rows)
}
