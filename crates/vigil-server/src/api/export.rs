//! `POST /api/export`: the lake export. Writes the day partitions overlapping a time range
//! as Parquet files into the configured export directory (`store.export_dir`, default
//! `<data_dir>/lake`), for other engines. The caller chooses the range, never the path.

use axum::extract::State;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Value};

use super::search::time_param;
use super::{allow, ApiError, AppState};
use crate::auth::Caller;
use crate::config::Role;
use crate::server::now_ms;

/// `{"from": "-7d", "to": "now"}` (same time forms as search).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportBody {
    from: String,
    to: Option<String>,
}

pub(super) async fn parquet(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Json(body): Json<ExportBody>,
) -> Result<Json<Value>, ApiError> {
    allow(&caller, |role| role == Role::Admin)?;
    let now = now_ms();
    let from_ms = time_param("from", &body.from, now)?;
    let to_ms = match &body.to {
        Some(text) => time_param("to", text, now)?,
        None => now,
    };
    if from_ms >= to_ms {
        return Err(ApiError::bad_request("`from` must be before `to`"));
    }
    let store = state.store.clone();
    let request = vigil_store::ExportRequest::new(from_ms, to_ms, state.export_dir.clone());
    let report = tokio::task::spawn_blocking(move || {
        // Committed events only: commit first so the export holds everything acknowledged.
        store.flush()?;
        store.export_parquet(&request)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    let files: Vec<Value> = report
        .files
        .iter()
        .map(|file| {
            json!({
                "path": file.path.display().to_string(),
                "partition_start": file.partition_start_ms,
                "partition_end": file.partition_end_ms,
                "rows": file.rows,
                "bytes": file.bytes,
            })
        })
        .collect();
    Ok(Json(
        json!({ "files": files, "rows": report.rows, "bytes": report.bytes }),
    ))
}
