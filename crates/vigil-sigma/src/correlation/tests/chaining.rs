//! Correlations over correlations, and `generate`.

use serde_json::json;

use super::*;

fn login_then_escalation() -> Build {
    correlation("pair", CorrelationType::Temporal, &["a", "b"])
        .name("login_then_escalation")
        .group_by(&["user"])
}

#[test]
fn event_count_over_a_temporal_correlation() {
    let outer = correlation(
        "repeat",
        CorrelationType::EventCount,
        &["login_then_escalation"],
    )
    .group_by(&["user"])
    .when(&[(CmpOp::Gte, 2.0)])
    .timespan_ms(3_600_000);
    let mut engine = engine(vec![outer, login_then_escalation()]);
    let user = json!({"user": "mallory"});
    assert!(feed(&mut engine, "a", 0, 1, user.clone()).is_empty());
    assert!(
        feed(&mut engine, "b", 10, 2, user.clone()).is_empty(),
        "inner fired, but is not returned"
    );
    assert_eq!(engine.stats().suppressed_alerts_total, 1);
    assert!(feed(&mut engine, "b", 100, 3, json!({"user": "eve"})).is_empty());
    assert!(feed(&mut engine, "a", 600, 4, user.clone()).is_empty());
    let alerts = feed(&mut engine, "b", 610, 5, user);
    assert_eq!(alerts.len(), 1);
    let alert = &alerts[0];
    assert_eq!(alert.correlation_id.as_deref(), Some("repeat"));
    assert_eq!(group(alert), vec![("user", Some("mallory"))]);
    assert_eq!(alert.value, 2.0);
    assert_eq!(
        (alert.window_start_ms, alert.window_end_ms),
        (10_000, 610_000),
        "inner alert end times"
    );
    assert_eq!(
        alert.event_ids,
        vec![1, 2, 4, 5],
        "the inner alerts' events"
    );
    assert_eq!(engine.stats().alerts_total, 3);
}

#[test]
fn generate_true_on_the_outer_returns_inner_alerts_too() {
    let outer = correlation("repeat", CorrelationType::EventCount, &["pair"])
        .group_by(&["user"])
        .when(&[(CmpOp::Gte, 1.0)])
        .generate();
    let mut engine = engine(vec![login_then_escalation(), outer]);
    feed(&mut engine, "a", 0, 1, json!({"user": "u"}));
    let alerts = feed(&mut engine, "b", 1, 2, json!({"user": "u"}));
    let ids: Vec<_> = alerts
        .iter()
        .map(|alert| alert.correlation_id.as_deref())
        .collect();
    assert_eq!(ids, vec![Some("pair"), Some("repeat")], "inner first");
}

#[test]
fn an_outer_group_by_reads_the_inner_group_values_through_aliases() {
    let inner = correlation("inner", CorrelationType::EventCount, &["a"])
        .group_by(&["host", "user"])
        .when(&[(CmpOp::Gte, 1.0)]);
    let outer = correlation("outer", CorrelationType::ValueCount, &["inner", "b"])
        .group_by(&["machine"])
        .alias("machine", &[("inner", "host"), ("b", "hostname")])
        .field("who")
        .alias("who", &[("inner", "user"), ("b", "account")])
        .when(&[(CmpOp::Gte, 2.0)]);
    let mut engine = engine(vec![inner, outer]);
    assert!(feed(&mut engine, "a", 0, 1, json!({"host": "h1", "user": "u1"})).is_empty());
    let alerts = feed(
        &mut engine,
        "b",
        1,
        2,
        json!({"hostname": "H1", "account": "u2"}),
    );
    assert_eq!(alerts.len(), 1);
    assert_eq!(group(&alerts[0]), vec![("machine", Some("h1"))]);
    assert_eq!(alerts[0].event_ids, vec![1, 2]);
}

#[test]
fn a_chained_field_must_be_an_inner_group_by_field() {
    let inner = correlation("inner", CorrelationType::EventCount, &["a"])
        .group_by(&["host"])
        .when(&[(CmpOp::Gte, 1.0)]);
    let outer = correlation("outer", CorrelationType::EventCount, &["inner"])
        .group_by(&["user"])
        .when(&[(CmpOp::Gte, 1.0)]);
    assert_eq!(
        build_error(vec![inner, outer]),
        CorrelationError::ChainedFieldUnavailable {
            correlation: "outer".into(),
            inner: "inner".into(),
            field: "user".into()
        }
    );
}

#[test]
fn base_alerts_are_suppressed_only_when_every_referencing_correlation_says_so() {
    let quiet =
        correlation("quiet", CorrelationType::EventCount, &["a", "b"]).when(&[(CmpOp::Gte, 5.0)]);
    let loud = correlation("loud", CorrelationType::EventCount, &["b"])
        .when(&[(CmpOp::Gte, 5.0)])
        .generate();
    let engine = engine(vec![quiet, loud]);
    assert!(engine.suppresses_base_alerts(RuleRef::name("a")));
    assert!(engine.suppresses_base_alerts(RuleRef::id("id-a")));
    assert!(
        !engine.suppresses_base_alerts(RuleRef::name("b")),
        "`loud` generates"
    );
    assert!(
        !engine.suppresses_base_alerts(RuleRef::name("c")),
        "unreferenced"
    );
    assert!(!engine.suppresses_base_alerts(RuleRef::name("nope")));
}
