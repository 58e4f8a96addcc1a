//! Out-of-order events, allowed lateness, expiry.

use serde_json::json;

use super::*;

fn count_three(lateness_ms: i64) -> CorrelationEngine {
    let options = CorrelationOptions {
        allowed_lateness_ms: lateness_ms,
        ..CorrelationOptions::default()
    };
    engine_with(
        vec![correlation("c", CorrelationType::EventCount, &["a"])
            .group_by(&["user"])
            .when(&[(CmpOp::Gte, 3.0)])],
        options,
    )
}

#[test]
fn late_events_within_lateness_are_inserted_in_order() {
    let mut engine = count_three(10_000);
    feed(&mut engine, "a", 20, 1, json!({"user": "u"}));
    feed(&mut engine, "a", 12, 2, json!({"user": "u"}));
    let alerts = feed(&mut engine, "a", 15, 3, json!({"user": "u"}));
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].event_ids, vec![2, 3, 1], "time order");
    assert_eq!(
        (alerts[0].window_start_ms, alerts[0].window_end_ms),
        (12_000, 20_000)
    );
    assert_eq!(engine.stats().late_events_total, 0);
}

#[test]
fn events_beyond_lateness_are_dropped_and_counted() {
    let mut engine = count_three(30_000);
    feed(&mut engine, "a", 100, 1, json!({"user": "u"}));
    assert!(feed(&mut engine, "a", 50, 2, json!({"user": "u"})).is_empty());
    assert!(
        feed(&mut engine, "a", 101, 3, json!({"user": "u"})).is_empty(),
        "the dropped event does not count"
    );
    assert_eq!(engine.stats().late_events_total, 1);
    // Lateness is per group: a new group has no newest time yet.
    assert!(feed(&mut engine, "a", 50, 4, json!({"user": "v"})).is_empty());
    assert_eq!(engine.stats().late_events_total, 1);
    assert_eq!(
        feed(&mut engine, "a", 102, 5, json!({"user": "u"})).len(),
        1
    );
}

#[test]
fn late_events_outside_the_window_are_dropped_and_counted() {
    // Lateness larger than the 60 s timespan: the event is on time but cannot share a window.
    let mut engine = count_three(600_000);
    feed(&mut engine, "a", 500, 1, json!({"user": "u"}));
    assert!(feed(&mut engine, "a", 400, 2, json!({"user": "u"})).is_empty());
    let stats = engine.stats();
    assert_eq!(
        (
            stats.late_events_total,
            stats.out_of_window_events_total,
            stats.observations
        ),
        (0, 1, 1)
    );
}

#[test]
fn expire_before_drops_groups_the_watermark_left_behind() {
    let mut engine = count_three(0);
    feed(&mut engine, "a", 0, 1, json!({"user": "old"}));
    feed(&mut engine, "a", 100, 2, json!({"user": "new"}));
    assert_eq!(
        engine.expire_before(100_000),
        1,
        "old's last event is 100 s before, timespan 60 s"
    );
    let stats = engine.stats();
    assert_eq!(
        (stats.groups, stats.observations, stats.expired_groups_total),
        (1, 1, 1)
    );
    assert_eq!(
        engine.expire_before(160_000),
        0,
        "exactly one timespan: still shares a window"
    );
    assert_eq!(engine.expire_before(160_001), 1);
    assert_eq!(engine.stats().groups, 0);
}
