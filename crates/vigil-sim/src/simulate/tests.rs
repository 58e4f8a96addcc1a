//! Simulation end to end, on a short, thin day.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;
use vigil_model::SourceType;

use super::*;

/// A scratch directory removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("vigil-sim-simulate-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn small(seed: u64) -> SimulateOptions {
    SimulateOptions {
        seed,
        hours: 6,
        scale: 0.05,
        ..SimulateOptions::default()
    }
}

/// Every file under `dir`, by relative path, with its bytes.
fn contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        for entry in fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap().to_path_buf();
                files.insert(relative, fs::read(&path).unwrap());
            }
        }
    }
    files
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn same_options_write_the_same_bytes() {
    let a = Scratch::new("same-a");
    let b = Scratch::new("same-b");
    let first = simulate(&a.0, &small(3)).unwrap();
    let second = simulate(&b.0, &small(3)).unwrap();
    assert_eq!(first.stories, second.stories);
    let (x, y) = (contents(&a.0), contents(&b.0));
    assert_eq!(x.keys().collect::<Vec<_>>(), y.keys().collect::<Vec<_>>());
    for (path, bytes) in &x {
        assert!(bytes == &y[path], "{} differs", path.display());
    }
    let other = Scratch::new("same-c");
    let third = simulate(&other.0, &small(4)).unwrap();
    assert_ne!(first.stories, third.stories);
}

#[test]
fn the_ground_truth_describes_every_story() {
    let dir = Scratch::new("truth");
    let simulation = simulate(&dir.0, &small(1)).unwrap();
    let stories = &simulation.stories;
    let attacks = stories
        .iter()
        .filter(|s| s.kind == StoryKind::Attack)
        .count();
    assert!(attacks >= 12, "{attacks} attacks");
    assert!(stories.len() - attacks >= 3, "benign look-alikes");
    let mut ids: Vec<&str> = stories.iter().map(|s| s.id).collect();
    ids.dedup();
    assert_eq!(ids.len(), stories.len(), "ids are unique");
    for story in stories {
        assert!(story.start_ms <= story.end_ms, "{}", story.id);
        assert!(story.start_ms >= simulation.start_ms, "{}", story.id);
        assert!(story.end_ms < simulation.end_ms, "{}", story.id);
        assert!(!story.indicators.is_empty(), "{}", story.id);
        assert!(!story.sources.is_empty(), "{}", story.id);
        assert!(!story.techniques.is_empty(), "{}", story.id);
        assert!(story.records > 0, "{}", story.id);
        if story.kind == StoryKind::Attack {
            assert!(!story.expected_rules.is_empty(), "{}", story.id);
        }
        let all: Vec<&String> = [
            &story.entities.ips,
            &story.entities.users,
            &story.entities.api_keys,
            &story.entities.resources,
            &story.entities.hosts,
        ]
        .into_iter()
        .flatten()
        .collect();
        for indicator in &story.indicators {
            assert!(all.contains(&indicator), "{}: {indicator}", story.id);
        }
    }
    let several_sources = stories.iter().filter(|s| s.sources.len() >= 2).count();
    assert!(
        several_sources >= 5,
        "{several_sources} stories span sources"
    );

    let json: Value = serde_json::from_slice(&fs::read(&simulation.ground_truth).unwrap()).unwrap();
    let listed = json["stories"].as_array().unwrap();
    assert_eq!(listed.len(), stories.len());
    assert_eq!(listed[0]["id"], stories[0].id);
    assert_eq!(listed[0]["kind"], "attack");
    assert!(listed[0]["expected_rules"][0]["id"].is_string());
    assert!(listed[0]["indicators"]
        .as_array()
        .is_some_and(|i| !i.is_empty()));
    assert_eq!(json["simulation"]["hours"], 6);
}

#[test]
fn story_records_are_merged_into_the_background_in_time_order() {
    let dir = Scratch::new("order");
    let simulation = simulate(&dir.0, &small(2)).unwrap();
    let mut checked = 0;
    for file in &simulation.files.files {
        let bytes = fs::read(dir.0.join(&file.path)).unwrap();
        let text = match file.source_type {
            SourceType::ActivityTracker => gunzip(&bytes),
            SourceType::Falco => bytes,
            _ => continue,
        };
        let key = if file.source_type == SourceType::Falco {
            "time"
        } else {
            "eventTime"
        };
        let mut last = String::new();
        for line in String::from_utf8(text).unwrap().lines() {
            let record: Value = serde_json::from_str(line).unwrap();
            // Second precision: fraction digits and zone suffixes vary between records.
            let time = record[key].as_str().unwrap()[..19].to_owned();
            assert!(time >= last, "{}: {time} after {last}", file.path.display());
            last = time;
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked} records checked");
    // The stories' Activity Tracker events are in there.
    let mut found = false;
    for file in &simulation.files.files {
        if file.source_type == SourceType::ActivityTracker {
            let text = gunzip(&fs::read(dir.0.join(&file.path)).unwrap());
            found |= String::from_utf8_lossy(&text).contains("billing.account-mfa.set-off");
        }
    }
    assert!(found, "A04's MFA event is in an Activity Tracker object");
}

#[test]
fn flow_logs_of_a_vpc_stop_when_its_collector_is_deleted() {
    let dir = Scratch::new("cutoff");
    let simulation = simulate(&dir.0, &small(5)).unwrap();
    let deleted_at = simulation
        .stories
        .iter()
        .find(|s| s.id == "A14")
        .map(|s| s.end_ms)
        .unwrap();
    let generator = Generator::new(5);
    let eu_account = &generator.estate().accounts[1].id;
    let (mut before, mut after) = (0, 0);
    for file in &simulation.files.files {
        let path = file.path.to_string_lossy();
        if file.source_type != SourceType::VpcFlowLog || !path.contains(eu_account.as_str()) {
            continue;
        }
        let body: Value =
            serde_json::from_slice(&gunzip(&fs::read(dir.0.join(&file.path)).unwrap())).unwrap();
        let start = body["capture_start_time"].as_str().unwrap().to_owned();
        let start_ms = parse_seconds(&start);
        if start_ms >= deleted_at {
            after += 1;
        } else {
            before += 1;
        }
    }
    assert!(before > 0);
    assert_eq!(after, 0, "flow objects after the collector was deleted");
}

#[test]
fn options_out_of_range_are_refused() {
    let dir = Scratch::new("refused");
    let too_short = SimulateOptions {
        hours: 1,
        ..small(1)
    };
    assert_eq!(
        simulate(&dir.0, &too_short).unwrap_err().kind(),
        io::ErrorKind::InvalidInput
    );
    let no_volume = SimulateOptions {
        scale: 0.0,
        ..small(1)
    };
    assert!(simulate(&dir.0, &no_volume).is_err());
    fs::create_dir_all(&dir.0).unwrap();
    fs::write(dir.0.join("stale.log"), b"x\n").unwrap();
    let error = simulate(&dir.0, &small(1)).unwrap_err();
    assert!(error.to_string().contains("not empty"), "{error}");
}

/// `YYYY-MM-DDTHH:MM:SSZ` as ms since the epoch.
fn parse_seconds(text: &str) -> i64 {
    let number = |range: std::ops::Range<usize>| -> i64 { text[range].parse().unwrap() };
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    // Howard Hinnant's days_from_civil.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    ((days * 24 + number(11..13)) * 60 + number(14..16)) * 60_000 + number(17..19) * 1000
}

#[test]
fn parse_seconds_reads_the_default_start() {
    assert_eq!(parse_seconds("2025-06-02T00:00:00Z"), DEFAULT_DAY_START_MS);
}
