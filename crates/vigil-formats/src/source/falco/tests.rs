use proptest::prelude::*;
use vigil_model::{ClassUid, Native, SeverityId};

use super::*;

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/samples/falco");

/// An old-style alert: `HH:MM:SS.ns:` output prefix, null and numeric field values, no uuid.
const OLD: &str = r#"{"output":"20:47:39.535071657: Notice A shell was spawned in a container with an attached terminal (user=root shell=bash image=<NA>)","priority":"Notice","rule":"Terminal shell in container","time":"2020-02-13T20:47:39.535071657Z", "output_fields": {"container.id":"daeaaf1c0551","container.image.repository":null,"evt.time":1581626859535071657,"k8s.ns.name":"default","proc.cmdline":"bash","proc.name":"bash","proc.pname":"runc","proc.tty":34816,"user.name":"root"}}"#;

/// A new-style alert: ISO output prefix, `\u003c` escapes, arrays and `proc.aname[N]` keys.
const NEW: &str = r#"{"uuid":"23716645-4d9d-4254-9429-2a287a9af199","hostname":"e822ea6618ae","output":"2024-08-07T13:49:16.479964318+0000: Critical Shell spawned (aname[6]=\u003cNA\u003e command=bash -c ls \u003e /dev/null)","priority":"Critical","rule":"Run shell untrusted","time":"2024-08-07T13:49:16.479964318Z","output_fields":{"container.id":"2ae6a7f15b6e","container.name":"gen-1","container.image.repository":"falcosecurity/event-generator","container.image.digest":["sha256:d9"],"proc.aname[6]":null,"proc.cmdline":"bash -c ls \u003e /dev/null","proc.exepath":"/bin/bash","proc.name":"bash","proc.pid":4242,"proc.pcmdline":"httpd --loglevel info","proc.pname":"httpd","proc.pexepath":"/bin/event-generator","user.name":"root","user.uid":0},"source":"syscall","tags":["T1059.004","container","mitre_execution"]}"#;

fn check(text: &str) -> Output {
    let ctx = Context {
        path: "falco.log".into(),
        reference_time_ms: 1_700_000_000_000,
    };
    let mut out = Output::default();
    normalize(&Record::new("falco.log", text.to_owned()), &ctx, &mut out);
    out
}

fn one(text: &str) -> Event {
    let mut out = check(text);
    assert!(out.rejections.is_empty(), "{:?}", out.rejections);
    assert_eq!(out.events.len(), 1);
    out.events.remove(0)
}

