//! [`ItemMatcher::string_patterns`]: the literal tests a rule-set compiler can share.

use super::*;
use crate::modifier::{StringPattern, StringPatternKind as Kind, StringPatterns};

fn pattern(kind: Kind, text: &str, cased: bool) -> StringPattern {
    StringPattern {
        kind,
        text: text.to_owned(),
        cased,
    }
}

fn patterns(spec: &str, values: Vec<Value>) -> Option<(Option<String>, Vec<Vec<StringPattern>>)> {
    let compiled = matcher(spec, values);
    compiled
        .string_patterns()
        .map(|StringPatterns { field, groups }| (field.map(str::to_owned), groups))
}

#[test]
fn or_list_is_one_group_lowercased() {
    let found = patterns("f", strs(&["Abc", "x*", "*Y", "*z*"]));
    let expected = vec![vec![
        pattern(Kind::Exact, "abc", false),
        pattern(Kind::Prefix, "x", false),
        pattern(Kind::Suffix, "y", false),
        pattern(Kind::Contains, "z", false),
    ]];
    assert_eq!(found, Some((Some("f".to_owned()), expected)));
}

#[test]
fn gathered_substrings_are_reported_too() {
    let (_, groups) = patterns("f|contains", strs(&["A", "B", "C", "D", "e*"])).unwrap();
    let mut texts: Vec<&str> = groups[0].iter().map(|p| p.text.as_str()).collect();
    texts.sort_unstable();
    assert_eq!(texts, ["a", "b", "c", "d", "e"]);
}

#[test]
fn all_makes_one_group_per_value() {
    let found = patterns("f|contains|all|cased", strs(&["A", "B"]));
    let expected = vec![
        vec![pattern(Kind::Contains, "A", true)],
        vec![pattern(Kind::Contains, "B", true)],
    ];
    assert_eq!(found, Some((Some("f".to_owned()), expected)));
}

#[test]
fn windash_and_base64offset_alternatives_stay_in_their_group() {
    let (_, groups) = patterns("f|windash|contains|all", strs(&[" -a", "b"])).unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].len(), 5);
    let (_, groups) = patterns("f|base64offset|contains", strs(&["foobar"])).unwrap();
    let texts: Vec<&str> = groups[0].iter().map(|p| p.text.as_str()).collect();
    assert_eq!(texts, ["zm9vymfy", "zvb2jhc", "mb29iyx"]);
}

#[test]
fn keyword_items_have_no_field() {
    let found = patterns("", strs(&["Evil"]));
    let expected = vec![vec![pattern(Kind::Contains, "evil", false)]];
    assert_eq!(found, Some((None, expected)));
}

#[test]
fn items_that_are_not_only_literals_have_none() {
    assert_eq!(
        patterns("f", vec![Value::Int(4624)]),
        None,
        "numbers compare numerically"
    );
    assert_eq!(patterns("f", strs(&["4624"])), None, "number-like text too");
    assert_eq!(patterns("f|neq", strs(&["a"])), None);
    assert_eq!(patterns("f|re", strs(&["a"])), None);
    assert_eq!(patterns("f", strs(&["a*b"])), None);
    assert_eq!(patterns("f", strs(&["a", "a*b"])), None);
    assert_eq!(patterns("f|cidr", strs(&["10.0.0.0/8"])), None);
    assert_eq!(patterns("f|exists", vec![Value::Bool(true)]), None);
    assert_eq!(patterns("f", vec![Value::Null]), None);
    assert_eq!(patterns("f|fieldref", strs(&["g"])), None);
}
