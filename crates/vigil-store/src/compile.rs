//! The filter of a query (`vigil_query::ast::Expr`) to a tantivy query, per field kind:
//!
//! | kind | `:v` | `:p*t` | `:/re/` | CIDR | `> >= < <=`, ranges | `:*` |
//! |---|---|---|---|---|---|---|
//! | Keyword | term (lowercased) | regex over terms | regex over terms (case-insensitive) | - | - | exists |
//! | Text | word, or phrase if several | regex over words | regex over words | - | - | any word |
//! | Int / Time | term (or column range) | only `*` | - | - | column range | exists |
//! | Ip | term | `a.b.*` as a CIDR | - | range | range | exists |
//!
//! A dotted name that is not in the catalogue (`http_request.url.path`) is a keyword looked
//! up in the stored event JSON, evaluated only on documents the rest of the query lets
//! through (a tantivy doc predicate; slow on its own over many events, cheap behind a
//! selective term). Any other unknown name is an error at the name's span.
//!
//! Free text (bare words and phrases) searches the original record (`_raw`) and the Text
//! fields. A phrase (or a word the tokenizer splits, like an IP address) needs word
//! positions; partitions indexed without them match its words and verify the phrase on the
//! stored record.

use std::net::{IpAddr, Ipv4Addr};
use std::ops::Bound as StdBound;
use std::sync::Arc;

use tantivy::query::doc_predicate_query::{
    DocPredicateQuery, FunctionPredicate, SegmentDocPredicate,
};
use tantivy::query::{
    AllQuery, BooleanQuery, EmptyQuery, ExistsQuery, Occur, PhraseQuery, Query, RangeQuery,
    RegexQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, TantivyDocument};
use tantivy::store::StoreReader;
use tantivy::tokenizer::{TextAnalyzer, TokenizerManager};
use tantivy::{DocId, Term};
use vigil_query::ast::{Bound, CompareOp, Expr, FieldPredicate, Predicate, Span, TextTerm};
use vigil_query::fields::FieldKind;

use crate::error::StoreError;
use crate::schema::{keyword_value, stored_event_json, to_index_ip, IndexedField, StoreSchema};
use crate::values::{parse_time_ms, values_at, wildcard_body, ValueMatcher};

/// Compiles filters for one partition.
pub(crate) struct Compiler<'a> {
    schema: &'a StoreSchema,
    raw_positions: bool,
    analyzer: TextAnalyzer,
}

type BoxQuery = Box<dyn Query>;

fn words(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(token) = stream.next() {
        out.push(token.text.clone());
    }
    out
}

fn default_analyzer() -> TextAnalyzer {
    TokenizerManager::default()
        .get("default")
        .expect("tantivy always registers the default tokenizer")
}

impl<'a> Compiler<'a> {
    pub(crate) fn new(schema: &'a StoreSchema, raw_positions: bool) -> Compiler<'a> {
        Compiler {
            schema,
            raw_positions,
            analyzer: default_analyzer(),
        }
    }

    pub(crate) fn compile(&mut self, expr: &Expr) -> Result<BoxQuery, StoreError> {
        Ok(match expr {
            Expr::All => Box::new(AllQuery),
            Expr::And(operands) => {
                let mut clauses = Vec::with_capacity(operands.len() + 1);
                for operand in operands {
                    match operand {
                        Expr::Not(inner) => clauses.push((Occur::MustNot, self.compile(inner)?)),
                        other => clauses.push((Occur::Must, self.compile(other)?)),
                    }
                }
                // tantivy matches nothing when every clause is MustNot.
                if clauses.iter().all(|(occur, _)| *occur == Occur::MustNot) {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Expr::Or(operands) => {
                let mut clauses = Vec::with_capacity(operands.len());
                for operand in operands {
                    clauses.push((Occur::Should, self.compile(operand)?));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Expr::Not(inner) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery) as BoxQuery),
                (Occur::MustNot, self.compile(inner)?),
            ])),
            Expr::Field(predicate) => self.field(predicate)?,
            Expr::Text(term) => self.free_text(term)?,
        })
    }

