//! Starting and stopping everything: stores, detection, pipeline, sources, HTTP.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use vigil_detect::intel::IntelSet;
use vigil_sigma::ast::Document;
use vigil_sources::{CheckpointStore, SourceError, SourceHandle, SourceId};
use vigil_state::StateStore;
use vigil_store::{EventStore, StoreOptions};

use crate::api::{self, AppState};
use crate::auth::Tokens;
use crate::config::ServeConfig;
use crate::detection::Detection;
use crate::metrics::{Kind, Metrics};
use crate::pipeline::{Job, Pipeline, PipelineOptions, Sinks};
use crate::ServerError;

/// What the binary hands the server besides the configuration: rules and indicators it read
/// from files (the server itself reads no rule files).
pub struct Server {
    /// The configuration.
    pub config: ServeConfig,
    /// Base rule documents (the built-in pack and configured rule files).
    pub documents: Vec<Document>,
    /// Indicators.
    pub intel: IntelSet,
    /// Extra tokens (the demo adds one it prints).
    pub extra_tokens: Tokens,
}

/// A running server.
pub struct ServerHandle {
    /// Where the API listens.
    pub addr: SocketAddr,
    /// Where the generated token is, when one was generated or reused.
    pub token_file: Option<PathBuf>,
    /// The shared state the routes use.
    pub state: AppState,
    shutdown: CancellationToken,
    http: tokio::task::JoinHandle<()>,
    retention: tokio::task::JoinHandle<()>,
    sources: Vec<SourceHandle>,
    forwarder: tokio::task::JoinHandle<()>,
}

/// Checkpoints of pull sources, kept in the state store.
struct StateCheckpoints(StateStore);

impl CheckpointStore for StateCheckpoints {
    fn load(&self, source: &SourceId, key: &str) -> Result<Option<Value>, SourceError> {
        self.0
            .load_checkpoint(&source.as_str().into(), key)
            .map_err(|e| SourceError::Checkpoint {
                key: key.to_owned(),
                detail: e.to_string(),
            })
    }

    fn save(&self, source: &SourceId, key: &str, value: &Value) -> Result<(), SourceError> {
        let checkpoint = vigil_state::Checkpoint {
            source_id: source.as_str().into(),
            key: key.to_owned(),
            value: value.clone(),
        };
        self.0
            .save_checkpoints(&[checkpoint])
            .map_err(|e| SourceError::Checkpoint {
                key: key.to_owned(),
                detail: e.to_string(),
            })
    }
}

