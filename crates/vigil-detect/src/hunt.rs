//! From rule matches to alerts: single-rule alerts and correlations, in event-time order.
//!
//! Matching one event against the compiled rule set is stateless and runs on any thread
//! ([`Matcher::match_event`]): it returns a compact [`MatchedEvent`] — the single-rule alerts
//! the event raises, and for rules that feed correlations only what the correlations read
//! (the group-by, alias and value fields, read through the rule's pipeline mapping), the
//! evidence and the entities. The event itself is not kept, so holding many matches is cheap.
//!
//! Correlations are stateful and need events in time order, so matched events go to one
//! [`AlertBuilder`] fed in event-time order (`vigil hunt` sorts the matched events of all
//! files by time first, so correlations across files are exact whatever the order files are
//! read in; a live pipeline feeds it as events arrive, relying on the correlation engine's
//! allowed lateness).

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use vigil_model::{Event, SourceType};
use vigil_sigma::ast::Meta;
use vigil_sigma::correlation::{
    CorrelationAlert, CorrelationEngine, CorrelationError, CorrelationOptions, CorrelationSnapshot,
    CorrelationStats, RuleRef,
};
use vigil_sigma::doc::{Document, EventDocument, FieldValue};
use vigil_sigma::engine::{CompiledRuleSet, Scratch};
use vigil_sigma::pipeline::{self, Pipeline};

use crate::alert::{
    correlation_type_name, Alert, AlertCorrelation, AlertEvidence, AlertRule, Entities,
};

/// An owned field value, as correlations read it.
#[derive(Clone, Debug, PartialEq)]
enum Owned {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
}

impl Owned {
    fn of(value: FieldValue<'_>) -> Owned {
        match value {
            FieldValue::Str(s) => Owned::Str(s.into_owned()),
            FieldValue::Int(i) => Owned::Int(i),
            FieldValue::Float(f) => Owned::Float(f),
            FieldValue::Bool(b) => Owned::Bool(b),
            FieldValue::Null => Owned::Null,
        }
    }

    fn view(&self) -> FieldValue<'_> {
        match self {
            Owned::Str(s) => FieldValue::Str(s.as_str().into()),
            Owned::Int(i) => FieldValue::Int(*i),
            Owned::Float(f) => FieldValue::Float(*f),
            Owned::Bool(b) => FieldValue::Bool(*b),
            Owned::Null => FieldValue::Null,
        }
    }
}

/// A rule match that feeds correlations: the rule and the fields correlations read.
#[derive(Clone, Debug)]
struct CorrelationInput {
    rule_index: usize,
    /// Field name (as the correlation writes it) → values; absent fields are not listed.
    fields: Vec<(String, Vec<Owned>)>,
}

/// An event that matched at least one rule, reduced to what alerts and correlations need.
#[derive(Clone, Debug)]
pub struct MatchedEvent {
    /// Event time (ms).
    pub time: i64,
    /// The event as evidence (place, class, matched fields).
    pub evidence: AlertEvidence,
    /// The entities the event names.
    pub entities: Entities,
    /// Single-rule alerts the event raises (rules not only feeding correlations).
    pub alerts: Vec<Alert>,
    /// Every rule the event matched, alerting or only feeding correlations (what the event
    /// store indexes as the event's rule hits).
    pub hits: Vec<Arc<AlertRule>>,
    correlation_inputs: Vec<CorrelationInput>,
}

/// Matches events against a rule set; shared by every worker thread.
pub struct Matcher<'a> {
    rules: &'a CompiledRuleSet,
    /// Per rule index: it feeds some correlation.
    feeds_correlation: Vec<bool>,
    /// Per rule index: its own matches are not alerts (`generate: false` everywhere).
    suppressed: Vec<bool>,
    /// Every field name a correlation reads (group-by, alias targets, value fields).
    correlation_fields: Vec<String>,
    /// Per rule index: the alert rule its alerts share.
    alert_rules: Vec<Arc<AlertRule>>,
}

