//! One followed file: its identity, read position, fingerprint, and the blocking reads.

use std::fs::File;
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;
use vigil_formats::stream::Compression;

/// How many head bytes make a file's fingerprint.
pub(crate) const FINGERPRINT_MAX_BYTES: usize = 1024;

/// A file's identity on this machine: device and inode. A renamed file keeps it; a new file
/// at the same path gets another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct FileId {
    pub(crate) dev: u64,
    pub(crate) ino: u64,
}

impl FileId {
    pub(crate) fn of(metadata: &std::fs::Metadata) -> FileId {
        FileId {
            dev: metadata.dev(),
            ino: metadata.ino(),
        }
    }

    /// The checkpoint key.
    pub(crate) fn key(self) -> String {
        format!("{}:{}", self.dev, self.ino)
    }
}

/// A CRC-32 of a file's first bytes (up to [`FINGERPRINT_MAX_BYTES`]): tells a file that was
/// truncated and rewritten, or an inode reused by another file, from the file we read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Fingerprint {
    /// How many head bytes it covers.
    pub(crate) len: u32,
    /// Their CRC-32.
    pub(crate) crc32: u32,
}

impl Fingerprint {
    pub(crate) fn of(head: &[u8]) -> Fingerprint {
        let head = &head[..head.len().min(FINGERPRINT_MAX_BYTES)];
        Fingerprint {
            len: head.len() as u32,
            crc32: crc32fast::hash(head),
        }
    }

    /// Whether `head` (the file's current first bytes) starts with the bytes fingerprinted.
    pub(crate) fn matches(self, head: &[u8]) -> bool {
        let len = self.len as usize;
        head.len() >= len && crc32fast::hash(&head[..len]) == self.crc32
    }
}

/// What is known of a file's content kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Too few bytes to tell yet.
    Unknown,
    /// Text, read line by line as it grows.
    Plain,
    /// gzip or zstd: read whole once it stops growing.
    Compressed,
}

impl Kind {
    /// The kind from the head bytes, `Unknown` while they could still begin a magic number.
    pub(crate) fn sniff(head: &[u8]) -> Kind {
        if head.len() >= 4 {
            return match Compression::sniff(head) {
                Compression::None => Kind::Plain,
                Compression::Gzip | Compression::Zstd => Kind::Compressed,
            };
        }
        let gzip: &[u8] = &[0x1f, 0x8b];
        let zstd: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];
        let could_be = |magic: &[u8]| magic.starts_with(&head[..head.len().min(magic.len())]);
        if head.is_empty() || could_be(gzip) || could_be(zstd) {
            if head.len() >= 2 && head.starts_with(gzip) {
                return Kind::Compressed;
            }
            return Kind::Unknown;
        }
        Kind::Plain
    }
}

/// The checkpoint of one file, as saved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Saved {
    /// Where the file was when this was saved (informational).
    pub(crate) path: String,
    /// Bytes delivered: every byte before it is in a chunk.
    pub(crate) offset: u64,
    /// The fingerprint when this was saved.
    pub(crate) fingerprint: Fingerprint,
    /// A compressed file read whole.
    pub(crate) done: bool,
}

/// A file being followed.
#[derive(Debug)]
pub(crate) struct Tracked {
    pub(crate) id: FileId,
    /// Where it was last seen.
    pub(crate) path: PathBuf,
    /// Open while there may be more to read; a renamed or deleted file is read through it.
    pub(crate) file: Option<Arc<File>>,
    pub(crate) offset: u64,
    pub(crate) fingerprint: Fingerprint,
    pub(crate) kind: Kind,
    pub(crate) done: bool,
    /// The size at the last look, `None` before the first.
    pub(crate) last_size: Option<u64>,
    /// When the size last changed.
    pub(crate) last_change: Instant,
    /// Whether the last scan found it under a matching path.
    pub(crate) attached: bool,
}

impl Tracked {
    pub(crate) fn saved(&self) -> Saved {
        Saved {
            path: self.path.to_string_lossy().into_owned(),
            offset: self.offset,
            fingerprint: self.fingerprint,
            done: self.done,
        }
    }

    /// Back to the start: the file was truncated or replaced in place.
    pub(crate) fn restart(&mut self) {
        self.offset = 0;
        self.fingerprint = Fingerprint::default();
        self.kind = Kind::Unknown;
        self.done = false;
        self.last_size = None;
    }
}

