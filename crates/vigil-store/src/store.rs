//! `EventStore`: the handle everything else uses. Open (replay), append (durable on return),
//! flush, stats, retention; search lives in `search.rs`.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::error::StoreError;
use crate::index::{lock, queue_cost, read_checkpoint, Command, Indexer, RetentionReport, Shared};
use crate::options::StoreOptions;
use crate::partition::{parse_dir_name, Partition};
use crate::record::{self, StoredEvent};
use crate::schema::StoreSchema;
use crate::wal::{RecordKind, Wal, WalOpenReport, WalSeq};

/// What opening the store found and did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpenReport {
    /// The write-ahead log scan (a torn tail, if any, is reported here, and the metadata
    /// records found: [`EventStore::recovered_meta`]).
    pub wal: WalOpenReport,
    /// The checkpoint found: every event up to it was already in the index.
    pub checkpoint: WalSeq,
    /// Log records above the checkpoint replayed on open (events, and metadata records,
    /// which the index skips).
    pub replayed: u64,
    /// Partitions opened.
    pub partitions: usize,
    /// Partition directories removed because they were never committed.
    pub removed_uncommitted_partitions: usize,
}

/// Counters for operators and tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreStats {
    /// Events searchable (committed).
    pub events: u64,
    /// Time partitions.
    pub partitions: usize,
    /// Bytes the partitions take on disk.
    pub partition_bytes: u64,
    /// Bytes the write-ahead log takes on disk.
    pub wal_bytes: u64,
    /// The last sequence number acknowledged.
    pub last_seq: WalSeq,
    /// The last sequence number committed to the index.
    pub committed_seq: WalSeq,
    /// Log records (events, and metadata records of [`EventStore::append_with_meta`]) not
    /// yet committed to the index (`last_seq - committed_seq`).
    pub wal_lag_events: u64,
    /// Events waiting in the indexer's queue.
    pub queued_events: usize,
    /// The last background indexing or commit error, if any.
    pub last_error: Option<String>,
    /// Metadata records not confirmed yet ([`EventStore::confirm_meta`]); their log
    /// segments are kept.
    pub unconfirmed_meta: usize,
}

/// The event store. `Send + Sync`: share it in an `Arc` (an axum server's state).
///
/// Dropping it commits what was appended and stops the indexer.
pub struct EventStore {
    pub(crate) shared: Arc<Shared>,
    commands: SyncSender<Command>,
    thread: Mutex<Option<JoinHandle<()>>>,
    open_report: OpenReport,
}

/// How `append` waits for room in the indexer queue.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wait {
    Block,
    Fail,
}

/// Control messages beside batches in the queue.
const CONTROL_SLOTS: usize = 64;

impl EventStore {
    /// Opens (or creates) the store in `dir`: validates the options, opens the partitions,
    /// scans the log (cutting a torn tail), replays what the index does not hold yet, then
    /// starts the indexer thread.
    pub fn open(dir: impl AsRef<Path>, options: StoreOptions) -> Result<EventStore, StoreError> {
        options.validate()?;
        let root = dir.as_ref().to_owned();
        let partitions_dir = root.join("partitions");
        fs::create_dir_all(&partitions_dir).map_err(|e| StoreError::io(&partitions_dir, e))?;
        let schema = StoreSchema::new(options.raw_text_positions);
        let checkpoint = read_checkpoint(&root);
        let mut report = OpenReport {
            checkpoint,
            ..OpenReport::default()
        };

        let mut partitions = BTreeMap::new();
        let mut partition_seqs = HashMap::new();
        let entries =
            fs::read_dir(&partitions_dir).map_err(|e| StoreError::io(&partitions_dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| StoreError::io(&partitions_dir, e))?;
            let Some((start, span)) = entry.file_name().to_str().and_then(parse_dir_name) else {
                continue;
            };
            let path = entry.path();
            if !path.join("meta.json").exists() {
                // Created, then the process died before tantivy wrote its first meta.
                fs::remove_dir_all(&path).map_err(|e| StoreError::io(&path, e))?;
                report.removed_uncommitted_partitions += 1;
                continue;
            }
            let partition = Partition::open(path, start, span, &schema)?;
            partition_seqs.insert(start, partition.committed_seq()?);
            partitions.insert(start, Arc::new(partition));
        }
        report.partitions = partitions.len();
        let highest_committed = partition_seqs
            .values()
            .copied()
            .max()
            .unwrap_or(0)
            .max(checkpoint);
        let (wal, wal_report) = Wal::open(
            &root.join("wal"),
            options.wal.clone(),
            highest_committed + 1,
        )?;
        report.wal = wal_report;

        let max_queued_events = options.max_queued_events;
        let shared = Arc::new(Shared {
            root,
            options,
            schema,
            partitions: RwLock::new(partitions),
            wal,
            committed: AtomicU64::new(checkpoint),
            queued: Mutex::new(0),
            queue_room: Condvar::new(),
            last_error: Mutex::new(None),
            stopped: AtomicBool::new(false),
        });
        let mut indexer = Indexer::new(shared.clone(), partition_seqs, checkpoint);
        report.replayed = shared.wal.replay(checkpoint, |seq, kind, payload| {
            if kind == RecordKind::Meta {
                indexer.skip_record(seq);
                return Ok(());
            }
            match indexer.index_record(seq, payload) {
                // An undecodable record cannot be fixed by stopping the open.
                Err(StoreError::InvalidEvent { .. }) => Ok(()),
                other => other,
            }
        })?;
        indexer.commit()?;

        let (commands, receiver) = sync_channel(max_queued_events + CONTROL_SLOTS);
        let thread = std::thread::Builder::new()
            .name("vigil-store-indexer".to_owned())
            .spawn(move || indexer.run(receiver))
            .map_err(|e| StoreError::Unavailable {
                reason: format!("cannot start the indexer thread: {e}"),
            })?;
        Ok(EventStore {
            shared,
            commands,
            thread: Mutex::new(Some(thread)),
            open_report: report,
        })
    }

