//! Attack stories and benign look-alikes injected into a simulated day.
//!
//! A story is a function that writes records through a [`StoryCtx`]: Activity Tracker events,
//! firewall syslog lines, CIS Logpush records, Falco alerts, Workload Protection audit records
//! (each with the same writer as the background of its source) and VPC flows (which the
//! simulator splits into the capture windows of the vNICs that see them). While it writes,
//! the context collects the story's ground truth: its time span, sources, record count and
//! the entities it names. Each story draws from its own random stream, so adding or changing
//! one story leaves the others' bytes alone.
//!
//! Stories are placed at a nominal time of day (`at_ms`) on a 24-hour day; a shorter
//! simulation compresses the start times, never the stories themselves.

mod at;
mod benign;
mod evasion;
mod identity;
mod network;
pub(crate) mod rules;
mod runtime;

use std::collections::BTreeSet;

use vigil_model::SourceType;

use crate::activity_tracker::{self, Event};
use crate::cis::{self, Stamp};
use crate::estate::{public_ip, Estate, Instance, Role};
use crate::rng::Rng;
use crate::simulate::{ExpectedRule, Loudness, StoryEntities, StoryKind, StoryTruth};
use crate::text::ipv4;
use crate::{falco, fortigate, panos, sysdig, FirewallVendor};

/// Where an injected line goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Sink {
    /// Activity Tracker objects of account `n` (index into the estate's accounts).
    ActivityTracker(usize),
    /// The syslog files of a firewall vendor.
    Syslog(FirewallVendor),
    /// CIS Logpush `firewall_events`.
    CisFirewall,
    /// CIS Logpush `http_requests`.
    CisHttp,
    /// Falco alerts.
    Falco,
    /// Workload Protection activity audit.
    Sysdig,
}

impl Sink {
    fn source_type(self) -> SourceType {
        match self {
            Sink::ActivityTracker(_) => SourceType::ActivityTracker,
            Sink::Syslog(FirewallVendor::PanOs) => SourceType::PanOs,
            Sink::Syslog(FirewallVendor::FortiGate) => SourceType::FortiGate,
            Sink::Syslog(FirewallVendor::CheckPoint) => SourceType::CheckPoint,
            Sink::CisFirewall => SourceType::CisFirewall,
            Sink::CisHttp => SourceType::CisHttp,
            Sink::Falco => SourceType::Falco,
            Sink::Sysdig => SourceType::Sysdig,
        }
    }
}

/// One injected record (a line, with its `\n`).
#[derive(Clone, Debug)]
pub(crate) struct Line {
    pub time_ms: i64,
    pub sink: Sink,
    pub bytes: Vec<u8>,
}

/// One connection, as the network saw it from start to end. The simulator writes it into the
/// flow logs of the vNICs at either end that belong to the estate, split into their capture
/// windows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Flow {
    pub start_ms: i64,
    pub end_ms: i64,
    pub initiator_ip: u32,
    pub target_ip: u32,
    pub initiator_port: u64,
    pub target_port: u64,
    /// 6 (TCP) or 17 (UDP).
    pub protocol: u64,
    /// Rejected by a security group or ACL (a single SYN, no window times).
    pub rejected: bool,
    pub bytes_from_initiator: u64,
    pub packets_from_initiator: u64,
    pub bytes_from_target: u64,
    pub packets_from_target: u64,
}

/// Everything the stories inject.
#[derive(Clone, Debug, Default)]
pub(crate) struct Injected {
    pub lines: Vec<Line>,
    pub flows: Vec<Flow>,
    /// Flow log collectors deleted: no flow objects for the account's vNICs from then on.
    pub flow_cutoffs: Vec<(usize, i64)>,
}

/// One story: what it is, when it happens, what it should trigger, and how to write it.
pub(crate) struct StoryDef {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub kind: StoryKind,
    pub loudness: Loudness,
    pub techniques: &'static [&'static str],
    /// Nominal start, as a time of day (ms after midnight).
    pub at_ms: i64,
    /// How long it lasts at most (ms), to keep it inside a short simulation.
    pub length_ms: i64,
    pub expected: &'static [ExpectedRule],
    pub build: fn(&mut StoryCtx<'_>),
}

