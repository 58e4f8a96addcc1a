//! Measures the store on generated telemetry: ingest rate on one writer, stored size against
//! the raw logs, and query latencies (entity lookup, top-10, 5-minute histogram, free text).
//!
//! `cargo run --release -p vigil-store --example measure -- [events] [--positions] [--dir D]`
//! (default 1,000,000 events: 80 % VPC flow records, 20 % a mix of every other feed).
//! Events are generated and normalized per chunk of 500,000 before the clock starts, so the
//! ingest rate is the store's share alone (append + indexing + commit).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use vigil_formats::pipeline::{process, StreamOptions};
use vigil_query::ast::{
    AggFunction, Aggregation, Expr, FieldPredicate, FieldRef, Pipe, Predicate, Query, TextTerm,
    Value,
};
use vigil_sim::{Feed, Generator};
use vigil_store::{
    EventStore, SearchRequest, SearchResult, StoreOptions, StoredEvent, WalOptions, WalSync,
};

const CHUNK: usize = 500_000;
const BATCH: usize = 5_000;

fn main() {
    let mut total: usize = 1_000_000;
    let mut positions = false;
    let mut dir: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--positions" => positions = true,
            "--dir" => dir = args.next().map(PathBuf::from),
            n => {
                total = n
                    .replace('_', "")
                    .parse()
                    .expect("the event count is a number")
            }
        }
    }
    let temp = tempfile::tempdir().expect("a temporary directory");
    let dir = dir.unwrap_or_else(|| temp.path().join("store"));
    let options = StoreOptions {
        raw_text_positions: positions,
        commit_max_docs: 2_000_000,
        commit_interval_ms: 30_000,
        max_queued_events: 50_000,
        writer_memory_bytes: 512 << 20,
        wal: WalOptions {
            sync: WalSync::EveryAppend,
            ..WalOptions::default()
        },
        ..StoreOptions::default()
    };
    let store = EventStore::open(&dir, options).expect("the store opens");
    let mut generator = Generator::new(7);
    let mut raw_bytes = 0u64;
    let mut ingested = 0usize;
    let mut ingest_time = Duration::ZERO;
    let mut probe_ip = None;
    let mut min_time = i64::MAX;
    let mut max_time = i64::MIN;
    while ingested < total {
        let want = CHUNK.min(total - ingested);
        let (events, bytes) = generate(&mut generator, want);
        raw_bytes += bytes;
        if probe_ip.is_none() {
            probe_ip = events.iter().find_map(|e| {
                let json: serde_json::Value = serde_json::from_slice(&e.json).ok()?;
                Some((json["src_endpoint"]["ip"].as_str()?.to_owned(), e.time_ms))
            });
        }
        for event in &events {
            min_time = min_time.min(event.time_ms);
            max_time = max_time.max(event.time_ms);
        }
        let started = Instant::now();
        for batch in events.chunks(BATCH) {
            store.append(batch).expect("append");
        }
        store.flush().expect("flush");
        ingest_time += started.elapsed();
        ingested += events.len();
        eprintln!(
            "{ingested} events, {:.0} events/s so far",
            ingested as f64 / ingest_time.as_secs_f64()
        );
    }
    let stats = store.stats();
    println!("events               {}", stats.events);
    println!("partitions           {}", stats.partitions);
    println!("raw text positions   {positions}");
    println!(
        "ingest               {:.0} events/s (one writer, WAL fsync per batch of {BATCH})",
        ingested as f64 / ingest_time.as_secs_f64()
    );
    println!("raw bytes            {raw_bytes}");
    println!(
        "stored bytes         {} ({:.3}x raw)",
        stats.partition_bytes,
        stats.partition_bytes as f64 / raw_bytes as f64
    );
    println!("wal bytes after flush {}", stats.wal_bytes);

    let (ip, ip_time) = probe_ip.expect("some event has a source IP");
    let all = (min_time, max_time + 1);
    let day = (ip_time - 12 * 3_600_000, ip_time + 12 * 3_600_000);
    let measure = |name: &str, filter: Expr, pipes: Vec<Pipe>, range: (i64, i64)| {
        let request = SearchRequest {
            query: Query { filter, pipes },
            from_ms: range.0,
            to_ms: range.1,
            limit: 100,
        };
        let mut times = Vec::new();
        let mut summary = String::new();
        for _ in 0..7 {
            let started = Instant::now();
            let response = store.search(&request).expect("search");
            times.push(started.elapsed());
            summary = match &response.result {
                SearchResult::Events { total, events } => {
                    format!("{total} hits, {} returned", events.len())
                }
                SearchResult::Table(t) => {
                    format!("{} rows, first {:?}", t.rows.len(), t.rows.first())
                }
            };
        }
        times.sort();
        println!(
            "{name:<28} median {:>8.2} ms  min {:>8.2} ms  ({summary})",
            ms(times[3]),
            ms(times[0])
        );
    };
    let field = |name: &str, text: &str| {
        Expr::Field(FieldPredicate {
            field: name.into(),
            field_span: 0..0,
            predicate: Predicate::Eq(Value {
                text: text.into(),
                quoted: false,
            }),
            value_span: 0..0,
        })
    };
    let fref = |name: &str| FieldRef {
        name: name.into(),
        span: 0..0,
    };
    let count = Aggregation {
        function: AggFunction::Count,
        field: None,
        alias: "count".into(),
        span: 0..0,
    };
    measure(
        &format!("entity ip:{ip} 24h"),
        field("ip", &ip),
        vec![],
        day,
    );
    measure(
        "top 10 dst_port (all)",
        Expr::All,
        vec![Pipe::Top {
            limit: 10,
            field: fref("dst_port"),
        }],
        all,
    );
    measure(
        "timechart 5m count (all)",
        Expr::All,
        vec![Pipe::Timechart {
            span_ms: 300_000,
            aggs: vec![count.clone()],
            by: None,
        }],
        all,
    );
    measure(
        "stats count by action (all)",
        Expr::All,
        vec![Pipe::Stats {
            aggs: vec![count],
            by: vec![fref("action")],
        }],
        all,
    );
    measure(
        "free text word `ssh`",
        Expr::Text(TextTerm::Word("ssh".into())),
        vec![],
        all,
    );
    measure(
        "free text `10.0.0.*`-less IP",
        Expr::Text(TextTerm::Word(ip.clone())),
        vec![],
        all,
    );
    measure(
        "phrase \"connection refused\"",
        Expr::Text(TextTerm::Phrase("connection refused".into())),
        vec![],
        all,
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `n` normalized events (80 % flow records) and the raw bytes they came from.
fn generate(generator: &mut Generator, n: usize) -> (Vec<StoredEvent>, u64) {
    let mut events = Vec::with_capacity(n);
    let mut raw = 0u64;
    let flows = n * 4 / 5;
    let stream_options = StreamOptions::default();
    while events.len() < flows {
        let (key, body) = generator.flow_log_json(1000.min(flows - events.len()).max(1));
        raw += body.len() as u64;
        process(body.as_slice(), &key, &stream_options, |out| {
            for event in out.events.drain(..) {
                events.push(StoredEvent::from_event(&event, vec![]));
            }
        })
        .expect("generated data reads");
    }
    let feeds = Feed::ALL;
    let mut feed = 0;
    while events.len() < n {
        let current = feeds[feed % feeds.len()];
        feed += 1;
        let mut body = Vec::new();
        generator.write_records(current, 200.min(n - events.len()), &mut body);
        raw += body.len() as u64;
        let options = StreamOptions {
            source_type: Some(current.source_type()),
            ..StreamOptions::default()
        };
        process(body.as_slice(), "mixed", &options, |out| {
            for (i, event) in out.events.drain(..).enumerate() {
                // Some events carry rule hits, as detection would give them.
                let rules = if i % 50 == 0 {
                    vec!["ibm-cloud-test-rule".to_owned()]
                } else {
                    vec![]
                };
                events.push(StoredEvent::from_event(&event, rules));
            }
        })
        .expect("generated data reads");
    }
    events.truncate(n);
    (events, raw)
}
