//! Source checkpoints: how far each source has read (an object key and offset, a Kafka
//! partition offset…), as JSON the source owns, so `vigil serve` resumes where it stopped.

use rusqlite::{params, OptionalExtension};
use serde_json::Value;

use crate::error::{SqlContext, StateError};
use crate::ids::SourceId;
use crate::sql::check_name;
use crate::store::StateStore;

/// The largest checkpoint value kept, as JSON text (bytes).
pub const MAX_CHECKPOINT_BYTES: usize = 64 * 1024;

/// One checkpoint: `value` under `key` for a source.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    /// The source.
    pub source_id: SourceId,
    /// What the value is the position of (a prefix, a partition…).
    pub key: String,
    /// The position, in the source's own shape.
    pub value: Value,
}

fn corrupt(e: &serde_json::Error) -> StateError {
    StateError::Corrupt {
        table: "checkpoints",
        column: "value",
        detail: e.to_string(),
    }
}

impl StateStore {
    /// Saves checkpoints in one transaction (all or none), replacing earlier values.
    pub fn save_checkpoints(&self, checkpoints: &[Checkpoint]) -> Result<(), StateError> {
        const OP: &str = "save checkpoints";
        let mut rows = Vec::with_capacity(checkpoints.len());
        for checkpoint in checkpoints {
            check_name("source id", checkpoint.source_id.as_str())?;
            check_name("checkpoint key", &checkpoint.key)?;
            let text =
                serde_json::to_string(&checkpoint.value).map_err(|source| StateError::Json {
                    what: "checkpoint value",
                    source,
                })?;
            if text.len() > MAX_CHECKPOINT_BYTES {
                return Err(StateError::Invalid {
                    field: "checkpoint value",
                    reason: format!(
                        "`{}`/`{}` is {} bytes of JSON, more than {MAX_CHECKPOINT_BYTES}",
                        checkpoint.source_id,
                        checkpoint.key,
                        text.len()
                    ),
                });
            }
            rows.push((checkpoint, text));
        }
        let now_ms = self.now_ms();
        self.write(OP, |tx| {
            let mut upsert = tx
                .prepare_cached(
                    "INSERT INTO checkpoints (source_id, key, value, updated_ms) \
                     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (source_id, key) \
                     DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms",
                )
                .ctx(OP)?;
            for (checkpoint, text) in &rows {
                upsert
                    .execute(params![
                        checkpoint.source_id.as_str(),
                        checkpoint.key,
                        text,
                        now_ms
                    ])
                    .ctx(OP)?;
            }
            Ok(())
        })
    }

    /// The checkpoint of `source_id` under `key`, or `None` when none was saved.
    pub fn load_checkpoint(
        &self,
        source_id: &SourceId,
        key: &str,
    ) -> Result<Option<Value>, StateError> {
        const OP: &str = "load checkpoint";
        let text: Option<String> = self.read(OP, |tx| {
            tx.prepare_cached("SELECT value FROM checkpoints WHERE source_id = ?1 AND key = ?2")
                .ctx(OP)?
                .query_row(params![source_id.as_str(), key], |row| row.get(0))
                .optional()
                .ctx(OP)
        })?;
        text.map(|text| serde_json::from_str(&text).map_err(|e| corrupt(&e)))
            .transpose()
    }

    /// Every checkpoint of `source_id`, by key.
    pub fn list_checkpoints(&self, source_id: &SourceId) -> Result<Vec<Checkpoint>, StateError> {
        const OP: &str = "list checkpoints";
        self.read(OP, |tx| {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT key, value FROM checkpoints WHERE source_id = ?1 ORDER BY key",
                )
                .ctx(OP)?;
            let mut rows = stmt.query([source_id.as_str()]).ctx(OP)?;
            let mut checkpoints = Vec::new();
            while let Some(row) = rows.next().ctx(OP)? {
                let text: String = row.get(1).ctx(OP)?;
                checkpoints.push(Checkpoint {
                    source_id: source_id.clone(),
                    key: row.get(0).ctx(OP)?,
                    value: serde_json::from_str(&text).map_err(|e| corrupt(&e))?,
                });
            }
            Ok(checkpoints)
        })
    }
}
