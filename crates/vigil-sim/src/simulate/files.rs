//! Writing a simulated day to files: batches rotated by time, story records merged into the
//! background in time order, flow log objects per vNIC window.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use vigil_model::SourceType;

use super::background::{flow_count, run_feed};
use super::vendor_name;
use crate::cis::Stamp;
use crate::dataset::{Sink, WrittenFile};
use crate::flowlog::{self, FlowPiece};
use crate::rng::Rng;
use crate::story::{Flow, Line, Sink as StorySink};
use crate::text::{compact_time, hex, push_date, uuid, Civil};
use crate::{Feed, Generator};

/// What every writer needs to know.
pub(super) struct Plan<'a> {
    pub dir: &'a Path,
    pub seed: u64,
    pub scale: f64,
    pub start_ms: i64,
    pub end_ms: i64,
}

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;

/// Names a batch from its start and the time of its first record.
type Namer<'a> = Box<dyn FnMut(i64, i64) -> PathBuf + Send + 'a>;

/// A sequence of batch files of one source, each holding the records of one time bucket.
struct Rotating<'a> {
    dir: &'a Path,
    source_type: SourceType,
    bucket_ms: i64,
    /// Seconds between a batch's end and the moment its writer closed it.
    close_delay_ms: i64,
    gzip: bool,
    name: Namer<'a>,
    open: Option<Open>,
    files: Vec<WrittenFile>,
}

struct Open {
    bucket: i64,
    relative: PathBuf,
    sink: Sink,
    records: u64,
    uncompressed: u64,
    last_ms: i64,
}

impl<'a> Rotating<'a> {
    fn new(
        dir: &'a Path,
        source_type: SourceType,
        bucket_ms: i64,
        gzip: bool,
        name: Namer<'a>,
    ) -> Rotating<'a> {
        Rotating {
            dir,
            source_type,
            bucket_ms,
            close_delay_ms: if gzip { 45_000 } else { 0 },
            gzip,
            name,
            open: None,
            files: Vec::new(),
        }
    }

    fn push(&mut self, time_ms: i64, bytes: &[u8]) -> io::Result<()> {
        let bucket = time_ms.div_euclid(self.bucket_ms);
        if self.open.as_ref().is_some_and(|open| open.bucket != bucket) {
            self.close()?;
        }
        if self.open.is_none() {
            let relative = (self.name)(bucket * self.bucket_ms, time_ms);
            let sink = Sink::create(&self.dir.join(&relative), self.gzip)?;
            self.open = Some(Open {
                bucket,
                relative,
                sink,
                records: 0,
                uncompressed: 0,
                last_ms: time_ms,
            });
        }
        let open = self.open.as_mut().expect("opened above");
        open.sink.write_all(bytes)?;
        open.records += 1;
        open.uncompressed += bytes.len() as u64;
        open.last_ms = open.last_ms.max(time_ms);
        Ok(())
    }

    fn close(&mut self) -> io::Result<()> {
        let Some(open) = self.open.take() else {
            return Ok(());
        };
        // Batches are closed after their bucket; plain syslog files are last written at
        // their last line.
        let closed_ms = if self.gzip {
            (open.bucket + 1) * self.bucket_ms + self.close_delay_ms
        } else {
            open.last_ms
        };
        let file = open.sink.finish_file()?;
        file.set_modified(system_time(closed_ms))?;
        let bytes = file.metadata()?.len();
        self.files.push(WrittenFile {
            path: open.relative,
            source_type: self.source_type,
            records: open.records,
            bytes,
            uncompressed_bytes: open.uncompressed,
        });
        Ok(())
    }

    fn finish(mut self) -> io::Result<Vec<WrittenFile>> {
        self.close()?;
        Ok(self.files)
    }
}

fn system_time(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64)
}

/// `YYYY-MM-DD`, `YYYYMMDD`, `HH`, `MM` of a time.
fn date(ms: i64, separator: Option<u8>) -> String {
    let civil = Civil::from_ms(ms);
    let mut buf = Vec::with_capacity(10);
    match separator {
        Some(separator) => push_date(&mut buf, &civil, separator),
        None => {
            let mut with_dashes = Vec::with_capacity(10);
            push_date(&mut with_dashes, &civil, b'-');
            buf.extend(with_dashes.into_iter().filter(|b| *b != b'-'));
        }
    }
    String::from_utf8(buf).expect("digits are ascii")
}

