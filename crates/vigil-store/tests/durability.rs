//! Acknowledged events survive a crash exactly once; backpressure; stats; retention.

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::json;
use vigil_query::ast::{Expr, Pipe};
use vigil_store::{EventStore, StoreError, StoreOptions, StoredEvent};

fn numbered(n: u64, time_ms: i64) -> StoredEvent {
    let user = format!("user-{n}");
    let raw = format!("event number {n}");
    stored(
        &flow(Flow {
            time_ms,
            src: "10.0.0.1",
            dst: "10.0.0.2",
            dst_port: 443,
            user: Some(&user),
            action: "Allowed",
            bytes_out: n as i64,
            raw: &raw,
        }),
        &[],
    )
}

/// How many times each `user-N` is in the store.
fn user_counts(store: &EventStore) -> BTreeMap<u64, u64> {
    let response = search(
        store,
        Expr::All,
        vec![Pipe::Stats {
            aggs: vec![count()],
            by: vec![fref("user")],
        }],
        0,
        i64::MAX,
    );
    table(&response)
        .rows
        .iter()
        .map(|row| {
            let n = row[0]
                .as_str()
                .unwrap()
                .trim_start_matches("user-")
                .parse()
                .unwrap();
            (n, row[1].as_u64().unwrap())
        })
        .collect()
}

#[test]
fn a_crash_loses_no_acknowledged_event_and_duplicates_none() {
    let dir = tempfile::tempdir().unwrap();
    let store = EventStore::open(dir.path(), options()).unwrap();
    // Two days, so the replay touches two partitions, one of them committed already.
    let first: Vec<_> = (0..100).map(|n| numbered(n, DAY0 + n as i64)).collect();
    store.append(&first).unwrap();
    store.flush().unwrap();
    let second: Vec<_> = (100..250)
        .map(|n| numbered(n, DAY0 + (n % 2) as i64 * DAY + n as i64))
        .collect();
    let last = store.append(&second).unwrap();
    assert_eq!(last, 250);
    let stats = store.stats();
    assert_eq!((stats.committed_seq, stats.last_seq), (100, 250));
    store.close_without_commit();

    let store = EventStore::open(dir.path(), options()).unwrap();
    let report = store.open_report();
    assert_eq!((report.checkpoint, report.replayed), (100, 150));
    let counts = user_counts(&store);
    assert_eq!(counts.len(), 250);
    assert!(counts.values().all(|&c| c == 1), "{counts:?}");
    // Open again: nothing left to replay, still exactly once.
    drop(store);
    let store = EventStore::open(dir.path(), options()).unwrap();
    assert_eq!(store.open_report().replayed, 0);
    assert_eq!(store.stats().events, 250);
    // New appends continue the sequence.
    assert_eq!(store.append(&[numbered(999, DAY0)]).unwrap(), 251);
}

#[test]
fn a_partition_committed_past_the_checkpoint_is_not_replayed_into() {
    // Crash between a partition commit and the checkpoint: simulated by removing the
    // checkpoint file after a clean flush. The partition payload must prevent duplicates.
    let dir = tempfile::tempdir().unwrap();
    let store = EventStore::open(
        dir.path(),
        StoreOptions {
            wal: vigil_store::WalOptions {
                segment_max_bytes: 1 << 30,
                ..options().wal
            },
            ..options()
        },
    )
    .unwrap();
    let events: Vec<_> = (0..50)
        .map(|n| numbered(n, DAY0 + n as i64 * HOUR))
        .collect();
    store.append(&events).unwrap();
    store.flush().unwrap();
    drop(store);
    std::fs::remove_file(dir.path().join("checkpoint")).unwrap();
    let store = EventStore::open(dir.path(), options()).unwrap();
    assert_eq!(store.open_report().checkpoint, 0);
    let counts = user_counts(&store);
    assert_eq!(counts.len(), 50);
    assert!(counts.values().all(|&c| c == 1), "{counts:?}");
}

#[test]
fn try_append_says_busy_when_the_index_lags_and_append_waits() {
    let dir = tempfile::tempdir().unwrap();
    let store = EventStore::open(
        dir.path(),
        StoreOptions {
            max_queued_events: 100,
            ..options()
        },
    )
    .unwrap();
    // A batch larger than the queue is let in when the queue is empty…
    let big: Vec<_> = (0..20_000).map(|n| numbered(n, DAY0)).collect();
    store.append(&big).unwrap();
    // …and while it is being indexed there is no room for more.
    let result = store.try_append(&[numbered(20_000, DAY0)]);
    assert!(matches!(result, Err(StoreError::Busy)), "{result:?}");
    // A blocking append waits for room instead.
    store.append(&[numbered(20_001, DAY0)]).unwrap();
    store.flush().unwrap();
    let stats = store.stats();
    assert_eq!(
        (stats.events, stats.queued_events, stats.wal_lag_events),
        (20_001, 0, 0)
    );
    assert!(stats.partition_bytes > 0 && stats.last_error.is_none());
}

