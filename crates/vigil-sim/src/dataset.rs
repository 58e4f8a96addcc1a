//! A dataset on disk: files of every source, laid out as they are found in object storage or
//! on a syslog server.
//!
//! ```text
//! <dir>/activity-tracker/<account>/<region>/<YYYY-MM-DDTHH>/<YYYY-MM-DDTHH:MM>+00_<uuid>.log   gzip NDJSON
//! <dir>/cos/flow-logs/ibm_vpc_flowlogs_v1/account=…/…/stream-id=…/00000001.gz               gzip JSON object
//! <dir>/syslog/{panos,fortigate,checkpoint}-NNNN.log                                        plain lines
//! <dir>/cis-logpush/{firewall_events,http_requests}/<YYYYMMDD>/<start>_<end>_<hex>.log.gz     gzip NDJSON
//! <dir>/falco/events-NNNN.json                                                               plain NDJSON
//! <dir>/aws-cloudtrail/<account>/events-NNNN.ndjson.gz                                       gzip NDJSON
//! ```
//!
//! Each feed is written by its own thread from a clone of one generator. Every feed draws only
//! from its own stream, so the bytes are the same as if the feeds were written one after the
//! other, whatever the scheduling.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;
use vigil_model::SourceType;

use crate::text::{compact_time, hex, push_date, uuid, Civil};
use crate::{Feed, FirewallVendor, Generator, GeneratorOptions, DEFAULT_START_MS};

/// What to write.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DatasetOptions {
    /// The generator's seed.
    pub seed: u64,
    /// Size factor: 1.0 writes about 16 MB of records (about 8 MB on disk); sizes grow
    /// linearly.
    pub scale: f64,
    /// Where generated time starts (ms since the Unix epoch, UTC).
    pub start_ms: i64,
    /// Flow records in each flow log object.
    pub flow_records_per_object: usize,
}

impl Default for DatasetOptions {
    fn default() -> DatasetOptions {
        DatasetOptions {
            seed: 1,
            scale: 1.0,
            start_ms: DEFAULT_START_MS,
            flow_records_per_object: 200,
        }
    }
}

/// One file written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrittenFile {
    /// The path, relative to the dataset directory.
    pub path: PathBuf,
    /// The source type of its records.
    pub source_type: SourceType,
    /// Records in it (flow records for flow log objects).
    pub records: u64,
    /// Its size on disk.
    pub bytes: u64,
    /// Its size once decompressed.
    pub uncompressed_bytes: u64,
}

/// Totals for one source type (or for everything).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FeedSummary {
    /// Files written.
    pub files: u64,
    /// Records written (flow records for flow logs).
    pub records: u64,
    /// Bytes on disk.
    pub bytes: u64,
    /// Bytes once decompressed.
    pub uncompressed_bytes: u64,
}

impl FeedSummary {
    fn add(&mut self, file: &WrittenFile) {
        self.files += 1;
        self.records += file.records;
        self.bytes += file.bytes;
        self.uncompressed_bytes += file.uncompressed_bytes;
    }
}

/// What [`write_dataset`] wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DatasetSummary {
    /// Every file, in a stable order.
    pub files: Vec<WrittenFile>,
    /// Totals per source type.
    pub by_source: BTreeMap<SourceType, FeedSummary>,
}

impl DatasetSummary {
    /// Adds one written file.
    pub(crate) fn add(&mut self, file: WrittenFile) {
        self.by_source
            .entry(file.source_type)
            .or_default()
            .add(&file);
        self.files.push(file);
    }

    /// Totals over all sources.
    pub fn total(&self) -> FeedSummary {
        let mut total = FeedSummary::default();
        for file in &self.files {
            total.add(file);
        }
        total
    }
}

/// Records per feed at scale 1.0, and records per file.
fn plan(feed: Feed) -> (f64, usize) {
    match feed {
        Feed::ActivityTracker => (1_000.0, 2_000),
        Feed::Firewall(_) => (3_000.0, 100_000),
        Feed::CisFirewall => (600.0, 5_000),
        Feed::CisHttp => (1_500.0, 5_000),
        Feed::Falco => (500.0, 10_000),
        Feed::CloudTrail => (1_000.0, 5_000),
    }
}

/// Flow log objects at scale 1.0.
const FLOW_OBJECTS: f64 = 25.0;

/// Records generated per call, so memory stays small whatever the file size.
const CHUNK_RECORDS: usize = 4_096;

/// Writes a dataset under `dir` (created if missing) and says what it wrote.
pub fn write_dataset(dir: &Path, options: &DatasetOptions) -> io::Result<DatasetSummary> {
    if !(options.scale.is_finite() && options.scale > 0.0) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("scale must be a positive number, not {}", options.scale),
        ));
    }
    fs::create_dir_all(dir)?;
    let generator = Generator::with_options(GeneratorOptions {
        seed: options.seed,
        start_ms: options.start_ms,
    });
    let count = |base: f64| ((base * options.scale).ceil() as usize).max(1);

    let results: Vec<io::Result<Vec<WrittenFile>>> = std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for feed in Feed::ALL {
            let mut generator = generator.clone();
            let (base, per_file) = plan(feed);
            let total = count(base);
            handles
                .push(scope.spawn(move || write_feed(dir, &mut generator, feed, total, per_file)));
        }
        let mut generator = generator.clone();
        let objects = count(FLOW_OBJECTS);
        let records = options.flow_records_per_object.max(1);
        handles.push(scope.spawn(move || write_flow_logs(dir, &mut generator, objects, records)));
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|_| Err(io::Error::other("a dataset writer thread panicked")))
            })
            .collect()
    });

    let mut summary = DatasetSummary::default();
    for result in results {
        for file in result? {
            summary
                .by_source
                .entry(file.source_type)
                .or_default()
                .add(&file);
            summary.files.push(file);
        }
    }
    Ok(summary)
}

