//! Check Point Log Exporter: the syslog form (`<134>1 TS HOST CheckPoint PID - [key:"value";
//! …]`, with or without PRI) and the CEF form (`CEF:0|Check Point|…`).
//!
//! Both forms are read into one list of pairs under Check Point's own names (the CEF form keeps
//! its CEF names, with custom slots resolved to their labels; lookups fall back from the Check
//! Point name to the CEF one, e.g. `s_port` to `spt`). Then each record gets one class:
//!
//! * administrator log in / log out (`subject` or `operation` says so): Authentication 3002;
//! * audit (`operation` by an `administrator`: SmartConsole, WEB_API, update tools): Entity
//!   Management 3004;
//! * IPS / Threat Prevention / Anti-Bot / Anti-Virus (a protection or attack named, or one of
//!   those blades): Detection Finding 2004;
//! * anything with a source or destination address (Accept, Drop, Reject, Encrypt, Decrypt,
//!   VPN key exchange…): Network Activity 4001;
//! * the rest (System Monitor, update status, records cut short): Base Event 0, still with
//!   time, severity, message and device.
//!
//! Records cut short by the exporter (`[action:"Monitored";...`) keep what was decoded.

use std::borrow::Cow;

use vigil_model::{Device, Event, Named, Native, Product, SeverityId, SourceType, Str};

use crate::decode::{cef, checkpoint as structured, leef, syslog};
use crate::time::parse_any;
use crate::{Context, Output, Record};

mod map;
mod network;
#[cfg(test)]
mod tests;
mod threat;

const SOURCE: SourceType = SourceType::CheckPoint;

/// One Check Point record, whichever form it came in.
struct Log<'a> {
    /// The fields in record order, duplicates kept.
    pairs: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// The syslog header (all `None` for a bare CEF line).
    header: syslog::Syslog<'a>,
    /// The CEF header, for the CEF form.
    cef: Option<CefHeader<'a>>,
}

/// What the CEF header says that the pairs do not.
struct CefHeader<'a> {
    product: Cow<'a, str>,
    name: Cow<'a, str>,
    severity: Cow<'a, str>,
}

/// CEF names of Check Point fields, for lookups in the CEF form.
fn cef_aliases(key: &str) -> &'static [&'static str] {
    match key {
        "action" => &["act"],
        "time" => &["rt"],
        "s_port" => &["spt"],
        "service" => &["dpt"],
        "xlatesrc" => &["sourceTranslatedAddress"],
        "xlatedst" => &["destinationTranslatedAddress"],
        "xlatesport" => &["sourceTranslatedPort"],
        "xlatedport" => &["destinationTranslatedPort"],
        "ifname" => &["deviceInboundInterface", "deviceOutboundInterface"],
        "origin" => &["dvc"],
        "rule_name" => &["Rule Name"],
        "protection_name" => &["Protection Name"],
        "protection_type" => &["Protection Type"],
        "protection_id" => &["Protection ID"],
        "confidence_level" => &["Confidence"],
        "administrator" => &["suser"],
        "client_inbound_bytes" => &["in"],
        "client_outbound_bytes" => &["out"],
        _ => &[],
    }
}

impl<'a> Log<'a> {
    /// The first non-blank value of `key`, trimmed.
    fn exact(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.trim())
            .find(|v| !v.is_empty())
    }

    /// The first non-blank value of `key`, or of its CEF name in the CEF form.
    fn get(&self, key: &str) -> Option<&str> {
        self.exact(key).or_else(|| {
            self.cef.as_ref()?;
            cef_aliases(key).iter().find_map(|alias| self.exact(alias))
        })
    }

    /// `get` parsed as a number.
    fn number<T: std::str::FromStr>(&self, key: &str) -> Option<T> {
        self.get(key).and_then(|v| v.parse().ok())
    }

    /// The Check Point product (blade) that logged the record.
    fn product(&self) -> Option<&str> {
        self.get("product").or_else(|| {
            self.cef
                .as_ref()
                .map(|c| c.product.trim())
                .filter(|p| !p.is_empty())
        })
    }
}

/// Normalizes one Check Point record (syslog or CEF form) into one event; a record that is not
/// Check Point's is rejected as `not_checkpoint`.
pub fn normalize(record: &Record, ctx: &Context, out: &mut Output) {
    let text = String::from_utf8_lossy(&record.bytes);
    let line = text.trim_end_matches(['\r', '\n', '\0']);
    let log = match decode(line, ctx.reference_time_ms) {
        Ok(log) => log,
        Err(detail) => {
            out.reject(SOURCE, record, "not_checkpoint", detail);
            return;
        }
    };
    let mut event = Event::default();
    map::classify_and_map(&log, &mut event);
    finish(&log, ctx, record, &mut event);
    out.events.push(event);
}

