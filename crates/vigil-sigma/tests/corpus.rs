//! The SigmaHQ corpus and the specification's correlation and filter samples, loaded end to
//! end: YAML to AST, then every condition resolved against its rule's searches.
//!
//! The corpus is the copy in `shared/sigma` (SigmaHQ commit 8eaafff, Detection Rule License
//! 1.1); without it the corpus test prints `skipped: …` and passes, so the crate still
//! tests on its own.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use vigil_sigma::ast::{
    CmpOp, CorrelationCondition, CorrelationType, Document, FilterTarget, Rule, Value,
};
use vigil_sigma::condition;
use vigil_sigma::load::load_str;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/sigma");
const FOLDERS: [&str; 3] = ["rules", "rules-emerging-threats", "rules-threat-hunting"];

/// Detection rules in the three folders (reference §6).
const EXPECTED_RULES: usize = 3_754;

/// Documents of the corpus refused for a genuine reason, as `(rule id, reason)`. None: every
/// rule loads.
const EXPECTED_REJECTIONS: &[(&str, &str)] = &[];

fn yaml_files(directory: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(directory)
        .unwrap_or_else(|error| panic!("reading {}: {error}", directory.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            yaml_files(&path, files);
        } else if path.extension().is_some_and(|extension| extension == "yml") {
            files.push(path);
        }
    }
}

/// Features counted over the loaded rules, to cross-check detection parsing against the
/// reference's own counts (files using each feature).
#[derive(Debug, Default, PartialEq)]
struct Features {
    keyword_lists: usize,
    keyless_all: usize,
    null_values: usize,
    numeric_values: usize,
}

impl Features {
    fn count(&mut self, rule: &Rule) {
        let items = || {
            rule.detection
                .searches
                .iter()
                .flat_map(|(_, search)| search.any_of.iter().flatten())
        };
        let keyword = |all: bool| {
            items().any(|item| {
                item.field.is_none() && item.modifiers.iter().any(|m| m == "all") == all
            })
        };
        let any_value =
            |wanted: fn(&Value) -> bool| items().any(|item| item.values.iter().any(wanted));
        self.keyword_lists += usize::from(keyword(false));
        self.keyless_all += usize::from(keyword(true));
        self.null_values += usize::from(any_value(|value| matches!(value, Value::Null)));
        self.numeric_values += usize::from(any_value(|value| {
            matches!(value, Value::Int(_) | Value::Float(_))
        }));
    }
}

