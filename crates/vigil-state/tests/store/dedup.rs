//! Folding hits into stored alerts by dedup key.

use vigil_sigma::ast::Level;
use vigil_state::{
    dedup_key, AlertStatus, AlertUpdate, AuditFilter, RecordOutcome, RuleId, StateError,
    StateStore, StoreOptions,
};

use crate::common::{correlation, evidence, hit, manual_clock, memory_store, rule};

fn status(s: AlertStatus) -> AlertUpdate {
    AlertUpdate {
        status: Some(s),
        assignee: None,
    }
}

#[test]
fn dedup_key_is_readable_and_pinned() {
    let r = rule("r-1", "Console login", "high");
    assert_eq!(
        dedup_key(&hit(&r, 5, "10.0.0.1")),
        r#"["id:r-1",[["10.0.0.1"],[],[],[],[]],null]"#
    );
    let c = rule("c-1", "Brute force", "medium");
    assert_eq!(
        dedup_key(&correlation(&c, 100_000, "alice")),
        r#"["id:c-1",[[],["alice"],[],[],[]],["event_count",[["user","alice"]]]]"#
    );
    let mut untitled = (*r).clone();
    untitled.id = None;
    let untitled = std::sync::Arc::new(untitled);
    assert!(dedup_key(&hit(&untitled, 5, "10.0.0.1")).starts_with(r#"["title:Console login""#));
}

#[test]
fn dedup_key_does_not_depend_on_group_order_or_time() {
    let c = rule("c-1", "Brute force", "medium");
    let mut a = correlation(&c, 100_000, "alice");
    a.correlation.as_mut().unwrap().group = vec![
        ("user".to_owned(), Some("alice".to_owned())),
        ("ip".to_owned(), None),
    ];
    let mut b = correlation(&c, 900_000, "alice");
    b.correlation.as_mut().unwrap().group = vec![
        ("ip".to_owned(), None),
        ("user".to_owned(), Some("alice".to_owned())),
    ];
    assert_eq!(dedup_key(&a), dedup_key(&b));
}

#[test]
fn a_repeated_hit_increments_the_open_alert() {
    let store = memory_store();
    let r = rule("r-1", "Console login", "high");
    let outcomes = store
        .record_alerts(
            &[
                hit(&r, 2_000, "10.0.0.1"),
                hit(&r, 3_000, "10.0.0.1"),
                hit(&r, 1_000, "10.0.0.1"),
            ],
            50,
        )
        .unwrap();
    let id = outcomes[0].id();
    assert_eq!(
        outcomes,
        vec![
            RecordOutcome::Created(id),
            RecordOutcome::Merged { id, count: 2 },
            RecordOutcome::Merged { id, count: 3 },
        ]
    );
    let detail = store.get_alert(id).unwrap().unwrap();
    assert_eq!(detail.summary.count, 3);
    assert_eq!(detail.summary.first_seen_ms, 1_000);
    assert_eq!(detail.summary.last_seen_ms, 3_000);
    assert_eq!(detail.summary.status, AlertStatus::New);
    assert_eq!(detail.summary.level, Level::High);
    assert_eq!(detail.summary.rule_id, Some(RuleId::from("r-1")));
    assert_eq!(detail.summary.entities["ips"][0], "10.0.0.1");
    // The latest hit by event time is kept, not the last to arrive.
    assert_eq!(detail.alert["time"], 3_000);
    assert!(detail.alert.get("evidence").is_none());
    let times: Vec<i64> = detail
        .evidence
        .iter()
        .map(|e| e["time"].as_i64().unwrap())
        .collect();
    assert_eq!(times, vec![1_000, 2_000, 3_000]);
    assert_eq!(detail.created_ms, 50);

    // Another entity is another alert.
    let other = store
        .record_alerts(&[hit(&r, 4_000, "10.0.0.2")], 60)
        .unwrap();
    assert!(matches!(other[0], RecordOutcome::Created(other_id) if other_id != id));
}

#[test]
fn a_closed_alert_does_not_absorb_new_hits() {
    let store = memory_store();
    let r = rule("r-1", "Console login", "high");
    let first = store
        .record_alerts(&[hit(&r, 1_000, "10.0.0.1")], 1)
        .unwrap()[0]
        .id();
    store
        .update_alert(first, &status(AlertStatus::Closed), "alice")
        .unwrap();
    let outcome = store
        .record_alerts(&[hit(&r, 2_000, "10.0.0.1")], 2)
        .unwrap()[0];
    let RecordOutcome::Created(second) = outcome else {
        panic!("a closed alert absorbed a hit: {outcome:?}");
    };
    assert_ne!(first, second);
    assert_eq!(store.get_alert(first).unwrap().unwrap().summary.count, 1);

    // Reopening the first while the second is open is refused, and the refusal audited.
    let err = store
        .update_alert(first, &status(AlertStatus::New), "bob")
        .unwrap_err();
    assert!(
        matches!(err, StateError::ReopenConflict { id, open } if id == first && open == second),
        "{err:?}"
    );
    let audit = store.list_audit(&AuditFilter::default()).unwrap();
    assert_eq!(audit[0].action, "alert.reopen");
    assert_eq!(audit[0].outcome, vigil_state::AuditOutcome::Failure);
    assert_eq!(
        store.get_alert(first).unwrap().unwrap().summary.status,
        AlertStatus::Closed
    );

    // Once the second is closed, the first can be reopened: it absorbs hits again.
    store
        .update_alert(second, &status(AlertStatus::Closed), "bob")
        .unwrap();
    let reopened = store
        .update_alert(first, &status(AlertStatus::Acknowledged), "bob")
        .unwrap();
    assert_eq!(reopened.summary.status, AlertStatus::Acknowledged);
    let audit = store.list_audit(&AuditFilter::default()).unwrap();
    assert_eq!(audit[0].action, "alert.reopen");
    assert_eq!(audit[0].outcome, vigil_state::AuditOutcome::Success);
    assert_eq!(audit[0].detail["status"]["from"], "closed");
    let merged = store
        .record_alerts(&[hit(&r, 3_000, "10.0.0.1")], 3)
        .unwrap()[0];
    assert_eq!(
        merged,
        RecordOutcome::Merged {
            id: first,
            count: 2
        }
    );
}

#[test]
fn evidence_is_capped_to_the_newest() {
    let (clock, _) = manual_clock(0);
    let store = StateStore::open_in_memory_with(StoreOptions {
        max_evidence_per_alert: 3,
        clock,
        ..StoreOptions::default()
    })
    .unwrap();
    let r = rule("r-1", "Console login", "high");
    // One alert with five evidence items keeps three.
    let mut big = hit(&r, 10, "10.0.0.9");
    big.evidence = (1..=5).map(|t| evidence(t, 1)).collect();
    let id = store.record_alerts(&[big], 1).unwrap()[0].id();
    let detail = store.get_alert(id).unwrap().unwrap();
    assert_eq!(detail.evidence.len(), 3);
    assert_eq!(detail.evidence_dropped, 2);
    assert_eq!(detail.evidence[0]["time"], 3);

    // Hits arriving one by one: the newest by event time stay, even when an old one is late.
    let hits: Vec<_> = [5_000, 1_000, 4_000, 2_000, 6_000, 3_000]
        .into_iter()
        .map(|t| hit(&r, t, "10.0.0.1"))
        .collect();
    let mut id = None;
    for h in &hits {
        id = Some(store.record_alerts(std::slice::from_ref(h), 2).unwrap()[0].id());
    }
    let detail = store.get_alert(id.unwrap()).unwrap().unwrap();
    let times: Vec<i64> = detail
        .evidence
        .iter()
        .map(|e| e["time"].as_i64().unwrap())
        .collect();
    assert_eq!(times, vec![4_000, 5_000, 6_000]);
    assert_eq!(detail.evidence_dropped, 3);
    assert_eq!(detail.summary.count, 6);
}

#[test]
fn correlation_alerts_keep_their_details() {
    let store = memory_store();
    let c = rule("c-1", "Brute force", "medium");
    let outcomes = store
        .record_alerts(
            &[
                correlation(&c, 100_000, "alice"),
                correlation(&c, 200_000, "alice"),
            ],
            1,
        )
        .unwrap();
    assert_eq!(
        outcomes[1],
        RecordOutcome::Merged {
            id: outcomes[0].id(),
            count: 2
        }
    );
    let detail = store.get_alert(outcomes[0].id()).unwrap().unwrap();
    assert_eq!(detail.alert["correlation"]["type"], "event_count");
    assert_eq!(detail.alert["correlation"]["window_end"], 200_000);
    assert_eq!(detail.evidence.len(), 10);
    assert_eq!(detail.evidence[0]["source"], "at.ndjson");
    assert_eq!(detail.evidence[0]["source_type"], "ibm_activity_tracker");
}
