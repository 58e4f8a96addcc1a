use std::sync::atomic::Ordering;

use rusqlite::Connection;
use serde_json::json;
use vigil_state::{AuditFilter, AuditOutcome, AuditRecord, StateError, StateStore, StoreOptions};

use crate::common::manual_clock;

#[test]
fn appended_entries_are_listed_newest_first_and_filtered() {
    let (clock, now) = manual_clock(1_000);
    let store = StateStore::open_in_memory_with(StoreOptions {
        clock,
        ..StoreOptions::default()
    })
    .unwrap();
    let first = store
        .append_audit(&AuditRecord::success(
            "alice",
            "action.run",
            "instance:i-1".to_owned(),
            json!({"kind": "isolate"}),
        ))
        .unwrap();
    now.store(2_000, Ordering::SeqCst);
    let second = store
        .append_audit(&AuditRecord::failure(
            "bob",
            "user.login",
            "user:bob".to_owned(),
            json!(null),
        ))
        .unwrap();
    assert!(second > first);

    let all = store.list_audit(&AuditFilter::default()).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(
        (all[0].id, all[0].time_ms, all[0].outcome),
        (second, 2_000, AuditOutcome::Failure)
    );
    assert_eq!(all[1].detail, json!({"kind": "isolate"}));

    let by = |filter: AuditFilter| {
        store
            .list_audit(&filter)
            .unwrap()
            .into_iter()
            .map(|e| e.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        by(AuditFilter {
            actor: Some("alice".to_owned()),
            ..AuditFilter::default()
        }),
        vec![first]
    );
    assert_eq!(
        by(AuditFilter {
            action: Some("user.login".to_owned()),
            ..AuditFilter::default()
        }),
        vec![second]
    );
    assert_eq!(
        by(AuditFilter {
            target: Some("instance:i-1".to_owned()),
            ..AuditFilter::default()
        }),
        vec![first]
    );
    assert_eq!(
        by(AuditFilter {
            since_ms: Some(1_500),
            ..AuditFilter::default()
        }),
        vec![second]
    );
    assert_eq!(
        by(AuditFilter {
            until_ms: Some(1_500),
            ..AuditFilter::default()
        }),
        vec![first]
    );
    assert_eq!(
        by(AuditFilter {
            limit: 1,
            offset: 1,
            ..AuditFilter::default()
        }),
        vec![first]
    );

    let err = store
        .append_audit(&AuditRecord::success("", "x", String::new(), json!(null)))
        .unwrap_err();
    assert!(
        matches!(err, StateError::Invalid { field: "actor", .. }),
        "{err:?}"
    );
}

#[test]
fn triggers_reject_update_and_delete_of_audit_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let store = StateStore::open(&path).unwrap();
    store
        .append_audit(&AuditRecord::success(
            "alice",
            "case.create",
            "case:1".to_owned(),
            json!(null),
        ))
        .unwrap();

    let conn = Connection::open(&path).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .unwrap();
    for sql in [
        "UPDATE audit SET actor = 'mallory'",
        "DELETE FROM audit",
        "DELETE FROM audit WHERE id = 1",
    ] {
        let err = conn.execute(sql, []).unwrap_err();
        assert!(
            err.to_string().contains("audit log is append-only"),
            "{sql}: {err}"
        );
    }
    let kept: (i64, String) = conn
        .query_row("SELECT COUNT(*), MAX(actor) FROM audit", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(kept, (1, "alice".to_owned()));
    // Inserting stays possible.
    conn.execute(
        "INSERT INTO audit (time_ms, actor, action, target, outcome, detail) VALUES (1, 'x', 'y', 'z', 'success', 'null')",
        [],
    )
    .unwrap();
    assert_eq!(store.list_audit(&AuditFilter::default()).unwrap().len(), 2);
}
