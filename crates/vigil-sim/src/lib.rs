//! Synthetic telemetry for an IBM Cloud VPC estate, byte for byte in each source's wire format.
//!
//! Vigil needs realistic input in volume: for benchmarks (hundreds of megabytes), for demos
//! and for end-to-end tests. Real logs cannot be shipped, and hand-written fixtures are too few
//! and too regular. This crate makes them up, deterministically: a [`Generator`] built from a
//! seed always produces the same bytes for the same sequence of calls.
//!
//! The generator first builds an *estate* from the seed — two accounts with one VPC each,
//! subnets per zone, web/app/database/bastion/Kubernetes instances with vNICs and floating IPs,
//! people with IBMids, service IDs, COS buckets, office egress addresses, internet clients and
//! scanners — and every source then describes that same estate: flow logs carry the instances'
//! addresses and CRNs, Activity Tracker events name the same accounts, buckets and security
//! groups, firewalls see the same clients. Each source draws from its own random stream, so
//! generating one source never changes what another produces.
//!
//! Formats, each checked against the real samples and the format reference:
//!
//! * IBM Cloud Activity Tracker: CADF JSON, one event per line ([`Feed::ActivityTracker`]);
//! * IBM Cloud VPC flow logs: gzip objects holding one JSON object with a `flow_logs` array,
//!   with their COS object key ([`Generator::flow_log_object`]);
//! * PAN-OS TRAFFIC and THREAT CSV over RFC 3164 and RFC 5424 syslog, FortiGate key=value
//!   (traffic, utm, event), Check Point Log Exporter syslog ([`FirewallVendor`]);
//! * IBM Cloud Internet Services (Cloudflare) Logpush `firewall_events` and `http_requests`
//!   NDJSON, Falco JSON alerts and AWS CloudTrail events, one per line.
//!
//! [`write_dataset`] writes a directory tree with files of every source, laid out as they are
//! found in object storage or on a syslog server.
//!
//! [`simulate`] writes a *day* of the estate instead: the same sources paced hour by hour
//! (business-hour administration, evening web traffic, flow logs per vNIC capture window),
//! drawn as a routine day, with attack stories and benign look-alikes injected by the same
//! writers and merged by time into the same files, and a `ground-truth.json` that says, for
//! each story, when it happened, what it names and which rules of the IBM Cloud pack should
//! fire. The stories live in `story/`, one function each.
//!
//! This crate does no detection or parsing and knows nothing of OCSF; it only knows the wire
//! formats. It reads no clock: time starts at [`GeneratorOptions::start_ms`] and advances with
//! the records.

mod activity_tracker;
mod checkpoint;
mod cis;
mod cloudtrail;
mod dataset;
mod estate;
mod falco;
mod flowlog;
mod fortigate;
mod json;
mod panos;
mod rng;
mod simulate;
mod story;
mod sysdig;
mod text;

#[cfg(test)]
mod tests;

pub use dataset::{write_dataset, DatasetOptions, DatasetSummary, FeedSummary, WrittenFile};
pub use simulate::{
    simulate, ExpectedRule, Loudness, SimulateOptions, Simulation, StoryEntities, StoryKind,
    StoryTruth, DEFAULT_DAY_START_MS, SANCTIONED_SCANNER_IP,
};

use estate::Estate;
use rng::Rng;
use vigil_model::SourceType;

/// 2025-06-02T08:00:00Z, the default start of generated time.
pub const DEFAULT_START_MS: i64 = 1_748_851_200_000;

/// The firewall vendors whose syslog lines can be generated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FirewallVendor {
    /// Palo Alto Networks PAN-OS: TRAFFIC and THREAT CSV over RFC 3164 or RFC 5424 syslog.
    PanOs,
    /// Fortinet FortiGate: key=value traffic, utm and event logs.
    FortiGate,
    /// Check Point Log Exporter: syslog with Check Point's bracketed fields.
    CheckPoint,
}

impl FirewallVendor {
    /// Every vendor.
    pub const ALL: [FirewallVendor; 3] = [
        FirewallVendor::PanOs,
        FirewallVendor::FortiGate,
        FirewallVendor::CheckPoint,
    ];
}

/// A record-oriented source: NDJSON or syslog lines, one record per line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Feed {
    /// IBM Cloud Activity Tracker CADF events.
    ActivityTracker,
    /// Firewall syslog lines of one vendor.
    Firewall(FirewallVendor),
    /// CIS Logpush `firewall_events`.
    CisFirewall,
    /// CIS Logpush `http_requests`.
    CisHttp,
    /// Falco JSON alerts.
    Falco,
    /// AWS CloudTrail events.
    CloudTrail,
}

impl Feed {
    /// Every feed.
    pub const ALL: [Feed; 8] = [
        Feed::ActivityTracker,
        Feed::Firewall(FirewallVendor::PanOs),
        Feed::Firewall(FirewallVendor::FortiGate),
        Feed::Firewall(FirewallVendor::CheckPoint),
        Feed::CisFirewall,
        Feed::CisHttp,
        Feed::Falco,
        Feed::CloudTrail,
    ];

