//! Snapshot and restore of the open windows, so a restart does not forget them.
//!
//! The snapshot is plain data (serde): group keys and distinct values as text, not the packed
//! bytes, and correlations named by their [`Fingerprint`], not by position, so a snapshot
//! survives reordering the correlation set. Restoring re-inserts every observation through
//! the normal path, so the new options' caps apply.

use serde::{Deserialize, Serialize};

use super::compile::{Fingerprint, Plan};
use super::groups::Group;
use super::key::{self, PREFIX_BYTES};
use super::window::{Evidence, Observation, Payload, Window};
use super::{CorrelationError, State};
use crate::ast::CorrelationType;

/// The format version this build writes and reads.
pub const SNAPSHOT_VERSION: u32 = 1;

/// The open windows of a [`super::CorrelationEngine`], versioned, serializable with serde.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CorrelationSnapshot {
    version: u32,
    correlations: Vec<Fingerprint>,
    /// Least recently updated first.
    groups: Vec<SnapshotGroup>,
}

impl CorrelationSnapshot {
    /// The format version.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// Number of groups held.
    pub fn group_count(&self) -> usize {
        self.groups.len()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct SnapshotGroup {
    /// Index into `correlations`.
    correlation: u32,
    key: Vec<Option<String>>,
    newest_ms: i64,
    window: SnapshotWindow,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct SnapshotObservation {
    time_ms: i64,
    event_ids: Vec<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum SnapshotWindow {
    Events {
        observations: Vec<SnapshotObservation>,
    },
    Values {
        values: Vec<(Vec<Option<String>>, SnapshotObservation)>,
    },
    Numbers {
        observations: Vec<(SnapshotObservation, f64)>,
    },
    Latest {
        slots: Vec<Option<SnapshotObservation>>,
    },
    Sequence {
        observations: Vec<(SnapshotObservation, u16)>,
    },
}

fn save(observation: &Observation) -> SnapshotObservation {
    SnapshotObservation {
        time_ms: observation.time_ms,
        event_ids: observation.evidence.ids().to_vec(),
    }
}

fn load(observation: &SnapshotObservation) -> Observation {
    let evidence = match observation.event_ids.as_slice() {
        [id] => Evidence::Event(*id),
        ids => Evidence::Events(ids.into()),
    };
    Observation {
        time_ms: observation.time_ms,
        evidence,
    }
}

fn save_window(window: &Window) -> SnapshotWindow {
    match window {
        Window::Events(observations) => SnapshotWindow::Events {
            observations: observations.iter().map(save).collect(),
        },
        Window::Numbers(observations) => SnapshotWindow::Numbers {
            observations: observations
                .iter()
                .map(|(o, number)| (save(o), *number))
                .collect(),
        },
        Window::Sequence(observations) => SnapshotWindow::Sequence {
            observations: observations
                .iter()
                .map(|(o, source)| (save(o), *source))
                .collect(),
        },
        Window::Latest(slots) => SnapshotWindow::Latest {
            slots: slots.iter().map(|slot| slot.as_ref().map(save)).collect(),
        },
        Window::Values(window) => {
            let mut values: Vec<_> = window
                .values
                .iter()
                .map(|(value, o)| (key::unpack_values(value), save(o)))
                .collect();
            // Map order is arbitrary: sort so equal states give equal snapshots.
            values.sort_by(|a, b| a.1.time_ms.cmp(&b.1.time_ms).then_with(|| a.0.cmp(&b.0)));
            SnapshotWindow::Values { values }
        }
    }
}

/// Captures `state`.
pub(crate) fn take(plan: &Plan, state: &State) -> CorrelationSnapshot {
    let correlations = plan
        .correlations
        .iter()
        .map(|c| c.fingerprint.clone())
        .collect();
    let mut groups = Vec::with_capacity(state.groups.len());
    for slot in state.groups.slots_oldest_first() {
        let (Some(packed), Some(group)) = (state.groups.key(slot), state.groups.group(slot)) else {
            continue;
        };
        let Some(prefix) = packed
            .get(..PREFIX_BYTES)
            .and_then(|p| <[u8; PREFIX_BYTES]>::try_from(p).ok())
        else {
            continue;
        };
        groups.push(SnapshotGroup {
            correlation: u32::from_le_bytes(prefix),
            key: key::unpack_values(&packed[PREFIX_BYTES..]),
            newest_ms: group.newest_ms,
            window: save_window(&group.window),
        });
    }
    CorrelationSnapshot {
        version: SNAPSHOT_VERSION,
        correlations,
        groups,
    }
}

/// Loads `snapshot` into the empty `state` of the engine compiled as `plan`.
pub(crate) fn restore_into(
    plan: &Plan,
    state: &mut State,
    snapshot: &CorrelationSnapshot,
) -> Result<(), CorrelationError> {
    if snapshot.version != SNAPSHOT_VERSION {
        return Err(CorrelationError::SnapshotVersion {
            found: snapshot.version,
            expected: SNAPSHOT_VERSION,
        });
    }
    // Snapshot correlation index -> current index, for unchanged correlations only.
    let mapping: Vec<Option<u32>> = snapshot
        .correlations
        .iter()
        .map(|old| {
            let index = plan
                .correlations
                .iter()
                .position(|new| new.fingerprint == *old)?;
            u32::try_from(index).ok()
        })
        .collect();
    for saved in &snapshot.groups {
        let target = mapping.get(saved.correlation as usize).copied().flatten();
        let restored = target.and_then(|index| restore_group(plan, state, index, saved));
        if restored.is_none() {
            state.stats.restore_dropped_groups_total += 1;
        }
    }
    Ok(())
}

fn restore_group(plan: &Plan, state: &mut State, index: u32, saved: &SnapshotGroup) -> Option<()> {
    let correlation = plan.correlations.get(index as usize)?;
    if saved.key.len() != correlation.group_names.len()
        || state
            .groups
            .find(&key::pack_values(Some(index), &saved.key))
            .is_some()
    {
        return None;
    }
    let cap = state.options.max_observations_per_group;
    let sources = correlation.sources.len();
    let mut window = Window::new(correlation.kind, sources);
    let fits = match (&saved.window, correlation.kind) {
        (SnapshotWindow::Events { .. }, CorrelationType::EventCount)
        | (SnapshotWindow::Values { .. }, CorrelationType::ValueCount)
        | (SnapshotWindow::Sequence { .. }, CorrelationType::TemporalOrdered) => true,
        (SnapshotWindow::Latest { slots }, CorrelationType::Temporal) => slots.len() == sources,
        (SnapshotWindow::Numbers { .. }, kind) => matches!(
            kind,
            CorrelationType::ValueSum
                | CorrelationType::ValueAvg
                | CorrelationType::ValuePercentile
        ),
        _ => false,
    };
    if !fits {
        return None;
    }
    let mut dropped = 0;
    let mut insert = |o: &SnapshotObservation, payload: Payload<'_>| {
        dropped += window.insert(load(o), payload, cap)
    };
    match &saved.window {
        SnapshotWindow::Events { observations } => {
            observations.iter().for_each(|o| insert(o, Payload::Event));
        }
        SnapshotWindow::Numbers { observations } => {
            for (o, number) in observations.iter().filter(|(_, number)| number.is_finite()) {
                insert(o, Payload::Number(*number));
            }
        }
        SnapshotWindow::Sequence { observations } => {
            for (o, source) in observations
                .iter()
                .filter(|(_, source)| usize::from(*source) < sources)
            {
                insert(o, Payload::Source(*source));
            }
        }
        SnapshotWindow::Latest { slots } => {
            for (source, o) in slots.iter().enumerate() {
                if let (Some(o), Ok(source)) = (o, u16::try_from(source)) {
                    insert(o, Payload::Source(source));
                }
            }
        }
        SnapshotWindow::Values { values } => {
            for (value, o) in values {
                insert(o, Payload::Value(&key::pack_values(None, value)));
            }
        }
    }
    window.evict_before(saved.newest_ms.saturating_sub(correlation.timespan_ms));

    while state.groups.len() >= state.options.max_groups
        || state.stats.observations + window.len() > state.options.max_observations_total
    {
        let oldest = state.groups.oldest()?;
        state.remove_group(oldest);
        state.stats.evicted_groups_total += 1;
    }
    state.stats.observations += window.len();
    state.stats.truncated_observations_total += dropped;
    let packed = key::pack_values(Some(index), &saved.key);
    state.groups.insert(
        &packed,
        Group {
            newest_ms: saved.newest_ms,
            window,
        },
    )?;
    Some(())
}
