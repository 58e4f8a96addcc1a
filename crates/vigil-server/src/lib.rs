//! `vigil serve`: the composition root and the HTTP API.
//!
//! This crate wires the lower crates into a running platform and owns nothing they own:
//! sources (`vigil-sources`) deliver chunks of raw bytes; the [`pipeline`] normalizes them
//! (`vigil-formats`), matches rules and indicators (`vigil-detect`), appends the events to the
//! event store (`vigil-store`: durable before anything is acknowledged), saves source
//! checkpoints, runs correlations and analytics in arrival order, and records alerts and
//! dead letters in the state store (`vigil-state`). The [`api`] (axum) serves ingest
//! endpoints, search, alerts, rules, health, metrics and its OpenAPI description; its JSON
//! shapes (DTOs) live here and nowhere else.
//!
//! Invariants:
//! - An event is acknowledged (push response, source checkpoint) only after the store's
//!   write-ahead log holds it.
//! - Every queue is bounded: a full pipeline answers push clients 503 and slows pull sources.
//! - CPU work (decode, normalize, detect) runs on the pipeline's threads, never on the async
//!   runtime; the runtime only moves bytes.
//! - Every route but `/api/health` needs a token ([`auth`]).

pub mod api;
pub mod auth;
pub mod config;
pub mod detection;
pub mod metrics;
pub mod pipeline;
pub mod server;

pub use config::ServeConfig;
pub use server::{Server, ServerHandle};

/// What can stop the server from starting or running.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The configuration is wrong.
    #[error("{path}: {message}")]
    Config {
        /// The file (or section) at fault.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A file or socket operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The event store failed to open.
    #[error("event store: {0}")]
    Store(#[from] vigil_store::StoreError),
    /// The state store failed to open.
    #[error("state store: {0}")]
    State(#[from] vigil_state::StateError),
    /// The rules cannot run.
    #[error("rules: {0}")]
    Rules(String),
}
