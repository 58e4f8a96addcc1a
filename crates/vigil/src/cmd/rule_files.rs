//! Reading Sigma rule files named on the command line: shared by `vigil rules check` and
//! `vigil hunt`, so both accept the same files and name a broken document the same way.

use std::collections::HashMap;
use std::path::PathBuf;

use vigil_sigma::ast::Document;
use vigil_sigma::load::{self, LoadError};

use crate::walk::{self, Input};

/// The documents found under some paths, and what could not be used.
#[derive(Default)]
pub struct RuleFiles {
    /// Rule files read.
    pub files: u64,
    /// Documents loaded, in file order.
    pub documents: Vec<Document>,
    /// Documents (or whole files, when not UTF-8) that did not load, with the reason.
    pub rejected: Vec<LoadError>,
    /// Paths that could not be read at all.
    pub read_errors: Vec<String>,
    /// Where each loaded document came from (`file#n`), by id and by title.
    places: HashMap<String, String>,
}

impl RuleFiles {
    /// Reads every `.yml` / `.yaml` file under `paths` (directories recursively).
    pub fn read(paths: &[PathBuf]) -> RuleFiles {
        let mut out = RuleFiles::default();
        for input in walk::inputs(paths) {
            let path = match input {
                Input::Error(path, error) => {
                    out.read_errors
                        .push(format!("cannot read `{}`: {error}", path.display()));
                    continue;
                }
                Input::File(path) => path,
            };
            let is_yaml = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"));
            if !is_yaml {
                continue;
            }
            let name = path.display().to_string();
            let text = match std::fs::read(&path) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => text,
                    Err(e) => {
                        out.rejected.push(LoadError {
                            source: name,
                            document: 0,
                            title: None,
                            id: None,
                            reason: "invalid_utf8",
                            detail: format!("not UTF-8 at byte {}", e.utf8_error().valid_up_to()),
                        });
                        continue;
                    }
                },
                Err(error) => {
                    out.read_errors
                        .push(format!("cannot open `{name}`: {error}"));
                    continue;
                }
            };
            out.files += 1;
            for (index, result) in load::load_str(&text, &name).into_iter().enumerate() {
                match result {
                    Ok(document) => {
                        let meta = document.meta();
                        let place = format!("{name}#{}", index + 1);
                        if let Some(id) = &meta.id {
                            out.places
                                .entry(id.clone())
                                .or_insert_with(|| place.clone());
                        }
                        out.places.entry(meta.title.clone()).or_insert(place);
                        out.documents.push(document);
                    }
                    Err(e) => out.rejected.push(e),
                }
            }
        }
        out
    }

    /// Where the document with this id (else title) was read: `file#n`.
    pub fn place_of(&self, id: Option<&str>, title: &str) -> Option<&str> {
        id.and_then(|id| self.places.get(id))
            .or_else(|| self.places.get(title))
            .map(String::as_str)
    }
}
