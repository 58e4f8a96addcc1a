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
//!   A beacon whose sleep varies by more than about ±17 % (uniformly; CV = jitter / √3), or
//!   that misses check-ins, is not caught: that is the price of few false positives on
//!   polling software, and `max_cv` is the knob.
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
//! 0.8 kB an entity (16 MB each at 20,000), first seen at most 2.6 kB an entity (16 bytes
//! for each of 3 × 32 addresses, countries, ASNs and 64 actions: 52 MB at 20,000).

mod baseline;
mod beacon;
mod bounded;
mod first_seen;
mod observation;
mod options;
mod report;

use std::net::IpAddr;

use ipnet::IpNet;
use vigil_model::Event;

pub use observation::{Connection, Identity, Observation};
pub use options::{
    AnalyticsError, AnalyticsOptions, BaselineOptions, BeaconOptions, FirstSeenOptions,
};

use crate::alert::Alert;
use baseline::{Baselines, Measure};
use beacon::Beacons;
use first_seen::FirstSeen;
use options::validate;

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
    egress: Option<Baselines<IpAddr>>,
    api_rate: Option<Baselines<Box<str>>>,
    first_seen: Option<FirstSeen>,
    first_time_ms: Option<i64>,
    last_time_ms: i64,
    observations: u64,
    out_of_order: u64,
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
                let charged = match (src_internal, dst_internal, connection.dst_ip) {
                    (true, Some(false), _) => Some((connection.src_ip, connection.bytes_out)),
                    (false, Some(true), Some(dst)) => Some((dst, connection.bytes_in)),
                    _ => None,
                };
                if let Some((entity, bytes)) = charged {
                    egress.add(&entity, bytes as f64, observation, learning, out);
                }
            }
        }
        if let Some(identity) = &observation.identity {
            if let (Some(api_rate), Some(user), true) =
                (&mut self.api_rate, &identity.user, identity.api_call)
            {
                api_rate.add(user.as_str(), 1.0, observation, learning, out);
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
