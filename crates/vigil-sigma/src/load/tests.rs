use super::*;
use crate::ast::{Detection, DetectionItem, Document, Level, LogSource, Search, Value};

mod documents;

/// Loads `text`, expecting exactly one result.
fn load_one(text: &str) -> Result<Document, LoadError> {
    let mut results = load_str(text, "test.yml");
    assert_eq!(results.len(), 1, "{results:#?}");
    results.remove(0)
}

fn rule(text: &str) -> ast::Rule {
    match load_one(text) {
        Ok(Document::Rule(rule)) => rule,
        other => panic!("expected a rule, got {other:#?}"),
    }
}

/// Loads `text`, expecting one rejection with `reason` whose detail contains `detail`.
fn check_error(text: &str, reason: &str, detail: &str) {
    let error = load_one(text).expect_err("rejected");
    assert_eq!(error.reason, reason, "{error}");
    assert!(error.detail.contains(detail), "{error}");
}

/// A minimal valid rule with `detection` replaced.
fn with_detection(detection: &str) -> String {
    format!("title: t\nid: i-1\nlogsource:\n    product: windows\ndetection:\n{detection}")
}

fn item(field: Option<&str>, modifiers: &[&str], values: Vec<Value>) -> DetectionItem {
    DetectionItem {
        field: field.map(str::to_string),
        modifiers: modifiers.iter().map(|m| m.to_string()).collect(),
        values,
    }
}

fn s(text: &str) -> Value {
    Value::Str(text.to_string())
}

fn searches(text: &str) -> Vec<(String, Search)> {
    rule(&with_detection(text)).detection.searches
}

#[test]
fn full_rule() {
    let rule = rule(
        "title: Whoami
id: 929a690e-bef0-4204-a928-ef5e620d6fcc
name: whoami
status: test
description: Detects whoami
author: Florian Roth
references:
    - https://example.com
date: 2019-10-23
modified: 2023/01/02
tags: attack.discovery
level: High
falsepositives: Admins
license: DRL-1.1
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\\whoami.exe'
        EventID: 4688
    filter_main:
        User: null
    condition: selection and not 1 of filter_*
fields:
    - CommandLine
",
    );
    assert_eq!(rule.meta.title, "Whoami");
    assert_eq!(rule.meta.name.as_deref(), Some("whoami"));
    assert_eq!(rule.meta.status.as_deref(), Some("test"));
    assert_eq!(rule.meta.author.as_deref(), Some("Florian Roth"));
    assert_eq!(rule.meta.date.as_deref(), Some("2019-10-23"));
    assert_eq!(rule.meta.modified.as_deref(), Some("2023/01/02"));
    assert_eq!(rule.meta.tags, vec!["attack.discovery"]);
    assert_eq!(rule.meta.falsepositives, vec!["Admins"]);
    assert_eq!(rule.meta.level, Some(Level::High));
    assert_eq!(
        rule.logsource,
        LogSource {
            category: Some("process_creation".into()),
            product: Some("windows".into()),
            ..LogSource::default()
        }
    );
    assert_eq!(rule.fields, vec!["CommandLine"]);
    assert_eq!(
        rule.detection,
        Detection {
            searches: vec![
                (
                    "selection".into(),
                    Search {
                        any_of: vec![vec![
                            item(Some("Image"), &["endswith"], vec![s("\\whoami.exe")]),
                            item(Some("EventID"), &[], vec![Value::Int(4688)]),
                        ]]
                    }
                ),
                (
                    "filter_main".into(),
                    Search {
                        any_of: vec![vec![item(Some("User"), &[], vec![Value::Null])]]
                    }
                ),
            ],
            conditions: vec!["selection and not 1 of filter_*".into()],
            timeframe: None,
        }
    );
}

#[test]
fn author_list_and_single_strings() {
    let rule = rule(&format!(
        "author:\n    - A\n    - B\nreferences: https://x\n{}",
        with_detection("    sel:\n        a: 1\n    condition: sel\n")
    ));
    assert_eq!(rule.meta.author.as_deref(), Some("A, B"));
    assert_eq!(rule.meta.references, vec!["https://x"]);
}

