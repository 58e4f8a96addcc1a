//! Each correlation type, positive and negative; conditions; group-by and aliases.

use serde_json::json;

use super::*;

#[test]
fn event_count_fires_once_per_burst_and_folds_case() {
    let mut engine = engine(vec![correlation(
        "brute",
        CorrelationType::EventCount,
        &["a"],
    )
    .group_by(&["user"])
    .when(&[(CmpOp::Gte, 3.0)])
    .timespan_ms(600_000)]);
    assert!(feed(&mut engine, "a", 0, 1, json!({"user": "alice"})).is_empty());
    assert!(feed(&mut engine, "a", 60, 2, json!({"user": "Alice"})).is_empty());
    assert!(feed(&mut engine, "a", 100, 3, json!({"user": "bob"})).is_empty());
    let alerts = feed(&mut engine, "a", 540, 4, json!({"user": "ALICE"}));
    assert_eq!(alerts.len(), 1);
    let alert = &alerts[0];
    assert_eq!(alert.correlation_id.as_deref(), Some("brute"));
    assert_eq!(alert.title, "title of brute");
    assert_eq!(alert.level, Some(Level::High));
    assert_eq!(alert.kind, CorrelationType::EventCount);
    assert_eq!(group(alert), vec![("user", Some("alice"))]);
    assert_eq!((alert.window_start_ms, alert.window_end_ms), (0, 540_000));
    assert_eq!(alert.value, 3.0);
    assert_eq!(alert.event_ids, vec![1, 2, 4]);
    assert!(!alert.event_ids_truncated);
    // Re-arming: the burst was consumed, the next alert needs three fresh events.
    assert!(feed(&mut engine, "a", 541, 5, json!({"user": "alice"})).is_empty());
    assert!(
        feed(&mut engine, "a", 542, 6, json!({"user": "bob"})).is_empty(),
        "bob has 2"
    );
    assert_eq!(engine.stats().alerts_total, 1);
}

#[test]
fn windows_slide_and_include_their_boundary() {
    let three_in_a_minute = || {
        engine(vec![
            correlation("c", CorrelationType::EventCount, &["a"]).when(&[(CmpOp::Gte, 3.0)])
        ])
    };
    // 0, 50, 100, 130 s: no 60 s window holds three.
    let mut counting = three_in_a_minute();
    for (id, second) in [0, 50, 100, 130].into_iter().enumerate() {
        assert!(feed(&mut counting, "a", second, id as u64, json!({})).is_empty());
    }
    // 55, 65, 70 s would straddle a fixed minute boundary; the sliding window fires.
    let mut counting = three_in_a_minute();
    feed(&mut counting, "a", 55, 1, json!({}));
    feed(&mut counting, "a", 65, 2, json!({}));
    assert_eq!(feed(&mut counting, "a", 70, 3, json!({})).len(), 1);
    // Exactly one timespan apart still shares the window.
    let mut counting = three_in_a_minute();
    feed(&mut counting, "a", 0, 1, json!({}));
    feed(&mut counting, "a", 59, 2, json!({}));
    let alerts = feed(&mut counting, "a", 60, 3, json!({}));
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].window_start_ms, 0);
}

#[test]
fn value_count_counts_distinct_non_null_values() {
    let mut engine = engine(vec![correlation(
        "spray",
        CorrelationType::ValueCount,
        &["a"],
    )
    .group_by(&["src"])
    .field("user")
    .when(&[(CmpOp::Gte, 3.0)])]);
    let ip = "10.0.0.1";
    assert!(feed(&mut engine, "a", 1, 1, json!({"src": ip, "user": "u1"})).is_empty());
    assert!(
        feed(&mut engine, "a", 2, 2, json!({"src": ip, "user": "U1"})).is_empty(),
        "same value, folded"
    );
    assert!(
        feed(&mut engine, "a", 3, 3, json!({"src": ip})).is_empty(),
        "null is not a value"
    );
    assert!(feed(&mut engine, "a", 4, 4, json!({"src": ip, "user": "u2"})).is_empty());
    let alerts = feed(&mut engine, "a", 5, 5, json!({"src": ip, "user": "u3"}));
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].value, 3.0);
    // One event per distinct value: its latest sighting.
    assert_eq!(alerts[0].event_ids, vec![2, 4, 5]);
    assert_eq!(group(&alerts[0]), vec![("src", Some(ip))]);
}

#[test]
fn value_count_over_several_fields_counts_tuples() {
    let mut engine = engine(vec![correlation(
        "pairs",
        CorrelationType::ValueCount,
        &["a"],
    )
    .field("user")
    .field("host")
    .when(&[(CmpOp::Gte, 2.0)])]);
    assert!(feed(&mut engine, "a", 1, 1, json!({"user": "u", "host": "h1"})).is_empty());
    assert!(
        feed(&mut engine, "a", 2, 2, json!({"user": "u"})).is_empty(),
        "a null member skips the event"
    );
    assert_eq!(
        feed(&mut engine, "a", 3, 3, json!({"user": "u", "host": "h2"})).len(),
        1
    );
}

