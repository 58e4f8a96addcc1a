//! In-memory evaluation of a filter: [`Matcher`] compiles an [`Expr`] once (fields resolved,
//! values checked, regexes and wildcards compiled) and then tests events.

use serde_json::Value;

use crate::ast::{Expr, TextTerm};
use crate::error::ParseError;
use crate::predicate::{self, FieldTest};
use crate::record::{tokenize, Record};
use crate::resolve::{Access, Schema};
use crate::words::{contains_phrase, pattern_phrase, phrase_of, TokenTest};

/// A compiled filter, ready to test events (see the crate docs for what each predicate
/// means). Immutable and `Sync`: share one across threads.
#[derive(Debug)]
pub struct Matcher {
    root: Node,
}

#[derive(Debug)]
enum Node {
    All,
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Field { access: Access, test: FieldTest },
    Text(Vec<TokenTest>),
}

impl Matcher {
    /// Compiles a filter over events. Field names resolve through the catalogue (or are dotted
    /// OCSF paths); values must suit the field. Relative times (`-24h`) need a reference time:
    /// run [`crate::check`] first, which rewrites them as epoch milliseconds.
    pub fn new(expr: &Expr) -> Result<Matcher, ParseError> {
        Matcher::compile(expr, &Schema::Events, None)
    }

    /// Compiles `expr` where names mean what `schema` says.
    pub(crate) fn compile(
        expr: &Expr,
        schema: &Schema,
        now_ms: Option<i64>,
    ) -> Result<Matcher, ParseError> {
        let mut errors = Vec::new();
        let root = compile_node(expr, schema, now_ms, &mut errors);
        match errors.into_iter().next() {
            Some(error) => Err(error),
            None => Ok(Matcher { root }),
        }
    }

    /// Whether the event (OCSF JSON as `vigil-model` writes it) matches.
    pub fn matches(&self, event: &Value) -> bool {
        self.matches_record(Record::Event(event))
    }

    pub(crate) fn matches_record(&self, record: Record<'_>) -> bool {
        let mut scratch = Vec::new();
        matches_node(&self.root, record, &mut scratch)
    }
}

/// Compiles what it can, pushing every error (so `check` reports them all); the node of a
/// failed predicate is `All` and is never used because the caller sees the error.
fn compile_node(
    expr: &Expr,
    schema: &Schema,
    now_ms: Option<i64>,
    errors: &mut Vec<ParseError>,
) -> Node {
    match expr {
        Expr::All => Node::All,
        Expr::And(operands) => Node::And(
            operands
                .iter()
                .map(|operand| compile_node(operand, schema, now_ms, errors))
                .collect(),
        ),
        Expr::Or(operands) => Node::Or(
            operands
                .iter()
                .map(|operand| compile_node(operand, schema, now_ms, errors))
                .collect(),
        ),
        Expr::Not(operand) => Node::Not(Box::new(compile_node(operand, schema, now_ms, errors))),
        Expr::Text(TextTerm::Word(pattern)) => Node::Text(pattern_phrase(pattern)),
        Expr::Text(TextTerm::Phrase(text)) => Node::Text(phrase_of(text)),
        Expr::Field(field) => {
            let compiled = schema
                .resolve(&field.field, field.field_span.clone())
                .and_then(|access| {
                    let normal =
                        predicate::normalize(&access, &field.predicate, &field.value_span, now_ms)?;
                    let test = predicate::compile(&access, &normal, &field.value_span)?;
                    Ok(Node::Field { access, test })
                });
            compiled.unwrap_or_else(|error| {
                errors.push(error);
                Node::All
            })
        }
    }
}

fn matches_node<'r>(node: &Node, record: Record<'r>, scratch: &mut Vec<&'r Value>) -> bool {
    match node {
        Node::All => true,
        Node::And(operands) => operands
            .iter()
            .all(|operand| matches_node(operand, record, scratch)),
        Node::Or(operands) => operands
            .iter()
            .any(|operand| matches_node(operand, record, scratch)),
        Node::Not(operand) => !matches_node(operand, record, scratch),
        Node::Field { access, test } => {
            scratch.clear();
            record.values(access, scratch);
            match test {
                FieldTest::Exists => !scratch.is_empty(),
                _ => scratch.iter().any(|value| test.matches(value)),
            }
        }
        Node::Text(phrase) => {
            let mut texts = Vec::new();
            record.texts(&mut texts);
            texts
                .iter()
                .any(|text| contains_phrase(&tokenize(text), phrase))
        }
    }
}
