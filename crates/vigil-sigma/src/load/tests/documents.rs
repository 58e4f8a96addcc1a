//! Collections, correlations, filters and hostile input.

use super::*;
use crate::ast::{CmpOp, CorrelationCondition, CorrelationType, FilterTarget};
use proptest::prelude::*;

fn correlation(text: &str) -> ast::Correlation {
    match load_one(text) {
        Ok(Document::Correlation(correlation)) => correlation,
        other => panic!("expected a correlation, got {other:#?}"),
    }
}

fn titles(text: &str) -> Vec<Result<String, &'static str>> {
    load_str(text, "c.yml")
        .into_iter()
        .map(|result| {
            result
                .map(|document| document.meta().title.clone())
                .map_err(|e| e.reason)
        })
        .collect()
}

#[test]
fn global_is_merged_until_reset_and_wins_conflicts() {
    let text = "action: global
title: Global title
author: Team
logsource:
    product: windows
detection:
    selection:
        EventID: 1
    condition: selection
---
title: Doc title
logsource:
    service: sysmon
detection:
    filter:
        User: x
    condition: selection and not filter
---
action: global
level: high
---
logsource:
    service: security
---
action: reset
---
title: Standalone
logsource:
    product: linux
detection:
    s:
        a: 1
    condition: s
";
    let results = load_str(text, "c.yml");
    let rules: Vec<ast::Rule> = results
        .into_iter()
        .map(|result| match result {
            Ok(Document::Rule(rule)) => rule,
            other => panic!("{other:#?}"),
        })
        .collect();
    assert_eq!(rules.len(), 3);
    // sigmac and pySigma let the global win a conflict; mappings merge key by key.
    assert_eq!(rules[0].meta.title, "Global title");
    assert_eq!(rules[0].meta.author.as_deref(), Some("Team"));
    assert_eq!(rules[0].logsource.product.as_deref(), Some("windows"));
    assert_eq!(rules[0].logsource.service.as_deref(), Some("sysmon"));
    let names: Vec<&str> = rules[0]
        .detection
        .searches
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(names, vec!["filter", "selection"]);
    assert_eq!(rules[0].detection.conditions, vec!["selection"]);
    assert_eq!(rules[0].meta.level, None);
    // Globals accumulate.
    assert_eq!(rules[1].meta.level, Some(Level::High));
    assert_eq!(rules[1].logsource.service.as_deref(), Some("security"));
    assert_eq!(rules[2].meta.title, "Standalone");
    assert_eq!(rules[2].meta.author, None);
}

#[test]
fn repeat_reissues_the_previous_rule_with_overrides() {
    let text = "title: Security 4688
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: 4688
        CommandLine|contains: whoami
    condition: selection
---
action: repeat
title: Sysmon 1
logsource:
    service: sysmon
detection:
    selection:
        EventID: 1
";
    let results = load_str(text, "c.yml");
    let Some(Ok(Document::Rule(repeated))) = results.get(1) else {
        panic!("{results:#?}")
    };
    assert_eq!(repeated.meta.title, "Sysmon 1");
    assert_eq!(repeated.logsource.service.as_deref(), Some("sysmon"));
    assert_eq!(repeated.logsource.product.as_deref(), Some("windows"));
    let items = &repeated.detection.searches[0].1.any_of[0];
    assert_eq!(items[0].values, vec![Value::Int(1)]);
    assert_eq!(items[1].field.as_deref(), Some("CommandLine"));
}

#[test]
fn collection_errors() {
    assert_eq!(
        titles("action: repeat\ntitle: x\n"),
        vec![Err("invalid_collection")]
    );
    assert_eq!(
        titles("action: merge\ntitle: x\n"),
        vec![Err("invalid_collection")]
    );
    assert_eq!(
        titles("action: [global]\n"),
        vec![Err("invalid_collection")]
    );
    // A repeat after a document that is not YAML does not silently repeat an older one.
    let text = "title: a\nlogsource: {product: x}\ndetection: {s: {f: 1}, condition: s}\n---\n[\n---\naction: repeat\n";
    assert_eq!(
        titles(text),
        vec![
            Ok("a".to_string()),
            Err("invalid_yaml"),
            Err("invalid_collection")
        ]
    );
    // Empty documents yield nothing.
    assert_eq!(titles("---\n---\n# only a comment\n"), vec![]);
}

