//! IBM Cloud Internet Services (Cloudflare) Logpush records to OCSF HTTP Activity (4002).
//!
//! Two datasets share one reader (`model::CisRecord`): `http_requests` (one record per
//! request, security fields when a rule acted) and `firewall_events` (one record per rule
//! match, joined to its request by `RayID`). Both become HTTP Activity with the
//! security-control attributes (`disposition_id`, `action_id`, `firewall_rule`) when the
//! record says what a rule did.
//!
//! Decisions worth knowing:
//! * Product `Cloud Internet Services` by vendor `IBM`, cloud provider `IBM`: these records
//!   reach Vigil through an IBM Cloud account's CIS instance, so the account, the contract and
//!   the support path are IBM's (Cloudflare runs the edge). The field names stay Cloudflare's
//!   in the native record.
//! * Timestamps come in five shapes (integer ns, integer s, RFC 3339, the same numbers as
//!   strings, and Panther's `YYYY-MM-DD hh:mm:ss`); all are read
//!   ([`crate::source::jsonutil::Scalar::time_ms`]). `firewall_events` takes its time from
//!   `Datetime` (else `EdgeStartTimestamp`), `http_requests` from `EdgeStartTimestamp`. A
//!   record without either keeps the context's reference time and `unmapped.time_missing`.
//! * `risk_score` is `100 - WAFAttackScore` when the score is 1–99 (Cloudflare scores 1 as
//!   certainly an attack and 99 as certainly clean, so higher means riskier, as OCSF wants);
//!   the raw WAF and bot scores stay in `unmapped`.
//! * Addresses are kept as written: IBM's own docs carry the invalid `68.278.11.89`.
//! * The destination validation record `{"content":"tests"}` and ownership-challenge files
//!   (by file name, or a lone token where JSON was expected) are rejected as
//!   `logpush_test_record`, so they are visible in the dead letters and never events.

mod model;
#[cfg(test)]
mod tests;

use compact_str::format_compact;
use serde_json::{Map, Value};
use vigil_model::{
    ActionId, ActivityId, AutonomousSystem, ClassUid, DispositionId, Endpoint, Event, FirewallRule,
    HttpRequest, HttpResponse, Location, Native, Product, SeverityId, SourceType, Str, Tls, Url,
};

use self::model::CisRecord;
use crate::source::jsonutil::{self, List, Scalar};
use crate::{Context, Output, Record};

/// Which Logpush dataset a record belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dataset {
    HttpRequests,
    FirewallEvents,
}

impl Dataset {
    fn source_type(self) -> SourceType {
        match self {
            Dataset::HttpRequests => SourceType::CisHttp,
            Dataset::FirewallEvents => SourceType::CisFirewall,
        }
    }

    fn log_name(self) -> &'static str {
        match self {
            Dataset::HttpRequests => "http_requests",
            Dataset::FirewallEvents => "firewall_events",
        }
    }
}

/// Normalizes one `firewall_events` record.
pub fn normalize_firewall(record: &Record, ctx: &Context, out: &mut Output) {
    normalize(record, ctx, out, Dataset::FirewallEvents);
}

/// Normalizes one `http_requests` record.
pub fn normalize_http(record: &Record, ctx: &Context, out: &mut Output) {
    normalize(record, ctx, out, Dataset::HttpRequests);
}

fn normalize(record: &Record, ctx: &Context, out: &mut Output, dataset: Dataset) {
    let source_type = dataset.source_type();
    let file_name = ctx.path.rsplit(['/', '\\']).next().unwrap_or_default();
    if file_name.starts_with("ownership-challenge") {
        let detail = format!("logpush ownership challenge file `{file_name}`");
        return out.reject(source_type, record, "logpush_test_record", detail);
    }
    let text = match jsonutil::record_text(&record.bytes) {
        Ok(text) => text,
        Err(err) => return err.reject(source_type, record, out),
    };
    if !jsonutil::starts_object(text) && is_challenge_token(text) {
        let detail = "logpush ownership challenge token";
        return out.reject(source_type, record, "logpush_test_record", detail);
    }
    let rec: CisRecord<'_> = match jsonutil::parse_text(text) {
        Ok(rec) => rec,
        Err(err) => return err.reject(source_type, record, out),
    };
    if rec.content.str() == Some("tests") && rec.ray_id.is_null() && rec.client_ip.is_null() {
        let detail = r#"logpush destination validation record {"content":"tests"}"#;
        return out.reject(source_type, record, "logpush_test_record", detail);
    }
    if rec.ray_id.text().is_none() && rec.client_ip.text().is_none() && rec.host.text().is_none() {
        let detail = format!(
            "missing field `RayID` (nor `ClientIP`, `ClientRequestHost`): not a logpush {} record",
            dataset.log_name()
        );
        return out.reject(source_type, record, "missing_field", detail);
    }
    let mut event = build(&rec, ctx, dataset);
    event.raw = record.bytes.clone();
    event.provenance = record.provenance.clone();
    event.native = Native::RawJson;
    out.events.push(event);
}

