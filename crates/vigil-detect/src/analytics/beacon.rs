//! Beaconing: one internal source connecting to one external destination at regular
//! intervals.

use std::fmt::Write as _;
use std::net::IpAddr;

use super::bounded::BoundedMap;
use super::observation::{Connection, Observation};
use super::report::{Analytic, Finding};
use super::{BeaconOptions, Networks};
use crate::alert::{Alert, AlertCorrelation, Entities};

const BEACONING: Analytic = Analytic {
    id: "vigil.analytics.beaconing",
    title: "Beaconing: connections at regular intervals to one destination",
    tags: &["attack.command_and_control", "attack.t1071", "attack.t1573"],
    falsepositives: &[
        "update checks, license checks and telemetry agents polling a fixed endpoint",
        "monitoring probes and keep-alives to an external service",
    ],
};

/// The connection start times of one (source, destination) pair, sorted, at most
/// `history` of them.
#[derive(Debug, Default)]
struct Pair {
    starts_ms: Vec<i64>,
    alerted_at_ms: Option<i64>,
}

/// Beaconing state: one [`Pair`] per pair seen, bounded.
#[derive(Debug)]
pub(super) struct Beacons {
    options: BeaconOptions,
    pairs: BoundedMap<Box<str>, Pair>,
    key: String,
    pub(super) alerts: u64,
    pub(super) merged: u64,
}

/// The interval statistics of a pair's history.
struct Regularity {
    mean_ms: f64,
    cv: f64,
}

fn regularity(starts_ms: &[i64]) -> Option<Regularity> {
    let intervals = starts_ms.windows(2).map(|w| (w[1] - w[0]) as f64);
    let count = starts_ms.len().checked_sub(1).filter(|n| *n > 0)? as f64;
    let mean = intervals.clone().sum::<f64>() / count;
    if mean <= 0.0 {
        return None;
    }
    let variance = intervals.map(|i| (i - mean) * (i - mean)).sum::<f64>() / count;
    Some(Regularity {
        mean_ms: mean,
        cv: variance.sqrt() / mean,
    })
}

impl Beacons {
    pub(super) fn new(options: BeaconOptions) -> Beacons {
        let cap = options.max_pairs;
        Beacons {
            options,
            pairs: BoundedMap::new(cap),
            key: String::new(),
            alerts: 0,
            merged: 0,
        }
    }

    pub(super) fn pairs(&self) -> usize {
        self.pairs.len()
    }

    pub(super) fn evicted(&self) -> u64 {
        self.pairs.evicted()
    }

    /// The destination of a connection as the pair names it: the host name when there is one
    /// (a domain may move between addresses), else `ip:port`.
    fn destination(connection: &Connection) -> Option<String> {
        if let Some(name) = &connection.dst_name {
            return Some(name.to_string());
        }
        let ip = connection.dst_ip?;
        Some(match (ip, connection.dst_port) {
            (IpAddr::V6(v6), Some(port)) => format!("[{v6}]:{port}"),
            (ip, Some(port)) => format!("{ip}:{port}"),
            (ip, None) => ip.to_string(),
        })
    }