fn hour(ms: i64) -> String {
    format!("{:02}", Civil::from_ms(ms).hour)
}

/// The account of an Activity Tracker event: the one whose id its `logSourceCRN` names.
fn account_of(accounts: &[String], line: &[u8]) -> usize {
    let text = std::str::from_utf8(line).unwrap_or_default();
    let source = text.find("\"logSourceCRN\"").map_or(text, |at| &text[at..]);
    accounts
        .iter()
        .position(|id| source.contains(id.as_str()))
        .unwrap_or(0)
}

/// Writes one feed's background with its story lines merged in.
pub(super) fn write_feed(
    plan: &Plan<'_>,
    generator: &mut Generator,
    feed: Feed,
    cis_stamp: Stamp,
    lines: &[Line],
) -> io::Result<Vec<WrittenFile>> {
    let dir = plan.dir;
    let mut names = Rng::for_stream(plan.seed, &format!("simulate:names:{feed:?}"));
    let estate = generator.estate().clone();
    let source_type = feed.source_type();
    // One rotating writer per output of the feed (Activity Tracker: one per account).
    let mut writers: Vec<Rotating<'_>> = match feed {
        Feed::ActivityTracker => estate
            .accounts
            .iter()
            .map(|account| {
                let prefix = format!("activity-tracker/{}/{}", account.id, account.region);
                let mut rng = names.clone();
                names.next_u64();
                let namer: Namer<'_> = Box::new(move |_, first| {
                    let civil = Civil::from_ms(first);
                    let day = date(first, Some(b'-'));
                    PathBuf::from(format!(
                        "{prefix}/{day}T{:02}/{day}T{:02}:{:02}+00_{}.log",
                        civil.hour,
                        civil.hour,
                        civil.minute,
                        uuid(&mut rng)
                    ))
                });
                Rotating::new(dir, source_type, 5 * MINUTE_MS, true, namer)
            })
            .collect(),
        Feed::Firewall(vendor) => {
            let name = vendor_name(vendor);
            let namer: Namer<'_> = Box::new(move |bucket, _| {
                PathBuf::from(format!(
                    "syslog/{name}/{name}-{}-{}.log",
                    date(bucket, None),
                    hour(bucket)
                ))
            });
            vec![Rotating::new(dir, source_type, HOUR_MS, false, namer)]
        }
        Feed::CisFirewall | Feed::CisHttp => {
            let dataset = if feed == Feed::CisHttp {
                "http_requests"
            } else {
                "firewall_events"
            };
            let namer: Namer<'_> = Box::new(move |bucket, _| {
                let start = compact_time(bucket);
                let end = compact_time(bucket + 5 * MINUTE_MS);
                PathBuf::from(format!(
                    "cis-logpush/{dataset}/{}/{start}_{end}_{}.log.gz",
                    &start[..8],
                    hex(&mut names, 8)
                ))
            });
            vec![Rotating::new(dir, source_type, 5 * MINUTE_MS, true, namer)]
        }
        Feed::Falco => {
            let namer: Namer<'_> = Box::new(move |bucket, _| {
                PathBuf::from(format!(
                    "falco/{}/events-{}.json",
                    date(bucket, Some(b'-')),
                    hour(bucket)
                ))
            });
            vec![Rotating::new(dir, source_type, HOUR_MS, false, namer)]
        }
        Feed::CloudTrail => {
            let account = estate.aws_accounts[0].clone();
            let namer: Namer<'_> = Box::new(move |bucket, _| {
                let civil = Civil::from_ms(bucket);
                PathBuf::from(format!(
                    "aws-cloudtrail/{account}/{:04}/{:02}/{:02}/events-{}.ndjson.gz",
                    civil.year,
                    civil.month,
                    civil.day,
                    &compact_time(bucket)[..13]
                ))
            });
            vec![Rotating::new(dir, source_type, 15 * MINUTE_MS, true, namer)]
        }
    };
    let account_ids: Vec<String> = estate.accounts.iter().map(|a| a.id.clone()).collect();
    let writer_of = |sink: Option<StorySink>, bytes: &[u8]| -> usize {
        match (feed, sink) {
            (Feed::ActivityTracker, Some(StorySink::ActivityTracker(account))) => account,
            (Feed::ActivityTracker, _) => account_of(&account_ids, bytes),
            _ => 0,
        }
    };

    let mut pending = lines.iter().peekable();
    let mut each = |time: i64, bytes: &[u8]| -> io::Result<()> {
        while let Some(line) = pending.next_if(|line| line.time_ms <= time) {
            let index = writer_of(Some(line.sink), &line.bytes);
            writers[index].push(line.time_ms, &line.bytes)?;
        }
        let index = writer_of(None, bytes);
        writers[index].push(time, bytes)
    };
    run_feed(
        generator,
        feed,
        cis_stamp,
        (plan.start_ms, plan.end_ms, plan.scale),
        &mut each,
    )?;
    for line in pending {
        let index = writer_of(Some(line.sink), &line.bytes);
        writers[index].push(line.time_ms, &line.bytes)?;
    }
    let mut files = Vec::new();
    for writer in writers {
        files.extend(writer.finish()?);
    }
    Ok(files)
}

