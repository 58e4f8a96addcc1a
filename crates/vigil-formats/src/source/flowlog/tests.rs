use std::sync::Arc;

use proptest::prelude::*;
use vigil_model::{ActionId, ClassUid, DirectionId, DispositionId, Native};

use super::*;

const SAMPLES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/samples/vpc-flow-logs"
);

const KEY: &str = "ibm_vpc_flowlogs_v1/account=713c783d9a507a53135fe6793c37cc74/region=us-south/vpc-id=crn%3Av1%3Abluemix%3Apublic%3Ais%3Aus-south%3Aa%2F713c783d9a507a53135fe6793c37cc74%3A%3Avpc%3Ar006-f6045065-8a82-44fc-ae1e-4817f499c9c6/subnet-id=crn%3Av1%3Abluemix%3Apublic%3Ais%3Aus-south-2%3Aa%2F713c783d9a507a53135fe6793c37cc74%3A%3Asubnet%3A0727-b3eda4c5-63a5-430e-a2e0-26f22e0d1fdb/endpoint-type=vnics/instance-id=crn%3Av1%3Abluemix%3Apublic%3Ais%3Aus-south-2%3Aa%2F713c783d9a507a53135fe6793c37cc74%3A%3Ainstance%3A0727_8a0f4f09-7b4a-4399-b7af-e96225f6ad4a/vnic-id=0727-c9ce1904-48ef-4c94-b41f-51c48ccfbee4/record-type=egress/year=2021/month=11/day=23/hour=20/stream-id=20211119T222459Z/00000006.gz";

const HEADER: &str = r#""version":"0.0.1","collector_crn":"crn:v1:bluemix:public:is:us-south:a/cdefe6d99f7ea459aacb25775fb88a33::flow-log-collector:r006-44f7c28e","attached_endpoint_type":"vnic","network_interface_id":"0737-40a0d077-c5ee-4751-8efb-65100fc07c1f","instance_crn":"crn:v1:bluemix:public:is:us-south-3:a/cdefe6d99f7ea459aacb25775fb88a33::instance:0737_507f76db","vpc_crn":"crn:v1:bluemix:public:is:us-south:a/cdefe6d99f7ea459aacb25775fb88a33::vpc:r006-acf267b4","capture_start_time":"2020-07-01T20:28:18Z","capture_end_time":"2020-07-01T20:33:18Z""#;

const FLOW: &str = r#"{"start_time":"2020-07-01T20:30:39Z","end_time":"2020-07-01T20:33:09Z","connection_start_time":"2020-07-01T20:30:39Z","direction":"O","action":"accepted","initiator_ip":"10.240.128.4","target_ip":"161.26.0.10","initiator_port":36919,"target_port":53,"transport_protocol":17,"ether_type":"IPv4","was_initiated":true,"was_terminated":false,"bytes_from_initiator":288,"packets_from_initiator":4,"bytes_from_target":441,"packets_from_target":3,"cumulative_bytes_from_initiator":288,"cumulative_packets_from_initiator":4,"cumulative_bytes_from_target":441,"cumulative_packets_from_target":3}"#;

fn object(state: &str, flows: &[&str]) -> String {
    format!(
        r#"{{{HEADER},"state":"{state}","number_of_flow_logs":{},"flow_logs":[{}]}}"#,
        flows.len(),
        flows.join(",")
    )
}

fn check_at(path: &str, text: impl Into<Bytes>) -> Output {
    let ctx = Context {
        path: Arc::from(path),
        reference_time_ms: 1_700_000_000_000,
    };
    let mut out = Output::default();
    normalize(&Record::new(path, text), &ctx, &mut out);
    out
}

fn check(text: impl Into<Bytes>) -> Output {
    check_at("flows.json", text)
}

