//! Network attacks: scans, exploitation through the WAF, beaconing, lateral movement,
//! exfiltration, exposed services, attacks on the firewall itself.

use super::at::{self, person, CLI};
use super::rules::*;
use super::{rejected, tcp, StoryCtx, StoryDef, MINUTE, SECOND};
use crate::cis::{Client, FirewallSpec, HttpSpec, WafScores};
use crate::estate::Role;
use crate::panos::{Conn, Log};
use crate::simulate::{Loudness, StoryKind};
use crate::text::{hex, ipv4};

pub(super) const STORIES: &[&StoryDef] = &[
    &SCAN_THEN_WAF_BYPASS,
    &C2_BEACONING,
    &LATERAL_SSH,
    &SLOW_EXFILTRATION,
    &DATABASE_EXPOSED,
    &FORTIGATE_ADMIN_BRUTE_FORCE_STORY,
];

const SCAN_THEN_WAF_BYPASS: StoryDef = StoryDef {
    id: "A06",
    name: "Port scans, then SQL injection through the WAF",
    description: "An address scans ninety ports of a web server (rejected by its security group) and seventy of the transit firewall's public address (denied, and flagged by zone protection), then attacks the shop's API through CIS: fourteen SQL injection attempts blocked by the managed rules, until a reworded payload is served by the origin.",
    kind: StoryKind::Attack,
    loudness: Loudness::Loud,
    techniques: &["T1595.001", "T1046", "T1190"],
    at_ms: 7 * 3_600_000 + 30 * MINUTE,
    length_ms: 45 * MINUTE,
    expected: &[
        VPC_PORT_SCAN,
        PANOS_PORT_SCAN_DENIED,
        PANOS_SCAN_DETECTED,
        CIS_WAF_BLOCKS_THEN_SERVED,
        CIS_SQLI_REQUEST_SERVED,
        CIS_WAF_ATTACK_SCORE_SERVED,
    ],
    build: scan_then_waf_bypass,
};

/// Ports a scanner walks through, common services first.
pub(super) fn scan_ports(count: usize) -> Vec<u64> {
    let common = [
        21, 22, 23, 25, 53, 80, 110, 111, 135, 139, 143, 443, 445, 465, 587, 993, 995, 1433, 1521,
        2049, 2375, 2376, 3000, 3306, 3389, 4443, 5000, 5432, 5601, 5900, 5985, 6379, 6443, 7001,
        8000, 8008, 8080, 8081, 8088, 8443, 8888, 9000, 9090, 9200, 9300, 10250, 11211, 15672,
        27017, 50000,
    ];
    let mut ports: Vec<u64> = common.to_vec();
    let mut next = 1024;
    while ports.len() < count {
        if !ports.contains(&next) {
            ports.push(next);
        }
        next += 37;
    }
    ports.truncate(count);
    ports
}

const SQLI_PAYLOADS: [&str; 14] = [
    "/api/v1/orders?id=1%27%20OR%20%271%27%3D%271",
    "/api/v1/orders?id=1%20UNION%20SELECT%20NULL--",
    "/api/v1/orders?id=1%27%3B%20DROP%20TABLE%20orders--",
    "/api/v1/orders?id=1%20AND%20SLEEP(5)",
    "/api/v1/orders?id=1%20UNION%20ALL%20SELECT%20NULL,NULL--",
    "/api/v1/orders?id=1%27%20AND%20EXTRACTVALUE(1,CONCAT(0x7e,VERSION()))--",
    "/api/v1/orders?id=1%20ORDER%20BY%2010--",
    "/api/v1/orders?id=-1%20UNION%20SELECT%201,2,3--",
    "/api/v1/orders?id=1%27%20AND%201%3D1--",
    "/api/v1/orders?id=1%20AND%20BENCHMARK(5000000,MD5(1))",
    "/api/v1/orders?id=1%27%20OR%20SLEEP(5)%23",
    "/api/v1/orders?id=1%29%20UNION%20SELECT%20table_name%20FROM%20information_schema.tables--",
    "/api/v1/orders?id=1%27%2F**%2FOR%2F**%2F1%3D1--",
    "/api/v1/orders?id=1%20UnIoN%20SeLeCt%20user()--",
];

