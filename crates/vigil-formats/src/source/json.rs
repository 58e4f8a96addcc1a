//! Any other JSON object to an OCSF Base Event (class 0, activity Unknown).
//!
//! Nothing is known about the record, so it is kept whole (its native form is the record
//! itself, [`Native::RawJson`], so rules can use its own field names) and only what most JSON
//! logs share is lifted out: the time, the message and the severity. Only those few top-level
//! keys are read; everything else is skipped without being materialized.
//!
//! * Time: the first of `@timestamp`, `timestamp`, `time`, `eventTime`, `ts`, `date`,
//!   `datetime` that holds a readable time (RFC 3339 and its relatives, or an epoch number in
//!   s, ms, µs or ns, as a number or a string). When none is present the context's reference
//!   time is used and `unmapped.time_missing` is set (`time_invalid` when a key is present but
//!   unreadable).
//! * Message: `message`, else `msg`.
//! * Severity: `severity`, else `level`, as a word (`info`, `warning`, `error`, `crit`…) or a
//!   number (syslog 0–7, or the 10–60 scale of bunyan and pino), see [`severity_of`].
//!
//! A record that is not a JSON object is rejected (`not_an_object`), as is invalid JSON
//! (`invalid_json`, with serde's line and column) and invalid UTF-8 (`invalid_utf8`).

#[cfg(test)]
mod tests;

use serde_json::{Map, Value};
use vigil_model::{ActivityId, ClassUid, Event, Native, Product, SeverityId, SourceType};

use crate::source::jsonutil::{self, lenient_struct, Scalar};
use crate::{Context, Output, Record};

const SOURCE: SourceType = SourceType::Json;

lenient_struct! {
    /// The few top-level keys a generic JSON record is read for.
    struct GenericJson<'a> {
        at_timestamp: Scalar<'a> = "@timestamp",
        timestamp: Scalar<'a> = "timestamp",
        time: Scalar<'a> = "time",
        event_time: Scalar<'a> = "eventTime",
        ts: Scalar<'a> = "ts",
        date: Scalar<'a> = "date",
        datetime: Scalar<'a> = "datetime",
        message: Scalar<'a> = "message",
        msg: Scalar<'a> = "msg",
        severity: Scalar<'a> = "severity",
        level: Scalar<'a> = "level",
    }
}

/// Normalizes one JSON object into a Base Event.
pub fn normalize(record: &Record, ctx: &Context, out: &mut Output) {
    let json: GenericJson<'_> = match jsonutil::parse(&record.bytes) {
        Ok(json) => json,
        Err(err) => return err.reject(SOURCE, record, out),
    };
    let mut event = Event::new(ClassUid::Base, ActivityId::UNKNOWN, SOURCE);
    event.metadata.product = Product::new("JSON", "unknown");

    let candidates = [
        &json.at_timestamp,
        &json.timestamp,
        &json.time,
        &json.event_time,
        &json.ts,
        &json.date,
        &json.datetime,
    ];
    let present = candidates.iter().filter(|value| !value.is_null());
    let parsed = present
        .clone()
        .find_map(|value| value.time_ms().map(|ms| (ms, *value)));
    let mut unmapped = Map::new();
    match parsed {
        Some((ms, value)) => {
            event.time = ms;
            event.metadata.original_time = value.to_str();
        }
        None => {
            let first_present = present.clone().next();
            let flag = if first_present.is_some() {
                "time_invalid"
            } else {
                "time_missing"
            };
            unmapped.insert(flag.to_owned(), Value::Bool(true));
            event.metadata.original_time = first_present.and_then(|value| value.to_str());
            event.time = ctx.reference_time_ms;
        }
    }
    event.message = json.message.to_str().or_else(|| json.msg.to_str());
    event.severity_id = severity_of(&json.severity)
        .or_else(|| severity_of(&json.level))
        .unwrap_or(SeverityId::Unknown);

    jsonutil::set_unmapped(&mut event, unmapped);
    event.raw = record.bytes.clone();
    event.provenance = record.provenance.clone();
    event.native = Native::RawJson;
    out.events.push(event);
}

/// A severity from a level word (`debug`, `info`, `notice`, `warn`, `error`, `crit`, `alert`,
/// `emerg`, `fatal`… in any case) or number: 0–7 are syslog severities, 10–60 the bunyan/pino
/// scale (10 trace … 60 fatal). `None` when the value says nothing recognizable.
pub fn severity_of(value: &Scalar<'_>) -> Option<SeverityId> {
    if let Some(n) = value.i64() {
        return match n {
            0..=7 => Some(SeverityId::from_syslog(n as u8)),
            10 | 20 | 30 => Some(SeverityId::Informational),
            40 => Some(SeverityId::Medium),
            50 => Some(SeverityId::High),
            60 => Some(SeverityId::Fatal),
            _ => None,
        };
    }
    let word = value.trimmed()?.to_ascii_lowercase();
    let syslog = match word.as_str() {
        "emerg" | "emergency" | "panic" => 0,
        "alert" => 1,
        "crit" | "critical" => 2,
        "err" | "error" | "high" | "severe" => 3,
        "warn" | "warning" | "medium" => 4,
        "notice" | "low" => 5,
        "info" | "informational" | "information" | "debug" | "trace" | "verbose" => 6,
        "fatal" => return Some(SeverityId::Fatal),
        _ => return None,
    };
    Some(SeverityId::from_syslog(syslog))
}
