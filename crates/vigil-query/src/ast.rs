//! The syntax tree of a query: a filter expression, then pipes. Every node that came from
//! the text keeps its byte span, so a later stage (the store's compiler) can say where an
//! error is.

use std::ops::Range;

use ipnet::IpNet;

/// A byte range in the query text.
pub type Span = Range<usize>;

/// A whole query: `<filter> | <pipe> | <pipe> …`.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    /// The filter (`Expr::All` when the query is empty or starts with a pipe).
    pub filter: Expr,
    /// Pipes, in order.
    pub pipes: Vec<Pipe>,
}

/// A boolean filter expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// Matches every event (`*` or an empty filter).
    All,
    /// Every operand matches (explicit `AND` or juxtaposition).
    And(Vec<Expr>),
    /// Some operand matches.
    Or(Vec<Expr>),
    /// The operand does not match (`NOT x`, `-x`).
    Not(Box<Expr>),
    /// `field <op> value`.
    Field(FieldPredicate),
    /// A bare word or quoted phrase, searched in the original record's text.
    Text(TextTerm),
}

/// A predicate on one named field.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldPredicate {
    /// The field as typed (resolved against [`crate::fields`] by whoever evaluates it).
    pub field: String,
    /// Where the field name is.
    pub field_span: Span,
    /// What the value must satisfy.
    pub predicate: Predicate,
    /// Where the value part is.
    pub value_span: Span,
}

/// What a field's value must satisfy.
#[derive(Clone, Debug, PartialEq)]
pub enum Predicate {
    /// `field:value` (exact; for IP fields a single address).
    Eq(Value),
    /// `field:pat*tern` (`*` any run, `?` one character). In the pattern, `\*`, `\?` and
    /// `\\` stand for a literal `*`, `?` and `\`; every other character is literal.
    Wildcard(String),
    /// `field:10.0.0.0/8`.
    Cidr(IpNet),
    /// `field>v`, `field>=v`, `field<v`, `field<=v`.
    Compare(CompareOp, Value),
    /// `field:[lo TO hi]` (inclusive), `{lo TO hi}` (exclusive), `*` for an open end.
    Range {
        /// Lower end.
        low: Bound,
        /// Upper end.
        high: Bound,
    },
    /// `field:*` (present with any value).
    Exists,
    /// `field:/regex/` (Rust `regex` syntax; `\/` in the query is a `/` in the pattern).
    Regex(String),
}

/// One end of a range.
#[derive(Clone, Debug, PartialEq)]
pub enum Bound {
    /// No limit (`*`).
    Unbounded,
    /// Includes the value (`[`, `]`).
    Inclusive(Value),
    /// Excludes the value (`{`, `}`).
    Exclusive(Value),
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
}

/// A literal as typed; its meaning depends on the field's kind, so the parser keeps the text
/// and says whether it was quoted.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    /// The text, unescaped.
    pub text: String,
    /// Whether it was written in double quotes.
    pub quoted: bool,
}

/// Free text.
#[derive(Clone, Debug, PartialEq)]
pub enum TextTerm {
    /// One word (may hold `*` / `?` wildcards; `\*`, `\?`, `\\` are literal, as in
    /// [`Predicate::Wildcard`]).
    Word(String),
    /// A quoted phrase (words in this order).
    Phrase(String),
}

/// One pipe stage.
#[derive(Clone, Debug, PartialEq)]
pub enum Pipe {
    /// `stats <agg>[ as name], … [by f1, f2]`.
    Stats {
        /// Aggregations (at least one).
        aggs: Vec<Aggregation>,
        /// Group-by fields (may be empty).
        by: Vec<FieldRef>,
    },
    /// `timechart [span=]<duration> <agg>[, …] [by field]`.
    Timechart {
        /// Bucket width in milliseconds.
        span_ms: i64,
        /// Aggregations (at least one).
        aggs: Vec<Aggregation>,
        /// Optional split field.
        by: Option<FieldRef>,
    },
    /// `top [N] field` (count by field, descending; N defaults to 10).
    Top {
        /// How many values.
        limit: usize,
        /// The field.
        field: FieldRef,
    },
    /// `sort [-|+]field, …` (`-` descending).
    Sort(Vec<SortKey>),
    /// `head [N]` (default 10).
    Head(usize),
    /// `tail [N]` (default 10).
    Tail(usize),
    /// `dedup f1, f2` (first row per distinct combination).
    Dedup(Vec<FieldRef>),
    /// `table f1, f2` (project rows to these columns).
    Table(Vec<FieldRef>),
    /// `where <filter>` (filter rows after aggregation; fields are result columns).
    Where(Expr),
}

/// A field named in a pipe, with where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldRef {
    /// The name as typed.
    pub name: String,
    /// Where.
    pub span: Span,
}

