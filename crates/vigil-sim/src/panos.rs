//! Palo Alto Networks PAN-OS TRAFFIC and THREAT logs: CSV over syslog.
//!
//! Three VM-Series firewalls in a transit VPC, each with its own syslog header as seen in the
//! samples: RFC 3164 with a hostname, RFC 3164 without one (the CSV right after the time), and
//! RFC 5424 as Panorama forwards it. The CSV has the 65 TRAFFIC and 75 THREAT positions of
//! the samples (PAN-OS 8.1–9.0 layout); fields are quoted only when they contain a comma,
//! except THREAT's `misc`, which PAN-OS always quotes.

use crate::estate::{Estate, Role};
use crate::rng::Rng;
use crate::text::{push_ipv4, push_rfc3164, push_rfc3339, push_slash_time, push_u64, Zone};
use crate::Stream;

/// Mean time between two lines.
pub(crate) const MEAN_GAP_MS: u64 = 40;

/// How a firewall's syslog header looks.
#[derive(Clone, Copy)]
enum Header {
    Bsd,
    BsdNoHost,
    Ietf,
}

/// Name, serial, header style.
const FIREWALLS: [(&str, &str, Header); 3] = [
    ("pa-vm-transit-01", "007951000123451", Header::Bsd),
    ("pa-vm-transit-02", "007951000123452", Header::Ietf),
    ("pa-vm-dc-01", "007951000098761", Header::BsdNoHost),
];

const APPS: [(&str, u64, &str); 8] = [
    ("ssl", 443, "computer-and-internet-info"),
    ("web-browsing", 80, "computer-and-internet-info"),
    ("dns", 53, "any"),
    ("ssh", 22, "any"),
    ("postgres", 5432, "any"),
    ("ms-rdp", 3389, "any"),
    ("incomplete", 443, "any"),
    ("google-base", 443, "search-engines"),
];

const END_REASONS: [(u32, &str); 5] = [
    (50, "tcp-fin"),
    (25, "aged-out"),
    (10, "tcp-rst-from-client"),
    (10, "tcp-rst-from-server"),
    (5, "n/a"),
];

/// Threat names with their id, category, severity and thr_category.
const THREATS: [(&str, &str, &str, &str, &str); 6] = [
    (
        "vulnerability",
        "Apache Log4j Remote Code Execution Vulnerability(91991)",
        "code-execution",
        "critical",
        "code-execution",
    ),
    (
        "vulnerability",
        "HTTP Directory Traversal Request Attempt(30844)",
        "any",
        "medium",
        "info-leak",
    ),
    (
        "vulnerability",
        "SSH2 Login Attempt(40015)",
        "any",
        "informational",
        "brute-force",
    ),
    (
        "spyware",
        "Cobalt Strike Beacon Detection(86445)",
        "spyware",
        "critical",
        "spyware",
    ),
    (
        "virus",
        "Virus/Linux.WGeneric.dnjkqb(512347891)",
        "any",
        "medium",
        "virus",
    ),
    (
        "wildfire",
        "Windows Executable (EXE)(52020)",
        "any",
        "high",
        "wildfire",
    ),
];

const URLS: [(&str, &str); 5] = [
    ("updates.example-cdn.net/", "computer-and-internet-info"),
    (
        "login.microsoftonline.com/common/oauth2",
        "computer-and-internet-info",
    ),
    ("pastebin.com/raw/", "questionable"),
    ("free-crypto-mining.example.xyz/pool", "malware"),
    ("docs.example.com/guide", "business-and-economy"),
];

/// Appends `n` lines.
pub(crate) fn write(stream: &mut Stream, estate: &Estate, n: usize, out: &mut Vec<u8>) {
    for _ in 0..n {
        let now = stream.tick(MEAN_GAP_MS);
        let firewall = stream.rng.index(FIREWALLS.len());
        let session = stream.next_count();
        let threat = stream.rng.chance(120);
        let routine = stream.routine();
        line(
            out,
            &mut stream.rng,
            estate,
            now,
            firewall,
            session,
            threat,
            routine,
        );
    }
}

/// One connection as the firewall saw it.
#[derive(Clone, Debug)]
pub(crate) struct Conn {
    pub src: u32,
    pub dst: u32,
    pub nat_src: u32,
    pub nat_dst: u32,
    pub sport: u64,
    pub dport: u64,
    /// Index into the applications (`ssl`, `web-browsing`, `dns`, `ssh`, `postgres`, `ms-rdp`,
    /// `incomplete`, `google-base`).
    pub app: usize,
    pub inbound: bool,
    pub rule: &'static str,
}

