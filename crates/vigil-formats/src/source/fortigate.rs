//! Fortinet FortiGate (FortiOS): `key=value` logs and FortiGate CEF.
//!
//! Lines come as `<PRI>date=… time=…` (a PRI and no syslog header), behind a relay's prefix
//! (`2026-04-03T00:31:09.976660+00:00 192.168.2.1 date=…`), behind an ordinary syslog header,
//! or bare. The body starts at the first `key=` token after whatever header
//! [`syslog::parse`] recognized. CEF lines (`CEF:0|Fortinet|Fortigate|…`) have their extension
//! keys translated back to FortiGate's own names ([`cef_names`]) and go through the same
//! mapping ([`map`]), so rules see `srcip` whichever format the firewall was set to.
//!
//! Time: `eventtime` (an epoch in s, ms, µs or ns by magnitude) when present, else `date` +
//! `time` in the zone `tz` (UTC when absent), else the syslog header, else the reference time.

use std::sync::Arc;

use std::borrow::Cow;

use vigil_model::{Device, Event, Native, Product, SeverityId, SourceType, Str};

use crate::decode::{cef, kv, syslog};
use crate::{Context, Output, Record};

mod cef_names;
mod fields;
mod map;
mod parts;
#[cfg(test)]
mod tests;

use fields::Fgt;

const SOURCE: SourceType = SourceType::FortiGate;

/// Normalizes one FortiGate record (key=value or CEF, with or without a header) into one
/// event; a record that is not FortiGate's is rejected as `not_fortigate`.
pub fn normalize(record: &Record, ctx: &Context, out: &mut Output) {
    let text = String::from_utf8_lossy(&record.bytes);
    let line = text.trim_end_matches(['\r', '\n', '\0']);
    let header = syslog::parse(line, ctx.reference_time_ms);
    let (pairs, version) = match cef::find(line) {
        Some(at) => match cef_names::from_cef(line.get(at..).unwrap_or("")) {
            Ok(decoded) => decoded,
            Err(detail) => {
                out.reject(SOURCE, record, "not_fortigate", detail);
                return;
            }
        },
        None => (kv::parse(kv_body(header.msg)), None),
    };
    let fgt = Fgt::from_pairs(&pairs);
    if !fgt.is_fortigate() {
        out.reject(
            SOURCE,
            record,
            "not_fortigate",
            "no fortigate `logid`, `devid` or `date`, `time` and `type` pairs",
        );
        return;
    }
    let mut event = Event::default();
    map::map(&fgt, &mut event);
    set_time(&fgt, &header, ctx, &mut event);
    event.metadata.product = Product {
        name: Str::const_new("FortiGate"),
        vendor_name: Str::const_new("Fortinet"),
        version: version
            .filter(|v: &Cow<'_, str>| !v.is_empty())
            .map(|v| Str::from(v.as_ref())),
        ..Product::default()
    };
    event.metadata.event_code = non_empty(fgt.logid);
    event.metadata.log_name = match (fgt.log_type, fgt.subtype) {
        ("", _) => None,
        (log_type, "") => Some(log_type.into()),
        (log_type, subtype) => Some(compact_str::format_compact!("{log_type}/{subtype}")),
    };
    if event.severity_id == SeverityId::Unknown {
        event.severity_id = level(fgt.level);
    }
    if !fgt.devname.is_empty() || !fgt.devid.is_empty() {
        event.device = Some(Arc::new(Device {
            hostname: non_empty(fgt.devname),
            uid: non_empty(fgt.devid),
            type_name: Some(Str::const_new("Firewall")),
            type_id: Some(9),
            ..Device::default()
        }));
    }
    event.source_type = SOURCE;
    event.raw = record.bytes.clone();
    event.provenance = record.provenance.clone();
    event.native = Native::Pairs(
        pairs
            .iter()
            .map(|(key, value)| (Str::from(*key), Str::from(value.as_ref())))
            .collect(),
    );
    out.events.push(event);
}

/// The `key=value` part of a syslog message: from the first token shaped like `key=`. What
/// comes before it (a relay's address, a stray word) is not data.
fn kv_body(msg: &str) -> &str {
    let b = msg.as_bytes();
    let mut start = 0;
    while start < b.len() {
        let key_len = b
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
            .count();
        if key_len > 0 && b.get(start + key_len) == Some(&b'=') {
            return msg.get(start..).unwrap_or("");
        }
        // Skip to the next token.
        match memchr::memchr2(b' ', b'\t', b.get(start..).unwrap_or_default()) {
            Some(space) => start += space + 1,
            None => break,
        }
    }
    msg
}

/// Sets `time` and `metadata.original_time` (see the module docs for the order).
fn set_time(fgt: &Fgt<'_>, header: &syslog::Syslog<'_>, ctx: &Context, event: &mut Event) {
    if let Some(ms) = epoch(fgt.eventtime) {
        event.time = ms;
        event.metadata.original_time = non_empty(fgt.eventtime);
        return;
    }
    if !fgt.date.is_empty() && !fgt.time.is_empty() {
        let local = format!("{} {}", fgt.date, fgt.time);
        let zoned = if fgt.tz.is_empty() {
            None
        } else {
            crate::time::parse_rfc3339(&format!("{local} {}", fgt.tz.trim()))
        };
        if let Some(ms) = zoned.or_else(|| crate::time::parse_rfc3339(&local)) {
            event.time = ms;
            event.metadata.original_time = Some(local.into());
            return;
        }
    }
    if let (Some(ms), Some(text)) = (header.timestamp_ms, header.timestamp_text) {
        event.time = ms;
        event.metadata.original_time = Some(text.into());
        return;
    }
    event.time = ctx.reference_time_ms;
}

/// `eventtime`: an epoch whose unit follows its magnitude (10, 13, 16 or 19 digits).
fn epoch(s: &str) -> Option<i64> {
    if s.len() < 9 || s.len() > 19 || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().map(crate::time::epoch_auto_ms)
}

/// `level` (syslog severity names; FortiOS writes `information`) to OCSF severity.
fn level(word: &str) -> SeverityId {
    let syslog_severity = match word {
        "emergency" => 0,
        "alert" => 1,
        "critical" => 2,
        "error" => 3,
        "warning" => 4,
        "notice" => 5,
        "information" | "informational" => 6,
        "debug" => 7,
        _ => return SeverityId::Unknown,
    };
    SeverityId::from_syslog(syslog_severity)
}

/// `Some` of a non-empty string.
fn non_empty(s: &str) -> Option<Str> {
    (!s.is_empty()).then(|| Str::from(s))
}
