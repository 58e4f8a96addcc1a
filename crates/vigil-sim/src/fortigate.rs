//! Fortinet FortiGate logs in FortiOS's default key=value format.
//!
//! Two devices: a FortiOS 7.x edge firewall that sends `<PRI>date=… ` with no syslog header
//! and nanosecond `eventtime`, and an older branch firewall whose lines reach us through a
//! relay that prefixes an RFC 3339 time and its own address, with `eventtime` in seconds.
//! Strings are double-quoted, numbers and addresses are not, as in the samples. The mix is
//! mostly forward traffic, then UTM (IPS, web filter, antivirus, application control) and
//! events (administrator logins, configuration changes, SSL VPN).

use crate::estate::Estate;
use crate::rng::Rng;
use crate::text::{
    push_clock, push_date, push_ipv4, push_json_escaped, push_rfc3339, push_u64, Civil, Zone,
};
use crate::Stream;

/// Mean time between two lines.
pub(crate) const MEAN_GAP_MS: u64 = 40;

/// Name, serial, relay (None: sent directly), eventtime in nanoseconds.
const DEVICES: [(&str, &str, Option<&str>, bool); 2] = [
    ("FGT-EDGE-01", "FG100FTK21004711", None, true),
    (
        "FGT-BRANCH-02",
        "FGT60E4Q16001234",
        Some("10.250.0.5"),
        false,
    ),
];

const SERVICES: [(&str, u64, u64); 6] = [
    ("HTTPS", 443, 6),
    ("HTTP", 80, 6),
    ("DNS", 53, 17),
    ("SSH", 22, 6),
    ("RDP", 3389, 6),
    ("NTP", 123, 17),
];

const ATTACKS: [(&str, u64, &str); 4] = [
    (
        "Apache.Log4j.Error.Log.Remote.Code.Execution",
        51006,
        "critical",
    ),
    ("HTTP.URI.SQL.Injection", 15621, "high"),
    ("SSH.Connection.Brute.Force", 18896, "medium"),
    ("Nmap.Script.Scanner", 40150, "low"),
];

/// Appends `n` lines.
pub(crate) fn write(stream: &mut Stream, estate: &Estate, n: usize, out: &mut Vec<u8>) {
    for _ in 0..n {
        let now = stream.tick(MEAN_GAP_MS);
        let session = stream.next_count();
        let routine = stream.routine();
        line(out, &mut stream.rng, estate, now, session, routine);
    }
}

/// The devices' names, for stories that name the firewall.
pub(crate) fn device_name(device: usize) -> &'static str {
    DEVICES[device % DEVICES.len()].0
}

/// Appends an administrator login (failed or not) on `device` from `src` over `method`
/// (`https` or `ssh`) as user `user`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn story_admin_login(
    out: &mut Vec<u8>,
    rng: &mut Rng,
    now: i64,
    device: usize,
    src: u32,
    user: &str,
    method: &str,
    failed: bool,
) {
    let (logid, level) = if failed {
        ("0100032002", "alert")
    } else {
        ("0100032001", "information")
    };
    header(
        out,
        rng,
        now,
        DEVICES[device % DEVICES.len()],
        logid,
        "event",
        "system",
        level,
        "190",
    );
    admin_login(out, src, user, method, failed);
    out.push(b'\n');
}

/// The syslog or relay prefix and the fields every log starts with.
#[allow(clippy::too_many_arguments)]
fn header(
    out: &mut Vec<u8>,
    rng: &mut Rng,
    now: i64,
    (name, serial, relay, nanos): (&str, &str, Option<&str>, bool),
    logid: &str,
    kind_name: &str,
    subtype: &str,
    level: &str,
    pri: &str,
) {
    match relay {
        Some(relay) => {
            push_rfc3339(out, now, rng.below(1000) as u32 * 1000, 6, Zone::Colon);
            out.push(b' ');
            out.extend_from_slice(relay.as_bytes());
            out.push(b' ');
        }
        None => {
            out.push(b'<');
            out.extend_from_slice(pri.as_bytes());
            out.push(b'>');
        }
    }
    let civil = Civil::from_ms(now);
    out.extend_from_slice(b"date=");
    push_date(out, &civil, b'-');
    out.extend_from_slice(b" time=");
    push_clock(out, &civil);
    quoted(out, "devname", name);
    quoted(out, "devid", serial);
    let eventtime = if nanos {
        (now as u64) * 1_000_000 + rng.below(1_000_000)
    } else {
        now as u64 / 1000
    };
    num(out, "eventtime", eventtime);
    quoted(out, "tz", "+0000");
    quoted(out, "logid", logid);
    quoted(out, "type", kind_name);
    quoted(out, "subtype", subtype);
    quoted(out, "level", level);
    quoted(out, "vd", "root");
}