    fn field(&mut self, p: &FieldPredicate) -> Result<BoxQuery, StoreError> {
        let Some(indexed) = self.schema.lookup(&p.field).copied() else {
            if p.field.contains('.') && !p.field.starts_with('.') && !p.field.ends_with('.') {
                let matcher = ValueMatcher::new(&p.predicate, &p.value_span)?;
                return Ok(stored_json_query(
                    self.schema.event,
                    p.field.clone(),
                    matcher,
                ));
            }
            return Err(StoreError::query(
                format!("unknown field `{}`", p.field),
                p.field_span.clone(),
            ));
        };
        match indexed.def.kind {
            FieldKind::Keyword => self.keyword(&indexed, p),
            FieldKind::Text => self.text_field(&indexed, p),
            FieldKind::Int | FieldKind::Time => number(&indexed, p),
            FieldKind::Ip => ip(&indexed, p),
        }
    }

    fn keyword(&mut self, f: &IndexedField, p: &FieldPredicate) -> Result<BoxQuery, StoreError> {
        let span = &p.value_span;
        match &p.predicate {
            Predicate::Eq(value) => {
                let text = keyword_value(&value.text).to_lowercase();
                Ok(term_query(Term::from_field_text(f.field, &text)))
            }
            Predicate::Wildcard(pattern) if pattern.chars().all(|c| c == '*') => Ok(exists(f)),
            Predicate::Wildcard(pattern) => {
                regex_query(&wildcard_body(&pattern.to_lowercase()), f.field, span)
            }
            Predicate::Regex(pattern) => regex_query(&format!("(?i){pattern}"), f.field, span),
            Predicate::Exists => Ok(exists(f)),
            Predicate::Cidr(_) | Predicate::Compare(..) | Predicate::Range { .. } => {
                Err(kind_error(f, p))
            }
        }
    }

    fn text_field(&mut self, f: &IndexedField, p: &FieldPredicate) -> Result<BoxQuery, StoreError> {
        let span = &p.value_span;
        match &p.predicate {
            Predicate::Eq(value) => {
                let words = words(&mut self.analyzer, &value.text);
                match words.as_slice() {
                    [] => Err(StoreError::query("no words to search for", span.clone())),
                    [word] => Ok(term_query(Term::from_field_text(f.field, word))),
                    _ => Ok(Box::new(PhraseQuery::new(
                        words
                            .iter()
                            .map(|w| Term::from_field_text(f.field, w))
                            .collect(),
                    ))),
                }
            }
            Predicate::Wildcard(pattern) => {
                regex_query(&wildcard_body(&pattern.to_lowercase()), f.field, span)
            }
            Predicate::Regex(pattern) => regex_query(&format!("(?i){pattern}"), f.field, span),
            Predicate::Exists => regex_query(".*", f.field, span),
            Predicate::Cidr(_) | Predicate::Compare(..) | Predicate::Range { .. } => {
                Err(kind_error(f, p))
            }
        }
    }

    fn free_text(&mut self, term: &TextTerm) -> Result<BoxQuery, StoreError> {
        let text_fields: Vec<Field> = self
            .schema
            .fields
            .iter()
            .filter(|f| f.def.kind == FieldKind::Text)
            .map(|f| f.field)
            .collect();
        let mut fields = vec![self.schema.raw];
        fields.extend(text_fields);
        let (text, is_phrase) = match term {
            TextTerm::Word(word) => (word.as_str(), false),
            TextTerm::Phrase(phrase) => (phrase.as_str(), true),
        };
        if !is_phrase && (text.contains('*') || text.contains('?')) {
            return self.free_text_wildcard(text, &fields);
        }
        let words = words(&mut self.analyzer, text);
        let mut per_field: Vec<(Occur, BoxQuery)> = Vec::new();
        match words.as_slice() {
            [] => return Ok(Box::new(EmptyQuery)),
            [word] => {
                for field in fields {
                    per_field.push((
                        Occur::Should,
                        term_query(Term::from_field_text(field, word)),
                    ));
                }
            }
            _ => {
                for field in fields {
                    let is_raw = field == self.schema.raw;
                    if is_raw && !self.raw_positions {
                        per_field.push((Occur::Should, self.verified_phrase(&words)));
                    } else {
                        let terms = words
                            .iter()
                            .map(|w| Term::from_field_text(field, w))
                            .collect();
                        per_field.push((Occur::Should, Box::new(PhraseQuery::new(terms))));
                    }
                }
            }
        }
        Ok(Box::new(BooleanQuery::new(per_field)))
    }

