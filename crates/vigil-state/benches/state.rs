//! State store throughput on a file database (WAL, `synchronous = NORMAL`).
//!
//! * `record_alerts/new`: alerts per second, batches of 1,000 alerts that each open a new
//!   stored alert (distinct entities), one evidence item each;
//! * `record_alerts/merge`: alerts per second, batches of 1,000 hits spread over 100 open
//!   alerts (the dedup path: lookup, count, evidence append and pruning at the 100 cap);
//! * `list_alerts/<idle|busy>/<readers>`: one dashboard page (100 newest of 20,000 alerts,
//!   with its total) while nothing else runs (`idle`) or while another thread records batches
//!   of 200 hits on 1,000 of them in a loop (`busy`, like the pipeline, flat out), with 2
//!   read connections or none
//!   (every call shares the writer connection behind one mutex).
//!
//! `cargo bench -p vigil-state --bench state`

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use vigil_detect::alert::{Alert, AlertEvidence, AlertRule, Entities};
use vigil_model::{Provenance, SourceType};
use vigil_state::{AlertFilter, StateStore, StoreOptions};

fn rule() -> Arc<AlertRule> {
    Arc::new(AlertRule {
        id: Some("9f1b2c3d-ibm-console-login".to_owned()),
        name: None,
        title: "IBM Cloud console login from an unusual country".to_owned(),
        level: "high",
        tags: vec![
            "attack.initial_access".to_owned(),
            "attack.t1078.004".to_owned(),
        ],
        author: Some("Vigil".to_owned()),
        description: Some(
            "A user logged in to the console from a country not seen before".to_owned(),
        ),
        falsepositives: vec!["travel".to_owned()],
    })
}

/// An alert naming `ip` and a user, with one evidence item at `time`.
fn alert(rule: &Arc<AlertRule>, time: i64, ip: u64) -> Alert {
    let mut entities = Entities::default();
    entities.ips.insert(format!(
        "10.{}.{}.{}",
        (ip >> 16) & 255,
        (ip >> 8) & 255,
        ip & 255
    ));
    entities.users.insert("IBMid-550000ABCD".to_owned());
    Alert {
        time,
        rule: Arc::clone(rule),
        correlation: None,
        entities,
        evidence: vec![AlertEvidence {
            time,
            source_type: SourceType::ActivityTracker,
            provenance: Provenance {
                source: Arc::from("cos://at-bucket/2025/06/01/at.json.gz"),
                line: 1 + ip,
                offset: 512 * ip,
                index: None,
            },
            class_name: "Authentication",
            matched_searches: vec!["selection".to_owned()],
            matched_fields: vec![("action".to_owned(), "iam-identity.user.login".to_owned())],
        }],
    }
}

fn file_store(dir: &tempfile::TempDir, read_connections: usize) -> StateStore {
    let options = StoreOptions {
        read_connections,
        ..StoreOptions::default()
    };
    StateStore::open_with(dir.path().join("state.db"), options).expect("open bench store")
}

fn record(c: &mut Criterion) {
    let mut group = c.benchmark_group("record_alerts");
    group.throughput(Throughput::Elements(1_000));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(5));
    let rule = rule();

    let dir = tempfile::tempdir().expect("temp dir");
    let store = file_store(&dir, 2);
    let mut next = 0u64;
    group.bench_function("new", |b| {
        b.iter_batched(
            || {
                let batch: Vec<Alert> = (0..1_000)
                    .map(|i| alert(&rule, i, next + u64::try_from(i).unwrap_or(0)))
                    .collect();
                next += 1_000;
                batch
            },
            |batch| black_box(store.record_alerts(&batch, 1).expect("record")),
            criterion::BatchSize::LargeInput,
        );
    });

    let dir = tempfile::tempdir().expect("temp dir");
    let store = file_store(&dir, 2);
    let mut time = 0i64;
    group.bench_function("merge", |b| {
        b.iter_batched(
            || {
                let batch: Vec<Alert> = (0..1_000u64)
                    .map(|i| alert(&rule, time + i64::try_from(i).unwrap_or(0), i % 100))
                    .collect();
                time += 1_000;
                batch
            },
            |batch| black_box(store.record_alerts(&batch, 1).expect("record")),
            criterion::BatchSize::LargeInput,
        );
    });
    group.finish();
}

fn list_under_load(c: &mut Criterion) {
    let mut group = c.benchmark_group("list_alerts");
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(5));
    let rule = rule();
    for readers in [2usize, 0] {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = file_store(&dir, readers);
        let seed: Vec<Alert> = (0..20_000u64)
            .map(|i| alert(&rule, i64::try_from(i).unwrap_or(0), i))
            .collect();
        store.record_alerts(&seed, 1).expect("seed");
        let filter = AlertFilter::default();

        group.bench_function(format!("idle/{readers}_readers"), |b| {
            b.iter(|| black_box(store.list_alerts(&filter).expect("list")));
        });

        let stop = Arc::new(AtomicBool::new(false));
        let written = Arc::new(AtomicU64::new(0));
        let writer = {
            let (store, stop, written, rule) = (
                store.clone(),
                Arc::clone(&stop),
                Arc::clone(&written),
                Arc::clone(&rule),
            );
            thread::spawn(move || {
                let mut ip = 0u64;
                let mut time = 30_000i64;
                while !stop.load(Ordering::Relaxed) {
                    // Hits on 1,000 of the seeded alerts: the table keeps its size, so every
                    // sample lists the same number of rows.
                    let batch: Vec<Alert> = (0..200)
                        .map(|_| {
                            ip = (ip + 1) % 1_000;
                            time += 1;
                            alert(&rule, time, ip)
                        })
                        .collect();
                    store.record_alerts(&batch, 2).expect("record");
                    written.fetch_add(200, Ordering::Relaxed);
                }
            })
        };
        let started = Instant::now();
        group.bench_function(format!("busy/{readers}_readers"), |b| {
            b.iter(|| black_box(store.list_alerts(&filter).expect("list")));
        });
        // The mean hides what a shared connection costs: a read that waits for a whole batch.
        let mut latencies: Vec<Duration> = (0..2_000)
            .map(|_| {
                let start = Instant::now();
                black_box(store.list_alerts(&filter).expect("list"));
                start.elapsed()
            })
            .collect();
        latencies.sort_unstable();
        let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
        println!(
            "list_alerts/busy/{readers}_readers: p50 {:?}, p99 {:?}, max {:?}",
            at(0.5),
            at(0.99),
            at(1.0)
        );
        stop.store(true, Ordering::Relaxed);
        writer.join().expect("writer thread");
        let rate = written.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
        let wal = std::fs::metadata(dir.path().join("state.db-wal")).map_or(0, |m| m.len());
        println!(
            "list_alerts/busy/{readers}_readers: the writer recorded {rate:.0} alerts/s \
             meanwhile; WAL {} KiB at the end",
            wal / 1024
        );
    }
    group.finish();
}

criterion_group!(benches, record, list_under_load);
criterion_main!(benches);
