//! Falco alerts (`json_output: true`) → OCSF Detection Finding (2004).
//!
//! A record is one JSON alert, or a syslog line carrying one
//! (`<5>2024-08-07T13:49:16Z host Falco[1]: {…}`). Mapping: `rule` → `finding_info.title`,
//! `uuid` → `finding_info.uid` (older Falco has none: a stable hash of rule, time, hostname and
//! output stands in), `output` → `finding_info.desc` and, without its time and priority prefix,
//! `message`; `priority` → `severity_id` (Emergency/Alert/Critical 5, Error 4, Warning 3,
//! Notice 2, Informational/Debug 1); `tags` → `metadata.labels` and, for ATT&CK tags,
//! `attacks`; `output_fields` → `evidences[0].process` (`proc.*`, `user.*`), the container
//! (`container.*`) and, whole, `unmapped.output_fields`.
//!
//! `hostname` in the JSON is the host Falco watches; a syslog header's hostname is the host
//! that relayed the line. The JSON wins for `device.hostname`; the header fills it when the
//! JSON has none, and is kept as `unmapped.syslog_hostname` when they differ.

mod runtime;
#[cfg(test)]
mod tests;

pub(crate) use runtime::{
    attacks_from_tags, container_of, fields_map, fnv1a, int_of, process_from_fields, record_text,
    text_of, unescape_unicode,
};

use std::sync::Arc;

use serde_json::{Map, Value};
use vigil_model::{
    ActivityId, Actor, Analytic, ClassUid, Device, DispositionId, Endpoint, Event, Evidence,
    FindingInfo, Metadata, Native, Product, SeverityId, SourceType, Str, User,
};

use crate::decode::syslog;
use crate::time::{epoch_auto_ms, parse_rfc3339, parse_rfc3339_prefix};
use crate::{Context, Output, Record};

const SOURCE_TYPE: SourceType = SourceType::Falco;

/// What a syslog header contributed, when the alert came over syslog.
#[derive(Default)]
struct Header<'a> {
    hostname: Option<&'a str>,
    time_ms: Option<i64>,
    severity: Option<u8>,
}

/// Normalizes one Falco alert (plain JSON or over syslog) into a Detection Finding.
pub fn normalize(record: &Record, ctx: &Context, out: &mut Output) {
    let text = match record_text(&record.bytes) {
        Ok(text) => text,
        Err((reason, detail)) => return out.reject(SOURCE_TYPE, record, reason, detail),
    };
    let trimmed = text.trim();
    let (json, header) = if trimmed.starts_with('{') {
        (trimmed, None)
    } else {
        match split_syslog(text, ctx.reference_time_ms) {
            Some((json, header)) => (json, Some(header)),
            None => {
                let detail = "no json alert found: expected an object or `Falco[pid]: {…}`";
                return out.reject(SOURCE_TYPE, record, "not_falco_alert", detail);
            }
        }
    };
    let alert: Map<String, Value> = match serde_json::from_str(json) {
        Ok(alert) => alert,
        Err(error) => {
            let reason = match error.classify() {
                serde_json::error::Category::Data => "not_falco_alert",
                _ => "invalid_json",
            };
            return out.reject(SOURCE_TYPE, record, reason, error.to_string());
        }
    };
    let rule = text_of(alert.get("rule"));
    let output = alert.get("output").and_then(Value::as_str);
    if rule.is_none() && output.is_none() {
        let detail = "alert has neither `rule` nor `output`";
        return out.reject(SOURCE_TYPE, record, "missing_field", detail);
    }
    let over_syslog = header.is_some();
    let header = header.unwrap_or_default();
    let mut event = alert_event(&alert, rule, output, &header, ctx);
    event.provenance = record.provenance.clone();
    event.raw = record.bytes.clone();
    // A syslog line is not JSON, so its native form is the parsed alert.
    event.native = if over_syslog {
        Native::Json(Box::new(Value::Object(alert)))
    } else {
        Native::RawJson
    };
    out.events.push(event);
}

/// Finds the JSON after a syslog header, and what the header says.
fn split_syslog(text: &str, reference_ms: i64) -> Option<(&str, Header<'_>)> {
    let parsed = syslog::parse(text, reference_ms);
    let msg = parsed.msg.trim();
    if msg.starts_with('{') && !std::ptr::eq(parsed.msg, text) {
        let header = Header {
            hostname: parsed.hostname,
            time_ms: parsed.timestamp_ms,
            severity: parsed.severity(),
        };
        return Some((msg, header));
    }
    // The syslog decoder did not split it: find `Falco[pid]: ` / `falco: ` by hand.
    let tag_at = text.find("Falco").or_else(|| text.find("falco:"))?;
    let json_at = tag_at + text.get(tag_at..)?.find('{')?;
    let json = text.get(json_at..)?.trim();
    let prefix = text.get(..tag_at)?;
    Some((json, header_by_hand(prefix)))
}

