//! Alerts: what a rule match (or a correlation) becomes for people and tools.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::Serialize;
use vigil_model::{Event, Provenance, SourceType};
use vigil_sigma::ast::{CorrelationType, Level, Meta};
use vigil_sigma::engine::RuleMatch;

/// The rule behind an alert, with the metadata an analyst needs (and `author`, which the
/// Detection Rule License requires every match to keep).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct AlertRule {
    /// `id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `title`.
    pub title: String,
    /// `level` (`informational` when the rule has none).
    pub level: &'static str,
    /// `tags`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// `author`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// `description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `falsepositives`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub falsepositives: Vec<String>,
}

impl AlertRule {
    /// The alert rule of a Sigma document's metadata.
    pub fn from_meta(meta: &Meta) -> AlertRule {
        AlertRule {
            id: meta.id.clone(),
            name: meta.name.clone(),
            title: meta.title.clone(),
            level: meta.level.unwrap_or(Level::Informational).name(),
            tags: meta.tags.clone(),
            author: meta.author.clone(),
            description: meta.description.clone(),
            falsepositives: meta.falsepositives.clone(),
        }
    }

    /// The level as a [`Level`].
    pub fn level(&self) -> Level {
        Level::parse(self.level).unwrap_or(Level::Informational)
    }
}

/// One event that contributed to an alert.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct AlertEvidence {
    /// Event time (ms since the epoch).
    pub time: i64,
    /// The event's source type.
    pub source_type: SourceType,
    /// Where the event's record is.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// OCSF class of the event.
    pub class_name: &'static str,
    /// Search identifiers that were true (single-rule matches).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matched_searches: Vec<String>,
    /// Fields and values that made the rule match.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matched_fields: Vec<(String, String)>,
}

/// What a correlation alert adds.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct AlertCorrelation {
    /// The correlation type (`event_count`…).
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Group-by fields and their values.
    pub group: Vec<(String, Option<String>)>,
    /// Window start (ms).
    pub window_start: i64,
    /// Window end (ms).
    pub window_end: i64,
    /// The measured value (count, distinct values, sum…).
    pub value: f64,
    /// How many events contributed (evidence may list fewer).
    pub events: usize,
}

/// The entities an alert names, for pivots.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Entities {
    /// IP addresses.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub ips: BTreeSet<String>,
    /// Users, service IDs, principals.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub users: BTreeSet<String>,
    /// API keys and access keys.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub api_keys: BTreeSet<String>,
    /// Cloud resources (CRNs, ARNs, instance ids).
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub resources: BTreeSet<String>,
    /// Host names.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub hosts: BTreeSet<String>,
}

impl Entities {
    /// Adds what `event` names.
    pub fn add_event(&mut self, event: &Event) {
        let mut ip = |v: Option<&str>| {
            if let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) {
                self.ips.insert(v.to_owned());
            }
        };
        for ep in [&event.src_endpoint, &event.dst_endpoint]
            .into_iter()
            .flatten()
        {
            ip(ep.ip.as_deref());
        }
        for evidence in &event.evidences {
            for ep in [&evidence.src_endpoint, &evidence.dst_endpoint]
                .into_iter()
                .flatten()
            {
                ip(ep.ip.as_deref());
            }
        }
        let add = |set: &mut BTreeSet<String>, v: Option<&str>| {
            if let Some(v) = v.map(str::trim).filter(|v| !v.is_empty() && *v != "-") {
                set.insert(v.to_owned());
            }
        };
        for user in [
            event.actor.as_ref().and_then(|a| a.user.as_ref()),
            event.user.as_deref(),
        ]
        .into_iter()
        .flatten()
        {
            add(
                &mut self.users,
                user.uid.as_deref().or(user.name.as_deref()),
            );
            add(&mut self.api_keys, user.credential_uid.as_deref());
        }
        for resource in &event.resources {
            let id = resource.uid.as_deref().or(resource.name.as_deref());
            let is_key = resource
                .type_name
                .as_deref()
                .is_some_and(|t| t.contains("apikey") || t.contains("api-key"));
            if is_key {
                add(&mut self.api_keys, id);
            } else {
                add(&mut self.resources, id);
            }
        }
        if let Some(device) = &event.device {
            add(&mut self.hosts, device.hostname.as_deref());
            add(&mut self.resources, device.instance_uid.as_deref());
            ip(device.ip.as_deref());
            if let Some(container) = &device.container {
                add(&mut self.resources, container.uid.as_deref());
            }
        }
        for evidence in &event.evidences {
            if let Some(container) = evidence.process.as_ref().and_then(|p| p.container.as_ref()) {
                add(&mut self.resources, container.uid.as_deref());
            }
        }
    }
}

/// An alert: a rule that matched one event, or a correlation that fired over several.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Alert {
    /// When it happened: the event time, or the end of the correlation window (ms).
    pub time: i64,
    /// The rule or correlation (shared by every alert of the rule).
    pub rule: Arc<AlertRule>,
    /// The correlation details, for correlation alerts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation: Option<AlertCorrelation>,
    /// The entities named by the evidence.
    pub entities: Entities,
    /// The contributing events (capped for correlations).
    pub evidence: Vec<AlertEvidence>,
}

impl Alert {
    /// An alert of `rule` for one match on one event.
    pub fn from_match(rule: Arc<AlertRule>, event: &Event, matched: &RuleMatch) -> Alert {
        let mut entities = Entities::default();
        entities.add_event(event);
        Alert {
            time: event.time,
            rule,
            correlation: None,
            entities,
            evidence: vec![AlertEvidence {
                time: event.time,
                source_type: event.source_type,
                provenance: event.provenance.clone(),
                class_name: event.class_uid.name(),
                matched_searches: matched.matched_searches.clone(),
                matched_fields: matched.matched_fields.clone(),
            }],
        }
    }
}

/// The Sigma name of a correlation type.
pub fn correlation_type_name(kind: CorrelationType) -> &'static str {
    match kind {
        CorrelationType::EventCount => "event_count",
        CorrelationType::ValueCount => "value_count",
        CorrelationType::Temporal => "temporal",
        CorrelationType::TemporalOrdered => "temporal_ordered",
        CorrelationType::ValueSum => "value_sum",
        CorrelationType::ValueAvg => "value_avg",
        CorrelationType::ValuePercentile => "value_percentile",
    }
}
