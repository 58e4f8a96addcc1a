//! Semantic checks after parsing: field names resolved (and written canonically), values
//! checked against the field's kind (times rewritten as epoch milliseconds), and every pipe
//! naming only columns that exist at that point.

use std::collections::HashSet;

use crate::ast::{
    AggFunction, Aggregation, Expr, FieldPredicate, FieldRef, Pipe, Query, SortKey, Span,
};
use crate::error::ParseError;
use crate::fields::FieldKind;
use crate::predicate::{compile, normalize};
use crate::resolve::{Access, Kind, Schema};

/// The column `timechart` puts bucket starts in (the catalogue's time field).
pub(crate) const TIME_COLUMN: &str = "time";

/// Checks a parsed query and returns it in normal form, or every error found.
///
/// In the normal form: field names are canonical (catalogue names; other names are dotted
/// paths, kept as typed; pipe fields are the column names they refer to); values of time
/// fields are decimal epoch milliseconds (relative times resolved against `now_ms`); values
/// of IP fields are canonical addresses, and IPv4 octet wildcards (`10.0.*`) CIDRs; a CIDR on
/// a keyword or text field is a plain value; default aggregate names follow the canonical
/// field (`dc(username)` → `dc(user)`). The store compiles this form.
pub fn check(query: &Query, now_ms: i64) -> Result<Query, Vec<ParseError>> {
    let mut checker = Checker {
        now_ms,
        errors: Vec::new(),
    };
    let filter = checker.expr(&query.filter, &Schema::Events);
    let mut schema = Schema::Events;
    let mut pipes = Vec::new();
    for pipe in &query.pipes {
        let (checked, next) = checker.pipe(pipe, &schema);
        pipes.push(checked);
        schema = next;
    }
    if checker.errors.is_empty() {
        Ok(Query { filter, pipes })
    } else {
        Err(checker.errors)
    }
}

struct Checker {
    now_ms: i64,
    errors: Vec<ParseError>,
}

impl Checker {
    fn expr(&mut self, expr: &Expr, schema: &Schema) -> Expr {
        match expr {
            Expr::And(operands) => Expr::And(
                operands
                    .iter()
                    .map(|operand| self.expr(operand, schema))
                    .collect(),
            ),
            Expr::Or(operands) => Expr::Or(
                operands
                    .iter()
                    .map(|operand| self.expr(operand, schema))
                    .collect(),
            ),
            Expr::Not(operand) => Expr::Not(Box::new(self.expr(operand, schema))),
            Expr::Field(field) => Expr::Field(self.field(field, schema)),
            Expr::All | Expr::Text(_) => expr.clone(),
        }
    }

    fn field(&mut self, field: &FieldPredicate, schema: &Schema) -> FieldPredicate {
        let access = match schema.resolve(&field.field, field.field_span.clone()) {
            Ok(access) => access,
            Err(error) => {
                self.errors.push(error);
                return field.clone();
            }
        };
        let predicate = match normalize(
            &access,
            &field.predicate,
            &field.value_span,
            Some(self.now_ms),
        ) {
            Ok(predicate) => predicate,
            Err(error) => {
                self.errors.push(error);
                return field.clone();
            }
        };
        if let Err(error) = compile(&access, &predicate, &field.value_span) {
            self.errors.push(error);
        }
        FieldPredicate {
            field: access.name,
            predicate,
            ..field.clone()
        }
    }

    /// The column or field a pipe names, canonically.
    fn field_ref(&mut self, field: &FieldRef, schema: &Schema) -> (FieldRef, Option<Access>) {
        match schema.resolve(&field.name, field.span.clone()) {
            Ok(access) => (
                FieldRef {
                    name: access.name.clone(),
                    span: field.span.clone(),
                },
                Some(access),
            ),
            Err(error) => {
                self.errors.push(error);
                (field.clone(), None)
            }
        }
    }

    fn field_refs(&mut self, fields: &[FieldRef], schema: &Schema) -> Vec<FieldRef> {
        fields
            .iter()
            .map(|field| self.field_ref(field, schema).0)
            .collect()
    }

