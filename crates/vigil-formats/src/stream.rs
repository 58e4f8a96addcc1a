//! Byte streams to records: decompression with a size cap, then framing.
//!
//! The caller hands in any [`Read`] (a file, an object body, a socket); nothing here opens
//! anything. [`open`] sniffs gzip and zstd magic and wraps the reader in a decoder whose output
//! is capped ([`Limits::max_decompressed_bytes`]). [`RecordReader`] then cuts the stream into
//! [`Record`]s:
//!
//! * [`Framing::Json`]: JSON values — NDJSON, concatenated or pretty-printed objects, or the
//!   elements of a top-level array. A line that does not start a JSON value is yielded as a
//!   record of its own (a syslog-wrapped Falco alert, or junk for the normalizer to reject).
//! * [`Framing::Lines`]: lines terminated by LF, CRLF or NUL, and RFC 6587 octet-counted frames
//!   (`LEN SP <PRI>…`), recognized per record.
//!
//! Every record is a zero-copy [`Bytes`] slice of the read buffer. A record longer than
//! [`Limits::max_record_bytes`] is not buffered: its first bytes are kept for the rejection and
//! the rest is skipped, so memory stays bounded whatever the input.

use std::io::{self, BufRead, BufReader, Read};
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use vigil_model::Provenance;

use crate::Record;

/// Size caps for one stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The largest record (line or JSON value) kept; longer ones are rejected and skipped.
    pub max_record_bytes: usize,
    /// The most bytes a compressed stream may decompress to before it is cut off.
    pub max_decompressed_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_record_bytes: 16 * 1024 * 1024,
            max_decompressed_bytes: 4 * 1024 * 1024 * 1024,
        }
    }
}

/// The compression of a stream, from its magic bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Plain bytes.
    None,
    /// gzip (`1f 8b`), including multi-member files.
    Gzip,
    /// zstd (`28 b5 2f fd`).
    Zstd,
}

impl Compression {
    /// Recognizes the compression from the first bytes of a stream.
    pub fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    /// A short name for summaries.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// Wraps `reader` in the decoder its magic bytes call for, capped at
/// `limits.max_decompressed_bytes` of output. Reading past the cap fails with an error that
/// says so.
pub fn open<'a, R: Read + 'a>(
    reader: R,
    limits: Limits,
) -> io::Result<(Compression, Box<dyn Read + 'a>)> {
    let mut buffered = BufReader::with_capacity(256 * 1024, reader);
    let compression = Compression::sniff(buffered.fill_buf()?);
    let inner: Box<dyn Read + 'a> = match compression {
        Compression::None => return Ok((compression, Box::new(buffered))),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(buffered)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(buffered)?),
    };
    Ok((
        compression,
        Box::new(Capped {
            inner,
            remaining: limits.max_decompressed_bytes,
            cap: limits.max_decompressed_bytes,
        }),
    ))
}

/// A reader that fails once more than `cap` bytes have come out of it.
struct Capped<R> {
    inner: R,
    remaining: u64,
    cap: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 {
            // One more byte tells a stream that ends exactly at the cap from one that goes on.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::other(format!(
                    "decompressed size cap of {} bytes exceeded",
                    self.cap
                ))),
            };
        }
        let want = buf
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.remaining -= n as u64;
        Ok(n)
    }
}

/// How a stream is cut into records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// JSON values (and any non-JSON line as a record of its own).
    Json,
    /// Lines and octet-counted syslog frames.
    Lines,
}

/// A stream-level problem: a record too large to keep, or a stream that broke (truncated
/// gzip, a read error, the decompression cap). Carries the bytes that were pending.
#[derive(Clone, Debug)]
pub struct StreamError {
    /// Stable reason code: `record_too_large`, `truncated_stream`, `read_error`.
    pub reason: &'static str,
    /// Details for people.
    pub detail: String,
    /// Where the problem starts.
    pub provenance: Provenance,
    /// The first bytes of what was lost (at most `REJECTED_RECORD_KEEP_BYTES`).
    pub sample: Bytes,
    /// The full length of the lost bytes, when known.
    pub length: Option<u64>,
}

const READ_CHUNK: usize = 256 * 1024;

/// Where the JSON scanner is inside an unfinished value.
#[derive(Clone, Copy, Debug, Default)]
struct Scan {
    /// Bytes of the value already scanned (relative to the buffer start).
    pos: usize,
    /// Brace or bracket depth.
    depth: u32,
    in_string: bool,
    /// The previous byte, at the end of the scanned part, was a backslash inside a string.
    escape: bool,
    /// The value is the element of a top-level array that is not an object or array:
    /// it ends at `,`, `]` or whitespace.
    scalar: bool,
}

