//! Listing, updating and counting stored alerts.

use vigil_sigma::ast::Level;
use vigil_state::{AlertFilter, AlertId, AlertStatus, AlertUpdate, AuditFilter, StateError};

use crate::common::{hit, memory_store, rule};

fn status(s: AlertStatus) -> AlertUpdate {
    AlertUpdate {
        status: Some(s),
        assignee: None,
    }
}

#[test]
fn list_filters_pages_and_orders_newest_first() {
    let store = memory_store();
    let high = rule("r-high", "Console login from Tor", "high");
    let low = rule("r-low", "Key 100% rotated", "low");
    let mut alerts = Vec::new();
    for i in 0..10 {
        alerts.push(hit(&high, 1_000 + i, &format!("10.0.0.{i}")));
        alerts.push(hit(&low, 2_000 + i, &format!("10.0.1.{i}")));
    }
    let ids: Vec<AlertId> = store
        .record_alerts(&alerts, 1)
        .unwrap()
        .iter()
        .map(|o| o.id())
        .collect();
    store
        .update_alert(
            ids[0],
            &AlertUpdate {
                status: Some(AlertStatus::Acknowledged),
                assignee: Some(Some("alice".to_owned())),
            },
            "alice",
        )
        .unwrap();

    let all = store.list_alerts(&AlertFilter::default()).unwrap();
    assert_eq!(all.total, 20);
    assert_eq!(all.alerts[0].last_seen_ms, 2_009);
    assert!(all
        .alerts
        .windows(2)
        .all(|w| w[0].last_seen_ms >= w[1].last_seen_ms));

    let page = store
        .list_alerts(&AlertFilter {
            limit: 3,
            offset: 18,
            ..AlertFilter::default()
        })
        .unwrap();
    assert_eq!((page.total, page.alerts.len()), (20, 2));
    assert_eq!(page.alerts[1].last_seen_ms, 1_000);

    let count = |filter: AlertFilter| store.list_alerts(&filter).unwrap().total;
    assert_eq!(
        count(AlertFilter {
            min_level: Some(Level::Medium),
            ..AlertFilter::default()
        }),
        10
    );
    assert_eq!(
        count(AlertFilter {
            min_level: Some(Level::Low),
            ..AlertFilter::default()
        }),
        20
    );
    assert_eq!(
        count(AlertFilter {
            rule_id: Some("r-low".into()),
            ..AlertFilter::default()
        }),
        10
    );
    assert_eq!(
        count(AlertFilter {
            status: Some(AlertStatus::Acknowledged),
            ..AlertFilter::default()
        }),
        1
    );
    assert_eq!(
        count(AlertFilter {
            assignee: Some("alice".to_owned()),
            ..AlertFilter::default()
        }),
        1
    );
    assert_eq!(
        count(AlertFilter {
            last_seen_from_ms: Some(1_005),
            last_seen_until_ms: Some(2_002),
            ..AlertFilter::default()
        }),
        7
    );
    assert_eq!(
        count(AlertFilter {
            title_contains: Some("TOR".to_owned()),
            ..AlertFilter::default()
        }),
        10
    );
    // `%` and `_` are literal, not wildcards.
    assert_eq!(
        count(AlertFilter {
            title_contains: Some("100%".to_owned()),
            ..AlertFilter::default()
        }),
        10
    );
    assert_eq!(
        count(AlertFilter {
            title_contains: Some("%".to_owned()),
            ..AlertFilter::default()
        }),
        10
    );
    assert_eq!(
        count(AlertFilter {
            title_contains: Some("_".to_owned()),
            ..AlertFilter::default()
        }),
        0
    );

    let huge = store
        .list_alerts(&AlertFilter {
            limit: u32::MAX,
            offset: u64::MAX,
            ..AlertFilter::default()
        })
        .unwrap();
    assert_eq!((huge.total, huge.alerts.len()), (20, 0));
}