/// The request that got through: comments inside the keywords defeated the managed rule.
const SQLI_SERVED: &str =
    "/api/v1/orders?id=1%20union%20select%20username,password_hash%20from%20customers--";

const SQLMAP: &str = "sqlmap/1.8.4#stable (https://sqlmap.org)";

fn scan_then_waf_bypass(ctx: &mut StoryCtx<'_>) {
    let estate = ctx.estate;
    let scanner = ctx.fresh_ip();
    ctx.name_ip(scanner, true);
    let web = ctx.instance(0, Role::Web, 0);
    ctx.name_ip(web.ip, false);
    ctx.name_host(&web.name, false);

    // 1. Ninety ports of web-01 in under three minutes, all rejected by its security group.
    for port in scan_ports(90) {
        let delay = ctx.jitter(170 * SECOND);
        let time = ctx.at(delay);
        let source_port = ctx.rng.range(40_000, 65_000);
        ctx.flow(rejected(time, scanner, source_port, web.ip, port));
    }

    // 2. Seventy ports of the transit firewall's public address: denied, and zone
    //    protection reports the scan.
    let transit = 0xa930_0001;
    ctx.name_ip(transit, false);
    let firewall = 2;
    for port in scan_ports(70) {
        let delay = 6 * MINUTE + ctx.jitter(150 * SECOND);
        let time = ctx.at(delay);
        let conn = Conn {
            src: scanner,
            dst: transit,
            nat_src: 0,
            nat_dst: 0,
            sport: ctx.rng.range(40_000, 65_000),
            dport: port,
            app: 6,
            inbound: true,
            rule: "deny-all-inbound",
        };
        let action = if ctx.rng.chance(500) { "deny" } else { "drop" };
        let log = Log::Traffic {
            subtype: action,
            action,
            volume: Some((60, 0, 0)),
        };
        ctx.panos(time, firewall, &conn, &log);
    }
    let conn = Conn {
        src: scanner,
        dst: transit,
        nat_src: 0,
        nat_dst: 0,
        sport: 0,
        dport: 0,
        app: 6,
        inbound: true,
        rule: "deny-all-inbound",
    };
    let log = Log::Threat {
        subtype: "scan",
        action: "drop",
        misc: String::new(),
        threat_id: "TCP Port Scan(8001)",
        category: "any",
        severity: "critical",
        thr_category: "scan",
    };
    ctx.panos(ctx.at(8 * MINUTE + 30 * SECOND), firewall, &conn, &log);

    // 3. SQL injection through CIS: blocked fourteen times, then served.
    let client = Client::at(scanner, true, SQLMAP, "ro");
    let origin = ipv4(crate::cis::origins(estate)[0]);
    let mut time = ctx.at(15 * MINUTE);
    for payload in SQLI_PAYLOADS {
        time += ctx.jitter(30 * SECOND) + 8 * SECOND;
        // The block and the request it stopped share a RayID.
        let ray = hex(&mut ctx.rng, 16);
        let spec = FirewallSpec {
            client: &client,
            host: "api.example.com",
            method: "GET",
            uri: payload,
            source: "firewallmanaged",
            action: "block",
            description: "SQLi - UNION and tautologies",
            ray_id: Some(&ray),
        };
        ctx.cis_firewall(time, &spec);
        let spec = HttpSpec {
            client: &client,
            host: "api.example.com",
            method: "GET",
            uri: payload,
            status: 403,
            origin_status: 0,
            security: Some((
                "block",
                "6179ae15870a4bb7b2d480d4843b323c",
                "SQLi - UNION and tautologies",
            )),
            waf: WafScores {
                attack: ctx.rng.range(1, 9),
                sqli: ctx.rng.range(1, 5),
                xss: ctx.rng.range(70, 99),
                rce: ctx.rng.range(60, 99),
            },
            bot_score: 1,
            origin_ip: origin.clone(),
            referer: "",
            body_bytes: 1_840,
            duration_ms: ctx.rng.range(2, 20),
            ray_id: Some(&ray),
        };
        ctx.cis_http(time, &spec);
    }
    time += 4 * MINUTE;
    let spec = HttpSpec {
        client: &client,
        host: "api.example.com",
        method: "GET",
        uri: SQLI_SERVED,
        status: 200,
        origin_status: 200,
        security: None,
        waf: WafScores {
            attack: 14,
            sqli: 9,
            xss: 88,
            rce: 91,
        },
        bot_score: 1,
        origin_ip: origin,
        referer: "",
        body_bytes: 48_211,
        duration_ms: 611,
        ray_id: None,
    };
    ctx.cis_http(time, &spec);
}

