//! Batch metadata (source checkpoints) written with the events: atomic with them, never
//! indexed, recovered on open, kept in the log until confirmed.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;
use vigil_query::ast::Expr;
use vigil_store::{EventStore, StoreError, StoreOptions, StoredEvent, WalOptions};

fn numbered(n: u64) -> StoredEvent {
    let user = format!("user-{n}");
    let raw = format!("event number {n}");
    stored(
        &flow(Flow {
            time_ms: DAY0 + n as i64,
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

fn numbered_range(range: std::ops::Range<u64>) -> Vec<StoredEvent> {
    range.map(numbered).collect()
}

fn all_events(store: &EventStore) -> u64 {
    raws(&search(store, Expr::All, vec![], 0, i64::MAX)).0
}

fn newest_segment(dir: &Path) -> PathBuf {
    let mut logs: Vec<PathBuf> = fs::read_dir(dir.join("wal"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    logs.sort();
    logs.pop().unwrap()
}

#[test]
fn metadata_is_recovered_in_order_and_never_indexed() {
    let dir = tempfile::tempdir().unwrap();
    let store = EventStore::open(dir.path(), options()).unwrap();
    assert_eq!(
        store
            .append_with_meta(&numbered_range(0..3), br#"{"offset":3}"#)
            .unwrap(),
        4
    );
    assert_eq!(store.append(&numbered_range(3..5)).unwrap(), 6);
    // A chunk whose records were all rejected still advances its checkpoint.
    assert_eq!(store.append_with_meta(&[], br#"{"offset":9}"#).unwrap(), 7);
    store.flush().unwrap();
    assert_eq!(all_events(&store), 5);
    assert_eq!(store.stats().events, 5);
    store.close_without_commit();

    let store = EventStore::open(dir.path(), options()).unwrap();
    assert_eq!(
        store.recovered_meta(),
        [
            (4, br#"{"offset":3}"#.to_vec()),
            (7, br#"{"offset":9}"#.to_vec())
        ]
    );
    assert_eq!(store.stats().unconfirmed_meta, 2);
    assert_eq!(all_events(&store), 5);
    // Sequence numbers carry on after the metadata record.
    assert_eq!(store.append(&numbered_range(5..6)).unwrap(), 8);
}

#[test]
fn metadata_replayed_after_a_crash_is_skipped_by_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let store = EventStore::open(dir.path(), options()).unwrap();
    store
        .append_with_meta(&numbered_range(0..2), b"first")
        .unwrap();
    store.flush().unwrap();
    store
        .append_with_meta(&numbered_range(2..4), b"second")
        .unwrap();
    store.append_with_meta(&[], b"third").unwrap();
    store.close_without_commit();

    let store = EventStore::open(dir.path(), options()).unwrap();
    let report = store.open_report();
    // Checkpoint after "first" (seq 3); replayed: two events and two metadata records.
    assert_eq!((report.checkpoint, report.replayed), (3, 4));
    assert_eq!(all_events(&store), 4);
    assert_eq!(
        store
            .recovered_meta()
            .iter()
            .map(|(_, blob)| blob.as_slice())
            .collect::<Vec<_>>(),
        [b"first".as_slice(), b"second", b"third"]
    );
    let stats = store.stats();
    assert_eq!((stats.committed_seq, stats.last_seq), (7, 7));
}

#[test]
fn the_log_keeps_metadata_until_confirmed_then_an_idle_log_is_emptied() {
    let dir = tempfile::tempdir().unwrap();
    let store = EventStore::open(dir.path(), options()).unwrap();
    let seq = store
        .append_with_meta(&numbered_range(0..10), b"checkpoint")
        .unwrap();
    // Committed: the active segment is rotated, but the one holding the metadata stays.
    store.flush().unwrap();
    assert!(store.stats().wal_bytes > 8);
    // Saved elsewhere and confirmed: nothing is left but an empty segment (its header).
    store.confirm_meta(seq).unwrap();
    let stats = store.stats();
    assert_eq!((stats.wal_bytes, stats.unconfirmed_meta), (8, 0));
    drop(store);
    let store = EventStore::open(dir.path(), options()).unwrap();
    assert!(store.recovered_meta().is_empty());
    assert_eq!(all_events(&store), 10);
    // The index checkpoint carries the sequence on over the emptied log.
    assert_eq!(store.append(&numbered_range(10..11)).unwrap(), seq + 1);
}

#[test]
fn an_idle_store_without_metadata_keeps_no_log() {
    // Regression: the active segment was never deleted, so an idle store kept up to
    // `segment_max_bytes` of log that the index already held.
    let dir = tempfile::tempdir().unwrap();
    let store = EventStore::open(dir.path(), options()).unwrap();
    store.append(&numbered_range(0..100)).unwrap();
    assert!(store.stats().wal_bytes > 100 * 100);
    store.flush().unwrap();
    assert_eq!(store.stats().wal_bytes, 8);
    assert_eq!(all_events(&store), 100);
}

#[test]
fn an_unconfirmed_record_survives_commits_and_reopens_until_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    let store = EventStore::open(dir.path(), options()).unwrap();
    store
        .append_with_meta(&numbered_range(0..1), b"saved too late")
        .unwrap();
    for n in 1..5 {
        store.append(&numbered_range(n..n + 1)).unwrap();
        store.flush().unwrap();
    }
    drop(store);
    let store = EventStore::open(dir.path(), options()).unwrap();
    assert_eq!(store.recovered_meta(), [(2, b"saved too late".to_vec())]);
    store.flush().unwrap();
    drop(store);
    // Still there: recovered records start unconfirmed.
    let store = EventStore::open(dir.path(), options()).unwrap();
    assert_eq!(store.recovered_meta().len(), 1);
    let last = store.recovered_meta().last().unwrap().0;
    store.confirm_meta(last).unwrap();
    drop(store);
    let store = EventStore::open(dir.path(), options()).unwrap();
    assert!(store.recovered_meta().is_empty());
    assert_eq!(all_events(&store), 5);
}

#[test]
fn a_torn_batch_loses_its_events_and_its_metadata_together() {
    let dir = tempfile::tempdir().unwrap();
    let store = EventStore::open(dir.path(), options()).unwrap();
    store
        .append_with_meta(&numbered_range(0..3), b"whole")
        .unwrap();
    store
        .append_with_meta(&numbered_range(3..6), b"torn")
        .unwrap();
    store.close_without_commit();
    // A kill during the write of the second batch: its last bytes never reached the file.
    let segment = newest_segment(dir.path());
    let len = fs::metadata(&segment).unwrap().len();
    fs::OpenOptions::new()
        .write(true)
        .open(&segment)
        .unwrap()
        .set_len(len - 2)
        .unwrap();

    let store = EventStore::open(dir.path(), options()).unwrap();
    assert!(store.open_report().wal.torn.is_some());
    assert_eq!(store.recovered_meta(), [(4, b"whole".to_vec())]);
    assert_eq!(all_events(&store), 3);
    // The numbers of the lost batch are handed out again: nothing acknowledged had them.
    assert_eq!(store.append(&numbered_range(6..7)).unwrap(), 5);
}

#[test]
fn oversized_metadata_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let store = EventStore::open(
        dir.path(),
        StoreOptions {
            wal: WalOptions {
                max_record_bytes: 4096,
                ..options().wal
            },
            ..options()
        },
    )
    .unwrap();
    let result = store.append_with_meta(&numbered_range(0..2), &[b'x'; 5000]);
    assert!(
        matches!(
            result,
            Err(StoreError::MetaTooLarge {
                bytes: 5000,
                max_bytes: 4096
            })
        ),
        "{result:?}"
    );
    let stats = store.stats();
    assert_eq!((stats.last_seq, stats.queued_events), (0, 0));
}