#[test]
fn invalid_events_are_refused_whole() {
    let dir = tempfile::tempdir().unwrap();
    let store = EventStore::open(dir.path(), options()).unwrap();
    let bad = StoredEvent {
        time_ms: 0,
        json: b"not json".to_vec(),
        rule_ids: vec![],
    };
    let result = store.append(&[numbered(0, DAY0), bad]);
    assert!(
        matches!(result, Err(StoreError::InvalidEvent { index: 1, .. })),
        "{result:?}"
    );
    assert_eq!(store.stats().last_seq, 0);
    // Malformed JSON inside an object is stored (and findable by time) rather than lost.
    let odd = StoredEvent {
        time_ms: DAY0,
        json: br#"{"raw_data": "half"#.to_vec(),
        rule_ids: vec!["r".into()],
    };
    store.append(&[odd]).unwrap();
    store.flush().unwrap();
    let response = search(&store, eq("rule_hit", "r"), vec![], DAY0, DAY0 + 1);
    assert_eq!(raws(&response).0, 1);
}

#[test]
fn retention_drops_whole_partitions_by_age_then_size() {
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions {
        retention_max_age_ms: Some(2 * DAY),
        ..options()
    };
    let store = EventStore::open(dir.path(), options.clone()).unwrap();
    for day in 0..4 {
        let events: Vec<_> = (0..50)
            .map(|n| numbered(day * 100 + n, DAY0 + day as i64 * DAY + n as i64))
            .collect();
        store.append(&events).unwrap();
    }
    store.flush().unwrap();
    assert_eq!(store.stats().partitions, 4);
    // At the end of day 3, partitions ending two days ago or earlier go: days 0 and 1.
    let report = store.retention_sweep(DAY0 + 4 * DAY).unwrap();
    assert_eq!(
        report.dropped,
        vec![(DAY0, DAY0 + DAY), (DAY0 + DAY, DAY0 + 2 * DAY)]
    );
    assert!(report.freed_bytes > 0);
    assert_eq!(store.stats().events, 100);
    drop(store);

    // Size: a budget that fits only the newest partition. Dropped events never come back.
    let newest_bytes = {
        let store = EventStore::open(dir.path(), options.clone()).unwrap();
        let stats = store.stats();
        assert_eq!(
            (stats.partitions, stats.events, store.open_report().replayed),
            (2, 100, 0)
        );
        stats.partition_bytes / 2 + 1
    };
    let store = EventStore::open(
        dir.path(),
        StoreOptions {
            retention_max_bytes: Some(newest_bytes),
            retention_max_age_ms: None,
            ..options
        },
    )
    .unwrap();
    let report = store.retention_sweep(DAY0 + 4 * DAY).unwrap();
    assert_eq!(report.dropped, vec![(DAY0 + 2 * DAY, DAY0 + 3 * DAY)]);
    let counts = user_counts(&store);
    assert_eq!(counts.keys().next(), Some(&300));
    assert_eq!(counts.len(), 50);
    // The newest partition is kept even over budget.
    let store_again = store.retention_sweep(DAY0 + 100 * DAY).unwrap();
    assert!(store_again.dropped.is_empty());
}

#[test]
fn stored_event_from_a_model_event() {
    let event = vigil_model::Event {
        time: DAY0,
        raw: b"original line".as_slice().into(),
        ..Default::default()
    };
    let stored = StoredEvent::from_event(&event, vec!["rule-1".into()]);
    let json: serde_json::Value = serde_json::from_slice(&stored.json).unwrap();
    assert_eq!(
        (stored.time_ms, json["raw_data"].clone()),
        (DAY0, json!("original line"))
    );
}

#[test]
fn a_commit_forced_by_opening_a_writer_does_not_claim_the_pending_event() {
    // Regression (found by the kill -9 test): with more partitions than open writers, the
    // commit made to close a writer recorded the sequence of the event being routed, which
    // was not in any writer yet; a crash then lost it.
    let dir = tempfile::tempdir().unwrap();
    let one_writer = StoreOptions {
        max_open_writers: 1,
        ..options()
    };
    let store = EventStore::open(dir.path(), one_writer.clone()).unwrap();
    let events: Vec<_> = (0..6)
        .map(|n| numbered(n, DAY0 + (n % 3) as i64 * DAY))
        .collect();
    store.append(&events).unwrap();
    // Let the indexer take the batch (the queue is empty once it is indexed).
    while store.stats().queued_events > 0 {
        std::thread::yield_now();
    }
    store.close_without_commit();
    let store = EventStore::open(dir.path(), one_writer).unwrap();
    let counts = user_counts(&store);
    assert_eq!(counts.len(), 6, "{counts:?}");
    assert!(counts.values().all(|&c| c == 1), "{counts:?}");
}
