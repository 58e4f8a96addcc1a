//! Per-source normalizers: one module per [`SourceType`], each with
//! `pub fn normalize(record: &Record, ctx: &Context, out: &mut Output)`.

use vigil_model::SourceType;

use crate::{Context, Output, Record};

pub mod activity_tracker;
pub mod checkpoint;
pub mod cis;
pub mod cloudtrail;
pub mod falco;
pub mod flowlog;
pub mod fortigate;
pub mod generic_text;
pub mod json;
pub mod jsonutil;
pub mod panos;
pub mod sysdig;

/// Normalizes one record as `source_type`, appending to `out`.
pub fn normalize(source_type: SourceType, record: &Record, ctx: &Context, out: &mut Output) {
    match source_type {
        SourceType::ActivityTracker => activity_tracker::normalize(record, ctx, out),
        SourceType::VpcFlowLog => flowlog::normalize(record, ctx, out),
        SourceType::PanOs => panos::normalize(record, ctx, out),
        SourceType::FortiGate => fortigate::normalize(record, ctx, out),
        SourceType::CheckPoint => checkpoint::normalize(record, ctx, out),
        SourceType::CisFirewall => cis::normalize_firewall(record, ctx, out),
        SourceType::CisHttp => cis::normalize_http(record, ctx, out),
        SourceType::Sysdig => sysdig::normalize(record, ctx, out),
        SourceType::Falco => falco::normalize(record, ctx, out),
        SourceType::CloudTrail => cloudtrail::normalize(record, ctx, out),
        SourceType::Cef => generic_text::normalize_cef(record, ctx, out),
        SourceType::Leef => generic_text::normalize_leef(record, ctx, out),
        SourceType::Syslog => generic_text::normalize_syslog(record, ctx, out),
        SourceType::Json => json::normalize(record, ctx, out),
    }
}
