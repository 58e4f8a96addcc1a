//! Dead letters: records that could not be normalized, kept with the reason so they can be
//! looked at, and counted per source and reason.
//!
//! Rows are a bounded window ([`crate::StoreOptions::max_dead_letters`], the oldest go
//! first); the counts live in their own table and only grow, so a source's error rate stays
//! right after old rows are pruned.

use rusqlite::{params, params_from_iter};
use vigil_model::{Rejection, SourceType};

use crate::error::{SqlContext, StateError};
use crate::ids::{DeadLetterId, SourceId};
use crate::sql::{check_name, to_u64, Where, DEFAULT_PAGE};
use crate::store::StateStore;

/// The bytes of a record a dead letter keeps; the original length is kept beside them.
pub const MAX_DEAD_LETTER_RAW_BYTES: usize = vigil_model::REJECTED_RECORD_KEEP_BYTES;

/// The longest location, reason or detail kept (bytes); longer text is cut at a character
/// boundary.
const MAX_TEXT_BYTES: usize = 4096;

/// A record to dead-letter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadLetter {
    /// When it was read (ms).
    pub time_ms: i64,
    /// The source it came from.
    pub source_id: SourceId,
    /// The source type it was read as.
    pub source_type: SourceType,
    /// Where it was: file or object, line, byte offset.
    pub location: String,
    /// A stable, machine-readable reason (`invalid_json`, `record_too_large`…).
    pub reason: String,
    /// What exactly was wrong, for people.
    pub detail: String,
    /// The record (only its first [`MAX_DEAD_LETTER_RAW_BYTES`] are kept).
    pub raw: Vec<u8>,
    /// The record's full length when `raw` already holds only its first bytes.
    pub original_len: Option<u64>,
}

impl DeadLetter {
    /// The dead letter of a normalizer's rejection, read from `source_id` at `time_ms`.
    pub fn from_rejection(source_id: SourceId, time_ms: i64, rejection: &Rejection) -> DeadLetter {
        let provenance = &rejection.provenance;
        let mut location = format!(
            "{} line {} offset {}",
            provenance.source, provenance.line, provenance.offset
        );
        if let Some(index) = provenance.index {
            location.push_str(&format!(" index {index}"));
        }
        DeadLetter {
            time_ms,
            source_id,
            source_type: rejection.source_type,
            location,
            reason: rejection.reason.to_owned(),
            detail: rejection.detail.clone(),
            raw: rejection.record.to_vec(),
            original_len: rejection.record_truncated,
        }
    }
}

/// A stored dead letter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredDeadLetter {
    /// Its id (increasing in recording order).
    pub id: DeadLetterId,
    /// See [`DeadLetter::time_ms`].
    pub time_ms: i64,
    /// See [`DeadLetter::source_id`].
    pub source_id: SourceId,
    /// See [`DeadLetter::source_type`].
    pub source_type: SourceType,
    /// See [`DeadLetter::location`].
    pub location: String,
    /// See [`DeadLetter::reason`].
    pub reason: String,
    /// See [`DeadLetter::detail`].
    pub detail: String,
    /// The record's first bytes (all of it when `raw.len() == raw_len`).
    pub raw: Vec<u8>,
    /// The record's full length.
    pub raw_len: u64,
}

impl StoredDeadLetter {
    /// Whether `raw` holds only the first bytes of the record.
    pub fn is_truncated(&self) -> bool {
        u64::try_from(self.raw.len()).unwrap_or(u64::MAX) < self.raw_len
    }
}

/// Which dead letters to list (all given conditions must hold), newest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadLetterFilter {
    /// Only this source.
    pub source_id: Option<SourceId>,
    /// Only this reason.
    pub reason: Option<String>,
    /// Only records read at or after this time (ms).
    pub since_ms: Option<i64>,
    /// Only records read before this time (ms).
    pub until_ms: Option<i64>,
    /// At most this many (clamped to [`crate::MAX_PAGE`]).
    pub limit: u32,
    /// Skip this many first.
    pub offset: u64,
}

impl Default for DeadLetterFilter {
    fn default() -> DeadLetterFilter {
        DeadLetterFilter {
            source_id: None,
            reason: None,
            since_ms: None,
            until_ms: None,
            limit: DEFAULT_PAGE,
            offset: 0,
        }
    }
}

/// How many records of a source were dead-lettered for a reason (ever, pruning aside).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadLetterCount {
    /// The source.
    pub source_id: SourceId,
    /// The reason.
    pub reason: String,
    /// How many.
    pub count: u64,
}

/// `text` cut to at most `max` bytes at a character boundary.
fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

