//! Correlation engine: observation throughput per type, and the memory of one million groups.
//!
//! `memory/1m_groups` runs once before the timed benches: one `event_count` correlation
//! grouped by `user`, one match for each of 1,000,000 distinct users (so every match opens a
//! group and nothing fires). A counting global allocator reports the live bytes the engine
//! holds afterwards (requested sizes, plus the allocation count, since glibc adds about 16
//! bytes per allocation), next to the engine's own capacity-based estimate and the RSS growth.
//!
//! Throughput groups report matches per second, single thread, documents parsed beforehand:
//! `event_count` over 10,000 rotating users (steady state: groups fire and re-arm),
//! `value_count` (distinct users per host), `temporal_ordered` (three rules per host).
//!
//! `cargo bench -p vigil-sigma --bench correlation`

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use serde_json::{json, Value};
use vigil_sigma::ast::{CmpOp, Correlation, CorrelationCondition, CorrelationType, Meta};
use vigil_sigma::correlation::{CorrelationEngine, CorrelationOptions, RuleRef};

/// Counts live heap bytes and allocations.
struct Counting;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);
static LIVE_ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call forwards to `System` unchanged; the counters are only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        LIVE_ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        LIVE_ALLOCATIONS.fetch_sub(1, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE_BYTES.fetch_add(new_size, Ordering::Relaxed);
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const KNOWN: &[RuleRef<'static>] = &[
    RuleRef {
        id: None,
        name: Some("a"),
    },
    RuleRef {
        id: None,
        name: Some("b"),
    },
    RuleRef {
        id: None,
        name: Some("c"),
    },
];

fn correlation(
    kind: CorrelationType,
    rules: &[&str],
    group_by: &str,
    condition: Option<(CmpOp, f64, &str)>,
) -> Correlation {
    Correlation {
        meta: Meta {
            title: "bench".into(),
            id: Some("bench".into()),
            ..Meta::default()
        },
        kind,
        rules: rules.iter().map(|rule| (*rule).to_owned()).collect(),
        group_by: vec![group_by.to_owned()],
        timespan_ms: 60_000,
        condition: condition.map(|(op, threshold, field)| CorrelationCondition {
            ops: vec![(op, threshold)],
            field: if field.is_empty() {
                Vec::new()
            } else {
                vec![field.to_owned()]
            },
            percentile: None,
        }),
        aliases: Default::default(),
        generate: false,
    }
}

fn engine(correlation: Correlation) -> CorrelationEngine {
    CorrelationEngine::new(&[correlation], KNOWN, CorrelationOptions::default())
        .expect("valid bench correlation")
}

/// Resident set size from `/proc/self/statm` (Linux), in bytes.
fn rss_bytes() -> Option<usize> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: usize = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

fn memory_of_one_million_groups() {
    const GROUPS: u64 = 1_000_000;
    let mut engine = engine(correlation(
        CorrelationType::EventCount,
        &["a"],
        "user",
        Some((CmpOp::Gte, 3.0, "")),
    ));
    let (bytes_before, allocations_before, rss_before) = (
        LIVE_BYTES.load(Ordering::Relaxed),
        LIVE_ALLOCATIONS.load(Ordering::Relaxed),
        rss_bytes(),
    );
    for index in 0..GROUPS {
        // Realistic key: a user name of 12-13 bytes. The document is freed after each call.
        let doc = json!({ "user": format!("user-{index:07}") });
        engine.observe(
            RuleRef::name("a"),
            1_700_000_000_000 + index as i64,
            index,
            &doc,
        );
    }
    let bytes = LIVE_BYTES.load(Ordering::Relaxed) - bytes_before;
    let allocations = LIVE_ALLOCATIONS.load(Ordering::Relaxed) - allocations_before;
    let rss_growth = rss_bytes()
        .zip(rss_before)
        .map(|(after, before)| after.saturating_sub(before));
    let stats = engine.stats();
    assert_eq!(stats.groups as u64, GROUPS);
    eprintln!(
        "memory/1m_groups: {} groups, {} observations; live heap {:.1} MiB requested in {} allocations \
         ({:.0} B/group, ~{:.0} B/group with 16 B malloc overhead each); engine estimate {:.1} MiB; RSS growth {}",
        stats.groups,
        stats.observations,
        bytes as f64 / 1048576.0,
        allocations,
        bytes as f64 / GROUPS as f64,
        (bytes + 16 * allocations) as f64 / GROUPS as f64,
        engine.approx_state_bytes() as f64 / 1048576.0,
        rss_growth.map_or_else(|| "unknown".to_owned(), |rss| format!("{:.1} MiB", rss as f64 / 1048576.0)),
    );
    assert!(
        bytes + 16 * allocations < 1 << 30,
        "1 M groups must fit in 1 GiB"
    );
}

fn documents(count: usize, make: impl Fn(usize) -> Value) -> Vec<Value> {
    (0..count).map(make).collect()
}

fn throughput(c: &mut Criterion) {
    memory_of_one_million_groups();

    let mut group = c.benchmark_group("observe");
    const BATCH: usize = 100_000;
    group.throughput(Throughput::Elements(BATCH as u64));

    let users = documents(
        10_000,
        |index| json!({ "user": format!("user-{index}"), "host": format!("h{}", index % 100) }),
    );
    group.bench_function("event_count", |b| {
        let mut engine = engine(correlation(
            CorrelationType::EventCount,
            &["a"],
            "user",
            Some((CmpOp::Gte, 5.0, "")),
        ));
        let mut time_ms = 0i64;
        b.iter(|| {
            for index in 0..BATCH {
                time_ms += 1;
                black_box(engine.observe(
                    RuleRef::name("a"),
                    time_ms,
                    index as u64,
                    &users[index % users.len()],
                ));
            }
        });
    });

    group.bench_function("value_count", |b| {
        let mut engine = engine(correlation(
            CorrelationType::ValueCount,
            &["a"],
            "host",
            Some((CmpOp::Gte, 50.0, "user")),
        ));
        let mut time_ms = 0i64;
        b.iter(|| {
            for index in 0..BATCH {
                time_ms += 1;
                black_box(engine.observe(
                    RuleRef::name("a"),
                    time_ms,
                    index as u64,
                    &users[index % users.len()],
                ));
            }
        });
    });

    group.bench_function("temporal_ordered", |b| {
        b.iter_batched_ref(
            || {
                engine(correlation(
                    CorrelationType::TemporalOrdered,
                    &["a", "b", "c"],
                    "host",
                    None,
                ))
            },
            |engine| {
                for index in 0..BATCH {
                    let rule = ["a", "b", "c"][index % 3];
                    black_box(engine.observe(
                        RuleRef::name(rule),
                        index as i64,
                        index as u64,
                        &users[index % users.len()],
                    ));
                }
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