    /// The mean gap between two records of this feed at its own pace (ms).
    pub(crate) fn mean_gap_ms(self) -> u64 {
        match self {
            Feed::ActivityTracker => activity_tracker::MEAN_GAP_MS,
            Feed::Firewall(FirewallVendor::PanOs) => panos::MEAN_GAP_MS,
            Feed::Firewall(FirewallVendor::FortiGate) => fortigate::MEAN_GAP_MS,
            Feed::Firewall(FirewallVendor::CheckPoint) => checkpoint::MEAN_GAP_MS,
            Feed::CisFirewall => cis::MEAN_GAP_MS * cis::FIREWALL_GAP_FACTOR,
            Feed::CisHttp => cis::MEAN_GAP_MS,
            Feed::Falco => falco::MEAN_GAP_MS,
            Feed::CloudTrail => cloudtrail::MEAN_GAP_MS,
        }
    }

    /// The source type Vigil reads this feed as.
    pub fn source_type(self) -> SourceType {
        match self {
            Feed::ActivityTracker => SourceType::ActivityTracker,
            Feed::Firewall(FirewallVendor::PanOs) => SourceType::PanOs,
            Feed::Firewall(FirewallVendor::FortiGate) => SourceType::FortiGate,
            Feed::Firewall(FirewallVendor::CheckPoint) => SourceType::CheckPoint,
            Feed::CisFirewall => SourceType::CisFirewall,
            Feed::CisHttp => SourceType::CisHttp,
            Feed::Falco => SourceType::Falco,
            Feed::CloudTrail => SourceType::CloudTrail,
        }
    }
}

/// How to build a [`Generator`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GeneratorOptions {
    /// The seed: same seed, same estate, same bytes.
    pub seed: u64,
    /// Where generated time starts (ms since the Unix epoch, UTC).
    pub start_ms: i64,
}

impl Default for GeneratorOptions {
    fn default() -> GeneratorOptions {
        GeneratorOptions {
            seed: 1,
            start_ms: DEFAULT_START_MS,
        }
    }
}

/// What background a stream draws: everything the sources can say, or a quiet routine day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Profile {
    /// Every kind of record, the rare alarming ones included (benchmarks, parser tests).
    Mixed,
    /// An ordinary day: the alarming kinds (MFA switched off, C2 beacons, miners, exploits
    /// let through…) are left out or kept rare, and people work business hours, so that what
    /// [`simulate`](crate::simulate) injects is what a hunt should find.
    Routine,
}

/// One source's random stream and clock.
#[derive(Clone, Debug)]
pub(crate) struct Stream {
    pub rng: Rng,
    pub clock_ms: i64,
    /// A counter for sequence numbers and session ids.
    pub counter: u64,
    /// Gaps between records are the source's mean gap times `pace_permille / 1000`.
    pub pace_permille: u64,
    /// What kind of background to draw.
    pub profile: Profile,
}

impl Stream {
    fn new(seed: u64, label: &str, start_ms: i64) -> Stream {
        let mut rng = Rng::for_stream(seed, label);
        let counter = 1_000 + rng.below(1_000_000);
        Stream {
            rng,
            clock_ms: start_ms,
            counter,
            pace_permille: 1000,
            profile: Profile::Mixed,
        }
    }

    /// Advances the clock by a random gap averaging `mean_ms` (times the pace) and returns the
    /// new time.
    #[inline]
    pub(crate) fn tick(&mut self, mean_ms: u64) -> i64 {
        let mean_ms = mean_ms * self.pace_permille / 1000;
        self.clock_ms += self.rng.below(2 * mean_ms + 1) as i64;
        self.clock_ms
    }

    /// True when this stream draws a routine day.
    #[inline]
    pub(crate) fn routine(&self) -> bool {
        self.profile == Profile::Routine
    }

    /// The next value of the counter.
    #[inline]
    pub(crate) fn next_count(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }
}

/// The deterministic generator. See the crate documentation.
#[derive(Clone, Debug)]
pub struct Generator {
    options: GeneratorOptions,
    estate: Estate,
    activity_tracker: Stream,
    flow_logs: flowlog::State,
    panos: Stream,
    fortigate: Stream,
    checkpoint: Stream,
    cis_firewall: Stream,
    cis_http: Stream,
    falco: Stream,
    cloudtrail: Stream,
}

impl Generator {
    /// A generator for `seed`, starting at [`DEFAULT_START_MS`].
    pub fn new(seed: u64) -> Generator {
        Generator::with_options(GeneratorOptions {
            seed,
            ..GeneratorOptions::default()
        })
    }

    /// A generator built from `options`.
    pub fn with_options(options: GeneratorOptions) -> Generator {
        let GeneratorOptions { seed, start_ms } = options;
        let estate = Estate::new(seed);
        Generator {
            flow_logs: flowlog::State::new(seed, start_ms, &estate),
            estate,
            activity_tracker: Stream::new(seed, "activity_tracker", start_ms),
            panos: Stream::new(seed, "panos", start_ms),
            fortigate: Stream::new(seed, "fortigate", start_ms),
            checkpoint: Stream::new(seed, "checkpoint", start_ms),
            cis_firewall: Stream::new(seed, "cis_firewall", start_ms),
            cis_http: Stream::new(seed, "cis_http", start_ms),
            falco: Stream::new(seed, "falco", start_ms),
            cloudtrail: Stream::new(seed, "cloudtrail", start_ms),
            options,
        }
    }

