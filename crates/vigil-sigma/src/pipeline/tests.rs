use vigil_model::SourceType::{self, *};

use super::*;
use crate::ast::Value;

fn ls(category: Option<&str>, product: Option<&str>, service: Option<&str>) -> LogSource {
    LogSource {
        category: category.map(str::to_owned),
        product: product.map(str::to_owned),
        service: service.map(str::to_owned),
        definition: None,
    }
}

fn shipped_pipelines() -> Vec<Pipeline> {
    shipped().unwrap()
}

fn check_route(logsource: LogSource, expected: &[SourceType]) {
    assert_eq!(
        route(&logsource, &shipped_pipelines()),
        expected,
        "{logsource:?}"
    );
}

#[test]
fn shipped_pipelines_parse_and_cover_every_vigil_source() {
    let pipelines = shipped_pipelines();
    assert_eq!(pipelines.len(), SHIPPED.len());
    let routed: Vec<SourceType> = pipelines
        .iter()
        .flat_map(|p| &p.routes)
        .flat_map(|r| r.source_types.iter().copied())
        .collect();
    for source in [
        ActivityTracker,
        VpcFlowLog,
        PanOs,
        FortiGate,
        CheckPoint,
        CisFirewall,
        CisHttp,
        Sysdig,
        Falco,
        CloudTrail,
    ] {
        assert!(routed.contains(&source), "nothing routes to {source}");
    }
}

#[test]
fn routing_needs_every_rule_field_to_match_the_entry() {
    check_route(ls(None, Some("aws"), Some("cloudtrail")), &[CloudTrail]);
    // A rule that says less matches more entries.
    check_route(ls(None, Some("aws"), None), &[CloudTrail]);
    check_route(ls(None, Some("AWS"), Some("CloudTrail")), &[CloudTrail]);
    check_route(
        ls(None, Some("ibm_cloud"), None),
        &[ActivityTracker, VpcFlowLog, CisFirewall, CisHttp, Sysdig],
    );
    // A rule that says more than any entry matches none.
    check_route(ls(None, Some("aws"), Some("guardduty")), &[]);
    check_route(ls(Some("process_creation"), Some("windows"), None), &[]);
    check_route(ls(Some("network_connection"), Some("linux"), None), &[]);
    check_route(ls(Some("proxy"), None, None), &[]);
    check_route(
        ls(Some("process_creation"), Some("linux"), None),
        &[Sysdig, Falco],
    );
    check_route(
        ls(Some("firewall"), None, None),
        &[VpcFlowLog, PanOs, FortiGate, CheckPoint],
    );
    check_route(ls(Some("webserver"), None, None), &[CisHttp]);
    check_route(ls(None, Some("fortigate"), Some("event")), &[FortiGate]);
    check_route(ls(None, Some("cloudflare"), None), &[CisFirewall, CisHttp]);
    check_route(ls(None, Some("paloalto"), Some("globalprotect")), &[]);
}

#[test]
fn plans_apply_only_the_routing_pipelines_transformations() {
    let pipelines = shipped_pipelines();
    let firewall = ls(Some("firewall"), None, None);
    for source in [VpcFlowLog, PanOs, FortiGate, CheckPoint] {
        let firewall_plan = plan(&firewall, source, &pipelines);
        assert_eq!(firewall_plan.len(), 1, "{source}: {firewall_plan:?}");
        assert_eq!(
            map_field("dst_port", &firewall_plan, &pipelines),
            ["dst_endpoint.port"]
        );
        assert_eq!(map_field("action", &firewall_plan, &pipelines), ["action"]);
    }
    assert!(plan(&firewall, CloudTrail, &pipelines).is_empty());

    let fortigate_event = ls(None, Some("fortigate"), Some("event"));
    let event_plan = plan(&fortigate_event, FortiGate, &pipelines);
    let added = added_conditions(&event_plan, &pipelines);
    assert_eq!(added.len(), 1);
    assert_eq!(added[0][0].field.as_deref(), Some("type"));
    assert_eq!(added[0][0].values, [Value::Str("event".into())]);
    assert_eq!(map_field("cfgpath", &event_plan, &pipelines), ["cfgpath"]);

    let linux = ls(Some("process_creation"), Some("linux"), None);
    let falco = plan(&linux, Falco, &pipelines);
    let sysdig = plan(&linux, Sysdig, &pipelines);
    assert_eq!(
        map_field("CommandLine", &falco, &pipelines),
        ["output_fields.proc.cmdline"]
    );
    assert_eq!(map_field("CommandLine", &sysdig, &pipelines), ["cmdline"]);
    assert!(added_conditions(&falco, &pipelines).is_empty());
    assert_eq!(added_conditions(&sysdig, &pipelines).len(), 1);
}