#[test]
fn temporal_needs_every_rule_in_any_order() {
    let make = || {
        engine(vec![correlation(
            "t",
            CorrelationType::Temporal,
            &["a", "b", "c"],
        )
        .group_by(&["host"])
        .timespan_ms(300_000)])
    };
    let mut engine = make();
    assert!(feed(&mut engine, "c", 0, 1, json!({"host": "h"})).is_empty());
    assert!(feed(&mut engine, "a", 10, 2, json!({"host": "h"})).is_empty());
    assert!(feed(&mut engine, "b", 10, 3, json!({"host": "other"})).is_empty());
    let alerts = feed(&mut engine, "b", 20, 4, json!({"host": "h"}));
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].value, 3.0);
    assert_eq!(alerts[0].event_ids, vec![1, 2, 4]);

    // Two of three, or the third too late: nothing.
    let mut engine = make();
    feed(&mut engine, "a", 0, 1, json!({"host": "h"}));
    feed(&mut engine, "b", 100, 2, json!({"host": "h"}));
    assert!(
        feed(&mut engine, "c", 301, 3, json!({"host": "h"})).is_empty(),
        "a left the window"
    );
    // The same rule again completes nothing; a fresh `a` does.
    assert!(feed(&mut engine, "c", 302, 4, json!({"host": "h"})).is_empty());
    assert_eq!(
        feed(&mut engine, "a", 303, 5, json!({"host": "h"})).len(),
        1
    );
}

#[test]
fn temporal_ordered_needs_the_listed_order() {
    let make = || {
        engine(vec![correlation(
            "o",
            CorrelationType::TemporalOrdered,
            &["a", "b"],
        )
        .group_by(&["host"])])
    };
    let mut engine = make();
    assert!(feed(&mut engine, "b", 0, 1, json!({"host": "h"})).is_empty());
    assert!(
        feed(&mut engine, "a", 1, 2, json!({"host": "h"})).is_empty(),
        "b before a is out of order"
    );
    let alerts = feed(&mut engine, "b", 2, 3, json!({"host": "h"}));
    assert_eq!(alerts.len(), 1, "a then b, with an earlier b ignored");
    assert_eq!(
        alerts[0].event_ids,
        vec![2, 3],
        "evidence is the matched sequence"
    );
    assert_eq!(alerts[0].window_start_ms, 1_000);
    assert_eq!(alerts[0].value, 2.0);
}

#[test]
fn value_sum_adds_numeric_values_only() {
    let mut engine = engine(vec![correlation(
        "exfil",
        CorrelationType::ValueSum,
        &["a"],
    )
    .group_by(&["user"])
    .field("bytes")
    .when(&[(CmpOp::Gt, 1000.0)])]);
    assert!(feed(&mut engine, "a", 1, 1, json!({"user": "u", "bytes": 400})).is_empty());
    assert!(feed(
        &mut engine,
        "a",
        2,
        2,
        json!({"user": "u", "bytes": "lots"})
    )
    .is_empty());
    assert!(
        feed(&mut engine, "a", 3, 3, json!({"user": "u", "bytes": "500"})).is_empty(),
        "900"
    );
    let alerts = feed(&mut engine, "a", 4, 4, json!({"user": "u", "bytes": 100.5}));
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].value, 1000.5);
    assert_eq!(
        alerts[0].event_ids,
        vec![1, 3, 4],
        "the non-numeric event is not evidence"
    );
}

#[test]
fn value_avg_averages_the_window() {
    let mut engine = engine(vec![correlation("avg", CorrelationType::ValueAvg, &["a"])
        .field("v")
        .when(&[(CmpOp::Gte, 100.0)])]);
    assert!(feed(&mut engine, "a", 1, 1, json!({"v": 50})).is_empty());
    assert!(
        feed(&mut engine, "a", 2, 2, json!({"v": 100})).is_empty(),
        "75"
    );
    let alerts = feed(&mut engine, "a", 3, 3, json!({"v": 250}));
    assert_eq!(alerts[0].value, 400.0 / 3.0);
}

#[test]
fn value_percentile_fires_on_the_nearest_rank_value() {
    let make = || {
        engine(vec![correlation(
            "p50",
            CorrelationType::ValuePercentile,
            &["a"],
        )
        .group_by(&["host"])
        .field("latency")
        .percentile(50.0)
        .when(&[(CmpOp::Gt, 250.0)])])
    };
    let mut engine = make();
    // Medians by nearest rank: 100, 100, 200, 200, then 300 for five values.
    for (index, latency) in [100, 200, 300, 400].into_iter().enumerate() {
        let alerts = feed(
            &mut engine,
            "a",
            index as i64,
            index as u64,
            json!({"host": "h", "latency": latency}),
        );
        assert!(alerts.is_empty(), "after {latency}");
    }
    let alerts = feed(&mut engine, "a", 5, 5, json!({"host": "h", "latency": 500}));
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].value, 300.0);
    // Mostly fast with one outlier: the median stays low.
    let mut engine = make();
    for (index, latency) in [100, 100, 100, 10_000].into_iter().enumerate() {
        assert!(feed(
            &mut engine,
            "a",
            1,
            index as u64,
            json!({"host": "h", "latency": latency})
        )
        .is_empty());
    }
}

