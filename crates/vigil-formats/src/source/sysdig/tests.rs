use proptest::prelude::*;
use vigil_model::{ClassUid, DirectionId, DispositionId, Native, SeverityId};

use super::*;

const SAMPLES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/samples/sysdig-secure"
);

/// A current runtime policy event: a failed capture, a doubly escaped `\\u003cNA\\u003e` in the
/// output (as real forwarded events carry), GCP labels.
const RUNTIME: &str = r#"{"id":"17e04791d768c4ab","type":"policy","timestamp":1720453749365327019,"originator":"policy","category":"runtime","source":"syscall","name":"Sysdig Runtime Notable Events","severity":5,"containerId":"8736272bd5fb","machineId":"7c:1e:52:0b:2b:61","actions":[{"type":"POLICY_ACTION_CAPTURE","successful":false,"errMsg":"maximum number of outstanding captures (1) reached"}],"content":{"policyId":42,"ruleName":"Drop and execute new binary in container","ruleTags":["container","MITRE_T1525_implant_internal_image","MITRE_TA0003_persistence"],"output":"Executing binary ruby (fd.name=\\u003cNA\\u003e proc.cmdline=ruby /opt/x.rb)","fields":{"container.name":"ama-logs","proc.cmdline":"ruby /opt/x.rb","proc.exepath":"/usr/bin/ruby","proc.name":"ruby","proc.pid":"2817268","proc.pname":"livenessprobe.s","proc.ppid":"2817253","user.name":"root","user.uid":"0","proc.anames":["runc","containerd-shim"]}},"labels":{"cloudProvider.account.id":"289645096542","cloudProvider.name":"gcp","cloudProvider.region":"us-central1","gcp.availabilityZone":"us-central1-c","host.hostName":"gke-node-1","kubernetes.cluster.name":"demo","kubernetes.pod.name":"ama-logs-cxhbd","container.image.repo":"mcr.microsoft.com/azuremonitor/ciprod"}}"#;

/// A legacy policy event: flat, `fields[]` and `eventLabels[]` lists, µs timestamp, a
/// successful kill.
const LEGACY: &str = r#"{"id":"164ace360cc3cfbc","name":"Notable Filesystem Changes","severity":0,"policyId":544,"actionResults":[{"type":"POLICY_ACTION_KILL","successful":true}],"output":"File below /etc opened for writing (user=root command=touch /etc/ard)","fields":[{"key":"proc.name","value":"touch"},{"key":"falco.rule","value":"Write below etc"},{"key":"container.id","value":"host"},{"key":"user.name","value":"root"}],"eventLabels":[{"key":"host.hostName","value":"ardbox"}],"timestamp":1606322948648718,"timestampNs":1606322948648718268,"hostMac":"08:00:27:54:f3:9d"}"#;

fn check(text: &str) -> Output {
    let ctx = Context {
        path: "sysdig.json".into(),
        reference_time_ms: 1_700_000_000_000,
    };
    let mut out = Output::default();
    normalize(&Record::new("sysdig.json", text.to_owned()), &ctx, &mut out);
    out
}

fn one(text: &str) -> Event {
    let mut out = check(text);
    assert!(out.rejections.is_empty(), "{:?}", out.rejections);
    assert_eq!(out.events.len(), 1, "{text}");
    out.events.remove(0)
}