/// Every story, in the order they are listed in the ground truth.
pub(crate) fn all() -> Vec<&'static StoryDef> {
    let mut stories: Vec<&'static StoryDef> = Vec::new();
    stories.extend(identity::STORIES);
    stories.extend(network::STORIES);
    stories.extend(runtime::STORIES);
    stories.extend(evasion::STORIES);
    stories.extend(benign::STORIES);
    stories
}

/// The longest story: simulations must last at least this long.
pub(crate) fn longest_ms() -> i64 {
    all().iter().map(|s| s.length_ms).max().unwrap_or(0)
}

/// What the simulator hands each story.
pub(crate) struct Setting<'a> {
    pub estate: &'a Estate,
    pub seed: u64,
    pub start_ms: i64,
    pub end_ms: i64,
    /// Timestamp formats of the CIS Logpush jobs: `firewall_events`, `http_requests`.
    pub cis_stamps: (Stamp, Stamp),
}

/// Runs every story; returns their ground truth and what they inject.
pub(crate) fn inject(setting: &Setting<'_>) -> (Vec<StoryTruth>, Injected) {
    let mut injected = Injected::default();
    let mut truths = Vec::new();
    let span = setting.end_ms - setting.start_ms;
    for story in all() {
        // Place the story at its time of day, compressed into a shorter span, and always
        // early enough to end before the simulation does.
        let nominal = story.at_ms as i128 * span as i128 / DAY_MS as i128;
        let latest = (span - story.length_ms).max(0) as i128;
        let t0 = setting.start_ms + nominal.min(latest) as i64;
        let mut ctx = StoryCtx {
            estate: setting.estate,
            rng: Rng::for_stream(setting.seed, &format!("story:{}", story.id)),
            t0,
            cis_stamps: setting.cis_stamps,
            out: &mut injected,
            entities: StoryEntities::default(),
            indicators: BTreeSet::new(),
            sources: BTreeSet::new(),
            records: 0,
            first_ms: i64::MAX,
            last_ms: i64::MIN,
            session: 0,
        };
        ctx.session = 3_000_000 + ctx.rng.below(1_000_000);
        (story.build)(&mut ctx);
        let StoryCtx {
            entities,
            indicators,
            sources,
            records,
            first_ms,
            last_ms,
            ..
        } = ctx;
        truths.push(StoryTruth {
            id: story.id,
            name: story.name,
            description: story.description,
            kind: story.kind,
            loudness: story.loudness,
            techniques: story.techniques,
            start_ms: first_ms,
            end_ms: last_ms,
            entities,
            indicators,
            sources,
            expected_rules: story.expected.to_vec(),
            records,
        });
    }
    (truths, injected)
}

const DAY_MS: i64 = 86_400_000;
const MINUTE: i64 = 60_000;
const SECOND: i64 = 1_000;

/// A story being written.
pub(crate) struct StoryCtx<'a> {
    pub estate: &'a Estate,
    pub rng: Rng,
    /// The story's start.
    pub t0: i64,
    cis_stamps: (Stamp, Stamp),
    out: &'a mut Injected,
    entities: StoryEntities,
    indicators: BTreeSet<String>,
    sources: BTreeSet<SourceType>,
    records: u64,
    first_ms: i64,
    last_ms: i64,
    session: u64,
}

impl<'a> StoryCtx<'a> {
    /// `t0 + offset`.
    pub(crate) fn at(&self, offset_ms: i64) -> i64 {
        self.t0 + offset_ms
    }

    /// A random delay in `0..=max_ms`.
    pub(crate) fn jitter(&mut self, max_ms: i64) -> i64 {
        self.rng.below(max_ms.max(0) as u64 + 1) as i64
    }

    /// A public address nobody in the estate's background uses.
    pub(crate) fn fresh_ip(&mut self) -> u32 {
        loop {
            let ip = public_ip(&mut self.rng);
            let known = self.estate.clients.contains(&ip)
                || self.estate.scanners.contains(&ip)
                || self.estate.offices.contains(&ip);
            if !known {
                return ip;
            }
        }
    }