    /// Words of a phrase on a partition without positions: every word, then the phrase
    /// checked on the stored original record.
    fn verified_phrase(&self, words: &[String]) -> BoxQuery {
        let mut clauses: Vec<(Occur, BoxQuery)> = words
            .iter()
            .map(|w| {
                (
                    Occur::Must,
                    term_query(Term::from_field_text(self.schema.raw, w)),
                )
            })
            .collect();
        clauses.push((
            Occur::Must,
            phrase_on_stored_raw(self.schema.event, words.to_vec()),
        ));
        Box::new(BooleanQuery::new(clauses))
    }

    /// `adm*`, `10.0.*`: the wildcard applies per word; several words must all be present.
    fn free_text_wildcard(&mut self, text: &str, fields: &[Field]) -> Result<BoxQuery, StoreError> {
        let pieces: Vec<String> = text
            .split(|c: char| !(c.is_alphanumeric() || c == '*' || c == '?'))
            .filter(|piece| !piece.is_empty() && piece.chars().any(|c| c != '*'))
            .map(str::to_lowercase)
            .collect();
        if pieces.is_empty() {
            return Ok(Box::new(AllQuery));
        }
        let mut per_field: Vec<(Occur, BoxQuery)> = Vec::new();
        for &field in fields {
            let mut all: Vec<(Occur, BoxQuery)> = Vec::new();
            for piece in &pieces {
                let query = if piece.contains(['*', '?']) {
                    regex_query(&wildcard_body(piece), field, &(0..0))?
                } else {
                    term_query(Term::from_field_text(field, piece))
                };
                all.push((Occur::Must, query));
            }
            per_field.push((Occur::Should, Box::new(BooleanQuery::new(all))));
        }
        Ok(Box::new(BooleanQuery::new(per_field)))
    }
}

fn term_query(term: Term) -> BoxQuery {
    Box::new(TermQuery::new(term, IndexRecordOption::Basic))
}

fn exists(f: &IndexedField) -> BoxQuery {
    Box::new(ExistsQuery::new(f.def.name.to_owned(), false))
}

fn regex_query(pattern: &str, field: Field, span: &Span) -> Result<BoxQuery, StoreError> {
    RegexQuery::from_pattern(pattern, field)
        .map(|q| Box::new(q) as BoxQuery)
        .map_err(|e| StoreError::query(format!("invalid regular expression: {e}"), span.clone()))
}

fn kind_error(f: &IndexedField, p: &FieldPredicate) -> StoreError {
    let what = match &p.predicate {
        Predicate::Cidr(_) => "a CIDR block",
        Predicate::Compare(..) | Predicate::Range { .. } => "a comparison or range",
        Predicate::Regex(_) => "a regular expression",
        Predicate::Wildcard(_) => "a wildcard",
        Predicate::Eq(_) | Predicate::Exists => "this value",
    };
    let kind = match f.def.kind {
        FieldKind::Keyword => "keyword",
        FieldKind::Text => "text",
        FieldKind::Ip => "IP",
        FieldKind::Int => "number",
        FieldKind::Time => "time",
    };
    StoreError::query(
        format!("{what} does not apply to the {kind} field `{}`", f.def.name),
        p.value_span.clone(),
    )
}

fn parse_number(f: &IndexedField, text: &str, span: &Span) -> Result<i64, StoreError> {
    let parsed = match f.def.kind {
        FieldKind::Time => parse_time_ms(text),
        _ => text.trim().parse::<i64>().ok(),
    };
    parsed.ok_or_else(|| {
        let expected = if f.def.kind == FieldKind::Time {
            "a time (RFC 3339 or epoch)"
        } else {
            "an integer"
        };
        StoreError::query(
            format!("`{}` is not {expected}, as `{}` needs", text, f.def.name),
            span.clone(),
        )
    })
}

