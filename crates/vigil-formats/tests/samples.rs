//! Every real record in `../shared/samples/` goes through the production path (decompress,
//! detect, frame, route, normalize) and comes out as a complete OCSF event: detected as the
//! right source, no rejection, and every attribute OCSF requires for its class present.

use std::path::{Path, PathBuf};

use vigil_formats::pipeline::{self, StreamOptions};
use vigil_formats::{source, Context, Event, Output, Record, Rejection, SourceType};

fn samples_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/samples");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: shared samples not found at {}", dir.display());
        None
    }
}

/// 2026-01-01: the reference time for RFC 3164 lines without a year.
const REFERENCE_MS: i64 = 1_767_225_600_000;

fn run_file(path: &Path) -> (Vec<Event>, Vec<Rejection>, pipeline::StreamStats) {
    let file = std::fs::File::open(path).unwrap();
    let options = StreamOptions {
        reference_time_ms: REFERENCE_MS,
        ..StreamOptions::default()
    };
    let mut events = Vec::new();
    let mut rejections = Vec::new();
    let stats = pipeline::process(file, &path.display().to_string(), &options, |out| {
        events.append(&mut out.events);
        rejections.append(&mut out.rejections);
    })
    .unwrap();
    (events, rejections, stats)
}

/// Checks what OCSF requires of every event and of its class, and what Vigil promises
/// (original record, provenance, product).
pub fn check_complete(event: &Event) {
    let json = event.to_json();
    let what = format!(
        "{} event from {}:{}",
        event.class_uid.name(),
        event.provenance.source,
        event.provenance.line
    );
    for base in [
        "activity_id",
        "category_uid",
        "class_uid",
        "type_uid",
        "severity_id",
        "time",
        "metadata.product.name",
        "metadata.product.vendor_name",
        "metadata.version",
        "raw_data",
        "vigil.source_type",
    ] {
        assert!(
            lookup(&json, base).is_some(),
            "{what} lacks `{base}`: {json:#}"
        );
    }
    for required in event.class_uid.required_attributes() {
        // Present is what OCSF asks; an object may be empty when the source has nothing for
        // it (an Activity Tracker call by a user whose address the record omits).
        assert!(
            json.get(required).is_some_and(|v| !v.is_null()),
            "{what} lacks `{required}`, required for its class: {json:#}"
        );
    }
    assert!(!event.raw.is_empty(), "{what} lost its original record");
    // Times are real: after 2000-01-01 and before 2100-01-01.
    assert!(
        (946_684_800_000..4_102_444_800_000).contains(&event.time),
        "{what} has time {}",
        event.time
    );
    assert!(
        !event.metadata.product.name.is_empty(),
        "{what} has no product"
    );
    if event.activity_id.0 == 99 {
        assert!(
            event.activity_name.is_some(),
            "{what}: activity 99 needs a name"
        );
    }
}

fn lookup<'a>(json: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    let mut v = json;
    for part in path.split('.') {
        v = v.get(part)?;
    }
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) if s.is_empty() => None,
        serde_json::Value::Array(a) if a.is_empty() => None,
        serde_json::Value::Object(o) if o.is_empty() => None,
        v => Some(v),
    }
}

/// The source type each sample file must be detected as (`None`: handled elsewhere).
fn expected(dir: &str, file: &str) -> Option<SourceType> {
    if file == "SOURCES.md" || file.ends_with(".tsv") || file.ends_with(".jsonc") {
        return None;
    }
    Some(match dir {
        "activity-tracker" => SourceType::ActivityTracker,
        "checkpoint" => SourceType::CheckPoint,
        "cis-logpush" if file.contains("firewall") => SourceType::CisFirewall,
        "cis-logpush" => SourceType::CisHttp,
        "falco" => SourceType::Falco,
        "fortigate" => SourceType::FortiGate,
        "panos" if file.ends_with(".jsonl") => return None,
        "panos" => SourceType::PanOs,
        "sysdig-secure" => SourceType::Sysdig,
        "vpc-flow-logs" if file.ends_with(".json") && !file.starts_with("cos-") => {
            SourceType::VpcFlowLog
        }
        _ => return None,
    })
}

#[test]
fn every_sample_record_normalizes_completely() {
    let Some(root) = samples_dir() else { return };
    let mut checked_files = 0;
    let mut checked_events = 0;
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs.into_iter().filter(|d| d.is_dir()) {
        let dir_name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            let file_name = file.file_name().unwrap().to_string_lossy().into_owned();
            let Some(expect) = expected(&dir_name, &file_name) else {
                continue;
            };
            let (events, rejections, stats) = run_file(&file);
            let label = format!("{dir_name}/{file_name}");
            assert!(
                rejections.is_empty(),
                "{label}: {} rejected, first: {:?}",
                rejections.len(),
                rejections.first()
            );
            assert!(!events.is_empty(), "{label}: no events");
            let types: Vec<_> = stats.by_source.keys().copied().collect();
            assert_eq!(types, vec![expect], "{label}: detected as {types:?}");
            for event in &events {
                assert_eq!(event.source_type, expect, "{label}");
                check_complete(event);
            }
            checked_files += 1;
            checked_events += events.len();
        }
    }
    println!("{checked_files} sample files, {checked_events} events checked");
    assert!(
        checked_files >= 25,
        "only {checked_files} sample files found"
    );
}

