//! The sliding window of one group: timestamped observations and the aggregate over them.
//!
//! Invariants: sequence-like windows (`Events`, `Numbers`, `Sequence`) are sorted by time,
//! ties in arrival order; after [`Window::evict_before`] no observation is older than the
//! cutoff; [`Window::len`] never exceeds the per-group cap after [`Window::insert`].

use std::collections::{HashMap, VecDeque};

use crate::ast::CorrelationType;

/// The caller's event ids behind one observation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Evidence {
    /// A matching event.
    Event(u64),
    /// A chained correlation's alert: the events behind it.
    Events(Box<[u64]>),
}

impl Evidence {
    /// The ids as a list.
    pub fn ids(&self) -> &[u64] {
        match self {
            Evidence::Event(id) => std::slice::from_ref(id),
            Evidence::Events(ids) => ids,
        }
    }
}

/// One observation: when, and which events.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Observation {
    /// Event time.
    pub time_ms: i64,
    /// Event ids.
    pub evidence: Evidence,
}

/// What a correlation type takes from a matching event besides its time.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Payload<'a> {
    /// Nothing (`event_count`).
    Event,
    /// The packed distinct value (`value_count`).
    Value(&'a [u8]),
    /// The numeric value (`value_sum`, `value_avg`, `value_percentile`).
    Number(f64),
    /// Which referenced rule matched (temporal types).
    Source(u16),
}

/// `value_count` state: the last sighting of each distinct value.
#[derive(Clone, Debug, Default)]
pub(crate) struct ValueWindow {
    /// Packed value to its latest observation.
    pub values: HashMap<Box<[u8]>, Observation>,
    /// A lower bound of the oldest sighting (exact after a scan).
    pub oldest_ms: i64,
}

/// The window of one group. Which variant is fixed by the correlation type.
#[derive(Clone, Debug)]
pub(crate) enum Window {
    /// `event_count`.
    Events(VecDeque<Observation>),
    /// `value_count`.
    Values(Box<ValueWindow>),
    /// `value_sum`, `value_avg`, `value_percentile`.
    Numbers(VecDeque<(Observation, f64)>),
    /// `temporal`: the latest observation of each referenced rule is all that matters.
    Latest(Box<[Option<Observation>]>),
    /// `temporal_ordered`: every observation with its referenced rule.
    Sequence(VecDeque<(Observation, u16)>),
}

/// The aggregate a correlation's condition is tested against.
pub(crate) struct Measure<'a> {
    /// The type.
    pub kind: CorrelationType,
    /// `rules` as source indices (`temporal_ordered`).
    pub order: &'a [u16],
    /// `condition.percentile`.
    pub percentile: f64,
}

/// What an alert reports about the window that fired.
pub(crate) struct Fired {
    /// Oldest contributing observation.
    pub start_ms: i64,
    /// Contributing event ids, at most the evidence cap.
    pub event_ids: Vec<u64>,
    /// Whether ids were left out.
    pub truncated: bool,
}

fn insert_sorted<T>(deque: &mut VecDeque<T>, item: T, time: impl Fn(&T) -> i64) {
    let item_time = time(&item);
    // Fast path: in-order arrival appends.
    if deque.back().is_none_or(|last| time(last) <= item_time) {
        deque.push_back(item);
        return;
    }
    let position = deque.partition_point(|existing| time(existing) <= item_time);
    deque.insert(position, item);
}

fn trim_front<T>(deque: &mut VecDeque<T>, cutoff_ms: i64, time: impl Fn(&T) -> i64) {
    while deque.front().is_some_and(|first| time(first) < cutoff_ms) {
        deque.pop_front();
    }
    // Give memory back after a burst; keep some slack so steady streams don't reallocate.
    if deque.capacity() > 64 && deque.len() * 4 < deque.capacity() {
        deque.shrink_to(deque.len() * 2);
    }
}

