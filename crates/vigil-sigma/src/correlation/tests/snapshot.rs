//! Snapshot and restore.

use serde_json::json;

use super::*;

fn set() -> Vec<Build> {
    vec![
        correlation("count", CorrelationType::EventCount, &["a"])
            .group_by(&["user"])
            .when(&[(CmpOp::Gte, 3.0)]),
        correlation("distinct", CorrelationType::ValueCount, &["a"])
            .field("host")
            .when(&[(CmpOp::Gte, 3.0)]),
        correlation("sum", CorrelationType::ValueSum, &["b"])
            .field("v")
            .when(&[(CmpOp::Gte, 1000.0)]),
        correlation("avg", CorrelationType::ValueAvg, &["b"])
            .field("v")
            .when(&[(CmpOp::Gte, 1000.0)]),
        correlation("pct", CorrelationType::ValuePercentile, &["b"])
            .field("v")
            .percentile(90.0)
            .when(&[(CmpOp::Gte, 1000.0)]),
        correlation("all", CorrelationType::Temporal, &["a", "b", "c"]).group_by(&["user"]),
        correlation("seq", CorrelationType::TemporalOrdered, &["a", "b", "c"]).group_by(&["user"]),
    ]
}

fn correlations(builds: Vec<Build>) -> Vec<Correlation> {
    builds.into_iter().map(Build::done).collect()
}

/// Serializes and parses back, as a restart would.
fn through_json(snapshot: &CorrelationSnapshot) -> CorrelationSnapshot {
    let text = serde_json::to_string(snapshot).expect("snapshot serializes");
    serde_json::from_str(&text).expect("snapshot parses")
}

#[test]
fn a_window_open_across_a_restart_still_fires() {
    let mut engine = engine(set());
    feed(&mut engine, "a", 0, 1, json!({"user": "u", "host": "h1"}));
    feed(&mut engine, "a", 10, 2, json!({"user": "u", "host": "h2"}));
    feed(&mut engine, "b", 20, 3, json!({"user": "u", "v": 400}));
    let snapshot = through_json(&engine.snapshot());
    assert_eq!(snapshot.version(), 1);
    drop(engine);

    let mut engine = CorrelationEngine::restore(
        &correlations(set()),
        KNOWN,
        CorrelationOptions::default(),
        &snapshot,
    )
    .expect("compatible snapshot");
    let alerts = feed(&mut engine, "a", 30, 4, json!({"user": "u", "host": "h3"}));
    let mut fired: Vec<_> = alerts
        .iter()
        .map(|alert| (alert.correlation_id.as_deref(), alert.event_ids.clone()))
        .collect();
    fired.sort();
    assert_eq!(
        fired,
        vec![
            (Some("count"), vec![1, 2, 4]),
            (Some("distinct"), vec![1, 2, 4])
        ]
    );
    let alerts = feed(&mut engine, "c", 31, 5, json!({"user": "u"}));
    let ids: Vec<_> = alerts
        .iter()
        .map(|alert| alert.correlation_id.as_deref())
        .collect();
    assert_eq!(
        ids,
        vec![Some("all"), Some("seq")],
        "temporal windows survived too"
    );
    assert_eq!(engine.stats().observations, held_observations(&engine));
}

#[test]
fn every_window_type_round_trips() {
    let mut engine = engine(set());
    feed(&mut engine, "a", 0, 1, json!({"user": "u", "host": "h1"}));
    feed(&mut engine, "b", 1, 2, json!({"user": "u", "v": 10}));
    feed(&mut engine, "b", 2, 3, json!({"user": "v", "v": 20.5}));
    feed(&mut engine, "a", 3, 4, json!({"user": "v", "host": "h2"}));
    let first = engine.snapshot();
    assert_eq!(first.group_count(), engine.stats().groups);
    let restored = CorrelationEngine::restore(
        &correlations(set()),
        KNOWN,
        CorrelationOptions::default(),
        &through_json(&first),
    )
    .expect("compatible snapshot");
    assert_eq!(restored.snapshot(), first);
    assert_eq!(restored.stats().observations, engine.stats().observations);
}

#[test]
fn groups_of_changed_or_removed_correlations_are_dropped() {
    let mut engine = engine(set());
    feed(&mut engine, "a", 0, 1, json!({"user": "u", "host": "h1"}));
    let snapshot = engine.snapshot();
    let groups = snapshot.group_count() as u64;
    let mut changed = set();
    changed[0] = correlation("count", CorrelationType::EventCount, &["a"])
        .group_by(&["user"])
        .when(&[(CmpOp::Gte, 3.0)])
        .timespan_ms(120_000);
    changed.remove(1);
    let restored = CorrelationEngine::restore(
        &correlations(changed),
        KNOWN,
        CorrelationOptions::default(),
        &snapshot,
    )
    .expect("restore tolerates changes");
    let stats = restored.stats();
    assert_eq!(
        stats.restore_dropped_groups_total, 2,
        "count (timespan changed) and distinct (removed)"
    );
    assert_eq!(stats.groups as u64, groups - 2);
}

#[test]
fn restore_applies_the_new_limits() {
    let mut engine = engine(set());
    for (id, user) in ["u1", "u2", "u3"].into_iter().enumerate() {
        feed(
            &mut engine,
            "c",
            id as i64,
            id as u64,
            json!({ "user": user }),
        );
    }
    let snapshot = engine.snapshot();
    let options = CorrelationOptions {
        max_groups: 2,
        ..CorrelationOptions::default()
    };
    let restored = CorrelationEngine::restore(&correlations(set()), KNOWN, options, &snapshot)
        .expect("restores");
    let stats = restored.stats();
    assert_eq!(
        (stats.groups, stats.evicted_groups_total),
        (2, 4),
        "6 groups (2 temporal types x 3 users)"
    );
}

#[test]
fn an_unknown_snapshot_version_is_rejected() {
    let engine = engine(set());
    let mut value = serde_json::to_value(engine.snapshot()).expect("serializes");
    value["version"] = json!(99);
    let snapshot: CorrelationSnapshot = serde_json::from_value(value).expect("parses");
    let error = CorrelationEngine::restore(
        &correlations(set()),
        KNOWN,
        CorrelationOptions::default(),
        &snapshot,
    )
    .expect_err("version 99");
    assert_eq!(
        error,
        CorrelationError::SnapshotVersion {
            found: 99,
            expected: 1
        }
    );
}
