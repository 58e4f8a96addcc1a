//! Any CEF line: vendor-agnostic mapping of the standard extension keys.

use vigil_model::{
    ActivityId, ClassUid, ConnectionInfo, Endpoint, Event, HttpRequest, Native, Product,
    SourceType, Str, Traffic, Url, User,
};

use super::{apply_action, device, envelope, non_empty, protocol, text_of};
use crate::decode::{cef, leef, syslog};
use crate::time::{parse_any, parse_rfc3164_prefix};
use crate::{Context, Output, Record};

const SOURCE: SourceType = SourceType::Cef;

/// Decoded CEF extension pairs, looked up by short key or by the long name some senders use.
struct Extensions<'a, 'b>(&'b [(&'a str, std::borrow::Cow<'a, str>)]);

impl Extensions<'_, '_> {
    fn get(&self, short: &str) -> Option<&str> {
        let long = long_name(short);
        let found = self
            .0
            .iter()
            .find(|(k, v)| (*k == short || Some(*k) == long) && !v.trim().is_empty());
        found.map(|(_, v)| v.trim())
    }

    fn number<T: std::str::FromStr>(&self, short: &str) -> Option<T> {
        self.get(short).and_then(|v| v.parse().ok())
    }
}

/// The ArcSight long name of a short extension key.
fn long_name(short: &str) -> Option<&'static str> {
    Some(match short {
        "src" => "sourceAddress",
        "dst" => "destinationAddress",
        "spt" => "sourcePort",
        "dpt" => "destinationPort",
        "shost" => "sourceHostName",
        "dhost" => "destinationHostName",
        "smac" => "sourceMacAddress",
        "dmac" => "destinationMacAddress",
        "proto" => "transportProtocol",
        "act" => "deviceAction",
        "suser" => "sourceUserName",
        "duser" => "destinationUserName",
        "request" => "requestUrl",
        "requestMethod" => "requestMethod",
        "requestClientApplication" => "requestClientApplication",
        "rt" => "receiptTime",
        "start" => "startTime",
        "end" => "endTime",
        "msg" => "message",
        "dvc" => "deviceAddress",
        "dvchost" => "deviceHostName",
        "in" => "bytesIn",
        "out" => "bytesOut",
        "cnt" => "baseEventCount",
        "outcome" => "eventOutcome",
        "externalId" => "externalId",
        _ => return None,
    })
}

/// A CEF time: epoch ms (or s), RFC 3339, `MMM dd yyyy HH:mm:ss[.SSS] [zone]`, or
/// `MMM dd HH:mm:ss` (year from the reference time).
pub(super) fn cef_time(text: &str, reference_ms: i64) -> Option<i64> {
    parse_any(text)
        .or_else(|| leef::dev_time_ms(text))
        .or_else(|| {
            let (ms, used) = parse_rfc3164_prefix(text.as_bytes(), reference_ms)?;
            (used == text.len()).then_some(ms)
        })
}

