//! Normalizer (in progress).

use crate::{Context, Output, Record};

/// Normalizes one `firewall_events` record.
pub fn normalize_firewall(record: &Record, _ctx: &Context, out: &mut Output) {
    out.reject(
        vigil_model::SourceType::CisFirewall,
        record,
        "not_implemented",
        "normalizer not written yet",
    );
}

/// Normalizes one `http_requests` record.
pub fn normalize_http(record: &Record, _ctx: &Context, out: &mut Output) {
    out.reject(
        vigil_model::SourceType::CisHttp,
        record,
        "not_implemented",
        "normalizer not written yet",
    );
}
