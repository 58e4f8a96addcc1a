//! The indexer: the one thread that writes partitions. It takes batches from the bounded
//! queue in log order, routes each event to its time partition, commits on a timer or a doc
//! count, and runs retention.
//!
//! Commit protocol (what makes kill -9 lose nothing and duplicate nothing):
//! 1. the log is made durable up to the last applied sequence `s`;
//! 2. every partition with new documents commits with payload `s`;
//! 3. the checkpoint file records `s` (written aside, fsynced, renamed);
//! 4. log segments wholly at or below `s` are deleted (the active one rotated first when it
//!    is wholly at or below `s`), except those holding unconfirmed batch metadata.
//!
//! On open the store replays log records above the checkpoint, skipping a record when its
//! partition's payload is at or above its sequence (a crash between steps 2 and 3 leaves
//! some partitions committed past the checkpoint).

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use tantivy::IndexWriter;

use crate::error::StoreError;
use crate::options::StoreOptions;
use crate::partition::{partition_start, DocstoreSettings, Partition};
use crate::record;
use crate::schema::StoreSchema;
use crate::wal::{Wal, WalSeq};

/// What the indexer thread is asked to do.
pub(crate) enum Command {
    /// Index these event records (consecutive sequence numbers from `first_seq`); the
    /// batch ends at `last_seq` (past the events when it has a metadata record).
    Batch {
        first_seq: WalSeq,
        last_seq: WalSeq,
        payloads: Vec<Vec<u8>>,
    },
    /// Commit now and answer.
    Flush(SyncSender<Result<(), StoreError>>),
    /// Commit, then drop partitions by age and size, and answer.
    Retention {
        now_ms: i64,
        reply: SyncSender<Result<RetentionReport, StoreError>>,
    },
    /// Stop, committing first or not (the latter simulates a crash).
    Shutdown { commit: bool },
}

/// What a retention sweep dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RetentionReport {
    /// `[start_ms, end_ms)` of every dropped partition, oldest first.
    pub dropped: Vec<(i64, i64)>,
    /// Bytes freed.
    pub freed_bytes: u64,
}

/// State shared by the store handle, the indexer thread and searches.
pub(crate) struct Shared {
    pub root: PathBuf,
    pub options: StoreOptions,
    pub schema: StoreSchema,
    pub partitions: RwLock<BTreeMap<i64, Arc<Partition>>>,
    pub wal: Wal,
    /// Highest sequence number committed to the index (the checkpoint).
    pub committed: AtomicU64,
    /// Events handed to the indexer and not yet indexed.
    pub queued: Mutex<usize>,
    pub queue_room: Condvar,
    pub last_error: Mutex<Option<String>>,
    /// Set when the indexer thread has stopped.
    pub stopped: std::sync::atomic::AtomicBool,
}

/// Queue slots a batch of `events` events takes: a batch of metadata alone takes one.
pub(crate) fn queue_cost(events: usize) -> usize {
    events.max(1)
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    pub(crate) fn partitions_snapshot(&self) -> Vec<Arc<Partition>> {
        let map = self
            .partitions
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        map.values().cloned().collect()
    }

    pub(crate) fn release(&self, events: usize) {
        let mut queued = lock(&self.queued);
        *queued = queued.saturating_sub(events);
        self.queue_room.notify_all();
    }

    fn record_error(&self, error: &StoreError) {
        *lock(&self.last_error) = Some(error.to_string());
    }
}

struct WriterState {
    partition: Arc<Partition>,
    writer: IndexWriter,
    dirty: bool,
    last_used: u64,
}

/// The indexer (owned by its thread after open).
pub(crate) struct Indexer {
    shared: Arc<Shared>,
    writers: HashMap<i64, WriterState>,
    /// Commit payload of each partition as found at open.
    partition_seqs: HashMap<i64, WalSeq>,
    applied: WalSeq,
    uncommitted_docs: u64,
    use_counter: u64,
}

const CHECKPOINT_FILE: &str = "checkpoint";

/// The checkpoint in `root` (0 when absent or unreadable: replaying more is safe, partition
/// payloads prevent duplicates).
pub(crate) fn read_checkpoint(root: &Path) -> WalSeq {
    let Ok(bytes) = fs::read(root.join(CHECKPOINT_FILE)) else {
        return 0;
    };
    let Some((seq, crc)) = bytes.split_at_checked(8) else {
        return 0;
    };
    if crc.len() != 4 || crc32fast::hash(seq).to_le_bytes() != crc {
        return 0;
    }
    let mut seq_bytes = [0u8; 8];
    seq_bytes.copy_from_slice(seq);
    u64::from_le_bytes(seq_bytes)
}

