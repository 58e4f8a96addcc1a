//! `all`, `exists`, `neq`, `windash`, `re`, `cidr`, `expand`, `fieldref`, and chain errors.

use std::collections::HashMap;

use serde_json::json;

use super::*;
use crate::modifier::reason;

#[test]
fn all_requires_every_value() {
    let values = strs(&["-nop", "-enc"]);
    assert!(check(
        "c|contains|all",
        values.clone(),
        json!({"c": "ps -NoP -Enc x"})
    ));
    assert!(!check("c|contains|all", values, json!({"c": "ps -nop"})));
    // More than 64 values still work (no bit set).
    let many: Vec<Value> = (0..70).map(|i| s(&format!("v{i};"))).collect();
    let text: String = (0..70).map(|i| format!("v{i};")).collect();
    assert!(check("c|contains|all", many.clone(), json!({"c": text})));
    assert!(!check("c|contains|all", many, json!({"c": "v1;"})));
}

#[test]
fn exists_checks_presence_only() {
    assert!(check(
        "f|exists",
        vec![Value::Bool(true)],
        json!({"f": null})
    ));
    assert!(check("f|exists", vec![Value::Bool(true)], json!({"f": ""})));
    assert!(!check("f|exists", vec![Value::Bool(true)], json!({})));
    assert!(check("f|exists", vec![Value::Bool(false)], json!({})));
    assert!(!check(
        "f|exists",
        vec![Value::Bool(false)],
        json!({"f": {}})
    ));
    assert_eq!(error("f|exists", strs(&["yes"])), reason::INVALID_VALUE);
    assert_eq!(
        error("f|exists", vec![Value::Bool(true), Value::Bool(false)]),
        reason::INVALID_VALUE
    );
    assert_eq!(error("f|exists", vec![Value::Null]), reason::INVALID_VALUE);
}

#[test]
fn neq_is_not_of_the_item() {
    assert!(check("f|neq", strs(&["a"]), json!({"f": "b"})));
    assert!(!check("f|neq", strs(&["a"]), json!({"f": "A"})));
    // Absent and null fields match: NOT (field = a).
    assert!(check("f|neq", strs(&["a"]), json!({})));
    assert!(check("f|neq", strs(&["a"]), json!({"f": null})));
    // A list: none of the values.
    assert!(!check("f|neq", strs(&["a", "b"]), json!({"f": "b"})));
    assert!(check("f|neq", strs(&["a", "b"]), json!({"f": "c"})));
    // An array field: no element equals.
    assert!(!check("f|neq", strs(&["a"]), json!({"f": ["x", "a"]})));
    // Numbers and other modifiers.
    assert!(check("n|neq", vec![Value::Int(5)], json!({"n": "6"})));
    assert!(!check("n|neq", vec![Value::Int(5)], json!({"n": 5.0})));
    assert!(check("f|contains|neq", strs(&["x"]), json!({"f": "abc"})));
    assert!(!check("n|gt|neq", vec![Value::Int(5)], json!({"n": 6})));
    let neq = matcher("f|neq", strs(&["a"]));
    assert!(neq.is_negated());
}

#[test]
fn windash_permutes_the_five_dashes() {
    let spec = "c|windash|contains";
    for dash in ["-", "/", "\u{2013}", "\u{2014}", "\u{2015}"] {
        let event = json!({"c": format!("powershell {dash}EncodedCommand x")});
        assert!(check(spec, strs(&[" -encodedcommand "]), event), "{dash}");
    }
    assert!(!check(spec, strs(&[" -enc "]), json!({"c": "x +enc y"})));
    // A rule written with `/` expands the same way.
    assert!(check(spec, strs(&[" /c "]), json!({"c": "cmd -c x"})));
    // Only dashes that start a word: the inner one of `-param-name` stays.
    assert!(check(
        spec,
        strs(&["-param-name"]),
        json!({"c": "/param-name"})
    ));
    assert!(!check(
        spec,
        strs(&["-param-name"]),
        json!({"c": "/param/name"})
    ));
    // Order with `contains` does not matter.
    assert!(check(
        "c|contains|windash",
        strs(&[" -x"]),
        json!({"c": "a \u{2014}x"})
    ));
}

#[test]
fn windash_with_many_dashes_still_matches_every_combination() {
    let spec = "c|windash|contains";
    let values = strs(&[" -a -b -c"]);
    assert!(check(
        spec,
        values.clone(),
        json!({"c": "z /a \u{2015}b -c"})
    ));
    assert!(!check(spec, values, json!({"c": "z /a +b -c"})));
}

