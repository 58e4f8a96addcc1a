//! The ingest pipeline: chunks in, durable events and alerts out.
//!
//! ```text
//!  submit ──> [bounded queue] ──> N workers ──> commit thread
//!            (seq numbered)      normalize      in seq order: store append (durable)
//!                                match rules    → checkpoints + ack → correlations,
//!                                intel          analytics → alerts → state
//! ```
//!
//! Workers are stateless (decode, normalize, single-event rules and indicators), so they run
//! in parallel. Everything stateful runs on the one commit thread, in submission order:
//! the write-ahead-log append (an event is acknowledged only once it is durable), then the
//! source checkpoint, then the acknowledgement to a push client, then correlations and
//! analytics (which want events in arrival order), then alerts into the state store.
//! The queue is bounded: [`Pipeline::try_submit`] fails with `Full` (push clients get 503),
//! [`Pipeline::submit`] waits (pull sources slow down).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use vigil_detect::alert::Alert;
use vigil_detect::analytics::{Analytics, AnalyticsOptions, Observation};
use vigil_detect::hunt::{AlertBuilder, AlertBuilderSnapshot, MatchedEvent, Matcher};
use vigil_formats::pipeline::{self as formats, StreamOptions};
use vigil_formats::stream::Limits;
use vigil_model::Rejection;
use vigil_sigma::correlation::CorrelationOptions;
use vigil_sigma::engine::Scratch;
use vigil_sources::Chunk;
use vigil_state::{Checkpoint, DeadLetter, StateStore};
use vigil_store::{EventStore, StoredEvent};

use crate::detection::Detection;
use crate::metrics::Metrics;

/// The file (under the data directory) holding the open correlation windows: too large for
/// a checkpoint row, written whole and renamed into place so a crash leaves the old or the
/// new one, never half of one.
pub const CORRELATION_FILE: &str = "correlations.json";

/// What a push client is told once its batch is durable.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Receipt {
    /// Events stored.
    pub events: u64,
    /// Records dead-lettered.
    pub rejected: u64,
}

/// Why a chunk was not taken or not stored.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The queue is full: retry later.
    #[error("the ingest queue is full")]
    Full,
    /// The pipeline is shutting down.
    #[error("the pipeline is stopped")]
    Stopped,
    /// The store refused the batch; nothing of it is durable.
    #[error("the event store failed: {0}")]
    Store(String),
}

/// One chunk and who waits for it.
pub struct Job {
    /// The bytes and their origin.
    pub chunk: Chunk,
    /// Wall-clock time it was received (ms): the reference time for year-less syslog and the
    /// time of its dead letters.
    pub received_ms: i64,
    /// Told the outcome once the chunk's events are durable (push sources).
    pub ack: Option<oneshot::Sender<Result<Receipt, PipelineError>>>,
    /// When it was handed over (set by [`Pipeline::try_submit`]): the start of the
    /// submission-to-alert latency.
    pub submitted: Option<Instant>,
}

/// Tuning.
#[derive(Clone, Debug)]
pub struct PipelineOptions {
    /// Worker threads.
    pub workers: usize,
    /// Chunks queued before `try_submit` refuses.
    pub queue_chunks: usize,
    /// Bytes of chunks queued or in work before `try_submit` refuses (a chunk larger than
    /// this is still taken when nothing else is in flight).
    pub max_queue_bytes: u64,
    /// Largest decompressed chunk.
    pub max_decompressed_bytes: u64,
    /// Run the behavioural analytics.
    pub analytics: bool,
    /// How often the correlation windows are saved.
    pub snapshot_interval: Duration,
    /// Where the correlation windows are saved.
    pub data_dir: std::path::PathBuf,
}

/// Counters the API reports.
#[derive(Debug, Default)]
pub struct PipelineStats {
    /// Chunks accepted.
    pub chunks: AtomicU64,
    /// Events made durable.
    pub events: AtomicU64,
    /// Records dead-lettered.
    pub rejected: AtomicU64,
    /// Alerts raised.
    pub alerts: AtomicU64,
    /// Chunks waiting or in work.
    pub in_flight: AtomicU64,
    /// Bytes of the chunks waiting or in work.
    pub in_flight_bytes: AtomicU64,
    /// The event store kept failing: nothing is committed any more (see the log).
    pub failed: AtomicBool,
    /// Submission to alerts recorded, per chunk.
    pub latency: crate::metrics::Histogram,
}

