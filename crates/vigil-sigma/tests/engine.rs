//! The engine end to end: YAML rules, filters and the shipped pipelines over hand-written
//! events of each Vigil source, and the routing gate over the whole SigmaHQ corpus.
//!
//! The corpus is the copy in `shared/sigma`; without it the corpus tests print `skipped: …`
//! and pass.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::json;
use vigil_model::{ActivityId, ClassUid, Cloud, Endpoint, Event, Native, SourceType};
use vigil_sigma::ast::{Document, LogSource};
use vigil_sigma::doc::EventDocument;
use vigil_sigma::engine::{CompiledRuleSet, EngineOptions, RuleSet};
use vigil_sigma::load::load_str;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/sigma");
const FOLDERS: [&str; 3] = ["rules", "rules-emerging-threats", "rules-threat-hunting"];

fn build(yaml: &str) -> CompiledRuleSet {
    let mut set = RuleSet::with_shipped_pipelines().unwrap();
    for document in load_str(yaml, "test") {
        set.add_document(document.unwrap());
    }
    let (compiled, errors) = set.build();
    assert!(errors.is_empty(), "{errors:?}");
    compiled
}

fn titles(
    set: &CompiledRuleSet,
    source: SourceType,
    doc: &dyn vigil_sigma::doc::Document,
) -> Vec<String> {
    let mut out = Vec::new();
    set.evaluate(source, doc, &mut out);
    out.iter()
        .map(|m| set.rules()[m.rule_index].meta.title.clone())
        .collect()
}

/// IBM rules of the kind Vigil ships, plus generic ones the pipelines map.
const RULES: &str = r#"
title: ibm api key created
id: 0a6f5f57-7a3c-4b5e-9a35-3f8e9e6f0001
author: vigil
logsource: {product: ibm_cloud, service: activity_tracker}
detection:
  selection:
    action: iam-identity.apikey.create
    outcome: success
  condition: selection
level: medium
---
title: cross-source api key creation
logsource: {product: ibm_cloud, service: activity_tracker}
detection:
  selection:
    ocsf.api.operation|endswith: apikey.create
  condition: selection
---
title: ssh from the internet
logsource: {category: firewall}
detection:
  selection:
    dst_port: 22
  internal:
    src_ip|cidr: 10.0.0.0/8
  condition: selection and not internal
---
title: rejected flow to database port
logsource: {product: ibm_cloud, service: vpc_flow_logs}
detection:
  selection:
    action: rejected
    target_port: [3306, 5432]
  condition: selection
---
title: path traversal
logsource: {category: webserver}
detection:
  selection:
    cs-uri-query|contains: '/../'
  condition: selection
---
title: recon command in a container
logsource: {product: linux, category: process_creation}
detection:
  selection:
    Image|endswith: [/whoami, /id]
  condition: selection
---
title: office scanner
logsource: {category: firewall}
filter:
  rules: any
  selection:
    src_ip: 203.0.113.50
  condition: not selection
"#;

fn event(class: ClassUid, source: SourceType) -> Event {
    Event::new(class, ActivityId::UNKNOWN, source)
}

fn raw_json(event: &mut Event, record: serde_json::Value) {
    event.raw = record.to_string().into_bytes().into();
    event.native = Native::RawJson;
}

#[test]
fn activity_tracker_rules_read_cadf_names_and_ocsf_paths() {
    let set = build(RULES);
    let mut at = event(ClassUid::ApiActivity, SourceType::ActivityTracker);
    raw_json(
        &mut at,
        json!({"action": "iam-identity.apikey.create", "outcome": "success",
               "initiator": {"name": "alice@example.com"}}),
    );
    at.api = Some(Box::new(vigil_model::Api {
        operation: "iam-identity.apikey.create".into(),
        ..Default::default()
    }));
    at.cloud = Some(Arc::new(Cloud {
        provider: "IBM".into(),
        ..Default::default()
    }));
    let doc = EventDocument::new(&at);
    assert_eq!(
        titles(&set, SourceType::ActivityTracker, &doc),
        ["ibm api key created", "cross-source api key creation"]
    );
    // The same event read as CloudTrail runs none of them.
    assert!(titles(&set, SourceType::CloudTrail, &doc).is_empty());
}

