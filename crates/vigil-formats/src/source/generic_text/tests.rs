use vigil_model::{ActionId, ActivityId, ClassUid, DispositionId, SeverityId};

use super::*;

/// 2024-03-10T12:00:00Z: gives RFC 3164 lines their year, and is the time of lines with none.
const REFERENCE_MS: i64 = 1_710_072_000_000;

type Normalizer = fn(&Record, &Context, &mut Output);

fn run(normalize: Normalizer, line: impl Into<bytes::Bytes>) -> Output {
    let context = Context {
        path: "input.log".into(),
        reference_time_ms: REFERENCE_MS,
    };
    let mut out = Output::default();
    normalize(&Record::new("input.log", line), &context, &mut out);
    out
}

/// The one event `line` gives, checked for the attributes its class requires.
fn normalize_one(normalize: Normalizer, line: &str) -> Event {
    let mut out = run(normalize, line.to_owned());
    assert!(out.rejections.is_empty(), "{:?}", out.rejections);
    assert_eq!(out.events.len(), 1);
    let event = out.events.remove(0);
    let json = event.to_json();
    for path in event.class_uid.required_attributes() {
        assert!(!json[path].is_null(), "{path} missing: {json:#}");
    }
    assert_eq!(event.raw.as_ref(), line.as_bytes());
    event
}

fn rejection(normalize: Normalizer, line: &str) -> &'static str {
    let out = run(normalize, line.to_owned());
    assert!(out.events.is_empty(), "{line}");
    assert_eq!(out.rejections.len(), 1, "{line}");
    out.rejections[0].reason
}

// --- syslog ---------------------------------------------------------------------------------

