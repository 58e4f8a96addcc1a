//! The bytes of a segment: the header, the record framing, and the scan that validates a
//! segment on open.
//!
//! Version 2 (`VGLWAL02`), written today: `[payload length u32 LE][crc32 u32 LE][seq u64 LE]
//! [flags u8][payload]`, the CRC covering the sequence number, the flags and the payload.
//! Flags: [`FLAG_BATCH_END`] on the last record of every batch, [`FLAG_META`] on a metadata
//! record. A batch counts only once its last record is read: a crash that tears a batch
//! anywhere drops the whole batch, metadata included, so events and the metadata written with
//! them survive or vanish together.
//!
//! Version 1 (`VGLWAL01`) is still read: `[length][crc][seq][payload]`, every record an event
//! and a batch of its own (version 1 had no batch framing).

use std::fs::File;
use std::io::{BufReader, Read};

use super::{RecordKind, Segment, WalSeq};
use crate::error::StoreError;

/// Header of a segment written today.
pub(super) const MAGIC: &[u8; 8] = b"VGLWAL02";
/// Header of a version 1 segment (read, never written).
const MAGIC_V1: &[u8; 8] = b"VGLWAL01";
pub(super) const MAGIC_BYTES: u64 = MAGIC.len() as u64;
/// Bytes before the payload of a version 2 record.
pub(super) const HEADER_BYTES: u64 = 17;
const HEADER_V1_BYTES: usize = 16;

/// The last record of a batch.
const FLAG_BATCH_END: u8 = 1;
/// A metadata record (not an event).
const FLAG_META: u8 = 2;

/// Appends one version 2 record to `out`.
pub(super) fn encode_record(
    out: &mut Vec<u8>,
    seq: WalSeq,
    kind: RecordKind,
    batch_end: bool,
    payload: &[u8],
) {
    let mut flags = 0;
    if batch_end {
        flags |= FLAG_BATCH_END;
    }
    if kind == RecordKind::Meta {
        flags |= FLAG_META;
    }
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&seq.to_le_bytes());
    hasher.update(&[flags]);
    hasher.update(payload);
    // The caller checked the payload against `max_record_bytes` (a u32).
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&hasher.finalize().to_le_bytes());
    out.extend_from_slice(&seq.to_le_bytes());
    out.push(flags);
    out.extend_from_slice(payload);
}

/// One record as read.
#[derive(Clone, Copy, Debug)]
pub(super) struct RecordHeader {
    pub seq: WalSeq,
    pub kind: RecordKind,
    pub batch_end: bool,
}

pub(super) enum Next {
    Record(RecordHeader),
    End,
    Bad(String),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Version {
    V1,
    V2,
}

/// Reads records of one segment; stops at the end or at the first bad record.
pub(super) struct SegmentReader<R> {
    reader: R,
    version: Version,
    /// Offset just past the last record read.
    pub offset: u64,
    pub expected_seq: Option<WalSeq>,
    max_record_bytes: u32,
}

impl<R: Read> SegmentReader<R> {
    pub(super) fn open(mut reader: R, max_record_bytes: u32) -> Result<SegmentReader<R>, String> {
        let mut magic = [0u8; 8];
        if read_full(&mut reader, &mut magic)? < magic.len() {
            return Err("segment header cut short".to_owned());
        }
        let version = match &magic {
            MAGIC => Version::V2,
            MAGIC_V1 => Version::V1,
            _ => return Err("bad magic".to_owned()),
        };
        Ok(SegmentReader {
            reader,
            version,
            offset: MAGIC_BYTES,
            expected_seq: None,
            max_record_bytes,
        })
    }

