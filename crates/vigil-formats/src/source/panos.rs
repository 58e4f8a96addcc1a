//! Palo Alto Networks PAN-OS: CSV logs behind an RFC 3164 header (with or without hostname),
//! an RFC 5424 header (Panorama) or none, and PAN-OS CEF.
//!
//! The CSV payload is found by its shape, not by trusting the header: field 0 (`FUTURE_USE`,
//! a number) then a `YYYY/MM/DD hh:mm:ss` receive time. Field 3 is the log type, except in the
//! PAN-OS 9.1 GLOBALPROTECT layout where it is field 5. Fields are named by position per log
//! type ([`layouts`]) and kept as [`Native::Pairs`]; fields past a type's table are `field_<i>`,
//! so new PAN-OS versions that append fields lose nothing. A CEF line is turned into the same
//! positional form ([`cef_fields`]) and mapped by the same code ([`map`]).
//!
//! Times are device-local with no zone: they are read as UTC and kept as written in
//! `metadata.original_time`. `time_generated` is preferred, then `receive_time`, then the
//! syslog header; a record whose times are all invalid (anonymized samples carry `2020/00/00`)
//! takes the reference time rather than being lost.

use std::sync::Arc;

use std::borrow::Cow;

use vigil_model::{Device, Event, Native, Product, SourceType, Str};

use crate::decode::{cef, csv, syslog};
use crate::{Context, Output, Record};

mod cef_fields;
mod fields;
mod layouts;
mod map;
mod parts;
#[cfg(test)]
mod tests;

const SOURCE: SourceType = SourceType::PanOs;

/// Normalizes one PAN-OS record (CSV or CEF, with or without a syslog header) into one event;
/// a record that is not PAN-OS is rejected as `not_panos`.
pub fn normalize(record: &Record, ctx: &Context, out: &mut Output) {
    let text = String::from_utf8_lossy(&record.bytes);
    let line = text.trim_end_matches(['\r', '\n', '\0']);
    let parsed = match cef::find(line) {
        Some(at) => cef_fields::from_cef(line.get(at..).unwrap_or("")).map(|mut log| {
            log.payload_start = at;
            log
        }),
        None => from_csv(line),
    };
    let log = match parsed {
        Ok(log) => log,
        Err(detail) => {
            out.reject(SOURCE, record, "not_panos", detail);
            return;
        }
    };
    let header = syslog::parse(line, ctx.reference_time_ms);
    let mut event = Event::default();
    map::map(&log, &mut event);
    finish(&log, &header, line, ctx, record, &mut event);
    out.events.push(event);
}

/// One PAN-OS log in positional form: its fields and the layout that names them.
struct Log<'a> {
    /// The fields, by position in the CSV layout of the log type.
    fields: Vec<Cow<'a, str>>,
    /// How far positions from 3 on are shifted (2 for the 9.1 GLOBALPROTECT layout).
    shift: usize,
    /// Where the payload (CSV or `CEF:`) starts in the line, so header parts can be told apart
    /// from payload.
    payload_start: usize,
    /// Extra pairs that have no position (CEF extensions with no PAN-OS field).
    extra: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// The software version, when the record says (CEF header).
    version: Option<Cow<'a, str>>,
    /// The severity the CEF header gives, for logs whose CSV form has no severity field.
    cef_severity: Option<vigil_model::SeverityId>,
}

impl<'a> Log<'a> {
    /// Field `i` of the type's canonical layout, or `""` when absent.
    fn get(&self, i: usize) -> &str {
        let i = if i >= fields::TYPE { i + self.shift } else { i };
        self.fields.get(i).map_or("", |f| f.as_ref())
    }

    /// The log type (`TRAFFIC`, `THREAT`…).
    fn log_type(&self) -> &str {
        self.get(fields::TYPE)
    }

    /// The log subtype (`end`, `url`, `general`…).
    fn subtype(&self) -> &str {
        self.get(fields::SUBTYPE)
    }

    fn layout(&self) -> layouts::Layout {
        if self.shift == 2 {
            layouts::GLOBALPROTECT_91
        } else {
            layouts::layout(self.log_type())
        }
    }
}

/// Splits the CSV payload of `line`.
fn from_csv(line: &str) -> Result<Log<'_>, String> {
    let Some(start) = payload_start(line) else {
        return Err("no pan-os csv payload: a number, then a `YYYY/MM/DD hh:mm:ss` field".into());
    };
    let values = csv::split(line.get(start..).unwrap_or(""));
    let at = |i: usize| values.get(i).map_or("", |f| f.as_ref());
    // PAN-OS 9.1 GLOBALPROTECT: seqno and actionflags come before the type.
    let shift = if !is_log_type(at(fields::TYPE)) && at(fields::TYPE + 2) == "GLOBALPROTECT" {
        2
    } else {
        0
    };
    let log_type = at(fields::TYPE + shift);
    if !is_log_type(log_type) {
        let shown: String = log_type.chars().take(40).collect();
        return Err(format!(
            "field {} is `{shown}`, not a pan-os log type",
            fields::TYPE + shift
        ));
    }
    Ok(Log {
        fields: values,
        shift,
        payload_start: start,
        extra: Vec::new(),
        version: None,
        cef_severity: None,
    })
}

/// A log type is an upper-case word (`TRAFFIC`, `GLOBALPROTECT`, `IPTAG`…).
fn is_log_type(s: &str) -> bool {
    !s.is_empty() && s.len() <= 32 && s.bytes().all(|c| c.is_ascii_uppercase() || c == b'_')
}

