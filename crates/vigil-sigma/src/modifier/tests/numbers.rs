//! Numbers, booleans, comparisons and time parts.

use serde_json::json;

use super::*;
use crate::modifier::reason;

#[test]
fn numbers_are_equal_across_int_string_and_float() {
    for event in [
        json!({"id": 4624}),
        json!({"id": "4624"}),
        json!({"id": 4624.0}),
    ] {
        assert!(
            check("id", vec![Value::Int(4624)], event.clone()),
            "{event}"
        );
        assert!(check("id", strs(&["4624"]), event.clone()), "{event}");
        assert!(
            check("id", vec![Value::Float(4624.0)], event.clone()),
            "{event}"
        );
        assert!(!check("id", vec![Value::Int(4625)], event), "no match");
    }
    // A numeric event string equal in value also matches (decision: numbers compare as
    // numbers when the text differs).
    assert!(check("id", vec![Value::Int(4624)], json!({"id": "4624.0"})));
    assert!(!check("id", vec![Value::Int(4624)], json!({"id": " 4624"})));
}

#[test]
fn booleans_compare_as_text() {
    assert!(check("b", vec![Value::Bool(false)], json!({"b": false})));
    assert!(check("b", vec![Value::Bool(false)], json!({"b": "false"})));
    assert!(check("b", strs(&["false"]), json!({"b": false})));
    assert!(check("b", strs(&["FALSE"]), json!({"b": false})));
    assert!(!check("b", vec![Value::Bool(true)], json!({"b": false})));
    assert!(!check("b", vec![Value::Bool(false)], json!({"b": 0})));
}

#[test]
fn greater_and_less_on_ints_floats_and_negatives() {
    assert!(check("n|gt", vec![Value::Int(5)], json!({"n": 6})));
    assert!(!check("n|gt", vec![Value::Int(5)], json!({"n": 5})));
    assert!(check("n|gte", vec![Value::Int(5)], json!({"n": 5})));
    assert!(check("n|lt", vec![Value::Int(-1)], json!({"n": -2})));
    assert!(!check("n|lt", vec![Value::Int(-1)], json!({"n": -1})));
    assert!(check("n|lte", vec![Value::Float(-1.5)], json!({"n": -1.5})));
    assert!(check("n|gt", vec![Value::Float(0.5)], json!({"n": 1})));
    assert!(check("n|lt", vec![Value::Int(1)], json!({"n": 0.999})));
    // Integers compare exactly, beyond f64 precision.
    assert!(check(
        "n|gt",
        vec![Value::Int(9_007_199_254_740_992)],
        json!({"n": 9_007_199_254_740_993_i64})
    ));
}

#[test]
fn comparisons_parse_numeric_event_strings_and_rule_strings() {
    assert!(check("n|gt", vec![Value::Int(100)], json!({"n": "101"})));
    assert!(check("n|gt", vec![Value::Int(100)], json!({"n": "1e3"})));
    assert!(!check("n|gt", vec![Value::Int(100)], json!({"n": "abc"})));
    assert!(!check("n|gt", vec![Value::Int(0)], json!({"n": true})));
    assert!(!check("n|gt", vec![Value::Int(0)], json!({})));
    assert!(check("n|gte", strs(&["-3"]), json!({"n": -3})));
    assert_eq!(error("n|gt", strs(&["ten"])), reason::INVALID_NUMBER);
    assert_eq!(
        error("n|gt", vec![Value::Bool(true)]),
        reason::INVALID_NUMBER
    );
}

#[test]
fn comparisons_with_a_list_are_or_and_with_all_a_range() {
    let range = vec![Value::Int(10), Value::Int(20)];
    assert!(check("n|gt", range.clone(), json!({"n": 15})));
    assert!(!check("n|gt|all", range.clone(), json!({"n": 15})));
    assert!(check("n|gt|all", range, json!({"n": 25})));
}

#[test]
fn time_parts_equal() {
    let event = json!({"t": "2024-03-05T07:08:09Z"});
    assert!(check("t|minute", vec![Value::Int(8)], event.clone()));
    assert!(check("t|hour", vec![Value::Int(7)], event.clone()));
    assert!(check("t|day", vec![Value::Int(5)], event.clone()));
    assert!(check("t|week", vec![Value::Int(10)], event.clone()));
    assert!(check("t|month", vec![Value::Int(3)], event.clone()));
    assert!(check("t|year", vec![Value::Int(2024)], event.clone()));
    assert!(!check("t|hour", vec![Value::Int(8)], event));
}

#[test]
fn time_parts_are_taken_in_utc() {
    let event = json!({"t": "2024-03-05T01:00:00+03:00"});
    assert!(check("t|hour", vec![Value::Int(22)], event.clone()));
    assert!(check("t|day", vec![Value::Int(4)], event));
}

#[test]
fn time_parts_combine_with_comparisons_in_either_order() {
    let night = json!({"t": "2024-03-05T23:30:00Z"});
    let day = json!({"t": "2024-03-05T12:00:00Z"});
    assert!(check("t|hour|gte", vec![Value::Int(22)], night.clone()));
    assert!(!check("t|hour|gte", vec![Value::Int(22)], day.clone()));
    assert!(check("t|lt|hour", vec![Value::Int(13)], day.clone()));
    assert!(!check("t|lt|hour", vec![Value::Int(13)], night));
    assert!(check("t|hour|neq", vec![Value::Int(23)], day));
}

#[test]
fn time_parts_read_epoch_numbers() {
    // 2021-01-01T10:20:30Z.
    assert!(check(
        "t|hour",
        vec![Value::Int(10)],
        json!({"t": 1_609_496_430})
    ));
    assert!(check(
        "t|hour",
        vec![Value::Int(10)],
        json!({"t": 1_609_496_430_000_i64})
    ));
    assert!(!check(
        "t|hour",
        vec![Value::Int(10)],
        json!({"t": "not a time"})
    ));
    assert!(!check("t|hour", vec![Value::Int(10)], json!({})));
    assert_eq!(error("t|hour", strs(&["ten"])), reason::INVALID_NUMBER);
}
