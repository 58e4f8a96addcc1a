//! Any LEEF line: mapping of LEEF's predefined attribute keys.

use vigil_model::{
    ActivityId, ClassUid, ConnectionInfo, Endpoint, Event, HttpRequest, Native, Product,
    SourceType, Str, Traffic, Url,
};

use super::{apply_action, cef::cef_time, device, envelope, non_empty, protocol, text_of};
use crate::decode::{cef, leef, syslog};
use crate::{Context, Output, Record};

const SOURCE: SourceType = SourceType::Leef;

/// Normalizes a LEEF 1.0 or 2.0 line: Network Activity when it names a source and a
/// destination address, else a Base Event. A line without a valid LEEF header is rejected
/// (`not_leef`, `truncated_header`…).
pub fn normalize_leef(record: &Record, ctx: &Context, out: &mut Output) {
    let text = text_of(record);
    if text.trim().is_empty() {
        out.reject(SOURCE, record, "empty_record", "the record is empty");
        return;
    }
    let Some(at) = leef::find(&text) else {
        out.reject(
            SOURCE,
            record,
            "not_leef",
            "no `LEEF:<version>|` in the record",
        );
        return;
    };
    let parsed = match leef::parse(text.get(at..).unwrap_or("")) {
        Ok(parsed) => parsed,
        Err(error) => {
            out.reject(SOURCE, record, error.reason, error.detail);
            return;
        }
    };
    let header = syslog::parse(&text, ctx.reference_time_ms);
    let get = |key: &str| non_empty(parsed.get(key));
    let number = |key: &str| get(key).and_then(|v| v.parse::<u64>().ok());

    let network = get("src").is_some() && get("dst").is_some();
    let class = if network {
        ClassUid::NetworkActivity
    } else {
        ClassUid::Base
    };
    let mut event = Event::new(class, ActivityId::UNKNOWN, SOURCE);

    let record_time = get("devTime").and_then(|t| Some((t, cef_time(t, ctx.reference_time_ms)?)));
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
    // `sev` is 1–10 like CEF's severity.
    event.severity_id = get("sev").map_or_else(Default::default, cef::severity_id);

    let mut product = Product::new(parsed.product.trim(), parsed.vendor.trim());
    product.version = non_empty(Some(&parsed.product_version)).map(Str::from);
    event.metadata.product = product;
    event.metadata.event_code = non_empty(Some(&parsed.event_id)).map(Str::from);
    event.message = get("msg")
        .or(get("message"))
        .or(get("cat"))
        .or(non_empty(Some(&parsed.event_id)))
        .map(Str::from);
    event.device = device(
        get("identHostName").or(header.hostname.filter(|_| at > 0)),
        get("identSrc").or(get("devIp")),
        None,
    );

    if network {
        event.src_endpoint = Some(Box::new(Endpoint {
            ip: get("src").map(Str::from),
            port: get("srcPort").and_then(|p| p.parse().ok()),
            mac: get("srcMAC").map(Str::from),
            proxy_endpoint: nat(get("srcPostNAT"), get("srcPostNATPort")),
            ..Endpoint::default()
        }));
        event.dst_endpoint = Some(Box::new(Endpoint {
            ip: get("dst").map(Str::from),
            port: get("dstPort").and_then(|p| p.parse().ok()),
            mac: get("dstMAC").map(Str::from),
            proxy_endpoint: nat(get("dstPostNAT"), get("dstPostNATPort")),
            ..Endpoint::default()
        }));
        let (protocol_num, protocol_name) = protocol(get("proto").unwrap_or(""));
        if protocol_num.is_some() || protocol_name.is_some() {
            event.connection_info = Some(ConnectionInfo {
                protocol_num,
                protocol_name,
                ..ConnectionInfo::default()
            });
        }
        let traffic = Traffic {
            bytes_out: number("srcBytes"),
            bytes_in: number("dstBytes"),
            packets_out: number("srcPackets"),
            packets_in: number("dstPackets"),
            bytes: number("totalBytes"),
            ..Traffic::default()
        }
        .with_totals();
        if traffic != Traffic::default() {
            event.traffic = Some(traffic);
        }
    }
    apply_action(&mut event, get("action"));
    if let Some(name) = get("usrName") {
        event.actor_mut().user_mut().name = Some(name.into());
    }
    if let Some(url) = get("url") {
        event.http_request = Some(Box::new(HttpRequest {
            url: Some(Url {
                url_string: Some(url.into()),
                ..Url::default()
            }),
            ..HttpRequest::default()
        }));
    }

    let native = parsed
        .attributes
        .iter()
        .map(|(k, v)| (Str::from(*k), Str::from(v.as_ref())))
        .collect();
    envelope(&mut event, record, SOURCE, Native::Pairs(native));
    out.events.push(event);
}

/// Where NAT translated an endpoint to (`srcPostNAT`, `dstPostNAT` and their ports).
fn nat(ip: Option<&str>, port: Option<&str>) -> Option<Box<Endpoint>> {
    let port = port.and_then(|p| p.parse::<u16>().ok());
    if ip.is_none() && port.is_none() {
        return None;
    }
    Some(Box::new(Endpoint {
        ip: ip.map(Str::from),
        port,
        ..Endpoint::default()
    }))
}