impl<'a> Matcher<'a> {
    /// A matcher over `rules`; fails when the rules' correlations cannot run.
    pub fn new(rules: &'a CompiledRuleSet) -> Result<Matcher<'a>, CorrelationError> {
        let known = rules.known_rules();
        let engine =
            CorrelationEngine::new(rules.correlations(), &known, CorrelationOptions::default())?;
        let mut fields = BTreeSet::new();
        let mut referenced: BTreeSet<&str> = BTreeSet::new();
        for c in rules.correlations() {
            fields.extend(c.group_by.iter().cloned());
            for per_rule in c.aliases.values() {
                fields.extend(per_rule.values().cloned());
            }
            if let Some(condition) = &c.condition {
                fields.extend(condition.field.iter().cloned());
            }
            referenced.extend(c.rules.iter().map(String::as_str));
        }
        let mut feeds_correlation = Vec::new();
        let mut suppressed = Vec::new();
        for info in rules.rules() {
            let meta = &info.meta;
            let feeds = meta.id.as_deref().is_some_and(|id| referenced.contains(id))
                || meta.name.as_deref().is_some_and(|n| referenced.contains(n));
            feeds_correlation.push(feeds);
            suppressed.push(engine.suppresses_base_alerts(RuleRef::of(meta)));
        }
        Ok(Matcher {
            rules,
            feeds_correlation,
            suppressed,
            correlation_fields: fields.into_iter().collect(),
            alert_rules: rules
                .rules()
                .iter()
                .map(|info| Arc::new(AlertRule::from_meta(&info.meta)))
                .collect(),
        })
    }

    /// Evaluates `event` (routed by its source type); `None` when nothing matched.
    pub fn match_event(&self, event: &Event, scratch: &mut Scratch) -> Option<MatchedEvent> {
        let doc = EventDocument::new(event);
        let mut matches = Vec::new();
        self.rules
            .evaluate_with(scratch, event.source_type, &doc, &mut matches);
        if matches.is_empty() {
            return None;
        }
        let mut entities = Entities::default();
        entities.add_event(event);
        let mut alerts = Vec::new();
        let mut hits = Vec::with_capacity(matches.len());
        let mut correlation_inputs = Vec::new();
        for rule_match in &matches {
            let Some(info) = self.rules.rule(rule_match.rule_index) else {
                continue;
            };
            if let Some(rule) = self.alert_rules.get(rule_match.rule_index) {
                hits.push(rule.clone());
            }
            let alerting = !self
                .suppressed
                .get(rule_match.rule_index)
                .copied()
                .unwrap_or(false);
            if let Some(rule) = self
                .alert_rules
                .get(rule_match.rule_index)
                .filter(|_| alerting)
            {
                alerts.push(Alert::from_match(rule.clone(), event, rule_match));
            }
            if !self
                .feeds_correlation
                .get(rule_match.rule_index)
                .copied()
                .unwrap_or(false)
            {
                continue;
            }
            // Correlations name fields as the rule does (`src_ip` of the firewall taxonomy):
            // read them through the same pipeline mapping the rule's detection went through.
            let plan = pipeline::plan(&info.logsource, event.source_type, self.rules.pipelines());
            let mapped = MappedDocument {
                inner: &doc,
                plan: &plan,
                pipelines: self.rules.pipelines(),
            };
            let mut fields = Vec::new();
            for name in &self.correlation_fields {
                let mut values = Vec::new();
                if mapped.field(name, &mut |v| values.push(Owned::of(v))) {
                    fields.push((name.clone(), values));
                }
            }
            correlation_inputs.push(CorrelationInput {
                rule_index: rule_match.rule_index,
                fields,
            });
        }
        Some(MatchedEvent {
            time: event.time,
            evidence: AlertEvidence {
                time: event.time,
                source_type: event.source_type,
                provenance: event.provenance.clone(),
                class_name: event.class_uid.name(),
                matched_searches: Vec::new(),
                matched_fields: matches
                    .iter()
                    .flat_map(|m| m.matched_fields.iter().cloned())
                    .collect(),
            },
            entities,
            alerts,
            hits,
            correlation_inputs,
        })
    }
}

/// How many matched events' evidence is kept for correlation alerts to cite, unless
/// [`AlertBuilder::with_evidence_capacity`] says otherwise.
pub const DEFAULT_EVIDENCE_KEPT: usize = 1_000_000;

/// What an [`AlertBuilder`] keeps across a restart: the correlation engine's open windows and
/// the next event id (so ids in restored windows are not reused). Evidence is not kept:
/// a correlation that fires after a restart cites the evidence of the events seen since.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AlertBuilderSnapshot {
    /// The correlation engine's windows.
    pub correlations: CorrelationSnapshot,
    /// The id the next correlated event gets.
    pub next_event_id: u64,
}