    fn aggregation(&mut self, agg: &Aggregation, schema: &Schema) -> Aggregation {
        let Some(typed) = &agg.field else {
            return agg.clone();
        };
        let (field, access) = self.field_ref(typed, schema);
        let needs_numbers = matches!(
            agg.function,
            AggFunction::Sum | AggFunction::Avg | AggFunction::Min | AggFunction::Max
        );
        if let Some(Access {
            kind: kind @ Kind::Known(FieldKind::Keyword | FieldKind::Text | FieldKind::Ip),
            ..
        }) = access
        {
            if needs_numbers {
                let message = format!(
                    "`{}` needs numbers, and `{}` holds {}",
                    agg.function.name(),
                    field.name,
                    kind.plural()
                );
                self.errors.push(ParseError::new(message, agg.span.clone()));
            }
        }
        let alias = if agg.alias == agg.function.default_alias(Some(&typed.name)) {
            agg.function.default_alias(Some(&field.name))
        } else {
            agg.alias.clone()
        };
        Aggregation {
            field: Some(field),
            alias,
            ..agg.clone()
        }
    }

    /// Columns in order; a name twice is an error at its second place.
    fn columns(&mut self, named: Vec<(String, Span)>) -> Schema {
        let mut seen = HashSet::new();
        let mut columns = Vec::new();
        for (name, span) in named {
            if seen.insert(name.clone()) {
                columns.push(name);
            } else {
                let message = format!("column `{name}` appears twice: name one with `as`");
                self.errors.push(ParseError::new(message, span));
            }
        }
        Schema::Columns(columns)
    }

    fn pipe(&mut self, pipe: &Pipe, schema: &Schema) -> (Pipe, Schema) {
        match pipe {
            Pipe::Stats { aggs, by } => {
                let by = self.field_refs(by, schema);
                let aggs: Vec<_> = aggs
                    .iter()
                    .map(|agg| self.aggregation(agg, schema))
                    .collect();
                let named = by
                    .iter()
                    .map(|field| (field.name.clone(), field.span.clone()));
                let named = named
                    .chain(aggs.iter().map(|agg| (agg.alias.clone(), agg.span.clone())))
                    .collect();
                let next = self.columns(named);
                (Pipe::Stats { aggs, by }, next)
            }
            Pipe::Timechart { span_ms, aggs, by } => {
                let at = aggs.first().map_or(0..0, |agg| agg.span.clone());
                if let Err(error) = schema.resolve(TIME_COLUMN, at.clone()) {
                    let columns = error
                        .message
                        .split_once(": ")
                        .map_or(error.message.as_str(), |(_, columns)| columns);
                    let message = format!("`timechart` needs a `{TIME_COLUMN}` column: {columns}");
                    self.errors.push(ParseError::new(message, at.clone()));
                }
                let by = by.as_ref().map(|field| self.field_ref(field, schema).0);
                let aggs: Vec<_> = aggs
                    .iter()
                    .map(|agg| self.aggregation(agg, schema))
                    .collect();
                let mut named = vec![(TIME_COLUMN.to_string(), at)];
                named.extend(
                    by.iter()
                        .map(|field| (field.name.clone(), field.span.clone())),
                );
                named.extend(aggs.iter().map(|agg| (agg.alias.clone(), agg.span.clone())));
                let next = self.columns(named);
                (
                    Pipe::Timechart {
                        span_ms: *span_ms,
                        aggs,
                        by,
                    },
                    next,
                )
            }
            Pipe::Top { limit, field } => {
                let (field, _) = self.field_ref(field, schema);
                let named = [field.name.as_str(), "count", "percent"]
                    .map(|name| (name.to_string(), field.span.clone()));
                let next = self.columns(named.into());
                (
                    Pipe::Top {
                        limit: *limit,
                        field,
                    },
                    next,
                )
            }
            Pipe::Sort(keys) => {
                let keys = keys
                    .iter()
                    .map(|key| SortKey {
                        field: self.field_ref(&key.field, schema).0,
                        descending: key.descending,
                    })
                    .collect();
                (Pipe::Sort(keys), schema.clone())
            }
            Pipe::Dedup(fields) => (Pipe::Dedup(self.field_refs(fields, schema)), schema.clone()),
            Pipe::Table(fields) => {
                let fields = self.field_refs(fields, schema);
                let next = self.columns(
                    fields
                        .iter()
                        .map(|field| (field.name.clone(), field.span.clone()))
                        .collect(),
                );
                (Pipe::Table(fields), next)
            }
            Pipe::Where(expr) => (Pipe::Where(self.expr(expr, schema)), schema.clone()),
            Pipe::Head(_) | Pipe::Tail(_) => (pipe.clone(), schema.clone()),
        }
    }
}
