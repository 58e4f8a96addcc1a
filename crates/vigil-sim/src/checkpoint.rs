//! Check Point Log Exporter lines in its default syslog form.
//!
//! `<134>1 <RFC 3339> <gateway> CheckPoint <pid> - [key:"value"; key:"value"; …]`: RFC 5424
//! in shape, but the structured-data slot holds Check Point's own `key:"value"` list, with
//! `\]` escaped inside values (`__policy_id_tag`), double-colon keys (`ike::`, `scheme::`),
//! values that are a single space and, from some exporters, a trailing `; ]`. The mix:
//! firewall connection logs (Accept, Drop, Reject), Application Control and IPS logs, VPN
//! failures and SmartConsole audit (administrator logins, rule changes).

use crate::estate::Estate;
use crate::rng::Rng;
use crate::text::{ipv4, push_json_escaped, push_rfc3339, push_u64, Zone};
use crate::Stream;

/// Mean time between two lines.
pub(crate) const MEAN_GAP_MS: u64 = 40;

/// Gateway host, origin address, SIC name, process id.
const GATEWAYS: [(&str, &str, &str, &str); 2] = [
    (
        "cp-gw-01",
        "10.250.1.4",
        "cn=cp_mgmt,o=cp-gw-01..k3x9zq",
        "1930",
    ),
    (
        "cp-gw-02",
        "10.250.1.5",
        "CN=cp-gw-02,O=cp-mgmt..k3x9zq",
        "26203",
    ),
];

const POLICY_TAG: &str = "product=VPN-1 & FireWall-1[db_tag={8C5C6C1A-4E5B-2E4A-9D3C-1B2F6E7A8D90};mgmt=cp-mgmt;date=1748800000;policy_name=Standard\\]";

const SERVICES: [(&str, &str, &str); 5] = [
    ("443", "https", "6"),
    ("80", "http", "6"),
    ("53", "domain-udp", "17"),
    ("22", "ssh", "6"),
    ("3389", "Remote_Desktop_Protocol", "6"),
];

const PROTECTIONS: [(&str, &str); 3] = [
    ("Apache Log4j Remote Code Execution (CVE-2021-44228)", "4"),
    ("SQL Servers Generic SQL Injection", "3"),
    ("Web Servers Malicious HTTP Header Directory Traversal", "2"),
];

/// Appends `n` lines.
pub(crate) fn write(stream: &mut Stream, estate: &Estate, n: usize, out: &mut Vec<u8>) {
    for _ in 0..n {
        let now = stream.tick(MEAN_GAP_MS);
        let sequence = stream.next_count();
        let routine = stream.routine();
        line(out, &mut stream.rng, estate, now, sequence, routine);
    }
}

/// Writes the `key:"value"; ` pairs.
struct Fields<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl Fields<'_> {
    fn put(&mut self, key: &str, value: &str) -> &mut Self {
        if !self.first {
            self.out.extend_from_slice(b"; ");
        }
        self.first = false;
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b":\"");
        // Log Exporter escapes `"` and `\` like JSON; `]` is escaped as `\]`.
        for part in value.split(']') {
            push_json_escaped(self.out, part);
            self.out.extend_from_slice(b"\\]");
        }
        self.out.truncate(self.out.len() - 2);
        self.out.push(b'"');
        self
    }

    /// A value already escaped (it may hold `\]`).
    fn put_raw(&mut self, key: &str, value: &str) -> &mut Self {
        if !self.first {
            self.out.extend_from_slice(b"; ");
        }
        self.first = false;
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b":\"");
        self.out.extend_from_slice(value.as_bytes());
        self.out.push(b'"');
        self
    }

    fn number(&mut self, key: &str, value: u64) -> &mut Self {
        let mut digits = Vec::with_capacity(20);
        push_u64(&mut digits, value);
        let text = std::str::from_utf8(&digits).expect("digits are ascii");
        self.put_raw(key, text)
    }
}