/// What a story's line says, beyond its connection.
#[derive(Clone, Debug)]
pub(crate) enum Log {
    /// A TRAFFIC log: `start`/`end` with `allow`, or `deny`/`drop` with their action.
    Traffic {
        subtype: &'static str,
        action: &'static str,
        /// Bytes sent and received, and the session's length (s); drawn when `None`.
        volume: Option<(u64, u64, u64)>,
    },
    /// A THREAT log with its signature (or URL) spelled out.
    Threat {
        subtype: &'static str,
        action: &'static str,
        /// `misc`: the URL, file name or resource.
        misc: String,
        /// Signature name and id, `Name(12345)`.
        threat_id: &'static str,
        category: &'static str,
        severity: &'static str,
        thr_category: &'static str,
    },
}

/// Appends one line of `log` for `conn`, seen by `firewall` at `now`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn story_line(
    out: &mut Vec<u8>,
    rng: &mut Rng,
    estate: &Estate,
    now: i64,
    firewall: usize,
    session: u64,
    conn: &Conn,
    log: &Log,
) {
    let firewall = firewall % FIREWALLS.len();
    header(out, now, firewall);
    let generated = now - rng.below(1500) as i64;
    match log {
        Log::Traffic {
            subtype,
            action,
            volume,
        } => {
            let denied = *action != "allow";
            body(
                out, rng, estate, now, generated, firewall, session, conn, false, subtype, action,
            );
            traffic_tail(
                out,
                rng,
                subtype,
                now,
                APPS[conn.app].2,
                denied,
                *volume,
                FIREWALLS[firewall].0,
                conn.src,
                conn.dst,
            );
        }
        Log::Threat {
            subtype,
            action,
            misc,
            threat_id,
            category,
            severity,
            thr_category,
        } => {
            body(
                out, rng, estate, now, generated, firewall, session, conn, true, subtype, action,
            );
            threat_fields(
                out,
                rng,
                misc,
                threat_id,
                category,
                severity,
                thr_category,
                FIREWALLS[firewall].0,
                conn.src,
                conn.dst,
            );
        }
    }
    out.push(b'\n');
}

fn connection(rng: &mut Rng, estate: &Estate) -> Conn {
    let inbound = rng.chance(450);
    let sport = rng.range(1025, 65_000);
    if inbound {
        let web = rng.pick(&estate.instances);
        let public = web.floating_ip.unwrap_or(0xa930_0101);
        let (src, app, rule) = match web.role {
            Role::Bastion => (*rng.pick(&estate.offices), 3, "allow-ssh-offices"),
            _ if rng.chance(200) => (
                *rng.pick(&estate.scanners),
                *rng.pick(&[3, 5, 6]),
                "deny-all-inbound",
            ),
            _ => (
                *rng.pick(&estate.clients),
                *rng.pick(&[0, 0, 1, 6]),
                "allow-web-inbound",
            ),
        };
        return Conn {
            src,
            dst: public,
            nat_src: 0,
            nat_dst: web.ip,
            sport,
            dport: APPS[app].1,
            app,
            inbound,
            rule,
        };
    }
    let inside = rng.pick(&estate.instances);
    let app = *rng.pick(&[0, 0, 0, 1, 2, 7]);
    let dst = if app == 2 {
        0x0808_0808
    } else {
        *rng.pick(&estate.clients)
    };
    Conn {
        src: inside.ip,
        dst,
        nat_src: inside
            .floating_ip
            .unwrap_or(0xa930_0001 + inside.account as u32),
        nat_dst: dst,
        sport,
        dport: APPS[app].1,
        app,
        inbound,
        rule: "allow-vpc-egress",
    }
}

fn field(buf: &mut Vec<u8>, text: &str) {
    buf.extend_from_slice(text.as_bytes());
    buf.push(b',');
}

fn number(buf: &mut Vec<u8>, n: u64) {
    push_u64(buf, n);
    buf.push(b',');
}

fn location(buf: &mut Vec<u8>, ip: u32) {
    if ip >> 24 == 10 {
        buf.extend_from_slice(b"10.0.0.0-10.255.255.255,");
    } else {
        buf.extend_from_slice(b"United States,");
    }
}

