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