/// Turns matched events (fed in event-time order) into alerts.
pub struct AlertBuilder<'a> {
    rules: &'a CompiledRuleSet,
    correlations: CorrelationEngine,
    next_event_id: u64,
    /// Evidence of recent matched events by id, for correlation alerts; the oldest are dropped
    /// past `evidence_capacity`.
    evidence: HashMap<u64, (AlertEvidence, Entities)>,
    order: VecDeque<u64>,
    evidence_capacity: usize,
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
            evidence_capacity: DEFAULT_EVIDENCE_KEPT,
        })
    }

    /// A builder like [`AlertBuilder::new`] that resumes from `snapshot` (windows of
    /// correlations that are gone or changed are dropped, as
    /// [`CorrelationEngine::restore`] says).
    pub fn restore(
        rules: &'a CompiledRuleSet,
        options: CorrelationOptions,
        snapshot: &AlertBuilderSnapshot,
    ) -> Result<AlertBuilder<'a>, CorrelationError> {
        let known = rules.known_rules();
        let correlations = CorrelationEngine::restore(
            rules.correlations(),
            &known,
            options,
            &snapshot.correlations,
        )?;
        Ok(AlertBuilder {
            rules,
            correlations,
            next_event_id: snapshot.next_event_id,
            evidence: HashMap::new(),
            order: VecDeque::new(),
            evidence_capacity: DEFAULT_EVIDENCE_KEPT,
        })
    }

    /// Keeps the evidence of at most `events` correlated events (a long-running pipeline
    /// bounds its memory with this; correlation windows longer than what it covers cite fewer
    /// events).
    pub fn with_evidence_capacity(mut self, events: usize) -> AlertBuilder<'a> {
        self.evidence_capacity = events;
        self
    }

    /// The state to resume from after a restart.
    pub fn snapshot(&self) -> AlertBuilderSnapshot {
        AlertBuilderSnapshot {
            correlations: self.correlations.snapshot(),
            next_event_id: self.next_event_id,
        }
    }

    /// Drops correlation groups that can no longer share a window with an event at or after
    /// `watermark_ms` (event time), so an idle stream does not hold them forever; returns how
    /// many. O(groups): call it periodically.
    pub fn expire_before(&mut self, watermark_ms: i64) -> usize {
        self.correlations.expire_before(watermark_ms)
    }

    /// Correlation engine counters.
    pub fn correlation_stats(&self) -> CorrelationStats {
        self.correlations.stats()
    }

    /// Feeds one matched event; appends its single-rule alerts and the correlation alerts it
    /// causes to `out`.
    pub fn push(&mut self, matched: MatchedEvent, out: &mut Vec<Alert>) {
        let MatchedEvent {
            time,
            evidence,
            entities,
            alerts,
            hits: _,
            correlation_inputs,
        } = matched;
        out.extend(alerts);
        if correlation_inputs.is_empty() {
            return;
        }
        let event_id = self.next_event_id;
        self.next_event_id += 1;
        // Kept before correlations run, so an alert fired by this very event cites it.
        self.evidence.insert(event_id, (evidence, entities));
        self.order.push_back(event_id);
        while self.order.len() > self.evidence_capacity {
            if let Some(old) = self.order.pop_front() {
                self.evidence.remove(&old);
            }
        }
        for input in &correlation_inputs {
            let Some(info) = self.rules.rule(input.rule_index) else {
                continue;
            };
            let doc = FieldsDocument {
                fields: &input.fields,
            };
            let fired = self
                .correlations
                .observe(RuleRef::of(&info.meta), time, event_id, &doc);
            for alert in fired {
                out.push(self.correlation_alert(&alert));
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
            rule: Arc::new(AlertRule::from_meta(&meta)),
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

/// The fields a correlation reads, kept from the matched event.
struct FieldsDocument<'a> {
    fields: &'a [(String, Vec<Owned>)],
}

impl Document for FieldsDocument<'_> {
    fn field(&self, path: &str, each: &mut dyn FnMut(FieldValue<'_>)) -> bool {
        let Some((_, values)) = self.fields.iter().find(|(name, _)| name == path) else {
            return false;
        };
        for value in values {
            each(value.view());
        }
        true
    }

    fn keywords(&self, _each: &mut dyn FnMut(&str) -> bool) {}
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
