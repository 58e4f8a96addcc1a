//! Benign look-alikes: legitimate work that resembles an attack. A good rule pack may raise
//! low or medium alerts on them, never high or critical ones.

use super::at::{self, person, BROWSER};
use super::rules::*;
use super::runtime::worker_of;
use super::{tcp, StoryCtx, StoryDef, MINUTE, SECOND};
use crate::cis::{Client, HttpSpec, WafScores};
use crate::estate::Role;
use crate::falco::{AlertSpec, Shape};
use crate::panos::{Conn, Log};
use crate::simulate::{Loudness, StoryKind, SANCTIONED_SCANNER_IP};
use crate::sysdig::{Command, KubeExec};
use crate::text::{hex, ipv4};

pub(super) const STORIES: &[&StoryDef] = &[
    &SANCTIONED_SCAN,
    &NIGHTLY_BACKUP,
    &BRIEF_SECURITY_GROUP_CHANGE,
    &ON_CALL_EXEC,
];

const SANCTIONED_SCAN: StoryDef = StoryDef {
    id: "B01",
    name: "Sanctioned vulnerability scan from the estate's scanner",
    description: "The weekly authenticated scan from the estate's vulnerability scanner (198.51.100.77, allowed by the security groups) checks 120 ports on two web servers and the bastion, then probes the web site for exposed files, which all answer 404.",
    kind: StoryKind::Benign,
    loudness: Loudness::Loud,
    techniques: &["T1595.002"],
    at_ms: 10 * 3_600_000,
    length_ms: 40 * MINUTE,
    expected: &[VPC_PORT_SCAN],
    build: sanctioned_scan,
};

fn sanctioned_scan(ctx: &mut StoryCtx<'_>) {
    let estate = ctx.estate;
    let scanner: u32 = SANCTIONED_SCANNER_IP;
    ctx.name_ip(scanner, true);
    let targets = [
        ctx.instance(0, Role::Web, 0),
        ctx.instance(0, Role::Web, 1),
        ctx.instance(0, Role::Bastion, 0),
    ];
    let ports = super::network::scan_ports(120);
    let mut offset = 0;
    for target in targets {
        ctx.name_ip(target.ip, false);
        for (n, &port) in ports.iter().enumerate() {
            let delay = offset + n as i64 * 5 * SECOND + ctx.jitter(2 * SECOND);
            let time = ctx.at(delay);
            let source_port = ctx.rng.range(30_000, 60_000);
            let open = matches!(port, 22 | 80 | 443);
            let mut flow = tcp(time, 200, scanner, source_port, target.ip, port, 120, 60);
            flow.packets_from_initiator = 2;
            flow.packets_from_target = 1;
            if open {
                flow.bytes_from_initiator = 2_400;
                flow.packets_from_initiator = 9;
                flow.bytes_from_target = 6_100;
                flow.packets_from_target = 8;
            }
            ctx.flow(flow);
        }
        offset += 11 * MINUTE;
    }
    let client = Client::at(
        scanner,
        false,
        "Mozilla/5.0 (compatible; Nessus SOAP)",
        "us",
    );
    let origin = ipv4(crate::cis::origins(estate)[0]);
    let mut time = ctx.at(34 * MINUTE);
    for path in [
        "/.env",
        "/.git/config",
        "/server-status",
        "/wp-login.php",
        "/.aws/credentials",
        "/backup.zip",
    ] {
        time += ctx.jitter(3 * SECOND) + SECOND;
        let spec = HttpSpec {
            client: &client,
            host: "www.example.com",
            method: "GET",
            uri: path,
            status: 404,
            origin_status: 404,
            security: None,
            waf: WafScores {
                attack: ctx.rng.range(70, 95),
                sqli: 99,
                xss: ctx.rng.range(85, 99),
                rce: ctx.rng.range(80, 99),
            },
            bot_score: 1,
            origin_ip: origin.clone(),
            referer: "",
            body_bytes: 548,
            duration_ms: ctx.rng.range(20, 90),
            ray_id: None,
        };
        ctx.cis_http(time, &spec);
    }
}