#[test]
fn syslog_rfc3164_line() {
    let event = normalize_one(
        normalize_syslog,
        "<38>Mar  9 08:15:02 bastion-1 sshd[911]: Accepted publickey for ops from 192.0.2.8 port 50122 ssh2",
    );
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn syslog_rfc5424_line_with_structured_data() {
    let event = normalize_one(
        normalize_syslog,
        r#"<165>1 2024-03-10T11:59:58.120Z app-3.example.test billing 4123 TX42 [meta@32473 tenant="acme" region="eu-de"] invoice run finished"#,
    );
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn text_without_a_syslog_header_or_with_control_bytes_is_rejected() {
    let out = run(normalize_syslog, "plain text with no header");
    assert!(out.events.is_empty());
    assert_eq!(out.rejections[0].reason, "not_syslog");
    let out = run(
        normalize_syslog,
        &b"<13>Mar  9 08:15:02 host \x00\x01 junk"[..],
    );
    assert_eq!(out.rejections[0].reason, "binary_data");
    // A PRI without a timestamp is syslog: it takes the reference time.
    let event = normalize_one(normalize_syslog, "<13>message with no timestamp");
    assert_eq!(event.time, REFERENCE_MS);
    assert_eq!(event.metadata.product.name, "syslog");
    // Header only: the whole line is the message.
    let header_only = normalize_one(normalize_syslog, "<13>Mar  9 08:15:02 host");
    assert_eq!(
        header_only.message.as_deref(),
        Some("<13>Mar  9 08:15:02 host")
    );
}

#[test]
fn syslog_rejects_only_empty_lines() {
    for line in ["", " ", "\t \r\n", "\0"] {
        assert_eq!(
            rejection(normalize_syslog, line),
            "empty_record",
            "{line:?}"
        );
    }
    let mut bytes = b"<14>Jan  1 00:00:00 h app: caf".to_vec();
    bytes.push(0xe9);
    let out = run(normalize_syslog, bytes.clone());
    assert_eq!(out.events.len(), 1);
    assert_eq!(out.events[0].message.as_deref(), Some("caf\u{fffd}"));
    assert_eq!(out.events[0].raw.as_ref(), bytes.as_slice());
}

// --- CEF ------------------------------------------------------------------------------------

#[test]
fn cef_network_activity() {
    let line = r"<134>Mar  9 09:00:00 collector-1 CEF:0|Example Networks|EdgeWall|7.2.1|4007|TCP connection denied|7|rt=Mar 09 2024 09:00:01 UTC src=10.20.0.7 spt=51001 dst=198.51.100.44 dpt=22 proto=TCP act=blocked suser=svc\=deploy dvchost=edge-2 cs1Label=Policy cs1=ssh-inbound in=60 out=0 msg=Denied by policy";
    let event = normalize_one(normalize_cef, line);
    assert_eq!(event.class_uid, ClassUid::NetworkActivity);
    assert_eq!(event.activity_id, ActivityId::REFUSE);
    assert_eq!(event.native.pair("Policy"), Some("ssh-inbound"));
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn cef_without_both_addresses_is_a_base_event() {
    let line = "CEF:0|Example|Vault|2.0|login-7|User login|3|suser=alice src=192.0.2.9 outcome=success act=Quarantine request=https://vault.example.test/login requestMethod=POST";
    let event = normalize_one(normalize_cef, line);
    assert_eq!(event.class_uid, ClassUid::Base);
    assert_eq!(event.severity_id, SeverityId::Low);
    assert_eq!(event.time, REFERENCE_MS);
    assert_eq!(event.activity_id, ActivityId::UNKNOWN);
    assert_eq!(event.disposition_id, Some(DispositionId::QUARANTINED));
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn cef_actions() {
    for (act, action, disposition) in [
        ("accept", ActionId::Allowed, DispositionId::ALLOWED),
        ("Permitted", ActionId::Allowed, DispositionId::ALLOWED),
        ("drop", ActionId::Denied, DispositionId::DROPPED),
        ("reject", ActionId::Denied, DispositionId::REJECTED),
        ("alert", ActionId::Observed, DispositionId::DETECTED),
    ] {
        let line = format!("CEF:0|V|P|1|s|n|5|src=10.0.0.1 dst=10.0.0.2 act={act}");
        let event = normalize_one(normalize_cef, &line);
        assert_eq!(event.action_id, Some(action), "{act}");
        assert_eq!(event.disposition_id, Some(disposition), "{act}");
    }
    // An action word with no OCSF meaning names the activity and sets no ids.
    let event = normalize_one(
        normalize_cef,
        "CEF:0|V|P|1|s|n|5|src=10.0.0.1 dst=10.0.0.2 act=escalate",
    );
    assert_eq!(event.action_id, None);
    assert_eq!(event.activity_id, ActivityId::OTHER);
    assert_eq!(event.activity_name.as_deref(), Some("escalate"));
    assert_eq!(event.action.as_deref(), Some("escalate"));
}

#[test]
fn cef_rejections() {
    assert_eq!(rejection(normalize_cef, ""), "empty_record");
    assert_eq!(rejection(normalize_cef, "this is not cef"), "not_cef");
    assert_eq!(rejection(normalize_cef, "CEF:0|a|b"), "truncated_header");
}

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/samples");

fn sample_lines(file: &str) -> Option<Vec<Vec<u8>>> {
    let path = format!("{SAMPLES}/{file}");
    match std::fs::read(&path) {
        Ok(bytes) => Some(
            bytes
                .split(|b| *b == b'\n')
                .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
                .map(<[u8]>::to_vec)
                .collect(),
        ),
        Err(_) => {
            println!("skipped: shared samples not found at {path}");
            None
        }
    }
}

#[test]
fn cef_edge_cases_normalize_or_are_rejected_as_not_cef() {
    let Some(lines) = sample_lines("cef-edge-cases/cef-parser-edge-cases.jsonl") else {
        return;
    };
    for json in lines {
        let record: serde_json::Value = serde_json::from_slice(&json).unwrap();
        let line = record["line"].as_str().unwrap();
        let out = run(normalize_cef, line.to_owned());
        if line.contains("CEF:") {
            assert_eq!(out.events.len(), 1, "{line}");
        } else {
            assert_eq!(out.rejections[0].reason, "not_cef", "{line}");
        }
    }
}

#[test]
fn check_point_cef_sample_as_generic_cef() {
    let Some(lines) = sample_lines("checkpoint/vrl-parse_cef-checkpoint-real_case.cef") else {
        return;
    };
    let line = String::from_utf8_lossy(&lines[0]).into_owned();
    let event = normalize_one(normalize_cef, &line);
    assert_eq!(event.class_uid, ClassUid::NetworkActivity);
    assert_eq!(event.time, 1_543_270_652_000);
    assert_eq!(event.metadata.product.vendor_name, "Check Point");
    assert_eq!(
        event.native.pair("originsicname"),
        Some("CN=R80,O=R80_M..6u6bdo")
    );
}

// --- LEEF -----------------------------------------------------------------------------------

#[test]
fn leef_1_0_network_activity() {
    let line = "<13>Mar  9 10:00:00 qradar-relay LEEF:1.0|Example Networks|EdgeWall|7.2|conn-allow|devTime=Mar 09 2024 10:00:02\tsrc=10.20.0.9\tdst=203.0.113.80\tsrcPort=50999\tdstPort=443\tproto=6\tsev=2\tcat=traffic\taction=allow\tusrName=bob\tsrcBytes=900\tdstBytes=4100\tsrcPostNAT=198.51.100.1\tsrcPostNATPort=40001";
    let event = normalize_one(normalize_leef, line);
    assert_eq!(event.class_uid, ClassUid::NetworkActivity);
    assert_eq!(event.activity_id, ActivityId::OPEN);
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn leef_2_0_base_event() {
    let line = "LEEF:2.0|Example|Scanner|3.1|scan-done|^|devTime=1710070000000^msg=scan finished^identHostName=scanner-1^sev=9";
    let event = normalize_one(normalize_leef, line);
    assert_eq!(event.class_uid, ClassUid::Base);
    assert_eq!(event.time, 1_710_070_000_000);
    assert_eq!(event.severity_id, SeverityId::Critical);
    assert_eq!(event.message.as_deref(), Some("scan finished"));
    assert_eq!(
        event.device.and_then(|d| d.hostname.clone()),
        Some("scanner-1".into())
    );
    assert_eq!(event.native.pair("sev"), Some("9"));
}

#[test]
fn leef_rejections() {
    assert_eq!(rejection(normalize_leef, " "), "empty_record");
    assert_eq!(rejection(normalize_leef, "CEF:0|a|b|c|d|e|1|"), "not_leef");
    assert_eq!(
        rejection(normalize_leef, "LEEF:9.0|a|b|c|d|"),
        "unsupported_version"
    );
}

// --- every real text sample -----------------------------------------------------------------

#[test]
fn every_real_text_line_with_a_header_is_a_syslog_event() {
    for file in [
        "panos/graylog-paloalto-syslog.log",
        "panos/elastic-panw-panos-traffic-subset.log",
        "panos/elastic-panw-panos-threat-url-subset.log",
        "panos/wazuh-ruleset-paloalto-anonymized.log",
        "fortigate/elastic-test-fortinet.log",
        "fortigate/elastic-test-fortinet-7-6.log",
        "fortigate/elastic-test-fortinet-7-4-subset.log",
        "checkpoint/elastic-test-checkpoint-subset.log",
        "checkpoint/elastic-test-checkpoint-authentication.log",
        "checkpoint/elastic-test-checkpoint-audit-subset.log",
        "checkpoint/wazuh-ruleset-checkpoint_smart1.log",
        "checkpoint/vrl-parse_cef-checkpoint-real_case.cef",
        "falco/elastic-falco-syslog-sample-subset.log",
    ] {
        let Some(lines) = sample_lines(file) else {
            return;
        };
        for line in lines {
            let out = run(normalize_syslog, line.clone());
            let text = String::from_utf8_lossy(&line);
            let header = crate::decode::syslog::parse(&text, 0);
            if header.pri.is_none() && header.timestamp_text.is_none() {
                // Bare PAN-OS CSV or CEF without a syslog header: not syslog (its vendor's
                // normalizer reads it; this one says why it will not).
                assert_eq!(out.rejections.len(), 1, "{file}: {text}");
                assert_eq!(out.rejections[0].reason, "not_syslog");
                continue;
            }
            assert!(out.rejections.is_empty(), "{file}: {:?}", out.rejections);
            let event = &out.events[0];
            assert!(
                event.message.as_deref().is_some_and(|m| !m.is_empty()),
                "{file}"
            );
            // Lines with a PRI have a severity of their own.
            if text.starts_with('<') {
                assert_ne!(event.severity_id, SeverityId::Unknown, "{file}: {text}");
            }
        }
    }
}

proptest::proptest! {
    #[test]
    fn never_panics(line in "\\PC*") {
        let _ = run(normalize_syslog, line.clone());
        let _ = run(normalize_cef, line.clone());
        let _ = run(normalize_leef, line);
    }

    #[test]
    fn never_panics_with_format_prefixes(
        prefix in proptest::sample::select(vec![
            "<14>", "<165>1 2024-03-10T11:59:58Z h a p m [x@1 a=\"", "CEF:0|", "CEF:0|V|P|1|s|n|5|",
            "LEEF:1.0|", "LEEF:2.0|V|P|1|E|", "LEEF:2.0|V|P|1|E|x5E|",
        ]),
        rest in "[ -~\\\\|=^é\t]{0,100}",
    ) {
        let line = format!("{prefix}{rest}");
        let _ = run(normalize_syslog, line.clone());
        let _ = run(normalize_cef, line.clone());
        let _ = run(normalize_leef, line);
    }
}
