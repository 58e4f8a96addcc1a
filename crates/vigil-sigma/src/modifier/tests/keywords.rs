//! Keyword items: values without a field, searched in every string of the event.

use serde_json::json;

use super::*;
use crate::modifier::reason;

#[test]
fn keywords_match_a_substring_of_any_string() {
    let event = json!({"msg": "ClamAV: Trojan.Agent FOUND in /tmp/x", "n": [1, {"k": "rm -RF /"}]});
    assert!(check("", strs(&["rm -rf"]), event.clone()));
    assert!(check("", strs(&["nothing", "found in"]), event.clone()));
    assert!(!check("", strs(&["absent"]), event.clone()));
    // Inner wildcards are kept inside the implicit `*…*`.
    assert!(check("", strs(&["Trojan*FOUND"]), event.clone()));
    assert!(!check("", strs(&["FOUND*Trojan"]), event));
}

#[test]
fn keywords_see_numbers_as_text_but_not_keys() {
    let event = json!({"secret_key": 4624});
    assert!(check("", vec![Value::Int(462)], event.clone()));
    assert!(!check("", strs(&["secret"]), event));
}

#[test]
fn keyword_all_requires_every_keyword() {
    let event = json!({"a": "alpha", "b": ["beta"]});
    assert!(check("|all", strs(&["alpha", "beta"]), event.clone()));
    assert!(!check("|all", strs(&["alpha", "gamma"]), event));
}

#[test]
fn keyword_anchors_and_regexes_are_explicit() {
    let event = json!({"a": "hello world"});
    assert!(check("|startswith", strs(&["hello"]), event.clone()));
    assert!(!check("|startswith", strs(&["world"]), event.clone()));
    assert!(check("|re", strs(&["w.rld$"]), event.clone()));
    assert!(check("|cased", strs(&["world"]), event.clone()));
    assert!(!check("|cased", strs(&["World"]), event.clone()));
    assert!(check("|neq", strs(&["absent"]), event));
}

#[test]
fn keyword_items_reject_field_only_values_and_modifiers() {
    assert_eq!(error("", vec![Value::Null]), reason::INVALID_VALUE);
    assert_eq!(error("", vec![]), reason::INVALID_VALUE);
    assert_eq!(
        error("|exists", vec![Value::Bool(true)]),
        reason::INVALID_COMBINATION
    );
    assert_eq!(
        error("|gt", vec![Value::Int(1)]),
        reason::INVALID_COMBINATION
    );
    assert!(matcher("", strs(&["x"])).field().is_none());
    assert!(matcher("", strs(&["x"])).fields_referenced().is_empty());
}
