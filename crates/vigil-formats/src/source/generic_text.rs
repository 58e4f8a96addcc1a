//! Text records of vendors with no dedicated normalizer: any CEF line, any LEEF line, and any
//! other syslog line.
//!
//! CEF and LEEF map the vendor-agnostic keys (addresses, ports, protocol, action, users, URL,
//! time): a record with both a source and a destination address is Network Activity, anything
//! else a Base Event. The product is the record's vendor and product, the severity the record's
//! own. Every decoded pair is kept as a native field (CEF custom slots under their labels).
//!
//! A syslog line becomes a Base Event: time from the header (or the reference time), severity
//! from PRI, device from HOSTNAME, the message after the header, the APP-NAME as `log_name`.
//! Only an empty line is rejected.

use std::sync::Arc;

use std::borrow::Cow;

use vigil_model::{
    ActionId, ActivityId, ClassUid, Device, DispositionId, Event, Native, Product, SeverityId,
    SourceType, Str,
};

use crate::decode::syslog;
use crate::{Context, Output, Record};

mod cef;
mod leef;
#[cfg(test)]
mod tests;

pub use cef::normalize_cef;
pub use leef::normalize_leef;

/// The record as text (invalid UTF-8 replaced; `raw` keeps the bytes) without its line end.
fn text_of(record: &Record) -> Cow<'_, str> {
    match String::from_utf8_lossy(&record.bytes) {
        Cow::Borrowed(text) => Cow::Borrowed(text.trim_end_matches(['\r', '\n', '\0'])),
        Cow::Owned(text) => Cow::Owned(text.trim_end_matches(['\r', '\n', '\0']).to_owned()),
    }
}

/// IANA protocol numbers and their lowercase keywords.
const PROTOCOLS: [(u8, &str); 13] = [
    (1, "icmp"),
    (2, "igmp"),
    (6, "tcp"),
    (17, "udp"),
    (41, "ipv6"),
    (47, "gre"),
    (50, "esp"),
    (51, "ah"),
    (58, "ipv6-icmp"),
    (89, "ospf"),
    (103, "pim"),
    (112, "vrrp"),
    (132, "sctp"),
];

/// A protocol given as a number (`6`) or a name (`TCP`): its number and lowercase name, as far
/// as they are known.
pub(crate) fn protocol(text: &str) -> (Option<u8>, Option<Str>) {
    let text = text.trim();
    if text.is_empty() {
        return (None, None);
    }
    if let Ok(num) = text.parse::<u8>() {
        let name = PROTOCOLS
            .iter()
            .find(|(n, _)| *n == num)
            .map(|(_, name)| *name);
        return (Some(num), name.map(Str::from));
    }
    let num = PROTOCOLS
        .iter()
        .find(|(_, name)| name.eq_ignore_ascii_case(text))
        .map(|(num, _)| *num);
    (num, Some(text.to_ascii_lowercase().into()))
}

/// A vendor-agnostic action word: `action_id`, `disposition_id` and the Network Activity
/// activity it implies.
fn action_ids(word: &str) -> Option<(ActionId, DispositionId, ActivityId)> {
    Some(match word.trim().to_ascii_lowercase().as_str() {
        "allow" | "allowed" | "accept" | "accepted" | "permit" | "permitted" | "pass"
        | "passed" | "success" => (ActionId::Allowed, DispositionId::ALLOWED, ActivityId::OPEN),
        "deny" | "denied" | "block" | "blocked" | "prevent" | "prevented" => {
            (ActionId::Denied, DispositionId::BLOCKED, ActivityId::REFUSE)
        }
        "drop" | "dropped" => (ActionId::Denied, DispositionId::DROPPED, ActivityId::REFUSE),
        "reject" | "rejected" | "reset" => (
            ActionId::Denied,
            DispositionId::REJECTED,
            ActivityId::REFUSE,
        ),
        "quarantine" | "quarantined" => (
            ActionId::Denied,
            DispositionId::QUARANTINED,
            ActivityId::REFUSE,
        ),
        "alert" | "detect" | "detected" | "monitor" | "log" | "logged" => (
            ActionId::Observed,
            DispositionId::DETECTED,
            ActivityId::TRAFFIC,
        ),
        _ => return None,
    })
}

