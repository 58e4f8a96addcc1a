//! Lake export: partitions written as Parquet files, for other engines (DuckDB, Spark,
//! Trino…) to read without Vigil.
//!
//! One file per partition overlapping the requested range, named after the partition
//! (`vigil-events-2026-11-20.parquet` for a day partition), holding the whole partition: the
//! range selects partitions, it does not cut them, so a file name always means the same
//! content and a re-export replaces a file with a newer copy of itself. Each file is written
//! under a temporary name, synced, then renamed: a reader never sees half a file.
//!
//! The export reads a snapshot of the partitions' committed documents (a tantivy searcher per
//! partition, the docstore in document order, the `time` and `rule_hit` fast columns) on the
//! caller's thread. It takes no lock the indexer needs, so appends, commits and searches go on
//! meanwhile; what is not committed yet (see [`EventStore::flush`]) is not exported.
//!
//! Only local directories today. Object storage would fit behind the same request: write to a
//! local staging directory as here, then upload each renamed file with `object_store`'s
//! multipart `put` (the server already depends on it for the S3 source), deleting the staged
//! file once the upload is complete.

mod columns;

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::errors::ParquetError;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use tantivy::schema::TantivyDocument;
use tantivy::SegmentReader;

use crate::error::StoreError;
use crate::options::DAY_MS;
use crate::partition::Partition;
use crate::schema::{stored_event_json, EVENT_FIELD};
use crate::store::EventStore;
use columns::{BatchBuilder, ExportColumns};

/// Rows per Arrow batch handed to the Parquet writer.
const BATCH_ROWS: usize = 8_192;
/// Docstore blocks each segment's reader caches: documents are read in order, so one block
/// is decompressed once.
const DOCSTORE_CACHE_BLOCKS: usize = 1;

/// Which partitions to export, where, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportRequest {
    /// Partitions ending after this time are exported (ms since the epoch, inclusive).
    pub from_ms: i64,
    /// Partitions starting before this time are exported (exclusive).
    pub to_ms: i64,
    /// Directory the files are written to (created if missing).
    pub dir: PathBuf,
    /// Rows per Parquet row group at most. The writer holds one row group's encoded pages
    /// in memory, so this bounds the export's memory.
    pub row_group_rows: usize,
    /// Page compression.
    pub compression: ExportCompression,
}

impl ExportRequest {
    /// A request with the default row group size and zstd compression.
    pub fn new(from_ms: i64, to_ms: i64, dir: impl Into<PathBuf>) -> ExportRequest {
        ExportRequest {
            from_ms,
            to_ms,
            dir: dir.into(),
            row_group_rows: 65_536,
            compression: ExportCompression::default(),
        }
    }
}

/// Compression of the Parquet pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportCompression {
    /// zstd at `level` (1–22).
    Zstd {
        /// Compression level.
        level: i32,
    },
    /// No compression.
    Uncompressed,
}

impl Default for ExportCompression {
    fn default() -> ExportCompression {
        ExportCompression::Zstd { level: 3 }
    }
}

/// What an export wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportReport {
    /// One entry per file written, oldest partition first.
    pub files: Vec<ExportedFile>,
    /// Rows written, all files together.
    pub rows: u64,
    /// Bytes written, all files together.
    pub bytes: u64,
}

/// One Parquet file written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportedFile {
    /// Where it is.
    pub path: PathBuf,
    /// The partition's first millisecond.
    pub partition_start_ms: i64,
    /// The first millisecond past the partition.
    pub partition_end_ms: i64,
    /// Rows (events) in the file.
    pub rows: u64,
    /// The file's size.
    pub bytes: u64,
}