/// A running pipeline.
pub struct Pipeline {
    max_queue_bytes: u64,
    sender: Mutex<Option<SyncSender<(u64, Job)>>>,
    next_seq: Mutex<u64>,
    stats: Arc<PipelineStats>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    stopping: Arc<AtomicBool>,
}

/// What the pipeline writes to and reads rules from.
#[derive(Clone)]
pub struct Sinks {
    /// Events.
    pub store: Arc<EventStore>,
    /// Alerts, checkpoints, dead letters.
    pub state: StateStore,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// The detection in force (replaced when rules change).
    pub detection: Arc<RwLock<Arc<Detection>>>,
}

/// A chunk after the workers.
struct Processed {
    job: Job,
    stored: Vec<StoredEvent>,
    matched: Vec<MatchedEvent>,
    observations: Vec<Observation>,
    intel_alerts: Vec<Alert>,
    rejections: Vec<Rejection>,
    /// Events per source type.
    by_type: BTreeMap<&'static str, u64>,
    read_error: Option<String>,
}

impl Pipeline {
    /// Starts the workers and the commit thread.
    pub fn start(options: PipelineOptions, sinks: Sinks) -> Pipeline {
        let max_queue_bytes = options.max_queue_bytes;
        let (sender, receiver) = mpsc::sync_channel::<(u64, Job)>(options.queue_chunks.max(1));
        let receiver = Arc::new(Mutex::new(receiver));
        let workers = options.workers.max(1);
        // Workers to the commit thread: bounded too, so a slow disk stops the workers.
        let (done_tx, done_rx) = mpsc::sync_channel::<(u64, Processed)>(workers * 2);
        let stats = Arc::new(PipelineStats::default());
        let stopping = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        for n in 0..workers {
            let receiver = receiver.clone();
            let done_tx = done_tx.clone();
            let sinks = sinks.clone();
            let options = options.clone();
            let handle = std::thread::Builder::new()
                .name(format!("vigil-worker-{n}"))
                .spawn(move || worker(&receiver, &done_tx, &sinks, &options))
                .expect("a thread can be spawned at startup");
            threads.push(handle);
        }
        drop(done_tx);
        {
            let stats = stats.clone();
            let handle = std::thread::Builder::new()
                .name("vigil-commit".to_owned())
                .spawn(move || commit(done_rx, &sinks, &options, &stats))
                .expect("a thread can be spawned at startup");
            threads.push(handle);
        }
        Pipeline {
            max_queue_bytes,
            sender: Mutex::new(Some(sender)),
            next_seq: Mutex::new(0),
            stats,
            threads: Mutex::new(threads),
            stopping,
        }
    }

    /// Queues `job`, or fails at once with `Full` when the queue is full (handing the job
    /// back).
    pub fn try_submit(&self, job: Job) -> Result<(), (PipelineError, Box<Job>)> {
        // The sequence number is taken and the job sent under one lock, so numbers reach the
        // commit thread without gaps.
        let Ok(mut next) = self.next_seq.lock() else {
            return Err((PipelineError::Stopped, Box::new(job)));
        };
        let sender = match self.sender.lock() {
            Ok(guard) => guard.clone(),
            Err(_) => None,
        };
        let Some(sender) = sender else {
            return Err((PipelineError::Stopped, Box::new(job)));
        };
        // Memory is bounded by bytes, not only by chunks: a burst of large pushes waits.
        let size = job.chunk.bytes.len() as u64;
        let queued = self.stats.in_flight_bytes.load(Ordering::Relaxed);
        if queued > 0 && queued.saturating_add(size) > self.max_queue_bytes {
            return Err((PipelineError::Full, Box::new(job)));
        }
        let mut job = job;
        job.submitted.get_or_insert_with(Instant::now);
        match sender.try_send((*next, job)) {
            Ok(()) => {
                *next += 1;
                self.stats.chunks.fetch_add(1, Ordering::Relaxed);
                self.stats.in_flight.fetch_add(1, Ordering::Relaxed);
                self.stats
                    .in_flight_bytes
                    .fetch_add(size, Ordering::Relaxed);
                Ok(())
            }
            Err(TrySendError::Full((_, job))) => Err((PipelineError::Full, Box::new(job))),
            Err(TrySendError::Disconnected((_, job))) => {
                Err((PipelineError::Stopped, Box::new(job)))
            }
        }
    }