const NIGHTLY_BACKUP: StoryDef = StoryDef {
    id: "B02",
    name: "Nightly database backup to Cloud Object Storage",
    description: "At ten past two, the backup-exporter service ID uploads four parts of the night's PostgreSQL dump (1.6 GiB each) from db-01 to the off-site archive bucket in eu-de through COS's public endpoint: big egress to one address, every night.",
    kind: StoryKind::Benign,
    loudness: Loudness::Loud,
    techniques: &["T1048", "T1567.002"],
    at_ms: 2 * 3_600_000 + 10 * MINUTE,
    length_ms: 45 * MINUTE,
    expected: &[VPC_LARGE_EGRESS_FLOW, VPC_EGRESS_VOLUME, PANOS_LARGE_UPLOAD],
    build: nightly_backup,
};

fn nightly_backup(ctx: &mut StoryCtx<'_>) {
    let estate = ctx.estate;
    let archive_account = &estate.accounts[1];
    let exporter = &estate.service_ids[1];
    let db = ctx.instance(0, Role::Db, 0);
    let endpoint = ctx.fresh_ip();
    ctx.name_ip(endpoint, true);
    ctx.name_ip(db.ip, false);
    ctx.name_host(&db.name, false);
    ctx.name_user(&exporter.iam_id, true);
    let bucket = archive_account.buckets[2].clone();
    ctx.name_resource(&at::bucket_crn(archive_account, &bucket), true);
    let mut time = ctx.at(0);
    for part in 1..=4 {
        let sent = ctx.rng.range(1_700_000_000, 1_780_000_000);
        let length = 8 * MINUTE + ctx.jitter(40 * SECOND);
        let port = ctx.rng.range(40_000, 60_000);
        ctx.flow(tcp(
            time, length, db.ip, port, endpoint, 443, sent, 1_900_000,
        ));
        let conn = Conn {
            src: db.ip,
            dst: endpoint,
            nat_src: 0xa930_0001,
            nat_dst: endpoint,
            sport: port,
            dport: 443,
            app: 0,
            inbound: false,
            rule: "allow-vpc-egress",
        };
        let log = Log::Traffic {
            subtype: "end",
            action: "allow",
            volume: Some((sent + 24_000_000, 2_300_000, (length / SECOND) as u64)),
        };
        ctx.panos(time + length, 1, &conn, &log);
        let key = format!("backups/pg/prod-20250602T0210Z.part-{part}.dump.gz");
        let call = at::object_write(
            &mut ctx.rng,
            archive_account,
            at::service(
                exporter,
                db.floating_ip.unwrap_or(0xa930_0001),
                "ibm-cos-sdk-python/2.13.5 Python/3.11.9 Linux/6.5.0-1022-ibm Botocore/1.19.0",
            ),
            &bucket,
            &key,
            sent,
        );
        ctx.activity(time + length, 1, &call.event, &call.request, &call.response);
        time += length + 30 * SECOND + ctx.jitter(30 * SECOND);
    }
}

const BRIEF_SECURITY_GROUP_CHANGE: StoryDef = StoryDef {
    id: "B03",
    name: "Brief security group change, reverted",
    description: "During business hours, an operations engineer opens 8443 to the internet on the web security group for a vendor's live demo, from the office and the console, and removes the rule six minutes later.",
    kind: StoryKind::Benign,
    loudness: Loudness::Quiet,
    techniques: &["T1562.007"],
    at_ms: 14 * 3_600_000 + 5 * MINUTE,
    length_ms: 10 * MINUTE,
    expected: &[AT_SECURITY_GROUP_RULE_OPEN_TO_INTERNET],
    build: brief_security_group_change,
};

fn brief_security_group_change(ctx: &mut StoryCtx<'_>) {
    let estate = ctx.estate;
    let account = &estate.accounts[0];
    let engineer = &estate.users[1];
    let office = estate.offices[engineer.office];
    ctx.name_ip(office, false);
    ctx.name_user(&engineer.iam_id, true);
    ctx.name_resource(&at::security_group_crn(account, 0), true);
    let (call, rule) = at::security_group_rule_create(
        &mut ctx.rng,
        account,
        person(engineer, office, BROWSER, "token"),
        (0, "web-sg"),
        8443,
        "0.0.0.0/0",
    );
    ctx.activity(ctx.at(0), 0, &call.event, &call.request, &call.response);
    let call = at::security_group_rule_delete(
        &mut ctx.rng,
        account,
        person(engineer, office, BROWSER, "token"),
        (0, "web-sg"),
        &rule,
    );
    ctx.activity(
        ctx.at(6 * MINUTE),
        0,
        &call.event,
        &call.request,
        &call.response,
    );
}

