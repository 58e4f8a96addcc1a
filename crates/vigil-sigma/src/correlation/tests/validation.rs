//! What `CorrelationEngine::new` rejects, with which message.

use super::*;

fn count(id: &str, rules: &[&str]) -> Build {
    correlation(id, CorrelationType::EventCount, rules).when(&[(CmpOp::Gte, 2.0)])
}

#[test]
fn unknown_references_are_rejected_and_resolvable_ones_accepted() {
    let error = build_error(vec![count("c", &["a", "nope"])]);
    assert_eq!(
        error,
        CorrelationError::UnknownReference {
            correlation: "c".into(),
            reference: "nope".into()
        }
    );
    assert_eq!(
        error.to_string(),
        "correlation `c` references `nope`, which is neither a known rule nor a correlation"
    );
    // By id, by name, and another correlation by name.
    engine(vec![
        count("c", &["id-a", "b"]),
        count("d", &["c_name"]),
        count("c2", &["c"]).name("c_name"),
    ]);
}

#[test]
fn a_rule_listed_by_id_and_by_name_counts_once() {
    let engine = engine(vec![correlation(
        "t",
        CorrelationType::Temporal,
        &["a", "id-a", "b"],
    )]);
    let compiled = &engine.plan.correlations[0];
    assert_eq!(compiled.sources.len(), 2);
    assert_eq!(compiled.order, vec![0, 0, 1]);
    assert_eq!(
        compiled.ops,
        vec![(CmpOp::Gte, 2.0)],
        "default: every distinct rule"
    );
}

#[test]
fn reference_cycles_are_rejected() {
    let error = build_error(vec![
        count("x", &["a", "y"]),
        count("y", &["z"]),
        count("z", &["x"]),
    ]);
    assert_eq!(
        error,
        CorrelationError::Cycle {
            correlation: "x".into(),
            cycle: "x -> y -> z -> x".into()
        }
    );
    let error = build_error(vec![count("self", &["self"])]);
    assert_eq!(
        error,
        CorrelationError::Cycle {
            correlation: "self".into(),
            cycle: "self -> self".into()
        }
    );
}

#[test]
fn duplicate_identifiers_are_rejected() {
    let error = build_error(vec![count("x", &["a"]), count("y", &["a"]).name("x")]);
    assert_eq!(
        error,
        CorrelationError::DuplicateIdentifier {
            identifier: "x".into(),
            first: "x".into(),
            second: "y".into()
        }
    );
}

#[test]
fn conditions_are_checked_per_type() {
    let no_condition = correlation("c", CorrelationType::EventCount, &["a"]);
    assert_eq!(
        build_error(vec![no_condition]),
        CorrelationError::MissingCondition {
            correlation: "c".into(),
            kind: "event_count"
        }
    );
    let no_field = correlation("c", CorrelationType::ValueSum, &["a"]).when(&[(CmpOp::Gt, 1.0)]);
    assert_eq!(
        build_error(vec![no_field]),
        CorrelationError::MissingField {
            correlation: "c".into(),
            kind: "value_sum"
        }
    );
    let two_fields = correlation("c", CorrelationType::ValueAvg, &["a"])
        .field("x")
        .field("y")
        .when(&[(CmpOp::Gt, 1.0)]);
    assert_eq!(
        build_error(vec![two_fields]),
        CorrelationError::MultipleFields {
            correlation: "c".into(),
            kind: "value_avg"
        }
    );
    for percentile in [None, Some(-1.0), Some(100.5)] {
        let mut build = correlation("c", CorrelationType::ValuePercentile, &["a"])
            .field("x")
            .when(&[(CmpOp::Gt, 1.0)]);
        if let Some(percentile) = percentile {
            build = build.percentile(percentile);
        }
        assert_eq!(
            build_error(vec![build]),
            CorrelationError::InvalidPercentile {
                correlation: "c".into()
            }
        );
    }
    let nan = correlation("c", CorrelationType::EventCount, &["a"]).when(&[(CmpOp::Gt, f64::NAN)]);
    assert_eq!(
        build_error(vec![nan]),
        CorrelationError::InvalidThreshold {
            correlation: "c".into()
        }
    );
    let zero = count("c", &["a"]).timespan_ms(0);
    assert_eq!(
        build_error(vec![zero]),
        CorrelationError::InvalidTimespan {
            correlation: "c".into(),
            timespan_ms: 0
        }
    );
    assert_eq!(
        build_error(vec![count("c", &[])]),
        CorrelationError::NoRules {
            correlation: "c".into()
        }
    );
}

#[test]
fn aliases_must_map_referenced_rules_and_cover_them() {
    let stray = count("c", &["a", "b"])
        .group_by(&["ip"])
        .alias("ip", &[("a", "x"), ("b", "y"), ("c", "z")]);
    assert_eq!(
        build_error(vec![stray]),
        CorrelationError::AliasUnknownRule {
            correlation: "c".into(),
            alias: "ip".into(),
            reference: "c".into()
        }
    );
    let partial = count("c", &["a", "b"])
        .group_by(&["ip"])
        .alias("ip", &[("a", "x")]);
    assert_eq!(
        build_error(vec![partial]),
        CorrelationError::AliasMissingRule {
            correlation: "c".into(),
            alias: "ip".into(),
            reference: "b".into()
        }
    );
    // An alias defined but not used needs no full coverage.
    engine(vec![count("c", &["a", "b"]).alias("unused", &[("a", "x")])]);
}

#[test]
fn options_are_validated() {
    let correlations = [count("c", &["a"]).done()];
    let cases = [
        (
            CorrelationOptions {
                allowed_lateness_ms: -1,
                ..CorrelationOptions::default()
            },
            "allowed_lateness_ms",
        ),
        (
            CorrelationOptions {
                max_groups: 0,
                ..CorrelationOptions::default()
            },
            "max_groups",
        ),
        (
            CorrelationOptions {
                max_observations_per_group: 0,
                ..CorrelationOptions::default()
            },
            "max_observations_per_group",
        ),
        (
            CorrelationOptions {
                max_observations_total: 5,
                ..CorrelationOptions::default()
            },
            "max_observations_total",
        ),
    ];
    for (options, name) in cases {
        match CorrelationEngine::new(&correlations, KNOWN, options) {
            Err(CorrelationError::InvalidOption { option, .. }) => assert_eq!(option, name),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn options_deserialize_with_defaults_and_reject_unknown_keys() {
    let options: CorrelationOptions =
        serde_json::from_str(r#"{"max_groups": 10, "value_case": "sensitive"}"#)
            .expect("valid options");
    assert_eq!(options.max_groups, 10);
    assert_eq!(options.value_case, ValueCase::Sensitive);
    assert_eq!(
        options.allowed_lateness_ms,
        CorrelationOptions::default().allowed_lateness_ms
    );
    assert!(serde_json::from_str::<CorrelationOptions>(r#"{"max_group": 10}"#).is_err());
}