/// Whether non-object text is an ownership-challenge token: one run of the token alphabet
/// (`[A-Za-z0-9/+.=_-]`, at least 16 long) that is not valid JSON.
fn is_challenge_token(text: &str) -> bool {
    let token = text.trim();
    (16..=4096).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/+.=_-".contains(&b))
        && serde_json::from_str::<serde::de::IgnoredAny>(token).is_err()
}

fn build(rec: &CisRecord<'_>, ctx: &Context, dataset: Dataset) -> Event {
    let method = rec.method.trimmed();
    let (activity, activity_name) = http_activity(method);
    let mut event = Event::new(ClassUid::HttpActivity, activity, dataset.source_type());
    event.activity_name = activity_name;
    event.severity_id = SeverityId::Informational;

    let mut unmapped = Map::new();
    let start_field = match dataset {
        Dataset::FirewallEvents if !rec.datetime.is_null() => &rec.datetime,
        Dataset::FirewallEvents => &rec.edge_start,
        Dataset::HttpRequests if !rec.edge_start.is_null() => &rec.edge_start,
        Dataset::HttpRequests => &rec.datetime,
    };
    let start = start_field.time_ms();
    event.metadata.original_time = start_field.to_str();
    event.time = start.unwrap_or_else(|| {
        let flag = if start_field.is_null() {
            "time_missing"
        } else {
            "time_invalid"
        };
        unmapped.insert(flag.to_owned(), Value::Bool(true));
        ctx.reference_time_ms
    });
    event.end_time = rec.edge_end.time_ms();
    if let (Some(start), Some(end)) = (start, event.end_time) {
        event.duration = end.checked_sub(start).filter(|d| *d >= 0);
    }

    event.metadata.product = Product::new("Cloud Internet Services", "IBM");
    event.metadata.log_name = Some(Str::from(dataset.log_name()));
    event.metadata.uid = rec.ray_id.to_str();
    if dataset == Dataset::FirewallEvents {
        event.metadata.correlation_uid = rec.ray_id.to_str();
    }
    event.cloud_mut().provider = Str::from("IBM");

    event.src_endpoint = Some(Box::new(source_endpoint(rec)));
    let dst = Endpoint {
        ip: rec.edge_server_ip.trimmed().map(Str::from),
        hostname: rec.host.trimmed().map(Str::from),
        domain: rec.zone_name.trimmed().map(Str::from),
        ..Endpoint::default()
    };
    if dst.ip.is_some() || dst.hostname.is_some() || dst.domain.is_some() {
        event.dst_endpoint = Some(Box::new(dst));
    }
    event.http_request = Some(Box::new(http_request(rec, method)));
    let response = HttpResponse {
        code: rec
            .edge_status
            .u64()
            .and_then(|c| u16::try_from(c).ok())
            .filter(|c| *c > 0),
        length: rec.edge_bytes.u64(),
        content_type: rec.edge_content_type.trimmed().map(Str::from),
        status: None,
    };
    if response.code.is_some() || response.length.is_some() || response.content_type.is_some() {
        event.http_response = Some(Box::new(response));
    }
    let tls = Tls {
        version: meaningful(&rec.ssl_protocol).map(Str::from),
        cipher: meaningful(&rec.ssl_cipher).map(Str::from),
        ja3_hash: meaningful(&rec.ja3_hash).map(Str::from),
    };
    if tls.version.is_some() || tls.cipher.is_some() || tls.ja3_hash.is_some() {
        event.tls = Some(Box::new(tls));
    }

    security_control(&mut event, rec, dataset);
    fill_unmapped(rec, &mut unmapped);
    if let Some(score) = rec.waf_attack_score.i64().filter(|s| (1..=99).contains(s)) {
        event.risk_score = Some(100 - score);
    }
    jsonutil::set_unmapped(&mut event, unmapped);
    event
}