#[test]
fn firewall_rules_run_on_every_firewall_source_through_ocsf() {
    let set = build(RULES);
    let flow = |source: SourceType, src: &str, port: u16| {
        let mut e = event(ClassUid::NetworkActivity, source);
        e.src_endpoint = Some(Box::new(Endpoint {
            ip: Some(src.into()),
            ..Endpoint::default()
        }));
        e.dst_mut().port = Some(port);
        e
    };
    for source in [
        SourceType::PanOs,
        SourceType::FortiGate,
        SourceType::CheckPoint,
        SourceType::VpcFlowLog,
    ] {
        let outside = flow(source, "198.51.100.7", 22);
        assert_eq!(
            titles(&set, source, &EventDocument::new(&outside)),
            ["ssh from the internet"],
            "{source}"
        );
        let inside = flow(source, "10.1.2.3", 22);
        assert!(titles(&set, source, &EventDocument::new(&inside)).is_empty());
        let scanner = flow(source, "203.0.113.50", 22);
        assert!(
            titles(&set, source, &EventDocument::new(&scanner)).is_empty(),
            "the `rules: any` filter covers firewall rules on {source}"
        );
    }
    let cis = flow(SourceType::CisFirewall, "198.51.100.7", 22);
    assert!(titles(&set, SourceType::CisFirewall, &EventDocument::new(&cis)).is_empty());
}

#[test]
fn flow_log_product_rules_read_the_flow_record() {
    let set = build(RULES);
    let mut e = event(ClassUid::NetworkActivity, SourceType::VpcFlowLog);
    raw_json(
        &mut e,
        json!({"initiator_ip": "198.51.100.7", "target_ip": "10.240.0.4",
               "target_port": 5432, "action": "rejected"}),
    );
    assert_eq!(
        titles(&set, SourceType::VpcFlowLog, &EventDocument::new(&e)),
        ["rejected flow to database port"]
    );
}

#[test]
fn webserver_rules_run_on_cis_http_requests_only() {
    let set = build(RULES);
    let record = json!({"ClientIP": "198.51.100.7", "ClientRequestMethod": "GET",
                        "ClientRequestURI": "/static/../../etc/passwd", "EdgeResponseStatus": 404});
    let mut http = event(ClassUid::HttpActivity, SourceType::CisHttp);
    raw_json(&mut http, record.clone());
    assert_eq!(
        titles(&set, SourceType::CisHttp, &EventDocument::new(&http)),
        ["path traversal"]
    );
    let mut waf = event(ClassUid::DetectionFinding, SourceType::CisFirewall);
    raw_json(&mut waf, record);
    assert!(titles(&set, SourceType::CisFirewall, &EventDocument::new(&waf)).is_empty());
}

#[test]
fn linux_process_rules_run_on_falco_and_sysdig_under_their_names() {
    let set = build(RULES);
    let mut falco = event(ClassUid::DetectionFinding, SourceType::Falco);
    raw_json(
        &mut falco,
        json!({"rule": "Terminal shell in container", "priority": "Notice",
               "output_fields": {"proc.exepath": "/usr/bin/whoami", "proc.cmdline": "whoami"}}),
    );
    assert_eq!(
        titles(&set, SourceType::Falco, &EventDocument::new(&falco)),
        ["recon command in a container"]
    );
    let sysdig_record = |kind: &str| {
        let mut e = event(ClassUid::ProcessActivity, SourceType::Sysdig);
        raw_json(
            &mut e,
            json!({"type": kind, "cmdline": "id -u", "procExepath": "/usr/bin/id", "comm": "id"}),
        );
        e
    };
    let command = sysdig_record("command");
    assert_eq!(
        titles(&set, SourceType::Sysdig, &EventDocument::new(&command)),
        ["recon command in a container"]
    );
    let other = sysdig_record("fileaccess");
    assert!(titles(&set, SourceType::Sysdig, &EventDocument::new(&other)).is_empty());
}

