//! Normalizer (in progress).

use crate::{Context, Output, Record};

/// Normalizes a CEF line of a vendor with no dedicated normalizer.
pub fn normalize_cef(record: &Record, _ctx: &Context, out: &mut Output) {
    out.reject(
        vigil_model::SourceType::Cef,
        record,
        "not_implemented",
        "normalizer not written yet",
    );
}

/// Normalizes a LEEF line.
pub fn normalize_leef(record: &Record, _ctx: &Context, out: &mut Output) {
    out.reject(
        vigil_model::SourceType::Leef,
        record,
        "not_implemented",
        "normalizer not written yet",
    );
}

/// Normalizes any other syslog line.
pub fn normalize_syslog(record: &Record, _ctx: &Context, out: &mut Output) {
    out.reject(
        vigil_model::SourceType::Syslog,
        record,
        "not_implemented",
        "normalizer not written yet",
    );
}