fn bound<T>(
    b: &Bound,
    convert: &dyn Fn(&str) -> Result<T, StoreError>,
) -> Result<StdBound<T>, StoreError> {
    Ok(match b {
        Bound::Unbounded => StdBound::Unbounded,
        Bound::Inclusive(v) => StdBound::Included(convert(&v.text)?),
        Bound::Exclusive(v) => StdBound::Excluded(convert(&v.text)?),
    })
}

fn compare_bounds<T>(op: CompareOp, value: T) -> (StdBound<T>, StdBound<T>) {
    match op {
        CompareOp::Gt => (StdBound::Excluded(value), StdBound::Unbounded),
        CompareOp::Ge => (StdBound::Included(value), StdBound::Unbounded),
        CompareOp::Lt => (StdBound::Unbounded, StdBound::Excluded(value)),
        CompareOp::Le => (StdBound::Unbounded, StdBound::Included(value)),
    }
}

fn number(f: &IndexedField, p: &FieldPredicate) -> Result<BoxQuery, StoreError> {
    let span = &p.value_span;
    let field = f.field;
    let to_term = |text: &str| parse_number(f, text, span).map(|n| Term::from_field_i64(field, n));
    match &p.predicate {
        Predicate::Eq(value) => {
            let term = to_term(&value.text)?;
            if f.indexed {
                Ok(term_query(term))
            } else {
                Ok(Box::new(RangeQuery::new(
                    StdBound::Included(term.clone()),
                    StdBound::Included(term),
                )))
            }
        }
        Predicate::Compare(op, value) => {
            let (low, high) = compare_bounds(*op, to_term(&value.text)?);
            Ok(Box::new(RangeQuery::new(low, high)))
        }
        Predicate::Range { low, high } => {
            Ok(range(bound(low, &to_term)?, bound(high, &to_term)?, || {
                Term::from_field_i64(field, i64::MIN)
            }))
        }
        Predicate::Exists => Ok(exists(f)),
        Predicate::Wildcard(pattern) if pattern.chars().all(|c| c == '*') => Ok(exists(f)),
        Predicate::Wildcard(_) | Predicate::Regex(_) | Predicate::Cidr(_) => Err(kind_error(f, p)),
    }
}

/// A range query; a range open at both ends is "exists", built as a range from the minimum.
fn range(low: StdBound<Term>, high: StdBound<Term>, minimum: impl Fn() -> Term) -> BoxQuery {
    let low = match (&low, &high) {
        (StdBound::Unbounded, StdBound::Unbounded) => StdBound::Included(minimum()),
        _ => low,
    };
    Box::new(RangeQuery::new(low, high))
}

fn ip(f: &IndexedField, p: &FieldPredicate) -> Result<BoxQuery, StoreError> {
    let span = &p.value_span;
    let field = f.field;
    let to_term = |text: &str| {
        text.trim()
            .parse::<IpAddr>()
            .map(|ip| Term::from_field_ip_addr(field, to_index_ip(ip)))
            .map_err(|_| {
                StoreError::query(
                    format!("`{text}` is not an IP address, as `{}` needs", f.def.name),
                    span.clone(),
                )
            })
    };
    match &p.predicate {
        Predicate::Eq(value) => Ok(term_query(to_term(&value.text)?)),
        Predicate::Cidr(net) => {
            let low = Term::from_field_ip_addr(field, to_index_ip(net.network()));
            let high = Term::from_field_ip_addr(field, to_index_ip(net.broadcast()));
            Ok(Box::new(RangeQuery::new(
                StdBound::Included(low),
                StdBound::Included(high),
            )))
        }
        Predicate::Compare(op, value) => {
            let (low, high) = compare_bounds(*op, to_term(&value.text)?);
            Ok(Box::new(RangeQuery::new(low, high)))
        }
        Predicate::Range { low, high } => {
            Ok(range(bound(low, &to_term)?, bound(high, &to_term)?, || {
                Term::from_field_ip_addr(field, std::net::Ipv6Addr::UNSPECIFIED)
            }))
        }
        Predicate::Exists => Ok(exists(f)),
        Predicate::Wildcard(pattern) if pattern.chars().all(|c| c == '*') => Ok(exists(f)),
        Predicate::Wildcard(pattern) => {
            let Some(net) = ipv4_prefix_pattern(pattern) else {
                return Err(StoreError::query(
                    format!("IP wildcards must be whole octets (`10.0.*`), not `{pattern}`"),
                    span.clone(),
                ));
            };
            let low = Term::from_field_ip_addr(field, to_index_ip(IpAddr::V4(net.0)));
            let high = Term::from_field_ip_addr(field, to_index_ip(IpAddr::V4(net.1)));
            Ok(Box::new(RangeQuery::new(
                StdBound::Included(low),
                StdBound::Included(high),
            )))
        }
        Predicate::Regex(_) => Err(kind_error(f, p)),
    }
}