#[test]
fn updates_change_status_and_assignee_and_are_audited() {
    let store = memory_store();
    let r = rule("r-1", "Console login", "critical");
    let id = store
        .record_alerts(&[hit(&r, 1_000, "10.0.0.1")], 1)
        .unwrap()[0]
        .id();

    let detail = store
        .update_alert(
            id,
            &AlertUpdate {
                status: Some(AlertStatus::Acknowledged),
                assignee: Some(Some("bob".to_owned())),
            },
            "alice",
        )
        .unwrap();
    assert_eq!(detail.summary.status, AlertStatus::Acknowledged);
    assert_eq!(detail.summary.assignee.as_deref(), Some("bob"));
    assert_eq!(detail.summary.updated_ms, 1_000_000);

    let audit = store.list_audit(&AuditFilter::default()).unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor, "alice");
    assert_eq!(audit[0].action, "alert.update");
    assert_eq!(audit[0].target, format!("alert:{id}"));
    assert_eq!(
        audit[0].detail,
        serde_json::json!({
            "status": {"from": "new", "to": "acknowledged"},
            "assignee": {"from": null, "to": "bob"},
        })
    );

    // Nothing changes: nothing is written.
    store
        .update_alert(id, &status(AlertStatus::Acknowledged), "alice")
        .unwrap();
    assert_eq!(store.list_audit(&AuditFilter::default()).unwrap().len(), 1);

    // Unassigning.
    let detail = store
        .update_alert(
            id,
            &AlertUpdate {
                status: None,
                assignee: Some(None),
            },
            "alice",
        )
        .unwrap();
    assert_eq!(detail.summary.assignee, None);
    assert_eq!(store.list_audit(&AuditFilter::default()).unwrap().len(), 2);
}

#[test]
fn bad_updates_are_errors() {
    let store = memory_store();
    let r = rule("r-1", "Console login", "high");
    let id = store
        .record_alerts(&[hit(&r, 1_000, "10.0.0.1")], 1)
        .unwrap()[0]
        .id();
    let err = "resolved".parse::<AlertStatus>().unwrap_err();
    assert!(
        err.to_string().contains("`resolved` is not one of"),
        "{err}"
    );
    assert_eq!(
        "closed".parse::<AlertStatus>().unwrap(),
        AlertStatus::Closed
    );

    let err = store
        .update_alert(AlertId(999), &status(AlertStatus::Closed), "alice")
        .unwrap_err();
    assert!(
        matches!(err, StateError::NotFound { what: "alert", .. }),
        "{err:?}"
    );
    for actor in ["", "  ", "a\nb"] {
        let err = store
            .update_alert(id, &status(AlertStatus::Closed), actor)
            .unwrap_err();
        assert!(
            matches!(err, StateError::Invalid { field: "actor", .. }),
            "{err:?}"
        );
    }
    let long = "x".repeat(300);
    let err = store
        .update_alert(
            id,
            &AlertUpdate {
                status: None,
                assignee: Some(Some(long)),
            },
            "alice",
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            StateError::Invalid {
                field: "assignee",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        store.get_alert(id).unwrap().unwrap().summary.status,
        AlertStatus::New
    );
    assert!(store.get_alert(AlertId(-1)).unwrap().is_none());
    assert!(store
        .list_audit(&AuditFilter::default())
        .unwrap()
        .is_empty());
}

#[test]
fn counts_by_status_and_level() {
    let store = memory_store();
    let high = rule("h", "High", "high");
    let low = rule("l", "Low", "low");
    let odd = rule("o", "Odd level", "not-a-level");
    let ids: Vec<AlertId> = store
        .record_alerts(
            &[
                hit(&high, 1, "a"),
                hit(&high, 2, "b"),
                hit(&low, 3, "c"),
                hit(&odd, 4, "d"),
            ],
            1,
        )
        .unwrap()
        .iter()
        .map(|o| o.id())
        .collect();
    store
        .update_alert(ids[0], &status(AlertStatus::Closed), "alice")
        .unwrap();
    assert_eq!(
        store.count_alerts_by_status().unwrap(),
        vec![
            (AlertStatus::New, 3),
            (AlertStatus::Acknowledged, 0),
            (AlertStatus::Closed, 1)
        ]
    );
    assert_eq!(
        store.count_alerts_by_level(None).unwrap(),
        vec![
            (Level::Informational, 1),
            (Level::Low, 1),
            (Level::Medium, 0),
            (Level::High, 2),
            (Level::Critical, 0)
        ]
    );
    let open = store.count_alerts_by_level(Some(AlertStatus::New)).unwrap();
    assert_eq!(open[3], (Level::High, 1));
}

#[test]
fn an_empty_batch_records_nothing() {
    let store = memory_store();
    assert!(store.record_alerts(&[], 1).unwrap().is_empty());
    assert_eq!(store.list_alerts(&AlertFilter::default()).unwrap().total, 0);
}
