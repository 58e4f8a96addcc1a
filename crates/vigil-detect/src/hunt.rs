//! From rule matches to alerts: single-rule alerts and correlations, in event-time order.
//!
//! Matching one event against the compiled rule set is stateless ([`match_event`]) and runs on
//! any thread. Correlations are stateful and need events in time order, so matched events go
//! to one [`AlertBuilder`] that is fed in event-time order (`vigil hunt` sorts the matched
//! events of all files by time first, so correlations across files are exact whatever the
//! order files are read in; a live pipeline feeds it as events arrive, relying on the
//! correlation engine's allowed lateness).

use std::collections::{HashMap, VecDeque};

use vigil_model::Event;
use vigil_model::SourceType;
use vigil_sigma::ast::Meta;
use vigil_sigma::correlation::{
    CorrelationAlert, CorrelationEngine, CorrelationError, CorrelationOptions, CorrelationStats,
    RuleRef,
};
use vigil_sigma::doc::{Document, EventDocument, FieldValue};
use vigil_sigma::engine::{CompiledRuleSet, RuleMatch, Scratch};
use vigil_sigma::pipeline::{self, Pipeline};

use crate::alert::{
    correlation_type_name, Alert, AlertCorrelation, AlertEvidence, AlertRule, Entities,
};

/// An event that matched at least one rule.
#[derive(Clone, Debug)]
pub struct MatchedEvent {
    /// The event.
    pub event: Event,
    /// The rules it matched.
    pub matches: Vec<RuleMatch>,
}

/// Evaluates `event` against `rules` (routed by its source type); `None` when nothing matched.
pub fn match_event(
    rules: &CompiledRuleSet,
    event: &Event,
    scratch: &mut Scratch,
) -> Option<Vec<RuleMatch>> {
    let doc = EventDocument::new(event);
    let mut matches = Vec::new();
    rules.evaluate_with(scratch, event.source_type, &doc, &mut matches);
    (!matches.is_empty()).then_some(matches)
}

/// How many matched events' evidence is kept for correlation alerts to cite.
const EVIDENCE_KEPT: usize = 1_000_000;

/// Turns matched events (fed in event-time order) into alerts.
pub struct AlertBuilder<'a> {
    rules: &'a CompiledRuleSet,
    correlations: CorrelationEngine,
    next_event_id: u64,
    /// Evidence of recent matched events by id, for correlation alerts; the oldest are dropped
    /// past [`EVIDENCE_KEPT`].
    evidence: HashMap<u64, (AlertEvidence, Entities)>,
    order: VecDeque<u64>,
}

impl<'a> AlertBuilder<'a> {
    /// A builder over `rules` with its correlations.
    pub fn new(
        rules: &'a CompiledRuleSet,
        options: CorrelationOptions,
    ) -> Result<AlertBuilder<'a>, CorrelationError> {
        let known = rules.known_rules();
        let correlations = CorrelationEngine::new(rules.correlations(), &known, options)?;
        Ok(AlertBuilder {
            rules,
            correlations,
            next_event_id: 0,
            evidence: HashMap::new(),
            order: VecDeque::new(),
        })
    }

    /// Correlation engine counters.
    pub fn correlation_stats(&self) -> CorrelationStats {
        self.correlations.stats()
    }

    /// Feeds one matched event; appends the alerts it causes to `out`.
    pub fn push(&mut self, matched: &MatchedEvent, out: &mut Vec<Alert>) {
        let event = &matched.event;
        let event_id = self.next_event_id;
        self.next_event_id += 1;
        let doc = EventDocument::new(event);
        // Kept before correlations run, so an alert fired by this very event cites it.
        if !self.rules.correlations().is_empty() {
            let mut entities = Entities::default();
            entities.add_event(event);
            let evidence = AlertEvidence {
                time: event.time,
                source_type: event.source_type,
                provenance: event.provenance.clone(),
                class_name: event.class_uid.name(),
                matched_searches: Vec::new(),
                matched_fields: matched
                    .matches
                    .iter()
                    .flat_map(|m| m.matched_fields.iter().cloned())
                    .collect(),
            };
            self.evidence.insert(event_id, (evidence, entities));
            self.order.push_back(event_id);
            while self.order.len() > EVIDENCE_KEPT {
                if let Some(old) = self.order.pop_front() {
                    self.evidence.remove(&old);
                }
            }
        }
        for rule_match in &matched.matches {
            let Some(info) = self.rules.rule(rule_match.rule_index) else {
                continue;
            };
            let rule = RuleRef::of(&info.meta);
            if !self.correlations.suppresses_base_alerts(rule) {
                out.push(Alert::from_match(&info.meta, event, rule_match));
            }
            // Correlations name fields as the rule does (`src_ip` of the firewall taxonomy):
            // read them through the same pipeline mapping the rule's detection went through.
            let plan = pipeline::plan(&info.logsource, event.source_type, self.rules.pipelines());
            let mapped = MappedDocument {
                inner: &doc,
                plan: &plan,
                pipelines: self.rules.pipelines(),
            };
            for fired in self
                .correlations
                .observe(rule, event.time, event_id, &mapped)
            {
                out.push(self.correlation_alert(&fired));
            }
        }
    }

    fn correlation_alert(&self, fired: &CorrelationAlert) -> Alert {
        let meta = self
            .rules
            .correlations()
            .iter()
            .map(|c| &c.meta)
            .find(|m| {
                (fired.correlation_id.is_some() && m.id == fired.correlation_id)
                    || (fired.correlation_name.is_some() && m.name == fired.correlation_name)
            })
            .cloned()
            .unwrap_or_else(|| Meta {
                title: fired.title.clone(),
                id: fired.correlation_id.clone(),
                name: fired.correlation_name.clone(),
                level: fired.level,
                ..Meta::default()
            });
        let mut entities = Entities::default();
        let mut evidence = Vec::new();
        for id in &fired.event_ids {
            if let Some((ev, ent)) = self.evidence.get(id) {
                evidence.push(ev.clone());
                entities.ips.extend(ent.ips.iter().cloned());
                entities.users.extend(ent.users.iter().cloned());
                entities.api_keys.extend(ent.api_keys.iter().cloned());
                entities.resources.extend(ent.resources.iter().cloned());
                entities.hosts.extend(ent.hosts.iter().cloned());
            }
        }
        Alert {
            time: fired.window_end_ms,
            rule: AlertRule::from_meta(&meta),
            correlation: Some(AlertCorrelation {
                kind: correlation_type_name(fired.kind),
                group: fired.group.clone(),
                window_start: fired.window_start_ms,
                window_end: fired.window_end_ms,
                value: fired.value,
                events: fired.event_ids.len(),
            }),
            entities,
            evidence,
        }
    }
}

/// A document whose field names are translated by a rule's pipeline plan before lookup (the
/// first mapped name that exists answers).
struct MappedDocument<'a> {
    inner: &'a dyn Document,
    plan: &'a [(usize, usize)],
    pipelines: &'a [Pipeline],
}

impl Document for MappedDocument<'_> {
    fn field(&self, path: &str, each: &mut dyn FnMut(FieldValue<'_>)) -> bool {
        if self.plan.is_empty() {
            return self.inner.field(path, each);
        }
        pipeline::map_field(path, self.plan, self.pipelines)
            .iter()
            .any(|name| self.inner.field(name, each))
    }

    fn keywords(&self, each: &mut dyn FnMut(&str) -> bool) {
        self.inner.keywords(each);
    }
}

/// The source type of an alert's first evidence, for grouping.
pub fn alert_source(alert: &Alert) -> Option<SourceType> {
    alert.evidence.first().map(|e| e.source_type)
}