#[test]
fn range_conditions_need_every_bound() {
    let mut engine = engine(vec![correlation(
        "range",
        CorrelationType::ValueSum,
        &["a"],
    )
    .group_by(&["user"])
    .field("v")
    .when(&[(CmpOp::Gt, 100.0), (CmpOp::Lt, 200.0)])]);
    assert!(feed(&mut engine, "a", 1, 1, json!({"user": "big", "v": 50})).is_empty());
    assert!(
        feed(&mut engine, "a", 2, 2, json!({"user": "big", "v": 300})).is_empty(),
        "350 is above the range"
    );
    assert!(feed(&mut engine, "a", 1, 3, json!({"user": "small", "v": 60})).is_empty());
    assert_eq!(
        feed(&mut engine, "a", 2, 4, json!({"user": "small", "v": 60})).len(),
        1,
        "120"
    );
}

#[test]
fn neq_and_lt_conditions_fire_eagerly() {
    let mut engine = engine(vec![
        correlation("neq", CorrelationType::ValueCount, &["a"])
            .field("user")
            .when(&[(CmpOp::Neq, 1.0)]),
        correlation("lt", CorrelationType::EventCount, &["b"]).when(&[(CmpOp::Lt, 2.0)]),
    ]);
    assert!(
        feed(&mut engine, "a", 1, 1, json!({"user": "u1"})).is_empty(),
        "one value"
    );
    assert_eq!(
        feed(&mut engine, "a", 2, 2, json!({"user": "u2"})).len(),
        1,
        "two values"
    );
    // Documented limitation: `lt` is tested eagerly, so the first event already satisfies it.
    assert_eq!(feed(&mut engine, "b", 1, 3, json!({})).len(), 1);
}

#[test]
fn without_group_by_there_is_one_global_group() {
    let mut engine = engine(vec![correlation(
        "g",
        CorrelationType::EventCount,
        &["a", "b"],
    )
    .when(&[(CmpOp::Gte, 3.0)])]);
    feed(&mut engine, "a", 1, 1, json!({"user": "x"}));
    feed(&mut engine, "b", 2, 2, json!({"user": "y"}));
    let alerts = feed(&mut engine, "a", 3, 3, json!({}));
    assert_eq!(alerts.len(), 1);
    assert!(alerts[0].group.is_empty());
    assert_eq!(engine.stats().groups, 1);
}

#[test]
fn absent_group_fields_form_a_null_group() {
    let mut engine = engine(vec![correlation("n", CorrelationType::EventCount, &["a"])
        .group_by(&["user"])
        .when(&[(CmpOp::Gte, 2.0)])]);
    feed(&mut engine, "a", 1, 1, json!({}));
    let alerts = feed(&mut engine, "a", 2, 2, json!({"user": null}));
    assert_eq!(group(&alerts[0]), vec![("user", None)]);
    // Numbers group as text; an integral float joins its integer.
    feed(&mut engine, "a", 3, 3, json!({"user": 5}));
    assert_eq!(
        group(&feed(&mut engine, "a", 4, 4, json!({"user": 5.0}))[0]),
        vec![("user", Some("5"))]
    );
}

#[test]
fn aliases_join_different_fields_of_two_rules() {
    let mut engine = engine(vec![correlation(
        "lateral",
        CorrelationType::Temporal,
        &["a", "id-b"],
    )
    .group_by(&["ip"])
    .alias("ip", &[("a", "dst_ip"), ("id-b", "src_ip")])]);
    assert!(feed(
        &mut engine,
        "a",
        1,
        1,
        json!({"dst_ip": "10.0.0.5", "src_ip": "1.1.1.1"})
    )
    .is_empty());
    assert!(
        feed(&mut engine, "b", 2, 2, json!({"src_ip": "10.0.0.6"})).is_empty(),
        "other host"
    );
    let alerts = feed(
        &mut engine,
        "b",
        3,
        3,
        json!({"src_ip": "10.0.0.5", "dst_ip": "9.9.9.9"}),
    );
    assert_eq!(alerts.len(), 1);
    assert_eq!(group(&alerts[0]), vec![("ip", Some("10.0.0.5"))]);
}

#[test]
fn rules_are_recognised_by_id_or_name() {
    let mut engine = engine(vec![correlation(
        "c",
        CorrelationType::EventCount,
        &["id-a"],
    )
    .when(&[(CmpOp::Gte, 2.0)])]);
    assert!(engine
        .observe(RuleRef::id("id-a"), 0, 1, &json!({}))
        .is_empty());
    assert_eq!(
        engine.observe(RuleRef::name("a"), 0, 2, &json!({})).len(),
        1
    );
    assert!(
        engine
            .observe(RuleRef::name("b"), 0, 3, &json!({}))
            .is_empty(),
        "unreferenced"
    );
    assert_eq!(engine.stats().groups, 1);
}
