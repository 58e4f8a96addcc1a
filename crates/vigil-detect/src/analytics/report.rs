//! Turning an analytic's finding into an [`Alert`].

use vigil_sigma::ast::Level;

use super::observation::Observation;
use crate::alert::{Alert, AlertCorrelation, AlertEvidence, AlertRule, Entities};

/// The fixed part of an analytic's alerts: its rule.
pub(super) struct Analytic {
    /// Rule id (`vigil.analytics.…`).
    pub id: &'static str,
    /// Rule title.
    pub title: &'static str,
    /// ATT&CK tags.
    pub tags: &'static [&'static str],
    /// Known false positives.
    pub falsepositives: &'static [&'static str],
}

/// What one firing says.
pub(super) struct Finding {
    /// For people: the entity, the measured value and what it was compared with.
    pub description: String,
    /// The aggregate: kind (`beaconing`, `baseline`, `first_seen`), group, window, value.
    pub correlation: AlertCorrelation,
    /// The entities it names.
    pub entities: Entities,
    /// Facts for tools, beside the description.
    pub matched_fields: Vec<(String, String)>,
}

impl Analytic {
    /// The alert of `finding`, with the observation that triggered it as evidence.
    pub(super) fn alert(&self, level: Level, observation: &Observation, finding: Finding) -> Alert {
        Alert {
            time: observation.time,
            rule: std::sync::Arc::new(AlertRule {
                id: Some(self.id.to_owned()),
                name: None,
                title: self.title.to_owned(),
                level: level.name(),
                tags: self.tags.iter().map(|t| (*t).to_owned()).collect(),
                author: Some("Vigil".to_owned()),
                description: Some(finding.description),
                falsepositives: self
                    .falsepositives
                    .iter()
                    .map(|f| (*f).to_owned())
                    .collect(),
            }),
            correlation: Some(finding.correlation),
            entities: finding.entities,
            evidence: vec![AlertEvidence {
                time: observation.time,
                source_type: observation.source_type,
                provenance: observation.provenance.clone(),
                class_name: observation.class_name,
                matched_searches: Vec::new(),
                matched_fields: finding.matched_fields,
            }],
        }
    }
}

/// `value` with an SI-ish unit for descriptions (`12.3 MB`).
pub(super) fn human_bytes(value: f64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = value;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value:.0} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
