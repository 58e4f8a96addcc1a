//! Expanding command-line paths into the files to read.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// A file to read, or a path that could not be walked.
pub enum Input {
    /// A regular file (or `-` for standard input).
    File(PathBuf),
    /// A path that does not exist or a directory entry that could not be read.
    Error(PathBuf, String),
}

/// Every regular file under `paths`, directories walked recursively in name order, hidden
/// files (starting with `.`) skipped inside directories. `-` stands for standard input.
pub fn inputs(paths: &[PathBuf]) -> Vec<Input> {
    let mut out = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            out.push(Input::File(path.clone()));
            continue;
        }
        match std::fs::metadata(path) {
            Err(e) => out.push(Input::Error(path.clone(), e.to_string())),
            Ok(meta) if meta.is_dir() => walk_dir(path, &mut out),
            Ok(_) => out.push(Input::File(path.clone())),
        }
    }
    out
}

fn walk_dir(dir: &Path, out: &mut Vec<Input>) {
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() => out.push(Input::File(e.into_path())),
            Ok(_) => {}
            Err(e) => {
                let path = e
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| dir.to_path_buf());
                out.push(Input::Error(path, e.to_string()));
            }
        }
    }
}

/// The reference time for records without a year (RFC 3164): the file's modification time,
/// or now when it has none (standard input), in ms since the epoch.
pub fn reference_time_ms(modified: Option<SystemTime>) -> i64 {
    modified
        .unwrap_or_else(SystemTime::now)
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
