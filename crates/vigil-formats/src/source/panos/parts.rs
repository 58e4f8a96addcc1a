//! Building blocks of the PAN-OS mapping: endpoints, users, rules, actions, severities, URLs
//! and files from PAN-OS's own values.

use vigil_model::{
    ActionId, ActivityId, ConnectionInfo, DispositionId, Endpoint, Event, File, Fingerprint,
    FirewallRule, Location, SeverityId, StatusId, Str, Url, User,
};

use super::fields::{session, threat};
use super::{non_empty, Log};

/// Endpoints, connection, rule, application, action, user and repeat count of a session log.
pub(super) fn fill_session(log: &Log<'_>, event: &mut Event, locations: Option<(usize, usize)>) {
    let (src, dst) = endpoints(log, locations);
    event.src_endpoint = Some(Box::new(src));
    event.dst_endpoint = Some(Box::new(dst));
    let proto = log.get(session::PROTO);
    let session_id = log.get(session::SESSIONID);
    if !proto.is_empty() || !session_id.is_empty() {
        event.connection_info = Some(ConnectionInfo {
            protocol_num: protocol_num(proto),
            protocol_name: non_empty(proto),
            uid: non_empty(session_id),
            ..ConnectionInfo::default()
        });
    }
    event.app_name = non_empty(log.get(session::APP));
    event.firewall_rule = firewall_rule(log.get(session::RULE), "");
    set_action(event, log.get(session::ACTION));
    if let Some(user) = user(log.get(session::SRCUSER)) {
        event.actor_mut().user = Some(user);
    }
    event.count = number(log.get(session::REPEATCNT));
}

/// Source and destination of a session log, with zones, interfaces, locations and NAT.
pub(super) fn endpoints(log: &Log<'_>, locations: Option<(usize, usize)>) -> (Endpoint, Endpoint) {
    let (srcloc, dstloc) = match locations {
        Some((s, d)) => (location(log.get(s)), location(log.get(d))),
        None => (None, None),
    };
    let src = Endpoint {
        ip: ip(log.get(session::SRC)),
        port: port(log.get(session::SPORT)),
        zone: non_empty(log.get(session::FROM)),
        interface_name: non_empty(log.get(session::INBOUND_IF)),
        location: srcloc,
        proxy_endpoint: nat(
            (log.get(session::NATSRC), log.get(session::NATSPORT)),
            (log.get(session::SRC), log.get(session::SPORT)),
        ),
        ..Endpoint::default()
    };
    let dst = Endpoint {
        ip: ip(log.get(session::DST)),
        port: port(log.get(session::DPORT)),
        zone: non_empty(log.get(session::TO)),
        interface_name: non_empty(log.get(session::OUTBOUND_IF)),
        location: dstloc,
        proxy_endpoint: nat(
            (log.get(session::NATDST), log.get(session::NATDPORT)),
            (log.get(session::DST), log.get(session::DPORT)),
        ),
        ..Endpoint::default()
    };
    (src, dst)
}

/// The address and port NAT translated an endpoint to, unless unspecified (`0.0.0.0`) or the
/// same as the original (no translation).
pub(super) fn nat(translated: (&str, &str), original: (&str, &str)) -> Option<Box<Endpoint>> {
    let address = ip(translated.0)?;
    let translated_port = port(translated.1);
    if address == original.0 && translated_port == port(original.1) {
        return None;
    }
    Some(Box::new(Endpoint {
        ip: Some(address),
        port: translated_port,
        ..Endpoint::default()
    }))
}

/// An address, unless empty or unspecified (`0.0.0.0`, `::`).
pub(super) fn ip(s: &str) -> Option<Str> {
    non_empty(s).filter(|s| s != "0.0.0.0" && s != "::")
}

/// A port, unless absent or 0 (PAN-OS writes 0 for protocols without ports).
pub(super) fn port(s: &str) -> Option<u16> {
    s.parse().ok().filter(|p| *p != 0)
}

pub(super) fn number(s: &str) -> Option<u64> {
    s.parse().ok()
}