    /// Reads the next record into `payload`.
    pub(super) fn next(&mut self, payload: &mut Vec<u8>) -> Next {
        let mut header = [0u8; HEADER_BYTES as usize];
        let header_len = match self.version {
            Version::V1 => HEADER_V1_BYTES,
            Version::V2 => HEADER_BYTES as usize,
        };
        match read_full(&mut self.reader, &mut header[..header_len]) {
            Ok(0) => return Next::End,
            Ok(n) if n < header_len => return Next::Bad("record header cut short".to_owned()),
            Ok(_) => {}
            Err(e) => return Next::Bad(e),
        }
        let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
        let crc = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        let mut seq_bytes = [0u8; 8];
        seq_bytes.copy_from_slice(&header[8..16]);
        let seq = u64::from_le_bytes(seq_bytes);
        // Version 1 records are each a whole batch of one event.
        let flags = match self.version {
            Version::V1 => FLAG_BATCH_END,
            Version::V2 => header[16],
        };
        if len > self.max_record_bytes {
            return Next::Bad(format!("record length {len} over the limit"));
        }
        payload.clear();
        payload.resize(len as usize, 0);
        match read_full(&mut self.reader, payload) {
            Ok(n) if n < payload.len() => return Next::Bad("record payload cut short".to_owned()),
            Ok(_) => {}
            Err(e) => return Next::Bad(e),
        }
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&seq_bytes);
        if self.version == Version::V2 {
            hasher.update(&[flags]);
        }
        hasher.update(payload);
        if hasher.finalize() != crc {
            return Next::Bad(format!("crc mismatch on record {seq}"));
        }
        if flags & !(FLAG_BATCH_END | FLAG_META) != 0 {
            return Next::Bad(format!("unknown flags {flags:#04x} on record {seq}"));
        }
        if let Some(expected) = self.expected_seq {
            if seq != expected {
                return Next::Bad(format!("sequence {seq} where {expected} was expected"));
            }
        }
        self.expected_seq = Some(seq + 1);
        self.offset += header_len as u64 + u64::from(len);
        Next::Record(RecordHeader {
            seq,
            kind: if flags & FLAG_META != 0 {
                RecordKind::Meta
            } else {
                RecordKind::Event
            },
            batch_end: flags & FLAG_BATCH_END != 0,
        })
    }
}

/// Fills `buf` as far as the stream goes; returns how many bytes were read (less than
/// `buf.len()` only at the end of the stream).
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> Result<usize, String> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(filled)
}

/// What validating one segment found. Only whole batches count.
#[derive(Default)]
pub(super) struct SegmentScan {
    /// Records of whole batches.
    pub records: u64,
    /// The last sequence number of the last whole batch.
    pub last: Option<WalSeq>,
    /// Metadata records of whole batches, in order.
    pub meta: Vec<(WalSeq, Vec<u8>)>,
    /// Where the log must be cut (the start of the first bad or unfinished batch) and why.
    pub bad: Option<(u64, String)>,
}

/// Validates one segment.
pub(super) fn scan_segment(
    segment: &Segment,
    max_record_bytes: u32,
    payload: &mut Vec<u8>,
) -> Result<SegmentScan, StoreError> {
    let file = File::open(&segment.path).map_err(|e| StoreError::io(&segment.path, e))?;
    let file_len = file
        .metadata()
        .map_err(|e| StoreError::io(&segment.path, e))?
        .len();
    let mut reader =
        match SegmentReader::open(BufReader::with_capacity(1 << 20, file), max_record_bytes) {
            Ok(reader) => reader,
            Err(reason) => {
                return Ok(SegmentScan {
                    bad: Some((0, reason)),
                    ..SegmentScan::default()
                })
            }
        };
    reader.expected_seq = Some(segment.first_seq);
    let mut scan = SegmentScan::default();
    // The batch being read: where it starts, its records so far, its metadata.
    let mut batch_start = reader.offset;
    let mut batch_records = 0u64;
    let mut batch_meta = Vec::new();
    loop {
        let next = if reader.offset == file_len {
            Next::End
        } else {
            reader.next(payload)
        };
        match next {
            Next::Record(header) => {
                batch_records += 1;
                if header.kind == RecordKind::Meta {
                    batch_meta.push((header.seq, payload.clone()));
                }
                if header.batch_end {
                    scan.records += batch_records;
                    scan.last = Some(header.seq);
                    scan.meta.append(&mut batch_meta);
                    batch_records = 0;
                    batch_start = reader.offset;
                }
            }
            Next::End if batch_records == 0 => return Ok(scan),
            Next::End => {
                scan.bad = Some((
                    batch_start,
                    format!("batch cut short: {batch_records} records and no batch end"),
                ));
                return Ok(scan);
            }
            Next::Bad(reason) => {
                scan.bad = Some((batch_start, reason));
                return Ok(scan);
            }
        }
    }
}
