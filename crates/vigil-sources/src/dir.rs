//! The directory watcher: new and growing files, read as whole lines, with checkpoints.
//!
//! Every `poll_interval_ms` the directory is walked (no inotify: polling works on every
//! filesystem, including network mounts and container volumes). Each matching file is
//! followed by identity (device + inode), so a renamed file is still the same file:
//!
//! - **Growth**: bytes past the offset are read (at most `max_read_bytes` at once) and
//!   delivered up to the last newline; an unterminated last line waits until it completes, or
//!   until the file has been idle for `idle_flush_ms`. A line longer than a read is delivered
//!   in pieces (counted as `oversize`).
//! - **Rotation** (rename, then a new file at the path): the old file is read to its end
//!   through the descriptor still open, under its last path, then forgotten; the new file
//!   starts at 0.
//! - **Truncation / rewrite**: a file shorter than its offset, or whose first bytes no longer
//!   match the fingerprint, is read again from 0 (counted as `files_truncated`).
//! - **Compressed files** (gzip/zstd magic): delivered whole, once idle, as one chunk (the
//!   pipeline decompresses), then remembered as done.
//!
//! Each chunk carries the file's checkpoint (`dev:ino` → offset, fingerprint, done): saved
//! after the consumer's durable write, it makes a restart resume where delivery stopped.

mod file;
mod scan;

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::chunk::{add, Output};
use crate::config::invalid;
use crate::{
    CheckpointStore, CheckpointUpdate, Chunk, DirectoryConfig, SourceCounters, SourceError,
    SourceHandle, SourceId,
};
use file::{FileId, Kind, Look, Observation, Saved, Tracked};
use scan::{glob_set, walk, Filter};

/// Starts watching `config.path`. Fails at once on an invalid configuration; a missing
/// directory is not an error (it is counted and looked for again at each poll).
pub async fn spawn(
    config: DirectoryConfig,
    checkpoints: Arc<dyn CheckpointStore>,
    sender: mpsc::Sender<Chunk>,
    shutdown: CancellationToken,
) -> Result<SourceHandle, SourceError> {
    if config.poll_interval_ms == 0 || config.max_read_bytes == 0 || config.max_files == 0 {
        return Err(invalid(
            &config.id,
            "`poll_interval_ms`, `max_read_bytes` and `max_files` must be positive",
        ));
    }
    let include = glob_set(&config.id, &config.include)?;
    let exclude = glob_set(&config.id, &config.exclude)?;
    let counters = Arc::new(SourceCounters::default());
    let id = config.id.clone();
    let watcher = Watcher {
        filter: Arc::new(Filter { include, exclude }),
        checkpoints,
        out: Output {
            sender,
            shutdown,
            counters: counters.clone(),
        },
        files: HashMap::new(),
        config,
    };
    let task = tokio::spawn(watcher.run());
    Ok(SourceHandle::new(id, None, counters, task))
}

/// What a step found to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Next {
    /// Nothing more until the next poll.
    Wait,
    /// More is ready: poll again at once.
    More,
    /// Shutdown, or nobody receives any more.
    Stop,
}

struct Watcher {
    config: DirectoryConfig,
    filter: Arc<Filter>,
    checkpoints: Arc<dyn CheckpointStore>,
    out: Output,
    files: HashMap<FileId, Tracked>,
}

impl Watcher {
    async fn run(mut self) -> Result<(), SourceError> {
        let interval = Duration::from_millis(self.config.poll_interval_ms);
        loop {
            if self.out.shutdown.is_cancelled() {
                return Ok(());
            }
            match self.poll().await {
                Next::Stop => return Ok(()),
                Next::More => tokio::task::yield_now().await,
                Next::Wait => {
                    tokio::select! {
                        _ = self.out.shutdown.cancelled() => return Ok(()),
                        _ = tokio::time::sleep(interval) => {}
                    }
                }
            }
        }
    }

    /// One pass: list, reconcile, then one step per file (round robin keeps a busy file from
    /// starving the others).
    async fn poll(&mut self) -> Next {
        self.scan().await;
        let mut order: Vec<(PathBuf, FileId)> = self
            .files
            .values()
            .map(|t| (t.path.clone(), t.id))
            .collect();
        order.sort();
        let mut next = Next::Wait;
        for (_, id) in order {
            match self.step(id).await {
                Next::Stop => return Next::Stop,
                Next::More => next = Next::More,
                Next::Wait => {}
            }
        }
        next
    }