/// A country as PAN-OS names it (`United States`, `US`); address ranges such as
/// `10.0.0.0-10.255.255.255` (private space) are not locations.
pub(super) fn location(s: &str) -> Option<Location> {
    if s.is_empty() || s.bytes().any(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(Location {
        country: Some(s.into()),
        ..Location::default()
    })
}

/// A user as written (`dart\abluitt`), with the domain split out when there is one.
pub(super) fn user(name: &str) -> Option<User> {
    if name.is_empty() {
        return None;
    }
    let domain = name
        .split_once('\\')
        .map(|(domain, _)| domain)
        .filter(|d| !d.is_empty());
    Some(User {
        name: Some(name.into()),
        domain: domain.map(Str::from),
        ..User::default()
    })
}

pub(super) fn firewall_rule(name: &str, uid: &str) -> Option<Box<FirewallRule>> {
    if name.is_empty() && uid.is_empty() {
        return None;
    }
    Some(Box::new(FirewallRule {
        name: non_empty(name),
        uid: non_empty(uid),
        ..FirewallRule::default()
    }))
}

pub(super) fn set_rule_uid(event: &mut Event, uid: &str) {
    if uid.is_empty() {
        return;
    }
    event.firewall_rule.get_or_insert_with(Box::default).uid = Some(uid.into());
}

/// `action_id`, `disposition_id` and `action` from the PAN-OS action.
pub(super) fn set_action(event: &mut Event, action: &str) {
    if action.is_empty() {
        return;
    }
    let (action_id, disposition) = match action {
        "allow" | "continue" | "override" => (ActionId::Allowed, Some(DispositionId::ALLOWED)),
        "alert" => (ActionId::Allowed, Some(DispositionId::ALERT)),
        "deny" | "block" | "block-url" | "block-continue" | "block-override" | "block-ip"
        | "sinkhole" => (ActionId::Denied, Some(DispositionId::BLOCKED)),
        "drop" | "drop-icmp" | "drop-all" | "drop-all-packets" | "random-drop" => {
            (ActionId::Denied, Some(DispositionId::DROPPED))
        }
        "reset-client" | "reset-server" | "reset-both" => {
            (ActionId::Denied, Some(DispositionId::RESET))
        }
        _ => (ActionId::Other, None),
    };
    event.action_id = Some(action_id);
    event.disposition_id = disposition;
    event.action = Some(action.into());
}

/// PAN-OS severity words.
pub(super) fn severity(word: &str) -> Option<SeverityId> {
    Some(match word {
        "informational" | "info" => SeverityId::Informational,
        "low" => SeverityId::Low,
        "medium" => SeverityId::Medium,
        "high" => SeverityId::High,
        "critical" => SeverityId::Critical,
        _ => return None,
    })
}

pub(super) fn threat_severity(log: &Log<'_>) -> SeverityId {
    severity(log.get(threat::SEVERITY))
        .or(log.cef_severity)
        .unwrap_or(SeverityId::Unknown)
}

/// `success` / `Succeeded` → Success; `failure` / `Failed` / `auth-fail` → Failure.
pub(super) fn status(word: &str) -> Option<StatusId> {
    let word = word.to_ascii_lowercase();
    if word.contains("fail") {
        Some(StatusId::Failure)
    } else if word.contains("succe") {
        Some(StatusId::Success)
    } else {
        None
    }
}

/// Splits PAN-OS's `Name(id)` threat field: `Microsoft RPC Endpoint Mapper Detection(30845)`,
/// `Windows Executable (EXE)(52020)`, `(9999)` for URL logs. A bare number is an id.
pub(super) fn threat_name_id(s: &str) -> (&str, &str) {
    if let Some(inner) = s.strip_suffix(')') {
        if let Some((name, id)) = inner.rsplit_once('(') {
            return (name.trim_end(), id);
        }
    }
    if !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()) {
        return ("", s);
    }
    (s, "")
}

/// HTTP Activity's activity from the method.
pub(super) fn http_activity(method: &str) -> ActivityId {
    const METHODS: [&str; 9] = [
        "connect", "delete", "get", "head", "options", "post", "put", "trace", "patch",
    ];
    METHODS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(method))
        .map_or(ActivityId::UNKNOWN, |i| ActivityId(i as u8 + 1))
}