/// `10.0.*` → (10.0.0.0, 10.0.255.255).
fn ipv4_prefix_pattern(pattern: &str) -> Option<(Ipv4Addr, Ipv4Addr)> {
    let prefix = pattern.strip_suffix(".*")?;
    let octets: Vec<u8> = prefix
        .split('.')
        .map(|o| o.parse::<u8>().ok())
        .collect::<Option<Vec<u8>>>()?;
    if octets.is_empty() || octets.len() > 3 {
        return None;
    }
    let mut low = [0u8; 4];
    let mut high = [255u8; 4];
    for (i, octet) in octets.iter().enumerate() {
        low[i] = *octet;
        high[i] = *octet;
    }
    Some((Ipv4Addr::from(low), Ipv4Addr::from(high)))
}

/// Reads and parses the stored event of each candidate document.
struct StoredJson {
    store: StoreReader,
    event_field: Field,
}

impl StoredJson {
    fn get(&self, doc: DocId) -> Option<serde_json::Value> {
        let document: TantivyDocument = self.store.get(doc).ok()?;
        serde_json::from_slice(stored_event_json(&document, self.event_field)?).ok()
    }
}

struct PathPredicate {
    json: StoredJson,
    query: Arc<(String, ValueMatcher)>,
}

impl SegmentDocPredicate for PathPredicate {
    fn eval(&mut self, doc: DocId) -> bool {
        let Some(json) = self.json.get(doc) else {
            return false;
        };
        let mut values = Vec::new();
        values_at(&json, &self.query.0, &mut values);
        self.query.1.matches_any(&values)
    }

    fn cost(&self) -> u64 {
        // Decompressing and parsing a stored document: far more than a posting step.
        10_000
    }
}

fn stored_json_query(event_field: Field, path: String, matcher: ValueMatcher) -> BoxQuery {
    let query = Arc::new((path, matcher));
    let predicate = FunctionPredicate::from(move |segment: &tantivy::SegmentReader| {
        Ok(PathPredicate {
            json: StoredJson {
                store: segment.get_store_reader(8)?,
                event_field,
            },
            query: query.clone(),
        })
    });
    Box::new(DocPredicateQuery::from(predicate))
}

struct PhrasePredicate {
    json: StoredJson,
    words: Arc<Vec<String>>,
    analyzer: TextAnalyzer,
}

impl SegmentDocPredicate for PhrasePredicate {
    fn eval(&mut self, doc: DocId) -> bool {
        let Some(json) = self.json.get(doc) else {
            return false;
        };
        let Some(raw) = json.get("raw_data").and_then(|v| v.as_str()) else {
            return false;
        };
        let tokens = words(&mut self.analyzer, raw);
        tokens
            .windows(self.words.len())
            .any(|window| window == self.words.as_slice())
    }

    fn cost(&self) -> u64 {
        10_000
    }
}

fn phrase_on_stored_raw(event_field: Field, words: Vec<String>) -> BoxQuery {
    let words = Arc::new(words);
    let predicate = FunctionPredicate::from(move |segment: &tantivy::SegmentReader| {
        Ok(PhrasePredicate {
            json: StoredJson {
                store: segment.get_store_reader(8)?,
                event_field,
            },
            words: words.clone(),
            analyzer: default_analyzer(),
        })
    });
    Box::new(DocPredicateQuery::from(predicate))
}
