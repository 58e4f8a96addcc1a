use vigil_model::{ActivityId, ClassUid, DispositionId, StatusId};

use super::*;

/// 2024-01-05T00:00:00Z.
const REFERENCE_MS: i64 = 1_704_412_800_000;

fn context() -> Context {
    Context {
        path: "checkpoint.log".into(),
        reference_time_ms: REFERENCE_MS,
    }
}

fn run(line: &str) -> Output {
    let mut out = Output::default();
    normalize(
        &Record::new("checkpoint.log", line.to_owned()),
        &context(),
        &mut out,
    );
    out
}

/// The one event `line` gives, checked for the attributes its class requires.
fn event(line: &str) -> Event {
    let mut out = run(line);
    assert!(out.rejections.is_empty(), "{:?}", out.rejections);
    assert_eq!(out.events.len(), 1);
    let event = out.events.remove(0);
    assert_required(&event);
    event
}

fn assert_required(event: &Event) {
    let json = event.to_json();
    for path in event.class_uid.required_attributes() {
        assert!(!json[path].is_null(), "{path} missing: {json:#}");
    }
    assert!(json["time"].as_i64().is_some());
    assert_eq!(json["metadata"]["product"]["vendor_name"], "Check Point");
}

// Fixtures below are written from the Log Exporter field reference; addresses are from the
// documentation ranges.

