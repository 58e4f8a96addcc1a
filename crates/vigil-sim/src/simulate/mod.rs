//! A simulated day of the estate with labelled attacks: [`simulate`].
//!
//! The background is the generator's, drawn as a routine day ([`Profile::Routine`]): the
//! alarming record kinds are left out or kept rare, people work business hours (Activity
//! Tracker's human actions follow the clock), web traffic peaks in the evening, and every
//! source is paced hour by hour to its daily volume times `scale`. Into it go the stories of
//! [`crate::story`] — attacks and benign look-alikes — written by the same writers, merged by
//! time into the same files, and described in `ground-truth.json`.
//!
//! Layout (what a collector would find in object storage or on a syslog server):
//!
//! ```text
//! activity-tracker/<account>/<region>/<YYYY-MM-DDTHH>/<YYYY-MM-DDTHH:MM>+00_<uuid>.log     gzip NDJSON, 5 min
//! cos/flow-logs/ibm_vpc_flowlogs_v1/account=…/…/stream-id=…/<sequence>.gz                 one object per vNIC window with flows
//! syslog/<vendor>/<vendor>-<YYYYMMDD>-<HH>.log                                            plain lines, hourly
//! cis-logpush/{firewall_events,http_requests}/<YYYYMMDD>/<start>_<end>_<hex>.log.gz        gzip NDJSON, 5 min
//! falco/<YYYY-MM-DD>/events-<HH>.json                                                      plain NDJSON, hourly
//! workload-protection/activity-audit/events-<YYYYMMDD>.ndjson                              plain NDJSON, daily
//! aws-cloudtrail/<account>/<YYYY>/<MM>/<DD>/events-<YYYYMMDDTHHMM>Z.ndjson.gz              gzip NDJSON, 15 min
//! ground-truth.json
//! ```
//!
//! Files get the modification time a real writer would have left (the end of their batch),
//! which is also what readers of year-less syslog lines take as their reference time.
//!
//! Deterministic: the same options write the same bytes, whatever the thread scheduling.
//!
//! [`Profile::Routine`]: crate::Profile::Routine

mod background;
mod files;
mod truth;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub use truth::{ExpectedRule, Loudness, StoryEntities, StoryKind, StoryTruth};

use crate::cis;
use crate::dataset::{DatasetSummary, WrittenFile};
use crate::rng::Rng;
use crate::story::{self, Setting, Sink};
use crate::{Feed, FirewallVendor, Generator, GeneratorOptions};

/// 2025-06-02T00:00:00Z, a Monday: the default start of a simulated day.
pub const DEFAULT_DAY_START_MS: i64 = 1_748_822_400_000;

/// The estate's sanctioned vulnerability scanner, 198.51.100.77: allowed by the security
/// groups, it scans the estate every week (story `B01`).
pub const SANCTIONED_SCANNER_IP: u32 = 0xc633_644d;

/// How to simulate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimulateOptions {
    /// The seed: same seed, same estate, same stories, same bytes.
    pub seed: u64,
    /// Length of the simulation (hours). Stories keep their length; below 24 hours their
    /// start times are compressed.
    pub hours: u32,
    /// Background volume factor: 1.0 is about 200,000 records a day; stories do not scale.
    pub scale: f64,
    /// Start of the simulation (ms since the epoch, UTC).
    pub start_ms: i64,
}

impl Default for SimulateOptions {
    fn default() -> SimulateOptions {
        SimulateOptions {
            seed: 1,
            hours: 24,
            scale: 1.0,
            start_ms: DEFAULT_DAY_START_MS,
        }
    }
}

/// What [`simulate`] wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct Simulation {
    /// Every file of telemetry, with totals per source.
    pub files: DatasetSummary,
    /// The injected stories, as in the ground truth.
    pub stories: Vec<StoryTruth>,
    /// Where the ground truth is.
    pub ground_truth: PathBuf,
    /// Start of the simulated time (ms).
    pub start_ms: i64,
    /// End of the simulated time (ms, exclusive).
    pub end_ms: i64,
}

const HOUR_MS: i64 = 3_600_000;

/// The shortest simulation: the longest story must fit.
pub fn min_hours() -> u32 {
    ((story::longest_ms() + HOUR_MS - 1) / HOUR_MS) as u32
}

/// The longest simulation (a month).
pub const MAX_HOURS: u32 = 24 * 31;