#[test]
fn runtime_policy_event() {
    let event = one(RUNTIME);
    assert_eq!(event.class_uid, ClassUid::DetectionFinding);
    assert_eq!(event.severity_id, SeverityId::Medium);
    assert_eq!(
        event.disposition_id,
        Some(DispositionId::ALERT),
        "failed capture"
    );
    assert_eq!(event.time, 1_720_453_749_365);
    let info = event.finding_info.as_ref().unwrap();
    assert_eq!(info.title, "Drop and execute new binary in container");
    assert!(info.desc.as_deref().unwrap().contains("fd.name=<NA> "));
    assert_eq!(event.attacks.len(), 1);
    let cloud = event.cloud.as_ref().unwrap();
    assert_eq!(cloud.provider, "GCP");
    assert_eq!(cloud.zone.as_deref(), Some("us-central1-c"));
    assert_eq!(event.native, Native::RawJson);
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn legacy_policy_event() {
    let event = one(LEGACY);
    assert_eq!(event.severity_id, SeverityId::High);
    assert_eq!(event.disposition_id, Some(DispositionId::BLOCKED));
    assert_eq!(event.time, 1_606_322_948_648);
    assert_eq!(
        event.finding_info.as_ref().unwrap().title,
        "Write below etc"
    );
    let device = event.device.as_ref().unwrap();
    assert_eq!(device.hostname.as_deref(), Some("ardbox"));
    assert!(device.container.is_none(), "`host` is no container");
    assert_eq!(
        event.metadata.log_name.as_deref(),
        Some("legacy_policy_events")
    );
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn severity_scales() {
    let cases = [
        (0, SeverityId::High),
        (3, SeverityId::High),
        (4, SeverityId::Medium),
        (6, SeverityId::Low),
        (7, SeverityId::Informational),
        (30, SeverityId::Informational),
        (40, SeverityId::Low),
        (60, SeverityId::Medium),
        (70, SeverityId::High),
        (100, SeverityId::High),
        (101, SeverityId::Unknown),
        (-1, SeverityId::Unknown),
    ];
    for (n, expected) in cases {
        assert_eq!(severity(Some(&Value::from(n))), expected, "{n}");
    }
    assert_eq!(severity(Some(&Value::from("5"))), SeverityId::Medium);
    assert_eq!(severity(None), SeverityId::Unknown);
}

#[test]
fn arrays_pages_and_syslog() {
    let array = format!("[{RUNTIME}, {LEGACY}, 7]");
    let out = check(&array);
    assert_eq!(out.events.len(), 2);
    assert_eq!(out.events[1].provenance.index, Some(1));
    assert_eq!(&out.events[1].raw[..], LEGACY.as_bytes());
    assert_eq!(out.rejections.len(), 1);
    assert_eq!(out.rejections[0].provenance.index, Some(2));

    let page = format!(r#"{{"page": {{"total": 1}}, "data": [{LEGACY}]}}"#);
    let out = check(&page);
    assert_eq!(out.events.len(), 1);
    assert_eq!(&out.events[0].raw[..], LEGACY.as_bytes());

    let line = format!("<14>1 2024-07-08T15:49:09Z sysdig-forwarder - - - - {RUNTIME}");
    let event = one(&line);
    assert!(matches!(event.native, Native::Json(_)));
    assert_eq!(&event.raw[..], line.as_bytes());
}

#[test]
fn activity_audit_kinds() {
    let connection = r#"{"id":"1648","clientIpv4":2886795285,"clientPort":60720,"comm":"kubectl","containerId":"da3abd373c7a","direction":"out","dnsDomains":["api.example.com"],"l4protocol":6,"pid":2452,"serverIpv4":174063617,"serverPort":443,"timestamp":1606322948648718268,"type":"connection","labels":{"host.hostName":"ip-172-20-46-221","aws.accountId":"059797578166","aws.region":"us-east-1"}}"#;
    let event = one(connection);
    assert_eq!(event.class_uid, ClassUid::NetworkActivity);
    assert_eq!(
        event.src_endpoint.as_ref().unwrap().ip.as_deref(),
        Some("172.17.0.21")
    );
    assert_eq!(
        event.dst_endpoint.as_ref().unwrap().ip.as_deref(),
        Some("10.96.0.1")
    );
    let direction = event.connection_info.as_ref().unwrap().direction_id;
    assert_eq!(direction, Some(DirectionId::Outbound));
    assert_eq!(event.cloud.as_ref().unwrap().provider, "AWS");

    let file = r#"{"id":"1649","containerId":"a407fb17332b","directory":"/var/lib/dpkg/updates/","filename":"tmp.i","hostname":"qa-k8smetrics","permissions":"w","pid":414661,"comm":"dpkg","timestamp":1606322948648718268,"type":"fileaccess"}"#;
    let event = one(file);
    assert_eq!(event.class_uid, ClassUid::FileSystemActivity);
    let file = event.file.as_ref().unwrap();
    assert_eq!(file.path.as_deref(), Some("/var/lib/dpkg/updates/tmp.i"));
    assert_eq!(file.name.as_deref(), Some("tmp.i"));
    assert_eq!(event.unmapped["permissions"], "w");
    assert_eq!(
        event.device.as_ref().unwrap().hostname.as_deref(),
        Some("qa-k8smetrics")
    );

    let exec = r#"{"id":"1650","args":{"command":"bash","container":"nginx"},"auditId":"c474d1de","containerId":"397be1762fba","hostname":"qa-k8smetrics","name":"nginx-76f9","namespace":"nginx","resource":"pods","sourceAddresses":["172.17.0.21"],"stages":{"started":1605540915526159000,"completed":1605540915660084000},"subResource":"exec","timestamp":1606322948648718268,"type":"kubernetes","user":{"username":"system:serviceaccount:default:kubectl","groups":["system:serviceaccounts"]},"userAgent":"kubectl/v1.16.2"}"#;
    let event = one(exec);
    assert_eq!(event.class_uid, ClassUid::ApiActivity);
    assert_eq!(event.api.as_ref().unwrap().operation, "pods/exec");
    assert_eq!(
        event.src_endpoint.as_ref().unwrap().ip.as_deref(),
        Some("172.17.0.21")
    );
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn unknown_kinds_are_kept_as_base_events() {
    let benchmark = r#"{"id":"16ee","type":"benchmark","timestamp":1606322948648718268,"name":"Kubernetes Benchmark Run Passed","description":"benchmark completed","severity":4}"#;
    let event = one(benchmark);
    assert_eq!(event.class_uid, ClassUid::Base);
    assert_eq!(event.activity_name.as_deref(), Some("benchmark"));
    assert_eq!(event.severity_id, SeverityId::Medium);
}

#[test]
fn rejections() {
    for (text, reason) in [
        ("{\"id\": ", "invalid_json"),
        ("[1,", "invalid_json"),
        ("plain text", "not_sysdig_event"),
        ("{\"data\": 5, \"x\": [}", "invalid_json"),
    ] {
        let out = check(text);
        let reasons: Vec<_> = out.rejections.iter().map(|r| r.reason).collect();
        assert_eq!(reasons, [reason], "{text}");
    }
    assert!(check("{\"id\": ").rejections[0]
        .detail
        .contains("line 1 column"));
    let mut out = Output::default();
    normalize(
        &Record::new("s", &b"{\"id\": \"\xc3\"}"[..]),
        &Context::default(),
        &mut out,
    );
    assert_eq!(out.rejections[0].reason, "invalid_utf8");
}

#[test]
fn real_samples() {
    let dir = std::path::Path::new(SAMPLES);
    if !dir.exists() {
        println!("skipped: shared samples not found at {SAMPLES}");
        return;
    }
    let mut total = 0;
    for name in [
        "elastic-sysdig-alerts-webhook-subset.ndjson",
        "stix-shifter-sysdig-secure-events-api.ndjson",
    ] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let event = one(line);
            assert_eq!(event.class_uid, ClassUid::DetectionFinding, "{name}");
            assert!(event.severity_id != SeverityId::Unknown, "{name}");
            assert!(event.time > 1_600_000_000_000, "{name}");
            total += 1;
        }
    }
    assert_eq!(total, 13);
    for (name, class) in [
        (
            "sysdig-docs-event-forwarding-activity-audit-command.json",
            ClassUid::ProcessActivity,
        ),
        (
            "sysdig-docs-event-forwarding-legacy-policy-event.json",
            ClassUid::DetectionFinding,
        ),
        (
            "sysdig-docs-event-forwarding-platform-audit.json",
            ClassUid::ApiActivity,
        ),
        (
            "sysdig-docs-event-forwarding-runtime-policy-event.json",
            ClassUid::DetectionFinding,
        ),
    ] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        let event = one(&text);
        assert_eq!(event.class_uid, class, "{name}");
        let snapshot = name.trim_start_matches("sysdig-docs-event-forwarding-");
        insta::assert_json_snapshot!(snapshot.trim_end_matches(".json"), event.to_json());
    }
}

proptest! {
    #[test]
    fn never_panics(text in ".{0,300}") {
        let _ = check(&text);
    }

    #[test]
    fn never_panics_on_mangled_events(cut in 0usize..1500, insert in "[\\[\\]{}\",:0-9a-z ]{0,4}") {
        let mut text = RUNTIME.to_owned();
        let at = cut.min(text.len());
        if text.is_char_boundary(at) {
            text.insert_str(at, &insert);
        }
        let _ = check(&text);
    }
}
