//! The write-ahead log: an event is acknowledged once its record is here.
//!
//! Layout: a directory of segment files `wal-<first seq, 20 digits>.log`, each an 8-byte
//! magic followed by records `[payload length u32 LE][crc32 u32 LE][seq u64 LE][payload]`,
//! the CRC covering the sequence number and the payload. Sequence numbers start at 1 and grow
//! by one per record within a segment; a new segment may start past a gap (after a torn tail
//! was cut, the store carries on above the highest sequence it ever handed out).
//!
//! Opening scans every segment. The first record that is short, oversized, fails its CRC or
//! breaks the sequence ends the log: its segment is truncated there and later segments are
//! renamed `*.corrupt` (kept for inspection, never read again). A kill -9 can only tear the
//! tail of the last segment, so this loses nothing that was acknowledged; the cut is reported
//! in [`WalOpenReport`], never a panic.
//!
//! Writers serialize on one lock to write; durability is a separate step (`sync_through`)
//! so that concurrent appenders share one `fsync` (group commit).

use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::error::StoreError;

/// A write-ahead log sequence number (1-based; 0 means "nothing").
pub type WalSeq = u64;

const MAGIC: &[u8; 8] = b"VGLWAL01";
const HEADER_BYTES: u64 = 16;

/// When appended records are forced to disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WalSync {
    /// `fsync` before an append returns (concurrent appends share one `fsync`). Survives
    /// power loss.
    EveryAppend,
    /// Leave flushing to the operating system. Survives a killed process (the data is in the
    /// page cache), not a power loss.
    Never,
}

/// Write-ahead log options.
#[derive(Clone, Debug)]
pub struct WalOptions {
    /// Start a new segment once the current one holds this many bytes.
    pub segment_max_bytes: u64,
    /// The durability policy.
    pub sync: WalSync,
    /// Largest accepted payload; a longer length prefix is treated as corruption.
    pub max_record_bytes: u32,
}

impl Default for WalOptions {
    fn default() -> WalOptions {
        WalOptions {
            segment_max_bytes: 64 << 20,
            sync: WalSync::EveryAppend,
            max_record_bytes: 16 << 20,
        }
    }
}

impl WalOptions {
    pub(crate) fn validate(&self) -> Result<(), StoreError> {
        if self.segment_max_bytes < 4096 {
            return Err(StoreError::InvalidOption {
                name: "wal.segment_max_bytes",
                reason: "must be at least 4 KiB".to_owned(),
            });
        }
        if self.max_record_bytes == 0 {
            return Err(StoreError::InvalidOption {
                name: "wal.max_record_bytes",
                reason: "must be positive".to_owned(),
            });
        }
        Ok(())
    }
}

/// A contiguous range of sequence numbers given to one batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeqRange {
    /// First sequence number of the batch.
    pub first: WalSeq,
    /// Last sequence number of the batch (`first - 1` for an empty batch).
    pub last: WalSeq,
}

/// Where opening the log found damage and what it did about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TornTail {
    /// The segment that was truncated.
    pub segment: PathBuf,
    /// Byte offset it was truncated at.
    pub offset: u64,
    /// What was wrong with the record there.
    pub reason: String,
    /// Later segments renamed to `*.corrupt`.
    pub quarantined: Vec<PathBuf>,
}

/// What opening the log found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WalOpenReport {
    /// Segments found.
    pub segments: usize,
    /// Valid records found.
    pub records: u64,
    /// The highest valid sequence number (0 when empty).
    pub last_seq: WalSeq,
    /// The damage cut off, if any.
    pub torn: Option<TornTail>,
}

#[derive(Clone, Debug)]
struct Segment {
    first_seq: WalSeq,
    path: PathBuf,
}

struct Writer {
    file: Arc<File>,
    segment_bytes: u64,
    /// Whether the active segment holds any record.
    segment_has_records: bool,
    next_seq: WalSeq,
    segments: Vec<Segment>,
    /// Set when a failed write could not be undone: nothing more may be appended.
    poisoned: Option<String>,
    buffer: Vec<u8>,
}

/// The write-ahead log. `Send + Sync`: appends from many threads are serialized.
pub struct Wal {
    dir: PathBuf,
    options: WalOptions,
    writer: Mutex<Writer>,
    /// The highest sequence number known to be on disk (`fsync`ed).
    synced: Mutex<WalSeq>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain data behind; keep going with it.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn segment_path(dir: &Path, first_seq: WalSeq) -> PathBuf {
    dir.join(format!("wal-{first_seq:020}.log"))
}

fn parse_segment_name(name: &str) -> Option<WalSeq> {
    let digits = name.strip_prefix("wal-")?.strip_suffix(".log")?;
    if digits.len() != 20 {
        return None;
    }
    digits.parse().ok()
}

/// Appends one encoded record to `out`.
fn encode_record(out: &mut Vec<u8>, seq: WalSeq, payload: &[u8]) {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&seq.to_le_bytes());
    hasher.update(payload);
    // The caller checked the payload against `max_record_bytes` (a u32).
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&hasher.finalize().to_le_bytes());
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(payload);
}