impl EventStore {
    /// Writes every committed partition overlapping `[from_ms, to_ms)` as one Parquet file in
    /// `request.dir`, replacing a file of the same name. Partitions without events and a
    /// range overlapping none write nothing. Runs on the calling thread without stopping
    /// ingest; see the `export` module docs for the columns and guarantees.
    pub fn export_parquet(&self, request: &ExportRequest) -> Result<ExportReport, StoreError> {
        if request.row_group_rows == 0 {
            return Err(StoreError::InvalidOption {
                name: "row_group_rows",
                reason: "must be at least 1".to_owned(),
            });
        }
        let compression = match request.compression {
            ExportCompression::Zstd { level } => {
                let level = ZstdLevel::try_new(level).map_err(|e| StoreError::InvalidOption {
                    name: "compression",
                    reason: e.to_string(),
                })?;
                Compression::ZSTD(level)
            }
            ExportCompression::Uncompressed => Compression::UNCOMPRESSED,
        };
        let mut partitions = self.shared.partitions_snapshot();
        partitions.retain(|p| p.overlaps(request.from_ms, request.to_ms));
        partitions.sort_by_key(|p| p.start_ms);
        let mut report = ExportReport::default();
        if partitions.is_empty() {
            return Ok(report);
        }
        fs::create_dir_all(&request.dir).map_err(|e| StoreError::io(&request.dir, e))?;
        let columns = ExportColumns::new();
        for partition in partitions {
            let Some(file) = export_partition(&partition, &columns, request, compression)? else {
                continue;
            };
            report.rows += file.rows;
            report.bytes += file.bytes;
            report.files.push(file);
        }
        if !report.files.is_empty() {
            sync_dir(&request.dir)?;
        }
        Ok(report)
    }
}

/// Writes one partition; `None` when it has no events.
fn export_partition(
    partition: &Partition,
    columns: &ExportColumns,
    request: &ExportRequest,
    compression: Compression,
) -> Result<Option<ExportedFile>, StoreError> {
    let searcher = partition.reader.searcher();
    if searcher.num_docs() == 0 {
        return Ok(None);
    }
    let name = file_name(partition.start_ms, partition.end_ms - partition.start_ms);
    let path = request.dir.join(&name);
    let temp_path = request.dir.join(format!(".{name}.tmp"));
    let parquet_error = |source: ParquetError| StoreError::Parquet {
        path: path.clone(),
        source,
    };
    let properties = WriterProperties::builder()
        .set_compression(compression)
        .set_max_row_group_row_count(Some(request.row_group_rows))
        .set_key_value_metadata(Some(vec![
            KeyValue::new(
                "vigil.partition_start_ms".to_owned(),
                partition.start_ms.to_string(),
            ),
            KeyValue::new(
                "vigil.partition_end_ms".to_owned(),
                partition.end_ms.to_string(),
            ),
        ]))
        .build();
    let file = File::create(&temp_path).map_err(|e| StoreError::io(&temp_path, e))?;
    let mut writer =
        ArrowWriter::try_new(file, columns.schema(), Some(properties)).map_err(parquet_error)?;
    let mut batch = columns.builder(BATCH_ROWS);
    let event_field = partition
        .index
        .schema()
        .get_field(EVENT_FIELD)
        .map_err(|e| StoreError::index(&partition.dir, e))?;
    let mut rows = 0u64;
    let written = (|| -> Result<(), StoreError> {
        for segment in searcher.segment_readers() {
            rows += export_segment(segment, partition, event_field, &mut batch, &mut |batch| {
                let record_batch = batch.finish().map_err(|e| parquet_error(e.into()))?;
                writer.write(&record_batch).map_err(parquet_error)
            })?;
        }
        if batch.rows() > 0 {
            let record_batch = batch.finish().map_err(|e| parquet_error(e.into()))?;
            writer.write(&record_batch).map_err(parquet_error)?;
        }
        let file = writer.into_inner().map_err(parquet_error)?;
        file.sync_all().map_err(|e| StoreError::io(&temp_path, e))
    })();
    if let Err(e) = written {
        // Best effort: the error that matters is the one returned.
        let _ = fs::remove_file(&temp_path);
        return Err(e);
    }
    fs::rename(&temp_path, &path).map_err(|e| StoreError::io(&path, e))?;
    let bytes = fs::metadata(&path)
        .map_err(|e| StoreError::io(&path, e))?
        .len();
    Ok(Some(ExportedFile {
        path,
        partition_start_ms: partition.start_ms,
        partition_end_ms: partition.end_ms,
        rows,
        bytes,
    }))
}

