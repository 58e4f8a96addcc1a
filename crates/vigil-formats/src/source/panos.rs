//! Normalizer (in progress).

use crate::{Context, Output, Record};

/// Normalizes one record.
pub fn normalize(record: &Record, _ctx: &Context, out: &mut Output) {
    out.reject(
        vigil_model::SourceType::Json,
        record,
        "not_implemented",
        "normalizer not written yet",
    );
}
