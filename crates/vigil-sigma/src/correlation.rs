//! The streaming correlation engine: Sigma v2.1 correlation rules over a stream of rule
//! matches, in event time, with bounded state that survives a restart.
//!
//! The caller evaluates detection rules and feeds every match of a referenced rule to
//! [`CorrelationEngine::observe`] with the event time, its own event id and the event; the
//! engine returns the correlation alerts that match fired. It does no IO and reads no clock.
//!
//! # Semantics
//!
//! * **References.** A `rules` entry names a correlation (by `id` or `name`) first, else a
//!   detection rule from the caller's `known_rules` (by `id`, then `name`). Unresolvable
//!   references, duplicate correlation identifiers and reference cycles are errors. A rule
//!   referenced twice (by id and by name) counts once.
//! * **Groups.** The group-by values are the first value of each field (arrays: the first
//!   element), as text; an absent or null field is a null group value. Without `group-by`
//!   each correlation has one global group. `aliases` pick the field per referenced rule. By
//!   default values are ASCII-lowercased ([`ValueCase`]), like Sigma's case-insensitive
//!   matching and the pySigma SQLite oracle's `COLLATE NOCASE`; alerts report the folded
//!   value. Values longer than `max_value_bytes` are cut.
//! * **Windows** slide with the data: a group keeps the observations no older than its
//!   newest event time minus `timespan` (inclusive: events exactly `timespan` apart share a
//!   window, as in the oracle's `BETWEEN t AND t + timespan`).
//! * **Firing.** After each observation the condition is tested on the group's window; when
//!   it holds, an alert is returned and the group's observations are cleared, so one burst
//!   gives one alert and the next alert needs a fresh burst (re-arming). The alert reports the
//!   oldest contributing observation, the newest event time, the aggregate and the first
//!   `max_evidence_per_alert` event ids. Conditions are tested eagerly: one that a single
//!   event satisfies (`lt`, `lte`, `neq`) fires on the group's first event; the engine never
//!   waits for a window to close, so there is no "fewer than N" absence detection.
//! * **Types.** `event_count`: matching events. `value_count`: distinct non-null values of
//!   `condition.field` (several fields: distinct tuples, null if any is null; nulls are not
//!   counted). `value_sum` / `value_avg` / `value_percentile`: over the numeric values of
//!   `condition.field` (integers, floats, numeric strings; other events are ignored);
//!   percentile by nearest rank (smallest value whose 1-based rank `r` has
//!   `r * 100 >= n * p`). `temporal`: the number of distinct referenced rules seen in the
//!   window (default condition `gte` their number). `temporal_ordered`: the length of the
//!   longest prefix of `rules` found in time order in the window (greedy earliest match; ties
//!   in arrival order); default `gte` the number of rules.
//! * **Chaining.** An alert of a correlation is observed by the correlations referencing it,
//!   at the alert's end time; its group values are the only fields they can read (checked at
//!   build time) and its event ids become their evidence. A correlation's own alerts are
//!   returned unless every correlation referencing it has `generate: false`.
//! * **Lateness.** An event older than its group's newest time by more than
//!   `allowed_lateness_ms` is dropped and counted (`late_events_total`); one within it is
//!   inserted in time order. An in-lateness event already outside the window is dropped and
//!   counted (`out_of_window_events_total`).
//! * **Bounds.** At most `max_groups` groups (least recently updated evicted first),
//!   `max_observations_per_group` observations or distinct values per group (oldest dropped),
//!   `max_observations_total` in all (least recently updated groups evicted); all counted.
//!   [`CorrelationEngine::expire_before`] drops groups a watermark has left behind.

mod compile;
mod error;
mod groups;
mod key;
mod options;
mod resolve;
mod snapshot;
mod state;
mod window;

#[cfg(test)]
mod tests;

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

pub use self::error::CorrelationError;
pub use self::options::{CorrelationOptions, ValueCase};
pub use self::snapshot::CorrelationSnapshot;

use self::compile::Plan;
use self::groups::GroupTable;
use self::key::AlertDocument;
use self::state::State;
use self::window::Evidence;
use crate::ast::{self, CorrelationType, Level};
use crate::doc::Document;

/// Which rule matched: its `id` and `name` (either may be absent).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RuleRef<'a> {
    /// The rule's `id`.
    pub id: Option<&'a str>,
    /// The rule's `name`.
    pub name: Option<&'a str>,
}