/// Files that wrap one record per line for transport: unwrap, then normalize as the vendor.
#[test]
fn wrapped_samples_normalize_completely() {
    let Some(root) = samples_dir() else { return };
    let ctx = Context {
        reference_time_ms: REFERENCE_MS,
        ..Context::default()
    };
    for (file, key, source_type) in [
        (
            "panos/graylog-paloalto-syslog-multiline.jsonl",
            "message",
            Some(SourceType::PanOs),
        ),
        ("cef-edge-cases/cef-parser-edge-cases.jsonl", "line", None),
    ] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let mut normalized = 0;
        for (n, line) in text.lines().enumerate() {
            let wrapper: serde_json::Value = serde_json::from_str(line).unwrap();
            let inner = wrapper[key].as_str().unwrap().to_owned();
            let record = Record::new(&format!("{file}#{}", n + 1), inner.clone().into_bytes());
            let routed =
                source_type.unwrap_or_else(|| vigil_formats::detect::route_line(inner.as_bytes()));
            let mut out = Output::default();
            source::normalize(routed, &record, &ctx, &mut out);
            if source_type.is_some() {
                assert!(
                    out.rejections.is_empty(),
                    "{file}:{}: {:?}",
                    n + 1,
                    out.rejections
                );
            }
            // Every line gives an event or a rejection with a reason; none vanishes.
            assert!(
                out.events.len() + out.rejections.len() >= 1,
                "{file}:{}: nothing came out of {inner:?}",
                n + 1
            );
            for event in &out.events {
                check_complete(event);
                normalized += 1;
            }
        }
        assert!(normalized > 0, "{file}: nothing normalized");
    }
}

/// Every event the generator's telemetry produces is complete for its class, and together
/// with the real samples every class the normalizers emit is exercised.
#[test]
fn every_emitted_class_carries_its_required_attributes() {
    use std::collections::BTreeSet;
    use vigil_model::ClassUid;
    let mut classes = BTreeSet::new();
    let mut generator = vigil_sim::Generator::new(7);
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    for feed in vigil_sim::Feed::ALL {
        let mut bytes = Vec::new();
        generator.write_records(feed, 2000, &mut bytes);
        inputs.push((format!("{feed:?}"), bytes));
    }
    inputs.push(generator.flow_log_object(500));
    if let Some(root) = samples_dir() {
        for dir in ["sysdig-secure", "falco", "checkpoint", "activity-tracker"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                if expected(dir, &name).is_some() {
                    inputs.push((path.display().to_string(), std::fs::read(&path).unwrap()));
                }
            }
        }
    }
    let options = StreamOptions {
        reference_time_ms: REFERENCE_MS,
        ..StreamOptions::default()
    };
    for (name, bytes) in &inputs {
        pipeline::process(&bytes[..], name, &options, |out| {
            assert!(
                out.rejections.is_empty(),
                "{name}: {:?}",
                out.rejections.first()
            );
            for event in &out.events {
                check_complete(event);
                classes.insert(event.class_uid);
            }
        })
        .unwrap();
    }
    for class in [
        ClassUid::ApiActivity,
        ClassUid::Authentication,
        ClassUid::AccountChange,
        ClassUid::NetworkActivity,
        ClassUid::HttpActivity,
        ClassUid::DetectionFinding,
        ClassUid::EntityManagement,
    ] {
        assert!(
            classes.contains(&class),
            "{} never emitted: {classes:?}",
            class.name()
        );
    }
    println!("classes checked: {classes:?}");
}

#[test]
fn invalid_flow_log_example_is_rejected_not_crashed() {
    let Some(root) = samples_dir() else { return };
    let path = root.join("vpc-flow-logs/ibm-docs-fl-analyze-example-INVALID-JSON.txt");
    let file = std::fs::File::open(&path).unwrap();
    let options = StreamOptions {
        source_type: Some(SourceType::VpcFlowLog),
        ..StreamOptions::default()
    };
    let mut rejections = Vec::new();
    let mut events = 0;
    pipeline::process(file, "example.txt", &options, |out| {
        events += out.events.len();
        rejections.append(&mut out.rejections);
    })
    .unwrap();
    assert_eq!(events, 0);
    assert!(!rejections.is_empty());
    assert!(
        rejections.iter().all(|r| r.reason == "invalid_json"),
        "{rejections:?}"
    );
}
