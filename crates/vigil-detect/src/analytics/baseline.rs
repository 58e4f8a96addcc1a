//! Per-entity hourly baselines: an entity's total for the current clock hour against the
//! hours it was active before.
//!
//! Each entity keeps its last `history_hours` *active* hourly totals (hours with at least one
//! event; silence is not learned as zero, so a host idle at night is compared with its
//! working hours, not with a median of nothing). When an hour closes (the entity's first event
//! of a later hour), its total joins the history and the threshold is recomputed:
//!
//! ```text
//! threshold = max(median + k · 1.4826 · MAD,  min_ratio · median,  min_value)
//! ```
//!
//! where MAD is the median absolute deviation (1.4826 · MAD estimates the standard deviation
//! of normal data, robustly: one earlier spike does not raise it). The running total of the
//! current hour is compared with the threshold at every event, so the alert comes as soon as
//! the hour crosses it (once per entity and hour), not when the hour ends. An entity alerts
//! only once it has `min_history_hours` closed hours and the global learning period is over.

use std::borrow::Borrow;
use std::collections::VecDeque;
use std::fmt::Display;
use std::hash::Hash;

use super::bounded::BoundedMap;
use super::observation::Observation;
use super::report::{human_bytes, Analytic, Finding};
use super::BaselineOptions;
use crate::alert::{Alert, AlertCorrelation, Entities};

const HOUR_MS: i64 = 3_600_000;