/// Writes the Workload Protection audit records (stories only: the background has none).
pub(super) fn write_sysdig(plan: &Plan<'_>, lines: &[Line]) -> io::Result<Vec<WrittenFile>> {
    let namer: Namer<'_> = Box::new(|bucket, _| {
        PathBuf::from(format!(
            "workload-protection/activity-audit/events-{}.ndjson",
            date(bucket, None)
        ))
    });
    let mut writer = Rotating::new(plan.dir, SourceType::Sysdig, DAY_MS, false, namer);
    for line in lines {
        writer.push(line.time_ms, &line.bytes)?;
    }
    writer.finish()
}

/// Writes the flow log objects: per vNIC and capture window, the background flows drawn for
/// its role plus the stories' flows that vNIC saw, split into the window.
pub(super) fn write_flow_logs(
    plan: &Plan<'_>,
    generator: &Generator,
    flows: &[Flow],
    cutoffs: &[(usize, i64)],
) -> io::Result<Vec<WrittenFile>> {
    let estate = generator.estate();
    // Windows start up to one window before the simulation, so its first minutes are covered.
    let mut state = flowlog::State::new(plan.seed, plan.start_ms - flowlog::WINDOW, estate);
    let mut counts = Rng::for_stream(plan.seed, "simulate:flow-counts");
    let first_windows: Vec<i64> = (0..state.vnic_count())
        .map(|vnic| state.next_window_start(vnic))
        .collect();

    // Every story flow, as pieces per (vNIC, window index).
    let vnic_of_ip: HashMap<u32, usize> = (0..state.vnic_count())
        .map(|vnic| (estate.instances[state.vnic_instance(vnic)].ip, vnic))
        .collect();
    let mut pieces: BTreeMap<(usize, i64), Vec<FlowPiece>> = BTreeMap::new();
    for flow in flows {
        for (ip, outbound) in [(flow.initiator_ip, true), (flow.target_ip, false)] {
            let Some(&vnic) = vnic_of_ip.get(&ip) else {
                continue;
            };
            for (window, piece) in split(flow, outbound, first_windows[vnic]) {
                pieces.entry((vnic, window)).or_default().push(piece);
            }
        }
    }

    let mut files = Vec::new();
    for (vnic, &first_window) in first_windows.iter().enumerate() {
        let instance = &estate.instances[state.vnic_instance(vnic)];
        let cutoff = cutoffs
            .iter()
            .filter(|(account, _)| *account == instance.account)
            .map(|(_, time)| *time)
            .min()
            .unwrap_or(i64::MAX);
        let mut window = 0i64;
        loop {
            let window_start = first_window + window * flowlog::WINDOW;
            if window_start >= plan.end_ms.min(cutoff) {
                break;
            }
            let background = flow_count(&mut counts, instance.role, window_start, plan.scale);
            let story = pieces.remove(&(vnic, window)).unwrap_or_default();
            window += 1;
            if background + story.len() == 0 {
                continue;
            }
            let (key, body) =
                flowlog::object_at(&mut state, estate, vnic, window_start, background, &story);
            let compressed = flowlog::gzip(&body);
            let relative = Path::new("cos/flow-logs").join(&key);
            let path = plan.dir.join(&relative);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::write(&path, &compressed)?;
            // The collector writes an object a little after its window closes.
            let written = window_start + flowlog::WINDOW + 20_000 + (window % 7) * 9_000;
            File::options()
                .write(true)
                .open(&path)?
                .set_modified(system_time(written))?;
            files.push(WrittenFile {
                path: relative,
                source_type: SourceType::VpcFlowLog,
                records: (background + story.len()) as u64,
                bytes: compressed.len() as u64,
                uncompressed_bytes: body.len() as u64,
            });
        }
    }
    Ok(files)
}

