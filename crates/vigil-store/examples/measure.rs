//! Measures the store on generated telemetry: ingest rate on one writer, stored size against
//! the raw logs, and query latencies (entity lookup, top-10, 5-minute histogram, free text).
//!
//! `cargo run --release -p vigil-store --example measure -- [events] [--positions] [--dir D]
//! [--zstd-level N] [--block-kib N] [--index-threads N] [--concurrent] [--export]`
//! (default 1,000,000 events: 80 % VPC flow records, 20 % a mix of every other feed).
//! Events are generated and normalized per chunk of 500,000 before the clock starts, so the
//! ingest rate is the store's share alone (append + indexing + commit). The store's CPU time
//! (process CPU while the clock runs, from `/proc/self/stat`) is printed too: on a shared
//! machine it moves less than the wall-clock rate.
//!
//! `--concurrent`: a writer thread generates and ingests while the main thread runs the
//! entity lookup and the top-10 query every half second; their latencies are reported at
//! the end (the investigation targets hold while ingest runs).
//!
//! `--export`: at the end, writes every partition as Parquet (lake export) and reports rows/s.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use vigil_formats::pipeline::{process, StreamOptions};
use vigil_query::ast::{
    AggFunction, Aggregation, Expr, FieldPredicate, FieldRef, Pipe, Predicate, Query, TextTerm,
    Value,
};
use vigil_sim::{Feed, Generator};
use vigil_store::{
    EventStore, ExportRequest, SearchRequest, SearchResult, StoreOptions, StoredEvent, WalOptions,
    WalSync,
};

const CHUNK: usize = 500_000;
const BATCH: usize = 5_000;

struct Args {
    total: usize,
    positions: bool,
    dir: Option<PathBuf>,
    zstd_level: Option<i32>,
    block_kib: Option<usize>,
    index_threads: Option<usize>,
    concurrent: bool,
    export: bool,
}

fn parse_args() -> Args {
    let mut parsed = Args {
        total: 1_000_000,
        positions: false,
        dir: None,
        zstd_level: None,
        block_kib: None,
        index_threads: None,
        concurrent: false,
        export: false,
    };
    let mut args = std::env::args().skip(1);
    let number = |value: Option<String>| -> usize {
        value
            .expect("a value after the flag")
            .replace('_', "")
            .parse()
            .expect("a number")
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--positions" => parsed.positions = true,
            "--concurrent" => parsed.concurrent = true,
            "--export" => parsed.export = true,
            "--dir" => parsed.dir = args.next().map(PathBuf::from),
            "--zstd-level" => parsed.zstd_level = Some(number(args.next()) as i32),
            "--block-kib" => parsed.block_kib = Some(number(args.next())),
            "--index-threads" => parsed.index_threads = Some(number(args.next())),
            n => parsed.total = number(Some(n.to_owned())),
        }
    }
    parsed
}

/// CPU seconds (user + system) the process has used so far.
fn process_cpu_secs() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces): state is field 3, utime 14.
    let Some(after_name) = stat.rsplit_once(')').map(|(_, rest)| rest) else {
        return 0.0;
    };
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 (1-based), 11 and 12 here; USER_HZ is 100 on Linux.
    (ticks(11) + ticks(12)) / 100.0
}

/// Bytes of the partitions by tantivy file kind.
fn size_breakdown(dir: &std::path::Path) -> Vec<(String, u64)> {
    let mut sizes: std::collections::BTreeMap<String, u64> = Default::default();
    let Ok(partitions) = std::fs::read_dir(dir.join("partitions")) else {
        return Vec::new();
    };
    for partition in partitions.flatten() {
        let Ok(files) = std::fs::read_dir(partition.path()) else {
            continue;
        };
        for file in files.flatten() {
            let name = file.file_name().to_string_lossy().into_owned();
            let kind = match name.rsplit_once('.') {
                Some((_, "store")) => "docstore (.store)",
                Some((_, "idx")) => "postings (.idx)",
                Some((_, "term")) => "terms (.term)",
                Some((_, "pos")) => "positions (.pos)",
                Some((_, "fast")) => "fast columns (.fast)",
                _ => "other",
            };
            let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
            *sizes.entry(kind.to_owned()).or_default() += bytes;
        }
    }
    sizes.into_iter().collect()
}

