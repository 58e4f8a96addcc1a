//! Store options. Every duration and size carries its unit in its name.

use crate::error::StoreError;
use crate::wal::WalOptions;

/// One UTC day in milliseconds: the default partition span.
pub const DAY_MS: i64 = 86_400_000;

/// How the store is laid out, how often it commits and how much it keeps.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// Width of a time partition (a tantivy index of its own). Partitions are aligned on
    /// multiples of this span since the epoch (UTC days by default).
    pub partition_span_ms: i64,
    /// Commit the index at least this often while events arrive.
    pub commit_interval_ms: u64,
    /// Commit the index after this many indexed events since the last commit.
    pub commit_max_docs: u64,
    /// Events appended but not yet indexed, at most; past it `append` blocks and
    /// `try_append` returns [`StoreError::Busy`].
    pub max_queued_events: usize,
    /// tantivy writer heap per open partition writer (split among `index_threads`).
    pub writer_memory_bytes: usize,
    /// tantivy indexing threads per partition writer.
    pub index_threads: usize,
    /// Partition writers kept open at once (events arriving for more partitions close the
    /// least recently used writer after a commit). Bounds writer memory.
    pub max_open_writers: usize,
    /// Index word positions of the original record text. Needed for exact phrase matching by
    /// the index alone; without them a phrase is matched as its words, then verified on the
    /// stored record.
    pub raw_text_positions: bool,
    /// Docstore block size: larger compresses better, costs more per document fetched.
    pub docstore_block_bytes: usize,
    /// zstd level of the docstore.
    pub docstore_zstd_level: i32,
    /// Write-ahead log options.
    pub wal: WalOptions,
    /// Retention: drop partitions whose whole span is older than this (none when `None`).
    pub retention_max_age_ms: Option<i64>,
    /// Retention: drop the oldest partitions while the partitions take more than this.
    pub retention_max_bytes: Option<u64>,
    /// Groups an aggregation may build before it fails (bounds query memory).
    pub max_groups: usize,
}

impl Default for StoreOptions {
    fn default() -> StoreOptions {
        StoreOptions {
            partition_span_ms: DAY_MS,
            commit_interval_ms: 5_000,
            commit_max_docs: 1_000_000,
            max_queued_events: 100_000,
            writer_memory_bytes: 256 << 20,
            index_threads: 1,
            max_open_writers: 2,
            raw_text_positions: false,
            // Measured on 500k generated events (examples/measure.rs): 1 MiB blocks compress
            // the docstore to 0.17x the raw logs against 0.22x with 128 KiB, and cost less
            // CPU (fewer zstd block set-ups); a stored event fetch decompresses up to 1 MiB.
            docstore_block_bytes: 1 << 20,
            docstore_zstd_level: 6,
            wal: WalOptions::default(),
            retention_max_age_ms: None,
            retention_max_bytes: None,
            max_groups: 1_000_000,
        }
    }
}

impl StoreOptions {
    /// Checks ranges; called by [`crate::EventStore::open`].
    pub fn validate(&self) -> Result<(), StoreError> {
        fn bad(name: &'static str, reason: &str) -> Result<(), StoreError> {
            Err(StoreError::InvalidOption {
                name,
                reason: reason.to_owned(),
            })
        }
        if self.partition_span_ms < 60_000 {
            return bad("partition_span_ms", "must be at least one minute");
        }
        if self.commit_interval_ms == 0 {
            return bad("commit_interval_ms", "must be positive");
        }
        if self.commit_max_docs == 0 {
            return bad("commit_max_docs", "must be positive");
        }
        if self.max_queued_events == 0 {
            return bad("max_queued_events", "must be positive");
        }
        if self.index_threads == 0 || self.index_threads > 16 {
            return bad("index_threads", "must be between 1 and 16");
        }
        // tantivy refuses less than 15 MB per indexing thread.
        if self.writer_memory_bytes < 15_000_000 * self.index_threads {
            return bad(
                "writer_memory_bytes",
                "must be at least 15 MB per index thread",
            );
        }
        if self.max_open_writers == 0 {
            return bad("max_open_writers", "must be positive");
        }
        if !(4096..=16 << 20).contains(&self.docstore_block_bytes) {
            return bad("docstore_block_bytes", "must be between 4 KiB and 16 MiB");
        }
        if !(1..=22).contains(&self.docstore_zstd_level) {
            return bad("docstore_zstd_level", "must be between 1 and 22");
        }
        if self.max_groups == 0 {
            return bad("max_groups", "must be positive");
        }
        if self.retention_max_age_ms.is_some_and(|age| age <= 0) {
            return bad("retention_max_age_ms", "must be positive");
        }
        self.wal.validate()
    }
}