/// Appends ` key=value` (unquoted).
fn raw(out: &mut Vec<u8>, key: &str, value: &str) {
    out.push(b' ');
    out.extend_from_slice(key.as_bytes());
    out.push(b'=');
    out.extend_from_slice(value.as_bytes());
}

/// Appends ` key="value"`.
fn quoted(out: &mut Vec<u8>, key: &str, value: &str) {
    out.push(b' ');
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"=\"");
    // FortiOS escapes quotes like JSON does; the values here never need more.
    push_json_escaped(out, value);
    out.push(b'"');
}

fn num(out: &mut Vec<u8>, key: &str, value: u64) {
    out.push(b' ');
    out.extend_from_slice(key.as_bytes());
    out.push(b'=');
    push_u64(out, value);
}

fn ip(out: &mut Vec<u8>, key: &str, value: u32) {
    out.push(b' ');
    out.extend_from_slice(key.as_bytes());
    out.push(b'=');
    push_ipv4(out, value);
}

fn line(out: &mut Vec<u8>, rng: &mut Rng, estate: &Estate, now: i64, session: u64, routine: bool) {
    let device = *rng.pick(&DEVICES);
    let name = device.0;
    let mut kind = rng.below(100);
    if routine && (90..=91).contains(&kind) {
        // No malware crosses the firewall on a routine day.
        kind = 92;
    }
    let (logid, kind_name, subtype, level, pri): (&str, &str, &str, &str, &str) = match kind {
        0..=79 => ("0000000013", "traffic", "forward", "notice", "189"),
        80..=84 => ("0419016384", "utm", "ips", "alert", "185"),
        85..=89 => ("0316013056", "utm", "webfilter", "warning", "188"),
        90..=91 => ("0211008192", "utm", "virus", "warning", "188"),
        92..=94 => ("1059028704", "utm", "app-ctrl", "information", "190"),
        95..=97 => ("0100032001", "event", "system", "information", "190"),
        98 => ("0100044547", "event", "system", "information", "190"),
        _ => ("0101039947", "event", "vpn", "information", "190"),
    };
    // An administrator login that failed has its own id and level.
    let failed_login = logid == "0100032001" && rng.chance(250);
    let (logid, level) = if failed_login {
        ("0100032002", "alert")
    } else {
        (logid, level)
    };

    header(out, rng, now, device, logid, kind_name, subtype, level, pri);

    let inside = rng.pick(&estate.instances);
    let outside = if rng.chance(100) {
        *rng.pick(&estate.scanners)
    } else {
        *rng.pick(&estate.clients)
    };
    let outbound = rng.chance(600);
    let (src, dst) = if outbound {
        (inside.ip, outside)
    } else {
        (outside, inside.floating_ip.unwrap_or(inside.ip))
    };
    let (service, port, proto) = *rng.pick(&SERVICES);

    match kind_name {
        "traffic" => traffic(out, rng, src, dst, port, proto, service, outbound, session),
        "utm" => utm(out, rng, subtype, src, dst, port, session, routine),
        _ => event(out, rng, estate, logid, subtype, name),
    }
    out.push(b'\n');
}

#[allow(clippy::too_many_arguments)]
fn traffic(
    out: &mut Vec<u8>,
    rng: &mut Rng,
    src: u32,
    dst: u32,
    port: u64,
    proto: u64,
    service: &str,
    outbound: bool,
    session: u64,
) {
    let denied = !outbound && rng.chance(150);
    ip(out, "srcip", src);
    num(out, "srcport", rng.range(1025, 65_000));
    quoted(out, "srcintf", if outbound { "port2" } else { "port1" });
    quoted(out, "srcintfrole", if outbound { "lan" } else { "wan" });
    ip(out, "dstip", dst);
    num(out, "dstport", port);
    quoted(out, "dstintf", if outbound { "port1" } else { "port2" });
    quoted(out, "dstintfrole", if outbound { "wan" } else { "lan" });
    quoted(
        out,
        "srccountry",
        if outbound {
            "Reserved"
        } else {
            "United States"
        },
    );
    quoted(
        out,
        "dstcountry",
        if outbound { "Germany" } else { "Reserved" },
    );
    num(out, "sessionid", session);
    num(out, "proto", proto);
    let action = if denied {
        "deny"
    } else {
        *rng.pick(&[
            "close",
            "close",
            "close",
            "timeout",
            "client-rst",
            "server-rst",
            "accept",
        ])
    };
    quoted(out, "action", action);
    num(out, "policyid", if denied { 0 } else { rng.range(1, 40) });
    quoted(out, "policytype", "policy");
    if !denied {
        quoted(out, "poluuid", "9a3b5c2e-1d4f-51ee-8c0a-0242ac120002");
        quoted(
            out,
            "policyname",
            if outbound {
                "vpc-egress"
            } else {
                "web-inbound"
            },
        );
    }
    quoted(out, "service", service);
    quoted(out, "trandisp", if outbound { "snat" } else { "noop" });
    if outbound {
        raw(out, "transip", "169.48.12.34");
        num(out, "transport", rng.range(1025, 65_000));
    }
    let duration = if denied { 0 } else { rng.heavy(8, 3600) };
    num(out, "duration", duration);
    let sent = if denied {
        0
    } else {
        rng.heavy(1_200, 40_000_000)
    };
    let received = if denied {
        0
    } else {
        rng.heavy(5_000, 400_000_000)
    };
    num(out, "sentbyte", sent);
    num(out, "rcvdbyte", received);
    num(out, "sentpkt", sent / 800 + u64::from(!denied));
    num(out, "rcvdpkt", received / 1200 + u64::from(received > 0));
    quoted(out, "appcat", "unscanned");
    if denied {
        num(out, "crscore", 30);
        num(out, "craction", 131_072);
        quoted(out, "crlevel", "high");
    }
}

