//! Determinism and well-formedness of every generator.

use std::io::Read;

use serde_json::Value;

use super::*;

const NDJSON_FEEDS: [Feed; 5] = [
    Feed::ActivityTracker,
    Feed::CisFirewall,
    Feed::CisHttp,
    Feed::Falco,
    Feed::CloudTrail,
];

fn lines(bytes: &[u8]) -> Vec<&str> {
    assert!(bytes.ends_with(b"\n"), "output ends with a newline");
    std::str::from_utf8(bytes)
        .expect("output is utf-8")
        .lines()
        .collect()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// Splits a PAN-OS CSV payload, honouring double quotes.
fn csv_fields(payload: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    for c in payload.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(String::new()),
            _ => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

#[test]
fn same_seed_same_bytes() {
    let mut a = Generator::new(42);
    let mut b = Generator::new(42);
    for feed in Feed::ALL {
        let mut x = Vec::new();
        let mut y = Vec::new();
        a.write_records(feed, 200, &mut x);
        b.write_records(feed, 200, &mut y);
        assert_eq!(x, y, "{feed:?}");
    }
    assert_eq!(a.flow_log_object(50), b.flow_log_object(50));
}

#[test]
fn different_seeds_differ() {
    let mut a = Generator::new(1);
    let mut b = Generator::new(2);
    for feed in Feed::ALL {
        let mut x = Vec::new();
        let mut y = Vec::new();
        a.write_records(feed, 20, &mut x);
        b.write_records(feed, 20, &mut y);
        assert_ne!(x, y, "{feed:?}");
    }
}

#[test]
fn feeds_do_not_disturb_each_other() {
    let mut a = Generator::new(7);
    let mut b = Generator::new(7);
    b.falco(100);
    b.firewall_syslog(100, FirewallVendor::PanOs);
    b.flow_log_object(10);
    assert_eq!(a.activity_tracker(50), b.activity_tracker(50));
}

#[test]
fn ndjson_feeds_are_one_json_object_per_line() {
    let mut generator = Generator::new(3);
    for feed in NDJSON_FEEDS {
        let bytes = generator.records(feed, 500, 1000);
        let lines = lines(&bytes);
        assert_eq!(lines.len(), 500, "{feed:?}");
        for line in lines {
            let value: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{feed:?}: {e}: {line}"));
            assert!(value.is_object(), "{feed:?}: {line}");
        }
    }
}

#[test]
fn activity_tracker_events_look_like_ibm_ones() {
    let bytes = Generator::new(5).activity_tracker(2000);
    let lines = lines(&bytes);
    let average = bytes.len() / lines.len();
    assert!(
        (900..=2100).contains(&average),
        "average event size {average}"
    );
    let mut actions = std::collections::BTreeSet::new();
    let mut failures = 0;
    for line in &lines {
        let event: Value = serde_json::from_str(line).unwrap();
        let time = event["eventTime"].as_str().unwrap();
        assert!(time.starts_with("2025-06-0"), "{time}");
        assert!(
            time.ends_with("+0000") || time.ends_with('Z') || time.ends_with("+00:00"),
            "{time}"
        );
        assert!(event["initiator"]["id"].as_str().unwrap().contains("-"));
        assert!(event["target"]["id"]
            .as_str()
            .unwrap()
            .starts_with("crn:v1:bluemix:public:"));
        assert!(event["logSourceCRN"].as_str().unwrap().contains(":a/"));
        assert!(event["reason"]["reasonCode"].is_u64());
        assert_eq!(event["observer"]["name"], "ActivityTracker");
        failures += usize::from(event["outcome"] == "failure");
        actions.insert(event["action"].as_str().unwrap().to_owned());
    }
    for action in [
        "iam-identity.user-apikey.login",
        "iam-am.policy.create",
        "is.security-group.security-group-rule.create",
        "cloud-object-storage.object.read",
    ] {
        assert!(
            actions.contains(action),
            "{action} missing from {actions:?}"
        );
    }
    assert!(actions.len() >= 18, "{actions:?}");
    assert!((20..400).contains(&failures), "{failures} failures");
}

#[test]
fn flow_log_objects_are_gzip_json_under_the_cos_layout() {
    let mut generator = Generator::new(9);
    for _ in 0..5 {
        let (key, gzip) = generator.flow_log_object(300);
        assert!(key.starts_with("ibm_vpc_flowlogs_v1/account="), "{key}");
        assert!(
            key.contains("/vpc-id=crn%3Av1%3Abluemix%3Apublic%3Ais%3A"),
            "{key}"
        );
        assert!(
            key.contains("/record-type=all/year=2025/month=06/day=02/hour="),
            "{key}"
        );
        assert!(key.ends_with("/00000001.gz"), "{key}");
        assert_eq!(&gzip[..2], &[0x1f, 0x8b]);
        let object: Value = serde_json::from_slice(&gunzip(&gzip)).unwrap();
        assert_eq!(object["number_of_flow_logs"], 300);
        let records = object["flow_logs"].as_array().unwrap();
        assert_eq!(records.len(), 300);
        let account = key
            .split('/')
            .nth(1)
            .unwrap()
            .trim_start_matches("account=");
        assert!(object["instance_crn"].as_str().unwrap().contains(account));
        for record in records {
            assert_eq!(record.as_object().unwrap().len(), 21, "{record}");
            assert!(["I", "O"].contains(&record["direction"].as_str().unwrap()));
            let rejected = record["action"] == "rejected";
            assert_eq!(record["start_time"] == "", rejected, "{record}");
            assert!(record["target_port"].as_u64().unwrap() <= 65_535);
            assert!(
                record["cumulative_bytes_from_initiator"].as_u64()
                    >= record["bytes_from_initiator"].as_u64()
            );
        }
    }
}

#[test]
fn firewall_lines_have_their_vendor_shape() {
    let mut generator = Generator::new(11);
    let panos = generator.firewall_syslog(1000, FirewallVendor::PanOs);
    for line in lines(&panos) {
        assert!(line.starts_with("<14>"), "{line}");
        let at = line
            .find(" 1,20")
            .unwrap_or_else(|| panic!("no csv: {line}"));
        let fields = csv_fields(&line[at + 1..]);
        match fields[3].as_str() {
            "TRAFFIC" => assert_eq!(fields.len(), 65, "{line}"),
            "THREAT" => assert_eq!(fields.len(), 75, "{line}"),
            other => panic!("type {other}: {line}"),
        }
    }
    let fortigate = generator.firewall_syslog(1000, FirewallVendor::FortiGate);
    for line in lines(&fortigate) {
        assert!(
            line.starts_with("<1") || line.starts_with("2025-06-02T"),
            "{line}"
        );
        for key in [" devname=\"", " logid=\"", " type=\"", " eventtime="] {
            assert!(line.contains(key), "{key} missing: {line}");
        }
        assert_eq!(line.matches('"').count() % 2, 0, "{line}");
    }
    let checkpoint = generator.firewall_syslog(1000, FirewallVendor::CheckPoint);
    for line in lines(&checkpoint) {
        assert!(line.starts_with("<134>1 2025-06-02T"), "{line}");
        assert!(line.contains(" CheckPoint "), "{line}");
        assert!(line.contains(" - [action:\""), "{line}");
        assert!(line.ends_with(']'), "{line}");
    }
}

#[test]
fn dataset_is_written_and_summarized() {
    let dir = std::env::temp_dir().join(format!("vigil-sim-test-{}", std::process::id()));
    let options = DatasetOptions {
        scale: 0.1,
        ..DatasetOptions::default()
    };
    let summary = write_dataset(&dir, &options).unwrap();
    assert_eq!(summary.by_source.len(), 9);
    let total = summary.total();
    assert_eq!(total.files as usize, summary.files.len());
    for file in &summary.files {
        let bytes = std::fs::read(dir.join(&file.path)).unwrap();
        assert_eq!(bytes.len() as u64, file.bytes, "{:?}", file.path);
        let plain = if bytes.starts_with(&[0x1f, 0x8b]) {
            gunzip(&bytes)
        } else {
            bytes
        };
        assert_eq!(
            plain.len() as u64,
            file.uncompressed_bytes,
            "{:?}",
            file.path
        );
    }
    let flow = summary.by_source[&SourceType::VpcFlowLog];
    assert_eq!((flow.files, flow.records), (3, 600));
    assert_eq!(summary.by_source[&SourceType::ActivityTracker].records, 100);
    // Deterministic: a second run writes the same files.
    let again = write_dataset(&dir, &options).unwrap();
    assert_eq!(again, summary);
    std::fs::remove_dir_all(&dir).unwrap();
}
