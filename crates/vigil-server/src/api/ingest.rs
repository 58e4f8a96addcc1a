//! Push endpoints: a batch is acknowledged (200 with counts) only once its events are in the
//! write-ahead log. A full pipeline answers 503 with `Retry-After`, a body over the limit 413,
//! a bad token 401; none of those stores anything.
//!
//! - `POST /api/ingest/ndjson?source=NAME[&source_type=T]`: any supported records (NDJSON,
//!   JSON arrays, syslog lines), optionally gzip or zstd compressed (sniffed).
//! - `POST /api/ingest/logpush?dataset=http_requests|firewall_events[&source=NAME]`: IBM
//!   Cloud Internet Services (Cloudflare) Logpush HTTP destination batches (gzip NDJSON).
//! - `POST /api/ingest/falco`: Falco `http_output` (one JSON event per request, or several).
//! - `POST /api/ingest/sysdig`: Workload Protection (Sysdig Secure) webhook notifications.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::oneshot;
use vigil_model::SourceType;
use vigil_sources::{Chunk, SourceId};
use vigil_state::DeadLetterFilter;

use super::{allow, ApiError, AppState};
use crate::auth::Caller;
use crate::pipeline::{Job, PipelineError};
use crate::server::now_ms;

/// Query of the generic endpoint.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NdjsonQuery {
    /// A name for the sender (the source id is `http:<name>`).
    source: Option<String>,
    /// Read every record as this source type instead of detecting it.
    source_type: Option<String>,
}

/// Query of the Logpush endpoint.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogpushQuery {
    /// The Logpush dataset.
    dataset: Option<String>,
    /// A name for the job.
    source: Option<String>,
}

/// Numbers batches, so each has its own origin (its records' location in dead letters).
static BATCHES: AtomicU64 = AtomicU64::new(0);

pub(super) async fn ndjson(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<NdjsonQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let source_type = match &query.source_type {
        Some(name) => Some(
            SourceType::from_str(name)
                .map_err(|_| ApiError::bad_request(format!("unknown `source_type` `{name}`")))?,
        ),
        None => None,
    };
    let name = source_name(query.source.as_deref(), "ndjson")?;
    accept(&state, &caller, &name, source_type, body).await
}

pub(super) async fn logpush(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<LogpushQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let source_type = match query.dataset.as_deref() {
        None => None,
        Some("http_requests") => Some(SourceType::CisHttp),
        Some("firewall_events") => Some(SourceType::CisFirewall),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "unsupported Logpush `dataset` `{other}` (http_requests, firewall_events)"
            )))
        }
    };
    let name = source_name(query.source.as_deref(), "logpush")?;
    accept(&state, &caller, &name, source_type, body).await
}

pub(super) async fn falco(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Response, ApiError> {
    accept(&state, &caller, "falco", Some(SourceType::Falco), body).await
}

pub(super) async fn sysdig(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Response, ApiError> {
    accept(&state, &caller, "sysdig", Some(SourceType::Sysdig), body).await
}

/// A sender name: letters, digits, `-`, `_`, `.`; at most 64.
fn source_name(given: Option<&str>, default: &str) -> Result<String, ApiError> {
    let name = given.unwrap_or(default);
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !valid {
        return Err(ApiError::bad_request(
            "`source` must be 1 to 64 letters, digits, `-`, `_` or `.`",
        ));
    }
    Ok(name.to_owned())
}

async fn accept(
    state: &AppState,
    caller: &Caller,
    name: &str,
    source_type: Option<SourceType>,
    body: Bytes,
) -> Result<Response, ApiError> {
    allow(caller, |role| role.can_ingest())?;
    if body.is_empty() {
        return Ok(Json(json!({ "events": 0, "rejected": 0 })).into_response());
    }
    let batch = BATCHES.fetch_add(1, Ordering::Relaxed);
    let received_ms = now_ms();
    let (ack, done) = oneshot::channel();
    let job = Job {
        chunk: Chunk {
            source_id: SourceId::new(format!("http:{name}")),
            origin: format!("http://{name}/{received_ms}-{batch}"),
            bytes: body,
            source_type,
            checkpoint: None,
        },
        received_ms,
        ack: Some(ack),
        submitted: None,
    };
    match state.pipeline.try_submit(job) {
        Ok(()) => {}
        Err((PipelineError::Full, _)) => {
            state.metrics.add(
                "vigil_ingest_refused_total",
                &[("reason", "queue_full")],
                1.0,
            );
            let mut response = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the ingest queue is full; retry later",
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
            return Ok(response);
        }
        Err((error, _)) => {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                error.to_string(),
            ))
        }
    }
    match done.await {
        Ok(Ok(receipt)) => Ok(Json(receipt).into_response()),
        Ok(Err(error)) => Err(ApiError::internal(error)),
        Err(_) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the pipeline stopped before the batch was stored",
        )),
    }
}

/// Query of the dead-letter listing.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadLetterQuery {
    source: Option<String>,
    reason: Option<String>,
    limit: Option<u32>,
    offset: Option<u64>,
}

pub(super) async fn dead_letters(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<DeadLetterQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    allow(&caller, |role| role.can_read())?;
    let mut filter = DeadLetterFilter {
        source_id: query.source.as_deref().map(Into::into),
        reason: query.reason,
        ..DeadLetterFilter::default()
    };
    if let Some(limit) = query.limit {
        filter.limit = limit;
    }
    filter.offset = query.offset.unwrap_or(0);
    let state_store = state.state.clone();
    let (letters, counts) = tokio::task::spawn_blocking(move || {
        Ok::<_, vigil_state::StateError>((
            state_store.list_dead_letters(&filter)?,
            state_store.dead_letter_counts()?,
        ))
    })
    .await
    .map_err(ApiError::internal)??;
    let letters: Vec<_> = letters
        .iter()
        .map(|letter| {
            json!({
                "id": letter.id.to_string(),
                "time": letter.time_ms,
                "source": letter.source_id.as_str(),
                "source_type": letter.source_type.name(),
                "location": letter.location,
                "reason": letter.reason,
                "detail": letter.detail,
                "raw": String::from_utf8_lossy(&letter.raw),
                "raw_len": letter.raw_len,
                "truncated": letter.is_truncated(),
            })
        })
        .collect();
    let counts: Vec<_> = counts
        .iter()
        .map(|count| {
            json!({
                "source": count.source_id.as_str(),
                "reason": count.reason,
                "count": count.count,
            })
        })
        .collect();
    Ok(Json(json!({ "dead_letters": letters, "counts": counts })))
}
