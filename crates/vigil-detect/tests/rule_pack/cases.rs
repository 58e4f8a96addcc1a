//! Test cases of rule files: parsing a line, and running it through the real normalizer, the
//! engine and the correlation engine.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde_json::{Map, Value};
use vigil_formats::{Context, Output, Record};
use vigil_model::{Event, SourceType};
use vigil_sigma::ast::{Correlation, Document};
use vigil_sigma::correlation::{CorrelationEngine, CorrelationOptions, RuleRef};
use vigil_sigma::doc::EventDocument;
use vigil_sigma::engine::CompiledRuleSet;

/// 2026-11-28T00:00:00Z: the reference time for records without a year (RFC 3164 headers).
const REFERENCE_TIME_MS: i64 = 1_795_824_000_000;

/// What a case expects of its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// The rule matches one of the events, or the correlation fires.
    Match,
    /// It does not.
    NoMatch,
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expect::Match => "match",
            Expect::NoMatch => "no_match",
        })
    }
}

/// One raw record and the source type that wrote it.
pub struct Step {
    source_type: SourceType,
    record: String,
}

/// One line of a `.tests.ndjson` file:
///
/// ```json
/// {"expect": "match", "source_type": "ibm_activity_tracker", "record": "{…}"}
/// {"expect": "no_match", "source_type": "panos", "records": ["…", "…"], "rule": "ibm_…"}
/// {"expect": "match", "records": [{"source_type": "cis_firewall_events", "record": "…"}, …],
///  "group": {"ClientIP": "203.0.113.7"}, "note": "why this case exists"}
/// ```
///
/// `record` or `records` (in order; an element may name its own source type); `rule` names
/// the document of the file under test (by `name` or `id`), needed only when the file holds
/// several and not exactly one correlation; `group` (correlations, `match` only) the group
/// values the alert must carry; `note` is for people.
pub struct Case {
    pub expect: Expect,
    /// The `name` (else `id`) of the document under test.
    pub target: String,
    correlation: bool,
    steps: Vec<Step>,
    group: Option<BTreeMap<String, String>>,
}

/// How a test line names a document: its `name`, else its `id`, else its title.
pub fn target_key(document: &Document) -> String {
    let meta = document.meta();
    meta.name
        .clone()
        .or_else(|| meta.id.clone())
        .unwrap_or_else(|| meta.title.clone())
}

fn source_type(value: Option<&Value>) -> Result<Option<SourceType>, String> {
    match value {
        None => Ok(None),
        Some(Value::String(name)) => name.parse().map(Some).map_err(|e| format!("{e}")),
        Some(other) => Err(format!("`source_type` must be a string, not {other}")),
    }
}