/// Simulates `options.hours` of the estate into `dir` (created if missing, and refused if not
/// empty): background telemetry of every source, the injected stories, and
/// `ground-truth.json`.
pub fn simulate(dir: &Path, options: &SimulateOptions) -> io::Result<Simulation> {
    let invalid = |message: String| io::Error::new(io::ErrorKind::InvalidInput, message);
    if !(options.scale.is_finite() && options.scale > 0.0) {
        return Err(invalid(format!(
            "scale must be a positive number, not {}",
            options.scale
        )));
    }
    if options.hours < min_hours() || options.hours > MAX_HOURS {
        return Err(invalid(format!(
            "hours must be between {} and {MAX_HOURS}, not {}",
            min_hours(),
            options.hours
        )));
    }
    // Files of an earlier run would be hunted with the new ground truth, which does not know
    // them: start from an empty directory.
    if fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(invalid(format!(
            "`{}` is not empty: simulate into a new or empty directory",
            dir.display()
        )));
    }
    fs::create_dir_all(dir)?;
    let start_ms = options.start_ms;
    let end_ms = start_ms + i64::from(options.hours) * HOUR_MS;
    let generator = Generator::with_options(GeneratorOptions {
        seed: options.seed,
        start_ms,
    });
    let mut rng = Rng::for_stream(options.seed, "simulate");
    let cis_stamps = (cis::pick_stamp(&mut rng), cis::pick_stamp(&mut rng));
    let setting = Setting {
        estate: generator.estate(),
        seed: options.seed,
        start_ms,
        end_ms,
        cis_stamps,
    };
    let (stories, injected) = story::inject(&setting);

    // Story lines per output, in time order (stable: equal times keep the stories' order).
    let mut lines = injected.lines;
    lines.sort_by_key(|line| line.time_ms);
    let lines_of = |wanted: &dyn Fn(Sink) -> bool| -> Vec<story::Line> {
        lines.iter().filter(|l| wanted(l.sink)).cloned().collect()
    };
    let plan = files::Plan {
        dir,
        seed: options.seed,
        scale: options.scale,
        start_ms,
        end_ms,
    };

    let results: Vec<io::Result<Vec<WrittenFile>>> = std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for feed in Feed::ALL {
            let mut generator = generator.clone();
            let feed_lines = lines_of(&|sink| feed_of(sink) == Some(feed));
            let stamp = if feed == Feed::CisFirewall {
                cis_stamps.0
            } else {
                cis_stamps.1
            };
            let plan = &plan;
            handles.push(
                scope.spawn(move || {
                    files::write_feed(plan, &mut generator, feed, stamp, &feed_lines)
                }),
            );
        }
        let sysdig_lines = lines_of(&|sink| sink == Sink::Sysdig);
        let plan = &plan;
        handles.push(scope.spawn(move || files::write_sysdig(plan, &sysdig_lines)));
        let generator = &generator;
        let flows = &injected.flows;
        let cutoffs = &injected.flow_cutoffs;
        handles.push(scope.spawn(move || files::write_flow_logs(plan, generator, flows, cutoffs)));
        handles
            .into_iter()
            .map(|handle| {
                handle.join().unwrap_or_else(|_| {
                    Err(io::Error::other("a simulation writer thread panicked"))
                })
            })
            .collect()
    });

    let mut summary = DatasetSummary::default();
    for result in results {
        for file in result? {
            summary.add(file);
        }
    }

    let ground_truth = dir.join("ground-truth.json");
    let mut json = Vec::with_capacity(64 * 1024);
    truth::write_json(
        &mut json,
        options.seed,
        options.scale,
        options.hours,
        (start_ms, end_ms),
        &stories,
    );
    fs::write(&ground_truth, json)?;
    Ok(Simulation {
        files: summary,
        stories,
        ground_truth,
        start_ms,
        end_ms,
    })
}

/// The background feed a story sink merges into (`None` for outputs with no background).
fn feed_of(sink: Sink) -> Option<Feed> {
    match sink {
        Sink::ActivityTracker(_) => Some(Feed::ActivityTracker),
        Sink::Syslog(vendor) => Some(Feed::Firewall(vendor)),
        Sink::CisFirewall => Some(Feed::CisFirewall),
        Sink::CisHttp => Some(Feed::CisHttp),
        Sink::Falco => Some(Feed::Falco),
        Sink::Sysdig => None,
    }
}

/// The syslog directory and file stem of a vendor.
fn vendor_name(vendor: FirewallVendor) -> &'static str {
    match vendor {
        FirewallVendor::PanOs => "panos",
        FirewallVendor::FortiGate => "fortigate",
        FirewallVendor::CheckPoint => "checkpoint",
    }
}

#[cfg(test)]
mod tests;
