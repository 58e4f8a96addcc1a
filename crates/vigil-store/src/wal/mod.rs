//! The write-ahead log: an event is acknowledged once its record is here.
//!
//! Layout: a directory of segment files `wal-<first seq, 20 digits>.log`, each an 8-byte
//! magic followed by records (the framing is in [`format`](self) and its module docs). Every
//! record has a sequence number: they start at 1 and grow by one per record within a
//! segment; a new segment may start past a gap (after a torn tail was cut, the store carries
//! on above the highest sequence it ever handed out).
//!
//! Records come in batches, one per append: the events of the batch, then optionally one
//! metadata record ([`RecordKind::Meta`]: an opaque blob the caller wants durable together
//! with the events, such as the source checkpoints of the chunk the events came from). The
//! last record of a batch carries a batch-end flag, and a batch without it is not in the log:
//! a torn batch is dropped whole, its metadata with it. A batch never spans two segments.
//!
//! Opening scans every segment. The first record that is short, oversized, fails its CRC or
//! breaks the sequence ends the log: its segment is truncated at the start of that record's
//! batch and later segments are renamed `*.corrupt` (kept for inspection, never read again).
//! A kill -9 can only tear the tail of the last segment, so this loses nothing that was
//! acknowledged; the cut is reported in [`WalOpenReport`], never a panic. The metadata
//! records of every whole batch found are reported too ([`WalOpenReport::meta`]).
//!
//! Deletion ([`Wal::remove_through`]) removes the oldest segments whose records the index
//! has committed, stopping at the first segment holding a metadata record not yet confirmed
//! ([`Wal::confirm_meta`]): metadata stays in the log until its owner says it has saved it
//! elsewhere. Metadata found on open starts unconfirmed. Since only a prefix of the segments
//! is ever deleted, the metadata records in the log are always the newest ones written.
//!
//! Writers serialize on one lock to write; durability is a separate step (`sync_through`)
//! so that concurrent appenders share one `fsync` (group commit).

mod format;

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::error::StoreError;
use format::{encode_record, scan_segment, Next, SegmentReader, SegmentScan, MAGIC, MAGIC_BYTES};

/// A write-ahead log sequence number (1-based; 0 means "nothing").
pub type WalSeq = u64;

/// What a log record holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordKind {
    /// An event (the store indexes it).
    Event,
    /// Metadata of its batch (opaque; the store never indexes it).
    Meta,
}

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
    /// Largest accepted payload (event or metadata); a longer length prefix is treated as
    /// corruption.
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
    /// Last sequence number of the batch (`first - 1` for an empty batch). With metadata,
    /// the metadata record's.
    pub last: WalSeq,
}