fn cap_front<T>(deque: &mut VecDeque<T>, cap: usize) -> u64 {
    let mut dropped = 0;
    while deque.len() > cap {
        deque.pop_front();
        dropped += 1;
    }
    dropped
}

impl Window {
    /// An empty window for `kind` with `sources` referenced rules.
    pub fn new(kind: CorrelationType, sources: usize) -> Window {
        match kind {
            // Capacity 1: most groups of a large key space only ever see one event.
            CorrelationType::EventCount => Window::Events(VecDeque::with_capacity(1)),
            CorrelationType::ValueCount => Window::Values(Box::default()),
            CorrelationType::ValueSum
            | CorrelationType::ValueAvg
            | CorrelationType::ValuePercentile => Window::Numbers(VecDeque::with_capacity(1)),
            CorrelationType::Temporal => Window::Latest(vec![None; sources].into_boxed_slice()),
            CorrelationType::TemporalOrdered => Window::Sequence(VecDeque::with_capacity(1)),
        }
    }

    /// Observations held (distinct values for `value_count`).
    pub fn len(&self) -> usize {
        match self {
            Window::Events(observations) => observations.len(),
            Window::Values(window) => window.values.len(),
            Window::Numbers(observations) => observations.len(),
            Window::Latest(slots) => slots.iter().filter(|slot| slot.is_some()).count(),
            Window::Sequence(observations) => observations.len(),
        }
    }

    /// Adds an observation in time order, dropping the oldest beyond `cap`; returns how
    /// many were dropped. A payload of the wrong kind is ignored.
    pub fn insert(&mut self, observation: Observation, payload: Payload<'_>, cap: usize) -> u64 {
        match (self, payload) {
            (Window::Events(observations), Payload::Event) => {
                insert_sorted(observations, observation, |o| o.time_ms);
                cap_front(observations, cap)
            }
            (Window::Numbers(observations), Payload::Number(number)) => {
                insert_sorted(observations, (observation, number), |o| o.0.time_ms);
                cap_front(observations, cap)
            }
            (Window::Sequence(observations), Payload::Source(source)) => {
                insert_sorted(observations, (observation, source), |o| o.0.time_ms);
                cap_front(observations, cap)
            }
            (Window::Latest(slots), Payload::Source(source)) => {
                if let Some(slot) = slots.get_mut(usize::from(source)) {
                    if slot
                        .as_ref()
                        .is_none_or(|old| old.time_ms <= observation.time_ms)
                    {
                        *slot = Some(observation);
                    }
                }
                0
            }
            (Window::Values(window), Payload::Value(value)) => {
                insert_value(window, observation, value, cap)
            }
            _ => 0,
        }
    }

    /// Drops observations older than `cutoff_ms`.
    pub fn evict_before(&mut self, cutoff_ms: i64) {
        match self {
            Window::Events(observations) => trim_front(observations, cutoff_ms, |o| o.time_ms),
            Window::Numbers(observations) => trim_front(observations, cutoff_ms, |o| o.0.time_ms),
            Window::Sequence(observations) => trim_front(observations, cutoff_ms, |o| o.0.time_ms),
            Window::Latest(slots) => {
                for slot in slots.iter_mut() {
                    if slot.as_ref().is_some_and(|o| o.time_ms < cutoff_ms) {
                        *slot = None;
                    }
                }
            }
            Window::Values(window) => {
                if window.oldest_ms >= cutoff_ms {
                    return;
                }
                window.values.retain(|_, o| o.time_ms >= cutoff_ms);
                window.oldest_ms = window
                    .values
                    .values()
                    .map(|o| o.time_ms)
                    .min()
                    .unwrap_or(i64::MAX);
                if window.values.capacity() > 64
                    && window.values.len() * 4 < window.values.capacity()
                {
                    window.values.shrink_to(window.values.len() * 2);
                }
            }
        }
    }