#[test]
fn sigmahq_corpus_loads_completely() {
    let root = Path::new(CORPUS);
    if !root.is_dir() {
        println!(
            "skipped: shared sigma corpus not found at {}",
            root.display()
        );
        return;
    }
    let mut files = Vec::new();
    for folder in FOLDERS {
        yaml_files(&root.join(folder), &mut files);
    }
    files.sort();

    let mut rules = 0;
    let mut other_documents = 0;
    let mut rejections: Vec<(String, &'static str)> = Vec::new();
    let mut by_reason: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut features = Features::default();
    for file in &files {
        let source = file
            .strip_prefix(root)
            .unwrap_or(file)
            .display()
            .to_string();
        let text =
            std::fs::read_to_string(file).unwrap_or_else(|error| panic!("{source}: {error}"));
        for result in load_str(&text, &source) {
            match result {
                Ok(Document::Rule(rule)) => {
                    let identifiers: Vec<&str> = rule
                        .detection
                        .searches
                        .iter()
                        .map(|(name, _)| name.as_str())
                        .collect();
                    for text in &rule.detection.conditions {
                        let resolved = condition::parse(text)
                            .and_then(|cond| condition::resolve(&cond, &identifiers));
                        assert!(resolved.is_ok(), "{source}: `{text}`: {resolved:?}");
                    }
                    features.count(&rule);
                    rules += 1;
                }
                Ok(_) => other_documents += 1,
                Err(error) => {
                    println!("rejected: {error}");
                    *by_reason.entry(error.reason).or_default() += 1;
                    rejections.push((error.id.unwrap_or(source.clone()), error.reason));
                }
            }
        }
    }
    println!(
        "{} files: {rules} detection rules loaded, {} rejected, {other_documents} other documents",
        files.len(),
        rejections.len()
    );
    for (reason, count) in &by_reason {
        println!("rejected by reason: {reason} {count}");
    }
    println!("{features:?}");
    // The reference counts 94 keyword lists, 17 keyless `'|all'`, 88 `null` and 493 numeric
    // values; PyYAML types 494 files' values as numbers too (the reference's 493 is an
    // off-by-one of its own count).
    let expected_features = Features {
        keyword_lists: 94,
        keyless_all: 17,
        null_values: 88,
        numeric_values: 494,
    };
    assert_eq!(features, expected_features);

    let expected: Vec<(String, &str)> = EXPECTED_REJECTIONS
        .iter()
        .map(|(id, reason)| (id.to_string(), *reason))
        .collect();
    assert_eq!(rejections, expected);
    assert_eq!(rules, EXPECTED_RULES);
    // The reference: no correlation or filter documents in SigmaHQ (PR #5759 still open).
    assert_eq!(other_documents, 0);
}

/// Loads one fixture, expecting one correlation.
fn correlation(text: &str) -> vigil_sigma::ast::Correlation {
    let mut results = load_str(text, "fixture.yml");
    assert_eq!(results.len(), 1, "{results:#?}");
    match results.remove(0) {
        Ok(Document::Correlation(correlation)) => correlation,
        other => panic!("expected a correlation, got {other:#?}"),
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| item.to_string()).collect()
}

fn cmp(ops: &[(CmpOp, f64)], field: &[&str]) -> Option<CorrelationCondition> {
    Some(CorrelationCondition {
        ops: ops.to_vec(),
        field: strings(field),
        percentile: None,
    })
}

const HOUR_MS: i64 = 3_600_000;

/// The correlation samples of the specification repository (`tests/schema/correlation/*`:
/// event_count, value_count, value_sum, temporal, temporal_condition, temporal_ordered,
/// temporal_ordered_condition; `tests/correlation/value_{avg,percentile}.yml`), with what
/// each must load to.
#[test]
fn specification_correlation_samples() {
    struct Sample {
        name: &'static str,
        text: &'static str,
        kind: CorrelationType,
        rules: &'static [&'static str],
        group_by: &'static [&'static str],
        timespan_ms: i64,
        condition: Option<CorrelationCondition>,
    }
    let samples = [
        Sample {
            name: "event_count",
            text: "title: Many failed logins
id: 0e95725d-7320-415d-80f7-004da920fc11
correlation:
    type: event_count
    rules:
        - 5638f7c0-ac70-491d-8465-2a65075e0d86
    group-by:
        - ComputerName
    timespan: 1h
    condition:
        gte: 100",
            kind: CorrelationType::EventCount,
            rules: &["5638f7c0-ac70-491d-8465-2a65075e0d86"],
            group_by: &["ComputerName"],
            timespan_ms: HOUR_MS,
            condition: cmp(&[(CmpOp::Gte, 100.0)], &[]),
        },
        Sample {
            name: "value_count",
            text: "title: Failed login
id: 0e95725d-7320-415d-80f7-004da920fc12
correlation:
    type: value_count
    rules:
        - 5638f7c0-ac70-491d-8465-2a65075e0d86
    group-by:
        - ComputerName
        - WorkstationName
    timespan: 1d
    condition:
        field: User
        gte: 100",
            kind: CorrelationType::ValueCount,
            rules: &["5638f7c0-ac70-491d-8465-2a65075e0d86"],
            group_by: &["ComputerName", "WorkstationName"],
            timespan_ms: 24 * HOUR_MS,
            condition: cmp(&[(CmpOp::Gte, 100.0)], &["User"]),
        },
        Sample {
            name: "temporal",
            text: "title: Recon
correlation:
    type: temporal
    rules:
        - recon_cmd_a
        - recon_cmd_b
        - recon_cmd_c
    group-by:
        - ComputerName
        - User
    timespan: 5m",
            kind: CorrelationType::Temporal,
            rules: &["recon_cmd_a", "recon_cmd_b", "recon_cmd_c"],
            group_by: &["ComputerName", "User"],
            timespan_ms: 300_000,
            condition: None,
        },
        Sample {
            name: "temporal_ordered",
            text: "title: Recon ordered
correlation:
    type: temporal_ordered
    rules:
        - recon_cmd_a
        - recon_cmd_b
        - recon_cmd_c
    group-by:
        - ComputerName
        - User
    timespan: 5m",
            kind: CorrelationType::TemporalOrdered,
            rules: &["recon_cmd_a", "recon_cmd_b", "recon_cmd_c"],
            group_by: &["ComputerName", "User"],
            timespan_ms: 300_000,
            condition: None,
        },
        Sample {
            name: "value_sum",
            text: "title: Possible Exfiltration to Website
correlation:
    type: value_sum
    rules:
        - website_access
    group-by:
        - SourceIP
        - User
    timespan: 1h
    condition:
        field: bytes_sent
        gt: 1000000",
            kind: CorrelationType::ValueSum,
            rules: &["website_access"],
            group_by: &["SourceIP", "User"],
            timespan_ms: HOUR_MS,
            condition: cmp(&[(CmpOp::Gt, 1_000_000.0)], &["bytes_sent"]),
        },
        Sample {
            name: "value_avg",
            text: "title: Suspicious average network traffic
correlation:
    type: value_avg
    rules: 
        - rule_a_id
    group-by:
        - SourceIP
        - User
    timespan: 24h
    condition:
        field: BytesOut
        gt: 500",
            kind: CorrelationType::ValueAvg,
            rules: &["rule_a_id"],
            group_by: &["SourceIP", "User"],
            timespan_ms: 24 * HOUR_MS,
            condition: cmp(&[(CmpOp::Gt, 500.0)], &["BytesOut"]),
        },
        Sample {
            name: "value_percentile",
            text: "title: A computer spawned a processes name in the last 24h than 1% of all the processes.
correlation:
    type: value_percentile
    rules: 
        - process_creation
    group-by:
        - ComputerName
    timespan: 24h
    condition:
        field: image
        lte: 1",
            kind: CorrelationType::ValuePercentile,
            rules: &["process_creation"],
            group_by: &["ComputerName"],
            timespan_ms: 24 * HOUR_MS,
            condition: cmp(&[(CmpOp::Lte, 1.0)], &["image"]),
        },
    ];
    for sample in samples {
        let mut texts = vec![sample.text.to_string()];
        if sample.condition.is_none() {
            // `temporal_condition.yml` and `temporal_ordered_condition.yml`: the same with a
            // boolean rule expression, accepted because it is exactly "all rules", the
            // meaning of a temporal correlation without condition (note the spec's `AND`).
            texts.push(format!(
                "{}\n    condition: recon_cmd_a AND recon_cmd_b AND recon_cmd_c\n",
                sample.text
            ));
        }
        for text in texts {
            check_correlation(sample.name, &text, &sample);
        }
    }

    fn check_correlation(name: &str, text: &str, sample: &Sample) {
        let found = correlation(text);
        assert_eq!(found.kind, sample.kind, "{name}");
        assert_eq!(found.rules, strings(sample.rules), "{name}");
        assert_eq!(found.group_by, strings(sample.group_by), "{name}");
        assert_eq!(found.timespan_ms, sample.timespan_ms, "{name}");
        assert_eq!(found.condition, sample.condition, "{name}");
        assert!(found.aliases.is_empty(), "{name}");
        assert!(!found.generate, "{name}");
    }
}