/// Adds a segment's live documents to `batch`, calling `flush` whenever it is full; returns
/// the rows added.
fn export_segment(
    segment: &SegmentReader,
    partition: &Partition,
    event_field: tantivy::schema::Field,
    batch: &mut BatchBuilder<'_>,
    flush: &mut dyn FnMut(&mut BatchBuilder<'_>) -> Result<(), StoreError>,
) -> Result<u64, StoreError> {
    let index_error = |e| StoreError::index(&partition.dir, e);
    let store = segment
        .get_store_reader(DOCSTORE_CACHE_BLOCKS)
        .map_err(|e| StoreError::io(&partition.dir, e))?;
    let fast = segment.fast_fields();
    let time = fast
        .i64(crate::schema::time_field_name())
        .map_err(index_error)?;
    let rule_hits = fast
        .str(crate::schema::RULE_HIT_FIELD.name)
        .map_err(index_error)?;
    // The docstore iterator skips deleted documents; these are the ids it yields, in order.
    let alive_ids = (0..segment.max_doc()).filter(|doc| !segment.is_deleted(*doc));
    let documents = store.iter::<TantivyDocument>(segment.alive_bitset());
    let mut rows = 0u64;
    let mut rule_ids = Vec::new();
    let mut text = String::new();
    for (doc_id, document) in alive_ids.zip(documents) {
        let document = document.map_err(index_error)?;
        rule_ids.clear();
        if let Some(column) = &rule_hits {
            for ord in column.term_ords(doc_id) {
                text.clear();
                if column.ord_to_str(ord, &mut text).unwrap_or(false) {
                    rule_ids.push(text.clone());
                }
            }
        }
        // Sorted, as searches return them.
        rule_ids.sort();
        let json = stored_event_json(&document, event_field).unwrap_or_default();
        // Partitions of the bytes encoding may hold invalid UTF-8 (see `EventEncoding`).
        let json = String::from_utf8_lossy(json);
        batch.push(time.first(doc_id).unwrap_or(0), &rule_ids, &json);
        rows += 1;
        if batch.rows() >= BATCH_ROWS {
            flush(batch)?;
        }
    }
    Ok(rows)
}

/// `vigil-events-<UTC date>.parquet` for a day partition; partitions of other spans add the
/// start time (`vigil-events-2026-11-20T130000.parquet`).
fn file_name(start_ms: i64, span_ms: i64) -> String {
    let days = start_ms.div_euclid(DAY_MS);
    let (year, month, day) = civil_from_days(days);
    let date = format!("{year:04}-{month:02}-{day:02}");
    let within_day_ms = start_ms.rem_euclid(DAY_MS);
    if span_ms == DAY_MS && within_day_ms == 0 {
        return format!("vigil-events-{date}.parquet");
    }
    let seconds = within_day_ms / 1000;
    let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    format!("vigil-events-{date}T{hours:02}{minutes:02}{seconds:02}.parquet")
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = u32::try_from(day_of_year - (153 * month_index + 2) / 5 + 1).expect("1..=31");
    let month = u32::try_from(if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    })
    .expect("1..=12");
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Makes the renames in `dir` durable.
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io(dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_named_by_the_partition_start_in_utc() {
        // 2026-11-20T00:00:00Z.
        let day = 1_795_132_800_000;
        assert_eq!(file_name(day, DAY_MS), "vigil-events-2026-11-20.parquet");
        assert_eq!(
            file_name(day + 13 * 3_600_000, 3_600_000),
            "vigil-events-2026-11-20T130000.parquet"
        );
        assert_eq!(file_name(0, DAY_MS), "vigil-events-1970-01-01.parquet");
        assert_eq!(
            file_name(-DAY_MS, DAY_MS),
            "vigil-events-1969-12-31.parquet"
        );
        // A leap day.
        assert_eq!(
            file_name(1_709_164_800_000, DAY_MS),
            "vigil-events-2024-02-29.parquet"
        );
    }
}
