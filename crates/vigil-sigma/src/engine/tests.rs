//! Engine unit tests: routing, mapping, filters, errors, evidence, and the shared index
//! checked against a naive evaluator that runs every item's own matcher.

use proptest::prelude::*;
use serde_json::{json, Value};
use vigil_model::SourceType;

use super::*;
use crate::condition::{self, Cond};
use crate::load;
use crate::modifier;

fn documents(yaml: &str) -> Vec<ast::Document> {
    load::load_str(yaml, "test")
        .into_iter()
        .map(|d| d.unwrap())
        .collect()
}

fn compile(yaml: &str, options: EngineOptions) -> (CompiledRuleSet, Vec<RuleError>) {
    let mut set = RuleSet::with_shipped_pipelines().unwrap();
    set.add_documents(documents(yaml)).options(options);
    set.build()
}

fn compiled(yaml: &str) -> CompiledRuleSet {
    let (set, errors) = compile(yaml, EngineOptions::default());
    assert!(errors.is_empty(), "{errors:?}");
    set
}

/// The titles of the rules matching `doc` on `source`.
fn titles(set: &CompiledRuleSet, source: SourceType, doc: &dyn Document) -> Vec<String> {
    let mut out = Vec::new();
    set.evaluate(source, doc, &mut out);
    out.iter()
        .map(|m| set.rules()[m.rule_index].meta.title.clone())
        .collect()
}

const CLOUDTRAIL: &str = r#"
title: iam user created
id: 11111111-1111-4111-8111-111111111111
author: tester
logsource: {product: aws, service: cloudtrail}
detection:
  selection:
    eventSource: iam.amazonaws.com
    eventName: [CreateUser, CreateLoginProfile]
  filter:
    userIdentity.type: AWSService
  condition: selection and not filter
level: medium
tags: [attack.persistence]
"#;

#[test]
fn rules_run_only_on_the_sources_they_are_routed_to() {
    let set = compiled(CLOUDTRAIL);
    let event = json!({"eventSource": "IAM.amazonaws.com", "eventName": "CreateUser",
                       "userIdentity": {"type": "IAMUser"}});
    assert_eq!(
        titles(&set, SourceType::CloudTrail, &event),
        ["iam user created"]
    );
    assert!(titles(&set, SourceType::ActivityTracker, &event).is_empty());
    assert_eq!(set.rules_for(SourceType::CloudTrail), [0]);
    assert!(set.rules_for(SourceType::Json).is_empty());
    assert_eq!(set.rules()[0].source_types, [SourceType::CloudTrail]);

    let service = json!({"eventSource": "iam.amazonaws.com", "eventName": "CreateUser",
                         "userIdentity": {"type": "AWSService"}});
    assert!(titles(&set, SourceType::CloudTrail, &service).is_empty());

    let options = EngineOptions {
        ignore_logsource: true,
        ..EngineOptions::default()
    };
    let (everywhere, errors) = compile(CLOUDTRAIL, options);
    assert!(errors.is_empty());
    assert_eq!(
        titles(&everywhere, SourceType::Json, &event),
        ["iam user created"]
    );
}

#[test]
fn a_match_carries_its_searches_and_evidence() {
    let set = compiled(CLOUDTRAIL);
    let event = json!({"eventSource": "iam.amazonaws.com", "eventName": "CreateLoginProfile",
                       "userIdentity": {"type": "Root"}});
    let mut out = Vec::new();
    set.evaluate(SourceType::CloudTrail, &event, &mut out);
    assert_eq!(
        out,
        [RuleMatch {
            rule_index: 0,
            matched_searches: vec!["selection".into()],
            matched_fields: vec![
                ("eventSource".into(), "iam.amazonaws.com".into()),
                ("eventName".into(), "CreateLoginProfile".into()),
            ],
        }]
    );
    let rule = set.rule(0).unwrap();
    assert_eq!(rule.meta.author.as_deref(), Some("tester"));
    assert_eq!(rule.meta.level, Some(ast::Level::Medium));
    assert_eq!(set.find("11111111-1111-4111-8111-111111111111"), Some(0));
}

#[test]
fn evidence_is_capped() {
    let (set, _) = compile(
        CLOUDTRAIL,
        EngineOptions {
            max_evidence_fields: 1,
            max_evidence_value_bytes: 3,
            ..EngineOptions::default()
        },
    );
    let event = json!({"eventSource": "iam.amazonaws.com", "eventName": "CreateUser"});
    let mut out = Vec::new();
    set.evaluate(SourceType::CloudTrail, &event, &mut out);
    assert_eq!(
        out[0].matched_fields,
        [("eventSource".into(), "iam".into())]
    );
}

const FIREWALL: &str = r#"
title: ssh allowed
logsource: {category: firewall}
detection:
  selection:
    dst_port: 22
  condition: selection
---
title: fortigate local user
logsource: {product: fortigate, service: event}
detection:
  selection:
    action: Add
    cfgpath: user.local
  condition: selection
