//! Memory bounds: group eviction, per-group and total observation caps, evidence cap.

use serde_json::json;

use super::*;

fn per_user(options: CorrelationOptions) -> CorrelationEngine {
    engine_with(
        vec![correlation("c", CorrelationType::EventCount, &["a"])
            .group_by(&["user"])
            .when(&[(CmpOp::Gte, 3.0)])],
        options,
    )
}

#[test]
fn the_least_recently_updated_group_is_evicted_beyond_max_groups() {
    let mut engine = per_user(CorrelationOptions {
        max_groups: 2,
        ..CorrelationOptions::default()
    });
    feed(&mut engine, "a", 0, 1, json!({"user": "u1"}));
    feed(&mut engine, "a", 1, 2, json!({"user": "u1"}));
    feed(&mut engine, "a", 2, 3, json!({"user": "u2"}));
    feed(&mut engine, "a", 3, 4, json!({"user": "u2"}));
    feed(&mut engine, "a", 4, 5, json!({"user": "u1"}));
    // u1 was updated last, u2 is the least recent: u3 evicts u2.
    let alerts_u1 = engine.stats().alerts_total;
    feed(&mut engine, "a", 5, 6, json!({"user": "u3"}));
    let stats = engine.stats();
    assert_eq!((stats.groups, stats.evicted_groups_total), (2, 1));
    assert_eq!(stats.observations, held_observations(&engine));
    assert!(
        feed(&mut engine, "a", 6, 7, json!({"user": "u2"})).is_empty(),
        "u2 starts over"
    );
    assert_eq!(alerts_u1, 1, "u1 reached three before the eviction");
}

#[test]
fn per_group_cap_drops_the_oldest_observations() {
    let options = CorrelationOptions {
        max_observations_per_group: 3,
        ..CorrelationOptions::default()
    };
    let mut engine = engine_with(
        vec![correlation("sum", CorrelationType::ValueSum, &["a"])
            .field("v")
            .when(&[(CmpOp::Gte, 100.0)])],
        options,
    );
    for id in 0..5 {
        assert!(
            feed(&mut engine, "a", id, id as u64, json!({"v": 30})).is_empty(),
            "at most 3 x 30 held"
        );
    }
    let stats = engine.stats();
    assert_eq!(
        (stats.observations, stats.truncated_observations_total),
        (3, 2)
    );
}

#[test]
fn a_condition_the_cap_makes_unreachable_is_rejected() {
    let correlations = [correlation("c", CorrelationType::EventCount, &["a"])
        .when(&[(CmpOp::Gt, 10.0)])
        .done()];
    let options = CorrelationOptions {
        max_observations_per_group: 10,
        ..CorrelationOptions::default()
    };
    let error = CorrelationEngine::new(&correlations, KNOWN, options).expect_err("needs 11");
    assert_eq!(
        error,
        CorrelationError::UnreachableCondition {
            correlation: "c".into(),
            needed: 11,
            cap: 10
        }
    );
}

#[test]
fn the_total_observation_budget_evicts_least_recent_groups() {
    let options = CorrelationOptions {
        max_observations_per_group: 2,
        max_observations_total: 4,
        ..CorrelationOptions::default()
    };
    let mut engine = per_user(CorrelationOptions {
        max_observations_per_group: 3,
        ..options
    });
    for (id, user) in ["u1", "u1", "u2", "u2", "u3"].into_iter().enumerate() {
        feed(
            &mut engine,
            "a",
            id as i64,
            id as u64,
            json!({"user": user}),
        );
    }
    let stats = engine.stats();
    assert_eq!(
        (stats.groups, stats.observations, stats.evicted_groups_total),
        (2, 3, 1)
    );
    assert_eq!(stats.observations, held_observations(&engine));
}

#[test]
fn evidence_is_capped_and_flagged() {
    let options = CorrelationOptions {
        max_evidence_per_alert: 2,
        ..CorrelationOptions::default()
    };
    let mut engine = per_user(options);
    feed(&mut engine, "a", 0, 10, json!({}));
    feed(&mut engine, "a", 1, 11, json!({}));
    let alerts = feed(&mut engine, "a", 2, 12, json!({}));
    assert_eq!(alerts[0].event_ids, vec![10, 11]);
    assert!(alerts[0].event_ids_truncated);
    assert_eq!(alerts[0].value, 3.0, "the value counts everything");
}

#[test]
fn long_values_are_cut_to_max_value_bytes() {
    let options = CorrelationOptions {
        max_value_bytes: 4,
        ..CorrelationOptions::default()
    };
    let mut engine = per_user(options);
    feed(&mut engine, "a", 0, 1, json!({"user": "abcdXXX"}));
    feed(&mut engine, "a", 1, 2, json!({"user": "abcdYYY"}));
    let alerts = feed(&mut engine, "a", 2, 3, json!({"user": "abcd"}));
    assert_eq!(
        group(&alerts[0]),
        vec![("user", Some("abcd"))],
        "documented: long values may merge"
    );
}

/// 100,000 single-event groups of an `event_count` correlation: the capacity-based estimate
/// must stay under 256 bytes per group (1 M groups under 256 MiB plus allocator overhead; the
/// bench measures real allocations for 1 M).
#[test]
fn state_per_group_is_small() {
    let mut engine = per_user(CorrelationOptions::default());
    let users: Vec<String> = (0..100_000)
        .map(|index| format!("user-{index:06}"))
        .collect();
    for (index, user) in users.iter().enumerate() {
        let doc = json!({ "user": user });
        engine.observe(RuleRef::name("a"), 0, index as u64, &doc);
    }
    assert_eq!(engine.stats().groups, 100_000);
    let per_group = engine.approx_state_bytes() / 100_000;
    assert!(per_group < 256, "{per_group} bytes per group");
}
