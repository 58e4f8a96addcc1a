//! Options of the analytics, their defaults and their validation.

use ipnet::IpNet;
use serde::Deserialize;
use vigil_sigma::ast::Level;

/// An option that cannot work.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AnalyticsError {
    /// The option and why.
    #[error("invalid analytics option `{option}`: {reason}")]
    InvalidOption {
        /// The option's path (`beaconing.min_connections`).
        option: String,
        /// What is wrong with its value.
        reason: String,
    },
}

mod level_serde {
    use serde::{Deserialize, Deserializer};
    use vigil_sigma::ast::Level;

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Level, D::Error> {
        let name = String::deserialize(d)?;
        Level::parse(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown level `{name}`")))
    }
}

/// All analytics options.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnalyticsOptions {
    /// Event time from the first event during which baselines and first-seen values only
    /// learn (ms). Default 6 h; for a live deployment a week or more is better.
    pub learning_period_ms: i64,
    /// Networks that are the estate's own; everything else is external.
    pub internal_networks: Vec<IpNet>,
    /// After an alert, the same pair or entity alerts again only this much later (ms).
    /// Default 24 h (beaconing; baselines alert at most once per entity and hour, first-seen
    /// once per value).
    pub realert_after_ms: i64,
    /// Beaconing.
    pub beaconing: BeaconOptions,
    /// Egress volume per internal IP.
    pub egress: BaselineOptions,
    /// API calls per user.
    pub api_rate: BaselineOptions,
    /// First-seen detections.
    pub first_seen: FirstSeenOptions,
}

impl Default for AnalyticsOptions {
    fn default() -> AnalyticsOptions {
        let nets = [
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "100.64.0.0/10",
            "169.254.0.0/16",
            "127.0.0.0/8",
            "161.26.0.0/16",
            "166.8.0.0/14",
            "fc00::/7",
            "fe80::/10",
            "::1/128",
        ];
        AnalyticsOptions {
            learning_period_ms: 6 * 3_600_000,
            internal_networks: nets
                .iter()
                .map(|n| n.parse().expect("the default networks are valid"))
                .collect(),
            realert_after_ms: 24 * 3_600_000,
            beaconing: BeaconOptions::default(),
            egress: BaselineOptions::egress(),
            api_rate: BaselineOptions::api_rate(),
            first_seen: FirstSeenOptions::default(),
        }
    }
}

/// Beaconing options.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BeaconOptions {
    /// Run this analytic.
    pub enabled: bool,
    /// Connections needed before a pair can alert.
    pub min_connections: usize,
    /// Connection starts kept per pair (at least `min_connections`).
    pub history: usize,
    /// Shortest mean interval that counts (ms).
    pub min_interval_ms: i64,
    /// Longest mean interval that counts (ms); a longer silence resets the pair.
    pub max_interval_ms: i64,
    /// Highest coefficient of variation of the intervals that counts as regular.
    pub max_cv: f64,
    /// Destination ports never considered (NTP polls regularly by design).
    pub ignored_dst_ports: Vec<u16>,
    /// Pairs kept at most.
    pub max_pairs: usize,
    /// Alert level.
    #[serde(deserialize_with = "level_serde::deserialize")]
    pub level: Level,
}

impl Default for BeaconOptions {
    fn default() -> BeaconOptions {
        BeaconOptions {
            enabled: true,
            min_connections: 8,
            history: 24,
            min_interval_ms: 10_000,
            max_interval_ms: 3_600_000,
            max_cv: 0.1,
            ignored_dst_ports: vec![123],
            max_pairs: 100_000,
            level: Level::Medium,
        }
    }
}

/// Options of one hourly baseline.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BaselineOptions {
    /// Run this analytic.
    pub enabled: bool,
    /// Closed active hours an entity needs before it can alert.
    pub min_history_hours: usize,
    /// Active hours kept per entity.
    pub history_hours: usize,
    /// `k` in `median + k · 1.4826 · MAD`.
    pub mad_k: f64,
    /// The hour must also exceed this multiple of the median.
    pub min_ratio: f64,
    /// And this absolute amount (bytes for egress, calls for the API rate).
    pub min_value: f64,
    /// Entities kept at most.
    pub max_entities: usize,
    /// Alert level.
    #[serde(deserialize_with = "level_serde::deserialize")]
    pub level: Level,
}

impl Default for BaselineOptions {
    fn default() -> BaselineOptions {
        BaselineOptions::egress()
    }
}