/// Cuts a byte stream into [`Record`]s. See the module documentation.
pub struct RecordReader<R> {
    reader: R,
    framing: Framing,
    limits: Limits,
    source: Arc<str>,
    buf: BytesMut,
    /// Stream offset of `buf[0]`.
    offset: u64,
    /// Line number of `buf[0]`.
    line: u64,
    eof: bool,
    done: bool,
    /// Inside a top-level JSON array.
    in_array: bool,
    /// Progress of a JSON value that needs more bytes.
    scan: Option<Scan>,
    /// Progress of a line search that needs more bytes.
    line_scan_from: usize,
    /// Skipping the rest of an oversize record: for JSON, the scanner state; for lines, `None`.
    skipping: Option<Skip>,
    bom_checked: bool,
}

/// How to find the end of an oversize record being skipped.
#[derive(Clone, Copy, Debug)]
enum Skip {
    /// Up to the next line terminator (LF or NUL).
    Line,
    /// To the end of a JSON value.
    Json(Scan),
    /// This many more bytes (an octet-counted frame).
    Bytes(u64),
}

impl<R: Read> RecordReader<R> {
    /// A reader of `reader` (already decompressed) with the given framing; `source` names the
    /// file or object in provenance.
    pub fn new(reader: R, framing: Framing, limits: Limits, source: Arc<str>) -> RecordReader<R> {
        RecordReader {
            reader,
            framing,
            limits,
            source,
            buf: BytesMut::with_capacity(READ_CHUNK),
            offset: 0,
            line: 1,
            eof: false,
            done: false,
            in_array: false,
            scan: None,
            line_scan_from: 0,
            skipping: None,
            bom_checked: false,
        }
    }

    /// Bytes consumed from the decompressed stream so far.
    pub fn bytes_read(&self) -> u64 {
        self.offset + self.buf.len() as u64
    }

    fn provenance(&self) -> Provenance {
        Provenance {
            source: self.source.clone(),
            line: self.line,
            offset: self.offset,
            index: None,
        }
    }

