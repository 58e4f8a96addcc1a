//! The alert builder: correlations read group-by fields through the rule's pipeline mapping.

use vigil_detect::hunt::{AlertBuilder, Matcher};
use vigil_model::{ActivityId, ClassUid, Endpoint, Event, SourceType};
use vigil_sigma::correlation::CorrelationOptions;
use vigil_sigma::engine::{RuleSet, Scratch};

const RULES: &str = "title: ssh attempt
name: ssh_attempt
logsource:
  category: firewall
detection:
  selection:
    dst_port: 22
  condition: selection
level: low
---
title: repeated ssh attempts from one address
correlation:
  type: event_count
  rules: [ssh_attempt]
  group-by: [src_ip]
  timespan: 5m
  condition:
    gte: 3
level: high
";

fn flow(source_type: SourceType, time: i64, src: &str) -> Event {
    let mut e = Event::new(ClassUid::NetworkActivity, ActivityId::TRAFFIC, source_type);
    e.time = time;
    e.src_endpoint = Some(Box::new(Endpoint {
        ip: Some(src.into()),
        ..Endpoint::default()
    }));
    e.dst_mut().port = Some(22);
    e
}

/// Regression: a `category: firewall` correlation grouped by the taxonomy name `src_ip` read
/// the unmapped name on OCSF events and put every address in one null group.
#[test]
fn correlation_group_by_uses_the_pipeline_field_mapping() {
    let mut set = RuleSet::with_shipped_pipelines().unwrap();
    set.add_documents(
        vigil_sigma::load::load_str(RULES, "rules.yml")
            .into_iter()
            .map(Result::unwrap),
    );
    let (rules, errors) = set.build();
    assert!(errors.is_empty(), "{errors:?}");
    let matcher = Matcher::new(&rules).unwrap();
    let mut builder = AlertBuilder::new(&rules, CorrelationOptions::default()).unwrap();
    let mut scratch = Scratch::new();
    let mut alerts = Vec::new();
    // Two addresses, two attempts each, on two vendors: no group reaches three.
    let events = [
        flow(SourceType::PanOs, 1_000, "198.51.100.1"),
        flow(SourceType::FortiGate, 2_000, "198.51.100.2"),
        flow(SourceType::PanOs, 3_000, "198.51.100.1"),
        flow(SourceType::CheckPoint, 4_000, "198.51.100.2"),
    ];
    for event in events {
        let matched = matcher
            .match_event(&event, &mut scratch)
            .expect("the rule matches");
        assert!(
            matched.alerts.is_empty(),
            "the base rule only feeds the correlation"
        );
        builder.push(matched, &mut alerts);
    }
    assert!(alerts.is_empty(), "{alerts:#?}");
    let third = flow(SourceType::FortiGate, 5_000, "198.51.100.1");
    let matched = matcher.match_event(&third, &mut scratch).unwrap();
    builder.push(matched, &mut alerts);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let correlation = alerts[0].correlation.as_ref().unwrap();
    assert_eq!(
        correlation.group,
        [("src_ip".to_owned(), Some("198.51.100.1".to_owned()))]
    );
    assert_eq!(alerts[0].evidence.len(), 3);
}

/// A pipeline that restarts between the second and third attempt still fires: the snapshot
/// carries the open window, serialized through JSON as the state store keeps it.
#[test]
fn a_restored_builder_resumes_open_windows() {
    let mut set = RuleSet::with_shipped_pipelines().unwrap();
    set.add_documents(
        vigil_sigma::load::load_str(RULES, "rules.yml")
            .into_iter()
            .map(Result::unwrap),
    );
    let (rules, errors) = set.build();
    assert!(errors.is_empty(), "{errors:?}");
    let matcher = Matcher::new(&rules).unwrap();
    let mut scratch = Scratch::new();
    let mut alerts = Vec::new();
    let mut builder = AlertBuilder::new(&rules, CorrelationOptions::default()).unwrap();
    for time in [1_000, 2_000] {
        let matched = matcher
            .match_event(&flow(SourceType::PanOs, time, "198.51.100.7"), &mut scratch)
            .unwrap();
        builder.push(matched, &mut alerts);
    }
    let snapshot = builder.snapshot();
    assert_eq!(snapshot.next_event_id, 2);
    drop(builder);
    let text = serde_json::to_string(&snapshot).unwrap();
    let snapshot: vigil_detect::hunt::AlertBuilderSnapshot = serde_json::from_str(&text).unwrap();

    let mut builder =
        AlertBuilder::restore(&rules, CorrelationOptions::default(), &snapshot).unwrap();
    let matched = matcher
        .match_event(
            &flow(SourceType::PanOs, 3_000, "198.51.100.7"),
            &mut scratch,
        )
        .unwrap();
    builder.push(matched, &mut alerts);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let correlation = alerts[0].correlation.as_ref().unwrap();
    assert_eq!(correlation.events, 3);
    assert_eq!(correlation.window_start, 1_000);
    // Evidence is not part of the snapshot: only the event seen after the restart is cited.
    assert_eq!(alerts[0].evidence.len(), 1);

    // Without the snapshot the third attempt alone fires nothing.
    let mut fresh = AlertBuilder::new(&rules, CorrelationOptions::default()).unwrap();
    let mut none = Vec::new();
    let matched = matcher
        .match_event(
            &flow(SourceType::PanOs, 3_000, "198.51.100.7"),
            &mut scratch,
        )
        .unwrap();
    fresh.push(matched, &mut none);
    assert!(none.is_empty());
}