/// One entity's hourly totals.
#[derive(Debug, Default)]
struct Series {
    hour: i64,
    current: f64,
    events: usize,
    alerted_hour: Option<i64>,
    /// Closed active hours, oldest first; `f32` halves the memory and keeps 7 significant
    /// digits, plenty for a median.
    history: VecDeque<f32>,
    /// The threshold from `history`, once it is long enough.
    threshold: Option<Threshold>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Threshold {
    median: f64,
    mad: f64,
    value: f64,
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

fn threshold(history: &VecDeque<f32>, options: &BaselineOptions) -> Threshold {
    let mut values: Vec<f64> = history.iter().map(|v| f64::from(*v)).collect();
    values.sort_by(f64::total_cmp);
    let median = median(&values);
    let mut deviations: Vec<f64> = values.iter().map(|v| (v - median).abs()).collect();
    deviations.sort_by(f64::total_cmp);
    let mad = self::median(&deviations);
    let value = (median + options.mad_k * 1.4826 * mad)
        .max(options.min_ratio * median)
        .max(options.min_value);
    Threshold { median, mad, value }
}

/// What the baseline measures, for alert wording.
#[derive(Clone, Copy, Debug)]
pub(super) enum Measure {
    /// Bytes sent out of the estate by an internal address.
    Egress,
    /// API calls by a user or service ID.
    ApiCalls,
}

const EGRESS: Analytic = Analytic {
    id: "vigil.analytics.egress_volume",
    title: "Unusual egress volume for a host (hourly baseline)",
    tags: &["attack.exfiltration", "attack.t1048", "attack.t1030"],
    falsepositives: &[
        "a first full backup or a large planned transfer",
        "a host whose role changed (a new download mirror, a new data pipeline)",
    ],
};

const API_RATE: Analytic = Analytic {
    id: "vigil.analytics.api_call_rate",
    title: "Unusual API call rate for a user (hourly baseline)",
    tags: &["attack.discovery", "attack.t1580", "attack.t1526"],
    falsepositives: &[
        "an infrastructure-as-code run or a migration by this identity",
        "a new automation using the identity's credentials",
    ],
};

/// The series of every entity of one measure, bounded; `K` is the entity (an address for
/// egress, a user name for the API rate).
#[derive(Debug)]
pub(super) struct Baselines<K> {
    measure: Measure,
    options: BaselineOptions,
    series: BoundedMap<K, Series>,
    pub(super) alerts: u64,
}

impl<K: Hash + Eq> Baselines<K> {
    pub(super) fn new(measure: Measure, options: BaselineOptions) -> Baselines<K> {
        let cap = options.max_entities;
        Baselines {
            measure,
            options,
            series: BoundedMap::new(cap),
            alerts: 0,
        }
    }

    pub(super) fn entities(&self) -> usize {
        self.series.len()
    }

    pub(super) fn evicted(&self) -> u64 {
        self.series.evicted()
    }

    /// Adds `amount` to `entity`'s current hour at the observation's time; may alert.
    pub(super) fn add<Q>(
        &mut self,
        entity: &Q,
        amount: f64,
        observation: &Observation,
        learning: bool,
        out: &mut Vec<Alert>,
    ) where
        Q: ToOwned + Hash + Eq + Display + ?Sized,
        K: Borrow<Q> + From<Q::Owned>,
    {
        if amount <= 0.0 {
            return;
        }
        let hour = observation.time.div_euclid(HOUR_MS);
        let options = &self.options;
        let series = self.series.entry(entity, observation.time, || Series {
            hour,
            ..Series::default()
        });
        if hour > series.hour {
            if series.current > 0.0 {
                series.history.push_back(series.current as f32);
                if series.history.len() > options.history_hours {
                    series.history.pop_front();
                }
                if series.history.len() >= options.min_history_hours {
                    series.threshold = Some(threshold(&series.history, options));
                }
            }
            series.hour = hour;
            series.current = 0.0;
            series.events = 0;
        }
        // An event of an earlier hour (slightly out of order) counts in the current one.
        series.current += amount;
        series.events += 1;
        let Some(threshold) = series.threshold else {
            return;
        };
        if learning || series.current <= threshold.value || series.alerted_hour == Some(series.hour)
        {
            return;
        }
        series.alerted_hour = Some(series.hour);
        let finding = finding(self.measure, &entity.to_string(), series, threshold);
        self.alerts += 1;
        let analytic = match self.measure {
            Measure::Egress => &EGRESS,
            Measure::ApiCalls => &API_RATE,
        };
        out.push(analytic.alert(self.options.level, observation, finding));
    }
}

fn finding(measure: Measure, entity: &str, series: &Series, threshold: Threshold) -> Finding {
    let (what, field, current, usual, limit) = match measure {
        Measure::Egress => (
            "sent",
            "src_endpoint.ip",
            human_bytes(series.current),
            human_bytes(threshold.median),
            human_bytes(threshold.value),
        ),
        Measure::ApiCalls => (
            "made",
            "actor.user.uid",
            format!("{:.0} API calls", series.current),
            format!("{:.0}", threshold.median),
            format!("{:.0}", threshold.value),
        ),
    };
    let mut entities = Entities::default();
    match measure {
        Measure::Egress => entities.ips.insert(entity.to_owned()),
        Measure::ApiCalls => entities.users.insert(entity.to_owned()),
    };
    let hours = series.history.len();
    Finding {
        description: format!(
            "{entity} {what} {current} so far in this hour; its median over {hours} active \
             hours is {usual} and the alert threshold {limit}"
        ),
        correlation: AlertCorrelation {
            kind: "baseline",
            group: vec![(field.to_owned(), Some(entity.to_owned()))],
            window_start: series.hour * HOUR_MS,
            window_end: (series.hour + 1) * HOUR_MS,
            value: series.current,
            events: series.events,
        },
        entities,
        matched_fields: vec![
            (field.to_owned(), entity.to_owned()),
            (
                "baseline.value".to_owned(),
                format!("{:.0}", series.current),
            ),
            (
                "baseline.median".to_owned(),
                format!("{:.0}", threshold.median),
            ),
            ("baseline.mad".to_owned(), format!("{:.0}", threshold.mad)),
            (
                "baseline.threshold".to_owned(),
                format!("{:.0}", threshold.value),
            ),
            ("baseline.hours".to_owned(), hours.to_string()),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_is_robust_and_floored() {
        let options = BaselineOptions {
            mad_k: 6.0,
            min_ratio: 3.0,
            min_value: 10.0,
            ..BaselineOptions::egress()
        };
        let history: VecDeque<f32> = [100.0, 110.0, 90.0, 105.0, 95.0, 10_000.0].into();
        let t = threshold(&history, &options);
        assert_eq!(t.median, 102.5);
        assert_eq!(t.mad, 7.5);
        // The 10,000 spike moved neither: 3 × median wins over median + 6 σ.
        assert_eq!(t.value, 307.5);
        let flat: VecDeque<f32> = [5.0; 6].into();
        assert_eq!(threshold(&flat, &options).value, 15.0);
        let tiny: VecDeque<f32> = [1.0; 6].into();
        assert_eq!(threshold(&tiny, &options).value, 10.0);
    }
}
