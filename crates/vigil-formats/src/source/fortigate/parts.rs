//! Building blocks of the FortiGate mapping: endpoints, users, rules, actions, severities,
//! URLs and files from FortiGate's own values.

use vigil_model::{
    ActionId, ActivityId, ConnectionInfo, DispositionId, Endpoint, Event, File, Fingerprint,
    FirewallRule, Location, Named, SeverityId, Str, Traffic, Url, User,
};

use super::fields::Fgt;
use super::non_empty;

/// Endpoints, connection, rule, application, user and action of a session.
pub(super) fn fill_session(fgt: &Fgt<'_>, event: &mut Event) {
    let (src, dst) = endpoints(fgt);
    event.src_endpoint = Some(Box::new(src));
    event.dst_endpoint = Some(Box::new(dst));
    let protocol_num = fgt.proto.parse::<u8>().ok();
    if protocol_num.is_some() || !fgt.sessionid.is_empty() {
        event.connection_info = Some(ConnectionInfo {
            protocol_num,
            protocol_name: protocol_num.and_then(protocol_name).map(Str::const_new),
            uid: non_empty(fgt.sessionid),
            ..ConnectionInfo::default()
        });
    }
    let appcat = Some(fgt.appcat).filter(|c| !matches!(*c, "unscanned" | "unknown"));
    event.app_name = [Some(fgt.app), appcat, Some(fgt.service)]
        .into_iter()
        .flatten()
        .find(|s| !s.is_empty())
        .map(Str::from);
    event.firewall_rule = firewall_rule(fgt);
    set_action(event, fgt.action);
    if let Some(name) = real_user(fgt.user) {
        event.actor_mut().user = Some(User {
            name: Some(name.into()),
            groups: real_user(fgt.group)
                .map(|group| Named { name: group.into() })
                .into_iter()
                .collect(),
            ..User::default()
        });
    }
}

pub(super) fn set_traffic(fgt: &Fgt<'_>, event: &mut Event) {
    let counts = Traffic {
        bytes_out: fgt.sentbyte.parse().ok(),
        bytes_in: fgt.rcvdbyte.parse().ok(),
        packets_out: fgt.sentpkt.parse().ok(),
        packets_in: fgt.rcvdpkt.parse().ok(),
        ..Traffic::default()
    }
    .with_totals();
    if counts != Traffic::default() {
        event.traffic = Some(counts);
    }
}

/// Source and destination with interfaces, countries and NAT (`transip`/`transport` is the
/// source NAT, `tranip`/`tranport` the destination NAT).
pub(super) fn endpoints(fgt: &Fgt<'_>) -> (Endpoint, Endpoint) {
    let src = Endpoint {
        ip: non_empty(fgt.srcip),
        port: port(fgt.srcport),
        hostname: non_empty(fgt.srcname),
        mac: non_empty(fgt.srcmac),
        interface_name: non_empty(fgt.srcintf),
        location: country(fgt.srccountry),
        proxy_endpoint: nat(fgt.transip, fgt.transport),
        ..Endpoint::default()
    };
    let dst = Endpoint {
        ip: non_empty(fgt.dstip),
        port: port(fgt.dstport),
        hostname: non_empty(fgt.dstname),
        mac: non_empty(fgt.dstmac),
        interface_name: non_empty(fgt.dstintf),
        location: country(fgt.dstcountry),
        proxy_endpoint: nat(fgt.tranip, fgt.tranport),
        ..Endpoint::default()
    };
    (src, dst)
}

pub(super) fn nat(address: &str, nat_port: &str) -> Option<Box<Endpoint>> {
    let address = non_empty(address).filter(|a| a != "0.0.0.0" && a != "::")?;
    Some(Box::new(Endpoint {
        ip: Some(address),
        port: port(nat_port),
        ..Endpoint::default()
    }))
}

pub(super) fn port(s: &str) -> Option<u16> {
    s.parse().ok().filter(|p| *p != 0)
}

/// A country as FortiGate names it; `Reserved` (private and special addresses) is none.
pub(super) fn country(name: &str) -> Option<Location> {
    (!name.is_empty() && name != "Reserved").then(|| Location {
        country: Some(name.into()),
        ..Location::default()
    })
}

/// A user name, unless empty or FortiGate's `N/A`.
pub(super) fn real_user(name: &str) -> Option<&str> {
    (!name.is_empty() && name != "N/A").then_some(name)
}

/// `ui="https(172.16.1.2)"` → (`https`, `172.16.1.2`).
pub(super) fn ui_parts(ui: &str) -> (&str, &str) {
    match ui.strip_suffix(')').and_then(|inner| inner.split_once('(')) {
        Some((method, address)) => (method, address),
        None => (ui, ""),
    }
}

pub(super) fn firewall_rule(fgt: &Fgt<'_>) -> Option<Box<FirewallRule>> {
    if fgt.policyid.is_empty() && fgt.policyname.is_empty() && fgt.poluuid.is_empty() {
        return None;
    }
    Some(Box::new(FirewallRule {
        name: non_empty(fgt.policyname).or_else(|| non_empty(fgt.policyid)),
        uid: non_empty(fgt.poluuid).or_else(|| non_empty(fgt.policyid)),
        type_name: non_empty(fgt.policytype),
        ..FirewallRule::default()
    }))
}

