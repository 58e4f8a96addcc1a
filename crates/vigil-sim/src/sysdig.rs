//! IBM Cloud Workload Protection (Sysdig Secure) activity audit records, as event forwarding
//! (webhook or syslog) delivers them: one JSON object per event.
//!
//! Only the kinds the simulator's stories need: `kubernetes` (a `kubectl exec` through the
//! API server) and `command` (a command run in a workload). Shapes follow Sysdig's event
//! forwarding documentation samples: nanosecond `timestamp` plus `timestampRFC3339Nano`, the
//! exec's `args`, `stages` and `sourceAddresses`, and agent `labels`.

use crate::json::Obj;
use crate::rng::Rng;
use crate::text::{hex, push_i64, push_rfc3339, uuid, Zone};

/// A `kubectl exec` as the activity audit records it.
#[derive(Clone, Debug)]
pub(crate) struct KubeExec<'a> {
    /// The node the pod runs on.
    pub hostname: &'a str,
    pub namespace: &'a str,
    pub pod: &'a str,
    pub container: &'a str,
    pub container_id: &'a str,
    pub command: &'a str,
    /// `system:serviceaccount:…` or an OIDC user.
    pub username: &'a str,
    pub groups: &'a [&'a str],
    pub source_address: &'a str,
    pub user_agent: &'a str,
    pub cluster: &'a str,
}

/// Appends one `kubernetes` activity audit record.
pub(crate) fn kube_exec(out: &mut Vec<u8>, rng: &mut Rng, now: i64, exec: &KubeExec<'_>) {
    let sub_ms = rng.below(1_000_000) as i64;
    let time_ns = now * 1_000_000 + sub_ms;
    let started = time_ns - rng.range(50, 400) as i64 * 1_000_000;
    let mut obj = Obj::new(out);
    obj.str("id", &hex(rng, 32))
        .u64("agentId", 40_000 + rng.below(20_000))
        .obj("args", |a| {
            a.str("command", exec.command)
                .str("container", exec.container);
        })
        .str("auditId", &uuid(rng))
        .str("containerId", exec.container_id)
        .str("hostname", exec.hostname)
        .str("name", exec.pod)
        .str("namespace", exec.namespace)
        .str("resource", "pods")
        .strs("sourceAddresses", &[exec.source_address])
        .obj("stages", |s| {
            s.with("started", |b| push_i64(b, started))
                .with("completed", |b| push_i64(b, started + 120_000_000));
        })
        .str("subResource", "exec")
        .with("timestamp", |b| push_i64(b, time_ns))
        .with("timestampRFC3339Nano", |b| {
            b.push(b'"');
            push_rfc3339(b, now, sub_ms as u32, 9, Zone::Z);
            b.push(b'"');
        })
        .str("type", "kubernetes")
        .obj("user", |u| {
            u.str("username", exec.username).strs("groups", exec.groups);
        })
        .str("userAgent", exec.user_agent)
        .obj("labels", |l| {
            l.str("host.hostName", exec.hostname)
                .str("kubernetes.cluster.name", exec.cluster)
                .str("kubernetes.namespace.name", exec.namespace)
                .str("kubernetes.pod.name", exec.pod);
        });
    obj.finish();
    out.push(b'\n');
}

/// A command run in a workload, as the activity audit records it.
#[derive(Clone, Debug)]
pub(crate) struct Command<'a> {
    pub hostname: &'a str,
    pub namespace: &'a str,
    pub pod: &'a str,
    pub container_id: &'a str,
    pub cmdline: &'a str,
    pub exepath: &'a str,
    pub parent: &'a str,
    pub username: &'a str,
    pub cluster: &'a str,
}

/// Appends one `command` activity audit record.
pub(crate) fn command(out: &mut Vec<u8>, rng: &mut Rng, now: i64, command: &Command<'_>) {
    let sub_ms = rng.below(1_000_000) as i64;
    let time_ns = now * 1_000_000 + sub_ms;
    let comm = command
        .exepath
        .rsplit('/')
        .next()
        .unwrap_or(command.exepath);
    let pid = rng.range(200, 60_000);
    let mut obj = Obj::new(out);
    obj.str("id", &hex(rng, 32))
        .u64("agentId", 40_000 + rng.below(20_000))
        .str("cmdline", command.cmdline)
        .str("comm", comm)
        .str("pcomm", command.parent)
        .str("containerId", command.container_id)
        .u64("count", 1)
        .str("cwd", "/")
        .str("hostname", command.hostname)
        .u64("loginShellDistance", 1)
        .u64("loginShellId", pid - 1)
        .u64("pid", pid)
        .u64("ppid", pid - 1)
        .str("procExepath", command.exepath)
        .with("rxTimestamp", |b| push_i64(b, time_ns + 880_000_000))
        .with("timestamp", |b| push_i64(b, time_ns))
        .with("timestampRFC3339Nano", |b| {
            b.push(b'"');
            push_rfc3339(b, now, sub_ms as u32, 9, Zone::Z);
            b.push(b'"');
        })
        .u64("tty", 34_816)
        .str("type", "command")
        .u64("uid", if command.username == "root" { 0 } else { 1000 })
        .str("username", command.username)
        .u64("userLoginUid", 4_294_967_295)
        .str("userLoginName", "<NA>")
        .obj("labels", |l| {
            l.str(
                "container.label.io.kubernetes.pod.namespace",
                command.namespace,
            )
            .str("host.hostName", command.hostname)
            .str("kubernetes.cluster.name", command.cluster)
            .str("kubernetes.pod.name", command.pod);
        });
    obj.finish();
    out.push(b'\n');
}
