//! Generation throughput: bytes per second of each feed, flow records per second of flow log
//! objects (with and without gzip). The generator feeds benchmarks of hundreds of megabytes,
//! so it must stay far faster than what it feeds.
//!
//! `cargo bench -p vigil-sim --bench generate`

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use vigil_sim::{Feed, Generator};

/// Records per iteration.
const RECORDS: usize = 10_000;

fn feeds(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    for feed in Feed::ALL {
        let mut generator = Generator::new(1);
        let mut buf = Vec::with_capacity(RECORDS * 2048);
        generator.write_records(feed, RECORDS, &mut buf);
        group.throughput(Throughput::Bytes(buf.len() as u64));
        let name = format!("{:?}", feed.source_type());
        group.bench_function(name, |b| {
            b.iter(|| {
                buf.clear();
                generator.write_records(feed, RECORDS, &mut buf);
                black_box(buf.len())
            })
        });
    }
    let mut generator = Generator::new(1);
    group.throughput(Throughput::Elements(1_000));
    group.bench_function("flow_log_json_1000_records", |b| {
        b.iter(|| black_box(generator.flow_log_json(1_000).1.len()))
    });
    group.bench_function("flow_log_object_1000_records", |b| {
        b.iter(|| black_box(generator.flow_log_object(1_000).1.len()))
    });
    group.finish();
}

criterion_group!(benches, feeds);
criterion_main!(benches);
