//! Fixtures shared by the integration tests (each test crate uses some of them).
#![allow(dead_code)]

use serde_json::Value;

/// 2024-05-01T10:00:00Z, the time the fixtures start at and "now" for relative times.
pub const NOW_MS: i64 = 1_714_557_600_000;

/// The OCSF events of `testdata/events.ndjson`, each with a `metadata.uid` naming it.
pub fn events() -> Vec<Value> {
    let text = include_str!("../../testdata/events.ndjson");
    text.lines()
        .map(|line| serde_json::from_str(line).expect("fixture lines are JSON"))
        .collect()
}

/// The `metadata.uid` of an event.
pub fn uid(event: &Value) -> &str {
    event["metadata"]["uid"].as_str().unwrap_or("?")
}
