//! `/api/search` (the query language over the event store) and `/api/rules/test` (a Sigma
//! rule run over the events a search finds).

use std::str::FromStr;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Value};
use vigil_formats::{Context, Output, Record};
use vigil_model::SourceType;
use vigil_query::ParseError;
use vigil_sigma::doc::EventDocument;
use vigil_sigma::engine::{RuleSet, Scratch};
use vigil_store::{SearchRequest, SearchResponse, SearchResult};

use super::{allow, ApiError, AppState};
use crate::auth::Caller;
use crate::server::now_ms;

/// Default time range: the last 24 hours.
const DEFAULT_RANGE_MS: i64 = 86_400_000;
/// Default and largest number of events returned.
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 10_000;

/// A search, as query parameters or a JSON body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// The query text.
    q: Option<String>,
    /// Start (RFC 3339, epoch milliseconds, `now-1h`, `-24h`); default 24 h before `to`.
    from: Option<String>,
    /// End (same forms); default now.
    to: Option<String>,
    /// Events returned when the query does not aggregate.
    limit: Option<usize>,
}

pub(super) async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(params): Query<SearchParams>,
) -> Result<Json<Value>, ApiError> {
    run(&state, &caller, params).await
}

pub(super) async fn post(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Json(params): Json<SearchParams>,
) -> Result<Json<Value>, ApiError> {
    run(&state, &caller, params).await
}

/// A parsed, checked search request, or a 400 that says where the query is wrong.
pub(crate) fn request(params: &SearchParams, now: i64) -> Result<SearchRequest, ApiError> {
    let text = params.q.as_deref().unwrap_or("");
    let to_ms = match &params.to {
        Some(text) => time_param("to", text, now)?,
        None => now,
    };
    let from_ms = match &params.from {
        Some(text) => time_param("from", text, now)?,
        None => to_ms.saturating_sub(DEFAULT_RANGE_MS),
    };
    if from_ms >= to_ms {
        return Err(ApiError::bad_request("`from` must be before `to`"));
    }
    let parsed = vigil_query::parse(text).map_err(|e| query_error(text, &[e]))?;
    let query = vigil_query::check(&parsed, now).map_err(|errors| query_error(text, &errors))?;
    Ok(SearchRequest {
        query,
        from_ms,
        to_ms,
        limit: params.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
    })
}

/// A time parameter (`from`, `to`) in any of the forms the query language accepts.
pub(super) fn time_param(name: &str, text: &str, now: i64) -> Result<i64, ApiError> {
    vigil_query::parse_time_ms(text, now).ok_or_else(|| {
        ApiError::bad_request(format!(
            "`{name}` is not a time: `{text}` (RFC 3339, epoch milliseconds, `now-1h`, `-24h`)"
        ))
    })
}

fn query_error(text: &str, errors: &[ParseError]) -> ApiError {
    let first = &errors[0];
    ApiError::bad_request(format!("query error: {}", first.message)).with(json!({
        "position": { "start": first.span.start, "end": first.span.end },
        "explain": first.render(text),
        "errors": errors.iter().map(|e| json!({
            "message": e.message,
            "start": e.span.start,
            "end": e.span.end,
        })).collect::<Vec<_>>(),
    }))
}

async fn run(
    state: &AppState,
    caller: &Caller,
    params: SearchParams,
) -> Result<Json<Value>, ApiError> {
    allow(caller, |role| role.can_read())?;
    let request = request(&params, now_ms())?;
    let store = state.store.clone();
    let response = tokio::task::spawn_blocking(move || store.search(&request))
        .await
        .map_err(ApiError::internal)?
        .map_err(store_error)?;
    Ok(Json(response_json(&response)))
}

pub(crate) fn store_error(error: vigil_store::StoreError) -> ApiError {
    match error {
        vigil_store::StoreError::Query { message, span } => {
            ApiError::bad_request(format!("query error: {message}"))
                .with(json!({ "position": { "start": span.start, "end": span.end } }))
        }
        other => ApiError::internal(other),
    }
}

/// The JSON of a search response.
pub fn response_json(response: &SearchResponse) -> Value {
    let mut out = match &response.result {
        SearchResult::Events { total, events } => json!({
            "kind": "events",
            "total": total,
            "events": events.iter().map(|hit| json!({
                "time": hit.time_ms,
                "rules": hit.rule_ids,
                "event": hit.event,
            })).collect::<Vec<_>>(),
        }),
        SearchResult::Table(table) => json!({
            "kind": "table",
            "columns": table.columns,
            "rows": table.rows,
        }),
    };
    if let Some(object) = out.as_object_mut() {
        object.insert("took_ms".to_owned(), json!(response.took_ms));
        object.insert(
            "partitions_searched".to_owned(),
            json!(response.partitions_searched),
        );
    }
    out
}

/// A rule test: Sigma YAML run over the events a search finds.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestBody {
    /// The rule (one or more documents; correlations are not run).
    yaml: String,
    /// Which events (default: every event of the range).
    q: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// Events tested at most (default 1,000; at most 10,000).
    limit: Option<usize>,
}