#[test]
fn correlation_with_everything() {
    let found = correlation(
        "title: Brute force then success
id: 0e95725d-7320-415d-80f7-004da920fc11
name: bf
level: high
generate: true
correlation:
    type: value_count
    rules: failed_logon
    group-by: TargetUserName
    timespan: 2M
    condition:
        field:
            - SourceIp
            - SourceHost
        gt: 10
        lte: 20.5
    aliases:
        ip:
            failed_logon: source.ip
            success: destination.ip
",
    );
    assert_eq!(found.meta.name.as_deref(), Some("bf"));
    assert_eq!(found.kind, CorrelationType::ValueCount);
    assert_eq!(found.rules, vec!["failed_logon"]);
    assert_eq!(found.group_by, vec!["TargetUserName"]);
    assert_eq!(found.timespan_ms, 2 * 2_629_746 * 1000);
    assert_eq!(
        found.condition,
        Some(CorrelationCondition {
            ops: vec![(CmpOp::Gt, 10.0), (CmpOp::Lte, 20.5)],
            field: vec!["SourceIp".into(), "SourceHost".into()],
            percentile: None,
        })
    );
    assert_eq!(found.aliases["ip"]["success"], "destination.ip");
    assert!(found.generate);
}

#[test]
fn timespans() {
    let check = |timespan: &str| {
        load_one(&format!(
            "title: t\ncorrelation:\n    type: temporal\n    rules: [a, b]\n    timespan: {timespan}\n"
        ))
        .map(|document| match document {
            Document::Correlation(correlation) => correlation.timespan_ms,
            _ => -1,
        })
        .map_err(|error| error.reason)
    };
    assert_eq!(check("30s"), Ok(30_000));
    assert_eq!(check("5m"), Ok(300_000));
    assert_eq!(check("1h"), Ok(3_600_000));
    assert_eq!(check("1d"), Ok(86_400_000));
    assert_eq!(check("1w"), Ok(604_800_000));
    assert_eq!(check("1y"), Ok(31_556_952_000));
    for bad in [
        "0s",
        "1",
        "60",
        "1H",
        "h",
        "-1h",
        "1.5h",
        "'1 h'",
        "[1h]",
        "99999999999999999y",
    ] {
        assert_eq!(check(bad), Err("invalid_timespan"), "{bad}");
    }
}

#[test]
fn correlation_errors() {
    let base = |correlation: &str| format!("title: t\ncorrelation:\n{correlation}");
    let cases = [
        ("    rules: [a]\n    timespan: 1h\n", "type` is missing"),
        ("    type: value_median\n    rules: [a]\n    timespan: 1h\n", "`value_median`"),
        ("    type: event_count\n    timespan: 1h\n    condition: {gte: 1}\n", "rules` is missing"),
        ("    type: event_count\n    rules: []\n    timespan: 1h\n    condition: {gte: 1}\n", "empty"),
        ("    type: event_count\n    rules: [a]\n    timespan: 1h\n", "condition` is missing"),
        ("    type: event_count\n    rules: [a]\n    timespan: 1h\n    condition: {field: x}\n", "no gt"),
        ("    type: event_count\n    rules: [a]\n    timespan: 1h\n    condition: {gte: many}\n", "number"),
        ("    type: event_count\n    rules: [a]\n    timespan: 1h\n    condition: {gte: '5'}\n", "number"),
        ("    type: event_count\n    rules: [a]\n    timespan: 1h\n    condition: {more: 5}\n", "`more`"),
        ("    type: value_sum\n    rules: [a]\n    timespan: 1h\n    condition: {gt: 5}\n", "field"),
        (
            "    type: value_percentile\n    rules: [a]\n    timespan: 1h\n    condition: {field: f, gt: 5, percentile: 101}\n",
            "percentile",
        ),
        ("    type: temporal\n    rules: [a, b]\n    timespan: 1h\n    condition: a or b\n", "conjunction"),
        ("    type: temporal\n    rules: [a, b]\n    timespan: 1h\n    condition: a and c\n", "conjunction"),
        ("    type: temporal\n    rules: [a]\n    timespan: 1h\n    generate: maybe\n", "generate"),
        ("    type: temporal\n    rules: [a]\n    timespan: 1h\n    aliases: [a]\n", "aliases"),
    ];
    for (section, detail) in cases {
        check_error(&base(section), "invalid_correlation", detail);
    }
    check_error(
        "title: t\ncorrelation: 5\n",
        "invalid_correlation",
        "mapping",
    );
    check_error(
        "title: t\ngenerate: false\ncorrelation:\n    type: temporal\n    rules: [a]\n    timespan: 1h\n    generate: true\n",
        "invalid_correlation",
        "disagree",
    );
    check_error(
        "correlation:\n    type: temporal\n",
        "missing_title",
        "title",
    );
}