/// Normalizes a CEF line of a vendor with no dedicated normalizer: Network Activity when it
/// names a source and a destination address, else a Base Event. A line without a valid CEF
/// header is rejected (`not_cef`, `truncated_header`…).
pub fn normalize_cef(record: &Record, ctx: &Context, out: &mut Output) {
    let text = text_of(record);
    if text.trim().is_empty() {
        out.reject(SOURCE, record, "empty_record", "the record is empty");
        return;
    }
    let Some(at) = cef::find(&text) else {
        out.reject(
            SOURCE,
            record,
            "not_cef",
            "no `CEF:<version>|` in the record",
        );
        return;
    };
    let parsed = match cef::parse(text.get(at..).unwrap_or("")) {
        Ok(parsed) => parsed,
        Err(error) => {
            out.reject(SOURCE, record, error.reason, error.detail);
            return;
        }
    };
    let header = syslog::parse(&text, ctx.reference_time_ms);
    let ext = Extensions(&parsed.extensions);

    let network = ext.get("src").is_some() && ext.get("dst").is_some();
    let class = if network {
        ClassUid::NetworkActivity
    } else {
        ClassUid::Base
    };
    let mut event = Event::new(class, ActivityId::UNKNOWN, SOURCE);

    let record_time = ["rt", "end", "start"]
        .iter()
        .find_map(|key| ext.get(key))
        .and_then(|t| Some((t, cef_time(t, ctx.reference_time_ms)?)));
    let header_time = header
        .timestamp_text
        .filter(|_| at > 0)
        .zip(header.timestamp_ms);
    match record_time.or(header_time) {
        Some((original, ms)) => {
            event.time = ms;
            event.metadata.original_time = Some(original.into());
        }
        None => event.time = ctx.reference_time_ms,
    }
    event.start_time = ext
        .get("start")
        .and_then(|t| cef_time(t, ctx.reference_time_ms));
    event.end_time = ext
        .get("end")
        .and_then(|t| cef_time(t, ctx.reference_time_ms));
    event.severity_id = cef::severity_id(&parsed.severity);
    event.count = ext.number("cnt");

    let mut product = Product::new(parsed.product.trim(), parsed.vendor.trim());
    product.version = non_empty(Some(&parsed.device_version)).map(Str::from);
    event.metadata.product = product;
    event.metadata.event_code = non_empty(Some(&parsed.signature_id)).map(Str::from);
    event.metadata.uid = ext.get("externalId").map(Str::from);
    event.message = non_empty(Some(&parsed.name))
        .or(ext.get("msg"))
        .map(Str::from);
    event.device = device(
        ext.get("dvchost").or(header.hostname.filter(|_| at > 0)),
        ext.get("dvc"),
        ext.get("deviceExternalId"),
    );

    if network {
        event.src_endpoint = Some(Box::new(endpoint(&ext, "src", "spt", "shost", "smac")));
        event.dst_endpoint = Some(Box::new(endpoint(&ext, "dst", "dpt", "dhost", "dmac")));
        let (protocol_num, protocol_name) = protocol(ext.get("proto").unwrap_or(""));
        if protocol_num.is_some() || protocol_name.is_some() {
            event.connection_info = Some(ConnectionInfo {
                protocol_num,
                protocol_name,
                ..ConnectionInfo::default()
            });
        }
        let traffic = Traffic {
            bytes_in: ext.number("in"),
            bytes_out: ext.number("out"),
            ..Traffic::default()
        }
        .with_totals();
        if traffic != Traffic::default() {
            event.traffic = Some(traffic);
        }
    }
    apply_action(&mut event, ext.get("act"));
    if let Some(name) = ext.get("suser") {
        event.actor_mut().user_mut().name = Some(name.into());
    }
    if let Some(name) = ext.get("duser") {
        event.user = Some(Box::new(User {
            name: Some(name.into()),
            ..User::default()
        }));
    }
    if let Some(url) = ext.get("request") {
        event.http_request = Some(Box::new(HttpRequest {
            http_method: ext.get("requestMethod").map(Str::from),
            url: Some(Url {
                url_string: Some(url.into()),
                ..Url::default()
            }),
            user_agent: ext.get("requestClientApplication").map(Str::from),
            ..HttpRequest::default()
        }));
    }

    let native = cef::labelled(&parsed.extensions)
        .into_iter()
        .map(|(k, v)| (Str::from(k.as_ref()), Str::from(v.as_ref())))
        .collect();
    envelope(&mut event, record, SOURCE, Native::Pairs(native));
    out.events.push(event);
}

fn endpoint(ext: &Extensions<'_, '_>, ip: &str, port: &str, host: &str, mac: &str) -> Endpoint {
    Endpoint {
        ip: ext.get(ip).map(Str::from),
        port: ext.number(port),
        hostname: ext.get(host).map(Str::from),
        mac: ext.get(mac).map(Str::from),
        ..Endpoint::default()
    }
}
