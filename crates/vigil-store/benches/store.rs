//! Store hot paths: ingest (append + index + commit) and query latencies on flow-like events.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::json;
use vigil_query::ast::{
    AggFunction, Aggregation, Expr, FieldPredicate, FieldRef, Pipe, Predicate, Query, Value,
};
use vigil_store::{EventStore, SearchRequest, StoreOptions, StoredEvent, WalOptions, WalSync};

const DAY0: i64 = 1_714_521_600_000;

fn events(n: usize, offset: usize) -> Vec<StoredEvent> {
    (offset..offset + n)
        .map(|i| {
            let src = format!("10.{}.{}.{}", i % 7, (i / 7) % 250, i % 250);
            let dst = format!("172.16.{}.{}", i % 13, i % 200);
            let port = [22, 53, 80, 443, 3389, 8080][i % 6];
            let time = DAY0 + (i as i64) * 17;
            let raw = format!(
                "{{\"start_time\":\"{time}\",\"initiator_ip\":\"{src}\",\"target_ip\":\"{dst}\",\"target_port\":{port},\"transport_protocol\":6,\"bytes_from_initiator\":{},\"was_initiated\":true,\"connection_end\":true}}",
                i * 31 % 100_000
            );
            let event = json!({
                "class_uid": 4001, "class_name": "Network Activity", "activity_name": "Traffic",
                "severity_id": 1, "severity": "Informational", "time": time,
                "action": if i % 9 == 0 { "Denied" } else { "Allowed" },
                "src_endpoint": {"ip": src, "port": 30000 + i % 30000},
                "dst_endpoint": {"ip": dst, "port": port},
                "connection_info": {"protocol_name": "tcp"},
                "traffic": {"bytes_out": i * 31 % 100_000, "packets": i % 100},
                "raw_data": raw,
                "vigil": {"source_type": "vpc_flow_log", "source": "bench", "line": i, "offset": 0}
            });
            StoredEvent::from_json(&event, vec![])
        })
        .collect()
}

fn options() -> StoreOptions {
    StoreOptions {
        commit_interval_ms: 60_000,
        wal: WalOptions {
            sync: WalSync::Never,
            ..WalOptions::default()
        },
        ..StoreOptions::default()
    }
}

fn ingest(c: &mut Criterion) {
    let batch = events(20_000, 0);
    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    group.throughput(Throughput::Elements(batch.len() as u64));
    group.bench_function("append_and_commit_20k_flows", |b| {
        b.iter_with_setup(
            || {
                let dir = tempfile::tempdir().expect("temp dir");
                let store = EventStore::open(dir.path(), options()).expect("open");
                (dir, store)
            },
            |(dir, store)| {
                for chunk in batch.chunks(2_000) {
                    store.append(chunk).expect("append");
                }
                store.flush().expect("flush");
                drop(store);
                drop(dir);
            },
        );
    });
    group.finish();
}

fn queries(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = EventStore::open(dir.path(), options()).expect("open");
    for offset in (0..200_000).step_by(20_000) {
        store.append(&events(20_000, offset)).expect("append");
    }
    store.flush().expect("flush");
    let request = |filter: Expr, pipes: Vec<Pipe>| SearchRequest {
        query: Query { filter, pipes },
        from_ms: DAY0,
        to_ms: DAY0 + 86_400_000,
        limit: 100,
    };
    let ip = Expr::Field(FieldPredicate {
        field: "ip".into(),
        field_span: 0..2,
        predicate: Predicate::Eq(Value {
            text: "10.1.1.1".into(),
            quoted: false,
        }),
        value_span: 3..11,
    });
    let top = vec![Pipe::Top {
        limit: 10,
        field: FieldRef {
            name: "dst_port".into(),
            span: 0..8,
        },
    }];
    let histogram = vec![Pipe::Timechart {
        span_ms: 300_000,
        aggs: vec![Aggregation {
            function: AggFunction::Count,
            field: None,
            alias: "count".into(),
            span: 0..7,
        }],
        by: None,
    }];
    let mut group = c.benchmark_group("query_200k");
    group.bench_function("entity_ip", |b| {
        b.iter(|| store.search(&request(ip.clone(), vec![])).expect("search"))
    });
    group.bench_function("top10_dst_port", |b| {
        b.iter(|| {
            store
                .search(&request(Expr::All, top.clone()))
                .expect("search")
        })
    });
    group.bench_function("timechart_5m", |b| {
        b.iter(|| {
            store
                .search(&request(Expr::All, histogram.clone()))
                .expect("search")
        })
    });
    group.finish();
}

criterion_group!(benches, ingest, queries);
criterion_main!(benches);
