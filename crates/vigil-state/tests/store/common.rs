//! Builders shared by the tests.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use vigil_detect::alert::{Alert, AlertCorrelation, AlertEvidence, AlertRule, Entities};
use vigil_model::{Provenance, SourceType};
use vigil_state::{Clock, StateStore, StoreOptions};

/// A rule with an id.
pub fn rule(id: &str, title: &str, level: &'static str) -> Arc<AlertRule> {
    Arc::new(AlertRule {
        id: Some(id.to_owned()),
        name: None,
        title: title.to_owned(),
        level,
        tags: vec!["attack.t1078".to_owned()],
        author: Some("Vigil".to_owned()),
        description: None,
        falsepositives: Vec::new(),
    })
}

/// One evidence item at `time`, from line `line` of `at.ndjson`.
pub fn evidence(time: i64, line: u64) -> AlertEvidence {
    AlertEvidence {
        time,
        source_type: SourceType::ActivityTracker,
        provenance: Provenance {
            source: Arc::from("at.ndjson"),
            line,
            offset: line * 100,
            index: None,
        },
        class_name: "API Activity",
        matched_searches: vec!["selection".to_owned()],
        matched_fields: vec![("action".to_owned(), "iam.login".to_owned())],
    }
}

/// A single-event alert of `rule` at `time` naming `ip`.
pub fn hit(rule: &Arc<AlertRule>, time: i64, ip: &str) -> Alert {
    let mut entities = Entities::default();
    entities.ips.insert(ip.to_owned());
    Alert {
        time,
        rule: Arc::clone(rule),
        correlation: None,
        entities,
        evidence: vec![evidence(time, u64::try_from(time).unwrap_or(0))],
    }
}

/// A correlation alert of `rule` grouped by `user`.
pub fn correlation(rule: &Arc<AlertRule>, time: i64, user: &str) -> Alert {
    let mut entities = Entities::default();
    entities.users.insert(user.to_owned());
    Alert {
        time,
        rule: Arc::clone(rule),
        correlation: Some(AlertCorrelation {
            kind: "event_count",
            group: vec![("user".to_owned(), Some(user.to_owned()))],
            window_start: time - 60_000,
            window_end: time,
            value: 5.0,
            events: 5,
        }),
        entities,
        evidence: (0..5).map(|i| evidence(time - i * 1000, 1)).collect(),
    }
}

/// A clock the test moves by hand.
pub fn manual_clock(start_ms: i64) -> (Clock, Arc<AtomicI64>) {
    let now = Arc::new(AtomicI64::new(start_ms));
    let handle = Arc::clone(&now);
    (Clock::from_fn(move || handle.load(Ordering::SeqCst)), now)
}

/// An in-memory store with a fixed clock at 1,000,000 ms.
pub fn memory_store() -> StateStore {
    let (clock, _) = manual_clock(1_000_000);
    StateStore::open_in_memory_with(StoreOptions {
        clock,
        ..StoreOptions::default()
    })
    .unwrap()
}
