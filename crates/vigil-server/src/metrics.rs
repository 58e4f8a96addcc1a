//! Prometheus metrics, in the text exposition format at `/metrics`.
//!
//! A small registry of our own: counters and gauges keyed by name and a few label pairs.
//! Label values are bounded by construction (source ids from the configuration, source types,
//! alert levels, HTTP routes and status classes): never an IP, a user or a path.
//! Updates happen per chunk or per request, not per event, so a mutex is cheap enough.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

/// Counter or gauge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up; name ends in `_total`.
    Counter,
    /// Goes up and down.
    Gauge,
}

struct Family {
    kind: Kind,
    help: &'static str,
    series: BTreeMap<Vec<(&'static str, String)>, f64>,
}

/// The registry.
#[derive(Default)]
pub struct Metrics {
    families: Mutex<BTreeMap<&'static str, Family>>,
}

impl Metrics {
    /// Declares a metric (idempotent), so it is exported at zero before it first moves.
    pub fn describe(&self, name: &'static str, kind: Kind, help: &'static str) {
        if let Ok(mut families) = self.families.lock() {
            families.entry(name).or_insert_with(|| Family {
                kind,
                help,
                series: BTreeMap::new(),
            });
        }
    }

    /// Adds `by` to a counter.
    pub fn add(&self, name: &'static str, labels: &[(&'static str, &str)], by: f64) {
        self.update(name, labels, |value| *value += by);
    }

    /// Sets a gauge.
    pub fn set(&self, name: &'static str, labels: &[(&'static str, &str)], to: f64) {
        self.update(name, labels, |value| *value = to);
    }

    fn update(
        &self,
        name: &'static str,
        labels: &[(&'static str, &str)],
        f: impl FnOnce(&mut f64),
    ) {
        let Ok(mut families) = self.families.lock() else {
            return;
        };
        let family = families.entry(name).or_insert_with(|| Family {
            kind: if name.ends_with("_total") {
                Kind::Counter
            } else {
                Kind::Gauge
            },
            help: "",
            series: BTreeMap::new(),
        });
        let key: Vec<(&'static str, String)> = labels
            .iter()
            .map(|(label, value)| (*label, (*value).to_owned()))
            .collect();
        f(family.series.entry(key).or_insert(0.0));
    }

    /// The current value of one series (tests and the health report).
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let families = self.families.lock().ok()?;
        let family = families.get(name)?;
        family.series.iter().find_map(|(key, value)| {
            let same = key.len() == labels.len()
                && key
                    .iter()
                    .zip(labels)
                    .all(|((k, v), (l, w))| k == l && v == w);
            same.then_some(*value)
        })
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let Ok(families) = self.families.lock() else {
            return out;
        };
        for (name, family) in families.iter() {
            if !family.help.is_empty() {
                let _ = writeln!(out, "# HELP {name} {}", family.help);
            }
            let kind = match family.kind {
                Kind::Counter => "counter",
                Kind::Gauge => "gauge",
            };
            let _ = writeln!(out, "# TYPE {name} {kind}");
            if family.series.is_empty() {
                let _ = writeln!(out, "{name} 0");
            }
            for (labels, value) in &family.series {
                out.push_str(name);
                if !labels.is_empty() {
                    out.push('{');
                    for (i, (label, text)) in labels.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        let _ = write!(out, "{label}=\"{}\"", escape(text));
                    }
                    out.push('}');
                }
                let _ = writeln!(out, " {value}");
            }
        }
        out
    }
}

/// Upper bounds (seconds) of the latency histogram's buckets.
const BUCKETS_SECONDS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// A latency histogram with fixed buckets (lock-free counters), exported in the Prometheus
/// format and read for quantiles.
#[derive(Debug, Default)]
pub struct Histogram {
    buckets: [std::sync::atomic::AtomicU64; 15],
    sum_micros: std::sync::atomic::AtomicU64,
}