/// Opens a newly found file and resumes from its checkpoint when the checkpoint's
/// fingerprint still matches (otherwise the inode was reused: start at 0).
pub(crate) fn open(
    path: &Path,
    saved: impl FnOnce(FileId) -> Option<Saved>,
) -> io::Result<Tracked> {
    let file = File::open(path)?;
    let metadata = file.metadata()?;
    let id = FileId::of(&metadata);
    let mut tracked = Tracked {
        id,
        path: path.to_path_buf(),
        file: Some(Arc::new(file)),
        offset: 0,
        fingerprint: Fingerprint::default(),
        kind: Kind::Unknown,
        done: false,
        last_size: None,
        last_change: Instant::now(),
        attached: true,
    };
    if let Some(saved) = saved(id) {
        let head = match &tracked.file {
            Some(f) => read_at_most(f, 0, FINGERPRINT_MAX_BYTES)?,
            None => Vec::new(),
        };
        if saved.fingerprint.matches(&head) {
            tracked.offset = saved.offset;
            tracked.fingerprint = saved.fingerprint;
            tracked.done = saved.done;
            if saved.done {
                tracked.kind = Kind::Compressed;
                tracked.file = None;
            }
        }
    }
    Ok(tracked)
}

/// What one look at a file found.
#[derive(Debug)]
pub(crate) enum Observation {
    /// Shorter than the offset, or its head changed: it was truncated or rewritten.
    Restarted,
    /// Its current state.
    Seen {
        size: u64,
        fingerprint: Fingerprint,
        kind: Kind,
        /// Bytes from the offset (plain files only), at most `max_read_bytes`.
        data: Vec<u8>,
    },
}

/// What the watcher knows when it looks at a file.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Look {
    pub(crate) offset: u64,
    pub(crate) fingerprint: Fingerprint,
    pub(crate) kind: Kind,
    pub(crate) last_size: Option<u64>,
    pub(crate) max_read_bytes: usize,
}

/// Stats the file, checks its fingerprint when it changed size, and reads what follows the
/// offset. Blocking: run it off the async threads.
pub(crate) fn observe(file: &File, look: Look) -> io::Result<Observation> {
    let size = file.metadata()?.len();
    if size < look.offset {
        return Ok(Observation::Restarted);
    }
    let mut fingerprint = look.fingerprint;
    let mut kind = look.kind;
    let head_may_change = (fingerprint.len as usize) < FINGERPRINT_MAX_BYTES;
    if look.last_size != Some(size) || (head_may_change && u64::from(fingerprint.len) < size) {
        let head = read_at_most(file, 0, FINGERPRINT_MAX_BYTES)?;
        if !fingerprint.matches(&head) {
            return Ok(Observation::Restarted);
        }
        fingerprint = Fingerprint::of(&head);
        if kind == Kind::Unknown {
            kind = Kind::sniff(&head);
        }
    }
    let mut data = Vec::new();
    if kind == Kind::Plain && size > look.offset {
        let want = (size - look.offset).min(look.max_read_bytes as u64) as usize;
        data = read_at_most(file, look.offset, want)?;
    }
    Ok(Observation::Seen {
        size,
        fingerprint,
        kind,
        data,
    })
}

/// Reads up to `len` bytes at `offset` (fewer at end of file).
pub(crate) fn read_at_most(file: &File, offset: u64, len: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; len];
    let mut filled = 0;
    while filled < len {
        match file.read_at(&mut buf[filled..], offset + filled as u64) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(filled);
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniff_waits_for_a_possible_magic() {
        assert_eq!(Kind::sniff(b""), Kind::Unknown);
        assert_eq!(Kind::sniff(&[0x1f]), Kind::Unknown);
        assert_eq!(Kind::sniff(&[0x1f, 0x8b]), Kind::Compressed);
        assert_eq!(Kind::sniff(&[0x28, 0xb5, 0x2f]), Kind::Unknown);
        assert_eq!(Kind::sniff(&[0x28, 0xb5, 0x2f, 0xfd]), Kind::Compressed);
        assert_eq!(Kind::sniff(b"ab"), Kind::Plain);
        assert_eq!(Kind::sniff(b"<13>Jan"), Kind::Plain);
    }

    #[test]
    fn fingerprint_matches_a_grown_file_but_not_a_rewritten_one() {
        let fp = Fingerprint::of(b"hello\n");
        assert!(fp.matches(b"hello\nworld\n"));
        assert!(!fp.matches(b"hellO\nworld\n"));
        assert!(!fp.matches(b"hel"));
        assert!(Fingerprint::default().matches(b""));
    }
}