/// The field name alias example of the correlation specification.
#[test]
fn specification_alias_example() {
    let found = correlation(
        "title: internal error followed by a connection
correlation:
    type: temporal
    rules:
        - internal_error
        - new_network_connection
    group-by:
        - internal_ip
        - remote_ip
    timespan: 10s
    aliases:
        internal_ip:
            internal_error: destination.ip
            new_network_connection: source.ip
        remote_ip:
            internal_error: source.ip
            new_network_connection: destination.ip
",
    );
    assert_eq!(found.timespan_ms, 10_000);
    assert_eq!(found.aliases.len(), 2);
    assert_eq!(
        found.aliases["internal_ip"]["internal_error"],
        "destination.ip"
    );
    assert_eq!(
        found.aliases["remote_ip"]["new_network_connection"],
        "destination.ip"
    );
}

/// The specification's complete example: a chain of two correlations and two rules in one
/// multi-document file.
#[test]
fn specification_chained_example() {
    let text = "title: Correlation - Multiple Failed Logins Followed by Successful Login
id: b180ead8-d58f-40b2-ae54-c8940995b9b6
status: experimental
description: Detects multiple failed logins by a single user followed by a successful login of that user
references:
    - https://reference.com
author: Florian Roth (Nextron Systems)
date: 2023-06-16
correlation:
    type: temporal_ordered
    rules:
        - multiple_failed_login
        - successful_login
    group-by:
        - User
    timespan: 10m
falsepositives:
    - Unlikely
level: high
---
title: Multiple failed logons
id: a8418a5a-5fc4-46b5-b23b-6c73beb19d41
description: Detects multiple failed logins within a certain amount of time
name: multiple_failed_login
correlation:
    type: event_count
    rules:
        - failed_login
    group-by:
        - User
    timespan: 10m
    condition:
        gte: 10
---
title: Single failed login
id: 53ba33fd-3a50-4468-a5ef-c583635cfa92
name: failed_login
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID:
            - 529
            - 4625
    condition: selection
---
title: Successful login
id: 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8
description: Detects a successful login
name: successful_login
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID:
            - 528
            - 4624
    condition: selection
";
    let results = load_str(text, "chain.yml");
    let summary: Vec<(&str, Option<String>)> = results
        .iter()
        .map(|result| match result {
            Ok(Document::Correlation(c)) => ("correlation", c.meta.name.clone()),
            Ok(Document::Rule(r)) => ("rule", r.meta.name.clone()),
            other => panic!("{other:#?}"),
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("correlation", None),
            ("correlation", Some("multiple_failed_login".to_string())),
            ("rule", Some("failed_login".to_string())),
            ("rule", Some("successful_login".to_string())),
        ]
    );
    let Some(Ok(Document::Rule(failed))) = results.get(2) else {
        unreachable!()
    };
    let values = &failed.detection.searches[0].1.any_of[0][0].values;
    assert_eq!(values, &vec![Value::Int(529), Value::Int(4625)]);
}