    /// The `n`-th instance of `role` in account `account`.
    pub(crate) fn instance(&self, account: usize, role: Role, n: usize) -> &'a Instance {
        let estate: &'a Estate = self.estate;
        let matching: Vec<&'a Instance> = estate
            .instances
            .iter()
            .filter(|i| i.account == account && i.role == role)
            .collect();
        matching[n % matching.len()]
    }

    /// A session number for firewall logs.
    pub(crate) fn next_session(&mut self) -> u64 {
        self.session += 1 + self.rng.below(40);
        self.session
    }

    /// Counts one record of `source` spanning `start_ms..=end_ms`.
    fn note(&mut self, start_ms: i64, end_ms: i64, source: SourceType) {
        self.first_ms = self.first_ms.min(start_ms);
        self.last_ms = self.last_ms.max(end_ms);
        self.sources.insert(source);
        self.records += 1;
    }

    /// Injects one line.
    pub(crate) fn line(&mut self, time_ms: i64, sink: Sink, bytes: Vec<u8>) {
        self.note(time_ms, time_ms, sink.source_type());
        self.out.lines.push(Line {
            time_ms,
            sink,
            bytes,
        });
    }

    /// Injects one Activity Tracker event of account `account`.
    pub(crate) fn activity(
        &mut self,
        time_ms: i64,
        account: usize,
        event: &Event<'_>,
        request: &[u8],
        response: &[u8],
    ) {
        let mut bytes = Vec::with_capacity(1600);
        activity_tracker::emit(&mut bytes, &mut self.rng, time_ms, event, request, response);
        self.line(time_ms, Sink::ActivityTracker(account), bytes);
    }

    /// Injects one connection into the flow logs.
    pub(crate) fn flow(&mut self, flow: Flow) {
        self.note(flow.start_ms, flow.end_ms, SourceType::VpcFlowLog);
        self.out.flows.push(flow);
    }

    /// Stops the flow logs of `account` at `time_ms` (its collector was deleted).
    pub(crate) fn cut_flow_logs(&mut self, account: usize, time_ms: i64) {
        self.out.flow_cutoffs.push((account, time_ms));
    }

    /// Injects one PAN-OS line.
    pub(crate) fn panos(
        &mut self,
        time_ms: i64,
        firewall: usize,
        conn: &panos::Conn,
        log: &panos::Log,
    ) {
        let session = self.next_session();
        let mut bytes = Vec::with_capacity(700);
        panos::story_line(
            &mut bytes,
            &mut self.rng,
            self.estate,
            time_ms,
            firewall,
            session,
            conn,
            log,
        );
        self.line(time_ms, Sink::Syslog(FirewallVendor::PanOs), bytes);
    }

    /// Injects one FortiGate administrator login.
    pub(crate) fn fortigate_login(
        &mut self,
        time_ms: i64,
        device: usize,
        src: u32,
        user: &str,
        failed: bool,
    ) {
        let mut bytes = Vec::with_capacity(600);
        fortigate::story_admin_login(
            &mut bytes,
            &mut self.rng,
            time_ms,
            device,
            src,
            user,
            "https",
            failed,
        );
        self.line(time_ms, Sink::Syslog(FirewallVendor::FortiGate), bytes);
    }

    /// Injects one CIS `http_requests` record.
    pub(crate) fn cis_http(&mut self, time_ms: i64, spec: &cis::HttpSpec<'_>) {
        let mut bytes = Vec::with_capacity(1800);
        cis::http_record(&mut bytes, &mut self.rng, self.cis_stamps.1, time_ms, spec);
        self.line(time_ms, Sink::CisHttp, bytes);
    }

    /// Injects one CIS `firewall_events` record.
    pub(crate) fn cis_firewall(&mut self, time_ms: i64, spec: &cis::FirewallSpec<'_>) {
        let mut bytes = Vec::with_capacity(900);
        cis::firewall_record(&mut bytes, &mut self.rng, self.cis_stamps.0, time_ms, spec);
        self.line(time_ms, Sink::CisFirewall, bytes);
    }

    /// Injects one Falco alert.
    pub(crate) fn falco(&mut self, time_ms: i64, spec: &falco::AlertSpec<'_>) {
        let sub_ms = self.rng.below(1_000_000) as u32;
        let mut bytes = Vec::with_capacity(1200);
        falco::story_alert(&mut bytes, &mut self.rng, time_ms, sub_ms, spec);
        self.line(time_ms, Sink::Falco, bytes);
    }

    /// Injects one Workload Protection `kubectl exec` audit record.
    pub(crate) fn kube_exec(&mut self, time_ms: i64, exec: &sysdig::KubeExec<'_>) {
        let mut bytes = Vec::with_capacity(900);
        sysdig::kube_exec(&mut bytes, &mut self.rng, time_ms, exec);
        self.line(time_ms, Sink::Sysdig, bytes);
    }

    /// Injects one Workload Protection command audit record.
    pub(crate) fn sysdig_command(&mut self, time_ms: i64, command: &sysdig::Command<'_>) {
        let mut bytes = Vec::with_capacity(900);
        sysdig::command(&mut bytes, &mut self.rng, time_ms, command);
        self.line(time_ms, Sink::Sysdig, bytes);
    }

    /// Names an IP address; an indicator when `indicator`.
    pub(crate) fn name_ip(&mut self, ip: u32, indicator: bool) -> String {
        let text = ipv4(ip);
        self.entities.ips.insert(text.clone());
        if indicator {
            self.indicators.insert(text.clone());
        }
        text
    }

    /// Names a user, service ID or principal.
    pub(crate) fn name_user(&mut self, user: &str, indicator: bool) {
        self.entities.users.insert(user.to_owned());
        if indicator {
            self.indicators.insert(user.to_owned());
        }
    }

    /// Names an API key (its id or CRN).
    pub(crate) fn name_key(&mut self, key: &str, indicator: bool) {
        self.entities.api_keys.insert(key.to_owned());
        if indicator {
            self.indicators.insert(key.to_owned());
        }
    }

    /// Names a resource (CRN, pod, container).
    pub(crate) fn name_resource(&mut self, resource: &str, indicator: bool) {
        self.entities.resources.insert(resource.to_owned());
        if indicator {
            self.indicators.insert(resource.to_owned());
        }
    }

    /// Names a host.
    pub(crate) fn name_host(&mut self, host: &str, indicator: bool) {
        self.entities.hosts.insert(host.to_owned());
        if indicator {
            self.indicators.insert(host.to_owned());
        }
    }
}