    pub(super) fn observe(
        &mut self,
        observation: &Observation,
        connection: &Connection,
        networks: &Networks,
        realert_after_ms: i64,
        out: &mut Vec<Alert>,
    ) {
        if !connection.opens || !networks.is_internal(connection.src_ip) {
            return;
        }
        if connection.dst_ip.is_some_and(|ip| networks.is_internal(ip)) {
            return;
        }
        if connection
            .dst_port
            .is_some_and(|p| self.options.ignored_dst_ports.contains(&p))
        {
            return;
        }
        let Some(destination) = Self::destination(connection) else {
            return;
        };
        self.key.clear();
        let _ = write!(self.key, "{}>{destination}", connection.src_ip);
        let options = &self.options;
        let pair = self
            .pairs
            .entry(self.key.as_str(), observation.time, Pair::default);
        let start = connection.started_ms;
        // A silence longer than the longest interval ends whatever regularity there was.
        if pair
            .starts_ms
            .last()
            .is_some_and(|last| start - last > options.max_interval_ms)
        {
            pair.starts_ms.clear();
        }
        // Connections closer than half the shortest interval are one check-in (a retry, a
        // second socket, the start and end records of one session).
        let at = pair.starts_ms.partition_point(|t| *t <= start);
        let merge_gap = options.min_interval_ms / 2;
        let near = |i: usize| {
            pair.starts_ms
                .get(i)
                .is_some_and(|t| (start - t).abs() < merge_gap)
        };
        if near(at) || (at > 0 && near(at - 1)) {
            self.merged += 1;
            return;
        }
        pair.starts_ms.insert(at, start);
        if pair.starts_ms.len() > options.history {
            pair.starts_ms.remove(0);
        }
        if pair.starts_ms.len() < options.min_connections {
            return;
        }
        let Some(regularity) = regularity(&pair.starts_ms) else {
            return;
        };
        let interval_ok = regularity.mean_ms >= options.min_interval_ms as f64
            && regularity.mean_ms <= options.max_interval_ms as f64;
        if !interval_ok || regularity.cv >= options.max_cv {
            return;
        }
        let last = *pair.starts_ms.last().expect("at least min_connections");
        if pair
            .alerted_at_ms
            .is_some_and(|at| last - at < realert_after_ms)
        {
            return;
        }
        pair.alerted_at_ms = Some(last);
        let first = pair.starts_ms[0];
        let connections = pair.starts_ms.len();
        self.alerts += 1;
        let finding = finding(
            connection,
            &destination,
            &regularity,
            connections,
            first,
            last,
        );
        out.push(BEACONING.alert(self.options.level, observation, finding));
    }
}

fn finding(
    connection: &Connection,
    destination: &str,
    regularity: &Regularity,
    connections: usize,
    first_ms: i64,
    last_ms: i64,
) -> Finding {
    let interval_secs = regularity.mean_ms / 1000.0;
    let src = connection.src_ip.to_string();
    let mut entities = Entities::default();
    entities.ips.insert(src.clone());
    if let Some(ip) = connection.dst_ip {
        entities.ips.insert(ip.to_string());
    }
    if let Some(name) = &connection.dst_name {
        entities.hosts.insert(name.to_string());
    }
    Finding {
        description: format!(
            "{src} connected to {destination} {connections} times, every {interval_secs:.1} s \
             (coefficient of variation of the intervals {:.3})",
            regularity.cv
        ),
        correlation: AlertCorrelation {
            kind: "beaconing",
            group: vec![
                ("src_endpoint.ip".to_owned(), Some(src.clone())),
                ("destination".to_owned(), Some(destination.to_owned())),
            ],
            window_start: first_ms,
            window_end: last_ms,
            value: (interval_secs * 10.0).round() / 10.0,
            events: connections,
        },
        entities,
        matched_fields: vec![
            ("src_endpoint.ip".to_owned(), src),
            ("destination".to_owned(), destination.to_owned()),
            (
                "beacon.interval_seconds".to_owned(),
                format!("{interval_secs:.1}"),
            ),
            ("beacon.cv".to_owned(), format!("{:.3}", regularity.cv)),
            ("beacon.connections".to_owned(), connections.to_string()),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regularity_of_steady_and_jittery_series() {
        let steady: Vec<i64> = (0..10).map(|i| i * 60_000).collect();
        let r = regularity(&steady).unwrap();
        assert_eq!((r.mean_ms, r.cv), (60_000.0, 0.0));
        let jitter = [0, 60_000, 121_000, 180_000, 239_000, 300_000];
        assert!(regularity(&jitter).unwrap().cv < 0.02);
        assert!(regularity(&[5]).is_none());
    }
}