/// `action_id`, `disposition_id` and `action` from FortiGate's action.
pub(super) fn set_action(event: &mut Event, action: &str) {
    if action.is_empty() {
        return;
    }
    let (action_id, disposition) = match action.to_ascii_lowercase().as_str() {
        "accept" | "close" | "timeout" | "ip-conn" | "dns" | "start" | "server-rst"
        | "client-rst" | "pass" | "passthrough" | "allow" | "permit" | "exempt" => {
            (ActionId::Allowed, Some(DispositionId::ALLOWED))
        }
        "deny" | "denied" | "block" | "blocked" => (ActionId::Denied, Some(DispositionId::BLOCKED)),
        "drop" | "dropped" | "clear_session" | "drop-session" => {
            (ActionId::Denied, Some(DispositionId::DROPPED))
        }
        "reset" | "reset-client" | "reset-server" | "reset-both" => {
            (ActionId::Denied, Some(DispositionId::RESET))
        }
        "detected" | "monitored" | "monitor" | "log-only" | "analytics" => {
            (ActionId::Observed, Some(DispositionId::DETECTED))
        }
        _ => (ActionId::Other, None),
    };
    event.action_id = Some(action_id);
    event.disposition_id = disposition;
    event.action = Some(action.into());
}

/// UTM `severity` words (`critical`, `high`, `medium`, `low`, `info`).
pub(super) fn severity(word: &str) -> Option<SeverityId> {
    Some(match word.to_ascii_lowercase().as_str() {
        "info" | "information" | "informational" => SeverityId::Informational,
        "low" => SeverityId::Low,
        "medium" => SeverityId::Medium,
        "high" => SeverityId::High,
        "critical" => SeverityId::Critical,
        _ => return None,
    })
}

pub(super) fn http_activity(method: &str) -> ActivityId {
    const METHODS: [&str; 9] = [
        "connect", "delete", "get", "head", "options", "post", "put", "trace", "patch",
    ];
    METHODS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(method))
        .map_or(ActivityId::UNKNOWN, |i| ActivityId(i as u8 + 1))
}

/// The URL of a web filtering log: `url` is a path (`/config/`) or a whole URL, `hostname`
/// the host.
pub(super) fn web_url(fgt: &Fgt<'_>) -> Url {
    // Absolute only when what precedes `://` is a scheme (RFC 3986: a letter, then letters,
    // digits, `+`, `-`, `.`): a relative URL may carry `://` in its query
    // (`/?x=${jndi:ldap://h/a}`).
    let is_scheme = |s: &str| {
        s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    };
    let (scheme, rest) = match fgt.url.split_once("://") {
        Some((scheme, rest)) if is_scheme(scheme) => (Some(scheme), rest),
        _ => (None, fgt.url),
    };
    let (host, path_query) = match (scheme, rest.find('/')) {
        (Some(_), Some(slash)) => (
            rest.get(..slash).unwrap_or(""),
            rest.get(slash..).unwrap_or(""),
        ),
        (Some(_), None) => (rest, ""),
        (None, _) => (fgt.hostname, rest),
    };
    let (path, query) = match path_query.split_once('?') {
        Some((path, query)) => (path, non_empty(query)),
        None => (path_query, None),
    };
    let url_string = match scheme {
        Some(_) => fgt.url.into(),
        None => compact_str::format_compact!("{host}{path_query}"),
    };
    Url {
        url_string: (!url_string.is_empty()).then_some(url_string),
        scheme: scheme.and_then(non_empty),
        hostname: non_empty(host).or_else(|| non_empty(fgt.hostname)),
        path: non_empty(path),
        query_string: query,
        ..Url::default()
    }
}

/// The file a detection was in; `analyticscksum` is its SHA-256.
pub(super) fn file(fgt: &Fgt<'_>) -> Option<File> {
    if fgt.filename.is_empty() && fgt.analyticscksum.is_empty() {
        return None;
    }
    Some(File {
        name: non_empty(fgt.filename),
        type_name: non_empty(fgt.filetype),
        hashes: non_empty(fgt.analyticscksum)
            .map(|value| Fingerprint {
                algorithm: (value.len() == 64).then_some(Str::const_new("SHA-256")),
                value,
            })
            .into_iter()
            .collect(),
        ..File::default()
    })
}

pub(super) fn protocol_name(number: u8) -> Option<&'static str> {
    Some(match number {
        1 => "icmp",
        6 => "tcp",
        17 => "udp",
        47 => "gre",
        50 => "esp",
        51 => "ah",
        58 => "ipv6-icmp",
        132 => "sctp",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ui_addresses() {
        assert_eq!(ui_parts("https(172.16.1.2)"), ("https", "172.16.1.2"));
        assert_eq!(ui_parts("GUI(192.168.1.69)"), ("GUI", "192.168.1.69"));
        assert_eq!(ui_parts("console"), ("console", ""));
    }
}
