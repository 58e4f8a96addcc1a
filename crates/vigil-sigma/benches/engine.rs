//! Rule evaluation throughput, events per second on one core.
//!
//! * `cloudtrail_57`: SigmaHQ's 57 `aws`/`cloudtrail` rules over CloudTrail events from
//!   `vigil-sim` (pre-parsed `serde_json::Value`s), with one event in twenty crafted from a
//!   rule's selection so rules fire and evidence is built;
//! * `cloudtrail_57_parse`: the same, parsing each NDJSON line first (end to end);
//! * `corpus_mixed`: all 3,754 corpus rules, routed by the shipped pipelines, over events of
//!   seven sources in turn (Activity Tracker, VPC flow records, FortiGate key=value, CIS
//!   firewall and HTTP, Falco, CloudTrail), each read as JSON with its native names.
//!
//! The corpus is `shared/sigma` (SigmaHQ); without it the benchmark prints a message and
//! measures nothing.
//!
//! `cargo bench -p vigil-sigma --bench engine`

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{Map, Value};
use vigil_model::SourceType;
use vigil_sigma::ast::{Document, Rule};
use vigil_sigma::engine::{CompiledRuleSet, RuleSet, Scratch};
use vigil_sigma::load::load_str;
use vigil_sim::{FirewallVendor, Generator};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/sigma");

fn yaml_files(directory: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(directory) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "yml") {
            files.push(path);
        }
    }
}

fn load(folders: &[&str]) -> Vec<Document> {
    let mut files = Vec::new();
    for folder in folders {
        yaml_files(&Path::new(CORPUS).join(folder), &mut files);
    }
    files.sort();
    let mut documents = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        documents.extend(load_str(&text, "").into_iter().flatten());
    }
    documents
}

fn compile(documents: Vec<Document>) -> CompiledRuleSet {
    let started = Instant::now();
    let count = documents.len();
    let Ok(mut set) = RuleSet::with_shipped_pipelines() else {
        panic!("the shipped pipelines parse");
    };
    set.add_documents(documents);
    let (compiled, errors) = set.build();
    eprintln!(
        "compiled {count} documents in {:.2?} ({} errors)",
        started.elapsed(),
        errors.len()
    );
    compiled
}

/// This thread's time on a CPU (Linux `schedstat`), in ns: unlike wall time, it does not
/// count the time other processes of a busy machine take the core away.
fn cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Events per CPU-second of `run` over `events` events, best of five rounds.
fn per_cpu_second(events: usize, mut run: impl FnMut()) -> Option<f64> {
    let mut best: Option<f64> = None;
    for _ in 0..5 {
        let before = cpu_ns()?;
        run();
        let spent = cpu_ns()?.saturating_sub(before).max(1);
        let rate = events as f64 * 1e9 / spent as f64;
        best = Some(best.map_or(rate, |b: f64| b.max(rate)));
    }
    best
}

fn ndjson(bytes: &[u8]) -> Vec<Value> {
    bytes
        .split(|&b| b == b'\n')
        .filter_map(|line| serde_json::from_slice(line).ok())
        .collect()
}

/// An event satisfying the first group of every search of `rule` not named like a filter,
/// keys written as literal dotted paths. Values get what their modifiers need around them.
fn crafted(rule: &Rule) -> Value {
    let mut event = Map::new();
    for (name, search) in &rule.detection.searches {
        if name.starts_with("filter") {
            continue;
        }
        let Some(group) = search.any_of.first() else {
            continue;
        };
        for item in group {
            let Some(field) = &item.field else {
                continue;
            };
            let Some(value) = item.values.first() else {
                continue;
            };
            let text = match value {
                vigil_sigma::ast::Value::Str(s) => s.replace(['*', '?'], ""),
                vigil_sigma::ast::Value::Int(n) => n.to_string(),
                vigil_sigma::ast::Value::Float(x) => x.to_string(),
                vigil_sigma::ast::Value::Bool(b) => b.to_string(),
                vigil_sigma::ast::Value::Null => continue,
            };
            let has = |m: &str| item.modifiers.iter().any(|x| x == m);
            let text = if has("contains") {
                format!("x {text} x")
            } else if has("startswith") {
                format!("{text} x")
            } else if has("endswith") {
                format!("x {text}")
            } else {
                text
            };
            event.insert(field.clone(), Value::String(text));
        }
    }
    Value::Object(event)
}