const C2_BEACONING: StoryDef = StoryDef {
    id: "A07",
    name: "Command-and-control beaconing from an app server",
    description: "An implant on app-03 calls home over HTTPS every minute (with ten percent jitter) for two hours: small, regular flows to one address; the transit firewall's anti-spyware signature recognises the beacon four times.",
    kind: StoryKind::Attack,
    loudness: Loudness::Quiet,
    techniques: &["T1071.001", "T1573.002", "T1029"],
    at_ms: 18 * 3_600_000,
    length_ms: 2 * 3_600_000 + 5 * MINUTE,
    expected: &[PANOS_SPYWARE_C2],
    build: c2_beaconing,
};

fn c2_beaconing(ctx: &mut StoryCtx<'_>) {
    let app = ctx.instance(0, Role::App, 2);
    let c2 = ctx.fresh_ip();
    ctx.name_ip(c2, true);
    ctx.name_ip(app.ip, false);
    ctx.name_host(&app.name, false);
    let mut time = ctx.at(0);
    let end = ctx.at(2 * 3_600_000);
    let mut beacon = 0;
    while time < end {
        let port = ctx.rng.range(40_000, 60_000);
        let sent = ctx.rng.range(1_100, 2_600);
        let received = ctx.rng.range(3_000, 6_500);
        let length = ctx.rng.range(300, 900) as i64;
        ctx.flow(tcp(time, length, app.ip, port, c2, 443, sent, received));
        let conn = Conn {
            src: app.ip,
            dst: c2,
            nat_src: 0xa930_0001,
            nat_dst: c2,
            sport: port,
            dport: 443,
            app: 0,
            inbound: false,
            rule: "allow-vpc-egress",
        };
        let log = if beacon % 30 == 7 {
            Log::Threat {
                subtype: "spyware",
                action: "alert",
                misc: "cdn-update.example-static.net/jquery-3.3.1.min.js".to_owned(),
                threat_id: "Cobalt Strike Beacon Detection(86445)",
                category: "spyware",
                severity: "critical",
                thr_category: "spyware",
            }
        } else {
            Log::Traffic {
                subtype: "end",
                action: "allow",
                volume: Some((sent + 900, received + 1_400, 1)),
            }
        };
        ctx.panos(time + length, 0, &conn, &log);
        beacon += 1;
        time += 60 * SECOND + ctx.jitter(12 * SECOND) - 6 * SECOND;
    }
}

const LATERAL_SSH: StoryDef = StoryDef {
    id: "A08",
    name: "Lateral SSH burst east-west",
    description: "From a compromised app server, SSH sessions to eleven other machines of the VPC within seven minutes (and two refused): one more host than the sweep rule's threshold.",
    kind: StoryKind::Attack,
    loudness: Loudness::Quiet,
    techniques: &["T1021.004", "T1018"],
    at_ms: 15 * 3_600_000 + 20 * MINUTE,
    length_ms: 15 * MINUTE,
    expected: &[VPC_INTERNAL_REMOTE_SERVICE_SWEEP],
    build: lateral_ssh,
};