    /// What open found (torn log tail, replayed records…).
    pub fn open_report(&self) -> &OpenReport {
        &self.open_report
    }

    /// Appends a batch and returns the sequence number of its last event once the batch is
    /// in the log (durable under the log's sync policy). Blocks while the indexer queue is
    /// full. An empty batch returns the last sequence number.
    pub fn append(&self, events: &[StoredEvent]) -> Result<WalSeq, StoreError> {
        self.append_with(events, None, Wait::Block)
    }

    /// Like [`EventStore::append`], but fails with [`StoreError::Busy`] instead of waiting
    /// when the indexer queue is full (nothing of the batch is written then).
    pub fn try_append(&self, events: &[StoredEvent]) -> Result<WalSeq, StoreError> {
        self.append_with(events, None, Wait::Fail)
    }

    /// Appends `events` and an opaque metadata blob (say, the source checkpoints reached by
    /// the chunk the events came from) as one batch of the log, under one `fsync`: after a
    /// crash, either both are there or neither is. `events` may be empty (a checkpoint that
    /// advances over a chunk without events). Returns the metadata record's sequence number,
    /// the batch's last; blocks while the indexer queue is full.
    ///
    /// The metadata is never indexed. It stays in the log until the caller calls
    /// [`EventStore::confirm_meta`] with that sequence number (or a later one), saying it
    /// has saved the metadata elsewhere; a crash before that loses nothing, as the next open
    /// reports it in [`EventStore::recovered_meta`]. Fails with [`StoreError::MetaTooLarge`]
    /// past `WalOptions::max_record_bytes` (nothing is written then).
    pub fn append_with_meta(
        &self,
        events: &[StoredEvent],
        meta: &[u8],
    ) -> Result<WalSeq, StoreError> {
        self.append_with(events, Some(meta), Wait::Block)
    }

    /// Every metadata record found in the log when the store was opened, in sequence order,
    /// with its sequence number. The log deletes only its oldest segments, and never one
    /// holding unconfirmed metadata, so these are the newest records written and include
    /// every one not confirmed: re-applying them all in order (when blobs hold absolute
    /// values, such as checkpoints) restores the newest state the log knows. They start
    /// unconfirmed; confirm them ([`EventStore::confirm_meta`]) once saved elsewhere.
    pub fn recovered_meta(&self) -> &[(WalSeq, Vec<u8>)] {
        &self.open_report.wal.meta
    }

    /// Says every metadata record up to `seq` (from [`EventStore::append_with_meta`] or
    /// [`EventStore::recovered_meta`]) is saved elsewhere, so the log may drop them once the
    /// index has committed their batches. Call it after the save succeeded, never past a
    /// save that failed. Until then their log segments (and all later ones) are kept: a
    /// caller that never confirms keeps its log growing ([`StoreStats::unconfirmed_meta`]).
    pub fn confirm_meta(&self, seq: WalSeq) -> Result<(), StoreError> {
        self.shared.wal.confirm_meta(seq);
        let committed = self.shared.committed.load(Ordering::Acquire);
        self.shared.wal.remove_through(committed)?;
        Ok(())
    }

