//! End-to-end ingest measurement of the `vigil serve` pipeline (no HTTP): every file of a
//! folder (e.g. `vigil simulate --out DAY`) is submitted as one chunk, as a collector would;
//! workers decode, normalize and match the built-in rule pack; the commit thread appends to the
//! event store (fsync), saves checkpoints, runs correlations and analytics and records alerts.
//!
//! ```sh
//! cargo run --release -p vigil-server --example ingest -- DAY            # as fast as it goes
//! cargo run --release -p vigil-server --example ingest -- DAY --rate 10000  # paced, events/s
//! ```
//!
//! Prints events/s, raw bytes/s, stored size against raw size, submission-to-alert latency
//! (p50, p99: upper bounds of histogram buckets) and peak RSS.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use vigil_formats::pipeline::{process, StreamOptions};
use vigil_server::detection::Detection;
use vigil_server::metrics::Metrics;
use vigil_server::pipeline::{Job, Pipeline, PipelineOptions, Sinks};
use vigil_sources::{Chunk, SourceId};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: ingest DIR [--rate EVENTS_PER_SECOND]");
        std::process::exit(2);
    };
    let mut rate: Option<f64> = None;
    while let Some(arg) = args.next() {
        if arg == "--rate" {
            rate = args.next().and_then(|v| v.parse().ok());
        }
    }
    let mut files: Vec<(PathBuf, Vec<u8>)> = walkdir(&dir)
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n != "ground-truth.json"))
        .filter_map(|p| std::fs::read(&p).ok().map(|bytes| (p, bytes)))
        .collect();
    files.sort();
    // A counting pass (decode and normalize only) for the raw size and the event count.
    let mut raw_bytes = 0u64;
    let mut events_total = 0u64;
    for (path, bytes) in &files {
        let stats = process(
            &bytes[..],
            &path.display().to_string(),
            &StreamOptions::default(),
            |out| {
                events_total += out.events.len() as u64;
                out.events.clear();
            },
        )
        .expect("in-memory reads do not fail");
        raw_bytes += stats.bytes;
    }
    eprintln!(
        "{} files, {:.1} MB raw (decompressed), {events_total} events",
        files.len(),
        raw_bytes as f64 / 1e6
    );

    let data = tempfile::tempdir().expect("a temporary directory");
    let store = Arc::new(
        vigil_store::EventStore::open(
            data.path().join("events"),
            vigil_store::StoreOptions::default(),
        )
        .expect("the store opens"),
    );
    let state =
        vigil_state::StateStore::open(data.path().join("state.sqlite")).expect("state opens");
    let (documents, _) = vigil_detect::load_ibm_rule_pack();
    let detection = Detection::build(
        &documents,
        &Default::default(),
        Arc::new(vigil_detect::intel::IntelSet::default()),
    )
    .expect("the pack builds");
    let pipeline = Pipeline::start(
        PipelineOptions {
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            queue_chunks: 256,
            max_queue_bytes: 256 << 20,
            max_decompressed_bytes: 256 << 20,
            analytics: true,
            snapshot_interval: Duration::from_secs(10),
            data_dir: data.path().to_path_buf(),
        },
        Sinks {
            store: store.clone(),
            state,
            metrics: Arc::new(Metrics::default()),
            detection: Arc::new(RwLock::new(Arc::new(detection))),
        },
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let started = Instant::now();
    let events_per_raw_byte = events_total as f64 / raw_bytes.max(1) as f64;
    runtime.block_on(async {
        let mut raw_sent = 0u64;
        for (path, bytes) in &files {
            if let Some(rate) = rate {
                // Pace by the events this much raw data holds on average.
                let due = raw_sent as f64 * events_per_raw_byte / rate;
                let now = started.elapsed().as_secs_f64();
                if due > now {
                    tokio::time::sleep(Duration::from_secs_f64(due - now)).await;
                }
            }
            if rate.is_some() {
                raw_sent += decompressed_len(bytes);
            }
            let job = Job {
                chunk: Chunk {
                    source_id: SourceId::new("bench"),
                    origin: path.display().to_string(),
                    bytes: bytes.clone().into(),
                    source_type: None,
                    checkpoint: None,
                },
                received_ms: 1_800_000_000_000,
                ack: None,
                submitted: None,
            };
            pipeline.submit(job).await.expect("the pipeline runs");
        }
        while pipeline.stats().in_flight.load(Ordering::Relaxed) > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let stats = pipeline.stats();
    let stored = stats.events.load(Ordering::Relaxed);
    println!(
        "ingest: {stored} events durable in {elapsed:.2} s: {:.0} events/s, {:.1} MB/s raw; {} alert hits",
        stored as f64 / elapsed,
        raw_bytes as f64 / 1e6 / elapsed,
        stats.alerts.load(Ordering::Relaxed)
    );
    let p50 = stats.latency.quantile_upper_bound(0.5).unwrap_or(f64::NAN);
    let p99 = stats.latency.quantile_upper_bound(0.99).unwrap_or(f64::NAN);
    println!("latency submission -> alerts recorded, per chunk: p50 <= {p50} s, p99 <= {p99} s");
    pipeline.shutdown();
    store.flush().expect("flush");
    let size = store.stats();
    println!(
        "stored: {:.1} MB index + {:.1} MB log = {:.3}x raw",
        size.partition_bytes as f64 / 1e6,
        size.wal_bytes as f64 / 1e6,
        (size.partition_bytes + size.wal_bytes) as f64 / raw_bytes as f64
    );
    if let Some(peak) = peak_rss_kib() {
        println!("peak RSS: {:.0} MiB", peak as f64 / 1024.0);
    }
}

fn decompressed_len(bytes: &[u8]) -> u64 {
    let mut total = 0u64;
    let _ = process(bytes, "", &StreamOptions::default(), |out| {
        out.events.clear();
    })
    .map(|stats| total = stats.bytes);
    total
}

fn walkdir(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