    /// Reads more input; returns `Ok(false)` at end of stream.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        let len = self.buf.len();
        self.buf.resize(len + READ_CHUNK, 0);
        let result = loop {
            match self.reader.read(&mut self.buf[len..]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        match result {
            Ok(n) => {
                self.buf.truncate(len + n);
                if n == 0 {
                    self.eof = true;
                }
                Ok(n > 0)
            }
            Err(e) => {
                self.buf.truncate(len);
                Err(e)
            }
        }
    }

    /// Drops `n` bytes from the front of the buffer, advancing offset and line.
    fn advance(&mut self, n: usize) -> Bytes {
        let taken = self.buf.split_to(n).freeze();
        self.offset += n as u64;
        self.line += memchr::memchr_iter(b'\n', &taken).count() as u64;
        taken
    }

    /// Takes a record of `len` bytes followed by `skip` terminator bytes.
    fn take_record(&mut self, len: usize, skip: usize) -> Record {
        let provenance = self.provenance();
        let mut bytes = self.advance(len);
        if skip > 0 {
            self.advance(skip);
        }
        if bytes.last() == Some(&b'\r') {
            bytes.truncate(bytes.len() - 1);
        }
        Record { bytes, provenance }
    }

    fn broken(&mut self, error: io::Error) -> StreamError {
        self.done = true;
        let provenance = self.provenance();
        let pending = self.buf.len() as u64;
        let sample = self.advance(self.buf.len().min(vigil_model::REJECTED_RECORD_KEEP_BYTES));
        let truncated = error.kind() == io::ErrorKind::UnexpectedEof
            || error.to_string().contains("corrupt deflate")
            || error.to_string().contains("invalid gzip header");
        StreamError {
            reason: if truncated {
                "truncated_stream"
            } else {
                "read_error"
            },
            detail: format!(
                "stream ended with an error after {} bytes ({pending} bytes of an unfinished record lost): {error}",
                provenance.offset
            ),
            provenance,
            sample,
            length: Some(pending),
        }
    }

    fn skip_leading_bom(&mut self) {
        if !self.bom_checked && self.buf.len() >= 3 {
            self.bom_checked = true;
            if self.buf.starts_with(&[0xef, 0xbb, 0xbf]) {
                self.advance(3);
            }
        }
    }

    /// Rejects the record at the front of the buffer as too large. With `known_end` the whole
    /// record is in the buffer and is dropped now; otherwise `skip` says how to find its end.
    fn too_large(&mut self, known_end: Option<usize>, skip: Skip) -> StreamError {
        let provenance = self.provenance();
        let keep = vigil_model::REJECTED_RECORD_KEEP_BYTES.min(self.buf.len());
        let sample = self.buf[..keep].to_vec().into();
        let length = match known_end {
            Some(end) => {
                self.advance(end);
                Some(end as u64)
            }
            None => {
                let have = self.buf.len();
                self.skipping = Some(match skip {
                    Skip::Json(mut scan) => {
                        scan.pos = 0;
                        Skip::Json(scan)
                    }
                    Skip::Bytes(total) => Skip::Bytes(total.saturating_sub(have as u64)),
                    Skip::Line => Skip::Line,
                });
                self.advance(have);
                None
            }
        };
        self.scan = None;
        self.line_scan_from = 0;
        StreamError {
            reason: "record_too_large",
            detail: format!(
                "record longer than the {} byte cap; skipped to its end",
                self.limits.max_record_bytes
            ),
            provenance,
            sample,
            length,
        }
    }

    /// Continues skipping an oversize record; returns true when its end was reached.
    fn continue_skip(&mut self) -> bool {
        let Some(skip) = self.skipping.take() else {
            return true;
        };
        let (end, next) = match skip {
            Skip::Line => (
                memchr::memchr2(b'\n', 0, &self.buf).map(|i| i + 1),
                Skip::Line,
            ),
            Skip::Json(mut scan) => {
                let end = scan_json(&self.buf, &mut scan);
                scan.pos = 0;
                (end, Skip::Json(scan))
            }
            Skip::Bytes(left) => {
                let have = self.buf.len() as u64;
                if have >= left {
                    (usize::try_from(left).ok(), Skip::Bytes(0))
                } else {
                    (None, Skip::Bytes(left - have))
                }
            }
        };
        match end {
            Some(n) => {
                self.advance(n);
                true
            }
            None => {
                let n = self.buf.len();
                self.advance(n);
                self.skipping = Some(next);
                false
            }
        }
    }

    /// The next record, a stream error, or `None` at the end.
    pub fn next_record(&mut self) -> Option<Result<Record, StreamError>> {
        loop {
            if self.done {
                return None;
            }
            if self.skipping.is_some() && !self.continue_skip() {
                match self.fill() {
                    Ok(true) => continue,
                    Ok(false) => {
                        self.done = true;
                        return None;
                    }
                    Err(e) => return Some(Err(self.broken(e))),
                }
            }
            self.skip_leading_bom();
            let step = match self.framing {
                Framing::Lines => self.step_line(),
                Framing::Json => self.step_json(),
            };
            match step {
                Step::Record(r) => return Some(Ok(r)),
                Step::Error(e) => return Some(Err(e)),
                Step::Again => continue,
                Step::NeedMore => match self.fill() {
                    Ok(true) => continue,
                    Ok(false) => {
                        // End of stream: what is left is the last record (no terminator).
                        if let Some(r) = self.finish() {
                            return Some(Ok(r));
                        }
                        self.done = true;
                        return None;
                    }
                    Err(e) => {
                        if self.buf.iter().all(u8::is_ascii_whitespace) {
                            let n = self.buf.len();
                            self.advance(n);
                        }
                        return Some(Err(self.broken(e)));
                    }
                },
            }
        }
    }

    /// At end of stream: the unterminated rest, if it holds anything but whitespace.
    fn finish(&mut self) -> Option<Record> {
        self.scan = None;
        let start = self.buf.iter().position(|b| !b.is_ascii_whitespace())?;
        self.advance(start);
        let mut len = self.buf.len();
        while len > 0 && self.buf[len - 1].is_ascii_whitespace() {
            len -= 1;
        }
        let rest = self.buf.len() - len;
        Some(self.take_record(len, rest))
    }

    fn step_line(&mut self) -> Step {
        // Skip blank lines and stray terminators: they are not records.
        let blank = self
            .buf
            .iter()
            .position(|&b| !matches!(b, b'\n' | b'\r' | 0 | b' ' | b'\t'));
        match blank {
            None => {
                let n = self.buf.len();
                self.advance(n);
                self.line_scan_from = 0;
                return Step::NeedMore;
            }
            Some(0) => {}
            Some(n) => {
                self.advance(n);
                self.line_scan_from = 0;
            }
        }
        if self.line_scan_from == 0 {
            // Too few bytes to tell an octet count from a line starting with digits.
            let digits = self.buf.iter().take_while(|b| b.is_ascii_digit()).count();
            if !self.eof && digits == self.buf.len().min(10) && self.buf.len() < 12 {
                return Step::NeedMore;
            }
            if !self.eof && digits > 0 && digits + 2 > self.buf.len() {
                return Step::NeedMore;
            }
            if let Some((len, prefix)) = octet_count_prefix(&self.buf) {
                if len > self.limits.max_record_bytes {
                    self.advance(prefix);
                    return Step::Error(self.too_large(None, Skip::Bytes(len as u64)));
                }
                if self.buf.len() < prefix + len {
                    return Step::NeedMore;
                }
                self.advance(prefix);
                return Step::Record(self.take_record(len, 0));
            }
        }
        let from = self.line_scan_from.min(self.buf.len());
        match memchr::memchr2(b'\n', 0, &self.buf[from..]) {
            Some(i) => {
                self.line_scan_from = 0;
                let end = from + i;
                if end > self.limits.max_record_bytes {
                    return Step::Error(self.too_large(Some(end + 1), Skip::Line));
                }
                Step::Record(self.take_record(end, 1))
            }
            None => {
                if self.buf.len() > self.limits.max_record_bytes {
                    return Step::Error(self.too_large(None, Skip::Line));
                }
                self.line_scan_from = self.buf.len();
                Step::NeedMore
            }
        }
    }

    fn step_json(&mut self) -> Step {
        if self.scan.is_none() {
            // Between values: skip whitespace, and commas and brackets of a top-level array.
            let mut i = 0;
            while let Some(&b) = self.buf.get(i) {
                match b {
                    b' ' | b'\t' | b'\r' | b'\n' | 0 => i += 1,
                    b',' if self.in_array => i += 1,
                    b']' if self.in_array => {
                        self.in_array = false;
                        i += 1;
                    }
                    _ => break,
                }
            }
            self.advance(i);
            let Some(&first) = self.buf.first() else {
                return Step::NeedMore;
            };
            match first {
                b'[' if !self.in_array => {
                    self.in_array = true;
                    self.advance(1);
                    return Step::Again;
                }
                b'{' | b'[' => self.scan = Some(Scan::default()),
                _ if self.in_array => {
                    self.scan = Some(Scan {
                        scalar: true,
                        ..Scan::default()
                    })
                }
                _ => {
                    // Not JSON: the rest of the line is one record.
                    return self.step_line();
                }
            }
        }
        let mut scan = self.scan.take().expect("set above when absent");
        match scan_json(&self.buf, &mut scan) {
            Some(end) => {
                if end > self.limits.max_record_bytes {
                    return Step::Error(self.too_large(Some(end), Skip::Json(scan)));
                }
                Step::Record(self.take_record(end, 0))
            }
            None => {
                if self.buf.len() > self.limits.max_record_bytes {
                    return Step::Error(self.too_large(None, Skip::Json(scan)));
                }
                self.scan = Some(scan);
                Step::NeedMore
            }
        }
    }
}

impl<R: Read> Iterator for RecordReader<R> {
    type Item = Result<Record, StreamError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_record()
    }
}

