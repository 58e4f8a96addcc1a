//! One time partition: a tantivy index in a directory of its own, named after the span it
//! covers (`p_<start ms>_<span ms>`), so the span survives a change of options and retention
//! can drop it whole.
//!
//! A partition's commit payload is the highest write-ahead log sequence number whose event
//! (if it belongs here) the commit contains.

use std::fs;
use std::path::{Path, PathBuf};

use tantivy::store::{Compressor, ZstdCompressor};
use tantivy::{Index, IndexReader, IndexSettings, ReloadPolicy};

use crate::error::StoreError;
use crate::schema::{EventEncoding, StoreSchema};
use crate::wal::WalSeq;

/// A partition on disk, shared by the indexer (which writes it) and searches.
pub(crate) struct Partition {
    /// First millisecond covered.
    pub start_ms: i64,
    /// First millisecond past the span.
    pub end_ms: i64,
    pub dir: PathBuf,
    pub index: Index,
    /// Reloaded by the indexer after each commit.
    pub reader: IndexReader,
    /// Whether `_raw` has word positions (fixed when the partition was created).
    pub raw_positions: bool,
    /// How `_event` is stored (fixed when the partition was created).
    pub event_encoding: EventEncoding,
}

/// The directory name of the partition starting at `start_ms`.
pub(crate) fn dir_name(start_ms: i64, span_ms: i64) -> String {
    format!("p_{start_ms}_{span_ms}")
}

/// `(start_ms, span_ms)` from a directory name.
pub(crate) fn parse_dir_name(name: &str) -> Option<(i64, i64)> {
    let rest = name.strip_prefix("p_")?;
    // The start may be negative: split at the last underscore.
    let (start, span) = rest.rsplit_once('_')?;
    let start: i64 = start.parse().ok()?;
    let span: i64 = span.parse().ok()?;
    (span > 0 && start.checked_add(span).is_some()).then_some((start, span))
}

/// The start of the partition holding `time_ms`.
pub(crate) fn partition_start(time_ms: i64, span_ms: i64) -> i64 {
    time_ms.div_euclid(span_ms) * span_ms
}

/// Docstore settings of a new partition.
pub(crate) struct DocstoreSettings {
    pub block_bytes: usize,
    pub zstd_level: i32,
}

impl Partition {
    /// Creates a new partition under `root`.
    pub(crate) fn create(
        root: &Path,
        start_ms: i64,
        span_ms: i64,
        schema: &StoreSchema,
        docstore: &DocstoreSettings,
    ) -> Result<Partition, StoreError> {
        let dir = root.join(dir_name(start_ms, span_ms));
        // A directory left by a crash before the first commit has no meta.json: start over.
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;
        }
        fs::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;
        let settings = IndexSettings {
            docstore_compression: Compressor::Zstd(ZstdCompressor {
                compression_level: Some(docstore.zstd_level),
            }),
            docstore_blocksize: docstore.block_bytes,
            ..IndexSettings::default()
        };
        let index = Index::builder()
            .schema(schema.schema.clone())
            .settings(settings)
            .create_in_dir(&dir)
            .map_err(|e| StoreError::index(&dir, e))?;
        Partition::from_index(index, dir, start_ms, span_ms, schema)
    }

    /// Opens an existing partition directory.
    pub(crate) fn open(
        dir: PathBuf,
        start_ms: i64,
        span_ms: i64,
        schema: &StoreSchema,
    ) -> Result<Partition, StoreError> {
        let index = Index::open_in_dir(&dir).map_err(|e| StoreError::index(&dir, e))?;
        Partition::from_index(index, dir, start_ms, span_ms, schema)
    }

    fn from_index(
        index: Index,
        dir: PathBuf,
        start_ms: i64,
        span_ms: i64,
        schema: &StoreSchema,
    ) -> Result<Partition, StoreError> {
        StoreSchema::register_tokenizers(&index);
        let raw_positions = index
            .schema()
            .get_field_entry(schema.raw)
            .field_type()
            .get_index_record_option()
            .is_some_and(|option| option.has_positions());
        let event_encoding = EventEncoding::of(&index.schema());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| StoreError::index(&dir, e))?;
        Ok(Partition {
            start_ms,
            end_ms: start_ms + span_ms,
            dir,
            index,
            reader,
            raw_positions,
            event_encoding,
        })
    }

    /// The sequence number recorded by the last commit (0 when never committed).
    pub(crate) fn committed_seq(&self) -> Result<WalSeq, StoreError> {
        let metas = self
            .index
            .load_metas()
            .map_err(|e| StoreError::index(&self.dir, e))?;
        Ok(metas
            .payload
            .as_deref()
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or(0))
    }

    /// Bytes the partition's files take.
    pub(crate) fn disk_bytes(&self) -> u64 {
        dir_bytes(&self.dir)
    }

    /// Whether the partition overlaps `[from_ms, to_ms)`.
    pub(crate) fn overlaps(&self, from_ms: i64, to_ms: i64) -> bool {
        self.start_ms < to_ms && self.end_ms > from_ms
    }
}

/// Total size of the files directly in `dir` (tantivy keeps a flat directory).
pub(crate) fn dir_bytes(dir: &Path) -> u64 {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_including_negative_starts() {
        for (start, span) in [
            (0, 86_400_000),
            (-86_400_000, 86_400_000),
            (1_700_000_000_000, 3_600_000),
        ] {
            assert_eq!(parse_dir_name(&dir_name(start, span)), Some((start, span)));
        }
        assert_eq!(parse_dir_name("p_x_1"), None);
        assert_eq!(parse_dir_name("p_1_0"), None);
        assert_eq!(parse_dir_name("wal"), None);
    }

    #[test]
    fn partition_start_floors_before_the_epoch() {
        assert_eq!(partition_start(-1, 1000), -1000);
        assert_eq!(partition_start(0, 1000), 0);
        assert_eq!(partition_start(1999, 1000), 1000);
    }
}