/// The filter samples of the specification repository (`tests/filter/*.yml`).
#[test]
fn specification_filter_samples() {
    let samples = [
        (
            "title: Filter Administrator account
description: The valid administrator account start with adm_
logsource:
    category: process_creation
    product: windows
filter:
    rules:
        - 6f3e2987-db24-4c78-a860-b4f4095a7095 # Data Compressed - rar.exe
        - df0841c0-9846-4e9f-ad8a-7df91571771b # Login on jump host
    selection:
        User|startswith: 'adm_'
    condition: selection",
            ("User", "startswith", "adm_"),
            (Some("process_creation"), Some("windows"), None),
        ),
        (
            "title: Filter google 
description: User use google
taxonomy: ecs
logsource:
    category: network
    service: dns
filter:
    rules:
        - 6f3e2987-db24-4c78-a860-b4f4095a7095 # rule 1
        - df0841c0-9846-4e9f-ad8a-7df91571771b # rule 2
    selection:
        dns.question.name|startswith: 'www.google.'
    condition: selection",
            ("dns.question.name", "startswith", "www.google."),
            (Some("network"), None, Some("dns")),
        ),
    ];
    for (text, (field, modifier, value), (category, product, service)) in samples {
        let mut results = load_str(text, "filter.yml");
        assert_eq!(results.len(), 1);
        let Ok(Document::Filter(filter)) = results.remove(0) else {
            panic!("{text}")
        };
        assert_eq!(
            filter.target,
            FilterTarget::Rules(strings(&[
                "6f3e2987-db24-4c78-a860-b4f4095a7095",
                "df0841c0-9846-4e9f-ad8a-7df91571771b"
            ]))
        );
        assert_eq!(filter.logsource.category.as_deref(), category);
        assert_eq!(filter.logsource.product.as_deref(), product);
        assert_eq!(filter.logsource.service.as_deref(), service);
        assert_eq!(filter.detection.conditions, vec!["selection"]);
        let (name, search) = &filter.detection.searches[0];
        assert_eq!(name, "selection");
        let item = &search.any_of[0][0];
        assert_eq!(item.field.as_deref(), Some(field));
        assert_eq!(item.modifiers, vec![modifier]);
        assert_eq!(item.values, vec![Value::Str(value.to_string())]);
    }
}
