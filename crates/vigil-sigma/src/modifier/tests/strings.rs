//! Plain values, wildcards, escapes, null, arrays, anchoring modifiers, `cased`.

use serde_json::json;

use super::*;
use crate::modifier::reason;

#[test]
fn plain_values_fold_ascii_case_only() {
    assert!(check("f", strs(&["HeLLo"]), json!({"f": "hello"})));
    assert!(check("f", strs(&["Straße"]), json!({"f": "STRAßE"})));
    assert!(!check("f", strs(&["straße"]), json!({"f": "STRASSE"})));
    assert!(!check("f", strs(&["é"]), json!({"f": "É"})));
    assert!(!check("f", strs(&["hello"]), json!({"f": "hello "})));
}

#[test]
fn wildcards_star_and_question_mark() {
    assert!(check("f", strs(&["a*c"]), json!({"f": "abbbc"})));
    assert!(check("f", strs(&["a*c"]), json!({"f": "ac"})));
    assert!(check("f", strs(&["a?c"]), json!({"f": "abc"})));
    assert!(!check("f", strs(&["a?c"]), json!({"f": "ac"})));
    assert!(
        check("f", strs(&["a?c"]), json!({"f": "aßc"})),
        "? is one character"
    );
    assert!(check(
        "f",
        strs(&["*\\cmd.exe"]),
        json!({"f": "C:\\Windows\\CMD.EXE"})
    ));
    // `\*` would be a literal star: a path with a wildcard after a backslash needs `\\*`.
    assert!(check(
        "f",
        strs(&["c:\\\\*\\\\x*.dll"]),
        json!({"f": "C:\\a\\b\\xy.DLL"})
    ));
    assert!(!check("f", strs(&["c:\\*"]), json!({"f": "C:\\a"})));
    assert!(check("f", strs(&["c:\\*"]), json!({"f": "C:*"})));
    assert!(
        check("f", strs(&["a*b*c"]), json!({"f": "a\nb\nc"})),
        "* spans newlines"
    );
}

#[test]
fn escapes_follow_the_spec() {
    // `\*` is a literal star.
    assert!(check("f", strs(&["a\\*b"]), json!({"f": "a*b"})));
    assert!(!check("f", strs(&["a\\*b"]), json!({"f": "axb"})));
    // `\?` is a literal question mark.
    assert!(check("f", strs(&["a\\?"]), json!({"f": "a?"})));
    assert!(!check("f", strs(&["a\\?"]), json!({"f": "ab"})));
    // `\\` is one backslash.
    assert!(check("f", strs(&["a\\\\b"]), json!({"f": "a\\b"})));
    // `\\*` is a backslash then a wildcard.
    assert!(check("f", strs(&["C:\\\\*"]), json!({"f": "C:\\Windows"})));
    // `\\\*` is a backslash then a literal star; `\\\\` is two backslashes.
    assert!(check("f", strs(&["a\\\\\\*"]), json!({"f": "a\\*"})));
    assert!(check("f", strs(&["\\\\\\\\"]), json!({"f": "\\\\"})));
    // A backslash before another character is literal (Windows paths).
    assert!(check(
        "f",
        strs(&["C:\\Windows\\"]),
        json!({"f": "c:\\windows\\"})
    ));
}

#[test]
fn empty_string_matches_only_empty() {
    assert!(check("f", strs(&[""]), json!({"f": ""})));
    assert!(!check("f", strs(&[""]), json!({"f": "x"})));
    assert!(!check("f", strs(&[""]), json!({})));
    assert!(!check("f", strs(&[""]), json!({"f": null})));
}

#[test]
fn lone_star_matches_any_present_non_null_value() {
    assert!(check("f", strs(&["*"]), json!({"f": ""})));
    assert!(check("f", strs(&["*"]), json!({"f": 3})));
    assert!(check("f", strs(&["*"]), json!({"f": false})));
    assert!(!check("f", strs(&["*"]), json!({"f": null})));
    assert!(!check("f", strs(&["*"]), json!({})));
}

#[test]
fn null_matches_absent_or_json_null() {
    assert!(check("f", vec![Value::Null], json!({})));
    assert!(check("f", vec![Value::Null], json!({"f": null})));
    assert!(check("f", vec![Value::Null], json!({"f": [1, null]})));
    assert!(!check("f", vec![Value::Null], json!({"f": ""})));
    assert!(!check("f", vec![Value::Null], json!({"f": []})));
    // An empty value list is `null`, as in pySigma.
    assert!(check("f", vec![], json!({})));
}