/// Where the PAN-OS CSV payload starts in `line`: a run of digits (field 0) at the start of
/// the line or after a space, `>` or TAB, then `,YYYY/MM/DD hh:mm:ss,` (the receive time).
fn payload_start(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    for comma in memchr::memchr_iter(b',', b) {
        let date = b.get(comma + 1..comma + 20).unwrap_or_default();
        if !is_pan_time(date) || !matches!(b.get(comma + 20), Some(b',') | None) {
            continue;
        }
        let head = b.get(..comma).unwrap_or_default();
        let digits = head.iter().rev().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || digits > 4 {
            continue;
        }
        let start = comma - digits;
        if start == 0 || matches!(b.get(start - 1), Some(b' ' | b'>' | b'\t')) {
            return Some(start);
        }
    }
    None
}

/// `YYYY/MM/DD hh:mm:ss` by shape (digits in place; values are checked when parsed).
fn is_pan_time(b: &[u8]) -> bool {
    const SHAPE: &[u8; 19] = b"dddd/dd/dd dd:dd:dd";
    b.len() == 19
        && b.iter().zip(SHAPE).all(|(c, s)| match s {
            b'd' => c.is_ascii_digit(),
            s => c == s,
        })
}

/// Whether `part` (a slice of `line`) lies entirely before byte `end` of `line`.
fn lies_before(line: &str, end: usize, part: &str) -> bool {
    let offset = (part.as_ptr() as usize).wrapping_sub(line.as_ptr() as usize);
    offset <= line.len() && offset + part.len() <= end
}

/// Fills what every PAN-OS event carries: time, metadata, device, envelope, native fields.
fn finish(
    log: &Log<'_>,
    header: &syslog::Syslog<'_>,
    line: &str,
    ctx: &Context,
    record: &Record,
    event: &mut Event,
) {
    let generated = log.get(fields::TIME_GENERATED);
    let received = log.get(fields::RECEIVE_TIME);
    let header_time = header
        .timestamp_text
        .filter(|text| lies_before(line, log.payload_start, text))
        .zip(header.timestamp_ms);
    if let Some(ms) = parse_time(generated) {
        event.time = ms;
        event.metadata.original_time = Some(generated.into());
    } else if let Some(ms) = parse_time(received) {
        event.time = ms;
        event.metadata.original_time = Some(received.into());
    } else if let Some((text, ms)) = header_time {
        event.time = ms;
        event.metadata.original_time = Some(text.into());
    } else {
        // Keep the record: the reference time is the best we know, the text says what was there.
        event.time = ctx.reference_time_ms;
        let text = if generated.is_empty() {
            received
        } else {
            generated
        };
        event.metadata.original_time = (!text.is_empty()).then(|| text.into());
    }

    let mut product = Product {
        name: Str::const_new("PAN-OS"),
        vendor_name: Str::const_new("Palo Alto Networks"),
        ..Product::default()
    };
    product.version = log.version.as_deref().and_then(non_empty);
    event.metadata.product = product;
    event.metadata.log_name = non_empty(log.log_type());
    // `0` is PAN-OS's placeholder subtype (CONFIG, GLOBALPROTECT, HIPMATCH).
    event.metadata.event_code = non_empty(log.subtype()).filter(|s| s != "0");

    let device_name = map::device_name(log);
    let hostname = if device_name.is_empty() {
        header
            .hostname
            .filter(|host| lies_before(line, log.payload_start, host) && *host != "-")
    } else {
        Some(device_name)
    };
    let serial = log.get(fields::SERIAL);
    if hostname.is_some() || !serial.is_empty() {
        event.device = Some(Arc::new(Device {
            hostname: hostname.map(Str::from),
            uid: non_empty(serial),
            type_name: Some(Str::const_new("Firewall")),
            type_id: Some(9),
            ..Device::default()
        }));
    }

    event.source_type = SOURCE;
    event.raw = record.bytes.clone();
    event.provenance = record.provenance.clone();
    event.native = native(log);
}

/// The fields under their PAN-OS names, in order, then any extra pairs.
fn native(log: &Log<'_>) -> Native {
    let layout = log.layout();
    let mut pairs = Vec::with_capacity(log.fields.len() + log.extra.len());
    for (i, value) in log.fields.iter().enumerate() {
        let name = match layout.name(i) {
            Some(name) => Str::const_new(name),
            None => compact_str::format_compact!("field_{i}"),
        };
        pairs.push((name, Str::from(value.as_ref())));
    }
    for (key, value) in &log.extra {
        pairs.push((Str::from(key.as_ref()), Str::from(value.as_ref())));
    }
    Native::Pairs(pairs)
}

/// A PAN-OS time: `YYYY/MM/DD hh:mm:ss` (CSV), or what CEF carries (`Mmm dd yyyy hh:mm:ss`
/// with an optional zone, epoch milliseconds, RFC 3339). Read as UTC when no zone is given.
fn parse_time(s: &str) -> Option<i64> {
    if s.is_empty() {
        return None;
    }
    if let Some(ms) = crate::time::parse_rfc3339(s) {
        return Some(ms);
    }
    // Epochs only when they have the digits of one: a `0` is no time.
    if s.len() >= 10 && s.bytes().all(|c| c.is_ascii_digit()) {
        return crate::time::parse_epoch(s);
    }
    cef_fields::parse_cef_time(s)
}

/// `Some` of a non-empty string.
fn non_empty(s: &str) -> Option<Str> {
    (!s.is_empty()).then(|| Str::from(s))
}