const ON_CALL_EXEC: StoryDef = StoryDef {
    id: "B04",
    name: "On-call engineer execs into a pod",
    description: "Handling a page, the on-call engineer runs `kubectl exec` into a checkout pod from the office with her own OIDC identity, looks at processes and the health endpoint, and leaves.",
    kind: StoryKind::Benign,
    loudness: Loudness::Quiet,
    techniques: &["T1609"],
    at_ms: 10 * 3_600_000 + 30 * MINUTE,
    length_ms: 10 * MINUTE,
    expected: &[
        SYSDIG_KUBECTL_EXEC,
        FALCO_TERMINAL_SHELL_IN_CONTAINER,
        FALCO_INGRESS_TOOL_TRANSFER,
    ],
    build: on_call_exec,
};

fn on_call_exec(ctx: &mut StoryCtx<'_>) {
    let estate = ctx.estate;
    let engineer = &estate.users[2];
    let office = estate.offices[engineer.office];
    let office_text = ctx.name_ip(office, false);
    let node = worker_of(ctx, 0);
    let node_name = node.name.clone();
    ctx.name_host(&node_name, false);
    let pod = format!("checkout-{}-{}", hex(&mut ctx.rng, 9), hex(&mut ctx.rng, 5));
    let container = hex(&mut ctx.rng, 12);
    ctx.name_resource(&pod, true);
    ctx.name_resource(&container, true);
    let identity = format!("oidc:{}", engineer.email);
    ctx.name_user(&identity, true);
    let exec = KubeExec {
        hostname: &node_name,
        namespace: "shop",
        pod: &pod,
        container: "checkout",
        container_id: &container,
        command: "sh",
        username: &identity,
        groups: &["oidc:sre", "system:authenticated"],
        source_address: &office_text,
        user_agent: "kubectl/v1.30.1 (darwin/arm64) kubernetes/6911225",
        cluster: "prod-iks-us-south",
    };
    ctx.kube_exec(ctx.at(0), &exec);
    let shell = AlertSpec {
        rule: "Terminal shell in container",
        priority: "Notice",
        description: "A shell was spawned in a container with an attached terminal",
        tags: &[
            "T1059",
            "container",
            "maturity_stable",
            "mitre_execution",
            "shell",
        ],
        shape: Shape::Shell,
        process: "sh",
        cmdline: "sh",
        object: "",
        parent: "runc",
        user: "root",
        host: &node_name,
        newer: true,
        namespace: "shop",
        pod: &pod,
        container_id: &container,
        image: Some("icr.io/example/checkout"),
    };
    ctx.falco(ctx.at(SECOND), &shell);
    let mut time = ctx.at(30 * SECOND);
    for (exepath, cmdline) in [
        ("/bin/ps", "ps aux"),
        ("/usr/bin/curl", "curl -s localhost:8080/healthz"),
        ("/usr/bin/tail", "tail -n 50 /var/log/app/checkout.log"),
    ] {
        time += ctx.jitter(30 * SECOND) + 10 * SECOND;
        let command = Command {
            hostname: &node_name,
            namespace: "shop",
            pod: &pod,
            container_id: &container,
            cmdline,
            exepath,
            parent: "sh",
            username: "root",
            cluster: "prod-iks-us-south",
        };
        ctx.sysdig_command(time, &command);
        if exepath.ends_with("curl") {
            let spec = AlertSpec {
                rule: "Launch Ingress Remote File Copy Tools in Container",
                priority: "Notice",
                description: "Detected ingress remote file copy tool launched in container",
                tags: &[
                    "T1105",
                    "container",
                    "maturity_incubating",
                    "mitre_command_and_control",
                    "network",
                    "process",
                ],
                shape: Shape::Exec,
                process: "curl",
                cmdline,
                parent: "sh",
                ..shell.clone()
            };
            ctx.falco(time + 20, &spec);
        }
    }
}