    /// Queues `job`, waiting while the queue is full.
    pub async fn submit(&self, mut job: Job) -> Result<(), PipelineError> {
        let mut wait = Duration::from_millis(1);
        loop {
            match self.try_submit(job) {
                Ok(()) => return Ok(()),
                Err((PipelineError::Full, back)) => {
                    if self.stopping.load(Ordering::Relaxed) {
                        return Err(PipelineError::Stopped);
                    }
                    job = *back;
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_millis(50));
                }
                Err((error, _)) => return Err(error),
            }
        }
    }

    /// Counters.
    pub fn stats(&self) -> &PipelineStats {
        &self.stats
    }

    /// Stops taking chunks, finishes the queued ones (each made durable and acknowledged)
    /// and saves the correlation windows.
    pub fn shutdown(&self) {
        self.stopping.store(true, Ordering::Relaxed);
        if let Ok(mut sender) = self.sender.lock() {
            sender.take();
        }
        let threads = match self.threads.lock() {
            Ok(mut threads) => std::mem::take(&mut *threads),
            Err(_) => Vec::new(),
        };
        for thread in threads {
            let _ = thread.join();
        }
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn worker(
    receiver: &Mutex<Receiver<(u64, Job)>>,
    done: &SyncSender<(u64, Processed)>,
    sinks: &Sinks,
    options: &PipelineOptions,
) {
    let mut scratch = Scratch::new();
    let mut carried: Option<(u64, Job)> = None;
    // One round per detection in force: the matcher borrows the rule set, so a rule change
    // ends the round and the job that noticed it is carried into the next.
    loop {
        let Some(detection) = current(sinks) else {
            return;
        };
        let Ok(matcher) = Matcher::new(&detection.rules) else {
            // Checked when the detection was built; cannot fail here.
            return;
        };
        loop {
            let (seq, job) = match carried.take() {
                Some(next) => next,
                None => {
                    let next = match receiver.lock() {
                        Ok(receiver) => receiver.recv(),
                        Err(_) => return,
                    };
                    let Ok(next) = next else {
                        return;
                    };
                    next
                }
            };
            if current(sinks).is_some_and(|latest| !Arc::ptr_eq(&latest, &detection)) {
                carried = Some((seq, job));
                break;
            }
            let processed = process(job, &detection, &matcher, &mut scratch, options);
            if done.send((seq, processed)).is_err() {
                return;
            }
        }
    }
}

/// The detection in force.
fn current(sinks: &Sinks) -> Option<Arc<Detection>> {
    sinks.detection.read().ok().map(|d| d.clone())
}

/// Decode, normalize, match: everything that needs no order.
fn process(
    job: Job,
    detection: &Detection,
    matcher: &Matcher<'_>,
    scratch: &mut Scratch,
    options: &PipelineOptions,
) -> Processed {
    let stream_options = StreamOptions {
        source_type: job.chunk.source_type,
        limits: Limits {
            max_decompressed_bytes: options.max_decompressed_bytes,
            ..Limits::default()
        },
        reference_time_ms: job.received_ms,
    };
    let mut processed = Processed {
        stored: Vec::new(),
        matched: Vec::new(),
        observations: Vec::new(),
        intel_alerts: Vec::new(),
        rejections: Vec::new(),
        by_type: BTreeMap::new(),
        read_error: None,
        job,
    };
    let bytes = processed.job.chunk.bytes.clone();
    let origin = processed.job.chunk.origin.clone();
    let result = formats::process(&bytes[..], &origin, &stream_options, |batch| {
        processed.rejections.append(&mut batch.rejections);
        for event in batch.events.drain(..) {
            let mut rule_ids = Vec::new();
            if let Some(matched) = matcher.match_event(&event, scratch) {
                rule_ids = matched
                    .hits
                    .iter()
                    .map(|rule| rule.id.clone().unwrap_or_else(|| rule.title.clone()))
                    .collect();
                processed.matched.push(matched);
            }
            detection
                .intel
                .match_event(&event, &mut processed.intel_alerts);
            if options.analytics {
                processed
                    .observations
                    .extend(Observation::from_event(&event));
            }
            *processed
                .by_type
                .entry(event.source_type.name())
                .or_default() += 1;
            processed
                .stored
                .push(StoredEvent::from_event(&event, rule_ids));
        }
    });
    if let Err(error) = result {
        processed.read_error = Some(error.to_string());
    }
    processed
}

/// The ordered, stateful half.
fn commit(
    done: Receiver<(u64, Processed)>,
    sinks: &Sinks,
    options: &PipelineOptions,
    stats: &PipelineStats,
) {
    let mut waiting: BTreeMap<u64, Processed> = BTreeMap::new();
    let mut next = 0u64;
    let mut snapshot = load_snapshot(options);
    let mut analytics = Analytics::new(AnalyticsOptions::default()).ok();
    let mut last_snapshot = Instant::now();
    // One round per detection in force (the alert builder borrows its rules); the open
    // correlation windows go from round to round through a snapshot.
    loop {
        let Some(detection) = current(sinks) else {
            return;
        };
        let builder = match &snapshot {
            Some(saved) => {
                AlertBuilder::restore(&detection.rules, CorrelationOptions::default(), saved)
            }
            None => AlertBuilder::new(&detection.rules, CorrelationOptions::default()),
        };
        let Ok(builder) = builder else {
            // Checked when the detection was built; cannot fail here.
            return;
        };
        let mut builder = builder.with_evidence_capacity(EVIDENCE_KEPT);
        let finished = loop {
            let Ok((seq, processed)) = done.recv() else {
                break true;
            };
            waiting.insert(seq, processed);
            // Whatever else is ready joins this batch (group commit: one fsync for all).
            while let Ok((seq, processed)) = done.try_recv() {
                waiting.insert(seq, processed);
            }
            let mut batch = Vec::new();
            let mut batch_events = 0;
            while let Some(processed) = waiting.remove(&next) {
                next += 1;
                batch_events += processed.stored.len();
                batch.push(processed);
                if batch_events >= MAX_BATCH_EVENTS {
                    let full = std::mem::take(&mut batch);
                    commit_counted(
                        full,
                        sinks,
                        &mut builder,
                        analytics.as_mut(),
                        options,
                        stats,
                    );
                    batch_events = 0;
                }
            }
            if !batch.is_empty() {
                commit_counted(
                    batch,
                    sinks,
                    &mut builder,
                    analytics.as_mut(),
                    options,
                    stats,
                );
            }
            if last_snapshot.elapsed() >= options.snapshot_interval {
                save_snapshot(options, &builder.snapshot());
                last_snapshot = Instant::now();
            }
            if current(sinks).is_some_and(|latest| !Arc::ptr_eq(&latest, &detection)) {
                break false;
            }
        };
        let taken = builder.snapshot();
        save_snapshot(options, &taken);
        snapshot = Some(taken);
        if finished {
            return;
        }
    }
}

/// Matched events whose evidence correlation alerts can cite.
const EVIDENCE_KEPT: usize = 100_000;

/// [`commit_batch`], then the chunks leave the in-flight counts.
fn commit_counted(
    batch: Vec<Processed>,
    sinks: &Sinks,
    builder: &mut AlertBuilder<'_>,
    analytics: Option<&mut Analytics>,
    options: &PipelineOptions,
    stats: &PipelineStats,
) {
    let chunks = batch.len() as u64;
    let bytes: u64 = batch.iter().map(|p| p.job.chunk.bytes.len() as u64).sum();
    commit_batch(batch, sinks, builder, analytics, options, stats);
    stats.in_flight.fetch_sub(chunks, Ordering::Relaxed);
    stats.in_flight_bytes.fetch_sub(bytes, Ordering::Relaxed);
}

/// The checkpoints of a log batch, as its metadata: JSON `[[source, key, value], …]`.
fn encode_checkpoints(checkpoints: &[Checkpoint]) -> Vec<u8> {
    let rows: Vec<serde_json::Value> = checkpoints
        .iter()
        .map(|c| serde_json::json!([c.source_id.as_str(), c.key, c.value]))
        .collect();
    serde_json::to_vec(&rows).unwrap_or_default()
}

/// The checkpoints of a log batch's metadata (see [`encode_checkpoints`]); `None` when it is
/// not such a batch.
pub fn decode_checkpoints(meta: &[u8]) -> Option<Vec<Checkpoint>> {
    let rows: Vec<(String, String, serde_json::Value)> = serde_json::from_slice(meta).ok()?;
    Some(
        rows.into_iter()
            .map(|(source, key, value)| Checkpoint {
                source_id: source.as_str().into(),
                key,
                value,
            })
            .collect(),
    )
}

/// Appends tried before a failing event store stops the pipeline (about 20 s of backoff).
const STORE_ATTEMPTS: u32 = 8;

/// Tells every waiting client of `batch` that it was not stored.
fn refuse(batch: Vec<Processed>, why: &str) {
    for processed in batch {
        if let Some(ack) = processed.job.ack {
            let _ = ack.send(Err(PipelineError::Store(why.to_owned())));
        }
    }
}

/// Most events appended in one store batch (one fsync).
const MAX_BATCH_EVENTS: usize = 50_000;

/// Commits chunks that are ready, in order: one store append (one fsync) for all their
/// events, then their dead letters and checkpoints, then the acknowledgements, then the
/// stateful detection of each chunk in order and one write of all their alerts.
fn commit_batch(
    mut batch: Vec<Processed>,
    sinks: &Sinks,
    builder: &mut AlertBuilder<'_>,
    mut analytics: Option<&mut Analytics>,
    options: &PipelineOptions,
    stats: &PipelineStats,
) {
    // 1. Durable. A failing store is retried for a while; if it keeps failing the pipeline
    //    stops committing (every later chunk is refused and nothing is checkpointed), so a
    //    chunk is never skipped by a later checkpoint of the same source.
    if stats.failed.load(Ordering::Relaxed) {
        refuse(batch, "the pipeline stopped after the event store failed");
        return;
    }
    // Moved, not copied: the chunks' counts come from `by_type` below.
    let stored: Vec<StoredEvent> = batch
        .iter_mut()
        .flat_map(|processed| std::mem::take(&mut processed.stored))
        .collect();
    // The chunks' checkpoints travel in the same log batch as their events, so a crash can
    // never keep the events and lose the checkpoint (a restart would read them again).
    let checkpoints: Vec<Checkpoint> = batch
        .iter()
        .filter_map(|processed| {
            let chunk = &processed.job.chunk;
            chunk.checkpoint.as_ref().map(|update| Checkpoint {
                source_id: chunk.source_id.as_str().into(),
                key: update.key.clone(),
                value: update.value.clone(),
            })
        })
        .collect();
    let meta = (!checkpoints.is_empty()).then(|| encode_checkpoints(&checkpoints));
    let mut meta_seq = None;
    if !stored.is_empty() || meta.is_some() {
        let mut wait = Duration::from_millis(100);
        let mut attempts = 0;
        loop {
            let appended = match &meta {
                Some(meta) => sinks.store.append_with_meta(&stored, meta).map(Some),
                None => sinks.store.append(&stored).map(|_| None),
            };
            match appended {
                Ok(seq) => {
                    meta_seq = seq;
                    break;
                }
                Err(error) => {
                    attempts += 1;
                    sinks.metrics.add("vigil_store_errors_total", &[], 1.0);
                    tracing::error!(chunks = batch.len(), attempts, %error, "event store append failed");
                    if attempts >= STORE_ATTEMPTS {
                        stats.failed.store(true, Ordering::Relaxed);
                        refuse(batch, &format!("the event store failed: {error}"));
                        return;
                    }
                    std::thread::sleep(wait);
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
            }
        }
    }
    drop(stored);
    // 2. Dead letters and checkpoints (after the events are durable: a crash before this
    //    re-reads the chunks rather than losing them).
    let mut letters: Vec<DeadLetter> = Vec::new();
    let mut rejected_per_chunk = Vec::with_capacity(batch.len());
    for processed in &batch {
        let job = &processed.job;
        let before = letters.len();
        letters.extend(processed.rejections.iter().map(|r| {
            DeadLetter::from_rejection(job.chunk.source_id.as_str().into(), job.received_ms, r)
        }));
        if let Some(error) = &processed.read_error {
            letters.push(DeadLetter {
                time_ms: job.received_ms,
                source_id: job.chunk.source_id.as_str().into(),
                source_type: job
                    .chunk
                    .source_type
                    .unwrap_or(vigil_model::SourceType::Json),
                location: job.chunk.origin.clone(),
                reason: "unreadable_stream".to_owned(),
                detail: error.clone(),
                raw: Vec::new(),
                original_len: Some(job.chunk.bytes.len() as u64),
            });
        }
        rejected_per_chunk.push((letters.len() - before) as u64);
    }
    if !letters.is_empty() {
        if let Err(error) = sinks.state.record_dead_letters(&letters) {
            tracing::error!(%error, "dead letters not recorded");
        }
    }
    if !checkpoints.is_empty() {
        match sinks.state.save_checkpoints(&checkpoints) {
            // Saved in SQLite: the log may forget them.
            Ok(()) => {
                if let Some(seq) = meta_seq {
                    if let Err(error) = sinks.store.confirm_meta(seq) {
                        tracing::error!(%error, "checkpoint log record not confirmed");
                    }
                }
            }
            // Not confirmed: the log keeps them and the next start applies them.
            Err(error) => tracing::error!(%error, "checkpoints not saved"),
        }
    }
    // 3. Counters, and the push clients may go.
    let mut alerts = Vec::new();
    let mut received_ms = 0;
    let mut submitted = Vec::with_capacity(batch.len());
    for (processed, rejected) in batch.into_iter().zip(rejected_per_chunk) {
        let Processed {
            job,
            matched,
            observations,
            intel_alerts,
            by_type,
            ..
        } = processed;
        // Every stored event of the chunk was counted under its source type.
        let events: u64 = by_type.values().sum();
        stats.events.fetch_add(events, Ordering::Relaxed);
        stats.rejected.fetch_add(rejected, Ordering::Relaxed);
        for (source_type, count) in &by_type {
            sinks.metrics.add(
                "vigil_events_total",
                &[("source_type", source_type)],
                *count as f64,
            );
        }
        if rejected > 0 {
            let source = job.chunk.source_id.to_string();
            sinks.metrics.add(
                "vigil_rejected_total",
                &[("source", &source)],
                rejected as f64,
            );
        }
        if let Some(ack) = job.ack {
            let _ = ack.send(Ok(Receipt { events, rejected }));
        }
        received_ms = received_ms.max(job.received_ms);
        submitted.push(job.submitted);
        // 4. Stateful detection, in arrival order.
        alerts.extend(intel_alerts);
        for event in matched {
            builder.push(event, &mut alerts);
        }
        if let Some(analytics) = analytics.as_deref_mut().filter(|_| options.analytics) {
            for observation in &observations {
                analytics.observe_observation(observation, &mut alerts);
            }
        }
    }
    if !alerts.is_empty() {
        for alert in &alerts {
            sinks
                .metrics
                .add("vigil_alerts_total", &[("level", alert.rule.level)], 1.0);
        }
        stats
            .alerts
            .fetch_add(alerts.len() as u64, Ordering::Relaxed);
        if let Err(error) = sinks.state.record_alerts(&alerts, received_ms) {
            tracing::error!(%error, "alerts not recorded");
        }
    }
    // Submission to "alerts recorded": what an analyst waits for.
    for started in submitted.into_iter().flatten() {
        stats.latency.record(started.elapsed());
    }
}

fn load_snapshot(options: &PipelineOptions) -> Option<AlertBuilderSnapshot> {
    let path = options.data_dir.join(CORRELATION_FILE);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(error) => {
            tracing::error!(path = %path.display(), %error, "cannot read the saved correlation state");
            return None;
        }
    };
    match serde_json::from_slice(&bytes) {
        Ok(snapshot) => Some(snapshot),
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "saved correlation state is unreadable; starting empty");
            None
        }
    }
}

fn save_snapshot(options: &PipelineOptions, snapshot: &AlertBuilderSnapshot) {
    let path = options.data_dir.join(CORRELATION_FILE);
    let temporary = options.data_dir.join(format!("{CORRELATION_FILE}.tmp"));
    let written = serde_json::to_vec(snapshot)
        .map_err(std::io::Error::other)
        .and_then(|bytes| {
            use std::io::Write;
            let mut file = std::fs::File::create(&temporary)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            std::fs::rename(&temporary, &path)
        });
    if let Err(error) = written {
        tracing::error!(path = %path.display(), %error, "correlation state not saved");
    }
}