/// Where the next file of `feed` goes, relative to the dataset directory.
fn file_name(generator: &mut Generator, feed: Feed, index: usize) -> (PathBuf, bool) {
    let number = format!("{:04}", index + 1);
    match feed {
        Feed::ActivityTracker => {
            let account = &generator.estate.accounts[0];
            let civil = Civil::from_ms(generator.activity_tracker.clock_ms);
            let mut day = Vec::new();
            push_date(&mut day, &civil, b'-');
            let day = String::from_utf8(day).expect("digits are ascii");
            let hour = format!("{day}T{:02}", civil.hour);
            let name = format!(
                "{hour}:{:02}+00_{}.log",
                civil.minute,
                uuid(&mut generator.activity_tracker.rng)
            );
            (
                PathBuf::from(format!(
                    "activity-tracker/{}/{}/{hour}",
                    account.id, account.region
                ))
                .join(name),
                true,
            )
        }
        Feed::Firewall(vendor) => {
            let name = match vendor {
                FirewallVendor::PanOs => "panos",
                FirewallVendor::FortiGate => "fortigate",
                FirewallVendor::CheckPoint => "checkpoint",
            };
            (PathBuf::from(format!("syslog/{name}-{number}.log")), false)
        }
        Feed::CisFirewall | Feed::CisHttp => {
            let stream = if feed == Feed::CisHttp {
                &mut generator.cis_http
            } else {
                &mut generator.cis_firewall
            };
            let start = compact_time(stream.clock_ms);
            let end = compact_time(stream.clock_ms + 300_000);
            let dataset = if feed == Feed::CisHttp {
                "http_requests"
            } else {
                "firewall_events"
            };
            let random = hex(&mut stream.rng, 8);
            (
                PathBuf::from(format!(
                    "cis-logpush/{dataset}/{}/{start}_{end}_{random}.log.gz",
                    &start[..8]
                )),
                true,
            )
        }
        Feed::Falco => (PathBuf::from(format!("falco/events-{number}.json")), false),
        Feed::CloudTrail => {
            let account = &generator.estate.aws_accounts[0];
            (
                PathBuf::from(format!(
                    "aws-cloudtrail/{account}/events-{number}.ndjson.gz"
                )),
                true,
            )
        }
    }
}

/// A file being written, plain or gzip.
pub(crate) enum Sink {
    Plain(BufWriter<File>),
    Gzip(Box<GzEncoder<BufWriter<File>>>),
}

impl Sink {
    pub(crate) fn create(path: &Path, gzip: bool) -> io::Result<Sink> {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
        Ok(if gzip {
            Sink::Gzip(Box::new(GzEncoder::new(file, Compression::new(GZIP_LEVEL))))
        } else {
            Sink::Plain(file)
        })
    }

    pub(crate) fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Sink::Plain(w) => w.write_all(bytes),
            Sink::Gzip(w) => w.write_all(bytes),
        }
    }

    /// Flushes and closes, returning the size on disk.
    fn finish(self) -> io::Result<u64> {
        let file = self.finish_file()?;
        Ok(file.metadata()?.len())
    }

    /// Flushes and returns the file, still open.
    pub(crate) fn finish_file(self) -> io::Result<File> {
        Ok(match self {
            Sink::Plain(w) => w.into_inner().map_err(|e| e.into_error())?,
            Sink::Gzip(w) => w.finish()?.into_inner().map_err(|e| e.into_error())?,
        })
    }
}

/// gzip level for dataset files: fast, as the size of a dataset is what matters.
const GZIP_LEVEL: u32 = 1;

fn write_feed(
    dir: &Path,
    generator: &mut Generator,
    feed: Feed,
    total: usize,
    per_file: usize,
) -> io::Result<Vec<WrittenFile>> {
    let mut files = Vec::new();
    let mut remaining = total;
    let mut buf = Vec::with_capacity(CHUNK_RECORDS * 2048);
    while remaining > 0 {
        let in_file = remaining.min(per_file);
        let (relative, gzip) = file_name(generator, feed, files.len());
        let mut sink = Sink::create(&dir.join(&relative), gzip)?;
        let mut uncompressed = 0u64;
        let mut left = in_file;
        while left > 0 {
            let chunk = left.min(CHUNK_RECORDS);
            buf.clear();
            generator.write_records(feed, chunk, &mut buf);
            sink.write_all(&buf)?;
            uncompressed += buf.len() as u64;
            left -= chunk;
        }
        files.push(WrittenFile {
            path: relative,
            source_type: feed.source_type(),
            records: in_file as u64,
            bytes: sink.finish()?,
            uncompressed_bytes: uncompressed,
        });
        remaining -= in_file;
    }
    Ok(files)
}

fn write_flow_logs(
    dir: &Path,
    generator: &mut Generator,
    objects: usize,
    records: usize,
) -> io::Result<Vec<WrittenFile>> {
    let mut files = Vec::with_capacity(objects);
    for _ in 0..objects {
        let (key, body) = generator.flow_log_json(records);
        let compressed = crate::flowlog::gzip(&body);
        let relative = Path::new("cos/flow-logs").join(&key);
        let path = dir.join(&relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&path, &compressed)?;
        files.push(WrittenFile {
            path: relative,
            source_type: SourceType::VpcFlowLog,
            records: records as u64,
            bytes: compressed.len() as u64,
            uncompressed_bytes: body.len() as u64,
        });
    }
    Ok(files)
}