#[test]
fn filters() {
    let filter = |rules: &str| {
        load_one(&format!(
            "title: f\nlogsource:\n    product: windows\nfilter:\n    rules: {rules}\n    selection:\n        User|startswith: adm_\n    condition: not selection\n"
        ))
    };
    let Ok(Document::Filter(found)) = filter("[a, b]") else {
        panic!("{:#?}", filter("[a, b]"))
    };
    assert_eq!(
        found.target,
        FilterTarget::Rules(vec!["a".into(), "b".into()])
    );
    assert_eq!(found.detection.conditions, vec!["not selection"]);
    assert_eq!(found.detection.searches[0].0, "selection");
    for any in ["any", "all", "ANY"] {
        assert!(matches!(
            filter(any),
            Ok(Document::Filter(ast::Filter {
                target: FilterTarget::Any,
                ..
            }))
        ));
    }
    assert!(matches!(
        filter("one-id"),
        Ok(Document::Filter(ast::Filter {
            target: FilterTarget::Rules(_),
            ..
        }))
    ));
    assert_eq!(
        filter("[]").map_err(|e| e.reason).err(),
        Some("invalid_filter")
    );
    assert_eq!(
        filter("{a: b}").map_err(|e| e.reason).err(),
        Some("invalid_filter")
    );
    check_error(
        "title: f\nlogsource: {product: w}\nfilter:\n    selection: {a: 1}\n    condition: selection\n",
        "invalid_filter",
        "rules` is missing",
    );
    check_error(
        "title: f\nlogsource: {product: w}\nfilter:\n    rules: any\n    selection: {a: 1}\n    condition: [selection]\n",
        "invalid_filter",
        "one string",
    );
    check_error(
        "title: f\nlogsource: {product: w}\nfilter:\n    rules: any\n    selection: {a: 1}\n    condition: selection and x\n",
        "invalid_condition",
        "`x`",
    );
    check_error(
        "title: f\nfilter:\n    rules: any\n    selection: {a: 1}\n    condition: selection\n",
        "missing_logsource",
        "logsource",
    );
}

#[test]
fn yaml_merge_keys_apply() {
    let text = "title: t
logsource: {product: x}
detection:
    base: &base
        EventID: 1
        Channel: Security
    sel:
        <<: *base
        EventID: 2
    condition: sel
";
    let Ok(Document::Rule(found)) = load_one(text) else {
        panic!()
    };
    let items = &found.detection.searches[1].1.any_of[0];
    let fields: Vec<(&str, &Vec<Value>)> = items
        .iter()
        .map(|i| (i.field.as_deref().unwrap_or(""), &i.values))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("EventID", &vec![Value::Int(2)]),
            ("Channel", &vec![s("Security")])
        ]
    );
}

#[test]
fn hostile_yaml_is_rejected_not_fatal() {
    let deep = format!("title: t\nx: {}1{}\n", "[".repeat(200), "]".repeat(200));
    assert_eq!(
        load_one(&deep).map_err(|e| e.reason).err(),
        Some("invalid_yaml")
    );
    let block_deep: String = (0..200)
        .map(|depth| format!("{}- \n", "  ".repeat(depth)))
        .collect();
    assert_eq!(titles(&block_deep), vec![Err("invalid_yaml")]);
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..10 {
        let previous = format!("*{}", (b'a' + level - 1) as char);
        let name = (b'a' + level) as char;
        bomb.push_str(&format!(
            "{name}: &{name} [{}]\n",
            vec![previous; 10].join(", ")
        ));
    }
    let error = load_one(&bomb).expect_err("alias bomb");
    assert_eq!(error.reason, "invalid_yaml");
    assert!(error.detail.contains("nodes"), "{error}");
}

fn yaml_like() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("title: t\n"),
        Just("logsource: {product: x}\n"),
        Just("detection:\n"),
        Just("    sel:\n"),
        Just("        f|contains: a\n"),
        Just("    condition: sel\n"),
        Just("    condition: 1 of s* | count() > 1\n"),
        Just("---\n"),
        Just("- x\n"),
        Just("correlation:\n    type: temporal\n    rules: [a]\n    timespan: 1h\n"),
        Just("filter: {rules: any, s: {a: 1}, condition: s}\n"),
        Just("action: global\n"),
        Just("action: repeat\n"),
        Just("action: reset\n"),
        Just("&a x: *a\n"),
        Just("  ]\n"),
        Just("'\n"),
        Just("<<: *b\n"),
        Just("? [a]\n: b\n"),
        Just("\t\n"),
        Just("%YAML 1.2\n"),
    ];
    proptest::collection::vec(pieces, 0..16).prop_map(|pieces| pieces.concat())
}

proptest! {
    #[test]
    fn load_never_panics_on_arbitrary_text(text in "\\PC{0,200}") {
        let _ = load_str(&text, "fuzz.yml");
    }

    #[test]
    fn load_never_panics_on_yaml_like_text(text in yaml_like()) {
        for result in load_str(&text, "fuzz.yml") {
            if let Err(error) = result {
                prop_assert!(!error.reason.is_empty());
            }
        }
    }
}