/// A TCP connection of `bytes_out`/`bytes_in` from `from:port` to `to:target_port`, from
/// `start_ms` for `length_ms`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn tcp(
    start_ms: i64,
    length_ms: i64,
    from: u32,
    port: u64,
    to: u32,
    target_port: u64,
    bytes_out: u64,
    bytes_in: u64,
) -> Flow {
    Flow {
        start_ms,
        end_ms: start_ms + length_ms.max(1),
        initiator_ip: from,
        target_ip: to,
        initiator_port: port,
        target_port,
        protocol: 6,
        rejected: false,
        bytes_from_initiator: bytes_out,
        packets_from_initiator: bytes_out / 1_300 + 3,
        bytes_from_target: bytes_in,
        packets_from_target: bytes_in / 1_300 + 2,
    }
}

/// A probe rejected by a security group: one SYN, nothing back.
pub(crate) fn rejected(time_ms: i64, from: u32, port: u64, to: u32, target_port: u64) -> Flow {
    Flow {
        start_ms: time_ms,
        end_ms: time_ms,
        initiator_ip: from,
        target_ip: to,
        initiator_port: port,
        target_port,
        protocol: 6,
        rejected: true,
        bytes_from_initiator: 54,
        packets_from_initiator: 1,
        bytes_from_target: 0,
        packets_from_target: 0,
    }
}