/// The HTTP Activity activity of a method; Other (99) named by the method when it is not
/// one of OCSF's, Unknown (0) when there is none.
fn http_activity(method: Option<&str>) -> (ActivityId, Option<Str>) {
    const METHODS: [&str; 9] = [
        "CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "TRACE", "PATCH",
    ];
    let Some(method) = method else {
        return (ActivityId::UNKNOWN, None);
    };
    match METHODS.iter().position(|m| method.eq_ignore_ascii_case(m)) {
        Some(at) => (ActivityId(at as u8 + 1), None),
        None => (ActivityId::OTHER, Some(Str::from(method))),
    }
}

/// A value that says something: not empty and not a placeholder (`none`, `unknown`, `0`…).
fn meaningful<'s>(value: &'s Scalar<'_>) -> Option<&'s str> {
    value.trimmed().filter(|v| {
        !["none", "unknown", "0"]
            .iter()
            .any(|p| v.eq_ignore_ascii_case(p))
    })
}

fn source_endpoint(rec: &CisRecord<'_>) -> Endpoint {
    let location = Location {
        country: rec.client_country.trimmed().map(Str::from),
        city: rec.client_city.trimmed().map(Str::from),
        region: rec.client_region.trimmed().map(Str::from),
    };
    let asn = AutonomousSystem {
        number: rec
            .client_asn
            .u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n > 0),
        name: rec.client_asn_description.trimmed().map(Str::from),
    };
    Endpoint {
        ip: rec.client_ip.trimmed().map(Str::from),
        port: rec
            .client_src_port
            .u64()
            .and_then(|p| u16::try_from(p).ok())
            .filter(|p| *p > 0),
        location: (location.country.is_some()
            || location.city.is_some()
            || location.region.is_some())
        .then_some(location),
        autonomous_system: (asn.number.is_some() || asn.name.is_some()).then_some(asn),
        ..Endpoint::default()
    }
}

fn http_request(rec: &CisRecord<'_>, method: Option<&str>) -> HttpRequest {
    let host = rec.host.trimmed();
    let scheme = rec.scheme.trimmed();
    let uri = rec.uri.str();
    let (uri_path, uri_query) = match uri {
        Some(uri) => match uri.split_once('?') {
            Some((path, query)) => (Some(path), Some(query)),
            None => (Some(uri), None),
        },
        None => (None, None),
    };
    let path = rec.path.str().or(uri_path).filter(|p| !p.is_empty());
    let query = rec
        .query
        .str()
        .map(|q| q.strip_prefix('?').unwrap_or(q))
        .or(uri_query)
        .filter(|q| !q.is_empty());
    let url_string = match (scheme, host) {
        (Some(scheme), Some(host)) => Some(match (uri, query) {
            (Some(uri), _) => format_compact!("{scheme}://{host}{uri}"),
            (None, Some(query)) => {
                format_compact!("{scheme}://{host}{}?{query}", path.unwrap_or(""))
            }
            (None, None) => format_compact!("{scheme}://{host}{}", path.unwrap_or("")),
        }),
        _ => None,
    };
    let url = Url {
        url_string,
        scheme: scheme.map(Str::from),
        hostname: host.map(Str::from),
        path: path.map(Str::from),
        query_string: query.map(Str::from),
        ..Url::default()
    };
    let has_url = url.hostname.is_some() || url.path.is_some() || url.url_string.is_some();
    HttpRequest {
        http_method: method.map(Str::from),
        url: has_url.then_some(url),
        user_agent: rec.user_agent.str().map(Str::from),
        referrer: rec
            .referer
            .trimmed()
            .map(Str::from)
            .or_else(|| referrer_from_parts(rec)),
        version: rec.protocol.trimmed().map(Str::from),
        length: rec.request_bytes.u64(),
        ..HttpRequest::default()
    }
}

/// `firewall_events` splits the referrer into `ClientReferer{Scheme,Host,Path,Query}`; put
/// it back together (scheme-relative when the scheme is not a scheme).
fn referrer_from_parts(rec: &CisRecord<'_>) -> Option<Str> {
    let host = rec.referer_host.trimmed()?;
    let path = rec.referer_path.str().unwrap_or("");
    let query = rec.referer_query.str().unwrap_or("");
    let separator = if query.is_empty() || query.starts_with('?') {
        ""
    } else {
        "?"
    };
    let scheme = rec
        .referer_scheme
        .trimmed()
        .filter(|s| {
            s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+.-".contains(&b))
        })
        .unwrap_or("");
    let colon = if scheme.is_empty() { "" } else { ":" };
    Some(format_compact!(
        "{scheme}{colon}//{host}{path}{separator}{query}"
    ))
}