fn header(out: &mut Vec<u8>, now: i64, firewall: usize) {
    let (host, _, header) = FIREWALLS[firewall];
    match header {
        Header::Bsd => {
            out.extend_from_slice(b"<14>");
            push_rfc3164(out, now);
            out.push(b' ');
            out.extend_from_slice(host.as_bytes());
            out.push(b' ');
        }
        Header::BsdNoHost => {
            out.extend_from_slice(b"<14>");
            push_rfc3164(out, now);
            out.push(b' ');
        }
        Header::Ietf => {
            out.extend_from_slice(b"<14>1 ");
            push_rfc3339(out, now, 0, 0, Zone::Colon);
            out.push(b' ');
            out.extend_from_slice(host.as_bytes());
            out.extend_from_slice(b" - - - - ");
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn line(
    out: &mut Vec<u8>,
    rng: &mut Rng,
    estate: &Estate,
    now: i64,
    firewall: usize,
    session: u64,
    threat: bool,
    routine: bool,
) {
    header(out, now, firewall);
    let conn = connection(rng, estate);
    let generated = now - rng.below(1500) as i64;
    let category = APPS[conn.app].2;
    let denied = conn.rule == "deny-all-inbound";
    // Index into THREATS, or past its end for a URL log.
    let mut threat_index = rng.index(THREATS.len() + 2);
    let (subtype, action) = if threat {
        if threat_index >= THREATS.len() {
            (
                "url",
                if rng.chance(300) {
                    "block-url"
                } else {
                    "alert"
                },
            )
        } else {
            let blocked = rng.chance(600);
            if routine {
                // A routine day: exploit attempts from the internet are blocked, and no
                // beacons or malware cross the firewall.
                threat_index = match threat_index {
                    0..=2 => threat_index,
                    _ => 2,
                };
            }
            let blocked = blocked || (routine && THREATS[threat_index].3 != "informational");
            (
                THREATS[threat_index].0,
                if blocked { "reset-both" } else { "alert" },
            )
        }
    } else if denied {
        (
            *rng.pick(&["deny", "drop"]),
            *rng.pick(&["deny", "drop", "reset-both"]),
        )
    } else {
        (if rng.chance(50) { "start" } else { "end" }, "allow")
    };

    body(
        out, rng, estate, now, generated, firewall, session, &conn, threat, subtype, action,
    );
    let host = FIREWALLS[firewall].0;
    if threat {
        threat_tail(
            out,
            rng,
            threat_index,
            session,
            host,
            conn.src,
            conn.dst,
            routine,
        );
    } else {
        traffic_tail(
            out, rng, subtype, now, category, denied, None, host, conn.src, conn.dst,
        );
    }
    out.push(b'\n');
}

/// Positions 0–30: shared by TRAFFIC and THREAT.
#[allow(clippy::too_many_arguments)]
fn body(
    out: &mut Vec<u8>,
    rng: &mut Rng,
    estate: &Estate,
    now: i64,
    generated: i64,
    firewall: usize,
    session: u64,
    conn: &Conn,
    threat: bool,
    subtype: &str,
    action: &str,
) {
    let (_, serial, _) = FIREWALLS[firewall];
    let app = APPS[conn.app].0;
    field(out, "1");
    push_slash_time(out, now);
    out.push(b',');
    field(out, serial);
    field(out, if threat { "THREAT" } else { "TRAFFIC" });
    field(out, subtype);
    field(out, "2561");
    push_slash_time(out, generated);
    out.push(b',');
    push_ipv4(out, conn.src);
    out.push(b',');
    push_ipv4(out, conn.dst);
    out.push(b',');
    push_ipv4(out, conn.nat_src);
    out.push(b',');
    push_ipv4(out, conn.nat_dst);
    out.push(b',');
    field(out, conn.rule);
    if !conn.inbound && rng.chance(300) {
        let user = rng.pick(&estate.users);
        out.extend_from_slice(b"example\\");
        out.extend_from_slice(user.email.split('@').next().unwrap_or_default().as_bytes());
    }
    out.extend_from_slice(b",,");
    field(out, app);
    field(out, "vsys1");
    let (from, to, in_if, out_if) = if conn.inbound {
        ("untrust", "trust", "ethernet1/1", "ethernet1/2")
    } else {
        ("trust", "untrust", "ethernet1/2", "ethernet1/1")
    };
    for text in [from, to, in_if, out_if, "default-log-forwarding"] {
        field(out, text);
    }
    push_slash_time(out, generated);
    out.push(b',');
    number(out, session);
    field(out, "1");
    number(out, conn.sport);
    number(out, conn.dport);
    number(
        out,
        if conn.nat_src != 0 && !conn.inbound {
            rng.range(1025, 65_000)
        } else {
            0
        },
    );
    number(out, conn.dport);
    field(
        out,
        rng.one(&["0x400053", "0x40001c", "0x400019", "0x500019"]),
    );
    field(out, if conn.dport == 53 { "udp" } else { "tcp" });
    field(out, action);
}

#[allow(clippy::too_many_arguments)]
fn traffic_tail(
    out: &mut Vec<u8>,
    rng: &mut Rng,
    subtype: &str,
    now: i64,
    category: &str,
    denied: bool,
    volume: Option<(u64, u64, u64)>,
    host: &str,
    src: u32,
    dst: u32,
) {
    let (sent, received) = match volume {
        Some((sent, received, _)) => (sent, received),
        None if denied || subtype == "start" => (rng.range(60, 200), 0),
        None => (rng.heavy(1_500, 50_000_000), rng.heavy(6_000, 500_000_000)),
    };
    let packets_sent = sent / rng.range(300, 1400) + 1;
    let packets_received = if received == 0 {
        0
    } else {
        received / rng.range(600, 1400) + 1
    };
    let elapsed = match volume {
        Some((_, _, elapsed)) => elapsed,
        None if denied => 0,
        None => rng.heavy(5, 3_600),
    };
    number(out, sent + received);
    number(out, sent);
    number(out, received);
    number(out, packets_sent + packets_received);
    push_slash_time(out, now - elapsed as i64 * 1000);
    out.push(b',');
    number(out, elapsed);
    field(out, category);
    field(out, "0");
    number(out, 7_000_000 + rng.below(90_000_000));
    field(out, "0x0");
    location(out, src);
    location(out, dst);
    field(out, "0");
    number(out, packets_sent);
    number(out, packets_received);
    let end_reason = if denied {
        "policy-deny"
    } else if subtype == "start" {
        "n/a"
    } else {
        *rng.weighted(&END_REASONS)
    };
    field(out, end_reason);
    out.extend_from_slice(b"0,0,0,0,,");
    field(out, host);
    out.extend_from_slice(b"from-policy,,,0,,0,,N/A,0,0,0,0");
}

#[allow(clippy::too_many_arguments)]
fn threat_tail(
    out: &mut Vec<u8>,
    rng: &mut Rng,
    threat_index: usize,
    session: u64,
    host: &str,
    src: u32,
    dst: u32,
    routine: bool,
) {
    let (misc, threat_id, category, severity, thr_category) = if threat_index >= THREATS.len() {
        let (mut url, mut category) = *rng.pick(&URLS);
        if routine && category == "malware" {
            (url, category) = URLS[URLS.len() - 1];
        }
        (
            url.to_owned(),
            "(9999)",
            category,
            "informational",
            "unknown",
        )
    } else {
        let (subtype, name, category, severity, thr_category) = THREATS[threat_index];
        let misc = match subtype {
            "virus" | "wildfire" => format!("update-{}.bin", session % 1000),
            _ => "index.php".to_owned(),
        };
        (misc, name, category, severity, thr_category)
    };
    threat_fields(
        out,
        rng,
        &misc,
        threat_id,
        category,
        severity,
        thr_category,
        host,
        src,
        dst,
    );
}

/// THREAT positions from `misc` on.
#[allow(clippy::too_many_arguments)]
fn threat_fields(
    out: &mut Vec<u8>,
    rng: &mut Rng,
    misc: &str,
    threat_id: &str,
    category: &str,
    severity: &str,
    thr_category: &str,
    host: &str,
    src: u32,
    dst: u32,
) {
    out.push(b'"');
    out.extend_from_slice(misc.as_bytes());
    out.extend_from_slice(b"\",");
    field(out, threat_id);
    field(out, category);
    field(out, severity);
    field(
        out,
        if rng.chance(800) {
            "client-to-server"
        } else {
            "server-to-client"
        },
    );
    number(out, 7_000_000 + rng.below(90_000_000));
    field(out, "0x2000000000000000");
    location(out, src);
    location(out, dst);
    out.extend_from_slice(b"0,,0,,,0,,,,,,,,0,0,0,0,0,,");
    field(out, host);
    out.extend_from_slice(b",,,,0,,0,,N/A,");
    field(out, thr_category);
    field(out, "AppThreat-8795-8402");
    out.extend_from_slice(b"0x0,0,4294967295,");
}
