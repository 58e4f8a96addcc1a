//! What the analytics read of an event, extracted once.
//!
//! An [`Observation`] is small (a few hundred bytes, no record bytes), so a parallel reader can
//! extract observations on its worker threads, collect and sort them by time, and feed them to
//! the one stateful [`Analytics`](super::Analytics) afterwards, without keeping whole events.

use std::net::IpAddr;

use vigil_model::{ClassUid, Event, Provenance, SourceType, StatusId, Str, User};

/// A connection (Network or HTTP Activity) seen from its initiator.
#[derive(Clone, Debug, PartialEq)]
pub struct Connection {
    /// The initiator's address.
    pub src_ip: IpAddr,
    /// The responder's address, when the event has one.
    pub dst_ip: Option<IpAddr>,
    /// The responder's port.
    pub dst_port: Option<u16>,
    /// The responder's host name (HTTP host, URL host, endpoint host name or domain).
    pub dst_name: Option<Str>,
    /// When the connection (or this window of it) started: `start_time`, else `time` (ms).
    pub started_ms: i64,
    /// Whether this event opens a connection. False for a VPC flow log window of a connection
    /// opened in an earlier window (`was_initiated: false`), so one long connection is not
    /// counted once a minute.
    pub opens: bool,
    /// Bytes from the initiator (`traffic.bytes_out`).
    pub bytes_out: u64,
    /// Bytes to the initiator (`traffic.bytes_in`).
    pub bytes_in: u64,
}

/// Who acted, from where (API Activity, Authentication, Account Change…).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Identity {
    /// The user, service ID or principal (`uid`, else `name`).
    pub user: Option<Str>,
    /// The API key or access key used (`credential_uid`).
    pub api_key: Option<Str>,
    /// The caller's address, as written.
    pub src_ip: Option<Str>,
    /// The caller's country (ISO 3166-1 alpha-2, upper case).
    pub country: Option<Str>,
    /// The caller's autonomous system number.
    pub asn: Option<u32>,
    /// The API operation (`api.operation`).
    pub operation: Option<Str>,
    /// Whether the event is an API call (counts towards the API call rate).
    pub api_call: bool,
    /// Whether the action succeeded (`status_id` is not Failure). Only successes teach or
    /// trigger first-seen detections: an attacker's failed attempts must not make their address
    /// "known" before the attempt that works.
    pub succeeded: bool,
}

/// The part of an event the analytics use.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    /// Event time (ms).
    pub time: i64,
    /// The event's source type.
    pub source_type: SourceType,
    /// OCSF class name.
    pub class_name: &'static str,
    /// Where the event's record is.
    pub provenance: Provenance,
    /// The connection, for Network and HTTP Activity with a parseable source address.
    pub connection: Option<Connection>,
    /// The identity, for events naming a user or an API key.
    pub identity: Option<Identity>,
}

impl Observation {
    /// What the analytics need of `event`; `None` when no analytic uses it.
    pub fn from_event(event: &Event) -> Option<Observation> {
        let connection = connection(event);
        let identity = identity(event);
        if connection.is_none() && identity.is_none() {
            return None;
        }
        Some(Observation {
            time: event.time,
            source_type: event.source_type,
            class_name: event.class_uid.name(),
            provenance: event.provenance.clone(),
            connection,
            identity,
        })
    }
}

fn parse_ip(text: Option<&str>) -> Option<IpAddr> {
    let text = text?.trim();
    let text = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    let first = *text.as_bytes().first()?;
    if !(first.is_ascii_hexdigit() || first == b':') {
        return None;
    }
    text.parse().ok()
}

fn non_empty(s: Option<&Str>) -> Option<Str> {
    s.map(|s| s.trim())
        .filter(|s| !s.is_empty() && *s != "-")
        .map(Str::from)
}

fn connection(event: &Event) -> Option<Connection> {
    if !matches!(
        event.class_uid,
        ClassUid::NetworkActivity | ClassUid::HttpActivity
    ) {
        return None;
    }
    let src = event.src_endpoint.as_deref()?;
    let src_ip = parse_ip(src.ip.as_deref())?;
    let dst = event.dst_endpoint.as_deref();
    let dst_ip = dst.and_then(|d| parse_ip(d.ip.as_deref()));
    let url_host = event
        .http_request
        .as_ref()
        .and_then(|r| r.url.as_ref())
        .and_then(|u| u.hostname.as_ref());
    let dst_name = non_empty(url_host)
        .or_else(|| dst.and_then(|d| non_empty(d.hostname.as_ref())))
        .or_else(|| dst.and_then(|d| non_empty(d.domain.as_ref())))
        .map(|name| Str::from(name.trim_end_matches('.').to_ascii_lowercase()));
    if dst_ip.is_none() && dst_name.is_none() {
        return None;
    }
    let was_initiated = event
        .unmapped
        .get("was_initiated")
        .and_then(serde_json::Value::as_bool);
    let traffic = event.traffic.unwrap_or_default();
    Some(Connection {
        src_ip,
        dst_ip,
        dst_port: dst.and_then(|d| d.port),
        dst_name,
        started_ms: event.start_time.unwrap_or(event.time),
        opens: was_initiated != Some(false),
        bytes_out: traffic.bytes_out.unwrap_or(0),
        bytes_in: traffic.bytes_in.unwrap_or(0),
    })
}

fn identity(event: &Event) -> Option<Identity> {
    let actor_user = event.actor.as_ref().and_then(|a| a.user.as_ref());
    let subject_user = match event.class_uid {
        ClassUid::Authentication => event.user.as_deref(),
        _ => None,
    };
    let user: &User = actor_user.or(subject_user)?;
    let name = non_empty(user.uid.as_ref()).or_else(|| non_empty(user.name.as_ref()));
    let api_key = non_empty(user.credential_uid.as_ref());
    if name.is_none() && api_key.is_none() {
        return None;
    }
    let src = event.src_endpoint.as_deref();
    let location = src.and_then(|s| s.location.as_ref());
    let operation = event
        .api
        .as_ref()
        .and_then(|api| non_empty(Some(&api.operation)));
    Some(Identity {
        user: name,
        api_key,
        src_ip: src.and_then(|s| non_empty(s.ip.as_ref())),
        country: location
            .and_then(|l| non_empty(l.country.as_ref()))
            .map(|c| Str::from(c.to_ascii_uppercase())),
        asn: src
            .and_then(|s| s.autonomous_system.as_ref())
            .and_then(|a| a.number)
            .filter(|n| *n != 0),
        api_call: event.class_uid == ClassUid::ApiActivity,
        operation,
        succeeded: event.status_id != Some(StatusId::Failure),
    })
}