    /// The stream of a record-oriented feed.
    pub(crate) fn stream_mut(&mut self, feed: Feed) -> &mut Stream {
        match feed {
            Feed::ActivityTracker => &mut self.activity_tracker,
            Feed::Firewall(FirewallVendor::PanOs) => &mut self.panos,
            Feed::Firewall(FirewallVendor::FortiGate) => &mut self.fortigate,
            Feed::Firewall(FirewallVendor::CheckPoint) => &mut self.checkpoint,
            Feed::CisFirewall => &mut self.cis_firewall,
            Feed::CisHttp => &mut self.cis_http,
            Feed::Falco => &mut self.falco,
            Feed::CloudTrail => &mut self.cloudtrail,
        }
    }

    /// Appends one record of `feed` (CIS records with timestamps as `cis_stamp`) and returns
    /// its time.
    pub(crate) fn write_one(
        &mut self,
        feed: Feed,
        cis_stamp: cis::Stamp,
        out: &mut Vec<u8>,
    ) -> i64 {
        let estate = &self.estate;
        match feed {
            Feed::CisFirewall => {
                cis::write_firewall_as(&mut self.cis_firewall, estate, 1, out, cis_stamp)
            }
            Feed::CisHttp => cis::write_http_as(&mut self.cis_http, estate, 1, out, cis_stamp),
            _ => self.write_records(feed, 1, out),
        }
        self.stream_mut(feed).clock_ms
    }

    /// The estate every source describes.
    pub(crate) fn estate(&self) -> &Estate {
        &self.estate
    }

    /// The options this generator was built with.
    pub fn options(&self) -> GeneratorOptions {
        self.options
    }

    /// Appends `n` records of `feed` to `out`, one per line, each ending with `\n`.
    pub fn write_records(&mut self, feed: Feed, n: usize, out: &mut Vec<u8>) {
        let estate = &self.estate;
        match feed {
            Feed::ActivityTracker => {
                activity_tracker::write(&mut self.activity_tracker, estate, n, out)
            }
            Feed::Firewall(FirewallVendor::PanOs) => panos::write(&mut self.panos, estate, n, out),
            Feed::Firewall(FirewallVendor::FortiGate) => {
                fortigate::write(&mut self.fortigate, estate, n, out)
            }
            Feed::Firewall(FirewallVendor::CheckPoint) => {
                checkpoint::write(&mut self.checkpoint, estate, n, out)
            }
            Feed::CisFirewall => cis::write_firewall(&mut self.cis_firewall, estate, n, out),
            Feed::CisHttp => cis::write_http(&mut self.cis_http, estate, n, out),
            Feed::Falco => falco::write(&mut self.falco, estate, n, out),
            Feed::CloudTrail => cloudtrail::write(&mut self.cloudtrail, estate, n, out),
        }
    }

    fn records(&mut self, feed: Feed, n: usize, bytes_per_record: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n.saturating_mul(bytes_per_record));
        self.write_records(feed, n, &mut out);
        out
    }

    /// `n` Activity Tracker events as NDJSON.
    pub fn activity_tracker(&mut self, n: usize) -> Vec<u8> {
        self.records(Feed::ActivityTracker, n, 1600)
    }

    /// `n` syslog lines of `vendor`, LF terminated.
    pub fn firewall_syslog(&mut self, n: usize, vendor: FirewallVendor) -> Vec<u8> {
        self.records(Feed::Firewall(vendor), n, 700)
    }

    /// `n` CIS Logpush `firewall_events` records as NDJSON.
    pub fn cis_firewall(&mut self, n: usize) -> Vec<u8> {
        self.records(Feed::CisFirewall, n, 900)
    }

    /// `n` CIS Logpush `http_requests` records as NDJSON.
    pub fn cis_http(&mut self, n: usize) -> Vec<u8> {
        self.records(Feed::CisHttp, n, 1800)
    }

    /// `n` Falco alerts as NDJSON.
    pub fn falco(&mut self, n: usize) -> Vec<u8> {
        self.records(Feed::Falco, n, 1200)
    }

    /// `n` AWS CloudTrail events as NDJSON.
    pub fn cloudtrail(&mut self, n: usize) -> Vec<u8> {
        self.records(Feed::CloudTrail, n, 1400)
    }

    /// The next VPC flow log object of the estate with `records` flow records: its COS object
    /// key and its gzip-compressed body.
    pub fn flow_log_object(&mut self, records: usize) -> (String, Vec<u8>) {
        let (key, json) = self.flow_log_json(records);
        (key, flowlog::gzip(&json))
    }

    /// Like [`Generator::flow_log_object`], with the body not compressed.
    pub fn flow_log_json(&mut self, records: usize) -> (String, Vec<u8>) {
        flowlog::object(&mut self.flow_logs, &self.estate, records)
    }
}