fn write_checkpoint(root: &Path, seq: WalSeq) -> Result<(), StoreError> {
    let tmp = root.join("checkpoint.tmp");
    let target = root.join(CHECKPOINT_FILE);
    let mut bytes = seq.to_le_bytes().to_vec();
    bytes.extend_from_slice(&crc32fast::hash(&seq.to_le_bytes()).to_le_bytes());
    let mut file = File::create(&tmp).map_err(|e| StoreError::io(&tmp, e))?;
    file.write_all(&bytes)
        .map_err(|e| StoreError::io(&tmp, e))?;
    file.sync_all().map_err(|e| StoreError::io(&tmp, e))?;
    fs::rename(&tmp, &target).map_err(|e| StoreError::io(&target, e))?;
    if let Ok(dir) = File::open(root) {
        let _ = dir.sync_all();
    }
    Ok(())
}

impl Indexer {
    pub(crate) fn new(
        shared: Arc<Shared>,
        partition_seqs: HashMap<i64, WalSeq>,
        applied: WalSeq,
    ) -> Indexer {
        Indexer {
            shared,
            writers: HashMap::new(),
            partition_seqs,
            applied,
            uncommitted_docs: 0,
            use_counter: 0,
        }
    }

    /// Indexes one log record. Records the sequence as applied only once its document is
    /// in a writer (a commit triggered while opening a writer must not claim it), or when
    /// the payload is unusable (it cannot become usable later).
    pub(crate) fn index_record(&mut self, seq: WalSeq, payload: &[u8]) -> Result<(), StoreError> {
        let Some(record) = record::decode(payload) else {
            self.applied = self.applied.max(seq);
            return Err(StoreError::InvalidEvent {
                index: 0,
                reason: format!("log record {seq} does not decode"),
            });
        };
        let span_ms = self.shared.options.partition_span_ms;
        let start = partition_start(record.time_ms, span_ms);
        if self
            .partition_seqs
            .get(&start)
            .is_some_and(|&committed| seq <= committed)
        {
            self.applied = self.applied.max(seq);
            return Ok(());
        }
        let shared = self.shared.clone();
        let state = self.writer_for(start)?;
        let document = {
            let mut scratch = Vec::with_capacity(48);
            shared
                .schema
                .document(&record, state.partition.event_encoding, &mut scratch)
        };
        state
            .writer
            .add_document(document)
            .map_err(|e| StoreError::index(&state.partition.dir, e))?;
        state.dirty = true;
        self.uncommitted_docs += 1;
        self.applied = self.applied.max(seq);
        Ok(())
    }

    /// Records a log record that holds nothing to index (batch metadata) as applied.
    pub(crate) fn skip_record(&mut self, seq: WalSeq) {
        self.applied = self.applied.max(seq);
    }

    fn writer_for(&mut self, start: i64) -> Result<&mut WriterState, StoreError> {
        self.use_counter += 1;
        let use_counter = self.use_counter;
        if !self.writers.contains_key(&start) {
            if self.writers.len() >= self.shared.options.max_open_writers {
                self.close_least_recent_writer()?;
            }
            let partition = self.partition(start)?;
            let options = &self.shared.options;
            let writer = partition
                .index
                .writer_with_num_threads(options.index_threads, options.writer_memory_bytes)
                .map_err(|e| StoreError::index(&partition.dir, e))?;
            self.writers.insert(
                start,
                WriterState {
                    partition,
                    writer,
                    dirty: false,
                    last_used: use_counter,
                },
            );
        }
        let state = self
            .writers
            .get_mut(&start)
            .expect("inserted above when missing");
        state.last_used = use_counter;
        Ok(state)
    }