/// What one end of `flow` records, window by window (window index from `first_window_ms`).
fn split(flow: &Flow, outbound: bool, first_window_ms: i64) -> Vec<(i64, FlowPiece)> {
    let window_of = |ms: i64| (ms - first_window_ms).div_euclid(flowlog::WINDOW);
    let base = FlowPiece {
        outbound,
        rejected: flow.rejected,
        start_ms: flow.start_ms,
        end_ms: flow.end_ms,
        connection_start_ms: flow.start_ms,
        initiator_ip: flow.initiator_ip,
        target_ip: flow.target_ip,
        initiator_port: flow.initiator_port,
        target_port: flow.target_port,
        protocol: flow.protocol,
        was_initiated: true,
        was_terminated: true,
        bytes_from_initiator: flow.bytes_from_initiator,
        packets_from_initiator: flow.packets_from_initiator,
        bytes_from_target: flow.bytes_from_target,
        packets_from_target: flow.packets_from_target,
        cumulative_bytes_from_initiator: flow.bytes_from_initiator,
        cumulative_packets_from_initiator: flow.packets_from_initiator,
        cumulative_bytes_from_target: flow.bytes_from_target,
        cumulative_packets_from_target: flow.packets_from_target,
    };
    let first = window_of(flow.start_ms);
    let last = window_of(flow.end_ms.max(flow.start_ms));
    if flow.rejected || first == last {
        return vec![(first, base)];
    }
    let length = (flow.end_ms - flow.start_ms).max(1);
    let mut pieces = Vec::new();
    let mut done = [0u64; 4];
    let totals = [
        flow.bytes_from_initiator,
        flow.packets_from_initiator,
        flow.bytes_from_target,
        flow.packets_from_target,
    ];
    for window in first..=last {
        let window_start = first_window_ms + window * flowlog::WINDOW;
        let start = flow.start_ms.max(window_start);
        let end = flow.end_ms.min(window_start + flowlog::WINDOW);
        // Counters up to the end of this window, in proportion to the time elapsed.
        let elapsed = (end - flow.start_ms).clamp(0, length);
        let upto = |total: u64| -> u64 {
            if window == last {
                total
            } else {
                (u128::from(total) * elapsed as u128 / length as u128) as u64
            }
        };
        let cumulative = totals.map(upto);
        let now = [
            cumulative[0] - done[0],
            cumulative[1] - done[1],
            cumulative[2] - done[2],
            cumulative[3] - done[3],
        ];
        done = cumulative;
        pieces.push((
            window,
            FlowPiece {
                start_ms: start,
                end_ms: end,
                was_initiated: window == first,
                was_terminated: window == last,
                bytes_from_initiator: now[0],
                packets_from_initiator: now[1],
                bytes_from_target: now[2],
                packets_from_target: now[3],
                cumulative_bytes_from_initiator: cumulative[0],
                cumulative_packets_from_initiator: cumulative[1],
                cumulative_bytes_from_target: cumulative[2],
                cumulative_packets_from_target: cumulative[3],
                ..base.clone()
            },
        ));
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_flow_splits_into_its_windows_and_keeps_its_totals() {
        let flow = crate::story::tcp(
            1_000_000,
            12 * MINUTE_MS,
            1,
            40_000,
            2,
            443,
            1_200_000,
            60_000,
        );
        let pieces = split(&flow, true, 900_000);
        assert_eq!(pieces.len(), 3);
        assert_eq!(pieces[0].0, 0);
        assert!(pieces[0].1.was_initiated && !pieces[0].1.was_terminated);
        assert!(!pieces[2].1.was_initiated && pieces[2].1.was_terminated);
        let sent: u64 = pieces.iter().map(|(_, p)| p.bytes_from_initiator).sum();
        assert_eq!(sent, 1_200_000);
        assert_eq!(pieces[2].1.cumulative_bytes_from_initiator, 1_200_000);
        assert_eq!(pieces[1].1.start_ms, 1_200_000);
    }

    #[test]
    fn account_of_reads_the_log_source() {
        let accounts = vec!["aaaa".to_owned(), "bbbb".to_owned()];
        let line = br#"{"target":{"id":"crn:...:a/aaaa::x"},"logSourceCRN":"crn:v1:bluemix:public:is:eu-de:a/bbbb:::"}"#;
        assert_eq!(account_of(&accounts, line), 1);
    }
}