fn lateral_ssh(ctx: &mut StoryCtx<'_>) {
    let estate = ctx.estate;
    let source = ctx.instance(0, Role::App, 1);
    ctx.name_ip(source.ip, true);
    ctx.name_host(&source.name, false);
    let targets: Vec<u32> = estate
        .instances
        .iter()
        .filter(|i| i.account == 0 && i.ip != source.ip && i.role != Role::Bastion)
        .map(|i| i.ip)
        .take(13)
        .collect();
    let mut time = ctx.at(0);
    for (n, target) in targets.into_iter().enumerate() {
        time += ctx.jitter(30 * SECOND) + 5 * SECOND;
        ctx.name_ip(target, false);
        let port = ctx.rng.range(40_000, 60_000);
        if n % 6 == 5 {
            ctx.flow(rejected(time, source.ip, port, target, 22));
        } else {
            let sent = ctx.rng.range(3_500, 9_000);
            let received = ctx.rng.range(4_000, 30_000);
            let length = ctx.rng.range(2, 40) as i64 * SECOND;
            ctx.flow(tcp(
                time, length, source.ip, port, target, 22, sent, received,
            ));
        }
    }
}

const SLOW_EXFILTRATION: StoryDef = StoryDef {
    id: "A09",
    name: "Slow exfiltration below the per-flow threshold",
    description: "A database server uploads a dump in fourteen HTTPS sessions of about 480 MB over seventy minutes: no flow record and no firewall session reaches 1 GiB, but the volume to one address passes 5 GiB within an hour.",
    kind: StoryKind::Attack,
    loudness: Loudness::Quiet,
    techniques: &["T1030", "T1048.002"],
    at_ms: 19 * 3_600_000 + 10 * MINUTE,
    length_ms: 75 * MINUTE,
    expected: &[VPC_EGRESS_VOLUME],
    build: slow_exfiltration,
};

fn slow_exfiltration(ctx: &mut StoryCtx<'_>) {
    let db = ctx.instance(0, Role::Db, 1);
    let sink = ctx.fresh_ip();
    ctx.name_ip(sink, true);
    ctx.name_ip(db.ip, false);
    ctx.name_host(&db.name, false);
    let mut time = ctx.at(0);
    for _ in 0..14 {
        let sent = ctx.rng.range(470_000_000, 495_000_000);
        let length = 4 * MINUTE + ctx.jitter(30 * SECOND);
        let port = ctx.rng.range(40_000, 60_000);
        ctx.flow(tcp(time, length, db.ip, port, sink, 443, sent, 210_000));
        let conn = Conn {
            src: db.ip,
            dst: sink,
            nat_src: 0xa930_0001,
            nat_dst: sink,
            sport: port,
            dport: 443,
            app: 0,
            inbound: false,
            rule: "allow-vpc-egress",
        };
        let log = Log::Traffic {
            subtype: "end",
            action: "allow",
            volume: Some((sent + 7_000_000, 260_000, (length / SECOND) as u64)),
        };
        ctx.panos(time + length, 1, &conn, &log);
        time += length + 20 * SECOND + ctx.jitter(20 * SECOND);
    }
}

const DATABASE_EXPOSED: StoryDef = StoryDef {
    id: "A10",
    name: "Database opened to the internet and reached",
    description: "With a stolen CLI session, an intruder binds a floating IP to db-03, opens PostgreSQL to 0.0.0.0/0 in the database security group, and twenty minutes later connects from another address and pulls 45 MB; internet scanners find the open port too.",
    kind: StoryKind::Attack,
    loudness: Loudness::Loud,
    techniques: &["T1562.007", "T1133", "T1213"],
    at_ms: 17 * 3_600_000 + 30 * MINUTE,
    length_ms: 40 * MINUTE,
    expected: &[
        AT_SECURITY_GROUP_RULE_OPEN_TO_INTERNET,
        VPC_INBOUND_DATABASE_FROM_INTERNET,
    ],
    build: database_exposed,
};

