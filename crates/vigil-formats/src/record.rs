//! The unit of work of a normalizer: one framed record in, events and rejections out.

use std::sync::Arc;

use bytes::Bytes;
use vigil_model::{Event, Provenance, Rejection, SourceType};

/// One framed record: a JSON value or a line, with where it came from.
#[derive(Clone, Debug)]
pub struct Record {
    /// The record's bytes (no line terminator).
    pub bytes: Bytes,
    /// Where the record is.
    pub provenance: Provenance,
}

impl Record {
    /// A record from `bytes` at line 1, offset 0 of `source` (tests, single records).
    pub fn new(source: &str, bytes: impl Into<Bytes>) -> Record {
        Record {
            bytes: bytes.into(),
            provenance: Provenance {
                source: Arc::from(source),
                line: 1,
                offset: 0,
                index: None,
            },
        }
    }
}

/// What the caller knows about the stream a record comes from.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// The path or object key the record was read from (for key layouts such as VPC flow logs).
    pub path: Arc<str>,
    /// A reference time (ms since the epoch) for formats that omit the year (RFC 3164): the
    /// year is chosen so the timestamp is not more than a month after this time. Usually the
    /// file's modification time or the receive time.
    pub reference_time_ms: i64,
}

/// Events and rejections produced from records.
#[derive(Debug, Default)]
pub struct Output {
    /// Normalized events, in record order.
    pub events: Vec<Event>,
    /// Rejected records, in record order.
    pub rejections: Vec<Rejection>,
}

impl Output {
    /// Records a rejection of `record`.
    pub fn reject(
        &mut self,
        source_type: SourceType,
        record: &Record,
        reason: &'static str,
        detail: impl Into<String>,
    ) {
        self.rejections.push(Rejection::new(
            source_type,
            record.provenance.clone(),
            reason,
            detail,
            &record.bytes,
        ));
    }

    /// Records a rejection of one element of a record holding many (a flow record within a flow
    /// log object): the element's bytes and its index.
    pub fn reject_element(
        &mut self,
        source_type: SourceType,
        record: &Record,
        index: u32,
        element: &Bytes,
        reason: &'static str,
        detail: impl Into<String>,
    ) {
        let mut provenance = record.provenance.clone();
        provenance.index = Some(index);
        self.rejections.push(Rejection::new(
            source_type,
            provenance,
            reason,
            detail,
            element,
        ));
    }

    /// Clears both lists, keeping their allocations.
    pub fn clear(&mut self) {
        self.events.clear();
        self.rejections.clear();
    }
}