    /// Lists matching files, opens new ones (resuming from their checkpoints) and marks
    /// the files no longer found as detached.
    async fn scan(&mut self) {
        let root = self.config.path.clone();
        let filter = self.filter.clone();
        let listed = tokio::task::spawn_blocking(move || walk(&root, &filter)).await;
        let found = match listed {
            Ok(Ok(found)) => found,
            Ok(Err(e)) => {
                add(&self.out.counters.errors, 1);
                tracing::warn!(source = %self.config.id, path = %self.config.path.display(), error = %e, "cannot list directory");
                return;
            }
            Err(e) => {
                add(&self.out.counters.errors, 1);
                tracing::warn!(source = %self.config.id, error = %e, "directory walk failed");
                return;
            }
        };
        // Where each followed file was last seen, detached ones included: a new file at the
        // path of one renamed away is a rotation even if a poll fell between the two steps.
        let by_path: HashMap<PathBuf, FileId> = self
            .files
            .values()
            .map(|t| (t.path.clone(), t.id))
            .collect();
        let mut seen = HashSet::new();
        let mut new_paths = Vec::new();
        for (path, id) in found {
            seen.insert(id);
            match self.files.get_mut(&id) {
                Some(tracked) => {
                    tracked.path = path;
                    tracked.attached = true;
                }
                None => new_paths.push((path, id)),
            }
        }
        for tracked in self.files.values_mut() {
            if !seen.contains(&tracked.id) {
                tracked.attached = false;
            }
        }
        for (path, listed_id) in new_paths {
            if self.files.len() >= self.config.max_files {
                tracing::warn!(source = %self.config.id, max_files = self.config.max_files, "too many files followed; new files wait");
                break;
            }
            if by_path.get(&path).is_some_and(|old| *old != listed_id) {
                add(&self.out.counters.files_rotated, 1);
            }
            let checkpoints = self.checkpoints.clone();
            let source = self.config.id.clone();
            let opened = tokio::task::spawn_blocking(move || {
                file::open(&path, |id| load_saved(&*checkpoints, &source, id))
            })
            .await;
            match opened {
                Ok(Ok(tracked)) => {
                    // The path may have been replaced between the listing and the open.
                    if self.files.contains_key(&tracked.id) {
                        continue;
                    }
                    self.files.insert(tracked.id, tracked);
                }
                Ok(Err(e)) if e.kind() == io::ErrorKind::NotFound => {}
                Ok(Err(e)) => {
                    add(&self.out.counters.errors, 1);
                    tracing::warn!(source = %self.config.id, error = %e, "cannot open file");
                }
                Err(e) => {
                    add(&self.out.counters.errors, 1);
                    tracing::warn!(source = %self.config.id, error = %e, "open task failed");
                }
            }
        }
    }

    /// Looks at one file and delivers what is ready.
    async fn step(&mut self, id: FileId) -> Next {
        let Some(tracked) = self.files.get_mut(&id) else {
            return Next::Wait;
        };
        let Some(file) = tracked.file.clone() else {
            // A compressed file already read: forget it once it is gone.
            if !tracked.attached {
                return self.forget(id).await;
            }
            return Next::Wait;
        };
        let look = Look {
            offset: tracked.offset,
            fingerprint: tracked.fingerprint,
            kind: tracked.kind,
            last_size: tracked.last_size,
            max_read_bytes: self.config.max_read_bytes,
        };
        let observed = tokio::task::spawn_blocking(move || file::observe(&file, look)).await;
        let observation = match observed {
            Ok(Ok(observation)) => observation,
            Ok(Err(e)) => {
                add(&self.out.counters.errors, 1);
                tracing::warn!(source = %self.config.id, path = %tracked.path.display(), error = %e, "cannot read file");
                return Next::Wait;
            }
            Err(e) => {
                add(&self.out.counters.errors, 1);
                tracing::warn!(source = %self.config.id, error = %e, "read task failed");
                return Next::Wait;
            }
        };
        let (size, data) = match observation {
            Observation::Restarted => {
                add(&self.out.counters.files_truncated, 1);
                tracked.restart();
                return Next::More;
            }
            Observation::Seen {
                size,
                fingerprint,
                kind,
                data,
            } => {
                tracked.fingerprint = fingerprint;
                tracked.kind = kind;
                (size, data)
            }
        };
        let now = Instant::now();
        if tracked.last_size != Some(size) {
            tracked.last_size = Some(size);
            tracked.last_change = now;
        }
        let idle = now.duration_since(tracked.last_change)
            >= Duration::from_millis(self.config.idle_flush_ms);
        match tracked.kind {
            Kind::Unknown if idle && size > 0 => {
                // A file of a byte or three that look like a magic number, and never grew.
                tracked.kind = Kind::Plain;
                Next::More
            }
            Kind::Unknown if !tracked.attached && idle => self.forget(id).await,
            Kind::Unknown => Next::Wait,
            Kind::Compressed if idle => self.read_compressed(id, size).await,
            Kind::Compressed => Next::Wait,
            Kind::Plain => self.deliver_lines(id, size, data, idle).await,
        }
    }

