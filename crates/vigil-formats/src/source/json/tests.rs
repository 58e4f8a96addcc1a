use proptest::prelude::*;
use serde_json::json;
use vigil_model::{ClassUid, Rejection};

use super::*;
use crate::source::jsonutil::tests::arb_json;

const REFERENCE: i64 = 1_700_000_000_000;

fn run(bytes: &[u8]) -> (Vec<Event>, Vec<Rejection>) {
    let ctx = Context {
        reference_time_ms: REFERENCE,
        ..Context::default()
    };
    let mut out = Output::default();
    normalize(&Record::new("any.json", bytes.to_vec()), &ctx, &mut out);
    (out.events, out.rejections)
}

fn one(json: &str) -> Event {
    let (mut events, rejections) = run(json.as_bytes());
    assert!(rejections.is_empty(), "{rejections:?}");
    events.remove(0)
}

fn reason(bytes: &[u8]) -> (&'static str, String) {
    let (events, rejections) = run(bytes);
    assert!(events.is_empty());
    (rejections[0].reason, rejections[0].detail.clone())
}

#[test]
fn a_typical_app_log_line() {
    let event = one(
        r#"{"@timestamp":"2024-05-01T12:00:00.123Z","level":"warn","message":"disk almost full","host":{"name":"web-1"}}"#,
    );
    assert_eq!(event.class_uid, ClassUid::Base);
    assert_eq!(event.activity_id.0, 0);
    assert_eq!(event.time, 1_714_564_800_123);
    assert_eq!(event.severity_id, SeverityId::Medium);
    assert_eq!(event.message.as_deref(), Some("disk almost full"));
    assert_eq!(event.native, Native::RawJson);
    assert_eq!(
        event.native.to_json(&event.raw)["host"]["name"],
        json!("web-1")
    );
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn timestamp_keys_in_priority_order_and_shapes() {
    const MS: i64 = 1_714_564_800_000; // 2024-05-01T12:00:00Z
    for record in [
        json!({"timestamp": "2024-05-01T12:00:00Z", "time": 1}),
        json!({"time": 1_714_564_800}),
        json!({"eventTime": "2024-05-01 12:00:00"}),
        json!({"ts": 1_714_564_800.0}),
        json!({"ts": "1714564800000"}),
        json!({"date": 1_714_564_800_000_000_000_u64}),
        json!({"datetime": "2024-05-01T14:00:00+02:00"}),
        json!({"@timestamp": "not a time", "datetime": "2024-05-01T12:00:00Z"}),
    ] {
        assert_eq!(one(&record.to_string()).time, MS, "{record}");
    }
    let event = one(r#"{"ts":1714564800.25}"#);
    assert_eq!(event.time, MS + 250);
    let event = one(r#"{"x":1}"#);
    assert_eq!(event.time, REFERENCE);
    assert_eq!(event.unmapped, json!({"time_missing": true}));
    let event = one(r#"{"time":"soon"}"#);
    assert_eq!(event.unmapped, json!({"time_invalid": true}));
    assert_eq!(event.metadata.original_time.as_deref(), Some("soon"));
}

#[test]
fn message_and_severity_fallbacks() {
    let event = one(r#"{"msg":"hello","severity":"ERROR"}"#);
    assert_eq!(event.message.as_deref(), Some("hello"));
    assert_eq!(event.severity_id, SeverityId::High);
    for (level, severity) in [
        (json!("debug"), SeverityId::Informational),
        (json!("notice"), SeverityId::Low),
        (json!("crit"), SeverityId::Critical),
        (json!("fatal"), SeverityId::Fatal),
        (json!(30), SeverityId::Informational),
        (json!(50), SeverityId::High),
        (json!("4"), SeverityId::Medium),
        (json!(0), SeverityId::Fatal),
        (json!("shouting"), SeverityId::Unknown),
        (json!({"nested": 1}), SeverityId::Unknown),
    ] {
        let event = one(&json!({"level": level}).to_string());
        assert_eq!(event.severity_id, severity, "{level}");
    }
}

#[test]
fn non_objects_and_broken_json_are_rejected_with_positions() {
    assert_eq!(reason(b"42").0, "not_an_object");
    assert_eq!(reason(b"[{\"a\":1}]").0, "not_an_object");
    assert_eq!(reason(b"\"text\"").0, "not_an_object");
    let (why, detail) = reason(b"{\"a\":1,\n\"b\":}");
    assert_eq!(why, "invalid_json");
    assert_eq!(detail, "expected value at line 2 column 5");
    let (why, detail) = reason(b"{\"a\":\"\xe2\x82\"}");
    assert_eq!(why, "invalid_utf8");
    assert_eq!(detail, "invalid utf-8 at line 1 column 7 (byte 6)");
    assert_eq!(reason(b"").0, "invalid_json");
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let (events, rejections) = run(&bytes);
        prop_assert_eq!(events.len() + rejections.len(), 1);
    }

    #[test]
    fn every_json_object_becomes_an_event(value in arb_json(3), key in "[a-z@]{1,10}") {
        let record = json!({"@timestamp": value.clone(), "level": value.clone(),
            "message": value.clone(), key: value});
        let (events, rejections) = run(record.to_string().as_bytes());
        prop_assert!(rejections.is_empty());
        prop_assert_eq!(events.len(), 1);
    }
}