// --- the routing gate over the SigmaHQ corpus -----------------------------------------------

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

/// Every loadable document of the corpus, or `None` when the corpus is not there.
fn corpus() -> Option<Vec<Document>> {
    let root = Path::new(CORPUS);
    if !root.join("rules").is_dir() {
        eprintln!("skipped: no SigmaHQ corpus at {}", root.display());
        return None;
    }
    let mut files = Vec::new();
    for folder in FOLDERS {
        yaml_files(&root.join(folder), &mut files);
    }
    files.sort();
    let mut documents = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        documents.extend(
            load_str(&text, &file.display().to_string())
                .into_iter()
                .flatten(),
        );
    }
    Some(documents)
}

fn is_aws_cloudtrail(logsource: &LogSource) -> bool {
    logsource.product.as_deref() == Some("aws")
        && logsource.service.as_deref() == Some("cloudtrail")
}

#[test]
fn cloudtrail_input_only_ever_runs_the_aws_cloudtrail_rules() {
    let Some(documents) = corpus() else {
        return;
    };
    assert_eq!(documents.len(), 3_754);
    let mut set = RuleSet::with_shipped_pipelines().unwrap();
    set.add_documents(documents);
    let (compiled, errors) = set.build();
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    // The two rules whose `expand` placeholders no configuration resolves (the spec says
    // such rules must be rejected).
    assert_eq!(errors.len(), 2, "{messages:#?}");
    assert!(
        messages
            .iter()
            .all(|m| m.contains("unresolved_placeholder")),
        "{messages:#?}"
    );

    let routed = compiled.rules_for(SourceType::CloudTrail);
    let aws: Vec<usize> = (0..compiled.rules().len())
        .filter(|&i| is_aws_cloudtrail(&compiled.rules()[i].logsource))
        .collect();
    assert_eq!(routed, aws);
    assert_eq!(routed.len(), 57);

    let mut generator = vigil_sim::Generator::new(7);
    let events: Vec<serde_json::Value> = generator
        .cloudtrail(5_000)
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| serde_json::from_slice(line).unwrap())
        .collect();
    let mut matches = Vec::new();
    for event in &events {
        compiled.evaluate(SourceType::CloudTrail, event, &mut matches);
    }
    assert!(
        !matches.is_empty(),
        "the simulated estate stops a trail now and then"
    );
    for found in &matches {
        let rule = &compiled.rules()[found.rule_index];
        assert!(
            is_aws_cloudtrail(&rule.logsource),
            "{} fired on cloudtrail",
            rule.meta.title
        );
    }

    // Without routing, rules written for other products fire on the same events (the network
    // rules, to keep this test quick: Zeek's "Publicly Accessible RDP Service" matches every
    // CloudTrail event, having none of the fields its filter needs).
    let network: Vec<Document> = corpus()
        .unwrap_or_default()
        .into_iter()
        .filter(|document| match document {
            Document::Rule(rule) => {
                is_aws_cloudtrail(&rule.logsource)
                    || matches!(rule.logsource.product.as_deref(), Some("zeek" | "cisco"))
            }
            _ => false,
        })
        .collect();
    let mut everywhere = RuleSet::with_shipped_pipelines().unwrap();
    everywhere.add_documents(network).options(EngineOptions {
        ignore_logsource: true,
        ..EngineOptions::default()
    });
    let (everywhere, _) = everywhere.build();
    let mut unrouted = Vec::new();
    for event in &events {
        everywhere.evaluate(SourceType::CloudTrail, event, &mut unrouted);
    }
    let foreign = unrouted
        .iter()
        .filter(|m| !is_aws_cloudtrail(&everywhere.rules()[m.rule_index].logsource))
        .count();
    eprintln!(
        "routed: {} matches; ignoring logsources: {} matches, {foreign} from other products' rules",
        matches.len(),
        unrouted.len()
    );
    assert!(foreign > 0);
}
