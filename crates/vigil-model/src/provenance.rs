//! Where a record came from, and what happens to a record that cannot be normalized.

use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;

use crate::SourceType;

/// Where a record came from: the file or object, the line (1-based) and the byte offset of the
/// record's first byte in the decompressed stream, and for records that hold many events (a
/// flow log object, a CloudTrail file) the index of the event within the record.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// The file path or object key (`-` for standard input).
    pub source: Arc<str>,
    /// 1-based line of the record's first byte; 0 when not known.
    pub line: u64,
    /// Byte offset of the record's first byte in the decompressed stream.
    pub offset: u64,
    /// Index of this event within its record, when a record holds many.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
}

/// A record that could not be normalized (or a stream that broke), kept for the dead-letter
/// output with its reason and location. Nothing is dropped silently.
#[derive(Clone, Debug, Serialize)]
pub struct Rejection {
    /// The source type the record was read as.
    pub source_type: SourceType,
    /// Where the record was.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// A stable, machine-readable reason (`invalid_json`, `missing_field`, `record_too_large`…).
    pub reason: &'static str,
    /// What exactly was wrong, for people.
    pub detail: String,
    /// The record, or its first bytes when it is large (see `record_truncated`).
    #[serde(serialize_with = "serialize_lossy")]
    pub record: Bytes,
    /// The record's full length in bytes, when `record` holds only its first bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_truncated: Option<u64>,
}

/// How many bytes of a rejected record the dead letter keeps.
pub const REJECTED_RECORD_KEEP_BYTES: usize = 64 * 1024;

impl Rejection {
    /// A rejection of `record`, keeping at most [`REJECTED_RECORD_KEEP_BYTES`] of it.
    pub fn new(
        source_type: SourceType,
        provenance: Provenance,
        reason: &'static str,
        detail: impl Into<String>,
        record: &Bytes,
    ) -> Rejection {
        let (kept, truncated) = if record.len() > REJECTED_RECORD_KEEP_BYTES {
            (
                record.slice(..REJECTED_RECORD_KEEP_BYTES),
                Some(record.len() as u64),
            )
        } else {
            (record.clone(), None)
        };
        Rejection {
            source_type,
            provenance,
            reason,
            detail: detail.into(),
            record: kept,
            record_truncated: truncated,
        }
    }
}

fn serialize_lossy<S: serde::Serializer>(bytes: &Bytes, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&String::from_utf8_lossy(bytes))
}
