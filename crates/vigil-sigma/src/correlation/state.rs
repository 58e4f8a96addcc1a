//! The mutable side of the engine: the group table and counters, and how one observation
//! moves through them.

use super::compile::{Plan, Subscription};
use super::groups::{Group, GroupTable};
use super::key::{self, ValueRules};
use super::window::{Evidence, Measure, Observation, Payload, Window};
use super::{CorrelationAlert, CorrelationOptions, CorrelationStats};
use crate::ast::{CmpOp, CorrelationType};
use crate::doc::Document;

/// Everything that changes while events flow.
#[derive(Clone, Debug)]
pub(crate) struct State {
    /// The options in force.
    pub options: CorrelationOptions,
    /// Every open group.
    pub groups: GroupTable,
    /// Counters; `groups` is filled in by `stats()`, `observations` kept exact here.
    pub stats: CorrelationStats,
    /// Scratch: the packed group key being looked up.
    pub key_buffer: Vec<u8>,
    /// Scratch: the packed distinct value of `value_count`.
    pub value_buffer: Vec<u8>,
    /// Scratch: one field value as text.
    pub text_buffer: String,
}

/// Whether every comparison holds for `value`. `eq` and `neq` allow a relative difference of
/// `f64::EPSILON`, so sums and averages of decimals compare as written.
fn condition_holds(ops: &[(CmpOp, f64)], value: f64) -> bool {
    ops.iter().all(|&(op, threshold)| match op {
        CmpOp::Gt => value > threshold,
        CmpOp::Gte => value >= threshold,
        CmpOp::Lt => value < threshold,
        CmpOp::Lte => value <= threshold,
        CmpOp::Eq => (value - threshold).abs() <= f64::EPSILON * value.abs().max(1.0),
        CmpOp::Neq => (value - threshold).abs() > f64::EPSILON * value.abs().max(1.0),
    })
}

impl State {
    /// One observation for one correlation; the alert if it fired.
    pub fn feed(
        &mut self,
        plan: &Plan,
        subscription: Subscription,
        time_ms: i64,
        evidence: Evidence,
        doc: &dyn Document,
    ) -> Option<CorrelationAlert> {
        let correlation = plan.correlations.get(subscription.correlation as usize)?;
        let source = correlation.sources.get(usize::from(subscription.source))?;
        let rules = ValueRules {
            case: self.options.value_case,
            max_value_bytes: self.options.max_value_bytes,
        };

        // The payload first: an event without a usable value never creates a group.
        self.value_buffer.clear();
        let number = match correlation.kind {
            CorrelationType::ValueSum
            | CorrelationType::ValueAvg
            | CorrelationType::ValuePercentile => {
                Some(key::read_number(doc, source.value_fields.first()?)?)
            }
            CorrelationType::ValueCount => {
                for field in &source.value_fields {
                    self.text_buffer.clear();
                    if !key::read_text(doc, field, rules, &mut self.text_buffer) {
                        return None;
                    }
                    key::push_value(&mut self.value_buffer, Some(&self.text_buffer));
                }
                None
            }
            _ => None,
        };

        key::start_group_key(&mut self.key_buffer, subscription.correlation);
        for field in &source.group_fields {
            self.text_buffer.clear();
            let present = key::read_text(doc, field, rules, &mut self.text_buffer);
            key::push_value(
                &mut self.key_buffer,
                present.then_some(self.text_buffer.as_str()),
            );
        }

        let slot = match self.groups.find(&self.key_buffer) {
            Some(slot) => {
                let newest_ms = self.groups.group(slot)?.newest_ms;
                if time_ms < newest_ms.saturating_sub(self.options.allowed_lateness_ms) {
                    self.stats.late_events_total += 1;
                    return None;
                }
                if time_ms < newest_ms.saturating_sub(correlation.timespan_ms) {
                    self.stats.out_of_window_events_total += 1;
                    return None;
                }
                slot
            }
            None => {
                while self.groups.len() >= self.options.max_groups {
                    let oldest = self.groups.oldest()?;
                    self.remove_group(oldest);
                    self.stats.evicted_groups_total += 1;
                }
                let window = Window::new(correlation.kind, correlation.sources.len());
                self.groups.insert(
                    &self.key_buffer,
                    Group {
                        newest_ms: time_ms,
                        window,
                    },
                )?
            }
        };
        self.groups.touch(slot);

        let payload = match (correlation.kind, number) {
            (CorrelationType::EventCount, _) => Payload::Event,
            (CorrelationType::ValueCount, _) => Payload::Value(&self.value_buffer),
            (CorrelationType::Temporal | CorrelationType::TemporalOrdered, _) => {
                Payload::Source(subscription.source)
            }
            (_, Some(number)) => Payload::Number(number),
            (_, None) => return None,
        };
        let group = self.groups.group_mut(slot)?;
        let before = group.window.len();
        let observation = Observation { time_ms, evidence };
        let dropped = group.window.insert(
            observation,
            payload,
            self.options.max_observations_per_group,
        );
        group.newest_ms = group.newest_ms.max(time_ms);
        group
            .window
            .evict_before(group.newest_ms.saturating_sub(correlation.timespan_ms));
        let measure = Measure {
            kind: correlation.kind,
            order: &correlation.order,
            percentile: correlation.percentile,
        };
        let fired = group
            .window
            .measure(&measure)
            .filter(|&value| condition_holds(&correlation.ops, value))
            .map(|value| {
                let fired = group
                    .window
                    .fired(&correlation.order, self.options.max_evidence_per_alert);
                group.window.clear();
                (value, fired)
            });
        let after = group.window.len();
        let window_end_ms = group.newest_ms;
        // `before` is part of the total (invariant), so this cannot underflow.
        self.stats.observations = (self.stats.observations + after).saturating_sub(before);
        self.stats.truncated_observations_total += dropped;

        let alert = fired.map(|(value, fired)| {
            let values = self
                .groups
                .key(slot)
                .map(|key| key::unpack_values(&key[key::PREFIX_BYTES..]))
                .unwrap_or_default();
            self.stats.alerts_total += 1;
            CorrelationAlert {
                correlation_id: correlation.id.clone(),
                correlation_name: correlation.name.clone(),
                title: correlation.title.clone(),
                level: correlation.level,
                kind: correlation.kind,
                group: correlation
                    .group_names
                    .iter()
                    .cloned()
                    .zip(values)
                    .collect(),
                window_start_ms: fired.start_ms,
                window_end_ms,
                value,
                event_ids: fired.event_ids,
                event_ids_truncated: fired.truncated,
            }
        });

        // The global observation budget: evict the least recently updated other groups.
        while self.stats.observations > self.options.max_observations_total {
            let Some(oldest) = self.groups.oldest().filter(|&oldest| oldest != slot) else {
                break;
            };
            self.remove_group(oldest);
            self.stats.evicted_groups_total += 1;
        }
        alert
    }

    /// Removes a group and its observations from the totals.
    pub fn remove_group(&mut self, slot: u32) {
        if let Some(group) = self.groups.remove(slot) {
            self.stats.observations = self.stats.observations.saturating_sub(group.window.len());
        }
    }
}