#[allow(clippy::too_many_arguments)]
fn utm(
    out: &mut Vec<u8>,
    rng: &mut Rng,
    subtype: &str,
    src: u32,
    dst: u32,
    port: u64,
    session: u64,
    routine: bool,
) {
    match subtype {
        "ips" => {
            let (attack, id, severity) = *rng.pick(&ATTACKS);
            quoted(out, "eventtype", "signature");
            quoted(out, "severity", severity);
            ip(out, "srcip", src);
            num(out, "srcport", rng.range(1025, 65_000));
            ip(out, "dstip", dst);
            num(out, "dstport", port);
            quoted(out, "srcintf", "port1");
            quoted(out, "dstintf", "port2");
            num(out, "sessionid", session);
            num(out, "proto", 6);
            quoted(
                out,
                "action",
                if rng.chance(700) || routine {
                    "dropped"
                } else {
                    "detected"
                },
            );
            num(out, "policyid", 12);
            quoted(out, "attack", attack);
            num(out, "attackid", id);
            quoted(out, "profile", "default");
            quoted(out, "ref", &format!("http://www.fortinet.com/ids/VID{id}"));
            num(
                out,
                "incidentserialno",
                100_000_000 + rng.below(900_000_000),
            );
            quoted(out, "msg", &format!("applications3: {attack},"));
            num(out, "crscore", 50);
            num(out, "craction", 4096);
            quoted(out, "crlevel", "critical");
        }
        "webfilter" => {
            let blocked = rng.chance(400) && !routine;
            num(out, "policyid", 38);
            num(out, "sessionid", session);
            ip(out, "srcip", src);
            num(out, "srcport", rng.range(1025, 65_000));
            quoted(out, "srcintf", "port2");
            quoted(out, "srcintfrole", "lan");
            ip(out, "dstip", dst);
            num(out, "dstport", 443);
            quoted(out, "dstintf", "port1");
            quoted(out, "dstintfrole", "wan");
            num(out, "proto", 6);
            quoted(out, "service", "HTTPS");
            quoted(
                out,
                "hostname",
                if blocked {
                    "malware-drop.example.xyz"
                } else {
                    "docs.example.com"
                },
            );
            quoted(out, "profile", "default");
            quoted(
                out,
                "action",
                if blocked { "blocked" } else { "passthrough" },
            );
            quoted(out, "reqtype", "direct");
            quoted(out, "url", "/");
            num(out, "sentbyte", rng.range(500, 5000));
            num(out, "rcvdbyte", rng.range(0, 50_000));
            quoted(out, "direction", "outgoing");
            quoted(
                out,
                "msg",
                if blocked {
                    "URL belongs to a denied category in policy"
                } else {
                    "URL belongs to an allowed category in policy"
                },
            );
            quoted(out, "method", "domain");
            num(out, "cat", if blocked { 26 } else { 52 });
            quoted(
                out,
                "catdesc",
                if blocked {
                    "Malicious Websites"
                } else {
                    "Information Technology"
                },
            );
        }
        "virus" => {
            quoted(out, "eventtype", "infected");
            quoted(out, "msg", "File is infected.");
            quoted(out, "action", "blocked");
            quoted(out, "service", "HTTP");
            num(out, "sessionid", session);
            ip(out, "srcip", dst);
            ip(out, "dstip", src);
            num(out, "srcport", 80);
            num(out, "dstport", rng.range(1025, 65_000));
            num(out, "policyid", 4);
            num(out, "proto", 6);
            quoted(out, "direction", "incoming");
            quoted(out, "filename", "invoice_0613.exe");
            quoted(out, "virus", "W32/Agent.ABCD!tr");
            quoted(out, "dtype", "Virus");
            quoted(
                out,
                "ref",
                "http://www.fortinet.com/ve?vn=W32%2FAgent.ABCD%21tr",
            );
            num(out, "virusid", 8_123_456);
            quoted(out, "url", "http://downloads.example.xyz/invoice_0613.exe");
            quoted(out, "profile", "default");
            quoted(
                out,
                "analyticscksum",
                "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
            );
        }
        _ => {
            quoted(out, "eventtype", "signature");
            num(out, "appid", 40_568);
            ip(out, "srcip", src);
            ip(out, "dstip", dst);
            num(out, "srcport", rng.range(1025, 65_000));
            num(out, "dstport", 443);
            quoted(out, "srcintf", "port2");
            quoted(out, "dstintf", "port1");
            num(out, "proto", 6);
            quoted(out, "service", "SSL");
            quoted(out, "direction", "outgoing");
            num(out, "policyid", 12);
            num(out, "sessionid", session);
            quoted(out, "applist", "default");
            quoted(out, "action", "pass");
            quoted(out, "appcat", "Web.Client");
            quoted(out, "app", "HTTPS.BROWSER");
            quoted(out, "hostname", "updates.example-cdn.net");
            quoted(out, "msg", "Web.Client: HTTPS.BROWSER,");
            quoted(out, "apprisk", "medium");
        }
    }
}