fn line(out: &mut Vec<u8>, rng: &mut Rng, estate: &Estate, now: i64, sequence: u64, routine: bool) {
    let (host, origin, sic, pid) = *rng.pick(&GATEWAYS);
    let kind = rng.below(100);
    out.extend_from_slice(b"<134>1 ");
    push_rfc3339(out, now, 0, 0, Zone::Z);
    out.push(b' ');
    out.extend_from_slice(host.as_bytes());
    out.extend_from_slice(b" CheckPoint ");
    out.extend_from_slice(pid.as_bytes());
    out.extend_from_slice(b" - [");
    let trailing_separator = host == "cp-gw-02";
    let mut fields = Fields { out, first: true };
    let seconds = (now / 1000) as u64;
    let loguid = format!(
        "{{0x{:x},0x{:x},0x{:x},0x{:x}}}",
        seconds,
        rng.below(16),
        0x6401_a8c0u32,
        rng.next_u64() as u32
    );

    match kind {
        0..=79 => connection(
            &mut fields,
            rng,
            estate,
            &loguid,
            origin,
            sic,
            sequence,
            seconds,
        ),
        80..=87 => application(
            &mut fields,
            rng,
            estate,
            &loguid,
            origin,
            sic,
            sequence,
            seconds,
        ),
        88..=93 => ips(
            &mut fields,
            rng,
            estate,
            &loguid,
            origin,
            sic,
            sequence,
            seconds,
            routine,
        ),
        94..=96 => vpn_failure(
            &mut fields,
            rng,
            estate,
            &loguid,
            origin,
            sic,
            sequence,
            seconds,
        ),
        _ => audit(&mut fields, rng, estate, &loguid, origin, sic, seconds),
    }
    if trailing_separator {
        out.extend_from_slice(b"; ]\n");
    } else {
        out.extend_from_slice(b"]\n");
    }
}

#[allow(clippy::too_many_arguments)]
fn header(
    fields: &mut Fields<'_>,
    action: &str,
    flags: &str,
    ifdir: &str,
    loguid: &str,
    origin: &str,
    sic: &str,
    sequence: u64,
    seconds: u64,
) {
    fields
        .put("action", action)
        .put("flags", flags)
        .put("ifdir", ifdir)
        .put("ifname", if ifdir == "inbound" { "eth0" } else { "eth1" })
        .put("logid", "0")
        .put("loguid", loguid)
        .put("origin", origin)
        .put("originsicname", sic)
        .number("sequencenum", sequence % 100 + 1)
        .number("time", seconds)
        .put("version", "5");
}

/// Source and destination of a connection through the gateway.
fn endpoints(rng: &mut Rng, estate: &Estate) -> (String, String, bool) {
    let inside = rng.pick(&estate.instances);
    if rng.chance(500) {
        (ipv4(inside.ip), ipv4(*rng.pick(&estate.clients)), false)
    } else if rng.chance(200) {
        (
            ipv4(*rng.pick(&estate.scanners)),
            ipv4(inside.floating_ip.unwrap_or(inside.ip)),
            true,
        )
    } else {
        (
            ipv4(*rng.pick(&estate.clients)),
            ipv4(inside.floating_ip.unwrap_or(inside.ip)),
            true,
        )
    }
}

#[allow(clippy::too_many_arguments)]
fn connection(
    fields: &mut Fields<'_>,
    rng: &mut Rng,
    estate: &Estate,
    loguid: &str,
    origin: &str,
    sic: &str,
    sequence: u64,
    seconds: u64,
) {
    let (src, dst, inbound) = endpoints(rng, estate);
    let (port, service_id, proto) = *rng.pick(&SERVICES);
    let dropped = inbound && (port == "3389" || port == "22" || rng.chance(100));
    let action = if dropped {
        *rng.pick(&["Drop", "Drop", "Reject"])
    } else {
        "Accept"
    };
    header(
        fields,
        action,
        "411908",
        if inbound { "inbound" } else { "outbound" },
        loguid,
        origin,
        sic,
        sequence,
        seconds,
    );
    fields
        .put_raw("__policy_id_tag", POLICY_TAG)
        .put("dst", &dst)
        .put("inzone", if inbound { "External" } else { "Internal" })
        .put("layer_name", "Network")
        .put("layer_uuid", "63b7fe60-76d2-4287-bca5-21af87337b0a")
        .number("match_id", if dropped { 99 } else { rng.range(1, 30) })
        .put("parent_rule", "0")
        .put("rule_action", action)
        .put(
            "rule_name",
            if dropped {
                "Cleanup rule"
            } else if inbound {
                "Allow web to VPC"
            } else {
                "VPC egress"
            },
        )
        .put("rule_uid", "1fde807b-6300-4b1a-914f-f1c1f3e2e7d2")
        .put("outzone", if inbound { "Internal" } else { "External" })
        .put("product", "VPN-1 & FireWall-1")
        .put("proto", proto)
        .number("s_port", rng.range(1025, 65_000))
        .put("service", port)
        .put("service_id", service_id)
        .put("src", &src);
    if !inbound {
        fields
            .put("xlatesrc", "169.48.12.34")
            .number("xlatesport", rng.range(10_000, 60_000))
            .put("xlatedst", "0.0.0.0")
            .put("xlatedport", "0")
            .put("nat_rulenum", "3")
            .put("nat_addtnl_rulenum", "1");
    }
}

