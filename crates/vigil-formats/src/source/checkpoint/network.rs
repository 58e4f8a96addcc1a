//! Connection logs: Network Activity, and the endpoints detections share.

use vigil_model::{
    ActivityId, ClassUid, ConnectionInfo, DirectionId, Endpoint, Event, FirewallRule, Str, Traffic,
};

use super::map::set_other_activity;
use super::{mark_firewall, Log};
use crate::source::generic_text::protocol;

/// Connection logs: Network Activity.
pub(super) fn network(log: &Log<'_>, event: &mut Event) {
    event.class_uid = ClassUid::NetworkActivity;
    let action = log.get("action");
    event.activity_id = match action.map(str::to_ascii_lowercase).as_deref() {
        Some("accept" | "allow" | "encrypt" | "decrypt" | "bypass" | "inspect") => ActivityId::OPEN,
        Some("drop" | "reject" | "block" | "prevent") => ActivityId::REFUSE,
        _ => ActivityId::UNKNOWN,
    };
    if event.activity_id == ActivityId::UNKNOWN {
        set_other_activity(event, action);
    }
    let (src, dst) = endpoints(log);
    event.src_endpoint = Some(Box::new(src));
    event.dst_endpoint = Some(Box::new(dst));
    event.connection_info = connection_info(log);
    let names: Vec<&str> = ["rule_name", "rule_uid", "layer_name"]
        .iter()
        .map(|k| log.get(k).unwrap_or(""))
        .collect();
    if names.iter().any(|n| !n.is_empty()) {
        let non_empty = |s: &str| (!s.is_empty()).then(|| Str::from(s));
        event.firewall_rule = Some(Box::new(FirewallRule {
            name: names.first().copied().and_then(non_empty),
            uid: names.get(1).copied().and_then(non_empty),
            category: names.get(2).copied().and_then(non_empty),
            ..FirewallRule::default()
        }));
    }
    let traffic = Traffic {
        bytes_out: log.number("client_outbound_bytes"),
        bytes_in: log.number("client_inbound_bytes"),
        packets_out: log.number("client_outbound_packets"),
        packets_in: log.number("client_inbound_packets"),
        bytes: log.number("bytes"),
        packets: log.number("packets"),
    }
    .with_totals();
    if traffic != Traffic::default() {
        event.traffic = Some(traffic);
    }
    event.duration = log
        .number::<i64>("duration")
        .map(|secs| secs.saturating_mul(1000));
    event.app_name = log.get("appi_name").map(Str::from);
    if let Some(user) = log.get("src_user_name") {
        event.actor_mut().user_mut().name = Some(user.into());
    }
    mark_firewall(event);
}

/// Source and destination endpoints, with zones, interface and NAT.
pub(super) fn endpoints(log: &Log<'_>) -> (Endpoint, Endpoint) {
    let mut src = Endpoint {
        ip: log.get("src").map(Str::from),
        port: log.number("s_port"),
        zone: log.get("inzone").map(Str::from),
        hostname: log.get("src_machine_name").map(Str::from),
        proxy_endpoint: nat(log, "xlatesrc", "xlatesport"),
        ..Endpoint::default()
    };
    let mut dst = Endpoint {
        ip: log.get("dst").map(Str::from),
        port: log.number("service"),
        zone: log.get("outzone").map(Str::from),
        hostname: log.get("dst_machine_name").map(Str::from),
        proxy_endpoint: nat(log, "xlatedst", "xlatedport"),
        ..Endpoint::default()
    };
    // `ifname` is the interface the gateway logged on: the side the packet came from
    // (inbound) or went to (outbound).
    if let Some(interface) = log.get("ifname").filter(|i| *i != "daemon") {
        match direction_of_interface(log) {
            Some(DirectionId::Outbound) => dst.interface_name = Some(interface.into()),
            _ => src.interface_name = Some(interface.into()),
        }
    }
    (src, dst)
}

/// A NAT translation: `0.0.0.0` and port `0` mean "not translated".
fn nat(log: &Log<'_>, ip_key: &str, port_key: &str) -> Option<Box<Endpoint>> {
    let ip = log.get(ip_key).filter(|ip| *ip != "0.0.0.0" && *ip != "::");
    let port = log.number::<u16>(port_key).filter(|p| *p != 0);
    if ip.is_none() && port.is_none() {
        return None;
    }
    Some(Box::new(Endpoint {
        ip: ip.map(Str::from),
        port,
        ..Endpoint::default()
    }))
}

/// `ifdir` (or CEF `deviceDirection`, 0 inbound 1 outbound).
fn direction_of_interface(log: &Log<'_>) -> Option<DirectionId> {
    let dir = log.get("ifdir").or_else(|| {
        log.cef
            .as_ref()
            .and(log.exact("deviceDirection"))
            .map(|d| match d {
                "0" => "inbound",
                "1" => "outbound",
                other => other,
            })
    })?;
    match dir.to_ascii_lowercase().as_str() {
        "inbound" => Some(DirectionId::Inbound),
        "outbound" => Some(DirectionId::Outbound),
        _ => None,
    }
}

/// Protocol and direction.
fn connection_info(log: &Log<'_>) -> Option<ConnectionInfo> {
    // `conn_direction` is the connection's direction across the policy; `ifdir` only the
    // packet's at the interface, so it is the fallback.
    let direction = match log
        .get("conn_direction")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("incoming") => Some(DirectionId::Inbound),
        Some("outgoing") => Some(DirectionId::Outbound),
        Some("internal") => Some(DirectionId::Lateral),
        _ => direction_of_interface(log),
    };
    let (protocol_num, protocol_name) = protocol(log.get("proto").unwrap_or(""));
    let info = ConnectionInfo {
        protocol_num,
        protocol_name,
        direction_id: direction,
        ..ConnectionInfo::default()
    };
    let empty =
        info.protocol_num.is_none() && info.protocol_name.is_none() && info.direction_id.is_none();
    (!empty).then_some(info)
}