    /// The aggregate over the window, `None` when there is nothing to aggregate.
    pub fn measure(&self, measure: &Measure<'_>) -> Option<f64> {
        let value = match self {
            Window::Events(observations) => observations.len() as f64,
            Window::Values(window) => window.values.len() as f64,
            Window::Latest(slots) => slots.iter().filter(|slot| slot.is_some()).count() as f64,
            Window::Sequence(observations) => {
                ordered_prefix(observations, measure.order).len() as f64
            }
            Window::Numbers(observations) => {
                if observations.is_empty() {
                    return None;
                }
                let count = observations.len() as f64;
                match measure.kind {
                    CorrelationType::ValueAvg => {
                        observations.iter().map(|o| o.1).sum::<f64>() / count
                    }
                    CorrelationType::ValuePercentile => {
                        percentile(observations, measure.percentile)
                    }
                    _ => observations.iter().map(|o| o.1).sum::<f64>(),
                }
            }
        };
        Some(value)
    }

    /// The window start and the contributing event ids (at most `cap`), oldest first.
    pub fn fired(&self, order: &[u16], cap: usize) -> Fired {
        let mut contributing: Vec<&Observation> = match self {
            Window::Events(observations) => observations.iter().collect(),
            Window::Numbers(observations) => observations.iter().map(|o| &o.0).collect(),
            Window::Latest(slots) => slots.iter().flatten().collect(),
            Window::Values(window) => window.values.values().collect(),
            Window::Sequence(observations) => ordered_prefix(observations, order),
        };
        // Map order is arbitrary: sort for deterministic alerts.
        contributing.sort_by(|a, b| {
            a.time_ms
                .cmp(&b.time_ms)
                .then_with(|| a.evidence.ids().cmp(b.evidence.ids()))
        });
        let start_ms = contributing.first().map_or(0, |o| o.time_ms);
        let mut event_ids = Vec::new();
        let mut truncated = false;
        for observation in contributing {
            for &id in observation.evidence.ids() {
                if event_ids.len() == cap {
                    truncated = true;
                    break;
                }
                event_ids.push(id);
            }
        }
        Fired {
            start_ms,
            event_ids,
            truncated,
        }
    }

    /// Forgets every observation and releases their memory.
    pub fn clear(&mut self) {
        match self {
            Window::Events(observations) => *observations = VecDeque::new(),
            Window::Numbers(observations) => *observations = VecDeque::new(),
            Window::Sequence(observations) => *observations = VecDeque::new(),
            Window::Values(window) => **window = ValueWindow::default(),
            Window::Latest(slots) => slots.iter_mut().for_each(|slot| *slot = None),
        }
    }

    /// Heap bytes held, from capacities (allocator overhead not included).
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let evidence = |o: &Observation| match &o.evidence {
            Evidence::Event(_) => 0,
            Evidence::Events(ids) => ids.len() * size_of::<u64>(),
        };
        match self {
            Window::Events(observations) => {
                observations.capacity() * size_of::<Observation>()
                    + observations.iter().map(evidence).sum::<usize>()
            }
            Window::Numbers(observations) => {
                observations.capacity() * size_of::<(Observation, f64)>()
                    + observations.iter().map(|o| evidence(&o.0)).sum::<usize>()
            }
            Window::Sequence(observations) => {
                observations.capacity() * size_of::<(Observation, u16)>()
                    + observations.iter().map(|o| evidence(&o.0)).sum::<usize>()
            }
            Window::Latest(slots) => {
                slots.len() * size_of::<Option<Observation>>()
                    + slots.iter().flatten().map(evidence).sum::<usize>()
            }
            Window::Values(window) => {
                size_of::<ValueWindow>()
                    + window.values.capacity() * (size_of::<(Box<[u8]>, Observation)>() + 1)
                    + window
                        .values
                        .iter()
                        .map(|(key, o)| key.len() + evidence(o))
                        .sum::<usize>()
            }
        }
    }
}