#[test]
fn old_output_prefix_and_null_fields() {
    let event = one(OLD);
    assert_eq!(event.class_uid, ClassUid::DetectionFinding);
    assert_eq!(event.severity_id, SeverityId::Low);
    let message = event.message.as_deref().unwrap();
    assert!(message.starts_with("A shell was spawned"), "{message}");
    let info = event.finding_info.as_ref().unwrap();
    assert!(info.uid.starts_with("falco-"), "derived uid: {}", info.uid);
    assert_eq!(info.title, "Terminal shell in container");
    // Same alert, same derived uid.
    assert_eq!(one(OLD).finding_info.unwrap().uid, info.uid);
    let container = event.device.as_ref().unwrap().container.as_ref().unwrap();
    assert_eq!(container.image, None, "null image stays absent");
    assert_eq!(container.orchestrator.as_deref(), Some("Kubernetes"));
    assert_eq!(event.unmapped["output_fields"]["proc.tty"], 34816);
    assert_eq!(event.native, Native::RawJson);
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn new_output_prefix_escapes_and_tags() {
    let event = one(NEW);
    assert_eq!(event.severity_id, SeverityId::Critical);
    assert_eq!(
        event.message.as_deref(),
        Some("Shell spawned (aname[6]=<NA> command=bash -c ls > /dev/null)")
    );
    let process = event.evidences[0].process.as_ref().unwrap();
    assert_eq!(process.cmd_line.as_deref(), Some("bash -c ls > /dev/null"));
    assert_eq!(process.pid, Some(4242));
    let parent = process.parent_process.as_ref().unwrap();
    assert_eq!(parent.name.as_deref(), Some("httpd"));
    assert_eq!(event.attacks.len(), 1);
    assert_eq!(event.metadata.labels.len(), 3);
    assert_eq!(
        event.unmapped["output_fields"]["proc.aname[6]"],
        Value::Null
    );
    insta::assert_json_snapshot!(event.to_json());
}

#[test]
fn over_syslog() {
    let line = format!("<5>2024-08-07T13:49:16Z a72f9a747cf8 Falco[1]: {NEW}");
    let event = one(&line);
    let device = event.device.as_ref().unwrap();
    assert_eq!(device.hostname.as_deref(), Some("e822ea6618ae"));
    assert_eq!(event.unmapped["syslog_hostname"], "a72f9a747cf8");
    assert!(matches!(event.native, Native::Json(_)));
    assert_eq!(&event.raw[..], line.as_bytes());

    // Without a JSON hostname the header's fills in; 3164 headers and `falco:` tags too.
    let bare = r#"{"rule":"R","priority":"Debug","output":"x","time":"2024-01-01T00:00:00Z"}"#;
    for line in [
        format!("<6>2024-08-07T13:49:16Z node-7 Falco[1]: {bare}"),
        format!("<6>Aug  7 13:49:16 node-7 falco: {bare}"),
        format!("<6>1 2024-08-07T13:49:16Z node-7 falco 1 - - {bare}"),
    ] {
        let event = one(&line);
        let hostname = event.device.as_ref().and_then(|d| d.hostname.as_deref());
        assert_eq!(hostname, Some("node-7"), "{line}");
        assert_eq!(event.severity_id, SeverityId::Informational);
    }
}

#[test]
fn rejections() {
    for (text, reason) in [
        ("{\"rule\": \"x\",", "invalid_json"),
        ("<5>Aug  7 13:49:16 host sshd[1]: hello", "not_falco_alert"),
        ("[1]", "not_falco_alert"),
        ("{\"hostname\": \"h\"}", "missing_field"),
    ] {
        let out = check(text);
        let reasons: Vec<_> = out.rejections.iter().map(|r| r.reason).collect();
        assert_eq!(reasons, [reason], "{text}");
    }
    let out = check("{\"rule\": \"x\",");
    assert!(out.rejections[0].detail.contains("line 1 column"));
    let mut out = Output::default();
    let record = Record::new("f", &b"{\"rule\": \"\xff\"}"[..]);
    normalize(&record, &Context::default(), &mut out);
    assert_eq!(out.rejections[0].reason, "invalid_utf8");
}

#[test]
fn syslog_header_read_by_hand() {
    // What the fallback (used when the syslog decoder does not split a line) reads.
    let header = header_by_hand("<12>2024-08-07T13:49:16Z node-1 ");
    assert_eq!(
        (header.hostname, header.severity),
        (Some("node-1"), Some(4))
    );
    assert!(header.time_ms.is_some());
    let header = header_by_hand("<14>1 2024-08-07T13:49:16Z node-2 ");
    assert_eq!(header.hostname, Some("node-2"));
    let header = header_by_hand("<6>Aug  7 13:49:16 node-3 ");
    assert_eq!(header.hostname, Some("node-3"));
    assert_eq!(header_by_hand("garbage").hostname, None);
    assert_eq!(header_by_hand("<999>").severity, None);
}

#[test]
fn output_prefixes() {
    let cases = [
        (
            "19:35:58.532086161: Notice A shell",
            Some("Notice"),
            "A shell",
        ),
        (
            "2024-05-07T18:54:19.341081180+0000: Warning Sensitive",
            None,
            "Sensitive",
        ),
        (
            "This is a test from falcosidekick",
            Some("Debug"),
            "This is a test from falcosidekick",
        ),
        ("19:35:58: Custom words", None, "Custom words"),
        ("19:35", None, "19:35"),
        ("", None, ""),
    ];
    for (output, priority, message) in cases {
        assert_eq!(strip_output_prefix(output, priority), message, "{output}");
    }
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
        "docs-falco-terminal-shell-samples.ndjson",
        "elastic-falco-alerts-subset.ndjson",
        "elastic-falco-syslog-sample-subset.log",
    ] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let event = one(line);
            assert!(event.time > 900_000_000_000, "{name}: {line}");
            assert!(event.severity_id != SeverityId::Unknown, "{name}");
            assert!(!event.finding_info.as_ref().unwrap().title.is_empty());
            total += 1;
        }
    }
    assert_eq!(total, 15);
    let text = std::fs::read_to_string(dir.join("elastic-falco-syslog-sample-subset.log")).unwrap();
    let first = text.lines().next().unwrap();
    insta::assert_json_snapshot!("syslog_sample_first", one(first).to_json());
}

proptest! {
    #[test]
    fn never_panics(text in ".{0,300}") {
        let _ = check(&text);
    }

    #[test]
    fn never_panics_on_mangled_alerts(cut in 0usize..1200, insert in "[\\[\\]{}\",:0-9a-zF ]{0,4}") {
        let mut text = format!("<5>2024-08-07T13:49:16Z host Falco[1]: {NEW}");
        let at = cut.min(text.len());
        if text.is_char_boundary(at) {
            text.insert_str(at, &insert);
        }
        let out = check(&text);
        prop_assert!(out.events.len() + out.rejections.len() == 1);
    }
}