/// A URL as PAN-OS logs it: `host/path?query`, sometimes with a scheme.
pub(super) fn parse_url(text: &str) -> Url {
    let (scheme, rest) = match text.split_once("://") {
        Some((scheme, rest)) => (non_empty(scheme), rest),
        None => (None, text),
    };
    let host_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let host_port = rest.get(..host_end).unwrap_or("");
    let (hostname, url_port) = match host_port.rsplit_once(':') {
        Some((host, p)) if !host.contains(':') => (host, p.parse().ok()),
        _ => (host_port, None),
    };
    let path_query = rest.get(host_end..).unwrap_or("");
    let (path, query) = match path_query.split_once('?') {
        Some((path, query)) => (path, non_empty(query)),
        None => (path_query, None),
    };
    Url {
        url_string: non_empty(text),
        scheme,
        hostname: non_empty(hostname),
        port: url_port,
        path: non_empty(path),
        query_string: query,
        ..Url::default()
    }
}

/// Adds the categories of a comma-separated list, once each.
pub(super) fn push_categories(categories: &mut Vec<Str>, list: &str) {
    for category in list.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        if !categories.iter().any(|c| c == category) {
            categories.push(category.into());
        }
    }
}

/// The file a threat was found in, with its digest when PAN-OS gives one.
pub(super) fn file(name: &str, file_type: &str, digest: &str) -> Option<File> {
    if name.is_empty() && digest.is_empty() {
        return None;
    }
    let algorithm = match digest.len() {
        32 => Some("MD5"),
        40 => Some("SHA-1"),
        64 => Some("SHA-256"),
        _ => None,
    };
    Some(File {
        name: non_empty(name),
        type_name: non_empty(file_type),
        hashes: non_empty(digest)
            .map(|value| Fingerprint {
                algorithm: algorithm.map(Str::from),
                value,
            })
            .into_iter()
            .collect(),
        ..File::default()
    })
}

/// IANA number of a protocol name.
pub(super) fn protocol_num(name: &str) -> Option<u8> {
    Some(match name {
        "icmp" => 1,
        "tcp" => 6,
        "udp" => 17,
        "gre" => 47,
        "esp" => 50,
        "ah" => 51,
        "ipv6-icmp" | "icmp6" => 58,
        "sctp" => 132,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threat_names_and_ids() {
        assert_eq!(
            threat_name_id("Microsoft RPC Endpoint Mapper Detection(30845)"),
            ("Microsoft RPC Endpoint Mapper Detection", "30845")
        );
        assert_eq!(
            threat_name_id("Windows Executable (EXE)(52020)"),
            ("Windows Executable (EXE)", "52020")
        );
        assert_eq!(threat_name_id("(9999)"), ("", "9999"));
        assert_eq!(threat_name_id("40001"), ("", "40001"));
        assert_eq!(threat_name_id("Eicar"), ("Eicar", ""));
        assert_eq!(threat_name_id(""), ("", ""));
    }

    #[test]
    fn urls() {
        let url = parse_url("consent.cmp.oath.com/");
        assert_eq!(url.hostname.as_deref(), Some("consent.cmp.oath.com"));
        assert_eq!(url.path.as_deref(), Some("/"));
        let url = parse_url("https://a.example:8443/x/y?q=1");
        assert_eq!(url.scheme.as_deref(), Some("https"));
        assert_eq!(url.hostname.as_deref(), Some("a.example"));
        assert_eq!(url.port, Some(8443));
        assert_eq!(url.path.as_deref(), Some("/x/y"));
        assert_eq!(url.query_string.as_deref(), Some("q=1"));
    }

    #[test]
    fn actions() {
        let mut event = Event::default();
        set_action(&mut event, "reset-both");
        assert_eq!(event.action_id, Some(ActionId::Denied));
        assert_eq!(event.disposition_id, Some(DispositionId::RESET));
        set_action(&mut event, "alert");
        assert_eq!(event.action_id, Some(ActionId::Allowed));
        assert_eq!(event.disposition_id, Some(DispositionId::ALERT));
        set_action(&mut event, "something-new");
        assert_eq!(event.action_id, Some(ActionId::Other));
        assert_eq!(event.disposition_id, None);
    }
}