impl Histogram {
    /// Counts one observation.
    pub fn record(&self, elapsed: std::time::Duration) {
        use std::sync::atomic::Ordering::Relaxed;
        let seconds = elapsed.as_secs_f64();
        let index = BUCKETS_SECONDS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(BUCKETS_SECONDS.len());
        self.buckets[index].fetch_add(1, Relaxed);
        self.sum_micros.fetch_add(
            u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            Relaxed,
        );
    }

    /// How many observations.
    pub fn count(&self) -> u64 {
        use std::sync::atomic::Ordering::Relaxed;
        self.buckets.iter().map(|b| b.load(Relaxed)).sum()
    }

    /// The upper bound of the bucket holding quantile `q` (0..=1), in seconds: an upper
    /// estimate (infinite when it falls past the last bucket); `None` with no observation.
    pub fn quantile_upper_bound(&self, q: f64) -> Option<f64> {
        use std::sync::atomic::Ordering::Relaxed;
        let total = self.count();
        if total == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (index, bucket) in self.buckets.iter().enumerate() {
            seen += bucket.load(Relaxed);
            if seen >= rank {
                return Some(BUCKETS_SECONDS.get(index).copied().unwrap_or(f64::INFINITY));
            }
        }
        Some(f64::INFINITY)
    }

    /// The histogram in the text exposition format under `name`.
    pub fn render(&self, name: &str, help: &str) -> String {
        use std::sync::atomic::Ordering::Relaxed;
        let mut out = format!("# HELP {name} {help}\n# TYPE {name} histogram\n");
        let mut cumulative = 0;
        for (index, bucket) in self.buckets.iter().enumerate() {
            cumulative += bucket.load(Relaxed);
            let bound = BUCKETS_SECONDS
                .get(index)
                .map_or_else(|| "+Inf".to_owned(), ToString::to_string);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        let sum = self.sum_micros.load(Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}");
        let _ = writeln!(out, "{name}_count {cumulative}");
        out
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_quantiles_and_exposition() {
        let histogram = Histogram::default();
        assert_eq!(histogram.quantile_upper_bound(0.99), None);
        for _ in 0..98 {
            histogram.record(std::time::Duration::from_millis(3));
        }
        histogram.record(std::time::Duration::from_millis(200));
        histogram.record(std::time::Duration::from_secs(60));
        assert_eq!(histogram.count(), 100);
        assert_eq!(histogram.quantile_upper_bound(0.5), Some(0.005));
        assert_eq!(histogram.quantile_upper_bound(0.99), Some(0.25));
        assert_eq!(histogram.quantile_upper_bound(1.0), Some(f64::INFINITY));
        let text = histogram.render("vigil_x_seconds", "x");
        assert!(
            text.contains("vigil_x_seconds_bucket{le=\"0.005\"} 98\n"),
            "{text}"
        );
        assert!(
            text.contains("vigil_x_seconds_bucket{le=\"+Inf\"} 100\n"),
            "{text}"
        );
        assert!(text.contains("vigil_x_seconds_count 100\n"), "{text}");
    }

    #[test]
    fn renders_the_exposition_format() {
        let metrics = Metrics::default();
        metrics.describe("vigil_events_total", Kind::Counter, "events stored");
        metrics.describe("vigil_queue_chunks", Kind::Gauge, "chunks waiting");
        metrics.add("vigil_events_total", &[("source_type", "panos")], 3.0);
        metrics.add("vigil_events_total", &[("source_type", "panos")], 2.0);
        metrics.add("vigil_events_total", &[("source_type", "a\"b")], 1.0);
        let text = metrics.render();
        assert!(
            text.contains("# TYPE vigil_events_total counter\n"),
            "{text}"
        );
        assert!(
            text.contains("vigil_events_total{source_type=\"panos\"} 5\n"),
            "{text}"
        );
        assert!(
            text.contains("vigil_events_total{source_type=\"a\\\"b\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("# TYPE vigil_queue_chunks gauge\nvigil_queue_chunks 0\n"),
            "{text}"
        );
        assert_eq!(
            metrics.value("vigil_events_total", &[("source_type", "panos")]),
            Some(5.0)
        );
    }
}