impl Server {
    /// Opens the stores, builds the detection, starts the pipeline, the sources and the HTTP
    /// listener. Must run inside a tokio runtime.
    pub async fn start(self) -> Result<ServerHandle, ServerError> {
        let Server {
            config,
            documents,
            intel,
            extra_tokens,
        } = self;
        let data_dir = config.server.data_dir.clone();
        std::fs::create_dir_all(&data_dir).map_err(|source| ServerError::Io {
            what: format!("cannot create `{}`", data_dir.display()),
            source,
        })?;
        let (mut tokens, token_file) = Tokens::load(&config.auth, &data_dir)?;
        tokens.extend(extra_tokens);

        let state = StateStore::open(data_dir.join("state.sqlite"))?;
        let store_options = store_options(&config);
        let store_dir = data_dir.join("events");
        let store = tokio::task::spawn_blocking(move || EventStore::open(store_dir, store_options))
            .await
            .map_err(|e| ServerError::Rules(format!("event store open task failed: {e}")))??;
        let store = Arc::new(store);

        recover_checkpoints(&store, &state)?;
        let intel = Arc::new(intel);
        let detection = build_detection(&documents, &state, intel.clone())?;
        for skipped in &detection.skipped {
            tracing::warn!(rule = %skipped, "rule skipped");
        }
        let detection = Arc::new(RwLock::new(Arc::new(detection)));

        let metrics = Arc::new(Metrics::default());
        describe_metrics(&metrics);
        let workers = config
            .server
            .workers
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let pipeline = Arc::new(Pipeline::start(
            PipelineOptions {
                workers,
                queue_chunks: config.server.queue_chunks,
                max_queue_bytes: config.server.max_queue_bytes,
                max_decompressed_bytes: config.server.max_decompressed_bytes,
                analytics: config.detection.analytics,
                snapshot_interval: Duration::from_secs(
                    config.detection.snapshot_interval_secs.max(1),
                ),
                data_dir: data_dir.clone(),
            },
            Sinks {
                store: store.clone(),
                state: state.clone(),
                metrics: metrics.clone(),
                detection: detection.clone(),
            },
        ));

        let shutdown = CancellationToken::new();
        // Pull and listen sources feed one bounded channel; one task moves chunks into the
        // pipeline, waiting while it is full (backpressure reaches the sources).
        let (chunk_tx, mut chunk_rx) = mpsc::channel(config.server.queue_chunks.max(1));
        let checkpoints: Arc<dyn CheckpointStore> = Arc::new(StateCheckpoints(state.clone()));
        let mut sources = Vec::new();
        for source in config.sources.clone() {
            let handle = vigil_sources::spawn(
                source,
                checkpoints.clone(),
                chunk_tx.clone(),
                shutdown.child_token(),
            )
            .await
            .map_err(|e| ServerError::Config {
                path: "[[sources]]".to_owned(),
                message: e.to_string(),
            })?;
            sources.push(handle);
        }
        drop(chunk_tx);
        let forwarder = {
            let pipeline = pipeline.clone();
            tokio::spawn(async move {
                while let Some(chunk) = chunk_rx.recv().await {
                    let job = Job {
                        chunk,
                        received_ms: now_ms(),
                        ack: None,
                        submitted: None,
                    };
                    if pipeline.submit(job).await.is_err() {
                        break;
                    }
                }
            })
        };

        // Retention: whole partitions, on a timer (the store itself reads no clock).
        let retention = {
            let store = store.clone();
            let metrics = metrics.clone();
            let every = Duration::from_secs(config.store.retention_interval_secs.max(1));
            let stop = shutdown.clone();
            tokio::spawn(async move {
                let mut ticker = tokio::time::interval(every);
                ticker.tick().await;
                loop {
                    tokio::select! {
                        _ = stop.cancelled() => break,
                        _ = ticker.tick() => {}
                    }
                    let store = store.clone();
                    match tokio::task::spawn_blocking(move || store.retention_sweep(now_ms())).await
                    {
                        Ok(Ok(report)) if !report.dropped.is_empty() => {
                            tracing::info!(
                                partitions = report.dropped.len(),
                                freed_bytes = report.freed_bytes,
                                "retention dropped partitions"
                            );
                            metrics.add(
                                "vigil_retention_dropped_partitions_total",
                                &[],
                                report.dropped.len() as f64,
                            );
                        }
                        Ok(Ok(_)) => {}
                        Ok(Err(error)) => tracing::error!(%error, "retention failed"),
                        Err(error) => tracing::error!(%error, "retention task failed"),
                    }
                }
            })
        };
        let app_state = AppState {
            tokens: Arc::new(tokens),
            pipeline,
            store,
            state,
            metrics,
            detection,
            documents: Arc::new(documents),
            intel,
            started: Instant::now(),
            max_body_bytes: config.server.max_body_bytes,
            export_dir: config
                .store
                .export_dir
                .clone()
                .unwrap_or_else(|| data_dir.join("lake")),
        };
        let listener = tokio::net::TcpListener::bind(config.server.listen)
            .await
            .map_err(|source| ServerError::Io {
                what: format!("cannot listen on {}", config.server.listen),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| ServerError::Io {
            what: "cannot read the listening address".to_owned(),
            source,
        })?;
        let router = api::app(app_state.clone());
        let http_shutdown = shutdown.clone();
        let http = tokio::spawn(async move {
            let served = axum::serve(listener, router)
                .with_graceful_shutdown(async move { http_shutdown.cancelled().await })
                .await;
            if let Err(error) = served {
                tracing::error!(%error, "http server stopped");
            }
        });
        Ok(ServerHandle {
            addr,
            token_file,
            state: app_state,
            shutdown,
            http,
            retention,
            sources,
            forwarder,
        })
    }
}

impl ServerHandle {
    /// Stops sources and HTTP, drains the pipeline (everything queued becomes durable and is
    /// acknowledged), saves the correlation windows and commits the index.
    pub async fn shutdown(self) -> Result<(), ServerError> {
        self.shutdown.cancel();
        for source in self.sources {
            if let Err(error) = source.join().await {
                tracing::warn!(%error, "source stopped with an error");
            }
        }
        let _ = self.forwarder.await;
        let _ = self.http.await;
        let _ = self.retention.await;
        let pipeline = self.state.pipeline.clone();
        let store = self.state.store.clone();
        tokio::task::spawn_blocking(move || {
            pipeline.shutdown();
            store.flush()
        })
        .await
        .map_err(|e| ServerError::Rules(format!("shutdown task failed: {e}")))??;
        Ok(())
    }