/// Where opening the log found damage and what it did about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TornTail {
    /// The segment that was truncated.
    pub segment: PathBuf,
    /// Byte offset it was truncated at (the start of the damaged batch).
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
    /// Valid records found (in whole batches).
    pub records: u64,
    /// The highest valid sequence number (0 when empty).
    pub last_seq: WalSeq,
    /// The damage cut off, if any.
    pub torn: Option<TornTail>,
    /// Every metadata record of the whole batches found, in sequence order.
    pub meta: Vec<(WalSeq, Vec<u8>)>,
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
    /// Metadata records written or found on open and not yet confirmed (all above the last
    /// `confirm_meta`): their segments and every later one stay.
    unconfirmed_meta: BTreeSet<WalSeq>,
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
            let SegmentScan {
                records,
                last,
                mut meta,
                bad,
            } = scan_segment(&segment, options.max_record_bytes, &mut payload)?;
            report.records += records;
            report.meta.append(&mut meta);
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
            if len <= MAGIC_BYTES {
                fs::remove_file(&last.path).map_err(|e| StoreError::io(&last.path, e))?;
                segments.pop();
            }
        }
        let (file, path) = create_segment(dir, next_seq, options.sync)?;
        segments.push(Segment {
            first_seq: next_seq,
            path,
        });
        let unconfirmed_meta = report.meta.iter().map(|(seq, _)| *seq).collect();
        let wal = Wal {
            dir: dir.to_owned(),
            writer: Mutex::new(Writer {
                file: Arc::new(file),
                segment_bytes: MAGIC_BYTES,
                segment_has_records: false,
                next_seq,
                segments,
                unconfirmed_meta,
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

    /// Writes one batch: `payloads` as consecutive event records, then `meta` (if any) as a
    /// metadata record, the last record marked as the batch end. While still holding the
    /// write lock, calls `then` with the batch's sequence numbers and the event payloads
    /// (the store hands them to the indexer there, so the indexer sees batches in sequence
    /// order). Not durable yet: see [`Wal::sync_through`]. If `then` fails the records stay
    /// in the log. A batch with neither events nor metadata writes nothing.
    pub fn write_batch<T>(
        &self,
        payloads: Vec<Vec<u8>>,
        meta: Option<&[u8]>,
        then: impl FnOnce(SeqRange, Vec<Vec<u8>>) -> Result<T, StoreError>,
    ) -> Result<(SeqRange, T), StoreError> {
        let max_bytes = self.options.max_record_bytes as usize;
        for (index, payload) in payloads.iter().enumerate() {
            if payload.len() > max_bytes {
                return Err(StoreError::InvalidEvent {
                    index,
                    reason: format!(
                        "{} bytes, over the log's record limit of {max_bytes}",
                        payload.len(),
                    ),
                });
            }
        }
        if let Some(meta) = meta {
            if meta.len() > max_bytes {
                return Err(StoreError::MetaTooLarge {
                    bytes: meta.len(),
                    max_bytes,
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
        let count = payloads.len() as u64 + u64::from(meta.is_some());
        let mut buffer = std::mem::take(&mut writer.buffer);
        buffer.clear();
        for (i, payload) in payloads.iter().enumerate() {
            let seq = first + i as u64;
            let batch_end = seq + 1 == first + count;
            encode_record(&mut buffer, seq, RecordKind::Event, batch_end, payload);
        }
        if let Some(meta) = meta {
            encode_record(&mut buffer, first + count - 1, RecordKind::Meta, true, meta);
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
        // Keep a modest buffer around, not the largest batch ever written.
        if buffer.capacity() <= 16 << 20 {
            writer.buffer = buffer;
        }
        if count > 0 {
            writer.segment_has_records = true;
        }
        writer.next_seq = first + count;
        let range = SeqRange {
            first,
            last: first + count - 1,
        };
        if meta.is_some() {
            writer.unconfirmed_meta.insert(range.last);
        }
        let value = then(range, payloads)?;
        Ok((range, value))
    }

    /// Writes `payloads` and returns once they are durable under the sync policy.
    pub fn append_batch(&self, payloads: Vec<Vec<u8>>) -> Result<SeqRange, StoreError> {
        self.append_batch_with_meta(payloads, None)
    }

    /// Writes `payloads` and `meta` as one batch and returns once it is durable under the
    /// sync policy.
    pub fn append_batch_with_meta(
        &self,
        payloads: Vec<Vec<u8>>,
        meta: Option<&[u8]>,
    ) -> Result<SeqRange, StoreError> {
        let (range, ()) = self.write_batch(payloads, meta, |_, _| Ok(()))?;
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

    /// Says every metadata record up to `seq` is saved elsewhere by its owner: their
    /// segments may now be deleted once the index covers them.
    pub fn confirm_meta(&self, seq: WalSeq) {
        let mut writer = lock(&self.writer);
        writer.unconfirmed_meta = writer.unconfirmed_meta.split_off(&seq.saturating_add(1));
    }

    /// Metadata records not confirmed yet.
    pub fn unconfirmed_meta(&self) -> usize {
        lock(&self.writer).unconfirmed_meta.len()
    }

    /// Deletes the oldest segments while every record of the segment is at or below `seq`
    /// and it holds no unconfirmed metadata record. The active segment is first rotated when
    /// all its records are at or below `seq` (so an idle log shrinks to an empty segment);
    /// the active segment itself is never deleted. Only ever a prefix of the segments goes,
    /// so the metadata records left form a suffix of those written. Returns how many
    /// segments were removed.
    pub fn remove_through(&self, seq: WalSeq) -> Result<usize, StoreError> {
        let mut writer = lock(&self.writer);
        if writer.segment_has_records && writer.next_seq - 1 <= seq {
            self.rotate(&mut writer)?;
        }
        let oldest_unconfirmed = writer.unconfirmed_meta.first().copied();
        let mut removed = 0;
        while removed + 1 < writer.segments.len() {
            // The records of a segment are below the next segment's first sequence number.
            let end = writer.segments[removed + 1].first_seq;
            let covered = end.saturating_sub(1) <= seq;
            let holds_unconfirmed = oldest_unconfirmed.is_some_and(|oldest| oldest < end);
            if !covered || holds_unconfirmed {
                break;
            }
            let path = writer.segments[removed].path.clone();
            if let Err(e) = fs::remove_file(&path) {
                writer.segments.drain(..removed);
                return Err(StoreError::io(path, e));
            }
            removed += 1;
        }
        writer.segments.drain(..removed);
        Ok(removed)
    }

    /// Calls `apply` for every record with a sequence number above `after`, in order.
    /// Only meant while nothing appends (the store replays before it starts its indexer).
    pub fn replay(
        &self,
        after: WalSeq,
        mut apply: impl FnMut(WalSeq, RecordKind, &[u8]) -> Result<(), StoreError>,
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
                    Next::Record(header) if header.seq > after => {
                        apply(header.seq, header.kind, &payload)?;
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
        if self.options.sync == WalSync::EveryAppend {
            writer
                .file
                .sync_data()
                .map_err(|e| StoreError::io(old_path, e))?;
        }
        let (file, path) = create_segment(&self.dir, writer.next_seq, self.options.sync)?;
        writer.file = Arc::new(file);
        writer.segment_bytes = MAGIC_BYTES;
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

fn truncate_segment(path: &Path, offset: u64) -> Result<(), StoreError> {
    let file = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| StoreError::io(path, e))?;
    // A segment whose header is bad is emptied entirely (and then replaced on open).
    file.set_len(offset).map_err(|e| StoreError::io(path, e))?;
    file.sync_all().map_err(|e| StoreError::io(path, e))
}

fn create_segment(
    dir: &Path,
    first_seq: WalSeq,
    sync: WalSync,
) -> Result<(File, PathBuf), StoreError> {
    let path = segment_path(dir, first_seq);
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&path)
        .map_err(|e| StoreError::io(&path, e))?;
    file.write_all(MAGIC)
        .map_err(|e| StoreError::io(&path, e))?;
    if sync == WalSync::EveryAppend {
        file.sync_all().map_err(|e| StoreError::io(&path, e))?;
        // Make the new file's directory entry durable too.
        if let Ok(dir_handle) = File::open(dir) {
            let _ = dir_handle.sync_all();
        }
    }
    Ok((file, path))
}
