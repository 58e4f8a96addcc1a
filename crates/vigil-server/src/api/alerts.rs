//! `/api/alerts`: list with filters, get one with its evidence, change status or assignee.

use std::str::FromStr;

use axum::extract::{Path, Query, State};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Value};
use vigil_sigma::ast::Level;
use vigil_state::{AlertDetail, AlertFilter, AlertId, AlertStatus, AlertSummary, AlertUpdate};

use super::{allow, ApiError, AppState};
use crate::auth::Caller;

/// Filters of the listing.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    status: Option<String>,
    /// This level or above.
    level: Option<String>,
    rule: Option<String>,
    assignee: Option<String>,
    /// Last seen at or after (ms since the epoch).
    from: Option<i64>,
    /// Last seen before (ms).
    to: Option<i64>,
    /// Text in the title.
    q: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
}

pub(super) async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    allow(&caller, |role| role.can_read())?;
    let mut filter = AlertFilter {
        status: query.status.as_deref().map(parse_status).transpose()?,
        min_level: query.level.as_deref().map(parse_level).transpose()?,
        rule_id: query.rule.map(Into::into),
        assignee: query.assignee,
        last_seen_from_ms: query.from,
        last_seen_until_ms: query.to,
        title_contains: query.q,
        ..AlertFilter::default()
    };
    if let Some(limit) = query.limit {
        filter.limit = limit;
    }
    filter.offset = query.offset.unwrap_or(0);
    let store = state.state.clone();
    let page = tokio::task::spawn_blocking(move || store.list_alerts(&filter))
        .await
        .map_err(ApiError::internal)??;
    Ok(Json(json!({
        "total": page.total,
        "alerts": page.alerts.iter().map(summary).collect::<Vec<_>>(),
    })))
}

pub(super) async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    allow(&caller, |role| role.can_read())?;
    let store = state.state.clone();
    let found = tokio::task::spawn_blocking(move || store.get_alert(AlertId(id)))
        .await
        .map_err(ApiError::internal)??;
    let detail = found.ok_or_else(|| ApiError::not_found(format!("no alert {id}")))?;
    let mut value = detail_json(&detail);
    let store = state.store.clone();
    let evidence = detail.evidence.clone();
    let events = tokio::task::spawn_blocking(move || evidence_events(&store, &evidence))
        .await
        .map_err(ApiError::internal)?;
    if let Some(object) = value.as_object_mut() {
        object.insert("evidence_events".to_owned(), Value::Array(events));
    }
    Ok(Json(value))
}

/// Evidence items whose stored event is looked up (the rest are listed without it).
const MAX_EVIDENCE_EVENTS: usize = 20;

/// The stored events an alert's evidence points at: found by file (or object) and time, then
/// by line, offset and index within the record.
fn evidence_events(store: &vigil_store::EventStore, evidence: &[Value]) -> Vec<Value> {
    let mut found = Vec::new();
    for item in evidence.iter().take(MAX_EVIDENCE_EVENTS) {
        let (Some(source), Some(time)) = (item["source"].as_str(), item["time"].as_i64()) else {
            continue;
        };
        let text = format!(
            "file:\"{}\"",
            source.replace('\\', "\\\\").replace('"', "\\\"")
        );
        let Ok(query) = vigil_query::parse(&text) else {
            continue;
        };
        let request = vigil_store::SearchRequest {
            query,
            from_ms: time,
            to_ms: time.saturating_add(1),
            limit: 1_000,
        };
        let Ok(response) = store.search(&request) else {
            continue;
        };
        let vigil_store::SearchResult::Events { events, .. } = response.result else {
            continue;
        };
        let same = |hit: &&vigil_store::EventHit| {
            let place = &hit.event["vigil"];
            place["line"] == item["line"]
                && place["offset"] == item["offset"]
                && place.get("index") == item.get("index")
        };
        if let Some(hit) = events.iter().find(same) {
            found.push(hit.event.clone());
        }
    }
    found
}

/// A change: `{"status": "acknowledged", "assignee": "ana"}` (`"assignee": null` unassigns).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateBody {
    status: Option<String>,
    #[serde(default, deserialize_with = "present")]
    assignee: Option<Option<String>>,
}

/// A member that is present (even as `null`) becomes `Some`.
fn present<'de, D>(deserializer: D) -> Result<Option<Option<String>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Option::<String>::deserialize(deserializer).map(Some)
}

pub(super) async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<i64>,
    Json(body): Json<UpdateBody>,
) -> Result<Json<Value>, ApiError> {
    allow(&caller, |role| role >= crate::config::Role::Analyst)?;
    let update = AlertUpdate {
        status: body.status.as_deref().map(parse_status).transpose()?,
        assignee: body.assignee,
    };
    let store = state.state.clone();
    let actor = caller.name.clone();
    let detail =
        tokio::task::spawn_blocking(move || store.update_alert(AlertId(id), &update, &actor))
            .await
            .map_err(ApiError::internal)??;
    Ok(Json(detail_json(&detail)))
}

fn parse_status(text: &str) -> Result<AlertStatus, ApiError> {
    AlertStatus::from_str(text).map_err(|_| {
        ApiError::bad_request(format!(
            "unknown status `{text}` (new, acknowledged, closed)"
        ))
    })
}

fn parse_level(text: &str) -> Result<Level, ApiError> {
    Level::parse(text).ok_or_else(|| {
        ApiError::bad_request(format!(
            "unknown level `{text}` (informational, low, medium, high, critical)"
        ))
    })
}

fn summary(alert: &AlertSummary) -> Value {
    json!({
        "id": alert.id.0,
        "dedup_key": alert.dedup_key,
        "rule_id": alert.rule_id.as_ref().map(|id| id.as_str().to_owned()),
        "title": alert.rule_title,
        "level": alert.level.name(),
        "status": alert.status.as_str(),
        "assignee": alert.assignee,
        "first_seen": alert.first_seen_ms,
        "last_seen": alert.last_seen_ms,
        "count": alert.count,
        "entities": alert.entities,
        "updated": alert.updated_ms,
    })
}

fn detail_json(detail: &AlertDetail) -> Value {
    let mut value = summary(&detail.summary);
    if let Some(object) = value.as_object_mut() {
        object.insert("alert".to_owned(), detail.alert.clone());
        object.insert("evidence".to_owned(), Value::Array(detail.evidence.clone()));
        object.insert(
            "evidence_dropped".to_owned(),
            json!(detail.evidence_dropped),
        );
        object.insert("created".to_owned(), json!(detail.created_ms));
    }
    value
}
