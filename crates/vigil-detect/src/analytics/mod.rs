//! Behavioural analytics Sigma cannot express: beaconing, per-entity hourly baselines (egress
//! volume, API call rate) and first-seen detections (source IP, country, autonomous system,
//! API action of a user or API key).
//!
//! # Shape
//!
//! One [`Analytics`] holds all state. Feed it every event in event-time order
//! ([`Analytics::observe`]), or, from a parallel reader, the small [`Observation`]s extracted
//! on worker threads ([`Observation::from_event`], then [`Analytics::observe_observation`]
//! after sorting them by time). It reads no clock (time is the event's) and does no IO.
//! Alerts have the same shape as rule alerts: an [`AlertRule`](crate::alert::AlertRule) with
//! an id `vigil.analytics.<name>`, title, level, ATT&CK tags and a description with the
//! numbers; an [`AlertCorrelation`](crate::alert::AlertCorrelation) whose `kind` is
//! `beaconing`, `baseline` or `first_seen`, with the entity as `group`, the window and the
//! measured value; the triggering event as evidence with the facts as `matched_fields`.
//!
//! # Semantics
//!
//! * **Learning.** The first `learning_period_ms` of event time (from the first event seen)
//!   only learn: baselines and first-seen values build up, nothing of theirs alerts.
//!   Beaconing needs no learning.
//! * **Internal and external** addresses are told apart by `internal_networks` (RFC 1918,
//!   CGNAT, link-local, unique-local IPv6, and IBM Cloud's private service networks
//!   `161.26.0.0/16` and `166.8.0.0/14` by default).
//! * **Beaconing** ([`BeaconOptions`]): for each pair (internal source IP, external
//!   destination — its host name when the event has one, else `ip:port`) the start times of
//!   the last `history` connections are kept. Starts closer than half `min_interval_ms` merge
//!   (retries, start and end records of one session); a silence longer than
//!   `max_interval_ms` clears the history. With at least `min_connections` starts, the
//!   intervals between them have a mean between `min_interval_ms` and `max_interval_ms` and a
//!   coefficient of variation (standard deviation / mean) below `max_cv`, the pair alerts
//!   (again only after `realert_after_ms`). Defaults: 8 connections, 10 s – 1 h, CV < 0.1:
//!   a 60 s beacon with ±1 s jitter has a CV near 0.01; human or random traffic is near 1.
//!   A beacon with more than about ±15 % uniform jitter, or with missed check-ins, is not
//!   caught (CV above 0.1): that is the price of few false positives on polling software.
//!   VPC flow log windows of already-open connections do not count as connections.
//! * **Hourly baselines** ([`BaselineOptions`], see `baseline.rs` for the formula): egress
//!   bytes per internal IP (bytes it sends to external addresses, whichever side opened the
//!   connection) and API calls per user. The current clock hour's running total alerts once it
//!   exceeds `max(median + k·1.4826·MAD, min_ratio·median, min_value)` of the entity's past
//!   active hours, once the entity has `min_history_hours` of them.
//! * **First seen** ([`FirstSeenOptions`], see `first_seen.rs`): a successful action by a user
//!   or API key from a source IP, country or autonomous system never seen for it, or a user's
//!   API action never seen for it, after the entity's own learning (`min_observations` over
//!   `min_age_ms`). Country and ASN need sources that carry them (`src_endpoint.location`,
//!   `autonomous_system`: CIS, firewalls, enriched events); Activity Tracker and CloudTrail give
//!   the source IP.
//!
//! # Bounded memory
//!
//! Every map has a cap (`max_pairs`, `max_entities`) and evicts the least recently seen
//! eighth when full; every per-entity history has a cap (`history`, `history_hours`,
//! `max_values`, `max_actions`). Evictions are counted in [`AnalyticsStats`]. Worst cases with
//! the defaults: beaconing about 300 B a pair (30 MB at 100,000 pairs), baselines about
//! 0.8 kB an entity (16 MB each at 20,000), first seen about 2 kB an entity (40 MB at
//! 20,000).

mod baseline;
mod beacon;
mod bounded;
mod first_seen;
mod observation;
mod report;

use std::net::IpAddr;

use ipnet::IpNet;
use serde::Deserialize;
use vigil_model::Event;
use vigil_sigma::ast::Level;

pub use observation::{Connection, Identity, Observation};

use crate::alert::Alert;
use baseline::{Baselines, Measure};
use beacon::Beacons;
use first_seen::FirstSeen;

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

/// Counters and sizes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AnalyticsStats {
    /// Observations processed.
    pub observations: u64,
    /// Observations older than one already processed (counted where they land).
    pub out_of_order: u64,
    /// End of the learning period (ms), once an event was seen.
    pub learning_until_ms: Option<i64>,
    /// Beaconing pairs held.
    pub beacon_pairs: usize,
    /// Beaconing pairs evicted.
    pub beacon_pairs_evicted: u64,
    /// Connection starts merged into a neighbour (closer than half the minimum interval).
    pub beacon_starts_merged: u64,
    /// Beaconing alerts.
    pub beacon_alerts: u64,
    /// Egress baselines held.
    pub egress_entities: usize,
    /// Egress baselines evicted.
    pub egress_entities_evicted: u64,
    /// Egress alerts.
    pub egress_alerts: u64,
    /// API rate baselines held.
    pub api_rate_entities: usize,
    /// API rate baselines evicted.
    pub api_rate_entities_evicted: u64,
    /// API rate alerts.
    pub api_rate_alerts: u64,
    /// First-seen profiles (users and API keys) held.
    pub first_seen_entities: usize,
    /// First-seen profiles evicted.
    pub first_seen_entities_evicted: u64,
    /// Values forgotten because an entity's attribute was full.
    pub first_seen_values_evicted: u64,
    /// First-seen alerts.
    pub first_seen_alerts: u64,
}

