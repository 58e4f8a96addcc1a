//! `vigil parse` end to end: the real binary on files with good and bad records.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

fn vigil(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(args)
        .output()
        .expect("the vigil binary runs")
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

const AT_EVENT: &str = r#"{"eventTime":"2025-04-10T21:02:00.12+0000","action":"iam-identity.user-apikey.create","outcome":"success","severity":"critical","initiator":{"id":"IBMid-1","name":"ana@example.com","typeURI":"service/security/account/user","host":{"address":"198.51.100.7"}},"target":{"id":"crn:v1:bluemix:public:iam-identity::a/acc1::apikey:ApiKey-1","name":"k","typeURI":"iam-identity/apikey"},"observer":{"name":"ActivityTracker"},"reason":{"reasonCode":201},"logSourceCRN":"crn:v1:bluemix:public:iam-identity:global:a/acc1::::","message":"IAM Identity Service: create API key k"}"#;

#[test]
fn good_records_give_events_and_exit_zero() {
    let dir = tempfile::tempdir().unwrap();
    let lines = format!("{AT_EVENT}\n{AT_EVENT}\n");
    write(dir.path(), "at.log.gz", &gzip(lines.as_bytes()));
    let out = vigil(&["parse", dir.path().to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let events: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["vigil"]["source_type"], "ibm_activity_tracker");
    assert_eq!(events[1]["vigil"]["line"], 2);
    assert_eq!(events[0]["raw_data"], AT_EVENT);
    assert!(stderr.contains("ibm_activity_tracker"), "{stderr}");
}

/// The bad-input list of the foundation issue: each is counted, dead-lettered with reason and
/// location, and the good records around it still come out.
#[test]
fn bad_input_is_counted_dead_lettered_and_the_stream_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    // A truncated gzip file: the records before the cut survive.
    let many: String = (0..5000).map(|_| format!("{AT_EVENT}\n")).collect();
    let gz = gzip(many.as_bytes());
    write(dir.path(), "1-truncated.json.gz", &gz[..gz.len() / 2]);
    // Invalid UTF-8 inside JSON, binary junk, a JSON object missing required fields.
    let mut junk = Vec::new();
    junk.extend_from_slice(AT_EVENT.as_bytes());
    junk.extend_from_slice(
        b"\n{\"action\":\"x.y.create\",\"initiator\":{\"name\":\"\xff\xfe\"}}\n",
    );
    junk.extend_from_slice(b"\x00\x01\x02\xff binary junk \x7f\n");
    junk.extend_from_slice(
        b"{\"eventTime\":\"2025-04-10T21:02:00Z\",\"initiator\":{},\"target\":{}}\n",
    );
    junk.extend_from_slice(AT_EVENT.as_bytes());
    junk.push(b'\n');
    write(dir.path(), "2-junk.json", &junk);
    // A 100 MB line between two good firewall lines.
    let fw = "<189>date=2020-04-23 time=01:16:08 devname=\"fw1\" devid=\"FG1\" logid=\"0000000013\" type=\"traffic\" subtype=\"forward\" level=\"notice\" vd=\"root\" eventtime=1592961368 srcip=10.10.10.10 srcport=60899 dstip=67.43.156.13 dstport=161 proto=17 action=\"deny\" policyid=0 sentbyte=0 rcvdbyte=0\n";
    let mut big = Vec::with_capacity(101 << 20);
    big.extend_from_slice(fw.as_bytes());
    big.extend(std::iter::repeat_n(b'A', 100 << 20));
    big.push(b'\n');
    big.extend_from_slice(fw.as_bytes());
    write(dir.path(), "3-big.log", &big);
    // An unknown PAN-OS log type and subtype.
    write(
        dir.path(),
        "4-panos.log",
        b"<14>Apr  8 01:47:32 fw1 1,2024/04/08 01:47:32,0123456789,NEWTYPE,brandnew,2049,2024/04/08 01:47:32,10.0.0.1,10.0.0.2\n",
    );
    let dead_letter = dir.path().join("dead.jsonl");
    let out = vigil(&[
        "parse",
        "--max-record-bytes",
        "1048576",
        "--dead-letter",
        dead_letter.to_str().unwrap(),
        "--format",
        "jsonl",
        dir.path().join("1-truncated.json.gz").to_str().unwrap(),
        dir.path().join("2-junk.json").to_str().unwrap(),
        dir.path().join("3-big.log").to_str().unwrap(),
        dir.path().join("4-panos.log").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "exit 1 when records were rejected: {stderr}"
    );
    let events: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let from = |name: &str| {
        events
            .iter()
            .filter(|e| e["vigil"]["source"].as_str().unwrap().ends_with(name))
            .count()
    };
    assert!(
        from("1-truncated.json.gz") > 100,
        "records before the cut kept"
    );
    assert_eq!(
        from("2-junk.json"),
        2,
        "the two good AT events around the junk"
    );
    assert_eq!(
        from("3-big.log"),
        2,
        "both firewall lines around the 100 MB line"
    );
    assert_eq!(
        from("4-panos.log"),
        1,
        "an unknown PAN-OS type is kept as an event"
    );

    let rejected: Vec<serde_json::Value> = std::fs::read_to_string(&dead_letter)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let reasons: Vec<(&str, &str, u64)> = rejected
        .iter()
        .map(|r| {
            let source = r["source"].as_str().unwrap();
            let file = source.rsplit('/').next().unwrap();
            (
                file,
                r["reason"].as_str().unwrap(),
                r["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        reasons
            .iter()
            .any(|(f, r, _)| *f == "1-truncated.json.gz" && *r == "truncated_stream"),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&("2-junk.json", "invalid_utf8", 2))
            || reasons.contains(&("2-junk.json", "invalid_json", 2)),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|(f, _, l)| *f == "2-junk.json" && *l == 3),
        "binary junk line 3: {reasons:?}"
    );
    assert!(
        reasons.contains(&("2-junk.json", "missing_field", 4)),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&("3-big.log", "record_too_large", 2)),
        "{reasons:?}"
    );
    assert_eq!(reasons.len(), 5, "{reasons:?}");
    for r in &rejected {
        assert!(r["detail"].as_str().is_some_and(|d| !d.is_empty()), "{r}");
        assert!(r["offset"].is_u64(), "{r}");
        assert!(r["record"].is_string(), "{r}");
    }
    assert!(stderr.contains("top rejection reasons"), "{stderr}");
    assert!(stderr.contains("record_too_large"), "{stderr}");
}

#[test]
fn missing_input_is_an_error_naming_the_file() {
    let out = vigil(&["parse", "/nonexistent/vigil-input.log"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/nonexistent/vigil-input.log"), "{stderr}");
}

#[test]
fn unknown_source_type_is_a_usage_error() {
    let out = vigil(&["parse", "--source-type", "nope", "x"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown source type `nope`"), "{stderr}");
}

#[test]
fn table_format_prints_one_line_per_event() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "at.json", format!("{AT_EVENT}\n").as_bytes());
    let out = vigil(&["parse", "--format", "table", &path]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1);
    assert!(
        stdout.contains("iam-identity.user-apikey.create"),
        "{stdout}"
    );
    assert!(stdout.contains("198.51.100.7"), "{stdout}");
}

const GOOD_RULE: &str = "title: API key created
id: 2d9f6a4e-0b8a-4c1e-9b7e-1f0a2b3c4d5e
logsource:
  product: ibm_cloud
  service: activity_tracker
detection:
  selection:
    action: iam-identity.user-apikey.create
  condition: selection
level: medium
";

#[test]
fn rules_check_reports_each_rejected_document_and_why() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.yml", GOOD_RULE.as_bytes());
    write(
        dir.path(),
        "bad.yml",
        b"title: No detection\nlogsource:\n  product: aws\n---\ntitle: Old aggregation\nlogsource:\n  product: aws\ndetection:\n  sel:\n    a: 1\n  condition: sel | count() by b > 3\n",
    );
    write(
        dir.path(),
        "expand.yml",
        b"title: Needs a placeholder\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  sel:\n    userIdentity.arn|expand: '%admins%'\n  condition: sel\n",
    );
    write(dir.path(), "notes.txt", b"not a rule");
    let path = dir.path().to_str().unwrap();
    let out = vigil(&["rules", "check", path]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("[missing_detection]"), "{stdout}");
    assert!(stdout.contains("[obsolete_aggregation]"), "{stdout}");
    assert!(stdout.contains("unresolved_placeholder"), "{stdout}");
    assert!(
        stdout.contains("bad.yml#1"),
        "document numbers are given: {stdout}"
    );
    assert!(stdout.contains("3 files, 2 documents loaded"), "{stdout}");
    assert!(
        stdout.contains("expand.yml#1"),
        "compile errors name their file: {stdout}"
    );

    let out = vigil(&[
        "rules",
        "check",
        path,
        "--placeholder",
        "admins=arn:aws:iam::1:user/a",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("unresolved_placeholder"), "{stdout}");

    let good = dir.path().join("good.yml");
    let out = vigil(&["rules", "check", good.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("1 rules compiled, 0 rejected"), "{stdout}");
    assert!(
        stdout.contains("ibm_activity_tracker"),
        "routed to Activity Tracker: {stdout}"
    );
}

/// The whole SigmaHQ corpus loads and compiles (the two rules needing `%known_cdcs%` with the
/// placeholder given).
#[test]
fn rules_check_loads_the_whole_sigmahq_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/sigma");
    if !root.is_dir() {
        println!(
            "skipped: shared sigma corpus not found at {}",
            root.display()
        );
        return;
    }
    let dirs: Vec<String> = ["rules", "rules-emerging-threats", "rules-threat-hunting"]
        .iter()
        .map(|d| root.join(d).display().to_string())
        .collect();
    let mut args = vec![
        "rules",
        "check",
        "--quiet",
        "--placeholder",
        "known_cdcs=cdc01",
    ];
    args.extend(dirs.iter().map(String::as_str));
    let out = vigil(&args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("3754 documents loaded (3754 rules"),
        "{stdout}"
    );
    assert!(
        stdout.contains("3754 rules compiled, 0 rejected"),
        "{stdout}"
    );
    assert!(stdout.contains("57  aws_cloudtrail"), "{stdout}");
}

fn at_login(time: &str, user: &str, ip: &str, outcome: &str) -> String {
    format!(
        r#"{{"eventTime":"{time}","action":"iam-identity.user-apikey.login","outcome":"{outcome}","severity":"normal","initiator":{{"id":"{user}","name":"{user}@example.com","typeURI":"service/security/account/user","host":{{"address":"{ip}"}}}},"target":{{"id":"crn:v1:bluemix:public:iam-identity::a/acc1::apikey:ApiKey-9","typeURI":"iam-identity/apikey"}},"observer":{{"name":"ActivityTracker"}},"reason":{{"reasonCode":400}},"logSourceCRN":"crn:v1:bluemix:public:iam-identity:global:a/acc1::::"}}"#
    )
}

const HUNT_RULES: &str = "title: IAM login failed
id: 0b6f6c1e-7d3e-4f6a-9a51-3d2f1e0c9b01
name: iam_login_failed
logsource:
  product: ibm_cloud
  service: activity_tracker
detection:
  selection:
    action|endswith: .login
    outcome: failure
  condition: selection
level: low
tags:
  - attack.credential_access
author: Vigil tests
---
title: Repeated IAM login failures
id: 5c0a9b2e-1f4d-4e8b-8c3a-6d7e2f1a0b11
correlation:
  type: event_count
  rules:
    - iam_login_failed
  group-by:
    - initiator.id
  timespan: 10m
  condition:
    gte: 4
level: high
";

/// A correlation sees events from several files in event-time order, whatever order the
/// files are read in; junk files are counted and skipped; levels filter; CSV and JSON Lines.
#[test]
fn hunt_correlates_across_files_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let rules = dir.path().join("rules.yml");
    std::fs::write(&rules, HUNT_RULES).unwrap();
    // Four failures of alice, alternating between two files, then one of bob.
    let a = [
        at_login("2025-06-02T08:00:00Z", "alice", "203.0.113.9", "failure"),
        at_login("2025-06-02T08:02:00Z", "alice", "203.0.113.9", "failure"),
        at_login("2025-06-02T08:20:00Z", "bob", "198.51.100.1", "failure"),
    ];
    let b = [
        at_login("2025-06-02T08:01:00Z", "alice", "203.0.113.9", "failure"),
        at_login("2025-06-02T08:03:00Z", "alice", "203.0.113.10", "failure"),
        at_login("2025-06-02T08:04:00Z", "alice", "203.0.113.9", "success"),
    ];
    write(&logs, "a.json", (a.join("\n") + "\n").as_bytes());
    write(&logs, "b.json.gz", &gzip((b.join("\n") + "\n").as_bytes()));
    write(&logs, "junk.bin", b"\x00\x01\x02 not a log \xff\n");
    write(&logs, "empty.log", b"");

    let out = vigil(&[
        "hunt",
        logs.to_str().unwrap(),
        "--no-default-rules",
        "--rules",
        rules.to_str().unwrap(),
        "--format",
        "jsonl",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "junk was rejected, so exit 1: {stderr}"
    );
    let alerts: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let correlation: Vec<_> = alerts
        .iter()
        .filter(|a| !a["correlation"].is_null())
        .collect();
    assert_eq!(correlation.len(), 1, "{alerts:#?}");
    let c = correlation[0];
    assert_eq!(c["rule"]["title"], "Repeated IAM login failures");
    assert_eq!(c["correlation"]["type"], "event_count");
    assert_eq!(c["correlation"]["value"], 4.0);
    assert_eq!(c["correlation"]["group"][0][1], "alice");
    let sources: std::collections::BTreeSet<&str> = c["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["source"].as_str().unwrap().rsplit('/').next().unwrap())
        .collect();
    assert_eq!(
        sources.into_iter().collect::<Vec<_>>(),
        ["a.json", "b.json.gz"]
    );
    let ips = c["entities"]["ips"].as_array().unwrap();
    assert_eq!(ips.len(), 2, "{ips:?}");
    // `generate` is off (the Sigma default): the base rule's own matches are not alerts.
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert!(stderr.contains("vigil hunt: 1 alerts"), "{stderr}");
    assert!(
        stderr.contains("junk.bin"),
        "the summary names what was rejected: {stderr}"
    );

    // With `generate: true` the five failures are alerts too, each keeping its author.
    let generating = dir.path().join("generating.yml");
    std::fs::write(
        &generating,
        HUNT_RULES.replace("  timespan: 10m", "  timespan: 10m\n  generate: true"),
    )
    .unwrap();
    let out = vigil(&[
        "hunt",
        logs.to_str().unwrap(),
        "--no-default-rules",
        "--rules",
        generating.to_str().unwrap(),
        "--format",
        "jsonl",
    ]);
    let alerts: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let single: Vec<_> = alerts
        .iter()
        .filter(|a| a["correlation"].is_null())
        .collect();
    assert_eq!(single.len(), 5, "{alerts:#?}");
    assert!(single.iter().all(|a| a["rule"]["author"] == "Vigil tests"));

    // Only high and above: the correlation alone.
    let out = vigil(&[
        "hunt",
        logs.to_str().unwrap(),
        "--no-default-rules",
        "--rules",
        rules.to_str().unwrap(),
        "--min-level",
        "high",
        "--format",
        "csv",
    ]);
    let csv = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[0].starts_with("time,level,rule_id,rule_title"),
        "{csv}"
    );
    assert!(
        lines[1]
            .contains(",high,5c0a9b2e-1f4d-4e8b-8c3a-6d7e2f1a0b11,Repeated IAM login failures,"),
        "{csv}"
    );

    // A time window that leaves out two of alice's failures: no correlation.
    let out = vigil(&[
        "hunt",
        logs.to_str().unwrap(),
        "--no-default-rules",
        "--rules",
        rules.to_str().unwrap(),
        "--from",
        "2025-06-02T08:01:30Z",
        "--format",
        "jsonl",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.is_empty(),
        "only two of alice's failures are in the window: {text}"
    );
}

#[test]
fn hunt_with_a_bad_time_is_a_usage_error() {
    let out = vigil(&["hunt", ".", "--from", "yesterday"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`--from yesterday` is not a time"),
        "{stderr}"
    );
}

/// The built-in pack written out loads back with `rules check`, every rule compiling.
#[test]
fn rules_export_writes_the_pack_and_it_checks_clean() {
    let dir = tempfile::tempdir().unwrap();
    let out = vigil(&["rules", "export", dir.path().to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = vigil(&["rules", "check", "--quiet", dir.path().to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains(", 0 rejected"), "{stdout}");
}

/// A broken rule file is named with its construct and skipped, the other rules still run;
/// `--strict` makes it an error.
#[test]
fn hunt_skips_broken_rules_unless_strict() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    write(
        &logs,
        "at.json",
        (at_login("2025-06-02T08:00:00Z", "alice", "203.0.113.9", "failure") + "\n").as_bytes(),
    );
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    write(
        &rules,
        "good.yml",
        HUNT_RULES.split("---").next().unwrap().as_bytes(),
    );
    write(
        &rules,
        "broken.yml",
        b"title: Broken modifier\nlogsource:\n  product: ibm_cloud\n  service: activity_tracker\ndetection:\n  sel:\n    action|sometimes: x\n  condition: sel\n",
    );
    let base = [
        "hunt",
        logs.to_str().unwrap(),
        "--no-default-rules",
        "--rules",
        rules.to_str().unwrap(),
        "--format",
        "jsonl",
    ];
    let out = vigil(&base);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("warning: rule skipped"), "{stderr}");
    assert!(stderr.contains("broken.yml"), "names the file: {stderr}");
    assert!(
        stderr.contains("action|sometimes"),
        "names the construct: {stderr}"
    );
    let alerts = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        alerts.lines().count(),
        1,
        "the good rule still runs: {alerts}"
    );

    let mut strict = base.to_vec();
    strict.push("--strict");
    let out = vigil(&strict);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--strict"), "{stderr}");
}