impl Case {
    /// Parses one line, resolving its target among the file's `documents`.
    pub fn parse(line: &str, documents: &[Document]) -> Result<Case, String> {
        let object: Map<String, Value> =
            serde_json::from_str(line).map_err(|e| format!("not a json object: {e}"))?;
        for key in object.keys() {
            if !matches!(
                key.as_str(),
                "expect" | "source_type" | "record" | "records" | "rule" | "group" | "note"
            ) {
                return Err(format!("unknown key `{key}`"));
            }
        }
        let expect = match object.get("expect").and_then(Value::as_str) {
            Some("match") => Expect::Match,
            Some("no_match") => Expect::NoMatch,
            _ => return Err("`expect` must be `match` or `no_match`".into()),
        };
        let default_type = source_type(object.get("source_type"))?;
        let step = |value: &Value| -> Result<Step, String> {
            let (source_type, record) = match value {
                Value::String(record) => (default_type, record),
                Value::Object(step) => match step.get("record") {
                    Some(Value::String(record)) => (
                        source_type(step.get("source_type"))?.or(default_type),
                        record,
                    ),
                    _ => return Err("a `records` object needs a string `record`".into()),
                },
                _ => return Err("a record must be a string or an object".into()),
            };
            let source_type = source_type.ok_or("no `source_type` for a record")?;
            Ok(Step {
                source_type,
                record: record.clone(),
            })
        };
        let steps = match (object.get("record"), object.get("records")) {
            (Some(record), None) => vec![step(record)?],
            (None, Some(Value::Array(records))) if !records.is_empty() => {
                records.iter().map(step).collect::<Result<_, _>>()?
            }
            _ => return Err("give either `record` or a non-empty `records` list".into()),
        };
        let target = match object.get("rule") {
            Some(Value::String(rule)) => documents
                .iter()
                .find(|d| {
                    d.meta().name.as_deref() == Some(rule) || d.meta().id.as_deref() == Some(rule)
                })
                .ok_or_else(|| format!("`rule`: no document `{rule}` in this file"))?,
            Some(_) => return Err("`rule` must be a string".into()),
            None => default_target(documents)?,
        };
        let group = match object.get("group") {
            None => None,
            Some(Value::Object(group)) => Some(
                group
                    .iter()
                    .map(|(k, v)| match v {
                        Value::String(v) => Ok((k.clone(), v.clone())),
                        _ => Err(format!("`group.{k}` must be a string")),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            Some(_) => return Err("`group` must be an object".into()),
        };
        let correlation = matches!(target, Document::Correlation(_));
        if group.is_some() && !(correlation && expect == Expect::Match) {
            return Err("`group` is for `match` cases of correlations".into());
        }
        Ok(Case {
            expect,
            target: target_key(target),
            correlation,
            steps,
            group,
        })
    }
}

/// The file's only correlation, else its only document.
fn default_target(documents: &[Document]) -> Result<&Document, String> {
    let correlations: Vec<&Document> = documents
        .iter()
        .filter(|d| matches!(d, Document::Correlation(_)))
        .collect();
    match (correlations.as_slice(), documents) {
        ([only], _) => Ok(only),
        ([], [only]) => Ok(only),
        _ => Err("the file holds several documents: name the one under test with `rule`".into()),
    }
}

/// The events of one record, through the real normalizer; a rejection fails the case (a test
/// record must be one the source really writes).
fn normalize(step: &Step) -> Result<Vec<Event>, String> {
    let record = Record::new("test", step.record.clone().into_bytes());
    let context = Context {
        path: Arc::from("test"),
        reference_time_ms: REFERENCE_TIME_MS,
    };
    let mut out = Output::default();
    vigil_formats::source::normalize(step.source_type, &record, &context, &mut out);
    if let Some(rejection) = out.rejections.first() {
        return Err(format!(
            "{} rejected a record: {} ({})",
            step.source_type, rejection.reason, rejection.detail
        ));
    }
    if out.events.is_empty() {
        return Err(format!("{} made no event of a record", step.source_type));
    }
    Ok(out.events)
}

/// The correlation named `target` and every correlation it references, transitively (empty
/// when `target` is not a correlation).
fn correlations_under(all: &[Correlation], target: &str) -> Vec<Correlation> {
    let names = |c: &Correlation| [c.meta.name.clone(), c.meta.id.clone()];
    let mut wanted = vec![target.to_string()];
    let mut chosen: Vec<Correlation> = Vec::new();
    while let Some(reference) = wanted.pop() {
        for correlation in all {
            let is_it = names(correlation).contains(&Some(reference.clone()));
            let known = chosen.iter().any(|c| c.meta == correlation.meta);
            if is_it && !known {
                wanted.extend(correlation.rules.iter().cloned());
                chosen.push(correlation.clone());
            }
        }
    }
    chosen
}

/// Runs `case`; `Err` says how the outcome differs from the expected one.
pub fn run_case(compiled: &CompiledRuleSet, case: &Case) -> Result<(), String> {
    let mut events = Vec::new();
    for step in &case.steps {
        events.extend(normalize(step)?);
    }
    let known = compiled.known_rules();
    // The target and what it builds on only: a correlation that feeds another one with
    // `generate: false` has its alerts suppressed in the full set.
    let correlations = correlations_under(compiled.correlations(), &case.target);
    let mut engine = CorrelationEngine::new(&correlations, &known, CorrelationOptions::default())
        .map_err(|e| format!("correlations do not resolve: {e}"))?;
    let target_rule = if case.correlation {
        None
    } else {
        Some(
            compiled
                .find(&case.target)
                .ok_or_else(|| format!("`{}` did not compile", case.target))?,
        )
    };
    let mut rule_fired = false;
    let mut alerts = Vec::new();
    let mut matched_titles = BTreeMap::<String, usize>::new();
    let mut matches = Vec::new();
    for (event_id, event) in events.iter().enumerate() {
        let doc = EventDocument::new(event);
        matches.clear();
        compiled.evaluate(event.source_type, &doc, &mut matches);
        for m in &matches {
            let rule = &compiled.rules()[m.rule_index];
            *matched_titles.entry(rule.meta.title.clone()).or_default() += 1;
            rule_fired |= Some(m.rule_index) == target_rule;
            for alert in engine.observe(RuleRef::of(&rule.meta), event.time, event_id as u64, &doc)
            {
                if alert.correlation_name.as_deref() == Some(case.target.as_str())
                    || alert.correlation_id.as_deref() == Some(case.target.as_str())
                {
                    alerts.push(alert);
                }
            }
        }
    }
    let fired = if case.correlation {
        !alerts.is_empty()
    } else {
        rule_fired
    };
    let expected = case.expect == Expect::Match;
    if fired != expected {
        return Err(format!(
            "{} over {} events; rules matched: {matched_titles:?}",
            if fired { "fired" } else { "did not fire" },
            events.len()
        ));
    }
    if let Some(group) = &case.group {
        let carries = |alert: &vigil_sigma::correlation::CorrelationAlert| {
            group.iter().all(|(field, value)| {
                alert.group.iter().any(|(name, got)| {
                    name == field
                        && got
                            .as_deref()
                            .is_some_and(|g| g.eq_ignore_ascii_case(value))
                })
            })
        };
        if !alerts.iter().any(carries) {
            let groups: Vec<_> = alerts.iter().map(|a| &a.group).collect();
            return Err(format!("no alert with group {group:?}; groups: {groups:?}"));
        }
    }
    Ok(())
}