/// The first value among `candidates` that names an action (not empty, not `unknown…`).
fn first_action<'s>(candidates: &[&'s Scalar<'_>]) -> Option<&'s str> {
    candidates.iter().find_map(|value| {
        value.trimmed().filter(|v| {
            let lower = v.get(..7).map(str::to_ascii_lowercase);
            lower.as_deref() != Some("unknown")
        })
    })
}

/// OCSF disposition and action of a Cloudflare action word (`_` and `-` ignored, any case).
fn disposition(word: &str) -> (DispositionId, ActionId) {
    let word: String = word
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    match word.as_str() {
        "block" => (DispositionId::BLOCKED, ActionId::Denied),
        "drop" => (DispositionId::DROPPED, ActionId::Denied),
        "challenge" | "jschallenge" | "managedchallenge" => {
            (DispositionId::CHALLENGE, ActionId::Denied)
        }
        "connectionclose" | "forceconnectionclose" => (DispositionId::RESET, ActionId::Denied),
        "log" | "simulate" => (DispositionId::LOGGED, ActionId::Allowed),
        "allow" | "bypass" | "skip" => (DispositionId::ALLOWED, ActionId::Allowed),
        w if w.ends_with("solved") || w.ends_with("bypassed") => {
            (DispositionId::ALLOWED, ActionId::Allowed)
        }
        _ => (DispositionId::OTHER, ActionId::Other),
    }
}

/// The first element of a lenient list.
fn first<'a>(list: &List<Scalar<'a>>) -> Option<Scalar<'a>> {
    list.0.first().cloned()
}

fn security_control(event: &mut Event, rec: &CisRecord<'_>, dataset: Dataset) {
    let security_actions = first(&rec.security_actions).unwrap_or_default();
    let matches_actions = first(&rec.firewall_matches_actions).unwrap_or_default();
    let action = match dataset {
        Dataset::FirewallEvents => {
            first_action(&[&rec.action, &rec.security_action, &rec.waf_action])
        }
        Dataset::HttpRequests => first_action(&[
            &rec.security_action,
            &security_actions,
            &rec.waf_action,
            &matches_actions,
            &rec.action,
        ]),
    };
    if let Some(action) = action {
        let (disposition, action_id) = disposition(action);
        event.disposition_id = Some(disposition);
        event.action_id = Some(action_id);
        event.action = Some(Str::from(action));
        if action_id == ActionId::Denied {
            event.severity_id = SeverityId::Medium;
        }
    }

    let security_rule_ids = first(&rec.security_rule_ids).unwrap_or_default();
    let matches_rule_ids = first(&rec.firewall_matches_rule_ids).unwrap_or_default();
    let security_sources = first(&rec.security_sources).unwrap_or_default();
    let matches_sources = first(&rec.firewall_matches_sources).unwrap_or_default();
    let pick = |candidates: &[&Scalar<'_>]| -> Option<Str> {
        candidates
            .iter()
            .find_map(|value| value.trimmed().map(Str::from))
    };
    let rule = FirewallRule {
        uid: pick(&[
            &rec.rule_id,
            &rec.security_rule_id,
            &rec.waf_rule_id,
            &security_rule_ids,
            &matches_rule_ids,
        ]),
        name: pick(&[
            &rec.description,
            &rec.security_rule_description,
            &rec.waf_rule_message,
        ]),
        type_name: pick(&[&rec.source, &security_sources, &matches_sources]),
        ..FirewallRule::default()
    };
    if rule.uid.is_some() || rule.name.is_some() || rule.type_name.is_some() {
        event.firewall_rule = Some(Box::new(rule));
    }
}

fn fill_unmapped(rec: &CisRecord<'_>, unmapped: &mut Map<String, Value>) {
    for (key, value) in [
        ("WAFAttackScore", &rec.waf_attack_score),
        ("WAFSQLiAttackScore", &rec.waf_sqli_attack_score),
        ("WAFXSSAttackScore", &rec.waf_xss_attack_score),
        ("WAFRCEAttackScore", &rec.waf_rce_attack_score),
        ("BotScore", &rec.bot_score),
        ("BotScoreSrc", &rec.bot_score_src),
        ("ClientIPClass", &rec.client_ip_class),
        ("EdgeColoCode", &rec.edge_colo_code),
        ("Kind", &rec.kind),
        ("MatchIndex", &rec.match_index),
        ("OriginatorRayID", &rec.originator_ray_id),
    ] {
        if !matches!(value, Scalar::Null | Scalar::Other) {
            unmapped.insert(key.to_owned(), value.to_value());
        }
    }
    if let Some(metadata) = rec.metadata {
        unmapped.insert("Metadata".to_owned(), jsonutil::raw_to_value(metadata));
    }
}