#[allow(clippy::too_many_arguments)]
fn application(
    fields: &mut Fields<'_>,
    rng: &mut Rng,
    estate: &Estate,
    loguid: &str,
    origin: &str,
    sic: &str,
    sequence: u64,
    seconds: u64,
) {
    let inside = rng.pick(&estate.instances);
    let (app, category, risk) = *rng.pick(&[
        ("Dropbox-file sharing", "File Storage and Sharing", "3"),
        ("GitHub", "Software Downloads", "2"),
        ("TeamViewer", "Remote Administration", "4"),
    ]);
    let blocked = risk == "4";
    header(
        fields,
        if blocked { "Block" } else { "Accept" },
        "2345984",
        "outbound",
        loguid,
        origin,
        sic,
        sequence,
        seconds,
    );
    fields
        .put("app_category", category)
        .put("app_risk", risk)
        .put("appi_name", app)
        .put("dst", &ipv4(*rng.pick(&estate.clients)))
        .put("matched_category", category)
        .put("product", "Application Control")
        .put("proto", "6")
        .put("service", "443")
        .put("src", &ipv4(inside.ip))
        .put("resource", " ");
}

#[allow(clippy::too_many_arguments)]
fn ips(
    fields: &mut Fields<'_>,
    rng: &mut Rng,
    estate: &Estate,
    loguid: &str,
    origin: &str,
    sic: &str,
    sequence: u64,
    seconds: u64,
    routine: bool,
) {
    let (protection, severity) = *rng.pick(&PROTECTIONS);
    let target = rng.pick(&estate.instances);
    // On a routine day every IPS match is prevented.
    let prevent = rng.chance(700) || routine;
    header(
        fields,
        if prevent { "Prevent" } else { "Detect" },
        "2359296",
        "inbound",
        loguid,
        origin,
        sic,
        sequence,
        seconds,
    );
    fields
        .put("attack", "Web Server Enforcement Violation")
        .put("attack_info", protection)
        .put("confidence_level", "3")
        .put("dst", &ipv4(target.floating_ip.unwrap_or(target.ip)))
        .put("performance_impact", "2")
        .put("product", "IPS")
        .put("protection_name", protection)
        .put("protection_type", "IPS")
        .put("proto", "6")
        .put("service", "443")
        .put("severity", severity)
        .put("src", &ipv4(*rng.pick(&estate.scanners)));
}

#[allow(clippy::too_many_arguments)]
fn vpn_failure(
    fields: &mut Fields<'_>,
    rng: &mut Rng,
    estate: &Estate,
    loguid: &str,
    origin: &str,
    sic: &str,
    sequence: u64,
    seconds: u64,
) {
    header(
        fields, "Reject", "133376", "inbound", loguid, origin, sic, sequence, seconds,
    );
    fields
        .put("community", "office-vpn")
        .put("dst", origin)
        .put("fw_subproduct", "VPN-1")
        .put(
            "ike:",
            "Main Mode Failed to match proposal: Transform: AES-256, SHA256, Pre-shared secret, Group 14 (2048 bit); Reason: Wrong value for: Hash Algorithm",
        )
        .put("peer_gateway", &ipv4(*rng.pick(&estate.offices)))
        .put("reject_category", "IKE failure")
        .put("scheme:", "IKE")
        .put("src", &ipv4(*rng.pick(&estate.offices)))
        .put("vpn_feature_name", "IKE");
}

#[allow(clippy::too_many_arguments)]
fn audit(
    fields: &mut Fields<'_>,
    rng: &mut Rng,
    estate: &Estate,
    loguid: &str,
    origin: &str,
    sic: &str,
    seconds: u64,
) {
    let user = rng.pick(&estate.users);
    let admin = user.email.split('@').next().unwrap_or_default();
    let client = ipv4(estate.offices[user.office]);
    header(
        fields, "Accept", "163872", "outbound", loguid, origin, sic, 1, seconds,
    );
    if rng.chance(500) {
        fields
            .put("additional_info", "Authentication method: Password")
            .put("administrator", admin)
            .put("client_ip", &client)
            .put("operation", "Log In")
            .put("product", "SmartConsole")
            .put("sendtotrackerasadvancedauditlog", "0")
            .put("subject", "Administrator Login");
    } else {
        fields
            .put("administrator", admin)
            .put("advanced_changes", " ")
            .put("client_ip", &client)
            .put("fieldschanges", "Source: Added 'office-nets' Action: Changed from 'Drop' to 'Accept' Track: Changed from 'None' to 'Log'")
            .put("objectname", "allow-office-ssh")
            .put("objecttype", "Access Control Rule")
            .put("operation", "Modify Rule")
            .put("product", "SmartConsole")
            .put("session_name", &format!("{admin}@session"))
            .put("session_uid", &crate::text::uuid(rng))
            .put("subject", "Object Manipulation");
    }
}