#[test]
fn re_is_case_sensitive_and_matches_a_substring() {
    assert!(check("f|re", strs(&["b+c"]), json!({"f": "abbbcd"})));
    assert!(!check("f|re", strs(&["B+C"]), json!({"f": "abbbcd"})));
    assert!(!check("f|re", strs(&["^b"]), json!({"f": "ab"})));
    assert!(check("f|re", strs(&["^ab$"]), json!({"f": "ab"})));
    // Numbers are matched as text.
    assert!(check("f|re", strs(&["^46\\d+$"]), json!({"f": 4624})));
    // A backslash is a regex escape, not a Sigma one.
    assert!(check(
        "f|re",
        strs(&["\\\\cmd\\.exe"]),
        json!({"f": "C:\\cmd.exe"})
    ));
}

#[test]
fn re_flags() {
    assert!(check("f|re|i", strs(&["ABC"]), json!({"f": "xabcx"})));
    assert!(check(
        "f|re|ignorecase",
        strs(&["ABC"]),
        json!({"f": "abc"})
    ));
    assert!(!check("f|re", strs(&["^b$"]), json!({"f": "a\nb"})));
    assert!(check("f|re|m", strs(&["^b$"]), json!({"f": "a\nb"})));
    assert!(!check("f|re", strs(&["a.b"]), json!({"f": "a\nb"})));
    assert!(check("f|re|s", strs(&["a.b"]), json!({"f": "a\nb"})));
    assert!(check(
        "f|re|i|m|s",
        strs(&["^A.B$"]),
        json!({"f": "x\na\nb"})
    ));
}

#[test]
fn re_errors() {
    assert_eq!(error("f|re", strs(&["("])), reason::INVALID_REGEX);
    assert_eq!(error("f|re", strs(&["a(?=b)"])), reason::INVALID_REGEX);
    assert_eq!(
        error("f|re|contains", strs(&["a"])),
        reason::INVALID_COMBINATION
    );
    assert_eq!(error("f|i", strs(&["a"])), reason::INVALID_COMBINATION);
    assert_eq!(
        error("f|re", vec![Value::Bool(true)]),
        reason::INVALID_VALUE
    );
}

#[test]
fn cidr_v4_and_v6() {
    assert!(check(
        "ip|cidr",
        strs(&["10.0.0.0/8"]),
        json!({"ip": "10.1.2.3"})
    ));
    assert!(!check(
        "ip|cidr",
        strs(&["10.0.0.0/8"]),
        json!({"ip": "11.1.2.3"})
    ));
    assert!(check(
        "ip|cidr",
        strs(&["2001:db8::/32"]),
        json!({"ip": "2001:db8::1"})
    ));
    assert!(!check(
        "ip|cidr",
        strs(&["2001:db8::/32"]),
        json!({"ip": "2001:db9::1"})
    ));
    assert!(!check(
        "ip|cidr",
        strs(&["10.0.0.0/8"]),
        json!({"ip": "not an ip"})
    ));
    assert!(!check(
        "ip|cidr",
        strs(&["10.0.0.0/8"]),
        json!({"ip": 167_772_161})
    ));
    // Host bits are ignored; a bare address is a single host.
    assert!(check(
        "ip|cidr",
        strs(&["10.9.9.9/8"]),
        json!({"ip": "10.1.2.3"})
    ));
    assert!(check(
        "ip|cidr",
        strs(&["192.168.1.1"]),
        json!({"ip": "192.168.1.1"})
    ));
    assert!(check(
        "ip|cidr|neq",
        strs(&["10.0.0.0/8"]),
        json!({"ip": "8.8.8.8"})
    ));
    assert!(check(
        "ip|cidr",
        strs(&["10.0.0.0/8", "fd00::/8"]),
        json!({"ip": "fd12::1"})
    ));
    assert_eq!(
        error("ip|cidr", strs(&["10.0.0.0/33"])),
        reason::INVALID_CIDR
    );
    assert_eq!(error("ip|cidr", vec![Value::Int(10)]), reason::INVALID_CIDR);
}

#[test]
fn expand_replaces_placeholders() {
    let mut options = CompileOptions::default();
    options.placeholders.insert(
        "admins".to_owned(),
        vec!["root".to_owned(), "adm*".to_owned()],
    );
    let compiled = compile_with("user|expand", strs(&["%admins%"]), &options).unwrap();
    assert!(compiled.matches(&json!({"user": "ROOT"})));
    assert!(
        compiled.matches(&json!({"user": "administrator"})),
        "values are Sigma strings"
    );
    assert!(!compiled.matches(&json!({"user": "bob"})));
    let contains = compile_with("p|expand|contains", strs(&["%admins%\\"]), &options).unwrap();
    assert!(contains.matches(&json!({"p": "C:\\root\\x"})));
    // `\%` escapes a percent sign under `expand`.
    let escaped = compile_with("p|expand", strs(&["\\%admins%"]), &options).unwrap();
    assert!(escaped.matches(&json!({"p": "%admins%"})));
    // A placeholder configured with no values matches nothing.
    options.placeholders.insert("none".to_owned(), Vec::new());
    let nothing = compile_with("user|expand", strs(&["%none%"]), &options).unwrap();
    assert!(!nothing.matches(&json!({"user": ""})));
    // Without `expand`, `%name%` is literal text.
    assert!(check("p", strs(&["%admins%"]), json!({"p": "%admins%"})));
}