"#;

#[test]
fn pipelines_rename_fields_and_add_conditions() {
    let set = compiled(FIREWALL);
    // A normalized FortiGate event: OCSF port, native pairs.
    let mut event = vigil_model::Event::new(
        vigil_model::ClassUid::NetworkActivity,
        vigil_model::ActivityId::TRAFFIC,
        SourceType::FortiGate,
    );
    event.dst_mut().port = Some(22);
    event.native = vigil_model::Native::Pairs(vec![
        ("type".into(), "traffic".into()),
        ("dstport".into(), "22".into()),
    ]);
    let doc = crate::doc::EventDocument::new(&event);
    assert_eq!(titles(&set, SourceType::FortiGate, &doc), ["ssh allowed"]);
    assert!(titles(&set, SourceType::CloudTrail, &doc).is_empty());

    let config = |log_type: &str| {
        let mut event = event.clone();
        event.dst_endpoint = None;
        event.native = vigil_model::Native::Pairs(vec![
            ("type".into(), log_type.into()),
            ("action".into(), "Add".into()),
            ("cfgpath".into(), "user.local".into()),
        ]);
        event
    };
    let event_log = config("event");
    let doc = crate::doc::EventDocument::new(&event_log);
    assert_eq!(
        titles(&set, SourceType::FortiGate, &doc),
        ["fortigate local user"]
    );
    let other_log = config("utm");
    let doc = crate::doc::EventDocument::new(&other_log);
    assert!(titles(&set, SourceType::FortiGate, &doc).is_empty());
}

const FILTERS: &str = r#"
title: console login
id: 22222222-2222-4222-8222-222222222222
name: console_login
logsource: {product: aws, service: cloudtrail}
detection:
  selection: {eventName: ConsoleLogin}
  condition: selection
---
title: other login
logsource: {product: aws, service: cloudtrail}
detection:
  selection: {eventName: ConsoleLogin}
  condition: selection
---
title: break glass account
id: 33333333-3333-4333-8333-333333333333
logsource: {product: aws}
filter:
  rules: [console_login]
  selection: {userIdentity.userName: breakglass}
  condition: not selection
---
title: office network
logsource: {product: aws}
filter:
  rules: any
  selection: {sourceIPAddress|cidr: 192.0.2.0/24}
  condition: not selection
"#;

#[test]
fn filters_add_their_condition_to_the_rules_they_name_or_cover() {
    let set = compiled(FILTERS);
    let login = |user: &str, ip: &str| {
        json!({"eventName": "ConsoleLogin", "userIdentity": {"userName": user},
               "sourceIPAddress": ip})
    };
    let check = |event: &Value, expected: &[&str]| {
        assert_eq!(
            titles(&set, SourceType::CloudTrail, event),
            expected,
            "{event}"
        );
    };
    check(
        &login("alice", "203.0.113.1"),
        &["console login", "other login"],
    );
    check(&login("breakglass", "203.0.113.1"), &["other login"]);
    check(&login("alice", "192.0.2.7"), &[]);
    assert_eq!(
        set.rule(0).unwrap().filters,
        ["33333333-3333-4333-8333-333333333333", "office network"]
    );
}

#[test]
fn each_broken_document_is_reported_and_the_rest_compile() {
    let yaml = r#"
title: bad modifier
id: 44444444-4444-4444-8444-444444444444
logsource: {product: aws, service: cloudtrail}
detection:
  selection: {eventName|sometimes: x}
  condition: selection
---
title: unrouted but broken
logsource: {product: windows, category: process_creation}
detection:
  selection: {Image|re: '('}
  condition: selection
---
title: fine
logsource: {product: aws, service: cloudtrail}
detection:
  selection: {eventName: x}
  condition: selection
---
title: dangling filter
logsource: {product: aws}
filter:
  rules: [no-such-rule]
  selection: {eventName: y}
  condition: selection
"#;
    let (set, errors) = compile(yaml, EngineOptions::default());
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 3, "{messages:#?}");
    assert_eq!(errors[0].kind, DocumentKind::Filter);
    assert!(messages[0].contains("`no-such-rule`"), "{}", messages[0]);
    assert_eq!(
        errors[1].id.as_deref(),
        Some("44444444-4444-4444-8444-444444444444")
    );
    assert!(
        messages[1].starts_with(
            "rule `bad modifier` (44444444-4444-4444-8444-444444444444): search `selection`"
        ),
        "{}",
        messages[1]
    );
    assert!(messages[1].contains("sometimes"), "{}", messages[1]);
    assert_eq!(errors[2].title, "unrouted but broken");
    assert_eq!(set.rules().len(), 1);
    assert_eq!(set.rules()[0].meta.title, "fine");
}

// --- the shared index agrees with the naive evaluation ------------------------------------

/// Rules exercising every kind of shared pattern, alternatives, negation and non-shared items.
const MIXED: &str = r#"
title: exact
logsource: {product: aws, service: cloudtrail}
detection:
  a: {f: [abc, 'x y']}
  condition: a