pub(crate) async fn test_rule(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Json(body): Json<TestBody>,
) -> Result<Json<Value>, ApiError> {
    allow(&caller, |role| role.can_read())?;
    let mut documents = Vec::new();
    let mut errors = Vec::new();
    for loaded in vigil_sigma::load::load_str(&body.yaml, "test") {
        match loaded {
            Ok(document) => documents.push(document),
            Err(error) => errors.push(error.to_string()),
        }
    }
    if !errors.is_empty() {
        return Err(
            ApiError::bad_request("the rule does not load").with(json!({ "errors": errors }))
        );
    }
    let mut set = RuleSet::with_shipped_pipelines().map_err(ApiError::internal)?;
    set.add_documents(documents);
    let (rules, build_errors) = set.build();
    if !build_errors.is_empty() {
        let errors: Vec<String> = build_errors.iter().map(ToString::to_string).collect();
        return Err(
            ApiError::bad_request("the rule does not compile").with(json!({ "errors": errors }))
        );
    }
    let params = SearchParams {
        q: body.q,
        from: body.from,
        to: body.to,
        limit: Some(body.limit.unwrap_or(1_000).clamp(1, MAX_LIMIT)),
    };
    let request = request(&params, now_ms())?;
    let store = state.store.clone();
    let rules = Arc::new(rules);
    let result = tokio::task::spawn_blocking(move || -> Result<Value, ApiError> {
        let response = store.search(&request).map_err(store_error)?;
        let SearchResult::Events { events, .. } = response.result else {
            return Err(ApiError::bad_request(
                "a rule test needs events: leave aggregation pipes out of `q`",
            ));
        };
        let mut scratch = Scratch::new();
        let mut found = Vec::new();
        let mut matches = Vec::new();
        for hit in &events {
            matches.clear();
            match renormalize(&hit.event) {
                Some(event) => {
                    let doc = EventDocument::new(&event);
                    rules.evaluate_with(&mut scratch, event.source_type, &doc, &mut matches);
                }
                None => {
                    let Some(source_type) = stored_source_type(&hit.event) else {
                        continue;
                    };
                    let doc = StoredDocument::new(&hit.event);
                    rules.evaluate_with(&mut scratch, source_type, &doc, &mut matches);
                }
            }
            for rule_match in &matches {
                let title = rules
                    .rule(rule_match.rule_index)
                    .map(|info| info.meta.title.clone())
                    .unwrap_or_default();
                found.push(json!({
                    "rule": title,
                    "time": hit.time_ms,
                    "matched_fields": rule_match.matched_fields,
                    "event": hit.event,
                }));
            }
        }
        Ok(json!({ "events_tested": events.len(), "matches": found }))
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(Json(result))
}

/// The event a stored one was made from: its original record normalized again with the
/// same source type (rules read the source's own field names, which live in the record).
/// `None` when the record no longer gives exactly one event (one flow of a flow-log object).
fn renormalize(stored: &Value) -> Option<vigil_model::Event> {
    let raw = stored.get("raw_data")?.as_str()?;
    let source_type = stored_source_type(stored)?;
    let path = stored
        .get("vigil")
        .and_then(|v| v.get("source"))
        .and_then(Value::as_str)
        .unwrap_or("stored");
    let record = Record::new(path, raw.as_bytes().to_vec());
    let context = Context {
        path: Arc::from(path),
        reference_time_ms: stored.get("time").and_then(Value::as_i64).unwrap_or(0),
    };
    let mut out = Output::default();
    vigil_formats::normalize(source_type, &record, &context, &mut out);
    if out.events.len() == 1 {
        out.events.pop()
    } else {
        None
    }
}

fn stored_source_type(stored: &Value) -> Option<SourceType> {
    stored
        .get("vigil")
        .and_then(|v| v.get("source_type"))
        .and_then(Value::as_str)
        .and_then(|name| SourceType::from_str(name).ok())
}

/// A stored event read the way [`EventDocument`] reads a live one: the source's own names
/// first (the original record, when it is a JSON object), then the OCSF paths (also under
/// `ocsf.`).
struct StoredDocument<'a> {
    native: Option<Value>,
    ocsf: &'a Value,
}

impl<'a> StoredDocument<'a> {
    fn new(stored: &'a Value) -> StoredDocument<'a> {
        let native = stored
            .get("raw_data")
            .and_then(Value::as_str)
            .and_then(|raw| serde_json::from_str::<Value>(raw).ok())
            .filter(Value::is_object);
        StoredDocument {
            native,
            ocsf: stored,
        }
    }
}

impl vigil_sigma::doc::Document for StoredDocument<'_> {
    fn field(&self, path: &str, each: &mut dyn FnMut(vigil_sigma::doc::FieldValue<'_>)) -> bool {
        if let Some(ocsf_path) = path.strip_prefix("ocsf.") {
            return self.ocsf.field(ocsf_path, each);
        }
        self.native
            .as_ref()
            .is_some_and(|native| native.field(path, each))
            || self.ocsf.field(path, each)
    }

    fn keywords(&self, each: &mut dyn FnMut(&str) -> bool) {
        let mut go_on = true;
        if let Some(native) = &self.native {
            native.keywords(&mut |text| {
                go_on = each(text);
                go_on
            });
        }
        if go_on {
            self.ocsf.keywords(each);
        }
    }
}