fn database_exposed(ctx: &mut StoryCtx<'_>) {
    let estate = ctx.estate;
    let account = &estate.accounts[0];
    let user = &estate.users[9];
    let intruder = ctx.fresh_ip();
    let collector = ctx.fresh_ip();
    ctx.name_ip(intruder, true);
    ctx.name_ip(collector, true);
    ctx.name_user(&user.iam_id, false);
    let db = ctx.instance(0, Role::Db, 2);
    // The exposed database is this story's: nothing else reaches it from outside.
    ctx.name_ip(db.ip, true);
    ctx.name_resource(&db.crn, false);
    let floating = 0xa930_0000 + ctx.rng.range(0x2000, 0xffff) as u32;
    ctx.name_ip(floating, true);

    let call = at::floating_ip_create(
        &mut ctx.rng,
        account,
        person(user, intruder, CLI, "token"),
        db,
        floating,
    );
    ctx.activity(ctx.at(0), 0, &call.event, &call.request, &call.response);
    let (call, _) = at::security_group_rule_create(
        &mut ctx.rng,
        account,
        person(user, intruder, CLI, "token"),
        (2, "db-sg"),
        5432,
        "0.0.0.0/0",
    );
    ctx.name_resource(&at::security_group_crn(account, 2), false);
    ctx.activity(
        ctx.at(2 * MINUTE),
        0,
        &call.event,
        &call.request,
        &call.response,
    );

    // Internet scanners find the port within minutes (two packets each).
    for n in 0..3 {
        let scanner =
            estate.scanners[(ctx.rng.index(estate.scanners.len()) + n) % estate.scanners.len()];
        let delay = 6 * MINUTE + n as i64 * 3 * MINUTE + ctx.jitter(MINUTE);
        let time = ctx.at(delay);
        let port = ctx.rng.range(30_000, 60_000);
        let mut probe = tcp(time, 400, scanner, port, db.ip, 5432, 120, 60);
        probe.packets_from_initiator = 2;
        probe.packets_from_target = 1;
        ctx.flow(probe);
    }
    // The intruder's collector pulls the data.
    let port = ctx.rng.range(30_000, 60_000);
    ctx.flow(tcp(
        ctx.at(22 * MINUTE),
        3 * MINUTE + 12 * SECOND,
        collector,
        port,
        db.ip,
        5432,
        212_000,
        45_300_000,
    ));
}

const FORTIGATE_ADMIN_BRUTE_FORCE_STORY: StoryDef = StoryDef {
    id: "A11",
    name: "Brute force against the FortiGate administrator login",
    description: "An address from a hosting provider tries fourteen passwords for the edge FortiGate's admin, administrator and root accounts over its HTTPS interface in six minutes.",
    kind: StoryKind::Attack,
    loudness: Loudness::Loud,
    techniques: &["T1110.001", "T1133"],
    at_ms: 6 * 3_600_000 + 20 * MINUTE,
    length_ms: 10 * MINUTE,
    expected: &[FORTIGATE_ADMIN_BRUTE_FORCE],
    build: fortigate_admin_brute_force,
};

fn fortigate_admin_brute_force(ctx: &mut StoryCtx<'_>) {
    let guesser = ctx.fresh_ip();
    ctx.name_ip(guesser, true);
    ctx.name_host(crate::fortigate::device_name(0), false);
    let mut time = ctx.at(0);
    for n in 0..14 {
        time += ctx.jitter(30 * SECOND) + 5 * SECOND;
        let user = ["admin", "administrator", "root", "admin"][n % 4];
        ctx.fortigate_login(time, 0, guesser, user, true);
    }
}