fn event(
    out: &mut Vec<u8>,
    rng: &mut Rng,
    estate: &Estate,
    logid: &str,
    subtype: &str,
    device: &str,
) {
    let office = *rng.pick(&estate.offices);
    let office_text = crate::text::ipv4(office);
    match (logid, subtype) {
        ("0100032001", _) | ("0100032002", _) => {
            let failed = logid == "0100032002";
            let method = *rng.pick(&["https", "ssh"]);
            admin_login(out, office, "admin", method, failed);
        }
        ("0100044547", _) => {
            quoted(out, "logdesc", "Object attribute configured");
            quoted(out, "user", "admin");
            quoted(out, "ui", &format!("https({office_text})"));
            quoted(out, "action", "Edit");
            num(out, "cfgtid", rng.range(1_000_000, 999_999_999));
            quoted(out, "cfgpath", "firewall.policy");
            quoted(out, "cfgobj", "12");
            quoted(
                out,
                "cfgattr",
                "srcaddr[all->office-nets]action[deny->accept]",
            );
            quoted(out, "msg", &format!("Edit firewall.policy 12 on {device}"));
        }
        _ => {
            let user = rng.pick(&estate.users);
            let short = user.email.split('@').next().unwrap_or_default();
            quoted(out, "logdesc", "SSL VPN tunnel up");
            quoted(out, "action", "tunnel-up");
            quoted(out, "tunneltype", "ssl-tunnel");
            num(out, "tunnelid", rng.range(100_000_000, 999_999_999));
            ip(out, "remip", office);
            quoted(out, "tunnelip", "10.212.134.200");
            quoted(out, "user", short);
            quoted(out, "group", "vpn-users");
            quoted(out, "reason", "tunnel established");
            quoted(out, "msg", "SSL tunnel established");
        }
    }
}

/// The fields of an administrator login event.
fn admin_login(out: &mut Vec<u8>, src: u32, user: &str, method: &str, failed: bool) {
    let src_text = crate::text::ipv4(src);
    quoted(
        out,
        "logdesc",
        if failed {
            "Admin login failed"
        } else {
            "Admin login successful"
        },
    );
    quoted(out, "sn", "0");
    quoted(out, "user", user);
    quoted(out, "ui", &format!("{method}({src_text})"));
    quoted(out, "method", method);
    ip(out, "srcip", src);
    ip(out, "dstip", 0x0afa_0001);
    quoted(out, "action", "login");
    quoted(out, "status", if failed { "failed" } else { "success" });
    quoted(
        out,
        "reason",
        if failed { "passwd_invalid" } else { "none" },
    );
    if !failed {
        quoted(out, "profile", "super_admin");
    }
    let msg = if failed {
        format!("Administrator {user} login failed from {method}({src_text}) because of invalid password")
    } else {
        format!("Administrator {user} logged in successfully from {method}({src_text})")
    };
    quoted(out, "msg", &msg);
}
