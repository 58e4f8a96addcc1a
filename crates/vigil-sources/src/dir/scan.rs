//! Listing the watched tree: which files match the globs.

use std::io;
use std::path::{Path, PathBuf};

use globset::{GlobSet, GlobSetBuilder};

use super::file::FileId;
use crate::config::invalid;
use crate::{SourceError, SourceId};

/// How deep the walk goes below the watched directory.
const MAX_DEPTH: usize = 32;

/// Which relative paths are read.
#[derive(Debug)]
pub(crate) struct Filter {
    pub(crate) include: GlobSet,
    pub(crate) exclude: GlobSet,
}

impl Filter {
    pub(crate) fn wants(&self, relative: &Path) -> bool {
        self.include.is_match(relative) && !self.exclude.is_match(relative)
    }
}

/// Compiles globs (`*` stays within a directory, `**` crosses them).
pub(crate) fn glob_set(id: &SourceId, globs: &[String]) -> Result<GlobSet, SourceError> {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        let glob = globset::GlobBuilder::new(glob)
            .literal_separator(true)
            .build()
            .map_err(|e| invalid(id, format!("glob `{glob}`: {e}")))?;
        builder.add(glob);
    }
    builder
        .build()
        .map_err(|e| invalid(id, format!("globs: {e}")))
}

/// The regular files under `root` (symlinks to files followed, symlinked directories not, so
/// the walk cannot loop) whose relative path the filter wants.
pub(crate) fn walk(root: &Path, filter: &Filter) -> io::Result<Vec<(PathBuf, FileId)>> {
    let mut found = Vec::new();
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    // The root itself must be readable; errors deeper down skip that entry only.
    let mut first = true;
    while let Some((dir, depth)) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if first => return Err(e),
            Err(_) => continue,
        };
        first = false;
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            if file_type.is_dir() {
                if depth < MAX_DEPTH {
                    stack.push((path, depth + 1));
                }
                continue;
            }
            let Ok(relative) = path.strip_prefix(root) else {
                continue;
            };
            if !filter.wants(relative) {
                continue;
            }
            let Ok(metadata) = std::fs::metadata(&path) else {
                continue;
            };
            if metadata.is_file() {
                found.push((path, FileId::of(&metadata)));
            }
        }
    }
    Ok(found)
}