---
title: prefix suffix contains
logsource: {product: aws, service: cloudtrail}
detection:
  a: {f|startswith: ab, g|endswith: yz}
  b: {f|contains: 'b c'}
  condition: a or b
---
title: cased
logsource: {product: aws, service: cloudtrail}
detection:
  a: {f|cased: Abc}
  condition: a
---
title: all
logsource: {product: aws, service: cloudtrail}
detection:
  a: {g|contains|all: [x, y]}
  condition: a and not b
  b: {f: abc}
---
title: keywords
logsource: {product: aws, service: cloudtrail}
detection:
  words: [b c, 'xy']
  condition: words
---
title: wildcard and regex
logsource: {product: aws, service: cloudtrail}
detection:
  a: {f: 'a*c'}
  b: {g|re: '^x.z$'}
  condition: 1 of them
---
title: empty and null
logsource: {product: aws, service: cloudtrail}
detection:
  a: {f: ''}
  b: {g: null}
  condition: a and b
---
title: not only
logsource: {product: aws, service: cloudtrail}
detection:
  a: {f|startswith: a}
  condition: not a
"#;

/// The rules of `yaml` evaluated without the engine: every item by its own matcher.
fn naive(yaml: &str, doc: &dyn Document) -> Vec<String> {
    let mut out = Vec::new();
    for document in documents(yaml) {
        let ast::Document::Rule(rule) = document else {
            continue;
        };
        let names: Vec<&str> = rule
            .detection
            .searches
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        let conditions: Vec<Cond> = rule
            .detection
            .conditions
            .iter()
            .map(|c| condition::resolve(&condition::parse(c).unwrap(), &names).unwrap())
            .collect();
        let search = |name: &str| {
            let (_, search) = rule
                .detection
                .searches
                .iter()
                .find(|(n, _)| n == name)
                .unwrap();
            search.any_of.iter().any(|group| {
                group.iter().all(|item| {
                    modifier::compile_item(item, &Default::default())
                        .unwrap()
                        .matches(doc)
                })
            })
        };
        fn eval(cond: &Cond, search: &dyn Fn(&str) -> bool) -> bool {
            match cond {
                Cond::Ident(name) => search(name),
                Cond::Not(inner) => !eval(inner, search),
                Cond::And(items) => items.iter().all(|c| eval(c, search)),
                Cond::Or(items) => items.iter().any(|c| eval(c, search)),
                Cond::Of { .. } => unreachable!("resolved"),
            }
        }
        if conditions.iter().any(|c| eval(c, &search)) {
            out.push(rule.meta.title.clone());
        }
    }
    out
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec!["a", "A", "b", "c", "C", " ", "x", "y", "z", "é"]),
        0..6,
    )
    .prop_map(|parts| parts.concat())
}

fn field_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        text().prop_map(Value::String),
        prop::collection::vec(text(), 0..3).prop_map(|v| json!(v)),
        Just(Value::Null),
        (0i64..3).prop_map(|n| json!(n)),
    ]
}

proptest! {
    #[test]
    fn the_index_agrees_with_every_items_own_matcher(
        f in prop::option::of(field_value()),
        g in prop::option::of(field_value()),
    ) {
        let set = compiled(MIXED);
        let mut event = serde_json::Map::new();
        if let Some(f) = f {
            event.insert("f".into(), f);
        }
        if let Some(g) = g {
            event.insert("g".into(), g);
        }
        let event = Value::Object(event);
        prop_assert_eq!(titles(&set, SourceType::CloudTrail, &event), naive(MIXED, &event));
    }
}

#[test]
fn one_scratch_serves_many_events_and_rule_sets() {
    let first = compiled(MIXED);
    let second = compiled(CLOUDTRAIL);
    let mut scratch = Scratch::new();
    let hit = json!({"f": "abc"});
    let miss = json!({"f": "zzz"});
    for _ in 0..3 {
        let mut out = Vec::new();
        first.evaluate_with(&mut scratch, SourceType::CloudTrail, &hit, &mut out);
        assert!(!out.is_empty());
        out.clear();
        second.evaluate_with(&mut scratch, SourceType::CloudTrail, &miss, &mut out);
        assert!(out.is_empty());
    }
}

#[test]
fn a_compiled_set_is_shared_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<CompiledRuleSet>();
    let set = std::sync::Arc::new(compiled(CLOUDTRAIL));
    let event = json!({"eventSource": "iam.amazonaws.com", "eventName": "CreateUser"});
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let set = std::sync::Arc::clone(&set);
            let event = event.clone();
            std::thread::spawn(move || {
                let mut out = Vec::new();
                set.evaluate(SourceType::CloudTrail, &event, &mut out);
                out.len()
            })
        })
        .collect();
    for worker in workers {
        assert_eq!(worker.join().unwrap(), 1);
    }
}