fn main() {
    let args = parse_args();
    let total = args.total;
    let positions = args.positions;
    let export = args.export;
    let temp = tempfile::tempdir().expect("a temporary directory");
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| temp.path().join("store"));
    let defaults = StoreOptions::default();
    let options = StoreOptions {
        raw_text_positions: positions,
        commit_max_docs: 2_000_000,
        commit_interval_ms: if args.concurrent { 5_000 } else { 30_000 },
        max_queued_events: 50_000,
        writer_memory_bytes: 512 << 20,
        docstore_zstd_level: args.zstd_level.unwrap_or(defaults.docstore_zstd_level),
        docstore_block_bytes: args
            .block_kib
            .map_or(defaults.docstore_block_bytes, |kib| kib << 10),
        index_threads: args.index_threads.unwrap_or(defaults.index_threads),
        wal: WalOptions {
            sync: WalSync::EveryAppend,
            ..WalOptions::default()
        },
        ..defaults
    };
    println!(
        "options              zstd level {}, docstore block {} KiB, index threads {}",
        options.docstore_zstd_level,
        options.docstore_block_bytes >> 10,
        options.index_threads
    );
    let store = EventStore::open(&dir, options).expect("the store opens");
    if args.concurrent {
        concurrent(&store, total);
        return;
    }
    let mut generator = Generator::new(7);
    let mut raw_bytes = 0u64;
    let mut json_bytes = 0u64;
    let mut ingested = 0usize;
    let mut ingest_time = Duration::ZERO;
    let mut ingest_cpu = 0.0;
    let mut probe_ip = None;
    let mut min_time = i64::MAX;
    let mut max_time = i64::MIN;
    while ingested < total {
        let want = CHUNK.min(total - ingested);
        let (events, bytes) = generate(&mut generator, want);
        raw_bytes += bytes;
        json_bytes += events.iter().map(|e| e.json.len() as u64).sum::<u64>();
        if probe_ip.is_none() {
            probe_ip = first_source_ip(&events);
        }
        for event in &events {
            min_time = min_time.min(event.time_ms);
            max_time = max_time.max(event.time_ms);
        }
        let cpu_before = process_cpu_secs();
        let started = Instant::now();
        for batch in events.chunks(BATCH) {
            store.append(batch).expect("append");
        }
        store.flush().expect("flush");
        ingest_time += started.elapsed();
        ingest_cpu += process_cpu_secs() - cpu_before;
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
    println!(
        "ingest CPU           {:.1} us/event ({:.1} s of CPU for {:.1} s of wall clock)",
        ingest_cpu * 1e6 / ingested as f64,
        ingest_cpu,
        ingest_time.as_secs_f64()
    );
    println!("raw bytes            {raw_bytes}");
    println!(
        "event JSON bytes     {json_bytes} ({:.0} per event)",
        json_bytes as f64 / ingested as f64
    );
    println!(
        "stored bytes         {} ({:.3}x raw)",
        stats.partition_bytes,
        stats.partition_bytes as f64 / raw_bytes as f64
    );
    for (kind, bytes) in size_breakdown(&dir) {
        println!(
            "  {kind:<20} {bytes:>12} ({:.3}x raw)",
            bytes as f64 / raw_bytes as f64
        );
    }
    println!("wal bytes after flush {}", stats.wal_bytes);

    let (ip, ip_time) = probe_ip.expect("some event has a source IP");
    let all = (min_time, max_time + 1);
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
    let entity = entity_request(&ip, ip_time);
    measure(
        &format!("entity ip:{ip} 24h"),
        entity.query.filter,
        vec![],
        (entity.from_ms, entity.to_ms),
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
    if export {
        measure_export(&store, &dir, all);
    }
}

/// Lake export of every partition as Parquet: rows/s and bytes against the partitions.
fn measure_export(store: &EventStore, dir: &std::path::Path, range: (i64, i64)) {
    let out = dir.join("export");
    let request = ExportRequest::new(range.0, range.1, &out);
    let cpu_before = process_cpu_secs();
    let started = Instant::now();
    let report = store.export_parquet(&request).expect("export");
    let elapsed = started.elapsed();
    let cpu = process_cpu_secs() - cpu_before;
    println!(
        "export parquet (zstd 3)      {} rows in {} files, {:.2} s, {:.0} rows/s, cpu {:.2} s, {} bytes ({:.3}x partitions)",
        report.rows,
        report.files.len(),
        elapsed.as_secs_f64(),
        report.rows as f64 / elapsed.as_secs_f64(),
        cpu,
        report.bytes,
        report.bytes as f64 / store.stats().partition_bytes as f64
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

/// The first event's source IP and time: the entity looked up.
fn first_source_ip(events: &[StoredEvent]) -> Option<(String, i64)> {
    events.iter().find_map(|e| {
        let json: serde_json::Value = serde_json::from_slice(&e.json).ok()?;
        Some((json["src_endpoint"]["ip"].as_str()?.to_owned(), e.time_ms))
    })
}

fn request(filter: Expr, pipes: Vec<Pipe>, range: (i64, i64)) -> SearchRequest {
    SearchRequest {
        query: Query { filter, pipes },
        from_ms: range.0,
        to_ms: range.1,
        limit: 100,
    }
}

/// `ip:<ip>` over the 24 hours around `time_ms`.
fn entity_request(ip: &str, time_ms: i64) -> SearchRequest {
    let filter = Expr::Field(FieldPredicate {
        field: "ip".into(),
        field_span: 0..0,
        predicate: Predicate::Eq(Value {
            text: ip.into(),
            quoted: false,
        }),
        value_span: 0..0,
    });
    request(
        filter,
        vec![],
        (time_ms - 12 * 3_600_000, time_ms + 12 * 3_600_000),
    )
}

/// `| top 10 dst_port` over everything.
fn top10_request() -> SearchRequest {
    let pipes = vec![Pipe::Top {
        limit: 10,
        field: FieldRef {
            name: "dst_port".into(),
            span: 0..0,
        },
    }];
    request(Expr::All, pipes, (i64::MIN, i64::MAX))
}

fn percentiles(mut times: Vec<Duration>) -> String {
    if times.is_empty() {
        return "no samples".to_owned();
    }
    times.sort();
    let at = |q: f64| ms(times[((times.len() - 1) as f64 * q).round() as usize]);
    format!(
        "p50 {:>7.2} ms  p95 {:>7.2} ms  max {:>7.2} ms  ({} runs)",
        at(0.5),
        at(0.95),
        at(1.0),
        times.len()
    )
}

/// A writer thread ingests `total` events (generating each chunk before timing it) while
/// this thread runs the entity lookup and the top-10 query every half second.
fn concurrent(store: &EventStore, total: usize) {
    let done = std::sync::atomic::AtomicBool::new(false);
    let probe: std::sync::Mutex<Option<(String, i64)>> = std::sync::Mutex::new(None);
    let mut entity_times = Vec::new();
    let mut top_times = Vec::new();
    let (ingested, ingest_time, raw_bytes) = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            let mut generator = Generator::new(7);
            let mut ingested = 0usize;
            let mut raw_bytes = 0u64;
            let mut ingest_time = Duration::ZERO;
            while ingested < total {
                let want = CHUNK.min(total - ingested);
                let (events, bytes) = generate(&mut generator, want);
                raw_bytes += bytes;
                let mut probe = probe.lock().expect("no panic while held");
                if probe.is_none() {
                    *probe = first_source_ip(&events);
                }
                drop(probe);
                let started = Instant::now();
                for batch in events.chunks(BATCH) {
                    store.append(batch).expect("append");
                }
                ingest_time += started.elapsed();
                ingested += events.len();
                eprintln!(
                    "{ingested} events, {:.0} events/s so far, {} searchable",
                    ingested as f64 / ingest_time.as_secs_f64(),
                    store.stats().events
                );
            }
            let started = Instant::now();
            store.flush().expect("flush");
            ingest_time += started.elapsed();
            done.store(true, std::sync::atomic::Ordering::Release);
            (ingested, ingest_time, raw_bytes)
        });
        while !done.load(std::sync::atomic::Ordering::Acquire) {
            std::thread::sleep(Duration::from_millis(500));
            let Some((ip, time_ms)) = probe.lock().expect("no panic while held").clone() else {
                continue;
            };
            if store.stats().events == 0 {
                continue;
            }
            let started = Instant::now();
            store.search(&entity_request(&ip, time_ms)).expect("search");
            entity_times.push(started.elapsed());
            let started = Instant::now();
            store.search(&top10_request()).expect("search");
            top_times.push(started.elapsed());
        }
        writer.join().expect("the writer does not panic")
    });
    let stats = store.stats();
    println!("events               {}", stats.events);
    println!(
        "ingest               {:.0} events/s (one writer, queries running)",
        ingested as f64 / ingest_time.as_secs_f64()
    );
    println!(
        "stored bytes         {} ({:.3}x raw)",
        stats.partition_bytes,
        stats.partition_bytes as f64 / raw_bytes as f64
    );
    println!("entity ip 24h        {}", percentiles(entity_times));
    println!("top 10 dst_port      {}", percentiles(top_times));
}
