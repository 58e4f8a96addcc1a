use std::thread;

use vigil_state::{
    AlertFilter, AlertStatus, AlertUpdate, AuditFilter, Checkpoint, SourceId, StateStore,
    StoreOptions,
};

use crate::common::{hit, rule};

fn hammer(store: &StateStore) {
    let writers: Vec<_> = (0..3)
        .map(|w| {
            let store = store.clone();
            thread::spawn(move || {
                let r = rule(&format!("r-{w}"), "Console login", "high");
                for batch in 0..20 {
                    // 10 distinct keys per writer, each hit twice over the run.
                    let alerts: Vec<_> = (0..5)
                        .map(|i| {
                            hit(
                                &r,
                                batch * 10 + i,
                                &format!("10.{w}.0.{}", (batch * 5 + i) % 10),
                            )
                        })
                        .collect();
                    store.record_alerts(&alerts, batch).unwrap();
                    store
                        .save_checkpoints(&[Checkpoint {
                            source_id: SourceId(format!("s-{w}")),
                            key: "k".to_owned(),
                            value: serde_json::json!(batch),
                        }])
                        .unwrap();
                }
            })
        })
        .collect();
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let store = store.clone();
            thread::spawn(move || {
                let mut last_total = 0;
                for _ in 0..50 {
                    let page = store.list_alerts(&AlertFilter::default()).unwrap();
                    // A page and its total come from one snapshot.
                    assert_eq!(page.alerts.len() as u64, page.total.min(100));
                    assert!(page.total >= last_total, "alerts only grow");
                    last_total = page.total;
                    if let Some(first) = page.alerts.first() {
                        store
                            .update_alert(
                                first.id,
                                &AlertUpdate {
                                    status: Some(AlertStatus::Acknowledged),
                                    assignee: None,
                                },
                                "reader",
                            )
                            .unwrap();
                    }
                }
            })
        })
        .collect();
    for handle in writers.into_iter().chain(readers) {
        handle.join().unwrap();
    }
    let page = store
        .list_alerts(&AlertFilter {
            limit: 1000,
            ..AlertFilter::default()
        })
        .unwrap();
    assert_eq!(page.total, 30, "3 writers x 10 keys");
    let hits: i64 = page.alerts.iter().map(|a| a.count).sum();
    assert_eq!(hits, 3 * 20 * 5);
    for w in 0..3 {
        assert_eq!(
            store
                .load_checkpoint(&SourceId(format!("s-{w}")), "k")
                .unwrap(),
            Some(serde_json::json!(19))
        );
    }
    let acknowledged = store.count_alerts_by_status().unwrap()[1].1;
    let audited = store
        .list_audit(&AuditFilter {
            limit: 1000,
            ..AuditFilter::default()
        })
        .unwrap()
        .len();
    assert_eq!(
        audited as u64, acknowledged,
        "one audit entry per status change"
    );
}

#[test]
fn a_file_store_is_shared_by_threads() {
    let dir = tempfile::tempdir().unwrap();
    let store = StateStore::open(dir.path().join("state.db")).unwrap();
    hammer(&store);
}

#[test]
fn a_file_store_with_one_connection_is_shared_by_threads() {
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions {
        read_connections: 0,
        ..StoreOptions::default()
    };
    let store = StateStore::open_with(dir.path().join("state.db"), options).unwrap();
    hammer(&store);
}

#[test]
fn an_in_memory_store_is_shared_by_threads() {
    hammer(&StateStore::open_in_memory().unwrap());
}

#[test]
fn two_stores_on_one_file_see_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let a = StateStore::open(&path).unwrap();
    let b = StateStore::open(&path).unwrap();
    let id = a
        .record_alerts(&[hit(&rule("r", "t", "low"), 1, "ip")], 1)
        .unwrap()[0]
        .id();
    assert!(b.get_alert(id).unwrap().is_some());
}