    /// The listening address of each source that listens (syslog), by source id.
    pub fn source_addrs(&self) -> Vec<(String, SocketAddr)> {
        self.sources
            .iter()
            .filter_map(|s| s.local_addr.map(|addr| (s.id.to_string(), addr)))
            .collect()
    }

    /// Waits until the token is cancelled (Ctrl-C in the binary), then shuts down.
    pub fn cancel_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }
}

/// Wall-clock now (ms): the only clock of the ingest path (the time a chunk was received).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn store_options(config: &ServeConfig) -> StoreOptions {
    let mut options = StoreOptions {
        commit_interval_ms: config.store.commit_interval_secs.max(1) * 1000,
        ..StoreOptions::default()
    };
    if config.store.retention_days > 0 {
        options.retention_max_age_ms = Some(
            i64::try_from(config.store.retention_days).unwrap_or(i64::MAX / 86_400_000)
                * 86_400_000,
        );
    }
    if config.store.max_bytes > 0 {
        options.retention_max_bytes = Some(config.store.max_bytes);
    }
    options
}

/// Re-applies the checkpoints the event store's log holds (batches whose checkpoints may not
/// have reached SQLite before a crash), oldest first, then lets the log forget them.
fn recover_checkpoints(store: &EventStore, state: &StateStore) -> Result<(), ServerError> {
    let recovered = store.recovered_meta();
    let Some((last, _)) = recovered.last() else {
        return Ok(());
    };
    let mut applied = 0;
    for (_, meta) in recovered {
        let Some(checkpoints) = crate::pipeline::decode_checkpoints(meta) else {
            tracing::warn!("a log metadata record is not a checkpoint batch; ignored");
            continue;
        };
        applied += checkpoints.len();
        state.save_checkpoints(&checkpoints)?;
    }
    store.confirm_meta(*last)?;
    tracing::info!(
        batches = recovered.len(),
        checkpoints = applied,
        "checkpoints recovered from the event log"
    );
    Ok(())
}

/// Rule keys disabled in the state store.
pub(crate) fn disabled_rules(state: &StateStore) -> Result<HashSet<String>, ServerError> {
    Ok(state
        .list_rules()?
        .into_iter()
        .filter(|rule| !rule.rule.enabled)
        .map(|rule| rule.rule.id.as_str().to_owned())
        .collect())
}

/// The detection the state store asks for: the base documents plus the rules uploaded
/// through the API, minus the rules disabled there (one read of the rules table).
pub(crate) fn build_detection(
    documents: &[Document],
    state: &StateStore,
    intel: Arc<vigil_detect::intel::IntelSet>,
) -> Result<Detection, ServerError> {
    let mut all = documents.to_vec();
    let mut disabled = HashSet::new();
    for rule in state.list_rules()? {
        if !rule.rule.enabled {
            disabled.insert(rule.rule.id.as_str().to_owned());
        }
        let Some(yaml) = &rule.rule.yaml else {
            continue;
        };
        for loaded in
            vigil_sigma::load::load_str(yaml, &format!("uploaded:{}", rule.rule.id.as_str()))
        {
            match loaded {
                Ok(document) => all.push(document),
                Err(error) => tracing::warn!(%error, "uploaded rule does not load"),
            }
        }
    }
    Detection::build(&all, &disabled, intel).map_err(ServerError::Rules)
}

fn describe_metrics(metrics: &Metrics) {
    metrics.describe(
        "vigil_events_total",
        Kind::Counter,
        "Events made durable, by source type.",
    );
    metrics.describe(
        "vigil_rejected_total",
        Kind::Counter,
        "Records dead-lettered, by source.",
    );
    metrics.describe(
        "vigil_alerts_total",
        Kind::Counter,
        "Alerts raised, by level.",
    );
    metrics.describe(
        "vigil_store_errors_total",
        Kind::Counter,
        "Failed event store appends.",
    );
    metrics.describe(
        "vigil_retention_dropped_partitions_total",
        Kind::Counter,
        "Event store partitions dropped by retention.",
    );
    metrics.describe(
        "vigil_ingest_refused_total",
        Kind::Counter,
        "Push requests refused, by reason (full queue, too large, bad token).",
    );
    metrics.describe(
        "vigil_http_requests_total",
        Kind::Counter,
        "HTTP requests by route and status class.",
    );
    metrics.describe(
        "vigil_pipeline_in_flight_chunks",
        Kind::Gauge,
        "Chunks queued or in work.",
    );
    metrics.describe(
        "vigil_store_wal_lag_events",
        Kind::Gauge,
        "Events in the log not yet indexed.",
    );
}