fn insert_value(
    window: &mut ValueWindow,
    observation: Observation,
    value: &[u8],
    cap: usize,
) -> u64 {
    let time_ms = observation.time_ms;
    if let Some(existing) = window.values.get_mut(value) {
        if existing.time_ms <= time_ms {
            *existing = observation;
        }
        return 0;
    }
    if window.values.is_empty() {
        window.oldest_ms = time_ms;
    }
    window.oldest_ms = window.oldest_ms.min(time_ms);
    window.values.insert(value.into(), observation);
    let mut dropped = 0;
    while window.values.len() > cap {
        // Over the cap: forget the value seen least recently (O(cap), rare by construction).
        let oldest = window
            .values
            .iter()
            .min_by_key(|(_, o)| o.time_ms)
            .map(|(key, _)| key.clone());
        let Some(oldest) = oldest else {
            break;
        };
        window.values.remove(&oldest);
        dropped += 1;
    }
    dropped
}

/// The observations matching the longest prefix of `order`, earliest first (greedy
/// earliest matching finds a full in-order subsequence whenever one exists).
fn ordered_prefix<'a>(
    observations: &'a VecDeque<(Observation, u16)>,
    order: &[u16],
) -> Vec<&'a Observation> {
    let mut matched = Vec::new();
    for (observation, source) in observations {
        let Some(&wanted) = order.get(matched.len()) else {
            break;
        };
        if *source == wanted {
            matched.push(observation);
        }
    }
    matched
}

/// Nearest-rank percentile: the smallest value whose rank `r` (1-based, ascending) satisfies
/// `r * 100 >= n * p`, i.e. rank `max(1, ceil(n * p / 100))`.
fn percentile(observations: &VecDeque<(Observation, f64)>, p: f64) -> f64 {
    let mut values: Vec<f64> = observations.iter().map(|o| o.1).collect();
    let count = values.len();
    if count == 0 {
        return 0.0;
    }
    let rank = ((count as f64 * p / 100.0).ceil() as usize).clamp(1, count);
    let (_, value, _) = values.select_nth_unstable_by(rank - 1, f64::total_cmp);
    *value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(values: &[f64]) -> VecDeque<(Observation, f64)> {
        let observation = Observation {
            time_ms: 0,
            evidence: Evidence::Event(0),
        };
        values
            .iter()
            .map(|&value| (observation.clone(), value))
            .collect()
    }

    #[test]
    fn percentile_is_nearest_rank() {
        let ten: Vec<f64> = (1..=10).rev().map(f64::from).collect();
        for (p, expected) in [
            (0.0, 1.0),
            (10.0, 1.0),
            (11.0, 2.0),
            (50.0, 5.0),
            (90.0, 9.0),
            (95.0, 10.0),
            (100.0, 10.0),
        ] {
            assert_eq!(percentile(&numbers(&ten), p), expected, "p{p}");
        }
        assert_eq!(percentile(&numbers(&[10.0, 20.0]), 50.0), 10.0);
        assert_eq!(percentile(&numbers(&[]), 50.0), 0.0);
    }

    #[test]
    fn ordered_prefix_is_greedy_and_handles_repeats() {
        let sequence = |sources: &[u16]| -> VecDeque<(Observation, u16)> {
            sources
                .iter()
                .enumerate()
                .map(|(index, &source)| {
                    (
                        Observation {
                            time_ms: index as i64,
                            evidence: Evidence::Event(index as u64),
                        },
                        source,
                    )
                })
                .collect()
        };
        // rules [a, b, a] as sources [0, 1, 0]
        assert_eq!(
            ordered_prefix(&sequence(&[1, 0, 0, 1]), &[0, 1, 0]).len(),
            2
        );
        assert_eq!(
            ordered_prefix(&sequence(&[1, 0, 1, 0]), &[0, 1, 0]).len(),
            3
        );
        assert_eq!(
            ordered_prefix(&sequence(&[0, 2, 1, 2]), &[0, 1, 2]).len(),
            3
        );
    }
}