#[test]
fn search_shapes() {
    let found = searches(
        "    keywords:
        - 'event::clear'
        - 42
    keywords_all:
        '|all':
            - OabVirtualDirectory
            - ' -ExternalUrl '
    maps:
        - Image|endswith: \\a.exe
        - Description|contains|all: [x, y]
    mixed:
        - a: 1
        - plain
        - b: 2
        - other
    single: one
    condition: 1 of them
",
    );
    let expected = vec![
        (
            "keywords",
            vec![vec![item(
                None,
                &[],
                vec![s("event::clear"), Value::Int(42)],
            )]],
        ),
        (
            "keywords_all",
            vec![vec![item(
                None,
                &["all"],
                vec![s("OabVirtualDirectory"), s(" -ExternalUrl ")],
            )]],
        ),
        (
            "maps",
            vec![
                vec![item(Some("Image"), &["endswith"], vec![s("\\a.exe")])],
                vec![item(
                    Some("Description"),
                    &["contains", "all"],
                    vec![s("x"), s("y")],
                )],
            ],
        ),
        (
            "mixed",
            vec![
                vec![item(Some("a"), &[], vec![Value::Int(1)])],
                vec![item(None, &[], vec![s("plain"), s("other")])],
                vec![item(Some("b"), &[], vec![Value::Int(2)])],
            ],
        ),
        ("single", vec![vec![item(None, &[], vec![s("one")])]]),
    ];
    let expected: Vec<(String, Search)> = expected
        .into_iter()
        .map(|(name, any_of)| (name.to_string(), Search { any_of }))
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn value_typing_keeps_text_that_is_not_a_canonical_number() {
    let found = searches(
        "    sel:
        f:
            - 00000429
            - 0000042a
            - 0x10
            - 0o17
            - +1
            - 1e5
            - .inf
            - 1.50
            - 1.5
            - 1.0
            - -0.25
            - -2
            - 0
            - 99999999999999999999
            - '4624'
            - \"7\"
            - !!str 8
            - !!int 9
            - yes
            - True
            - ~
            - Null
            - ''
    condition: sel
",
    );
    let values = &found[0].1.any_of[0][0].values;
    let expected = vec![
        s("00000429"),
        s("0000042a"),
        s("0x10"),
        s("0o17"),
        s("+1"),
        s("1e5"),
        s(".inf"),
        s("1.50"),
        Value::Float(1.5),
        Value::Float(1.0),
        Value::Float(-0.25),
        Value::Int(-2),
        Value::Int(0),
        s("99999999999999999999"),
        s("4624"),
        s("7"),
        s("8"),
        Value::Int(9),
        s("yes"),
        Value::Bool(true),
        Value::Null,
        Value::Null,
        s(""),
    ];
    assert_eq!(values, &expected);
}

#[test]
fn empty_value_is_null() {
    let found = searches("    sel:\n        f:\n    condition: sel\n");
    assert_eq!(found[0].1.any_of[0][0].values, vec![Value::Null]);
}

#[test]
fn detection_errors() {
    use reason::*;
    let cases = [
        (
            "    sel:\n        f: {a: b}\n    condition: sel\n",
            UNSUPPORTED_VALUE,
            "nested",
        ),
        (
            "    sel:\n        f: [[a]]\n    condition: sel\n",
            UNSUPPORTED_VALUE,
            "nested",
        ),
        (
            "    sel:\n        - [a]\n    condition: sel\n",
            UNSUPPORTED_VALUE,
            "list inside a list",
        ),
        (
            "    sel:\n        f: !!binary aGk=\n    condition: sel\n",
            UNSUPPORTED_VALUE,
            "tag",
        ),
        (
            "    sel:\n        f: []\n    condition: sel\n",
            INVALID_DETECTION,
            "empty value list",
        ),
        (
            "    sel: {}\n    condition: sel\n",
            INVALID_DETECTION,
            "`sel` is empty",
        ),
        (
            "    sel: []\n    condition: sel\n",
            INVALID_DETECTION,
            "`sel` is empty",
        ),
        (
            "    sel:\n    condition: sel\n",
            INVALID_DETECTION,
            "`sel` is empty",
        ),
        (
            "    sel:\n        f|: 1\n    condition: sel\n",
            INVALID_DETECTION,
            "empty modifier",
        ),
        (
            "    condition: sel\n",
            INVALID_DETECTION,
            "no search identifier",
        ),
        (
            "    sel:\n        f: 1\n",
            MISSING_CONDITION,
            "no `condition`",
        ),
        (
            "    sel:\n        f: 1\n    condition: []\n",
            MISSING_CONDITION,
            "no `condition`",
        ),
        (
            "    sel:\n        f: 1\n    condition: sel and x\n",
            INVALID_CONDITION,
            "`x`",
        ),
        (
            "    sel:\n        f: 1\n    condition: 1 of x*\n",
            INVALID_CONDITION,
            "`1 of x*`",
        ),
        (
            "    sel:\n        f: 1\n    condition: sel AND sel\n",
            INVALID_CONDITION,
            "lowercase",
        ),
        (
            "    sel:\n        f: 1\n    condition:\n        a: b\n",
            INVALID_CONDITION,
            "string",
        ),
        (
            "    sel:\n        f: 1\n    timeframe: 5m\n    condition: sel | count() by h > 5\n",
            OBSOLETE_AGGREGATION,
            "pipe aggregation",
        ),
        (
            "    sel:\n        f: 1\n    a:\n        f: 2\n    condition: near sel and not a\n",
            OBSOLETE_AGGREGATION,
            "`near`",
        ),
    ];
    for (detection, reason, detail) in cases {
        check_error(&with_detection(detection), reason, detail);
    }
}

#[test]
fn condition_lists_and_timeframe_are_kept() {
    let rule = rule(&with_detection(
        "    a:\n        f: 1\n    b:\n        f: 2\n    timeframe: 1h\n    condition:\n        - a\n        - b\n",
    ));
    assert_eq!(rule.detection.conditions, vec!["a", "b"]);
    assert_eq!(rule.detection.timeframe.as_deref(), Some("1h"));
}

#[test]
fn document_errors() {
    use reason::*;
    let detection = "detection:\n    sel:\n        f: 1\n    condition: sel\n";
    check_error(
        &format!("logsource: {{product: x}}\n{detection}"),
        MISSING_TITLE,
        "title",
    );
    check_error(
        &format!("title: ''\nlogsource: {{product: x}}\n{detection}"),
        MISSING_TITLE,
        "title",
    );
    check_error(
        &format!("title: t\n{detection}"),
        MISSING_LOGSOURCE,
        "logsource",
    );
    check_error(
        &format!("title: t\nlogsource: x\n{detection}"),
        INVALID_LOGSOURCE,
        "mapping",
    );
    check_error(
        &format!("title: t\nlogsource: {{product: [a]}}\n{detection}"),
        INVALID_LOGSOURCE,
        "product",
    );
    check_error(
        "title: t\nlogsource: {product: x}\n",
        MISSING_DETECTION,
        "detection",
    );
    check_error(
        &format!("title: t\nlevel: urgent\nlogsource: {{product: x}}\n{detection}"),
        INVALID_METADATA,
        "urgent",
    );
    check_error(
        &format!("title: t\nstatus: done\nlogsource: {{product: x}}\n{detection}"),
        INVALID_METADATA,
        "done",
    );
    check_error(
        &format!("title: [t]\nlogsource: {{product: x}}\n{detection}"),
        INVALID_METADATA,
        "title",
    );
    check_error(
        &format!("title: t\ntags: {{a: b}}\nlogsource: {{product: x}}\n{detection}"),
        INVALID_METADATA,
        "tags",
    );
    check_error("- a\n- b\n", NOT_A_MAPPING, "mapping");
    check_error("just text\n", NOT_A_MAPPING, "mapping");
    check_error(
        "title: t\ntitle: u\n",
        INVALID_YAML,
        "duplicate key `title` (line 2)",
    );
    check_error("title: [unclosed\n", INVALID_YAML, "line");
}

#[test]
fn errors_carry_title_id_and_display() {
    let error =
        load_one("title: Bad\nid: abc\nlogsource: {product: x}\n").expect_err("no detection");
    assert_eq!(error.title.as_deref(), Some("Bad"));
    assert_eq!(error.id.as_deref(), Some("abc"));
    assert_eq!(error.document, 0);
    assert_eq!(
        error.to_string(),
        "test.yml: document 0 (`abc`, \"Bad\"): missing_detection: rule has no `detection`"
    );
}

#[test]
fn one_bad_document_does_not_stop_the_others() {
    let good = |title: &str| {
        format!("title: {title}\nlogsource: {{product: x}}\ndetection:\n    s:\n        f: 1\n    condition: s\n")
    };
    let text = format!(
        "{}---\ntitle: broken\ndetection: [unclosed\n---\n{}---\n{}---\ntitle: dup\ntitle: dup\n---\n{}",
        good("one"),
        good("two"),
        "- a list\n",
        good("three"),
    );
    let results = load_str(&text, "multi.yml");
    let summary: Vec<(usize, Result<String, &str>)> = results
        .iter()
        .map(|result| match result {
            Ok(document) => (0, Ok(document.meta().title.clone())),
            Err(error) => (error.document, Err(error.reason)),
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (0, Ok("one".to_string())),
            (1, Err("invalid_yaml")),
            (0, Ok("two".to_string())),
            (3, Err("not_a_mapping")),
            (4, Err("invalid_yaml")),
            (0, Ok("three".to_string())),
        ]
    );
    // Lines are counted in the whole file, across the resumed parse.
    let Some(Err(broken)) = results.get(1) else {
        panic!("{results:#?}")
    };
    assert_eq!(
        broken.detail,
        "while parsing a flow sequence, expected ',' or ']' (line 10)"
    );
    let Some(Err(duplicate)) = results.get(4) else {
        panic!("{results:#?}")
    };
    assert_eq!(duplicate.detail, "duplicate key `title` (line 21)");
}