/// `<PRI>TIMESTAMP HOST ` (RFC 5424 with `1 `, RFC 3339, or RFC 3164 `Mmm dd hh:mm:ss`).
fn header_by_hand(prefix: &str) -> Header<'_> {
    let mut header = Header::default();
    let mut rest = prefix.trim_start();
    if let Some(after) = rest.strip_prefix('<') {
        if let Some((pri, after)) = after.split_once('>') {
            header.severity = pri.parse::<u8>().ok().map(|p| p & 7);
            rest = after;
        }
    }
    let rest = rest.strip_prefix("1 ").unwrap_or(rest);
    let tokens: Vec<&str> = rest.split_whitespace().collect();
    let host_index = if let Some((ms, _)) = tokens
        .first()
        .and_then(|t| parse_rfc3339_prefix(t.as_bytes()))
    {
        header.time_ms = Some(ms);
        1
    } else if tokens.len() >= 4 {
        3
    } else {
        return header;
    };
    header.hostname = tokens.get(host_index).copied().filter(|h| *h != "-");
    header
}

fn alert_event(
    alert: &Map<String, Value>,
    rule: Option<Str>,
    output: Option<&str>,
    header: &Header<'_>,
    ctx: &Context,
) -> Event {
    let mut event = Event::new(
        ClassUid::DetectionFinding,
        ActivityId::FINDING_CREATE,
        SOURCE_TYPE,
    );
    let priority = alert.get("priority").and_then(Value::as_str);
    event.severity_id = priority
        .map(severity_of_priority)
        .or_else(|| header.severity.map(severity_of_syslog))
        .unwrap_or(SeverityId::Unknown);
    let time_text = alert.get("time").and_then(Value::as_str);
    let fields = fields_map(alert.get("output_fields"));
    event.time = time_text
        .and_then(parse_rfc3339)
        .or_else(|| int_of(fields.get("evt.time")).map(epoch_auto_ms))
        .or_else(|| int_of(fields.get("evt.time.iso8601")).map(epoch_auto_ms))
        .or(header.time_ms)
        .unwrap_or(ctx.reference_time_ms);
    event.is_alert = Some(true);
    event.disposition_id = Some(DispositionId::ALERT);
    event.message = output.map(|o| Str::from(strip_output_prefix(o, priority)));

    let hostname = text_of(alert.get("hostname"));
    let uuid = text_of(alert.get("uuid"));
    let source = text_of(alert.get("source"));
    let tags: Vec<&str> = alert
        .get("tags")
        .and_then(Value::as_array)
        .map(|tags| tags.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();

    let uid = uuid.clone().unwrap_or_else(|| {
        let parts = [
            rule.as_deref().unwrap_or_default(),
            time_text.unwrap_or_default(),
            hostname.as_deref().unwrap_or_default(),
            output.unwrap_or_default(),
        ];
        Str::from(format!("falco-{:016x}", fnv1a(&parts)))
    });
    event.finding_info = Some(Box::new(FindingInfo {
        uid,
        title: rule
            .clone()
            .or_else(|| output.map(|o| Str::from(strip_output_prefix(o, priority))))
            .unwrap_or_default(),
        desc: output.map(Str::from),
        types: source.into_iter().collect(),
        analytic: rule.map(|name| Analytic {
            name: Some(name),
            type_name: Some(Str::const_new("Rule")),
            type_id: Some(1),
            uid: None,
        }),
        src_url: None,
    }));
    event.attacks = attacks_from_tags(tags.iter().copied());
    event.metadata = Metadata {
        product: Product::new("Falco", "The Falco Project"),
        uid: uuid,
        original_time: time_text.map(Str::from),
        log_name: Some(Str::const_new("falco_alerts")),
        labels: tags.iter().map(|t| Str::from(*t)).collect(),
        ..Metadata::default()
    };

    let get = |key: &str| text_of(fields.get(key));
    let container = container_of(
        get("container.id"),
        get("container.name"),
        get("container.image.repository").or_else(|| get("container.image")),
    )
    .map(|mut container| {
        if fields.keys().any(|k| k.starts_with("k8s.")) {
            container.orchestrator = Some(Str::const_new("Kubernetes"));
        }
        container
    });
    let mut process = process_from_fields(&fields);
    if let Some(process) = &mut process {
        process.container = container.clone();
        if let Some(user) = &process.user {
            event.actor = Some(Box::new(Actor {
                user: Some(User {
                    name: user.name.clone(),
                    uid: user.uid.clone(),
                    ..User::default()
                }),
                ..Actor::default()
            }));
        }
    }
    // The connection of network rules: `fd.cip`/`fd.cport` the client, `fd.sip`/`fd.sport`
    // the server (`fd.rip`/`fd.rport`, the remote end, when only it is given).
    let endpoint = |ip: &str, port: &str| {
        get(ip).map(|ip| {
            Box::new(Endpoint {
                ip: Some(ip),
                port: get(port).and_then(|p| p.parse().ok()),
                ..Endpoint::default()
            })
        })
    };
    let client = endpoint("fd.cip", "fd.cport");
    let server = endpoint("fd.sip", "fd.sport").or_else(|| endpoint("fd.rip", "fd.rport"));
    if process.is_some() || client.is_some() || server.is_some() {
        event.evidences.push(Evidence {
            process,
            src_endpoint: client.map(|e| *e),
            dst_endpoint: server.map(|e| *e),
            ..Evidence::default()
        });
    }
    let device_hostname = hostname.or_else(|| header.hostname.map(Str::from));
    if device_hostname.is_some() || container.is_some() {
        event.device = Some(Arc::new(Device {
            hostname: device_hostname.clone(),
            container,
            ..Device::default()
        }));
    }

    if let Some(Value::Object(output_fields)) = alert.get("output_fields") {
        event.set_unmapped("output_fields", Value::Object(output_fields.clone()));
    }
    if let Some(relay) = header.hostname {
        if device_hostname.as_deref() != Some(relay) {
            event.set_unmapped("syslog_hostname", Value::String(relay.to_owned()));
        }
    }
    event
}

/// Falco priority → OCSF severity.
fn severity_of_priority(priority: &str) -> SeverityId {
    match priority.to_ascii_lowercase().as_str() {
        "emergency" | "alert" | "critical" => SeverityId::Critical,
        "error" => SeverityId::High,
        "warning" => SeverityId::Medium,
        "notice" => SeverityId::Low,
        "informational" | "info" | "debug" => SeverityId::Informational,
        _ => SeverityId::Unknown,
    }
}

/// Syslog severity (Falco writes its priority there) → OCSF, on the same scale as
/// [`severity_of_priority`].
fn severity_of_syslog(severity: u8) -> SeverityId {
    match severity {
        0..=2 => SeverityId::Critical,
        3 => SeverityId::High,
        4 => SeverityId::Medium,
        5 => SeverityId::Low,
        _ => SeverityId::Informational,
    }
}

/// The output without its leading time and priority: `19:35:58.532086161: Notice A shell…`
/// (older Falco) and `2024-05-07T18:54:19.341081180+0000: Warning Sensitive…` (newer) both
/// give `A shell…` / `Sensitive…`. Anything else is returned as is.
fn strip_output_prefix<'a>(output: &'a str, priority: Option<&str>) -> &'a str {
    let bytes = output.as_bytes();
    let time_len = match parse_rfc3339_prefix(bytes) {
        Some((_, used)) => used,
        None => clock_len(bytes),
    };
    if time_len == 0 {
        return output;
    }
    let Some(rest) = output.get(time_len..).and_then(|r| r.strip_prefix(": ")) else {
        return output;
    };
    let (word, after) = rest.split_once(' ').unwrap_or((rest, ""));
    let is_priority = priority.is_some_and(|p| p.eq_ignore_ascii_case(word))
        || severity_of_priority(word) != SeverityId::Unknown;
    if is_priority {
        after
    } else {
        rest
    }
}

/// Length of a leading `hh:mm:ss[.fraction]`, 0 when there is none.
fn clock_len(bytes: &[u8]) -> usize {
    let digit = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    let colon = |i: usize| bytes.get(i) == Some(&b':');
    if !(digit(0) && digit(1) && colon(2) && digit(3) && digit(4) && colon(5)) {
        return 0;
    }
    if !(digit(6) && digit(7)) {
        return 0;
    }
    let mut len = 8;
    if bytes.get(len) == Some(&b'.') {
        len += 1;
        while digit(len) {
            len += 1;
        }
    }
    len
}