    fn append_with(
        &self,
        events: &[StoredEvent],
        meta: Option<&[u8]>,
        wait: Wait,
    ) -> Result<WalSeq, StoreError> {
        if events.is_empty() && meta.is_none() {
            return Ok(self.shared.wal.last_seq());
        }
        let payloads = events
            .iter()
            .enumerate()
            .map(|(index, event)| record::encode(event, index))
            .collect::<Result<Vec<_>, _>>()?;
        // A batch of metadata alone takes a queue slot too: the queue (a bounded channel sent
        // to under the log's lock) must never be full of uncounted batches.
        let cost = queue_cost(payloads.len());
        self.reserve(cost, wait)?;
        let written = self.shared.wal.write_batch(payloads, meta, |range, payloads| {
            self.commands
                .send(Command::Batch {
                    first_seq: range.first,
                    last_seq: range.last,
                    payloads,
                })
                .map_err(|_| StoreError::Unavailable {
                    reason: "the indexer has stopped; the batch is in the log and will be indexed on the next open"
                        .to_owned(),
                })
        });
        let (range, ()) = match written {
            Ok(written) => written,
            Err(e) => {
                self.shared.release(cost);
                return Err(e);
            }
        };
        self.shared.wal.sync_through(range.last)?;
        Ok(range.last)
    }

    /// Waits for (or refuses, under `Wait::Fail`) room for `count` events in the queue. A
    /// batch larger than the whole queue is let in when the queue is empty.
    fn reserve(&self, count: usize, wait: Wait) -> Result<(), StoreError> {
        let limit = self.shared.options.max_queued_events;
        let mut queued = lock(&self.shared.queued);
        loop {
            if self.shared.stopped.load(Ordering::Acquire) {
                return Err(StoreError::Unavailable {
                    reason: "the indexer has stopped".to_owned(),
                });
            }
            if *queued == 0 || *queued + count <= limit {
                *queued += count;
                return Ok(());
            }
            if wait == Wait::Fail {
                return Err(StoreError::Busy);
            }
            // Wake up now and then to notice a stopped indexer.
            queued = self
                .shared
                .queue_room
                .wait_timeout(queued, Duration::from_millis(100))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Commits everything appended so far and makes it searchable.
    pub fn flush(&self) -> Result<(), StoreError> {
        let (reply, answer) = sync_channel(1);
        self.send(Command::Flush(reply))?;
        answer.recv().map_err(|_| StoreError::Unavailable {
            reason: "the indexer stopped during a flush".to_owned(),
        })?
    }

    /// Drops whole partitions older than `retention_max_age_ms` before `now_ms`, then the
    /// oldest while the partitions take more than `retention_max_bytes` (the newest partition
    /// is kept). Commits first.
    pub fn retention_sweep(&self, now_ms: i64) -> Result<RetentionReport, StoreError> {
        let (reply, answer) = sync_channel(1);
        self.send(Command::Retention { now_ms, reply })?;
        answer.recv().map_err(|_| StoreError::Unavailable {
            reason: "the indexer stopped during retention".to_owned(),
        })?
    }

    fn send(&self, command: Command) -> Result<(), StoreError> {
        self.commands
            .send(command)
            .map_err(|_| StoreError::Unavailable {
                reason: "the indexer has stopped".to_owned(),
            })
    }

    /// Counters: events, partitions, bytes, log lag.
    pub fn stats(&self) -> StoreStats {
        let partitions = self.shared.partitions_snapshot();
        let events = partitions
            .iter()
            .map(|p| p.reader.searcher().num_docs())
            .sum();
        let partition_bytes = partitions.iter().map(|p| p.disk_bytes()).sum();
        let last_seq = self.shared.wal.last_seq();
        let committed_seq = self.shared.committed.load(Ordering::Acquire);
        StoreStats {
            events,
            partitions: partitions.len(),
            partition_bytes,
            wal_bytes: self.shared.wal.disk_bytes(),
            last_seq,
            committed_seq,
            wal_lag_events: last_seq.saturating_sub(committed_seq),
            queued_events: *lock(&self.shared.queued),
            last_error: lock(&self.shared.last_error).clone(),
            unconfirmed_meta: self.shared.wal.unconfirmed_meta(),
        }
    }

    /// Stops the indexer without committing, as a crash would (what was appended stays in
    /// the log and is replayed by the next open). For crash tests and tools.
    pub fn close_without_commit(self) {
        self.stop(false);
    }

    fn stop(&self, commit: bool) {
        let Some(thread) = lock(&self.thread).take() else {
            return;
        };
        // If the queue is gone the thread has ended already.
        let _ = self.commands.send(Command::Shutdown { commit });
        let _ = thread.join();
    }
}

impl Drop for EventStore {
    fn drop(&mut self) {
        self.stop(true);
    }
}
