//! Normalization throughput of every source, single-threaded, on the production path:
//! `pipeline::process` over the bytes of a file or object (decompress, detect, frame, route,
//! normalize), counting the events and dropping them.
//!
//! Input comes from `vigil-sim`, generated once per source before timing: NDJSON sources
//! ~24 MiB each, firewall syslog ~16 MiB per vendor, VPC flow logs 200 gzip objects of 1,000
//! records. Before a source is timed, its data is run once and must produce no rejections, so
//! the numbers measure real normalization and not the rejection path.
//!
//! Groups and units: `ndjson` and `firewall_syslog` report bytes per second (decompressed
//! input), `flow_logs` flow records per second.
//!
//! `cargo bench -p vigil-formats --bench normalize` (a few minutes on two cores).

use std::hint::black_box;
use std::io::{Cursor, Write};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use flate2::write::GzEncoder;
use flate2::Compression;
use vigil_formats::pipeline::{process, StreamOptions};
use vigil_sim::{Feed, FirewallVendor, Generator, GeneratorOptions, DEFAULT_START_MS};

/// Input per NDJSON source.
const NDJSON_BYTES: usize = 24 << 20;
/// Input per firewall vendor.
const SYSLOG_BYTES: usize = 16 << 20;
/// Flow log objects, and flow records in each.
const FLOW_OBJECTS: usize = 200;
const FLOW_RECORDS_PER_OBJECT: usize = 1_000;

fn options() -> StreamOptions {
    StreamOptions {
        // RFC 3164 lines carry no year: tie them to the generated time.
        reference_time_ms: DEFAULT_START_MS,
        ..StreamOptions::default()
    }
}

fn generator() -> Generator {
    Generator::with_options(GeneratorOptions {
        seed: 20_250_602,
        start_ms: DEFAULT_START_MS,
    })
}

/// At least `target_bytes` of `feed`, whole records.
fn generate(generator: &mut Generator, feed: Feed, target_bytes: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(target_bytes + (1 << 20));
    while bytes.len() < target_bytes {
        generator.write_records(feed, 1_024, &mut bytes);
    }
    bytes
}

/// Runs one stream through the pipeline and returns the events it produced.
fn run(bytes: &[u8], path: &str, options: &StreamOptions) -> u64 {
    let mut events = 0u64;
    process(Cursor::new(bytes), path, options, |out| {
        events += out.events.len() as u64;
        out.clear();
    })
    .expect("reading from memory cannot fail");
    events
}

/// Runs the data once, untimed, and fails the benchmark if anything was rejected: a
/// benchmark of the rejection path would say nothing about normalization.
fn check_no_rejections(name: &str, streams: &[(&str, &[u8])], options: &StreamOptions) {
    let mut events = 0u64;
    let mut rejected = 0u64;
    let mut reasons: Vec<String> = Vec::new();
    for (path, bytes) in streams {
        process(Cursor::new(*bytes), path, options, |out| {
            events += out.events.len() as u64;
            for rejection in &out.rejections {
                rejected += 1;
                if reasons.len() < 5 {
                    let record = String::from_utf8_lossy(&rejection.record);
                    let record: String = record.chars().take(300).collect();
                    reasons.push(format!(
                        "{}: {} ({}) in {record}",
                        rejection.source_type, rejection.reason, rejection.detail
                    ));
                }
            }
            out.clear();
        })
        .expect("reading from memory cannot fail");
    }
    assert!(
        rejected == 0,
        "{name}: generated data has {rejected} rejections; first ones:\n{}",
        reasons.join("\n")
    );
    let bytes: usize = streams.iter().map(|(_, b)| b.len()).sum();
    eprintln!(
        "{name}: {} streams, {:.1} MiB, {events} events, 0 rejected",
        streams.len(),
        bytes as f64 / f64::from(1u32 << 20)
    );
}

fn configure(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    // One pass over the input takes a good fraction of a second: few, flat samples.
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(bytes.len() / 6), Compression::new(6));
    encoder
        .write_all(bytes)
        .expect("writing into a Vec cannot fail");
    encoder.finish().expect("writing into a Vec cannot fail")
}

fn ndjson(c: &mut Criterion) {
    let options = options();
    let mut generator = generator();
    let mut group = c.benchmark_group("ndjson");
    configure(&mut group);
    for (name, feed) in [
        ("activity_tracker", Feed::ActivityTracker),
        ("cis_http", Feed::CisHttp),
        ("cis_firewall", Feed::CisFirewall),
        ("falco", Feed::Falco),
        ("cloudtrail", Feed::CloudTrail),
    ] {
        let bytes = generate(&mut generator, feed, NDJSON_BYTES);
        let path = format!("bench/{name}.ndjson");
        check_no_rejections(name, &[(&path, &bytes)], &options);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(name, |b| b.iter(|| black_box(run(&bytes, &path, &options))));
        if feed == Feed::ActivityTracker {
            // The same events as ATracker writes them to COS: gzip objects.
            let compressed = gzip(&bytes);
            let path = "bench/activity_tracker.log";
            check_no_rejections("activity_tracker_gzip", &[(path, &compressed)], &options);
            group.bench_function("activity_tracker_gzip", |b| {
                b.iter(|| black_box(run(&compressed, path, &options)))
            });
        }
    }
    group.finish();
}

fn flow_logs(c: &mut Criterion) {
    let options = options();
    let mut generator = generator();
    let objects: Vec<(String, Vec<u8>)> = (0..FLOW_OBJECTS)
        .map(|_| generator.flow_log_object(FLOW_RECORDS_PER_OBJECT))
        .collect();
    let streams: Vec<(&str, &[u8])> = objects
        .iter()
        .map(|(key, body)| (key.as_str(), body.as_slice()))
        .collect();
    check_no_rejections("flow_logs", &streams, &options);
    let mut group = c.benchmark_group("flow_logs");
    configure(&mut group);
    group.throughput(Throughput::Elements(
        (FLOW_OBJECTS * FLOW_RECORDS_PER_OBJECT) as u64,
    ));
    group.bench_function("gzip_objects_1000_records", |b| {
        b.iter(|| {
            let mut events = 0;
            for (key, body) in &streams {
                events += run(body, key, &options);
            }
            black_box(events)
        })
    });
    group.finish();
}

fn firewall_syslog(c: &mut Criterion) {
    let options = options();
    let mut generator = generator();
    let mut group = c.benchmark_group("firewall_syslog");
    configure(&mut group);
    for (name, vendor) in [
        ("panos", FirewallVendor::PanOs),
        ("fortigate", FirewallVendor::FortiGate),
        ("checkpoint", FirewallVendor::CheckPoint),
    ] {
        let bytes = generate(&mut generator, Feed::Firewall(vendor), SYSLOG_BYTES);
        let path = format!("bench/{name}.log");
        check_no_rejections(name, &[(&path, &bytes)], &options);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(name, |b| b.iter(|| black_box(run(&bytes, &path, &options))));
    }
    group.finish();
}

criterion_group!(benches, ndjson, flow_logs, firewall_syslog);
criterion_main!(benches);