enum Step {
    Record(Record),
    Error(StreamError),
    NeedMore,
    Again,
}

/// Scans a JSON value from `buf[scan.pos..]`, resuming from `scan`; returns the value's end
/// (exclusive) once its closing brace or bracket is found. Only structure is checked; the
/// normalizer parses the value.
fn scan_json(buf: &[u8], scan: &mut Scan) -> Option<usize> {
    if scan.scalar {
        let end = buf[scan.pos..]
            .iter()
            .position(|&b| matches!(b, b',' | b']' | b' ' | b'\t' | b'\r' | b'\n'));
        return match end {
            Some(i) => Some(scan.pos + i),
            None => {
                scan.pos = buf.len();
                None
            }
        };
    }
    let mut i = scan.pos;
    if scan.escape {
        if i >= buf.len() {
            return None;
        }
        scan.escape = false;
        i += 1;
    }
    while i < buf.len() {
        if scan.in_string {
            match memchr::memchr2(b'"', b'\\', &buf[i..]) {
                None => {
                    i = buf.len();
                }
                Some(j) => {
                    let at = i + j;
                    if buf[at] == b'\\' {
                        if at + 1 >= buf.len() {
                            // The escaped byte is not here yet: resume after it.
                            scan.escape = true;
                            scan.pos = buf.len();
                            return None;
                        }
                        i = at + 2;
                    } else {
                        scan.in_string = false;
                        i = at + 1;
                    }
                }
            }
            continue;
        }
        match buf[i] {
            b'"' => scan.in_string = true,
            b'{' | b'[' => scan.depth += 1,
            b'}' | b']' => {
                scan.depth = scan.depth.saturating_sub(1);
                if scan.depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    scan.pos = buf.len();
    None
}

/// Recognizes an RFC 6587 octet-counting prefix: `LEN SP` followed by `<`. Returns the
/// frame length and the prefix length.
pub fn octet_count_prefix(b: &[u8]) -> Option<(usize, usize)> {
    let digits = b.iter().take(10).take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || digits >= 10 || b.first() == Some(&b'0') {
        return None;
    }
    if b.get(digits) != Some(&b' ') || b.get(digits + 1) != Some(&b'<') {
        return None;
    }
    let len: usize = std::str::from_utf8(&b[..digits]).ok()?.parse().ok()?;
    Some((len, digits + 1))
}

#[cfg(test)]
mod tests;