impl StateStore {
    /// Stores dead letters in one transaction, counts them per source and reason, and prunes
    /// the oldest beyond [`crate::StoreOptions::max_dead_letters`]. The raw record is cut to
    /// [`MAX_DEAD_LETTER_RAW_BYTES`], its original length kept.
    pub fn record_dead_letters(&self, letters: &[DeadLetter]) -> Result<(), StateError> {
        const OP: &str = "record dead letters";
        for letter in letters {
            check_name("source id", letter.source_id.as_str())?;
        }
        let keep = i64::try_from(self.options().max_dead_letters).unwrap_or(i64::MAX);
        let now_ms = self.now_ms();
        self.write(OP, |tx| {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO dead_letters (time_ms, source_id, source_type, location, \
                     reason, detail, raw, raw_len, recorded_ms) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .ctx(OP)?;
            let mut count = tx
                .prepare_cached(
                    "INSERT INTO dead_letter_counts (source_id, reason, count) \
                     VALUES (?1, ?2, 1) ON CONFLICT (source_id, reason) \
                     DO UPDATE SET count = count + 1",
                )
                .ctx(OP)?;
            for letter in letters {
                let kept = &letter.raw[..letter.raw.len().min(MAX_DEAD_LETTER_RAW_BYTES)];
                let given_len = u64::try_from(letter.raw.len()).unwrap_or(u64::MAX);
                let len = letter.original_len.unwrap_or(given_len).max(given_len);
                let reason = cut(&letter.reason, MAX_TEXT_BYTES);
                insert
                    .execute(params![
                        letter.time_ms,
                        letter.source_id.as_str(),
                        letter.source_type.name(),
                        cut(&letter.location, MAX_TEXT_BYTES),
                        reason,
                        cut(&letter.detail, MAX_TEXT_BYTES),
                        kept,
                        i64::try_from(len).unwrap_or(i64::MAX),
                        now_ms
                    ])
                    .ctx(OP)?;
                count
                    .execute(params![letter.source_id.as_str(), reason])
                    .ctx(OP)?;
            }
            // Ids only grow and only the oldest rows are deleted, so the kept ids are a
            // contiguous range and this leaves exactly `keep` rows.
            tx.prepare_cached(
                "DELETE FROM dead_letters WHERE id <= (SELECT MAX(id) FROM dead_letters) - ?1",
            )
            .ctx(OP)?
            .execute([keep])
            .ctx(OP)?;
            Ok(())
        })
    }

    /// Dead letters matching `filter`, newest first.
    pub fn list_dead_letters(
        &self,
        filter: &DeadLetterFilter,
    ) -> Result<Vec<StoredDeadLetter>, StateError> {
        const OP: &str = "list dead letters";
        let mut conditions = Where::default();
        if let Some(source_id) = &filter.source_id {
            conditions.push("source_id = ?", source_id.0.clone());
        }
        if let Some(reason) = &filter.reason {
            conditions.push("reason = ?", reason.clone());
        }
        if let Some(since) = filter.since_ms {
            conditions.push("time_ms >= ?", since);
        }
        if let Some(until) = filter.until_ms {
            conditions.push("time_ms < ?", until);
        }
        let sql = format!(
            "SELECT id, time_ms, source_id, source_type, location, reason, detail, raw, raw_len \
             FROM dead_letters{} ORDER BY id DESC LIMIT ? OFFSET ?",
            conditions.sql()
        );
        self.read(OP, |tx| {
            let mut stmt = tx.prepare_cached(&sql).ctx(OP)?;
            let mut rows = stmt
                .query(params_from_iter(
                    conditions.params_with_page(filter.limit, filter.offset),
                ))
                .ctx(OP)?;
            let mut letters = Vec::new();
            while let Some(row) = rows.next().ctx(OP)? {
                let source_type: String = row.get(3).ctx(OP)?;
                let raw_len: i64 = row.get(8).ctx(OP)?;
                letters.push(StoredDeadLetter {
                    id: DeadLetterId(row.get(0).ctx(OP)?),
                    time_ms: row.get(1).ctx(OP)?,
                    source_id: SourceId(row.get(2).ctx(OP)?),
                    source_type: source_type.parse::<SourceType>().map_err(|e| {
                        StateError::Corrupt {
                            table: "dead_letters",
                            column: "source_type",
                            detail: e.to_string(),
                        }
                    })?,
                    location: row.get(4).ctx(OP)?,
                    reason: row.get(5).ctx(OP)?,
                    detail: row.get(6).ctx(OP)?,
                    raw: row.get(7).ctx(OP)?,
                    raw_len: to_u64(raw_len),
                });
            }
            Ok(letters)
        })
    }

    /// How many records were dead-lettered per source and reason, by source then reason.
    pub fn dead_letter_counts(&self) -> Result<Vec<DeadLetterCount>, StateError> {
        const OP: &str = "count dead letters";
        self.read(OP, |tx| {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT source_id, reason, count FROM dead_letter_counts \
                     ORDER BY source_id, reason",
                )
                .ctx(OP)?;
            let mut rows = stmt.query([]).ctx(OP)?;
            let mut counts = Vec::new();
            while let Some(row) = rows.next().ctx(OP)? {
                let count: i64 = row.get(2).ctx(OP)?;
                counts.push(DeadLetterCount {
                    source_id: SourceId(row.get(0).ctx(OP)?),
                    reason: row.get(1).ctx(OP)?,
                    count: to_u64(count),
                });
            }
            Ok(counts)
        })
    }
}