/// Which addresses are the estate's own.
#[derive(Clone, Debug)]
pub(crate) struct Networks {
    nets: Vec<IpNet>,
}

impl Networks {
    fn is_internal(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        self.nets.iter().any(|net| net.contains(&ip))
    }
}

/// The analytics engine: all state, bounded.
#[derive(Debug)]
pub struct Analytics {
    learning_period_ms: i64,
    realert_after_ms: i64,
    networks: Networks,
    beacons: Option<Beacons>,
    egress: Option<Baselines>,
    api_rate: Option<Baselines>,
    first_seen: Option<FirstSeen>,
    first_time_ms: Option<i64>,
    last_time_ms: i64,
    observations: u64,
    out_of_order: u64,
}

fn invalid(option: impl Into<String>, reason: impl Into<String>) -> AnalyticsError {
    AnalyticsError::InvalidOption {
        option: option.into(),
        reason: reason.into(),
    }
}

fn validate(options: &AnalyticsOptions) -> Result<(), AnalyticsError> {
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

impl Analytics {
    /// An engine with `options`, checked.
    pub fn new(options: AnalyticsOptions) -> Result<Analytics, AnalyticsError> {
        validate(&options)?;
        Ok(Analytics {
            learning_period_ms: options.learning_period_ms,
            realert_after_ms: options.realert_after_ms,
            networks: Networks {
                nets: options.internal_networks,
            },
            beacons: options
                .beaconing
                .enabled
                .then(|| Beacons::new(options.beaconing)),
            egress: options
                .egress
                .enabled
                .then(|| Baselines::new(Measure::Egress, options.egress)),
            api_rate: options
                .api_rate
                .enabled
                .then(|| Baselines::new(Measure::ApiCalls, options.api_rate)),
            first_seen: options
                .first_seen
                .enabled
                .then(|| FirstSeen::new(options.first_seen)),
            first_time_ms: None,
            last_time_ms: i64::MIN,
            observations: 0,
            out_of_order: 0,
        })
    }

    /// Feeds one event (in event-time order); appends the alerts it causes to `out`.
    pub fn observe(&mut self, event: &Event, out: &mut Vec<Alert>) {
        if let Some(observation) = Observation::from_event(event) {
            self.observe_observation(&observation, out);
        }
    }

    /// Feeds one extracted observation (in event-time order); appends alerts to `out`.
    pub fn observe_observation(&mut self, observation: &Observation, out: &mut Vec<Alert>) {
        self.observations += 1;
        if observation.time < self.last_time_ms {
            self.out_of_order += 1;
        }
        self.last_time_ms = self.last_time_ms.max(observation.time);
        let first = *self.first_time_ms.get_or_insert(observation.time);
        let learning = observation.time < first.saturating_add(self.learning_period_ms);
        if let Some(connection) = &observation.connection {
            if let Some(beacons) = &mut self.beacons {
                beacons.observe(
                    observation,
                    connection,
                    &self.networks,
                    self.realert_after_ms,
                    out,
                );
            }
            if let Some(egress) = &mut self.egress {
                let src_internal = self.networks.is_internal(connection.src_ip);
                let dst_internal = connection.dst_ip.map(|ip| self.networks.is_internal(ip));
                // Bytes leaving the estate, charged to the internal side.
                match (src_internal, dst_internal) {
                    (true, Some(false)) => {
                        let entity = connection.src_ip.to_string();
                        egress.add(
                            &entity,
                            connection.bytes_out as f64,
                            observation,
                            learning,
                            out,
                        );
                    }
                    (false, Some(true)) => {
                        if let Some(dst) = connection.dst_ip {
                            let entity = dst.to_string();
                            egress.add(
                                &entity,
                                connection.bytes_in as f64,
                                observation,
                                learning,
                                out,
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
        if let Some(identity) = &observation.identity {
            if let (Some(api_rate), Some(user), true) =
                (&mut self.api_rate, &identity.user, identity.api_call)
            {
                api_rate.add(user, 1.0, observation, learning, out);
            }
            if let Some(first_seen) = &mut self.first_seen {
                first_seen.observe(observation, identity, learning, out);
            }
        }
    }

    /// Counters and sizes.
    pub fn stats(&self) -> AnalyticsStats {
        let mut stats = AnalyticsStats {
            observations: self.observations,
            out_of_order: self.out_of_order,
            learning_until_ms: self
                .first_time_ms
                .map(|t| t.saturating_add(self.learning_period_ms)),
            ..AnalyticsStats::default()
        };
        if let Some(b) = &self.beacons {
            stats.beacon_pairs = b.pairs();
            stats.beacon_pairs_evicted = b.evicted();
            stats.beacon_starts_merged = b.merged;
            stats.beacon_alerts = b.alerts;
        }
        if let Some(e) = &self.egress {
            stats.egress_entities = e.entities();
            stats.egress_entities_evicted = e.evicted();
            stats.egress_alerts = e.alerts;
        }
        if let Some(a) = &self.api_rate {
            stats.api_rate_entities = a.entities();
            stats.api_rate_entities_evicted = a.evicted();
            stats.api_rate_alerts = a.alerts;
        }
        if let Some(f) = &self.first_seen {
            stats.first_seen_entities = f.entities();
            stats.first_seen_entities_evicted = f.evicted();
            stats.first_seen_values_evicted = f.values_evicted;
            stats.first_seen_alerts = f.alerts;
        }
        stats
    }
}
