//! Limits and tolerances of the engine.

use serde::{Deserialize, Serialize};

use super::CorrelationError;

/// Whether group-by and distinct values are compared case-sensitively.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueCase {
    /// Byte-exact.
    Sensitive,
    /// ASCII letters folded to lowercase (the oracle's behaviour).
    #[default]
    AsciiInsensitive,
}

/// Limits and tolerances of a [`super::CorrelationEngine`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CorrelationOptions {
    /// How far behind its group's newest event an event may be and still count.
    pub allowed_lateness_ms: i64,
    /// Groups kept across all correlations; the least recently updated is evicted beyond.
    pub max_groups: usize,
    /// Observations (distinct values for `value_count`) kept per group; the oldest are
    /// dropped beyond.
    pub max_observations_per_group: usize,
    /// Observations kept across all groups; least recently updated groups are evicted beyond.
    pub max_observations_total: usize,
    /// Event ids reported per alert.
    pub max_evidence_per_alert: usize,
    /// Longest group-by or distinct value kept, in bytes.
    pub max_value_bytes: usize,
    /// Case handling of group-by and distinct values.
    pub value_case: ValueCase,
}

impl Default for CorrelationOptions {
    fn default() -> Self {
        CorrelationOptions {
            allowed_lateness_ms: 60_000,
            max_groups: 1_000_000,
            max_observations_per_group: 10_000,
            max_observations_total: 10_000_000,
            max_evidence_per_alert: 100,
            max_value_bytes: 1024,
            value_case: ValueCase::AsciiInsensitive,
        }
    }
}

impl CorrelationOptions {
    pub(crate) fn validate(&self) -> Result<(), CorrelationError> {
        let invalid = |option, reason| Err(CorrelationError::InvalidOption { option, reason });
        if self.allowed_lateness_ms < 0 {
            return invalid("allowed_lateness_ms", "must not be negative");
        }
        if self.max_groups == 0 || self.max_groups >= u32::MAX as usize {
            return invalid("max_groups", "must be between 1 and 2^32 - 2");
        }
        if self.max_observations_per_group == 0 {
            return invalid("max_observations_per_group", "must be positive");
        }
        if self.max_observations_total < self.max_observations_per_group {
            return invalid(
                "max_observations_total",
                "must be at least `max_observations_per_group`",
            );
        }
        Ok(())
    }
}
