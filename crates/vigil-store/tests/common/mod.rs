//! Helpers shared by the integration tests: hand-made events and hand-built queries (the
//! parser lives in `vigil-query` and is written concurrently).
#![allow(dead_code)]

use serde_json::{json, Value};
use vigil_query::ast::{
    AggFunction, Aggregation, Bound, CompareOp, Expr, FieldPredicate, FieldRef, Pipe, Predicate,
    Query, SortKey, TextTerm, Value as AstValue,
};
use vigil_store::{
    EventStore, SearchRequest, SearchResponse, SearchResult, StoreOptions, StoredEvent, Table,
    WalOptions, WalSync,
};

/// 2024-05-01T00:00:00Z.
pub const DAY0: i64 = 1_714_521_600_000;
pub const HOUR: i64 = 3_600_000;
pub const DAY: i64 = 86_400_000;

/// Options for tests: small writer, no fsync (tests kill nothing but the process).
pub fn options() -> StoreOptions {
    StoreOptions {
        writer_memory_bytes: 15_000_000,
        commit_interval_ms: 3_600_000,
        wal: WalOptions {
            sync: WalSync::Never,
            ..WalOptions::default()
        },
        ..StoreOptions::default()
    }
}

/// A flow-like event.
pub struct Flow<'a> {
    pub time_ms: i64,
    pub src: &'a str,
    pub dst: &'a str,
    pub dst_port: i64,
    pub user: Option<&'a str>,
    pub action: &'a str,
    pub bytes_out: i64,
    pub raw: &'a str,
}

pub fn flow(f: Flow<'_>) -> Value {
    let mut event = json!({
        "class_uid": 4001,
        "class_name": "Network Activity",
        "severity_id": 1,
        "severity": "Informational",
        "time": f.time_ms,
        "action": f.action,
        "src_endpoint": {"ip": f.src, "port": 40000},
        "dst_endpoint": {"ip": f.dst, "port": f.dst_port},
        "traffic": {"bytes_out": f.bytes_out},
        "raw_data": f.raw,
        "vigil": {"source_type": "vpc_flow_log", "source": "test", "line": 1, "offset": 0}
    });
    if let Some(user) = f.user {
        event["actor"] = json!({"user": {"name": user}});
    }
    event
}

pub fn stored(event: &Value, rules: &[&str]) -> StoredEvent {
    StoredEvent::from_json(event, rules.iter().map(|r| r.to_string()).collect())
}

pub fn value(text: &str) -> AstValue {
    AstValue {
        text: text.to_owned(),
        quoted: false,
    }
}

pub fn field(name: &str, predicate: Predicate) -> Expr {
    Expr::Field(FieldPredicate {
        field: name.to_owned(),
        field_span: 0..name.len(),
        predicate,
        value_span: name.len() + 1..name.len() + 5,
    })
}

pub fn eq(name: &str, text: &str) -> Expr {
    field(name, Predicate::Eq(value(text)))
}

pub fn cmp(name: &str, op: CompareOp, text: &str) -> Expr {
    field(name, Predicate::Compare(op, value(text)))
}

pub fn range(name: &str, low: Bound, high: Bound) -> Expr {
    field(name, Predicate::Range { low, high })
}

pub fn word(text: &str) -> Expr {
    Expr::Text(TextTerm::Word(text.to_owned()))
}

pub fn phrase(text: &str) -> Expr {
    Expr::Text(TextTerm::Phrase(text.to_owned()))
}

pub fn fref(name: &str) -> FieldRef {
    FieldRef {
        name: name.to_owned(),
        span: 0..name.len(),
    }
}

pub fn agg(function: AggFunction, field_name: Option<&str>, alias: &str) -> Aggregation {
    Aggregation {
        function,
        field: field_name.map(fref),
        alias: alias.to_owned(),
        span: 0..3,
    }
}

pub fn count() -> Aggregation {
    agg(AggFunction::Count, None, "count")
}

pub fn sort(name: &str, descending: bool) -> SortKey {
    SortKey {
        field: fref(name),
        descending,
    }
}

pub fn query(filter: Expr, pipes: Vec<Pipe>) -> Query {
    Query { filter, pipes }
}

pub fn search(
    store: &EventStore,
    filter: Expr,
    pipes: Vec<Pipe>,
    from_ms: i64,
    to_ms: i64,
) -> SearchResponse {
    store
        .search(&SearchRequest {
            query: query(filter, pipes),
            from_ms,
            to_ms,
            limit: 1000,
        })
        .unwrap()
}

/// The `raw_data` of the events found, newest first, and the total.
pub fn raws(response: &SearchResponse) -> (u64, Vec<String>) {
    match &response.result {
        SearchResult::Events { total, events } => (
            *total,
            events
                .iter()
                .map(|e| e.event["raw_data"].as_str().unwrap_or_default().to_owned())
                .collect(),
        ),
        SearchResult::Table(table) => panic!("expected events, got {table:?}"),
    }
}

pub fn table(response: &SearchResponse) -> &Table {
    match &response.result {
        SearchResult::Table(table) => table,
        other => panic!("expected a table, got {other:?}"),
    }
}