#[test]
fn null_with_neq_means_present_and_not_null() {
    assert!(check("f|neq", vec![Value::Null], json!({"f": ""})));
    assert!(!check("f|neq", vec![Value::Null], json!({"f": null})));
    assert!(!check("f|neq", vec![Value::Null], json!({})));
}

#[test]
fn null_must_be_alone_and_unmodified() {
    assert_eq!(error("f", vec![Value::Null, s("x")]), reason::NULL_IN_LIST);
    assert_eq!(
        error("f", vec![Value::Null, Value::Null]),
        reason::NULL_IN_LIST
    );
    assert_eq!(
        error("f|contains", vec![Value::Null]),
        reason::INVALID_COMBINATION
    );
    assert_eq!(
        error("f|all", vec![Value::Null]),
        reason::INVALID_COMBINATION
    );
}

#[test]
fn value_list_is_or() {
    let values = strs(&["a", "b"]);
    assert!(check("f", values.clone(), json!({"f": "B"})));
    assert!(!check("f", values, json!({"f": "c"})));
}

#[test]
fn array_fields_match_any_element() {
    assert!(check("tags", strs(&["b"]), json!({"tags": ["a", "b"]})));
    assert!(!check("tags", strs(&["c"]), json!({"tags": ["a", "b"]})));
    assert!(check(
        "r.arn",
        strs(&["x"]),
        json!({"r": [{"arn": "y"}, {"arn": "X"}]})
    ));
}

#[test]
fn all_may_be_satisfied_by_different_elements() {
    let values = strs(&["a", "b"]);
    assert!(check(
        "tags|all",
        values.clone(),
        json!({"tags": ["a", "b"]})
    ));
    assert!(!check("tags|all", values, json!({"tags": ["a", "c"]})));
}

#[test]
fn field_names_are_case_sensitive() {
    assert!(!check("FIELDNAME", strs(&["x"]), json!({"fieldname": "x"})));
}

#[test]
fn dotted_field_equals_nested_and_literal_key() {
    let values = strs(&["Root"]);
    assert!(check(
        "userIdentity.type",
        values.clone(),
        json!({"userIdentity": {"type": "Root"}})
    ));
    assert!(check(
        "userIdentity.type",
        values,
        json!({"userIdentity.type": "root"})
    ));
}

#[test]
fn contains_startswith_endswith() {
    assert!(check("f|contains", strs(&["Ell"]), json!({"f": "hello"})));
    assert!(!check("f|contains", strs(&["elx"]), json!({"f": "hello"})));
    assert!(check("f|startswith", strs(&["HE"]), json!({"f": "hello"})));
    assert!(!check("f|startswith", strs(&["el"]), json!({"f": "hello"})));
    assert!(check("f|endswith", strs(&["LO"]), json!({"f": "hello"})));
    assert!(!check("f|endswith", strs(&["hel"]), json!({"f": "hello"})));
    // Inner wildcards survive the anchoring.
    assert!(check("f|contains", strs(&["h*o"]), json!({"f": "xhelloy"})));
    assert!(check(
        "f|endswith",
        strs(&["\\x?.exe"]),
        json!({"f": "c:\\x1.exe"})
    ));
    // Numbers compare as their text.
    assert!(check(
        "f|contains",
        vec![Value::Int(62)],
        json!({"f": 4624})
    ));
    assert!(check(
        "f|startswith",
        vec![Value::Int(46)],
        json!({"f": "4624"})
    ));
}

#[test]
fn contains_with_many_values_uses_one_automaton_and_still_matches_each() {
    let values = strs(&["alpha", "beta", "gamma", "delta"]);
    let matcher = matcher("f|contains", values);
    for text in ["xALPHAx", "beta", "--gamma", "DeLtA!"] {
        assert!(matcher.matches(&json!({"f": text})), "{text}");
    }
    assert!(!matcher.matches(&json!({"f": "epsilon"})));
}

#[test]
fn cased_is_case_sensitive() {
    assert!(check("f|cased", strs(&["Foo"]), json!({"f": "Foo"})));
    assert!(!check("f|cased", strs(&["Foo"]), json!({"f": "foo"})));
    assert!(check(
        "f|contains|cased",
        strs(&["Bar"]),
        json!({"f": "xBarx"})
    ));
    assert!(!check(
        "f|contains|cased",
        strs(&["Bar"]),
        json!({"f": "xbarx"})
    ));
    assert!(!check("f|cased", strs(&["F*o"]), json!({"f": "fxo"})));
    let many = strs(&["Aa", "Bb"]);
    assert!(!check(
        "f|cased|contains",
        many.clone(),
        json!({"f": "aa bb"})
    ));
    assert!(check("f|cased|contains", many, json!({"f": "x Bb"})));
}
