//! Lake export: partitions as Parquet files, read back with the `parquet` crate's reader.

mod common;

use std::fs::File;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMillisecondType};
use arrow_array::{Array, RecordBatch};
use common::{flow, options, stored, Flow, DAY, DAY0, HOUR};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::{json, Value};
use vigil_store::{EventStore, ExportCompression, ExportRequest, StoredEvent};

fn event(time_ms: i64, src: &str, user: Option<&str>, raw: &str) -> Value {
    flow(Flow {
        time_ms,
        src,
        dst: "10.0.0.9",
        dst_port: 443,
        user,
        action: "Allowed",
        bytes_out: 10,
        raw,
    })
}

/// Every row of a small Parquet file (under one reader batch).
fn read(path: &Path) -> RecordBatch {
    let file = File::open(path).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
    assert_eq!(batches.len(), 1);
    batches.remove(0)
}

fn strings(batch: &RecordBatch, column: &str) -> Vec<Option<String>> {
    let array = batch.column_by_name(column).unwrap().as_string::<i32>();
    (0..array.len())
        .map(|i| array.is_valid(i).then(|| array.value(i).to_owned()))
        .collect()
}

fn ints(batch: &RecordBatch, column: &str) -> Vec<Option<i64>> {
    let array = batch
        .column_by_name(column)
        .unwrap()
        .as_primitive::<Int64Type>();
    (0..array.len())
        .map(|i| array.is_valid(i).then(|| array.value(i)))
        .collect()
}

fn two_day_store(dir: &Path) -> (EventStore, Vec<StoredEvent>) {
    let store = EventStore::open(dir, options()).unwrap();
    let events = vec![
        stored(
            &event(DAY0 + HOUR, "1.1.1.1", Some("alice"), "r1"),
            &["rule-b", "rule-a"],
        ),
        stored(&event(DAY0 + 2 * HOUR, "2.2.2.2", None, "r2"), &[]),
        stored(
            &event(DAY0 + DAY + HOUR, "3.3.3.3", None, "r3 \"quoted\""),
            &["rule-c"],
        ),
    ];
    store.append(&events).unwrap();
    store.flush().unwrap();
    (store, events)
}

#[test]
fn two_days_give_two_files_that_read_back() {
    let store_dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let (store, events) = two_day_store(store_dir.path());

    let report = store
        .export_parquet(&ExportRequest::new(DAY0, DAY0 + 2 * DAY, out.path()))
        .unwrap();

    let names: Vec<String> = report
        .files
        .iter()
        .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "vigil-events-2024-05-01.parquet",
            "vigil-events-2024-05-02.parquet"
        ]
    );
    assert_eq!(report.rows, 3);
    assert_eq!(
        report.files.iter().map(|f| f.rows).collect::<Vec<_>>(),
        [2, 1]
    );
    assert_eq!(report.files[0].partition_start_ms, DAY0);
    // Only the renamed files are left: no temporary file.
    let mut listed: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    listed.sort();
    assert_eq!(listed, names);
    for file in &report.files {
        assert_eq!(std::fs::metadata(&file.path).unwrap().len(), file.bytes);
    }

    let first = read(&report.files[0].path);
    assert_eq!(first.num_rows(), 2);
    let times = first
        .column_by_name("time")
        .unwrap()
        .as_primitive::<TimestampMillisecondType>();
    assert_eq!(times.values().to_vec(), [DAY0 + HOUR, DAY0 + 2 * HOUR]);
    assert_eq!(
        first.schema().field_with_name("time").unwrap().data_type(),
        &arrow_schema::DataType::Timestamp(arrow_schema::TimeUnit::Millisecond, Some("UTC".into()))
    );
    assert_eq!(
        strings(&first, "src_ip"),
        [Some("1.1.1.1".into()), Some("2.2.2.2".into())]
    );
    assert_eq!(strings(&first, "user"), [Some("alice".into()), None]);
    assert_eq!(
        strings(&first, "source_type"),
        [Some("vpc_flow_log".into()), Some("vpc_flow_log".into())]
    );
    assert_eq!(strings(&first, "operation"), [None, None]);
    assert_eq!(ints(&first, "class_uid"), [Some(4001), Some(4001)]);
    assert_eq!(ints(&first, "dst_port"), [Some(443), Some(443)]);
    assert_eq!(ints(&first, "src_port"), [Some(40000), Some(40000)]);
    let rule_hits = first.column_by_name("rule_hits").unwrap().as_list::<i32>();
    let hits: Vec<Vec<String>> = (0..rule_hits.len())
        .map(|i| {
            let values = rule_hits.value(i);
            let values = values.as_string::<i32>();
            (0..values.len())
                .map(|j| values.value(j).to_owned())
                .collect()
        })
        .collect();
    assert_eq!(hits, [vec!["rule-a", "rule-b"], vec![]]);

    // `event` round-trips to the stored JSON, `raw_data` (the original record) included.
    let second = read(&report.files[1].path);
    let exported: Vec<Option<String>> = strings(&first, "event")
        .into_iter()
        .chain(strings(&second, "event"))
        .collect();
    for (exported, stored) in exported.iter().zip(&events) {
        assert_eq!(
            exported.as_deref().unwrap().as_bytes(),
            stored.json.as_slice()
        );
    }
    let last: Value = serde_json::from_str(exported[2].as_deref().unwrap()).unwrap();
    assert_eq!(last["raw_data"], json!("r3 \"quoted\""));
}