impl BaselineOptions {
    /// Egress defaults: 6 hours to learn, a week kept, k = 6, 3 × median, at least 50 MB.
    pub fn egress() -> BaselineOptions {
        BaselineOptions {
            enabled: true,
            min_history_hours: 6,
            history_hours: 168,
            mad_k: 6.0,
            min_ratio: 3.0,
            min_value: 50_000_000.0,
            max_entities: 20_000,
            level: Level::Medium,
        }
    }

    /// API rate defaults: as egress, with at least 100 calls in the hour.
    pub fn api_rate() -> BaselineOptions {
        BaselineOptions {
            min_value: 100.0,
            ..BaselineOptions::egress()
        }
    }
}

/// First-seen options.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FirstSeenOptions {
    /// Run this analytic.
    pub enabled: bool,
    /// Successful actions an entity needs (with the attribute present) before a new value of
    /// that attribute alerts.
    pub min_observations: u32,
    /// Event time between an entity's first action with the attribute and a new value that
    /// alerts (ms).
    pub min_age_ms: i64,
    /// Distinct source IPs, countries or ASNs kept per entity; past it the attribute is
    /// saturated and stops alerting for that entity.
    pub max_values: usize,
    /// Distinct API actions kept per user (same rule).
    pub max_actions: usize,
    /// Users and API keys kept at most.
    pub max_entities: usize,
    /// Level of a new source IP.
    #[serde(deserialize_with = "level_serde::deserialize")]
    pub source_ip_level: Level,
    /// Level of a new country.
    #[serde(deserialize_with = "level_serde::deserialize")]
    pub country_level: Level,
    /// Level of a new autonomous system.
    #[serde(deserialize_with = "level_serde::deserialize")]
    pub asn_level: Level,
    /// Level of a new API action.
    #[serde(deserialize_with = "level_serde::deserialize")]
    pub action_level: Level,
}

impl Default for FirstSeenOptions {
    fn default() -> FirstSeenOptions {
        FirstSeenOptions {
            enabled: true,
            min_observations: 10,
            min_age_ms: 3_600_000,
            max_values: 32,
            max_actions: 64,
            max_entities: 20_000,
            source_ip_level: Level::Low,
            country_level: Level::Medium,
            asn_level: Level::Low,
            action_level: Level::Low,
        }
    }
}

fn invalid(option: impl Into<String>, reason: impl Into<String>) -> AnalyticsError {
    AnalyticsError::InvalidOption {
        option: option.into(),
        reason: reason.into(),
    }
}

pub(super) fn validate(options: &AnalyticsOptions) -> Result<(), AnalyticsError> {
    if options.learning_period_ms < 0 {
        return Err(invalid("learning_period_ms", "must not be negative"));
    }
    let b = &options.beaconing;
    if b.min_connections < 3 {
        return Err(invalid("beaconing.min_connections", "must be at least 3"));
    }
    if b.history < b.min_connections {
        return Err(invalid(
            "beaconing.history",
            "must be at least `min_connections`",
        ));
    }
    if b.min_interval_ms <= 0 || b.max_interval_ms <= b.min_interval_ms {
        return Err(invalid(
            "beaconing.max_interval_ms",
            "need 0 < `min_interval_ms` < `max_interval_ms`",
        ));
    }
    if !(b.max_cv > 0.0 && b.max_cv.is_finite()) {
        return Err(invalid("beaconing.max_cv", "must be a positive number"));
    }
    if b.max_pairs == 0 {
        return Err(invalid("beaconing.max_pairs", "must be at least 1"));
    }
    for (name, baseline) in [("egress", &options.egress), ("api_rate", &options.api_rate)] {
        let option = |field: &str| format!("{name}.{field}");
        if baseline.min_history_hours == 0 {
            return Err(invalid(option("min_history_hours"), "must be at least 1"));
        }
        if baseline.history_hours < baseline.min_history_hours {
            return Err(invalid(
                option("history_hours"),
                "must be at least `min_history_hours`",
            ));
        }
        if baseline.max_entities == 0 {
            return Err(invalid(option("max_entities"), "must be at least 1"));
        }
        let finite = [baseline.mad_k, baseline.min_ratio, baseline.min_value];
        if finite.iter().any(|v| !v.is_finite() || *v < 0.0) {
            return Err(invalid(
                option("mad_k"),
                "`mad_k`, `min_ratio` and `min_value` must be finite and not negative",
            ));
        }
    }
    let f = &options.first_seen;
    if f.max_values == 0 || f.max_actions == 0 || f.max_entities == 0 {
        return Err(invalid(
            "first_seen.max_values",
            "`max_values`, `max_actions` and `max_entities` must be at least 1",
        ));
    }
    Ok(())
}