    /// Delivers the whole lines of `data` (read at the file's offset).
    async fn deliver_lines(&mut self, id: FileId, size: u64, data: Vec<u8>, idle: bool) -> Next {
        let Some(tracked) = self.files.get_mut(&id) else {
            return Next::Wait;
        };
        if data.is_empty() {
            if !tracked.attached && idle {
                return self.forget(id).await;
            }
            return Next::Wait;
        }
        let take = match memchr_last_newline(&data) {
            Some(i) => i + 1,
            None if data.len() >= self.config.max_read_bytes => {
                add(&self.out.counters.oversize, 1);
                data.len()
            }
            None if idle => data.len(),
            None => 0,
        };
        if take == 0 {
            return Next::Wait;
        }
        let mut data = data;
        data.truncate(take);
        tracked.offset += take as u64;
        let more = tracked.offset < size;
        let chunk = self.chunk_of(id, Bytes::from(data));
        if !self.out.send(chunk).await {
            return Next::Stop;
        }
        if more {
            Next::More
        } else {
            Next::Wait
        }
    }

    /// Reads an idle compressed file whole (or skips it when over the cap) and marks it done.
    async fn read_compressed(&mut self, id: FileId, size: u64) -> Next {
        let Some(tracked) = self.files.get_mut(&id) else {
            return Next::Wait;
        };
        let Some(file) = tracked.file.clone() else {
            return Next::Wait;
        };
        let bytes = if size > self.config.max_compressed_file_bytes {
            add(&self.out.counters.oversize, 1);
            add(&self.out.counters.errors, 1);
            tracing::warn!(source = %self.config.id, path = %tracked.path.display(), size, "compressed file over `max_compressed_file_bytes`; skipped");
            Bytes::new()
        } else {
            let read =
                tokio::task::spawn_blocking(move || file::read_at_most(&file, 0, size as usize))
                    .await;
            match read {
                Ok(Ok(data)) => Bytes::from(data),
                Ok(Err(e)) => {
                    add(&self.out.counters.errors, 1);
                    tracing::warn!(source = %self.config.id, error = %e, "cannot read compressed file");
                    return Next::Wait;
                }
                Err(e) => {
                    add(&self.out.counters.errors, 1);
                    tracing::warn!(source = %self.config.id, error = %e, "read task failed");
                    return Next::Wait;
                }
            }
        };
        tracked.offset = size;
        tracked.done = true;
        tracked.file = None;
        let chunk = self.chunk_of(id, bytes);
        if !self.out.send(chunk).await {
            return Next::Stop;
        }
        Next::Wait
    }

    /// Drops a file that is gone and fully read, and tells the store to forget it.
    async fn forget(&mut self, id: FileId) -> Next {
        let Some(tracked) = self.files.remove(&id) else {
            return Next::Wait;
        };
        let chunk = Chunk {
            source_id: self.config.id.clone(),
            origin: tracked.path.to_string_lossy().into_owned(),
            bytes: Bytes::new(),
            source_type: self.config.source_type,
            checkpoint: Some(CheckpointUpdate {
                key: id.key(),
                value: serde_json::Value::Null,
            }),
        };
        if !self.out.send(chunk).await {
            return Next::Stop;
        }
        Next::Wait
    }

    fn chunk_of(&self, id: FileId, bytes: Bytes) -> Chunk {
        let (origin, value) = match self.files.get(&id) {
            Some(tracked) => (
                tracked.path.to_string_lossy().into_owned(),
                serde_json::to_value(tracked.saved())
                    .expect("a struct of strings, numbers and booleans serializes"),
            ),
            None => (String::new(), serde_json::Value::Null),
        };
        Chunk {
            source_id: self.config.id.clone(),
            origin,
            bytes,
            source_type: self.config.source_type,
            checkpoint: Some(CheckpointUpdate {
                key: id.key(),
                value,
            }),
        }
    }
}

fn memchr_last_newline(data: &[u8]) -> Option<usize> {
    data.iter().rposition(|&b| b == b'\n')
}

/// Loads and decodes a file's checkpoint; an unreadable one counts as none (read from 0:
/// duplicates rather than loss).
fn load_saved(store: &dyn CheckpointStore, source: &SourceId, id: FileId) -> Option<Saved> {
    let key = id.key();
    match store.load(source, &key) {
        Ok(Some(value)) => match serde_json::from_value(value) {
            Ok(saved) => Some(saved),
            Err(e) => {
                tracing::warn!(source = %source, key, error = %e, "checkpoint unreadable; reading from the start");
                None
            }
        },
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(source = %source, key, error = %e, "checkpoint load failed; reading from the start");
            None
        }
    }
}
