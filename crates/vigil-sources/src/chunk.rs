//! The seam between sources and the serve pipeline: chunks, checkpoints, counters, handles.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use vigil_model::SourceType;

use crate::SourceError;

/// Identifies one configured source; checkpoints and metrics are keyed by it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SourceId(Arc<str>);

impl SourceId {
    /// A source id from its configured name.
    pub fn new(id: impl AsRef<str>) -> SourceId {
        SourceId(Arc::from(id.as_ref()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What to persist once the chunk that carries it is durable.
///
/// The value is the whole state for `key` after this chunk (not a delta), so saving updates
/// in the order the chunks arrive is always right, and skipping an update is harmless when a
/// later one for the same key is saved. `Value::Null` means "forget this key".
#[derive(Clone, Debug, PartialEq)]
pub struct CheckpointUpdate {
    /// The checkpoint key within the source (a file identity, a prefix).
    pub key: String,
    /// The state to save.
    pub value: Value,
}

/// Raw bytes read by a source, with where they came from.
///
/// `bytes` are what `vigil_formats::pipeline::process` reads: newline-delimited records (or
/// RFC 6587 octet-counted frames) for files and syslog, a whole object (possibly compressed)
/// for object storage and compressed files. `bytes` may be empty when the chunk only carries
/// a checkpoint (an object skipped for its size, a file forgotten).
#[derive(Clone, Debug)]
pub struct Chunk {
    /// The source that read it.
    pub source_id: SourceId,
    /// The real file path, `s3://bucket/key`, or `syslog+tcp://local/peer`: detection reads
    /// the path layout, so this is never rewritten.
    pub origin: String,
    /// The bytes.
    pub bytes: Bytes,
    /// The configured source type, overriding detection.
    pub source_type: Option<SourceType>,
    /// What to save once the chunk's events are durable (`None` for push sources).
    pub checkpoint: Option<CheckpointUpdate>,
}

impl Chunk {
    /// Saves this chunk's checkpoint update, if any. Call it after the chunk's events are
    /// durable, and in the order chunks were received.
    pub fn commit(&self, store: &dyn CheckpointStore) -> Result<(), SourceError> {
        match &self.checkpoint {
            Some(update) => store.save(&self.source_id, &update.key, &update.value),
            None => Ok(()),
        }
    }
}

/// Where sources keep their read positions. Implemented by the serve composition root (on
/// SQLite) and by [`MemoryCheckpointStore`] for tests.
pub trait CheckpointStore: Send + Sync {
    /// The saved state of `key`, if any.
    fn load(&self, source: &SourceId, key: &str) -> Result<Option<Value>, SourceError>;
    /// Replaces the state of `key`; `Value::Null` removes it.
    fn save(&self, source: &SourceId, key: &str, value: &Value) -> Result<(), SourceError>;
}

/// A [`CheckpointStore`] in memory: for tests, and for sources whose position need not
/// survive a restart.
#[derive(Debug, Default)]
pub struct MemoryCheckpointStore {
    entries: Mutex<HashMap<(SourceId, String), Value>>,
}

impl MemoryCheckpointStore {
    /// An empty store.
    pub fn new() -> MemoryCheckpointStore {
        MemoryCheckpointStore::default()
    }

    /// How many keys are stored.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no key is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(SourceId, String), Value>> {
        // A panic while holding the lock cannot leave the map half-updated (single inserts),
        // so a poisoned lock is still usable.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl CheckpointStore for MemoryCheckpointStore {
    fn load(&self, source: &SourceId, key: &str) -> Result<Option<Value>, SourceError> {
        Ok(self.lock().get(&(source.clone(), key.to_owned())).cloned())
    }

    fn save(&self, source: &SourceId, key: &str, value: &Value) -> Result<(), SourceError> {
        let mut entries = self.lock();
        if value.is_null() {
            entries.remove(&(source.clone(), key.to_owned()));
        } else {
            entries.insert((source.clone(), key.to_owned()), value.clone());
        }
        Ok(())
    }
}

/// Counters of one source, updated by its tasks and read for metrics.
#[derive(Debug, Default)]
pub struct SourceCounters {
    pub(crate) bytes: AtomicU64,
    pub(crate) chunks: AtomicU64,
    pub(crate) errors: AtomicU64,
    pub(crate) messages: AtomicU64,
    pub(crate) oversize: AtomicU64,
    pub(crate) files_truncated: AtomicU64,
    pub(crate) files_rotated: AtomicU64,
    pub(crate) objects: AtomicU64,
    pub(crate) connections_accepted: AtomicU64,
    pub(crate) connections_rejected: AtomicU64,
}

/// A copy of a source's counters at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CountersSnapshot {
    /// Bytes delivered in chunks (`source_bytes_total`).
    pub bytes: u64,
    /// Chunks delivered (`source_chunks_total`).
    pub chunks: u64,
    /// Errors: unreadable files, failed requests, broken connections, skipped objects,
    /// errors the Kafka client reports (an unreachable broker, a failed commit).
    pub errors: u64,
    /// Syslog or Kafka messages received.
    pub messages: u64,
    /// Records over the size cap: oversize syslog and Kafka messages (dropped), file lines
    /// longer than a read (delivered in pieces), objects over `max_object_bytes` (skipped).
    pub oversize: u64,
    /// Files found shorter than their read offset, or rewritten: read again from 0.
    pub files_truncated: u64,
    /// Paths whose file was replaced by another (rename and re-create).
    pub files_rotated: u64,
    /// Objects read.
    pub objects: u64,
    /// Connections accepted.
    pub connections_accepted: u64,
    /// Connections refused because `max_connections` were open.
    pub connections_rejected: u64,
}

impl SourceCounters {
    /// The current values.
    pub fn snapshot(&self) -> CountersSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        CountersSnapshot {
            bytes: get(&self.bytes),
            chunks: get(&self.chunks),
            errors: get(&self.errors),
            messages: get(&self.messages),
            oversize: get(&self.oversize),
            files_truncated: get(&self.files_truncated),
            files_rotated: get(&self.files_rotated),
            objects: get(&self.objects),
            connections_accepted: get(&self.connections_accepted),
            connections_rejected: get(&self.connections_rejected),
        }
    }
}

/// Adds `n` to a counter.
pub(crate) fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

/// A running source.
#[derive(Debug)]
pub struct SourceHandle {
    /// The source.
    pub id: SourceId,
    /// The bound address of a listening source (syslog), useful with port 0.
    pub local_addr: Option<SocketAddr>,
    counters: Arc<SourceCounters>,
    task: JoinHandle<Result<(), SourceError>>,
}

impl SourceHandle {
    pub(crate) fn new(
        id: SourceId,
        local_addr: Option<SocketAddr>,
        counters: Arc<SourceCounters>,
        task: JoinHandle<Result<(), SourceError>>,
    ) -> SourceHandle {
        SourceHandle {
            id,
            local_addr,
            counters,
            task,
        }
    }

    /// The source's counters.
    pub fn counters(&self) -> CountersSnapshot {
        self.counters.snapshot()
    }

    /// A shared reference to the live counters, for a metrics exporter.
    pub fn live_counters(&self) -> Arc<SourceCounters> {
        self.counters.clone()
    }

    /// Waits for the source to stop (after shutdown, or when the receiver is dropped).
    pub async fn join(self) -> Result<(), SourceError> {
        match self.task.await {
            Ok(result) => result,
            Err(e) => Err(SourceError::Task {
                detail: e.to_string(),
            }),
        }
    }
}

/// Where a source sends its chunks, and how it learns to stop.
#[derive(Clone, Debug)]
pub(crate) struct Output {
    pub(crate) sender: mpsc::Sender<Chunk>,
    pub(crate) shutdown: CancellationToken,
    pub(crate) counters: Arc<SourceCounters>,
}

impl Output {
    /// Sends a chunk, waiting for room (backpressure). `false` when the source must stop:
    /// shutdown was asked or the receiver is gone.
    pub(crate) async fn send(&self, chunk: Chunk) -> bool {
        let len = chunk.bytes.len() as u64;
        let sent = tokio::select! {
            biased;
            _ = self.shutdown.cancelled() => false,
            result = self.sender.send(chunk) => result.is_ok(),
        };
        if sent {
            add(&self.counters.bytes, len);
            add(&self.counters.chunks, 1);
        }
        sent
    }

    /// Sends a last chunk during shutdown: waits a short while for room, then gives up.
    pub(crate) async fn send_final(&self, chunk: Chunk) -> bool {
        let len = chunk.bytes.len() as u64;
        let wait = std::time::Duration::from_secs(2);
        let sent = matches!(
            tokio::time::timeout(wait, self.sender.send(chunk)).await,
            Ok(Ok(()))
        );
        if sent {
            add(&self.counters.bytes, len);
            add(&self.counters.chunks, 1);
        } else {
            add(&self.counters.errors, 1);
        }
        sent
    }
}