/// Reads records of one segment; stops at the end or at the first bad record.
struct SegmentReader<R> {
    reader: R,
    offset: u64,
    expected_seq: Option<WalSeq>,
    max_record_bytes: u32,
}

enum Next {
    Record(WalSeq),
    End,
    Bad(String),
}

impl<R: Read> SegmentReader<R> {
    fn open(mut reader: R, max_record_bytes: u32) -> Result<SegmentReader<R>, String> {
        let mut magic = [0u8; 8];
        if read_full(&mut reader, &mut magic)? < magic.len() {
            return Err("segment header cut short".to_owned());
        }
        if &magic != MAGIC {
            return Err("bad magic".to_owned());
        }
        Ok(SegmentReader {
            reader,
            offset: MAGIC.len() as u64,
            expected_seq: None,
            max_record_bytes,
        })
    }

    /// Reads the next record into `payload`.
    fn next(&mut self, payload: &mut Vec<u8>) -> Next {
        let mut header = [0u8; HEADER_BYTES as usize];
        match read_full(&mut self.reader, &mut header) {
            Ok(0) => return Next::End,
            Ok(n) if n < header.len() => return Next::Bad("record header cut short".to_owned()),
            Ok(_) => {}
            Err(e) => return Next::Bad(e),
        }
        let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
        let crc = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        let mut seq_bytes = [0u8; 8];
        seq_bytes.copy_from_slice(&header[8..16]);
        let seq = u64::from_le_bytes(seq_bytes);
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
        hasher.update(payload);
        if hasher.finalize() != crc {
            return Next::Bad(format!("crc mismatch on record {seq}"));
        }
        if let Some(expected) = self.expected_seq {
            if seq != expected {
                return Next::Bad(format!("sequence {seq} where {expected} was expected"));
            }
        }
        self.expected_seq = Some(seq + 1);
        self.offset += HEADER_BYTES + u64::from(len);
        Next::Record(seq)
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

impl Wal {
    /// Opens (or creates) the log in `dir`, validates every segment, cuts a torn tail, and
    /// makes the next sequence number at least `min_next_seq` (the store passes one past the
    /// highest sequence its index has committed, so numbers are never reused).
    pub fn open(
        dir: &Path,
        options: WalOptions,
        min_next_seq: WalSeq,
    ) -> Result<(Wal, WalOpenReport), StoreError> {
        options.validate()?;
        fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        let mut segments = list_segments(dir)?;
        let mut report = WalOpenReport {
            segments: segments.len(),
            ..WalOpenReport::default()
        };
        let mut payload = Vec::new();
        let mut index = 0;
        while index < segments.len() {
            let segment = segments[index].clone();
            let SegmentScan { records, last, bad } =
                scan_segment(&segment, options.max_record_bytes, &mut payload)?;
            report.records += records;
            if let Some(last) = last {
                report.last_seq = report.last_seq.max(last);
            }
            if let Some((offset, reason)) = bad {
                truncate_segment(&segment.path, offset)?;
                let mut quarantined = Vec::new();
                for later in segments.drain(index + 1..) {
                    let target = later.path.with_extension("corrupt");
                    fs::rename(&later.path, &target).map_err(|e| StoreError::io(&later.path, e))?;
                    quarantined.push(target);
                }
                report.torn = Some(TornTail {
                    segment: segment.path.clone(),
                    offset,
                    reason,
                    quarantined,
                });
            }
            index += 1;
        }
        let next_seq = (report.last_seq + 1).max(min_next_seq).max(1);
        // Always append to a fresh segment: the old ones stay as they were validated.
        // An empty last segment (header only, or cut to nothing) is replaced.
        if let Some(last) = segments.last() {
            let len = fs::metadata(&last.path)
                .map_err(|e| StoreError::io(&last.path, e))?
                .len();
            if len <= MAGIC.len() as u64 {
                fs::remove_file(&last.path).map_err(|e| StoreError::io(&last.path, e))?;
                segments.pop();
            }
        }
        let (file, path) = create_segment(dir, next_seq)?;
        segments.push(Segment {
            first_seq: next_seq,
            path,
        });
        let wal = Wal {
            dir: dir.to_owned(),
            writer: Mutex::new(Writer {
                file: Arc::new(file),
                segment_bytes: MAGIC.len() as u64,
                segment_has_records: false,
                next_seq,
                segments,
                poisoned: None,
                buffer: Vec::new(),
            }),
            synced: Mutex::new(next_seq - 1),
            options,
        };
        Ok((wal, report))
    }

    /// The log's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The highest sequence number handed out (0 when none).
    pub fn last_seq(&self) -> WalSeq {
        lock(&self.writer).next_seq - 1
    }

    /// Writes `payloads` as consecutive records and, while still holding the write lock,
    /// calls `then` with their sequence numbers and the payloads (the store hands them to
    /// the indexer there, so the indexer sees batches in sequence order). Not durable yet:
    /// see [`Wal::sync_through`]. If `then` fails the records stay in the log.
    pub fn write_batch<T>(
        &self,
        payloads: Vec<Vec<u8>>,
        then: impl FnOnce(SeqRange, Vec<Vec<u8>>) -> Result<T, StoreError>,
    ) -> Result<(SeqRange, T), StoreError> {
        for (index, payload) in payloads.iter().enumerate() {
            if payload.len() > self.options.max_record_bytes as usize {
                return Err(StoreError::InvalidEvent {
                    index,
                    reason: format!(
                        "{} bytes, over the log's record limit of {}",
                        payload.len(),
                        self.options.max_record_bytes
                    ),
                });
            }
        }
        let mut writer = lock(&self.writer);
        if let Some(reason) = &writer.poisoned {
            return Err(StoreError::Unavailable {
                reason: reason.clone(),
            });
        }
        if writer.segment_has_records && writer.segment_bytes >= self.options.segment_max_bytes {
            self.rotate(&mut writer)?;
        }
        let first = writer.next_seq;
        let mut buffer = std::mem::take(&mut writer.buffer);
        buffer.clear();
        for (i, payload) in payloads.iter().enumerate() {
            encode_record(&mut buffer, first + i as u64, payload);
        }
        let written = (&*writer.file).write_all(&buffer);
        if let Err(e) = written {
            // Undo a partial write so the segment stays well formed; if even that fails,
            // refuse every later append (the tail would hide records written after it).
            let path = self.active_path(&writer);
            let size = writer.segment_bytes;
            let undo = writer
                .file
                .set_len(size)
                .and_then(|()| (&*writer.file).seek(SeekFrom::Start(size)).map(|_| ()));
            if let Err(undo_error) = undo {
                writer.poisoned = Some(format!(
                    "write failed and could not be undone: {undo_error}"
                ));
            }
            writer.buffer = buffer;
            return Err(StoreError::io(path, e));
        }
        writer.segment_bytes += buffer.len() as u64;
        writer.buffer = buffer;
        let count = payloads.len() as u64;
        if count > 0 {
            writer.segment_has_records = true;
        }
        writer.next_seq = first + count;
        let range = SeqRange {
            first,
            last: first + count - 1,
        };
        let value = then(range, payloads)?;
        Ok((range, value))
    }

    /// Writes `payloads` and returns once they are durable under the sync policy.
    pub fn append_batch(&self, payloads: Vec<Vec<u8>>) -> Result<SeqRange, StoreError> {
        let (range, ()) = self.write_batch(payloads, |_, _| Ok(()))?;
        self.sync_through(range.last)?;
        Ok(range)
    }

    /// Makes every record up to `seq` durable (a no-op under [`WalSync::Never`]). Callers
    /// that arrive while an `fsync` runs wait for it and usually find their records covered.
    pub fn sync_through(&self, seq: WalSeq) -> Result<(), StoreError> {
        if self.options.sync == WalSync::Never {
            return Ok(());
        }
        let mut synced = lock(&self.synced);
        if *synced >= seq {
            return Ok(());
        }
        let (file, last, path) = {
            let writer = lock(&self.writer);
            (
                writer.file.clone(),
                writer.next_seq - 1,
                self.active_path(&writer),
            )
        };
        // Records of earlier segments were synced when their segment was rotated.
        file.sync_data().map_err(|e| StoreError::io(path, e))?;
        *synced = last;
        Ok(())
    }

    /// Deletes the segments whose every record is at or below `seq` (the active segment is
    /// never deleted). Returns how many were removed.
    pub fn remove_through(&self, seq: WalSeq) -> Result<usize, StoreError> {
        let mut writer = lock(&self.writer);
        let mut removable = 0;
        while removable + 1 < writer.segments.len()
            && writer.segments[removable + 1].first_seq.saturating_sub(1) <= seq
        {
            removable += 1;
        }
        for segment in writer.segments.drain(..removable) {
            fs::remove_file(&segment.path).map_err(|e| StoreError::io(&segment.path, e))?;
        }
        Ok(removable)
    }

    /// Calls `apply` for every record with a sequence number above `after`, in order.
    /// Only meant while nothing appends (the store replays before it starts its indexer).
    pub fn replay(
        &self,
        after: WalSeq,
        mut apply: impl FnMut(WalSeq, &[u8]) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        let segments = lock(&self.writer).segments.clone();
        let mut payload = Vec::new();
        let mut replayed = 0;
        for (i, segment) in segments.iter().enumerate() {
            let covered = segments
                .get(i + 1)
                .is_some_and(|next| next.first_seq.saturating_sub(1) <= after);
            if covered {
                continue;
            }
            let file = File::open(&segment.path).map_err(|e| StoreError::io(&segment.path, e))?;
            let Ok(mut reader) = SegmentReader::open(
                BufReader::with_capacity(1 << 20, file),
                self.options.max_record_bytes,
            ) else {
                continue;
            };
            loop {
                match reader.next(&mut payload) {
                    Next::Record(seq) if seq > after => {
                        apply(seq, &payload)?;
                        replayed += 1;
                    }
                    Next::Record(_) => {}
                    // Open validated and cut every segment, so anything else is the end.
                    Next::End | Next::Bad(_) => break,
                }
            }
        }
        Ok(replayed)
    }

    /// Bytes the segments take on disk.
    pub fn disk_bytes(&self) -> u64 {
        let segments = lock(&self.writer).segments.clone();
        segments
            .iter()
            .filter_map(|s| fs::metadata(&s.path).ok())
            .map(|m| m.len())
            .sum()
    }

    /// Number of segment files.
    pub fn segment_count(&self) -> usize {
        lock(&self.writer).segments.len()
    }

    fn active_path(&self, writer: &Writer) -> PathBuf {
        writer
            .segments
            .last()
            .map(|s| s.path.clone())
            .unwrap_or_else(|| self.dir.clone())
    }

    fn rotate(&self, writer: &mut Writer) -> Result<(), StoreError> {
        let old_path = self.active_path(writer);
        writer
            .file
            .sync_data()
            .map_err(|e| StoreError::io(old_path, e))?;
        let (file, path) = create_segment(&self.dir, writer.next_seq)?;
        writer.file = Arc::new(file);
        writer.segment_bytes = MAGIC.len() as u64;
        writer.segment_has_records = false;
        writer.segments.push(Segment {
            first_seq: writer.next_seq,
            path,
        });
        Ok(())
    }
}

fn list_segments(dir: &Path) -> Result<Vec<Segment>, StoreError> {
    let mut segments = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| StoreError::io(dir, e))? {
        let entry = entry.map_err(|e| StoreError::io(dir, e))?;
        let name = entry.file_name();
        let Some(first_seq) = name.to_str().and_then(parse_segment_name) else {
            continue;
        };
        segments.push(Segment {
            first_seq,
            path: entry.path(),
        });
    }
    segments.sort_by_key(|s| s.first_seq);
    Ok(segments)
}

/// What validating one segment found.
struct SegmentScan {
    records: u64,
    last: Option<WalSeq>,
    /// Offset and reason of the first bad record.
    bad: Option<(u64, String)>,
}

/// Validates one segment.
fn scan_segment(
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
                    records: 0,
                    last: None,
                    bad: Some((0, reason)),
                })
            }
        };
    reader.expected_seq = Some(segment.first_seq);
    let mut records = 0;
    let mut last = None;
    loop {
        if reader.offset == file_len {
            return Ok(SegmentScan {
                records,
                last,
                bad: None,
            });
        }
        match reader.next(payload) {
            Next::Record(seq) => {
                records += 1;
                last = Some(seq);
            }
            Next::End => {
                return Ok(SegmentScan {
                    records,
                    last,
                    bad: None,
                })
            }
            Next::Bad(reason) => {
                return Ok(SegmentScan {
                    records,
                    last,
                    bad: Some((reader.offset, reason)),
                })
            }
        }
    }
}

fn truncate_segment(path: &Path, offset: u64) -> Result<(), StoreError> {
    let file = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| StoreError::io(path, e))?;
    // A segment whose header is bad is emptied entirely (and then replaced on open).
    file.set_len(offset).map_err(|e| StoreError::io(path, e))?;
    file.sync_all().map_err(|e| StoreError::io(path, e))
}

fn create_segment(dir: &Path, first_seq: WalSeq) -> Result<(File, PathBuf), StoreError> {
    let path = segment_path(dir, first_seq);
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&path)
        .map_err(|e| StoreError::io(&path, e))?;
    file.write_all(MAGIC)
        .map_err(|e| StoreError::io(&path, e))?;
    file.sync_all().map_err(|e| StoreError::io(&path, e))?;
    // Make the new file's directory entry durable too.
    if let Ok(dir_handle) = File::open(dir) {
        let _ = dir_handle.sync_all();
    }
    Ok((file, path))
}