/// Reads either form into a [`Log`], or says why the line is not Check Point's.
fn decode(line: &str, reference_ms: i64) -> Result<Log<'_>, String> {
    if line.trim().is_empty() {
        return Err("empty record".to_owned());
    }
    let header = syslog::parse(line, reference_ms);
    if let Some(at) = cef::find(line) {
        let cef = cef::parse(line.get(at..).unwrap_or("")).map_err(|e| e.to_string())?;
        let vendor = cef.vendor.to_ascii_lowercase().replace(' ', "");
        if vendor != "checkpoint" {
            return Err(format!("cef vendor is `{}`, not `Check Point`", cef.vendor));
        }
        let pairs = cef::labelled(&cef.extensions);
        return Ok(Log {
            pairs,
            header,
            cef: Some(CefHeader {
                product: cef.product,
                name: cef.name,
                severity: cef.severity,
            }),
        });
    }
    // Log Exporter puts its fields in the SD slot; some relays move them into the message.
    let sd = header
        .structured_data
        .or_else(|| Some(header.msg.trim_start()).filter(|m| m.starts_with('[')))
        .ok_or_else(|| "no check point `[key:\"value\"; …]` fields and no cef".to_owned())?;
    let (pairs, problem) = structured::parse_lenient(sd);
    if pairs.is_empty() {
        let reason = problem.map_or_else(|| "no fields".to_owned(), |e| e.to_string());
        return Err(format!("structured data is not check point's: {reason}"));
    }
    Ok(Log {
        pairs: pairs
            .into_iter()
            .map(|(k, v)| (Cow::Borrowed(k), v))
            .collect(),
        header,
        cef: None,
    })
}

/// Fills what every Check Point event carries: time, severity, product, device, envelope and
/// native fields.
fn finish(log: &Log<'_>, ctx: &Context, record: &Record, event: &mut Event) {
    let header_time = log.header.timestamp_text.zip(log.header.timestamp_ms);
    let record_time = log.get("time");
    if let Some((text, ms)) = record_time.and_then(|t| Some((t, parse_time(t)?))) {
        event.time = ms;
        event.metadata.original_time = Some(text.into());
    } else if let Some((text, ms)) = header_time {
        event.time = ms;
        event.metadata.original_time = Some(text.into());
    } else {
        // Keep the record: the reference time is the best we know.
        event.time = ctx.reference_time_ms;
        event.metadata.original_time = record_time.map(Str::from);
    }

    if event.severity_id == SeverityId::Unknown {
        event.severity_id = severity(log);
    }

    let mut product = Product::new("Check Point", "Check Point");
    product.feature = log.product().map(|name| Named { name: name.into() });
    event.metadata.product = product;
    event.metadata.uid = log.get("loguid").map(Str::from);

    let origin = log.get("origin");
    let hostname = log
        .get("device_name")
        .or_else(|| log.get("originsicname").and_then(common_name))
        .or(log.header.hostname);
    if origin.is_some() || hostname.is_some() {
        let device = event.device_mut();
        device.ip = origin.map(Str::from);
        device.hostname = hostname.map(Str::from);
        device.uid = log.get("originsicname").map(Str::from);
    }

    event.source_type = SOURCE;
    event.raw = record.bytes.clone();
    event.provenance = record.provenance.clone();
    event.native = Native::Pairs(
        log.pairs
            .iter()
            .map(|(k, v)| (Str::from(k.as_ref()), Str::from(v.as_ref())))
            .collect(),
    );
}

/// `time` (epoch seconds in the syslog form), `rt` (epoch ms or `MMM dd yyyy HH:mm:ss` in the
/// CEF form) or RFC 3339.
fn parse_time(text: &str) -> Option<i64> {
    parse_any(text).or_else(|| leef::dev_time_ms(text))
}

/// The record's severity: Check Point's `severity` (0–4 or a word), else the CEF header's,
/// else the syslog PRI's.
fn severity(log: &Log<'_>) -> SeverityId {
    if let Some(sev) = log.get("severity").and_then(check_point_severity) {
        return sev;
    }
    if let Some(cef) = &log.cef {
        let sev = cef::severity_id(&cef.severity);
        if sev != SeverityId::Unknown {
            return sev;
        }
    }
    log.header
        .severity()
        .map_or(SeverityId::Unknown, SeverityId::from_syslog)
}

/// Check Point's `severity`: `0` Informational … `4` Critical, or the words.
fn check_point_severity(sev: &str) -> Option<SeverityId> {
    Some(match sev.to_ascii_lowercase().as_str() {
        "0" | "informational" | "info" => SeverityId::Informational,
        "1" | "low" => SeverityId::Low,
        "2" | "medium" => SeverityId::Medium,
        "3" | "high" => SeverityId::High,
        "4" | "critical" | "very-high" | "very high" => SeverityId::Critical,
        _ => return None,
    })
}

/// The `CN` of a SIC name (`cn=gw-1,o=mgmt..abc` gives `gw-1`).
fn common_name(sic: &str) -> Option<&str> {
    sic.split(',').find_map(|part| {
        let (key, value) = part.split_once('=')?;
        (key.trim().eq_ignore_ascii_case("cn") && !value.trim().is_empty()).then(|| value.trim())
    })
}

/// A firewall device: set on network and detection events.
fn mark_firewall(event: &mut Event) {
    let device: &mut Device = event.device_mut();
    device.type_name = Some(Str::const_new("Firewall"));
    device.type_id = Some(9);
}