const CHAINED: &str = r#"
name: a
priority: 1
logsources:
  - {category: test, source_types: [json]}
transformations:
  - type: field_name_mapping
    mapping: {x: [y, z]}
"#;

const CHAINED_2: &str = r#"
name: b
priority: 2
logsources:
  - {category: test, source_types: json}
transformations:
  - type: field_name_mapping
    mapping: {z: w}
    rule_conditions:
      - {type: logsource, product: nope}
      - {type: logsource, category: test}
    rule_cond_op: or
  - type: field_name_mapping
    mapping: {y: never}
    rule_conditions:
      - {type: logsource, product: nope}
      - {type: logsource, category: test}
"#;

#[test]
fn mappings_chain_in_priority_order_and_lists_fan_out() {
    let mut pipelines = vec![
        Pipeline::from_yaml(CHAINED_2).unwrap(),
        Pipeline::from_yaml(CHAINED).unwrap(),
    ];
    sort(&mut pipelines);
    assert_eq!(pipelines[0].name, "a");
    let rule = ls(Some("test"), None, None);
    let json_plan = plan(&rule, SourceType::Json, &pipelines);
    assert_eq!(json_plan, [(0, 0), (1, 0)]);
    assert_eq!(map_field("x", &json_plan, &pipelines), ["y", "w"]);
    assert_eq!(map_field("q", &json_plan, &pipelines), ["q"]);
}

#[test]
fn add_condition_keys_carry_modifiers_and_values_keep_their_type() {
    let text = r#"
name: c
logsources: [{product: p, source_types: [json]}]
transformations:
  - type: add_condition
    conditions:
      "kind|startswith": [a, b]
      n: 4
      flag: true
      gone: null
"#;
    let pipeline = Pipeline::from_yaml(text).unwrap();
    let Action::AddCondition(items) = &pipeline.transformations[0].action else {
        panic!("expected add_condition");
    };
    assert_eq!(items[0].modifiers, ["startswith"]);
    assert_eq!(items[0].values.len(), 2);
    assert_eq!(items[1].values, [Value::Int(4)]);
    assert_eq!(items[2].values, [Value::Bool(true)]);
    assert_eq!(items[3].values, [Value::Null]);
}

#[test]
fn errors_name_the_pipeline_and_the_place() {
    let check = |text: &str, expected: &str| {
        let error = Pipeline::from_yaml(text).unwrap_err().to_string();
        assert!(error.contains(expected), "{error}");
    };
    check("priority: 1", "`name` is required");
    check("name: x\nvars: {}", "pipeline `x`: unknown key `vars`");
    check(
        "name: x\nlogsources: [{product: p, source_types: [nope]}]",
        "logsources[0]: unknown source type `nope`",
    );
    check(
        "name: x\nlogsources: [{source_types: [json]}]",
        "needs `category`, `product` or `service`",
    );
    check(
        "name: x\nlogsources: [{product: p}]",
        "`source_types` is required",
    );
    check(
        "name: x\ntransformations: [{type: drop_detection_item}]",
        "transformations[0]: unsupported transformation type `drop_detection_item`",
    );
    check(
        "name: x\ntransformations: [{type: field_name_mapping, mapping: {a: []}}]",
        "`mapping.a` maps to no field",
    );
    check(
        "name: x\ntransformations: [{type: add_condition, conditions: {a: 1}, rule_conditions: [{type: processing_item_applied}]}]",
        "only `type: logsource` conditions",
    );
    check("name: x\n---\nname: y", "expected one yaml document");
    check("name: [", "invalid yaml");
    let error = shipped_with_broken_file();
    assert!(error.contains("(broken.yml)"), "{error}");
}

fn shipped_with_broken_file() -> String {
    Pipeline::from_yaml("name: broken\npriority: high")
        .unwrap_err()
        .in_file("broken.yml")
        .to_string()
}