    /// The partition starting at `start`, created when missing.
    fn partition(&self, start: i64) -> Result<Arc<Partition>, StoreError> {
        let shared = &self.shared;
        if let Some(partition) = shared
            .partitions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&start)
        {
            return Ok(partition.clone());
        }
        let options = &shared.options;
        let partition = Arc::new(Partition::create(
            &shared.root.join("partitions"),
            start,
            options.partition_span_ms,
            &shared.schema,
            &DocstoreSettings {
                block_bytes: options.docstore_block_bytes,
                zstd_level: options.docstore_zstd_level,
            },
        )?);
        shared
            .partitions
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(start, partition.clone());
        Ok(partition)
    }

    /// Commits (a writer may only be closed clean), then closes the least recently used
    /// writer.
    fn close_least_recent_writer(&mut self) -> Result<(), StoreError> {
        self.commit()?;
        let oldest = self
            .writers
            .iter()
            .min_by_key(|(_, state)| state.last_used)
            .map(|(start, _)| *start);
        if let Some(start) = oldest {
            if let Some(state) = self.writers.remove(&start) {
                let dir = state.partition.dir.clone();
                state
                    .writer
                    .wait_merging_threads()
                    .map_err(|e| StoreError::index(dir, e))?;
            }
        }
        Ok(())
    }

    /// The commit protocol (see the module documentation).
    pub(crate) fn commit(&mut self) -> Result<(), StoreError> {
        let shared = self.shared.clone();
        let committed = shared.committed.load(Ordering::Acquire);
        if self.uncommitted_docs == 0 && committed >= self.applied {
            return Ok(());
        }
        shared.wal.sync_through(self.applied)?;
        let payload = self.applied.to_string();
        for state in self.writers.values_mut().filter(|s| s.dirty) {
            let dir = &state.partition.dir;
            let mut prepared = state
                .writer
                .prepare_commit()
                .map_err(|e| StoreError::index(dir, e))?;
            prepared.set_payload(&payload);
            prepared.commit().map_err(|e| StoreError::index(dir, e))?;
            state.dirty = false;
            state
                .partition
                .reader
                .reload()
                .map_err(|e| StoreError::index(dir, e))?;
        }
        write_checkpoint(&shared.root, self.applied)?;
        shared.committed.store(self.applied, Ordering::Release);
        self.uncommitted_docs = 0;
        shared.wal.remove_through(self.applied)?;
        Ok(())
    }

    /// Drops partitions by age, then the oldest while over the size budget (the newest
    /// partition is always kept).
    pub(crate) fn retention(&mut self, now_ms: i64) -> Result<RetentionReport, StoreError> {
        // Commit first so the dropped events are all below the checkpoint and never replayed.
        self.commit()?;
        let options = &self.shared.options;
        let partitions = self.shared.partitions_snapshot();
        let mut sizes: Vec<(Arc<Partition>, u64)> = partitions
            .into_iter()
            .map(|p| {
                let bytes = p.disk_bytes();
                (p, bytes)
            })
            .collect();
        sizes.sort_by_key(|(p, _)| p.start_ms);
        let mut total: u64 = sizes.iter().map(|(_, b)| b).sum();
        let mut drop = Vec::new();
        let keep_from = sizes.len().saturating_sub(1);
        for (position, (partition, bytes)) in sizes.iter().enumerate() {
            if position >= keep_from {
                break;
            }
            let too_old = options
                .retention_max_age_ms
                .is_some_and(|age| partition.end_ms <= now_ms.saturating_sub(age));
            let too_big = options
                .retention_max_bytes
                .is_some_and(|budget| total > budget);
            if too_old || too_big {
                total -= bytes;
                drop.push((partition.clone(), *bytes));
            }
        }
        let mut report = RetentionReport::default();
        for (partition, bytes) in drop {
            if let Some(state) = self.writers.remove(&partition.start_ms) {
                let _ = state.writer.wait_merging_threads();
            }
            self.shared
                .partitions
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&partition.start_ms);
            self.partition_seqs.remove(&partition.start_ms);
            fs::remove_dir_all(&partition.dir).map_err(|e| StoreError::io(&partition.dir, e))?;
            report.dropped.push((partition.start_ms, partition.end_ms));
            report.freed_bytes += bytes;
        }
        Ok(report)
    }

    /// The thread's loop: batches, commands, and the commit timer.
    pub(crate) fn run(mut self, commands: Receiver<Command>) {
        let interval = Duration::from_millis(self.shared.options.commit_interval_ms);
        let mut last_commit = Instant::now();
        loop {
            let wait = interval.saturating_sub(last_commit.elapsed());
            let command = match commands.recv_timeout(wait) {
                Ok(command) => Some(command),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => Some(Command::Shutdown { commit: true }),
            };
            match command {
                Some(Command::Batch {
                    first_seq,
                    last_seq,
                    payloads,
                }) => {
                    for (offset, payload) in payloads.iter().enumerate() {
                        if let Err(e) = self.index_record(first_seq + offset as u64, payload) {
                            self.shared.record_error(&e);
                        }
                    }
                    self.skip_record(last_seq);
                    self.shared.release(queue_cost(payloads.len()));
                    if self.uncommitted_docs >= self.shared.options.commit_max_docs {
                        self.commit_logging_errors();
                        last_commit = Instant::now();
                    }
                }
                Some(Command::Flush(reply)) => {
                    let result = self.commit();
                    if let Err(e) = &result {
                        self.shared.record_error(e);
                    }
                    let _ = reply.send(result);
                    last_commit = Instant::now();
                }
                Some(Command::Retention { now_ms, reply }) => {
                    let _ = reply.send(self.retention(now_ms));
                    last_commit = Instant::now();
                }
                Some(Command::Shutdown { commit }) => {
                    if commit {
                        self.commit_logging_errors();
                        for (_, state) in self.writers.drain() {
                            let _ = state.writer.wait_merging_threads();
                        }
                    } else {
                        // Uncommitted documents are discarded, as a crash would.
                        for (_, mut state) in self.writers.drain() {
                            let _ = state.writer.rollback();
                        }
                    }
                    break;
                }
                None => {}
            }
            if last_commit.elapsed() >= interval {
                self.commit_logging_errors();
                last_commit = Instant::now();
            }
        }
        self.shared.stopped.store(true, Ordering::Release);
        self.shared.queue_room.notify_all();
    }

    fn commit_logging_errors(&mut self) {
        if let Err(e) = self.commit() {
            self.shared.record_error(&e);
        }
    }
}