fn cloudtrail(c: &mut Criterion) {
    let documents = load(&["rules/cloud/aws/cloudtrail"]);
    if documents.is_empty() {
        eprintln!("skipped: no SigmaHQ corpus at {CORPUS}");
        return;
    }
    let rules: Vec<Rule> = documents
        .iter()
        .filter_map(|d| match d {
            Document::Rule(rule) => Some(rule.clone()),
            _ => None,
        })
        .collect();
    let compiled = compile(documents);
    let lines = Generator::new(1).cloudtrail(19_000);
    let mut events = ndjson(&lines);
    let crafted: Vec<Value> = rules.iter().map(crafted).collect();
    // One crafted event in twenty.
    for (i, event) in crafted.iter().cycle().take(events.len() / 19).enumerate() {
        events.insert((i * 20).min(events.len()), event.clone());
    }
    let mut scratch = Scratch::new();
    let mut out = Vec::new();
    let mut matches = 0;
    for event in &events {
        out.clear();
        compiled.evaluate_with(&mut scratch, SourceType::CloudTrail, event, &mut out);
        matches += out.len();
    }
    eprintln!(
        "cloudtrail: {} events, {matches} matches, fields read first: {:?}",
        events.len(),
        compiled.eager_fields(SourceType::CloudTrail)
    );

    let rate = per_cpu_second(events.len(), || {
        for event in &events {
            out.clear();
            compiled.evaluate_with(&mut scratch, SourceType::CloudTrail, event, &mut out);
        }
    });
    if let Some(rate) = rate {
        eprintln!("cloudtrail_57: {rate:.0} events per cpu-second");
    }

    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("cloudtrail_57", |b| {
        b.iter(|| {
            for event in &events {
                out.clear();
                compiled.evaluate_with(&mut scratch, SourceType::CloudTrail, event, &mut out);
                black_box(out.len());
            }
        })
    });
    let mut text = Vec::new();
    for event in &events {
        text.extend_from_slice(event.to_string().as_bytes());
        text.push(b'\n');
    }
    let rate = per_cpu_second(events.len(), || {
        for line in text.split(|&b| b == b'\n') {
            let Ok(event) = serde_json::from_slice::<Value>(line) else {
                continue;
            };
            out.clear();
            compiled.evaluate_with(&mut scratch, SourceType::CloudTrail, &event, &mut out);
        }
    });
    if let Some(rate) = rate {
        eprintln!("cloudtrail_57_parse: {rate:.0} events per cpu-second");
    }
    group.bench_function("cloudtrail_57_parse", |b| {
        b.iter(|| {
            for line in text.split(|&b| b == b'\n') {
                let Ok(event) = serde_json::from_slice::<Value>(line) else {
                    continue;
                };
                out.clear();
                compiled.evaluate_with(&mut scratch, SourceType::CloudTrail, &event, &mut out);
                black_box(out.len());
            }
        })
    });
    group.finish();
}

/// FortiGate `key=value` syslog to a JSON object of its pairs.
fn key_values(line: &[u8]) -> Option<Value> {
    let line = std::str::from_utf8(line).ok()?;
    let start = line.find("date=")?;
    let mut rest = &line[start..];
    let mut pairs = Map::new();
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq].trim();
        rest = &rest[eq + 1..];
        let (value, next) = match rest.strip_prefix('"') {
            Some(quoted) => {
                let end = quoted.find('"').unwrap_or(quoted.len());
                (&quoted[..end], quoted.get(end + 1..).unwrap_or(""))
            }
            None => {
                let end = rest.find(' ').unwrap_or(rest.len());
                (&rest[..end], &rest[end..])
            }
        };
        pairs.insert(key.to_owned(), Value::String(value.to_owned()));
        rest = next.trim_start();
    }
    Some(Value::Object(pairs))
}

fn mixed_events() -> Vec<(SourceType, Value)> {
    const EACH: usize = 2_000;
    let mut generator = Generator::new(3);
    let mut feeds: Vec<(SourceType, Vec<Value>)> = vec![
        (
            SourceType::ActivityTracker,
            ndjson(&generator.activity_tracker(EACH)),
        ),
        (
            SourceType::CisFirewall,
            ndjson(&generator.cis_firewall(EACH)),
        ),
        (SourceType::CisHttp, ndjson(&generator.cis_http(EACH))),
        (SourceType::Falco, ndjson(&generator.falco(EACH))),
        (SourceType::CloudTrail, ndjson(&generator.cloudtrail(EACH))),
    ];
    let fortigate = generator.firewall_syslog(EACH, FirewallVendor::FortiGate);
    let fortigate: Vec<Value> = fortigate
        .split(|&b| b == b'\n')
        .filter_map(key_values)
        .collect();
    feeds.push((SourceType::FortiGate, fortigate));
    let (_, object) = generator.flow_log_json(EACH);
    let flows = serde_json::from_slice::<Value>(&object)
        .ok()
        .and_then(|v| v.get("flow_logs").and_then(Value::as_array).cloned())
        .unwrap_or_default();
    feeds.push((SourceType::VpcFlowLog, flows));
    let mut out = Vec::new();
    for i in 0..EACH {
        for (source, events) in &feeds {
            if let Some(event) = events.get(i) {
                out.push((*source, event.clone()));
            }
        }
    }
    out
}

fn corpus_mixed(c: &mut Criterion) {
    let documents = load(&["rules", "rules-emerging-threats", "rules-threat-hunting"]);
    if documents.is_empty() {
        eprintln!("skipped: no SigmaHQ corpus at {CORPUS}");
        return;
    }
    let compiled = compile(documents);
    let events = mixed_events();
    for source in SourceType::ALL {
        let rules = compiled.rules_for(source).len();
        if rules > 0 {
            eprintln!(
                "{source}: {rules} rules, fields read first: {:?}",
                compiled.eager_fields(source)
            );
        }
    }
    let mut scratch = Scratch::new();
    let mut out = Vec::new();
    let rate = per_cpu_second(events.len(), || {
        for (source, event) in &events {
            out.clear();
            compiled.evaluate_with(&mut scratch, *source, event, &mut out);
        }
    });
    if let Some(rate) = rate {
        eprintln!("corpus_mixed: {rate:.0} events per cpu-second");
    }
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("corpus_mixed", |b| {
        b.iter(|| {
            for (source, event) in &events {
                out.clear();
                compiled.evaluate_with(&mut scratch, *source, event, &mut out);
                black_box(out.len());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, cloudtrail, corpus_mixed);
criterion_main!(benches);
