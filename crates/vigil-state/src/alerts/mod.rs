//! Alerts: what detection found, deduplicated, with the analyst's status and assignee.
//!
//! [`record`] folds incoming alerts into stored ones by dedup key; [`query`] lists, reads,
//! updates and counts them.

mod query;
mod record;

use std::fmt;
use std::str::FromStr;

use serde_json::Value;
use vigil_sigma::ast::Level;

use crate::error::StateError;
use crate::ids::{AlertId, RuleId};
use crate::sql::DEFAULT_PAGE;

pub use record::dedup_key;

/// Where an alert is in its life: `new` → `acknowledged` → `closed` (any move is allowed,
/// including reopening a closed alert).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AlertStatus {
    /// Nobody has looked at it yet.
    New,
    /// Someone is on it.
    Acknowledged,
    /// Done: it no longer absorbs new hits (a new alert opens instead).
    Closed,
}

impl AlertStatus {
    /// Every status, in life order.
    pub const ALL: [AlertStatus; 3] = [
        AlertStatus::New,
        AlertStatus::Acknowledged,
        AlertStatus::Closed,
    ];

    /// The stored and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::New => "new",
            AlertStatus::Acknowledged => "acknowledged",
            AlertStatus::Closed => "closed",
        }
    }
}

impl fmt::Display for AlertStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AlertStatus {
    type Err = StateError;

    /// Parses a status name; anything else is [`StateError::Invalid`].
    fn from_str(s: &str) -> Result<AlertStatus, StateError> {
        AlertStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| StateError::Invalid {
                field: "status",
                reason: format!("`{s}` is not one of `new`, `acknowledged`, `closed`"),
            })
    }
}

/// What [`crate::StateStore::record_alerts`] did with one alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordOutcome {
    /// A new stored alert was opened.
    Created(AlertId),
    /// The alert was folded into an open alert with the same dedup key.
    Merged {
        /// The open alert.
        id: AlertId,
        /// Its hit count now.
        count: i64,
    },
}

impl RecordOutcome {
    /// The stored alert the hit went to.
    pub fn id(self) -> AlertId {
        match self {
            RecordOutcome::Created(id) | RecordOutcome::Merged { id, .. } => id,
        }
    }
}

/// One stored alert as a list shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertSummary {
    /// Its id.
    pub id: AlertId,
    /// The dedup key (see [`dedup_key`]).
    pub dedup_key: String,
    /// The rule id, when the rule has one.
    pub rule_id: Option<RuleId>,
    /// The rule title.
    pub rule_title: String,
    /// The rule level.
    pub level: Level,
    /// Where the alert is in its life.
    pub status: AlertStatus,
    /// Who is on it.
    pub assignee: Option<String>,
    /// Event time of the earliest hit (ms).
    pub first_seen_ms: i64,
    /// Event time of the latest hit (ms).
    pub last_seen_ms: i64,
    /// Hits folded into it (1 for a new alert).
    pub count: i64,
    /// The entities it names (`ips`, `users`, `api_keys`, `resources`, `hosts`), as JSON.
    pub entities: Value,
    /// When the row last changed (store time, ms).
    pub updated_ms: i64,
}

/// One stored alert with everything kept about it.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertDetail {
    /// What a list shows.
    pub summary: AlertSummary,
    /// The latest hit (by event time) as the detection runtime serialized it, without its
    /// evidence (rule metadata, correlation details, entities).
    pub alert: Value,
    /// The evidence kept, oldest first by event time (at most
    /// [`crate::StoreOptions::max_evidence_per_alert`] items, the newest).
    pub evidence: Vec<Value>,
    /// Evidence items dropped to respect the cap.
    pub evidence_dropped: i64,
    /// When the alert was opened (store time, ms).
    pub created_ms: i64,
}

/// Which alerts to list (all given conditions must hold), newest `last_seen` first.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertFilter {
    /// Only this status.
    pub status: Option<AlertStatus>,
    /// Only this level or above.
    pub min_level: Option<Level>,
    /// Only this rule.
    pub rule_id: Option<RuleId>,
    /// Only alerts assigned to this person.
    pub assignee: Option<String>,
    /// Only alerts last seen at or after this time (ms).
    pub last_seen_from_ms: Option<i64>,
    /// Only alerts last seen before this time (ms).
    pub last_seen_until_ms: Option<i64>,
    /// Only alerts whose rule title contains this text (case-insensitive for ASCII).
    pub title_contains: Option<String>,
    /// At most this many alerts (clamped to [`crate::MAX_PAGE`]).
    pub limit: u32,
    /// Skip this many alerts first.
    pub offset: u64,
}

impl Default for AlertFilter {
    fn default() -> AlertFilter {
        AlertFilter {
            status: None,
            min_level: None,
            rule_id: None,
            assignee: None,
            last_seen_from_ms: None,
            last_seen_until_ms: None,
            title_contains: None,
            limit: DEFAULT_PAGE,
            offset: 0,
        }
    }
}

/// One page of alerts.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertPage {
    /// How many alerts match the filter in all (for paging).
    pub total: u64,
    /// The alerts of this page.
    pub alerts: Vec<AlertSummary>,
}

/// A change an analyst makes to an alert. `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AlertUpdate {
    /// The new status.
    pub status: Option<AlertStatus>,
    /// The new assignee: `Some(None)` unassigns.
    pub assignee: Option<Option<String>>,
}

/// The rank stored for a level, so "this level or above" is a comparison.
pub(crate) fn level_rank(level: Level) -> i64 {
    match level {
        Level::Informational => 0,
        Level::Low => 1,
        Level::Medium => 2,
        Level::High => 3,
        Level::Critical => 4,
    }
}

/// Every level, lowest first.
pub(crate) const LEVELS: [Level; 5] = [
    Level::Informational,
    Level::Low,
    Level::Medium,
    Level::High,
    Level::Critical,
];