/// A sort key.
#[derive(Clone, Debug, PartialEq)]
pub struct SortKey {
    /// The column.
    pub field: FieldRef,
    /// Descending (`-field`).
    pub descending: bool,
}

/// An aggregation function call.
#[derive(Clone, Debug, PartialEq)]
pub struct Aggregation {
    /// The function.
    pub function: AggFunction,
    /// Its argument (`count()` has none).
    pub field: Option<FieldRef>,
    /// Output column name (`as name`; default `count`, `dc(user)`, `sum(bytes_out)`, …).
    pub alias: String,
    /// Where the call is.
    pub span: Span,
}

/// Aggregation functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AggFunction {
    /// `count()` / `count(field)` (events, or events where the field is present).
    Count,
    /// `dc(field)` / `distinct_count(field)`.
    DistinctCount,
    /// `sum(field)`.
    Sum,
    /// `avg(field)`.
    Avg,
    /// `min(field)`.
    Min,
    /// `max(field)`.
    Max,
}

impl AggFunction {
    /// The function's name as printed (`count`, `dc`, `sum`, `avg`, `min`, `max`).
    pub fn name(self) -> &'static str {
        match self {
            AggFunction::Count => "count",
            AggFunction::DistinctCount => "dc",
            AggFunction::Sum => "sum",
            AggFunction::Avg => "avg",
            AggFunction::Min => "min",
            AggFunction::Max => "max",
        }
    }

    /// The output column of a call without `as`: `count` for `count()`, otherwise
    /// `name(field)` (`dc(user)`, `sum(bytes_out)`, `count(user)`).
    pub fn default_alias(self, field: Option<&str>) -> String {
        match field {
            None => self.name().to_string(),
            Some(field) => format!("{}({field})", self.name()),
        }
    }
}

impl Query {
    /// A copy with every span set to `0..0`, for comparing trees whatever text they came
    /// from (canonical text and the typed query hold the same tree at different offsets).
    pub fn without_spans(&self) -> Query {
        Query {
            filter: self.filter.without_spans(),
            pipes: self.pipes.iter().map(Pipe::without_spans).collect(),
        }
    }
}

impl Expr {
    /// A copy with every span set to `0..0` (see [`Query::without_spans`]).
    pub fn without_spans(&self) -> Expr {
        match self {
            Expr::All => Expr::All,
            Expr::And(operands) => Expr::And(operands.iter().map(Expr::without_spans).collect()),
            Expr::Or(operands) => Expr::Or(operands.iter().map(Expr::without_spans).collect()),
            Expr::Not(operand) => Expr::Not(Box::new(operand.without_spans())),
            Expr::Field(predicate) => Expr::Field(FieldPredicate {
                field_span: 0..0,
                value_span: 0..0,
                ..predicate.clone()
            }),
            Expr::Text(term) => Expr::Text(term.clone()),
        }
    }
}

impl Pipe {
    /// A copy with every span set to `0..0` (see [`Query::without_spans`]).
    pub fn without_spans(&self) -> Pipe {
        let refs = |fields: &[FieldRef]| fields.iter().map(FieldRef::without_spans).collect();
        let aggs = |aggs: &[Aggregation]| {
            aggs.iter()
                .map(|agg| Aggregation {
                    field: agg.field.as_ref().map(FieldRef::without_spans),
                    span: 0..0,
                    ..agg.clone()
                })
                .collect()
        };
        match self {
            Pipe::Stats { aggs: list, by } => Pipe::Stats {
                aggs: aggs(list),
                by: refs(by),
            },
            Pipe::Timechart {
                span_ms,
                aggs: list,
                by,
            } => Pipe::Timechart {
                span_ms: *span_ms,
                aggs: aggs(list),
                by: by.as_ref().map(FieldRef::without_spans),
            },
            Pipe::Top { limit, field } => Pipe::Top {
                limit: *limit,
                field: field.without_spans(),
            },
            Pipe::Sort(keys) => Pipe::Sort(
                keys.iter()
                    .map(|key| SortKey {
                        field: key.field.without_spans(),
                        descending: key.descending,
                    })
                    .collect(),
            ),
            Pipe::Head(count) => Pipe::Head(*count),
            Pipe::Tail(count) => Pipe::Tail(*count),
            Pipe::Dedup(fields) => Pipe::Dedup(refs(fields)),
            Pipe::Table(fields) => Pipe::Table(refs(fields)),
            Pipe::Where(expr) => Pipe::Where(expr.without_spans()),
        }
    }
}

impl FieldRef {
    /// A copy with the span set to `0..0`.
    pub fn without_spans(&self) -> FieldRef {
        FieldRef {
            name: self.name.clone(),
            span: 0..0,
        }
    }
}
