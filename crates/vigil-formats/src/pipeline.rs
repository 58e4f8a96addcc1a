//! One stream from bytes to events: decompress, detect, frame, route, normalize, count.
//!
//! This is what `vigil parse` and `vigil hunt` run per file, and what a collector runs per
//! object. It reads from the `Read` it is given and opens nothing.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::sync::Arc;

use vigil_model::{Rejection, SourceType};

use crate::detect::{self, Detected};
use crate::stream::{self, Compression, Limits, RecordReader};
use crate::{source, Context, Output};

/// How to read one stream.
#[derive(Clone, Debug, Default)]
pub struct StreamOptions {
    /// Read everything as this source type instead of detecting it.
    pub source_type: Option<SourceType>,
    /// Size caps.
    pub limits: Limits,
    /// Reference time for formats without a year (see [`Context::reference_time_ms`]).
    pub reference_time_ms: i64,
}

/// Per source type counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Records framed (a flow log object is one record holding many events).
    pub records: u64,
    /// Events produced.
    pub events: u64,
    /// Rejections (records, elements of records, and broken stream tails).
    pub rejected: u64,
}

/// What one stream gave.
#[derive(Clone, Debug, Default)]
pub struct StreamStats {
    /// Counts per source type.
    pub by_source: BTreeMap<SourceType, Counts>,
    /// Decompressed bytes read.
    pub bytes: u64,
    /// The stream's compression.
    pub compression: Option<Compression>,
    /// What detection chose (`None` when the source type was given).
    pub detected: Option<Detected>,
}

/// How many head bytes detection looks at.
const HEAD_BYTES: usize = 64 * 1024;

/// Reads `reader` (named `path`) to the end, calling `sink` after each record with the events
/// and rejections it produced (the sink takes them out of the [`Output`] it is given, or
/// leaves them to be cleared). Fails only when the stream cannot be read at all.
pub fn process<R: Read>(
    reader: R,
    path: &str,
    options: &StreamOptions,
    mut sink: impl FnMut(&mut Output),
) -> io::Result<StreamStats> {
    let (compression, mut decompressed) = stream::open(reader, options.limits)?;
    let mut head = Vec::with_capacity(HEAD_BYTES);
    let mut head_error = None;
    while head.len() < HEAD_BYTES {
        let mut chunk = vec![0u8; HEAD_BYTES - head.len()];
        match decompressed.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => head.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                head_error = Some(e);
                break;
            }
        }
    }
    let detected = detect::detect(path, &head);
    let (stream_type, framing, per_line) = match options.source_type {
        Some(t) => (t, detect::framing_of(t), false),
        None => (detected.source_type, detected.framing, detected.per_line),
    };
    let prefixed = Prefixed {
        head: io::Cursor::new(head),
        error: head_error,
        rest: decompressed,
    };
    let source_name: Arc<str> = Arc::from(path);
    let ctx = Context {
        path: source_name.clone(),
        reference_time_ms: options.reference_time_ms,
    };
    let mut records = RecordReader::new(prefixed, framing, options.limits, source_name);
    let mut stats = StreamStats {
        compression: Some(compression),
        detected: options.source_type.is_none().then_some(detected),
        ..StreamStats::default()
    };
    let mut out = Output::default();
    while let Some(item) = records.next_record() {
        out.clear();
        let source_type = match &item {
            Ok(record) if per_line => detect::route_line(&record.bytes),
            _ => stream_type,
        };
        match item {
            Ok(record) => source::normalize(source_type, &record, &ctx, &mut out),
            Err(e) => out.rejections.push(Rejection {
                source_type,
                provenance: e.provenance,
                reason: e.reason,
                detail: e.detail,
                record: e.sample,
                record_truncated: e.length,
            }),
        }
        let counts = stats.by_source.entry(source_type).or_default();
        counts.records += 1;
        counts.events += out.events.len() as u64;
        counts.rejected += out.rejections.len() as u64;
        sink(&mut out);
    }
    stats.bytes = records.bytes_read();
    Ok(stats)
}

/// The head bytes already read for detection, then the error that stopped them (if any), then
/// the rest of the stream.
struct Prefixed<R> {
    head: io::Cursor<Vec<u8>>,
    error: Option<io::Error>,
    rest: R,
}

impl<R: Read> Read for Prefixed<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.head.read(buf)?;
        if n > 0 {
            return Ok(n);
        }
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.rest.read(buf)
    }
}