/// Sets `action`, `action_id`, `disposition_id` and, for Network Activity, the activity.
fn apply_action(event: &mut Event, word: Option<&str>) {
    let Some(word) = word.map(str::trim).filter(|w| !w.is_empty()) else {
        return;
    };
    event.action = Some(word.into());
    match action_ids(word) {
        Some((action_id, disposition_id, activity)) => {
            event.action_id = Some(action_id);
            event.disposition_id = Some(disposition_id);
            if event.class_uid == ClassUid::NetworkActivity {
                event.activity_id = activity;
            }
        }
        None => {
            event.activity_id = ActivityId::OTHER;
            event.activity_name = Some(word.into());
        }
    }
}

/// The device from the record's own fields, else the syslog HOSTNAME.
fn device(hostname: Option<&str>, ip: Option<&str>, uid: Option<&str>) -> Option<Arc<Device>> {
    if hostname.is_none() && ip.is_none() && uid.is_none() {
        return None;
    }
    Some(Arc::new(Device {
        hostname: hostname.map(Str::from),
        ip: ip.map(Str::from),
        uid: uid.map(Str::from),
        ..Device::default()
    }))
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// Fills the envelope every event carries.
fn envelope(event: &mut Event, record: &Record, source_type: SourceType, native: Native) {
    event.source_type = source_type;
    event.raw = record.bytes.clone();
    event.provenance = record.provenance.clone();
    event.native = native;
}

/// Normalizes any other syslog line into a Base Event. Only an empty line is rejected.
pub fn normalize_syslog(record: &Record, ctx: &Context, out: &mut Output) {
    const SOURCE: SourceType = SourceType::Syslog;
    let text = text_of(record);
    if text.trim().is_empty() {
        out.reject(SOURCE, record, "empty_record", "the record is empty");
        return;
    }
    if let Some(at) = text.find(|c: char| c.is_control() && c != '\t') {
        out.reject(
            SOURCE,
            record,
            "binary_data",
            format!("control character at byte {at}: not a text log line"),
        );
        return;
    }
    let header = syslog::parse(&text, ctx.reference_time_ms);
    // A line with neither `<PRI>` nor a header timestamp is not syslog: rejecting it (rather
    // than keeping it as a message) is what keeps stray text files from becoming events.
    if header.pri.is_none() && header.timestamp_text.is_none() {
        out.reject(
            SOURCE,
            record,
            "not_syslog",
            "no syslog header: neither `<PRI>` nor a timestamp at the start of the line",
        );
        return;
    }
    let mut event = Event::new(ClassUid::Base, ActivityId::UNKNOWN, SOURCE);
    match header.timestamp_text.zip(header.timestamp_ms) {
        Some((original, ms)) => {
            event.time = ms;
            event.metadata.original_time = Some(original.into());
        }
        None => {
            event.time = ctx.reference_time_ms;
            event.metadata.original_time = header.timestamp_text.map(Str::from);
        }
    }
    event.severity_id = header
        .severity()
        .map_or(SeverityId::Unknown, SeverityId::from_syslog);
    let message = non_empty(Some(header.msg)).or(header.structured_data);
    event.message = Some(message.unwrap_or(text.trim()).into());
    event.metadata.log_name = header.app_name.map(Str::from);
    event.metadata.product = Product::new(header.app_name.unwrap_or("syslog"), "Unknown");
    event.device = device(header.hostname, None, None);

    let mut pairs: Vec<(Str, Str)> = Vec::new();
    let mut push = |key: &str, value: Option<String>| {
        if let Some(value) = value {
            pairs.push((key.into(), value.into()));
        }
    };
    push("facility", header.facility().map(|f| f.to_string()));
    push("severity", header.severity().map(|s| s.to_string()));
    push("hostname", header.hostname.map(str::to_owned));
    push("app_name", header.app_name.map(str::to_owned));
    push("proc_id", header.proc_id.map(str::to_owned));
    push("msg_id", header.msg_id.map(str::to_owned));
    // Standard RFC 5424 SD params as `sd-id.name`; anything else stays whole.
    if let Some(sd) = header.structured_data {
        match syslog::parse_rfc5424_sd(sd) {
            Ok(elements) => {
                for element in elements {
                    for (name, value) in element.params {
                        push(&format!("{}.{name}", element.id), Some(value.into_owned()));
                    }
                }
            }
            Err(_) => push("structured_data", Some(sd.to_owned())),
        }
    }
    push("message", Some(header.msg.to_owned()));
    envelope(&mut event, record, SOURCE, Native::Pairs(pairs));
    out.events.push(event);
}