#[test]
fn unresolved_placeholders_are_rejected() {
    let empty = HashMap::new();
    let options = CompileOptions {
        placeholders: empty,
    };
    let result = compile_with("user|expand", strs(&["%nope%"]), &options);
    assert_eq!(result.err(), Some(reason::UNRESOLVED_PLACEHOLDER));
}

#[test]
fn fieldref_compares_two_fields() {
    let values = strs(&["b"]);
    assert!(check(
        "a|fieldref",
        values.clone(),
        json!({"a": "X", "b": "x"})
    ));
    assert!(!check(
        "a|fieldref",
        values.clone(),
        json!({"a": "x", "b": "y"})
    ));
    assert!(!check("a|fieldref", values.clone(), json!({"a": "x"})));
    assert!(!check(
        "a|fieldref",
        values.clone(),
        json!({"a": null, "b": null})
    ));
    assert!(check(
        "a|fieldref",
        values.clone(),
        json!({"a": 5, "b": "5.0"})
    ));
    assert!(check(
        "a|fieldref",
        values.clone(),
        json!({"a": ["p", "q"], "b": ["z", "Q"]})
    ));
    assert!(!check(
        "a|fieldref|cased",
        values.clone(),
        json!({"a": "X", "b": "x"})
    ));
    assert!(check(
        "a|fieldref|neq",
        values.clone(),
        json!({"a": "x", "b": "y"})
    ));
    assert!(check("a|fieldref|neq", values.clone(), json!({"a": "x"})));
    assert!(!check(
        "a|fieldref|neq",
        values,
        json!({"a": "x", "b": "X"})
    ));
}

#[test]
fn fieldref_with_anchors() {
    let event = json!({"cmd": "C:\\Tools\\X.exe /run", "img": "c:\\tools\\x.exe"});
    assert!(check(
        "cmd|fieldref|startswith",
        strs(&["img"]),
        event.clone()
    ));
    assert!(check(
        "cmd|contains|fieldref",
        strs(&["img"]),
        event.clone()
    ));
    assert!(!check(
        "cmd|fieldref|endswith",
        strs(&["img"]),
        event.clone()
    ));
    assert!(!check("cmd|fieldref", strs(&["img"]), event));
}

#[test]
fn fieldref_errors_and_fields_referenced() {
    assert_eq!(error("a|fieldref", strs(&["b*"])), reason::INVALID_VALUE);
    assert_eq!(
        error("a|fieldref", vec![Value::Int(1)]),
        reason::INVALID_VALUE
    );
    let compiled = matcher("a|fieldref", strs(&["b", "c", "a"]));
    assert_eq!(compiled.field(), Some("a"));
    assert_eq!(compiled.fields_referenced(), ["a", "b", "c"]);
    assert_eq!(matcher("x", strs(&["1"])).fields_referenced(), ["x"]);
}

#[test]
fn unknown_modifiers_and_bad_chains_are_rejected() {
    assert_eq!(error("f|contain", strs(&["a"])), reason::UNKNOWN_MODIFIER);
    assert_eq!(
        error("f|contains|startswith", strs(&["a"])),
        reason::INVALID_COMBINATION
    );
    assert_eq!(
        error("f|cidr|contains", strs(&["10.0.0.0/8"])),
        reason::INVALID_COMBINATION
    );
    assert_eq!(
        error("f|exists|neq", vec![Value::Bool(true)]),
        reason::INVALID_COMBINATION
    );
    assert_eq!(
        error("f|windash|wide|windash", strs(&["a"])),
        reason::INVALID_COMBINATION
    );
    assert_eq!(
        error("f|wide|windash", strs(&["-a"])),
        reason::INVALID_COMBINATION
    );
    assert_eq!(
        error("f|wide|expand", strs(&["a"])),
        reason::INVALID_COMBINATION
    );
}

#[test]
fn matches_values_uses_the_values_given() {
    use crate::doc::FieldValue;
    let event = json!({"f": "ignored", "g": "x"});
    let given = [FieldValue::Int(7), FieldValue::Str("abc".into())];
    assert!(matcher("f|contains", strs(&["B"])).matches_values(true, &given, &event));
    assert!(!matcher("f", strs(&["ignored"])).matches_values(true, &given, &event));
    assert!(matcher("f|gt", vec![Value::Int(6)]).matches_values(true, &given, &event));
    assert!(matcher("f", vec![Value::Null]).matches_values(false, &[], &event));
    assert!(!matcher("f|exists", vec![Value::Bool(true)]).matches_values(false, &[], &event));
    let text = [FieldValue::Str("X".into())];
    assert!(matcher("f|fieldref", strs(&["g"])).matches_values(true, &text, &event));
    assert!(matcher("|neq", strs(&["nothing"])).matches_values(false, &[], &event));
}