impl<'a> RuleRef<'a> {
    /// A rule known by its `id` only.
    pub fn id(id: &'a str) -> RuleRef<'a> {
        RuleRef {
            id: Some(id),
            name: None,
        }
    }

    /// A rule known by its `name` only.
    pub fn name(name: &'a str) -> RuleRef<'a> {
        RuleRef {
            id: None,
            name: Some(name),
        }
    }

    /// The `id` and `name` of a document's metadata.
    pub fn of(meta: &'a ast::Meta) -> RuleRef<'a> {
        RuleRef {
            id: meta.id.as_deref(),
            name: meta.name.as_deref(),
        }
    }
}

/// A fired correlation.
#[derive(Clone, Debug, PartialEq)]
pub struct CorrelationAlert {
    /// The correlation's `id`.
    pub correlation_id: Option<String>,
    /// The correlation's `name`.
    pub correlation_name: Option<String>,
    /// The correlation's `title`.
    pub title: String,
    /// The correlation's `level`.
    pub level: Option<Level>,
    /// The correlation type.
    pub kind: CorrelationType,
    /// `group-by` names (aliases as written) with the group's values (null: absent).
    pub group: Vec<(String, Option<String>)>,
    /// Time of the oldest contributing observation.
    pub window_start_ms: i64,
    /// Newest event time of the group when it fired.
    pub window_end_ms: i64,
    /// The aggregate that met the condition (count, distinct count, sum, average,
    /// percentile, or the number of referenced rules seen).
    pub value: f64,
    /// Contributing event ids, oldest first, at most `max_evidence_per_alert`.
    pub event_ids: Vec<u64>,
    /// Whether `event_ids` was cut at the cap.
    pub event_ids_truncated: bool,
}

/// Counters and gauges of an engine (counter names end in `_total`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CorrelationStats {
    /// Open groups.
    pub groups: usize,
    /// Observations held in all groups.
    pub observations: usize,
    /// Alerts fired (returned or suppressed by `generate: false`).
    pub alerts_total: u64,
    /// Alerts of chained-only correlations not returned (`generate: false`).
    pub suppressed_alerts_total: u64,
    /// Groups evicted by `max_groups` or `max_observations_total`.
    pub evicted_groups_total: u64,
    /// Groups dropped by [`CorrelationEngine::expire_before`].
    pub expired_groups_total: u64,
    /// Events dropped for arriving later than `allowed_lateness_ms`.
    pub late_events_total: u64,
    /// Events within lateness but already outside their group's window.
    pub out_of_window_events_total: u64,
    /// Observations dropped by `max_observations_per_group`.
    pub truncated_observations_total: u64,
    /// Snapshot groups not restored (correlation gone or changed).
    pub restore_dropped_groups_total: u64,
}

/// The streaming correlation engine. See the [module documentation](self) for semantics.
#[derive(Clone, Debug)]
pub struct CorrelationEngine {
    plan: Plan,
    state: State,
}

impl CorrelationEngine {
    /// Validates `correlations` against the detection rules that exist (`known_rules`: each
    /// rule's `id` and `name`) and builds an engine with empty state.
    pub fn new(
        correlations: &[ast::Correlation],
        known_rules: &[RuleRef<'_>],
        options: CorrelationOptions,
    ) -> Result<CorrelationEngine, CorrelationError> {
        options.validate()?;
        let plan = Plan::build(correlations, known_rules, &options)?;
        let state = State {
            options,
            groups: GroupTable::default(),
            stats: CorrelationStats::default(),
            key_buffer: Vec::new(),
            value_buffer: Vec::new(),
            text_buffer: String::new(),
        };
        Ok(CorrelationEngine { plan, state })
    }

    /// Builds an engine like [`CorrelationEngine::new`] and reloads the open windows of
    /// `snapshot`. Groups of correlations that are gone or changed (type, rules, group-by,
    /// fields, aliases or timespan) are dropped and counted in
    /// `restore_dropped_groups_total`; the options in force are the new ones.
    pub fn restore(
        correlations: &[ast::Correlation],
        known_rules: &[RuleRef<'_>],
        options: CorrelationOptions,
        snapshot: &CorrelationSnapshot,
    ) -> Result<CorrelationEngine, CorrelationError> {
        let mut engine = CorrelationEngine::new(correlations, known_rules, options)?;
        snapshot::restore_into(&engine.plan, &mut engine.state, snapshot)?;
        Ok(engine)
    }

    /// The engine's state, to pass to [`CorrelationEngine::restore`] after a restart.
    pub fn snapshot(&self) -> CorrelationSnapshot {
        snapshot::take(&self.plan, &self.state)
    }

    /// Feeds one match of `rule` by the event `event_id` at `time_ms`; returns the alerts it
    /// fired, chained ones included (inner before outer). Rules no correlation references
    /// are ignored.
    pub fn observe(
        &mut self,
        rule: RuleRef<'_>,
        time_ms: i64,
        event_id: u64,
        doc: &dyn Document,
    ) -> Vec<CorrelationAlert> {
        let mut alerts = Vec::new();
        let Some(slot) = self.plan.rule_slot(rule) else {
            return alerts;
        };
        let mut pending: VecDeque<(usize, CorrelationAlert)> = VecDeque::new();
        for &subscription in &self.plan.rule_subscribers[slot] {
            let evidence = Evidence::Event(event_id);
            if let Some(alert) = self
                .state
                .feed(&self.plan, subscription, time_ms, evidence, doc)
            {
                pending.push_back((subscription.correlation as usize, alert));
            }
        }
        // Chaining: cycles are rejected at build time, so this ends.
        while let Some((correlation, alert)) = pending.pop_front() {
            for &subscription in &self.plan.correlation_subscribers[correlation] {
                let doc = AlertDocument {
                    group: &alert.group,
                };
                let evidence = Evidence::Events(alert.event_ids.clone().into_boxed_slice());
                let time_ms = alert.window_end_ms;
                if let Some(outer) =
                    self.state
                        .feed(&self.plan, subscription, time_ms, evidence, &doc)
                {
                    pending.push_back((subscription.correlation as usize, outer));
                }
            }
            if self.plan.correlations[correlation].emit {
                alerts.push(alert);
            } else {
                self.state.stats.suppressed_alerts_total += 1;
            }
        }
        alerts
    }

    /// Whether the caller should not emit `rule`'s own matches: true when at least one
    /// correlation references it and all of those have `generate: false`.
    pub fn suppresses_base_alerts(&self, rule: RuleRef<'_>) -> bool {
        let Some(slot) = self.plan.rule_slot(rule) else {
            return false;
        };
        let subscribers = &self.plan.rule_subscribers[slot];
        !subscribers.is_empty()
            && subscribers
                .iter()
                .all(|s| !self.plan.correlations[s.correlation as usize].generate)
    }

    /// Drops every group whose newest event is older than `watermark_ms` minus its
    /// correlation's timespan (its observations can no longer share a window with an event
    /// at or after the watermark); returns how many. O(groups): call it periodically.
    pub fn expire_before(&mut self, watermark_ms: i64) -> usize {
        let state = &mut self.state;
        let mut expired = 0;
        for slot in state.groups.slots_oldest_first() {
            let Some(correlation) = state
                .groups
                .key(slot)
                .and_then(|key| self.plan.correlation_of_key(key))
            else {
                continue;
            };
            let cutoff = watermark_ms.saturating_sub(correlation.timespan_ms);
            if state
                .groups
                .group(slot)
                .is_some_and(|group| group.newest_ms < cutoff)
            {
                state.remove_group(slot);
                expired += 1;
            }
        }
        state.stats.expired_groups_total += expired as u64;
        expired
    }

    /// Counters and gauges, O(1).
    pub fn stats(&self) -> CorrelationStats {
        let mut stats = self.state.stats.clone();
        stats.groups = self.state.groups.len();
        stats
    }

    /// Approximate heap bytes of the correlation state, from capacities (allocator overhead
    /// not included), O(groups).
    pub fn approx_state_bytes(&self) -> usize {
        self.state.groups.heap_bytes()
    }
}

impl Plan {
    fn correlation_of_key(&self, key: &[u8]) -> Option<&compile::CompiledCorrelation> {
        let prefix: [u8; key::PREFIX_BYTES] = key.get(..key::PREFIX_BYTES)?.try_into().ok()?;
        self.correlations.get(u32::from_le_bytes(prefix) as usize)
    }
}