#[test]
fn one_flow_maps_to_network_activity() {
    let out = check(object("ok", &[FLOW]));
    assert!(out.rejections.is_empty(), "{:?}", out.rejections);
    let [event] = out.events.as_slice() else {
        panic!("one event expected, got {}", out.events.len())
    };
    assert_eq!(event.class_uid, ClassUid::NetworkActivity);
    assert_eq!(event.activity_id, ActivityId::TRAFFIC);
    assert_eq!(event.source_type, SourceType::VpcFlowLog);
    assert_eq!(event.action_id, Some(ActionId::Allowed));
    assert_eq!(event.disposition_id, Some(DispositionId::ALLOWED));
    let connection = event.connection_info.as_ref().unwrap();
    assert_eq!(connection.direction_id, Some(DirectionId::Outbound));
    assert_eq!(connection.protocol_name.as_deref(), Some("udp"));
    assert_eq!(event.traffic.unwrap().bytes, Some(729));
    assert_eq!(event.provenance.index, Some(0));
    assert_eq!(&event.raw[..], FLOW.as_bytes());
    assert_eq!(event.native, Native::RawJson);
    let cloud = event.cloud.as_ref().unwrap();
    assert_eq!(cloud.zone.as_deref(), Some("us-south-3"));
    assert_eq!(cloud.region.as_deref(), Some("us-south"));
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn empty_times_fall_back_to_capture_end() {
    let flow = FLOW
        .replace(
            r#""start_time":"2020-07-01T20:30:39Z""#,
            r#""start_time":"""#,
        )
        .replace(r#""end_time":"2020-07-01T20:33:09Z""#, r#""end_time":"""#)
        .replace(r#""direction":"O""#, r#""direction":"inbound""#)
        .replace("accepted", "rejected");
    let out = check(object("ok", &[&flow]));
    let event = &out.events[0];
    assert_eq!(event.start_time, None);
    assert_eq!(event.end_time, None);
    assert_eq!(event.time, parse_rfc3339("2020-07-01T20:33:18Z").unwrap());
    assert_eq!(event.action_id, Some(ActionId::Denied));
    assert_eq!(event.disposition_id, Some(DispositionId::BLOCKED));
    let direction = event.connection_info.as_ref().unwrap().direction_id;
    assert_eq!(direction, Some(DirectionId::Inbound));
}

#[test]
fn skip_data_state_keeps_events_and_says_so() {
    let out = check(object("skip data", &[FLOW, FLOW]));
    assert_eq!(out.events.len(), 2);
    let unmapped = &out.events[1].unmapped;
    assert_eq!(unmapped["state"], "skip data");
    assert_eq!(unmapped["data_skipped"], true);
    assert_eq!(out.events[1].provenance.index, Some(1));
}

#[test]
fn bad_flow_records_are_rejected_alone() {
    let wrong_type = FLOW.replace("36919", r#""36919""#);
    let no_initiator = FLOW.replace(r#""initiator_ip":"10.240.128.4","#, "");
    let not_object = "42";
    let out = check(object(
        "ok",
        &[&wrong_type, FLOW, &no_initiator, not_object],
    ));
    assert_eq!(out.events.len(), 1);
    assert_eq!(out.events[0].provenance.index, Some(1));
    let reasons: Vec<_> = out
        .rejections
        .iter()
        .map(|r| (r.provenance.index, r.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            (Some(0), "invalid_flow_record"),
            (Some(2), "missing_field"),
            (Some(3), "invalid_flow_record")
        ]
    );
    assert_eq!(&out.rejections[0].record[..], wrong_type.as_bytes());
}

#[test]
fn empty_flow_logs_give_nothing() {
    let out = check(object("ok", &[]));
    assert!(out.events.is_empty());
    assert!(out.rejections.is_empty());
}

#[test]
fn objects_that_are_not_flow_logs_are_rejected() {
    for (text, reason) in [
        (&b"{\"version\": \"0.0.1\",}"[..], "invalid_json"),
        (b"[1, 2]", "not_flow_log_object"),
        (b"{\"version\": \"0.0.1\"}", "not_flow_log_object"),
        (b"{\"flow_logs\": null}", "not_flow_log_object"),
        (b"{\"flow_logs\": {\"a\": [1]}}", "not_flow_log_object"),
        (b"{\"flow_logs\": []} trailing", "invalid_json"),
        (b"{\"flow_logs\": [], \"x\": \"\xff\"}", "invalid_utf8"),
        (b"", "invalid_json"),
    ] {
        let out = check(Bytes::copy_from_slice(text));
        assert!(out.events.is_empty());
        let reasons: Vec<_> = out.rejections.iter().map(|r| r.reason).collect();
        assert_eq!(reasons, [reason], "{}", String::from_utf8_lossy(text));
    }
    let out = check(&b"{\"flow_logs\": [1,}"[..]);
    assert!(
        out.rejections[0].detail.contains("line 1 column"),
        "{}",
        out.rejections[0].detail
    );
}

#[test]
fn key_fills_what_the_header_lacks() {
    let bare = format!(r#"{{"flow_logs":[{FLOW}]}}"#);
    let out = check_at(&format!("/data/{KEY}"), bare);
    let event = &out.events[0];
    let device = event.device.as_ref().unwrap();
    assert!(device
        .subnet_uid
        .as_deref()
        .unwrap()
        .ends_with("subnet:0727-b3eda4c5-63a5-430e-a2e0-26f22e0d1fdb"));
    assert_eq!(
        device.interface_uid.as_deref(),
        Some("0727-c9ce1904-48ef-4c94-b41f-51c48ccfbee4")
    );
    assert_eq!(device.zone.as_deref(), Some("us-south-2"));
    let cloud = event.cloud.as_ref().unwrap();
    let account = cloud.account.as_ref().unwrap().uid.as_deref();
    assert_eq!(account, Some("713c783d9a507a53135fe6793c37cc74"));
    assert_eq!(event.unmapped["record_type"], "egress");
    // No capture window and a flow time: the flow's end time.
    assert_eq!(event.time, parse_rfc3339("2020-07-01T20:33:09Z").unwrap());

    // The header wins where both speak.
    let out = check_at(KEY, object("ok", &[FLOW]));
    let device = out.events[0].device.as_ref().unwrap();
    assert_eq!(
        device.interface_uid.as_deref(),
        Some("0737-40a0d077-c5ee-4751-8efb-65100fc07c1f")
    );
    assert_eq!(device.zone.as_deref(), Some("us-south-3"));
    insta::assert_json_snapshot!(out.events[0].to_json());
}

#[test]
fn escaped_strings_and_whitespace() {
    let flow = FLOW.replace("10.240.128.4", "10.240.\\u0031\\u0032\\u0038.4");
    let text = format!("\n {{ \"flow_logs\" : [ \n {flow} \n ] }}\n");
    let out = check(text);
    let event = &out.events[0];
    assert_eq!(
        event.src_endpoint.as_ref().unwrap().ip.as_deref(),
        Some("10.240.128.4")
    );
    assert_eq!(&event.raw[..], flow.as_bytes());
}

#[test]
fn real_samples() {
    let dir = std::path::Path::new(SAMPLES);
    if !dir.exists() {
        println!("skipped: shared samples not found at {SAMPLES}");
        return;
    }
    for (name, flows) in [
        ("ibm-flowlogger-00000003.json", 3),
        ("DERIVED-ibm-flowlogger-dump-41-flows.json", 41),
    ] {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let out = check(bytes);
        assert!(out.rejections.is_empty(), "{name}: {:?}", out.rejections);
        assert_eq!(out.events.len(), flows, "{name}");
        for event in &out.events {
            assert!(event.time > 1_500_000_000_000, "{name}");
            let json: Value = serde_json::from_slice(&event.raw).unwrap();
            assert!(json.get("initiator_ip").is_some());
        }
        if flows == 41 {
            // 23 flows carry empty start/end times.
            let untimed = out.events.iter().filter(|e| e.end_time.is_none()).count();
            assert_eq!(untimed, 23);
            insta::assert_json_snapshot!("derived_dump_first_flow", out.events[0].to_json());
        }
    }
    let invalid = std::fs::read(dir.join("ibm-docs-fl-analyze-example-INVALID-JSON.txt")).unwrap();
    let out = check(invalid);
    assert_eq!(out.events.len(), 0);
    assert_eq!(out.rejections[0].reason, "invalid_json");
    let notification =
        std::fs::read(dir.join("cos-object-write-notification-ce_data.json")).unwrap();
    let out = check(notification);
    assert_eq!(out.rejections[0].reason, "not_flow_log_object");
}

/// A JSON value for a flow record field: the right type, a wrong one, or an awkward spelling.
fn field_value() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u64..70_000).prop_map(|n| n.to_string()),
        Just("18446744073709551616".to_owned()),
        Just("-1".to_owned()),
        Just("1.5".to_owned()),
        Just("1e3".to_owned()),
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just(r#""10.0.0.1""#.to_owned()),
        Just(r#""a\u0031b""#.to_owned()),
        Just(r#""""#.to_owned()),
        Just("[1]".to_owned()),
        Just("{}".to_owned()),
    ]
}

proptest! {
    /// The direct scan and serde agree on every object: same record, or both refuse.
    #[test]
    fn scan_agrees_with_serde(
        fields in proptest::collection::vec(
            (proptest::sample::select(vec![
                "initiator_ip", "target_ip", "initiator_port", "target_port",
                "transport_protocol", "was_initiated", "bytes_from_target", "start_time",
                "ether_type", "initiator_ip",
            ]), field_value()),
            0..8,
        ),
        spaces in proptest::sample::select(vec!["", " ", "\n\t"]),
    ) {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{spaces}\"{k}\"{spaces}:{spaces}{v}"))
            .collect();
        let text = format!("{{{}{spaces}}}", body.join(","));
        let direct = record::FlowRecord::parse(&text).ok();
        let reference = serde_json::from_str::<record::FlowRecord<'_>>(&text).ok();
        prop_assert_eq!(direct, reference, "{}", text);
    }

    #[test]
    fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = check(bytes);
    }

    #[test]
    fn never_panics_on_mangled_objects(cut in 0usize..900, insert in "[\\[\\]{}\",:0-9a-z ]{0,4}") {
        let mut text = object("ok", &[FLOW, FLOW]);
        let at = cut.min(text.len());
        if text.is_char_boundary(at) {
            text.insert_str(at, &insert);
        }
        let out = check(text);
        prop_assert!(out.events.len() <= 2);
    }
}
