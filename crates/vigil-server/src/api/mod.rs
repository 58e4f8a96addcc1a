//! The HTTP API: routes, the token check, and one error type that becomes a JSON response
//! without leaking internals.
//!
//! `app(state)` builds the router apart from any listener, so tests drive it directly.

mod alerts;
mod export;
mod ingest;
mod rules;
mod search;

use std::sync::{Arc, RwLock};
use std::time::Instant;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Extension, Json, Router};
use serde_json::json;
use vigil_detect::intel::IntelSet;
use vigil_sigma::ast::Document;
use vigil_state::StateStore;
use vigil_store::EventStore;

use crate::auth::{Caller, Tokens};
use crate::detection::Detection;
use crate::metrics::Metrics;
use crate::pipeline::Pipeline;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// Known API tokens.
    pub tokens: Arc<Tokens>,
    /// The ingest pipeline.
    pub pipeline: Arc<Pipeline>,
    /// Events.
    pub store: Arc<EventStore>,
    /// Alerts, rules, checkpoints, dead letters, audit.
    pub state: StateStore,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// The detection in force.
    pub detection: Arc<RwLock<Arc<Detection>>>,
    /// Base rule documents (pack and configured files), to rebuild the detection.
    pub documents: Arc<Vec<Document>>,
    /// Indicators, to rebuild the detection.
    pub intel: Arc<IntelSet>,
    /// When the server started.
    pub started: Instant,
    /// Largest request body.
    pub max_body_bytes: usize,
    /// Where lake exports (Parquet) are written.
    pub export_dir: std::path::PathBuf,
}

/// The OpenAPI description served at `/api/openapi.json`.
pub const OPENAPI: &str = include_str!("openapi.json");

/// The router.
pub fn app(state: AppState) -> Router {
    let authed = Router::new()
        .route("/metrics", get(metrics))
        .route("/api/openapi.json", get(openapi))
        .route("/api/ingest/ndjson", post(ingest::ndjson))
        .route("/api/ingest/logpush", post(ingest::logpush))
        .route("/api/ingest/falco", post(ingest::falco))
        .route("/api/ingest/sysdig", post(ingest::sysdig))
        .route("/api/search", get(search::get).post(search::post))
        .route("/api/alerts", get(alerts::list))
        .route("/api/alerts/{id}", get(alerts::get).patch(alerts::update))
        .route("/api/rules", get(rules::list).post(rules::upload))
        .route("/api/rules/test", post(rules::test))
        .route("/api/rules/{id}", get(rules::get).delete(rules::delete))
        .route("/api/rules/{id}/enabled", put(rules::set_enabled))
        .route("/api/dead-letters", get(ingest::dead_letters))
        .route("/api/export", post(export::parquet))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    Router::new()
        .route("/api/health", get(health))
        .merge(authed)
        .layer(DefaultBodyLimit::max(state.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            count_requests,
        ))
        .with_state(state)
}

/// An API error: a status and a message safe to show the caller.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    /// Extra JSON members (a query error's position).
    extra: Option<serde_json::Value>,
}

impl ApiError {
    /// An error with this status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            extra: None,
        }
    }

    /// 400.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    /// 500; the detail goes to the log, not to the caller.
    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        tracing::error!(%detail, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error (see the server log)",
        )
    }

    /// Adds JSON members to the body.
    pub fn with(mut self, extra: serde_json::Value) -> ApiError {
        self.extra = Some(extra);
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.message });
        if let (Some(serde_json::Value::Object(extra)), Some(object)) =
            (self.extra, body.as_object_mut())
        {
            object.extend(extra);
        }
        (self.status, Json(body)).into_response()
    }
}

impl From<vigil_state::StateError> for ApiError {
    fn from(error: vigil_state::StateError) -> ApiError {
        match &error {
            vigil_state::StateError::NotFound { .. } => ApiError::not_found(error.to_string()),
            vigil_state::StateError::Invalid { .. } => ApiError::bad_request(error.to_string()),
            _ => ApiError::internal(error),
        }
    }
}

/// The caller must hold a token; its role is checked by each handler through [`Caller`].
async fn require_token(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
        })
        .map(str::trim);
    let Some(caller) = presented.and_then(|token| state.tokens.verify(token)) else {
        state.metrics.add(
            "vigil_ingest_refused_total",
            &[("reason", "unauthorized")],
            1.0,
        );
        let mut response =
            ApiError::new(StatusCode::UNAUTHORIZED, "a valid bearer token is required")
                .into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"vigil\""),
        );
        return response;
    };
    request.extensions_mut().insert(caller);
    next.run(request).await
}

async fn count_requests(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // The route template, not the path: ids stay out of label values.
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let class = match response.status().as_u16() {
        200..=299 => "2xx",
        400..=499 => "4xx",
        500..=599 => "5xx",
        _ => "other",
    };
    state.metrics.add(
        "vigil_http_requests_total",
        &[("route", &route), ("status", class)],
        1.0,
    );
    response
}

/// Fails with 403 unless `check` holds for the caller's role.
pub(crate) fn allow(
    caller: &Caller,
    check: fn(crate::config::Role) -> bool,
) -> Result<(), ApiError> {
    if check(caller.role) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("the `{}` role may not do this", caller.role.name()),
        ))
    }
}

/// 200 while the pipeline commits, 503 once the event store has failed for good.
async fn health(State(state): State<AppState>) -> (StatusCode, Json<serde_json::Value>) {
    let stats = state.pipeline.stats();
    let store = state.store.stats();
    use std::sync::atomic::Ordering::Relaxed;
    let failed = stats.failed.load(Relaxed);
    let status = if failed {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    let body = Json(json!({
        "status": if failed { "failed" } else { "ok" },
        "version": env!("CARGO_PKG_VERSION"),
        "uptime_secs": state.started.elapsed().as_secs(),
        "pipeline": {
            "chunks": stats.chunks.load(Relaxed),
            "events": stats.events.load(Relaxed),
            "rejected": stats.rejected.load(Relaxed),
            "alerts": stats.alerts.load(Relaxed),
            "in_flight_chunks": stats.in_flight.load(Relaxed),
            "in_flight_bytes": stats.in_flight_bytes.load(Relaxed),
        },
        "store": {
            "events": store.events,
            "partitions": store.partitions,
            "partition_bytes": store.partition_bytes,
            "wal_bytes": store.wal_bytes,
            "wal_lag_events": store.wal_lag_events,
        },
    }));
    (status, body)
}

async fn metrics(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    allow(&caller, |role| role.can_read())?;
    use std::sync::atomic::Ordering::Relaxed;
    let stats = state.pipeline.stats();
    state.metrics.set(
        "vigil_pipeline_in_flight_chunks",
        &[],
        stats.in_flight.load(Relaxed) as f64,
    );
    state.metrics.set(
        "vigil_store_wal_lag_events",
        &[],
        state.store.stats().wal_lag_events as f64,
    );
    let mut text = state.metrics.render();
    text.push_str(&stats.latency.render(
        "vigil_pipeline_latency_seconds",
        "Submission of a chunk to its alerts recorded.",
    ));
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response())
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}