#[test]
fn accepted_connection_with_nat() {
    let line = r#"<134>1 2024-01-04T10:00:00Z mgmt-1 CheckPoint 1930 - [action:"Accept"; conn_direction:"Outgoing"; ifdir:"inbound"; ifname:"eth1"; loguid:"{0x1,0x2,0x3,0x4}"; origin:"192.0.2.1"; originsicname:"cn=gw-edge,o=mgmt-1..abcd"; time:"1704362400"; version:"5"; __policy_id_tag:"product=VPN-1 & FireWall-1[db_tag={X};policy_name=Standard\]"; dst:"198.51.100.20"; inzone:"Internal"; outzone:"External"; layer_name:"Network"; layer_name:"Application"; rule_name:"Web out"; rule_uid:"1fde807b-6300-4b1a-914f-f1c1f3e2e7d2"; product:"VPN-1 & FireWall-1"; proto:"6"; s_port:"51515"; service:"443"; service_id:"https"; src:"10.0.0.5"; xlatesrc:"203.0.113.9"; xlatesport:"40000"; xlatedst:"0.0.0.0"; xlatedport:"0"; client_outbound_bytes:"1200"; client_inbound_bytes:"5600"]"#;
    let event = event(line);
    assert_eq!(event.class_uid, ClassUid::NetworkActivity);
    assert_eq!(event.native.pair("layer_name"), Some("Network"));
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn dropped_connection_without_pri() {
    let line = r#"1 2019-05-15T16:25:50Z fw-host CheckPoint 19710 - [action:"Drop"; ifdir:"inbound"; ifname:"eth2"; origin:"192.0.2.1"; originsicname:"CN=fw-b,O=mgmt..x1"; time:"1557937550"; rule_action:"Drop"; rule_name:"CleanUp Rule"; proto:"17"; s_port:"55036"; service:"1514"; src:"203.0.113.77"; dst:"192.0.2.55"; tcp_packet_out_of_state:" "; ]"#;
    let event = event(line);
    assert_eq!(event.class_uid, ClassUid::NetworkActivity);
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn ips_detection() {
    let line = r#"<134>1 2024-01-04T11:00:00Z mgmt-1 CheckPoint 2000 - [action:"Prevent"; origin:"192.0.2.1"; time:"1704366000"; product:"IPS"; protection_name:"Apache Log4j Remote Code Execution (CVE-2021-44228)"; protection_id:"asm_dynamic_prop_CVE_2021_44228"; protection_type:"IPS"; severity:"4"; confidence_level:"5"; attack_info:"Remote code execution via JNDI lookup"; src:"203.0.113.50"; dst:"10.0.0.8"; proto:"6"; s_port:"40123"; service:"8080"; resource:"http://10.0.0.8:8080/?q=${jndi:ldap://x}"; mitre_initial_access:"T1190"]"#;
    let event = event(line);
    assert_eq!(event.class_uid, ClassUid::DetectionFinding);
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn failed_administrator_login() {
    let line = r#"<134>1 2023-12-27T09:39:55Z mgmt-1 CheckPoint 10547 - [action:"Accept"; origin:"192.0.2.1"; originsicname:"cn=cp_mgmt,o=mgmt-1.example.test"; time:"1703669995"; additional_info:"Administrator failed to log in: Wrong Password"; administrator:"ops@example.test"; audit_status:"Failure"; client_ip:"198.51.100.213"; machine:"laptop-7.example.test"; operation:"Log In"; operation_number:"11"; product:"SmartConsole"; subject:"Administrator Login"]"#;
    let event = event(line);
    assert_eq!(event.class_uid, ClassUid::Authentication);
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn logout_under_a_login_subject() {
    let line = r#"<134>1 2023-12-29T13:42:04Z mgmt-1 CheckPoint 10547 - [action:"Accept"; administrator:"ops"; client_ip:"127.0.0.1"; machine:"localhost"; operation:"Log Out"; operation_number:"12"; product:"WEB_API"; subject:"Administrator Login"]"#;
    let event = event(line);
    assert_eq!(event.activity_id, ActivityId::LOGOFF);
    assert_eq!(event.status_id, Some(StatusId::Success));
    let src = event.src_endpoint.unwrap_or_default();
    assert_eq!(src.ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(src.hostname.as_deref(), Some("localhost"));
}

#[test]
fn audit_rule_change() {
    let line = r#"<134>1 2024-01-04T04:26:20Z mgmt-1 CheckPoint 13885 - [action:"Accept"; origin:"192.0.2.1"; originsicname:"cn=cp_mgmt,o=mgmt-1..aw4c"; time:"1704342380"; administrator:"alice"; advanced_changes:" "; client_ip:"198.51.100.4"; fieldschanges:"Destination: Added 'core_switches'"; objectname:"ospf rule"; objecttype:"Access Control Rule"; operation:"Modify Rule"; product:"SmartConsole"; session_uid:"565dc65a-1c9f-43b2-8d71-4b4c7c311c71"; subject:"Object Manipulation"; uid:"9cd56553-3079-4873-8f19-46bee168b44a"]"#;
    let event = event(line);
    assert_eq!(event.class_uid, ClassUid::EntityManagement);
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn audit_activities_from_operation() {
    for (operation, activity, name) in [
        ("Create Rule", ActivityId::CREATE, None),
        ("Delete Host", ActivityId::DELETE, None),
        ("IPS Update", ActivityId::UPDATE, None),
        ("Publish", ActivityId::OTHER, Some("Publish")),
    ] {
        let line = format!(
            r#"<134>1 2024-01-02T14:18:04Z m CheckPoint 1 - [administrator:"System"; operation:"{operation}"; product:"SmartConsole"; subject:"Revision Control"]"#
        );
        let event = event(&line);
        assert_eq!(event.class_uid, ClassUid::EntityManagement, "{operation}");
        assert_eq!(event.activity_id, activity, "{operation}");
        assert_eq!(event.activity_name.as_deref(), name, "{operation}");
    }
}

#[test]
fn system_monitor_is_a_complete_base_event() {
    let line = r#"<134>1 2020-03-29T13:19:20Z gw-1 CheckPoint 1930 - [flags:"133440"; ifdir:"inbound"; ifname:"daemon"; loguid:"{0x5e80a059,0x0,0x6401a8c0,0x3c7878a}"; origin:"192.0.2.100"; sequencenum:"1"; version:"5"; product:"System Monitor"; sys_message::"The eth0 interface is not protected by the anti-spoofing feature"]"#;
    let event = event(line);
    assert_eq!(event.class_uid, ClassUid::Base);
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn cef_form() {
    let line = r"<134>Jan  4 10:00:00 mgmt-1 CEF:0|Check Point|VPN-1 & FireWall-1|Check Point|Log|https|Unknown|act=Drop deviceDirection=1 rt=1704362400123 spt=49363 dpt=443 cs2=Block bad cs2Label=Rule Name layer_name=Network ifname=eth0 loguid={0x1,0x1,0x2,0x3} origin=192.0.2.254 originsicname=CN\=gw-2,O\=mgmt..6u6bdo dst=198.51.100.157 inzone=Internal outzone=External product=VPN-1 & FireWall-1 proto=6 service_id=https src=10.1.1.100";
    let event = event(line);
    assert_eq!(event.class_uid, ClassUid::NetworkActivity);
    assert_eq!(event.native.pair("Rule Name"), Some("Block bad"));
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn truncated_records_still_normalize() {
    let event = event(r#"1 2019-05-15T16:27:08Z h CheckPoint 19710 - [action:"Detect";..."#);
    assert_eq!(event.class_uid, ClassUid::Base);
    assert_eq!(event.disposition_id, Some(DispositionId::DETECTED));
    assert_eq!(event.message.as_deref(), Some("Detect"));
    assert_eq!(event.time, 1_557_937_628_000);
}

#[test]
fn records_that_are_not_check_point_are_rejected() {
    for line in [
        "",
        "   ",
        "hello world",
        "<14>Apr  8 01:47:32 host app: message",
        r#"<165>1 2003-10-11T22:14:15.003Z host app 1 ID [exampleSDID@32473 iut="3"] msg"#,
        "CEF:0|Palo Alto Networks|PAN-OS|9.1|TRAFFIC|end|3|src=1.2.3.4",
        "CEF:0|Check Point|truncated",
    ] {
        let out = run(line);
        assert!(out.events.is_empty(), "{line}");
        assert_eq!(out.rejections.len(), 1, "{line}");
        assert_eq!(out.rejections[0].reason, "not_checkpoint", "{line}");
    }
}

#[test]
fn invalid_utf8_is_replaced_and_raw_kept() {
    let mut bytes =
        br#"1 2019-05-15T16:25:50Z h CheckPoint 1 - [action:"Drop"; src:"10.0.0.1"; user:""#
            .to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe]);
    bytes.extend_from_slice(br#""]"#);
    let mut out = Output::default();
    normalize(&Record::new("t", bytes.clone()), &context(), &mut out);
    assert_eq!(out.events.len(), 1);
    assert_eq!(out.events[0].raw.as_ref(), bytes.as_slice());
    assert_eq!(out.events[0].native.pair("user"), Some("\u{fffd}\u{fffd}"));
}

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/samples");

/// Every real record normalizes; the class, activity, status and action of each are pinned in a
/// snapshot (no record content is copied into the repository).
#[test]
fn every_real_record_normalizes() {
    let dir = format!("{SAMPLES}/checkpoint");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("skipped: shared samples not found at {dir}");
        return;
    };
    let mut files: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".log") || name.ends_with(".cef"))
        .collect();
    files.sort();
    let mut summary = Vec::new();
    for file in &files {
        let bytes = std::fs::read(format!("{dir}/{file}")).unwrap_or_default();
        for (index, line) in bytes.split(|b| *b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let mut out = Output::default();
            let record = Record::new(file, bytes::Bytes::copy_from_slice(line));
            normalize(&record, &context(), &mut out);
            assert!(
                out.rejections.is_empty(),
                "{file}:{}: {:?}",
                index + 1,
                out.rejections
            );
            let event = &out.events[0];
            assert_required(event);
            assert_ne!(event.time, REFERENCE_MS, "{file}:{}: no time", index + 1);
            if event.class_uid != ClassUid::NetworkActivity {
                assert!(event.message.is_some(), "{file}:{}: no message", index + 1);
            }
            assert!(event.device.is_some(), "{file}:{}: no device", index + 1);
            summary.push(format!(
                "{file}:{} {} {} status={} action={} disposition={}",
                index + 1,
                event.class_uid.uid(),
                event.activity_caption(),
                event.status_id.map_or("-", StatusId::name),
                event.action_id.map_or("-", |a| a.name()),
                event.disposition_id.map_or("-", |d| d.name()),
            ));
        }
    }
    insta::assert_snapshot!(summary.join("\n"));
}

proptest::proptest! {
    #[test]
    fn never_panics(line in "\\PC*") {
        let _ = run(&line);
    }

    #[test]
    fn never_panics_with_check_point_shapes(
        prefix in proptest::sample::select(vec![
            "<134>1 2020-03-29T13:19:22Z gw CheckPoint 1 - [",
            "1 2019-05-15T16:25:50Z h CheckPoint 1 - [action:\"",
            "CEF:0|Check Point|VPN-1|x|Log|y|Unknown|",
        ]),
        rest in "[ -~\\\\\":;\\]=é\t]{0,100}",
    ) {
        let _ = run(&format!("{prefix}{rest}"));
    }
}
