//! Property: any stream of matches is absorbed without panicking, within the bounds.

use proptest::prelude::*;
use serde_json::json;

use super::*;

/// Every type, chained, with tight limits so eviction and truncation happen.
fn all_types() -> Vec<Build> {
    vec![
        correlation("count", CorrelationType::EventCount, &["a", "b"])
            .group_by(&["user"])
            .when(&[(CmpOp::Gte, 3.0)]),
        correlation("distinct", CorrelationType::ValueCount, &["a"])
            .group_by(&["host"])
            .field("user")
            .when(&[(CmpOp::Gte, 3.0)]),
        correlation("sum", CorrelationType::ValueSum, &["b"])
            .group_by(&["user"])
            .field("v")
            .when(&[(CmpOp::Gt, 50.0), (CmpOp::Lt, 500.0)]),
        correlation("avg", CorrelationType::ValueAvg, &["b"])
            .field("v")
            .when(&[(CmpOp::Neq, 7.0)]),
        correlation("pct", CorrelationType::ValuePercentile, &["b", "c"])
            .group_by(&["host"])
            .field("v")
            .percentile(75.0)
            .when(&[(CmpOp::Gte, 20.0)]),
        correlation("all", CorrelationType::Temporal, &["a", "b", "c"])
            .group_by(&["user"])
            .timespan_ms(5_000),
        correlation("seq", CorrelationType::TemporalOrdered, &["c", "a", "c"])
            .group_by(&["ip"])
            .alias("ip", &[("c", "host"), ("a", "user")]),
        correlation("outer", CorrelationType::EventCount, &["count", "all"])
            .group_by(&["user"])
            .when(&[(CmpOp::Gte, 2.0)])
            .generate(),
    ]
}

#[derive(Clone, Debug)]
struct Step {
    rule: &'static str,
    time_delta_ms: i64,
    user: Option<u8>,
    host: u8,
    value: Option<i32>,
}

fn step() -> impl Strategy<Value = Step> {
    (
        prop::sample::select(vec!["a", "b", "c", "unreferenced"]),
        -3_000i64..3_000,
        prop::option::of(0u8..12),
        0u8..4,
        prop::option::of(-100i32..200),
    )
        .prop_map(|(rule, time_delta_ms, user, host, value)| Step {
            rule,
            time_delta_ms,
            user,
            host,
            value,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn observe_never_panics_and_respects_bounds(steps in prop::collection::vec(step(), 1..300), snapshot_at in 0usize..300) {
        let options = CorrelationOptions {
            allowed_lateness_ms: 2_000,
            max_groups: 7,
            max_observations_per_group: 4,
            max_observations_total: 12,
            max_evidence_per_alert: 3,
            ..CorrelationOptions::default()
        };
        let mut engine = engine_with(all_types(), options.clone());
        let mut time_ms = 0i64;
        for (index, step) in steps.iter().enumerate() {
            time_ms += step.time_delta_ms;
            let mut doc = json!({ "host": format!("H{}", step.host) });
            if let Some(user) = step.user {
                doc["user"] = json!(format!("user{user}"));
            }
            if let Some(value) = step.value {
                doc["v"] = json!(value);
            }
            let alerts = engine.observe(RuleRef::name(step.rule), time_ms, index as u64, &doc);
            for alert in &alerts {
                prop_assert!(alert.event_ids.len() <= 3);
                prop_assert!(alert.window_start_ms <= alert.window_end_ms);
            }
            let stats = engine.stats();
            prop_assert!(stats.groups <= options.max_groups);
            prop_assert!(stats.observations <= options.max_observations_total);
            prop_assert_eq!(stats.observations, held_observations(&engine));
            if index == snapshot_at {
                let snapshot = engine.snapshot();
                let correlations: Vec<Correlation> = all_types().into_iter().map(Build::done).collect();
                let restored = CorrelationEngine::restore(&correlations, KNOWN, options.clone(), &snapshot);
                let restored = restored.map_err(|error| TestCaseError::fail(error.to_string()))?;
                prop_assert_eq!(restored.snapshot(), snapshot);
                engine = restored;
            }
        }
    }
}