#[test]
fn a_range_without_partitions_writes_nothing() {
    let store_dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let (store, _) = two_day_store(store_dir.path());
    let target = out.path().join("lake");

    let report = store
        .export_parquet(&ExportRequest::new(DAY0 + 5 * DAY, DAY0 + 6 * DAY, &target))
        .unwrap();

    assert_eq!(report.files, []);
    assert_eq!(report.rows, 0);
    assert!(!target.exists(), "not even the directory is created");
}

#[test]
fn the_range_selects_whole_partitions() {
    let store_dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let (store, _) = two_day_store(store_dir.path());

    // One hour of the second day: its whole partition is written, the first day's is not.
    let report = store
        .export_parquet(&ExportRequest::new(
            DAY0 + DAY + 5 * HOUR,
            DAY0 + DAY + 6 * HOUR,
            out.path(),
        ))
        .unwrap();

    assert_eq!(report.files.len(), 1);
    assert_eq!(report.files[0].partition_start_ms, DAY0 + DAY);
    assert_eq!(report.rows, 1);
}

#[test]
fn uncompressed_small_row_groups_hold_the_same_rows() {
    let store_dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let (store, _) = two_day_store(store_dir.path());
    let request = ExportRequest {
        row_group_rows: 1,
        compression: ExportCompression::Uncompressed,
        ..ExportRequest::new(DAY0, DAY0 + DAY, out.path())
    };

    let report = store.export_parquet(&request).unwrap();

    let file = File::open(&report.files[0].path).unwrap();
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    assert_eq!(builder.metadata().num_row_groups(), 2);
    let total: usize = builder
        .build()
        .unwrap()
        .map(|b| b.unwrap().num_rows())
        .sum();
    assert_eq!(total, 2);
}

#[test]
fn bad_options_are_refused() {
    let store_dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let (store, _) = two_day_store(store_dir.path());
    for request in [
        ExportRequest {
            row_group_rows: 0,
            ..ExportRequest::new(DAY0, DAY0 + DAY, out.path())
        },
        ExportRequest {
            compression: ExportCompression::Zstd { level: 99 },
            ..ExportRequest::new(DAY0, DAY0 + DAY, out.path())
        },
    ] {
        let error = store.export_parquet(&request).unwrap_err();
        assert!(
            matches!(error, vigil_store::StoreError::InvalidOption { .. }),
            "{error}"
        );
    }
}

#[test]
fn appending_while_exporting_still_works() {
    let store_dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let store = EventStore::open(store_dir.path(), options()).unwrap();
    let batch: Vec<StoredEvent> = (0..2_000)
        .map(|i| stored(&event(DAY0 + i, "1.1.1.1", None, "r"), &[]))
        .collect();
    store.append(&batch).unwrap();
    store.flush().unwrap();

    std::thread::scope(|scope| {
        let exporter = scope.spawn(|| {
            let mut rows = Vec::new();
            for _ in 0..5 {
                let report = store
                    .export_parquet(&ExportRequest::new(DAY0, DAY0 + DAY, out.path()))
                    .unwrap();
                rows.push(report.rows);
            }
            rows
        });
        // Appends and commits go on meanwhile (the export holds no lock the indexer needs).
        for round in 0..5 {
            let more: Vec<StoredEvent> = (0..200)
                .map(|i| {
                    stored(
                        &event(DAY0 + HOUR + round * 1000 + i, "2.2.2.2", None, "r"),
                        &[],
                    )
                })
                .collect();
            store.append(&more).unwrap();
            store.flush().unwrap();
        }
        let rows = exporter.join().unwrap();
        // Each export saw a committed snapshot: at least the first batch, at most all.
        assert!(rows.iter().all(|r| (2_000..=3_000).contains(r)), "{rows:?}");
    });
    assert_eq!(store.stats().events, 3_000);
    let report = store
        .export_parquet(&ExportRequest::new(DAY0, DAY0 + DAY, out.path()))
        .unwrap();
    assert_eq!(report.rows, 3_000);
    assert_eq!(read_rows(&report.files[0].path), 3_000);
}

fn read_rows(path: &Path) -> usize {
    let file = File::open(path).unwrap();
    ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap()
        .map(|b| b.unwrap().num_rows())
        .sum()
}
