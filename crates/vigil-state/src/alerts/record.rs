//! Folding incoming alerts into stored ones.

use std::collections::BTreeSet;

use rusqlite::{params, OptionalExtension, Transaction};
use serde_json::Value;
use vigil_detect::alert::Alert;

use super::{level_rank, AlertStatus, RecordOutcome};
use crate::error::{SqlContext, StateError};
use crate::ids::AlertId;
use crate::store::StateStore;

const OP: &str = "record alerts";

/// The dedup key of an alert: hits with the same key fold into one open stored alert.
///
/// It is the compact JSON of a three-element array, so it is unambiguous whatever the values
/// contain, and readable:
///
/// 1. the rule: `id:<id>`, else `name:<name>`, else `title:<title>` (so a retitled rule
///    keeps its alerts when it has an id);
/// 2. the entities, each kind sorted: `[ips, users, api_keys, resources, hosts]`;
/// 3. for a correlation, `[type, [[field, value], …]]` with the group-by pairs sorted by
///    field; `null` otherwise.
///
/// The time is not part of it: an open alert absorbs every later hit until it is closed.
pub fn dedup_key(alert: &Alert) -> String {
    let rule = if let Some(id) = &alert.rule.id {
        format!("id:{id}")
    } else if let Some(name) = &alert.rule.name {
        format!("name:{name}")
    } else {
        format!("title:{}", alert.rule.title)
    };
    let entities: [&BTreeSet<String>; 5] = [
        &alert.entities.ips,
        &alert.entities.users,
        &alert.entities.api_keys,
        &alert.entities.resources,
        &alert.entities.hosts,
    ];
    let correlation = alert.correlation.as_ref().map(|correlation| {
        let mut group: Vec<(&str, Option<&str>)> = correlation
            .group
            .iter()
            .map(|(field, value)| (field.as_str(), value.as_deref()))
            .collect();
        group.sort_unstable();
        (correlation.kind, group)
    });
    // Strings, sets of strings and options serialize infallibly.
    serde_json::to_string(&(rule, entities, correlation))
        .expect("strings and sets of strings serialize to JSON")
}

/// One incoming alert, serialized once.
struct Prepared {
    key: String,
    /// The alert JSON without its evidence.
    head: String,
    entities: String,
    /// `(event time, evidence JSON)`, the newest `cap` only, oldest first.
    evidence: Vec<(i64, String)>,
    /// Evidence items left out because the alert alone had more than the cap.
    dropped: i64,
}

fn prepare(alert: &Alert, cap: usize) -> Result<Prepared, StateError> {
    let json = |what: &'static str| move |source| StateError::Json { what, source };
    let mut value = serde_json::to_value(alert).map_err(json("alert"))?;
    let evidence_values = match value.as_object_mut().and_then(|o| o.remove("evidence")) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    let mut evidence = Vec::with_capacity(evidence_values.len());
    for (item, source) in evidence_values.iter().zip(&alert.evidence) {
        let text = serde_json::to_string(item).map_err(json("alert evidence"))?;
        evidence.push((source.time, text));
    }
    // Stable: equal times keep their order.
    evidence.sort_by_key(|(time, _)| *time);
    let dropped = evidence.len().saturating_sub(cap);
    evidence.drain(..dropped);
    Ok(Prepared {
        key: dedup_key(alert),
        head: serde_json::to_string(&value).map_err(json("alert"))?,
        entities: serde_json::to_string(&alert.entities).map_err(json("alert entities"))?,
        evidence,
        dropped: i64::try_from(dropped).unwrap_or(i64::MAX),
    })
}

impl StateStore {
    /// Records alerts in one transaction: each opens a new stored alert, or, when an open
    /// (not closed) alert has the same [`dedup_key`], folds into it: `count + 1`, first and
    /// last seen widened, the latest hit's JSON kept, its evidence appended (the newest
    /// [`crate::StoreOptions::max_evidence_per_alert`] by event time are kept, the rest
    /// counted as dropped). A closed alert absorbs nothing: the next hit opens a new one.
    ///
    /// `now_ms` stamps `created_ms` and `updated_ms`. Outcomes come in the order of `alerts`.
    pub fn record_alerts(
        &self,
        alerts: &[Alert],
        now_ms: i64,
    ) -> Result<Vec<RecordOutcome>, StateError> {
        let cap = self.options().max_evidence_per_alert;
        // Serialize before taking the writer lock: the lock is held for SQL only.
        let prepared = alerts
            .iter()
            .map(|alert| prepare(alert, cap))
            .collect::<Result<Vec<_>, _>>()?;
        let cap = i64::try_from(cap).unwrap_or(i64::MAX);
        self.write(OP, |tx| {
            let mut outcomes = Vec::with_capacity(alerts.len());
            for (alert, prepared) in alerts.iter().zip(&prepared) {
                outcomes.push(record_one(tx, alert, prepared, cap, now_ms)?);
            }
            Ok(outcomes)
        })
    }
}

fn record_one(
    tx: &Transaction<'_>,
    alert: &Alert,
    prepared: &Prepared,
    cap: i64,
    now_ms: i64,
) -> Result<RecordOutcome, StateError> {
    let open: Option<(i64, i64)> = tx
        .prepare_cached(
            "SELECT id, evidence_kept FROM alerts WHERE dedup_key = ?1 AND status <> 'closed'",
        )
        .ctx(OP)?
        .query_row([&prepared.key], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()
        .ctx(OP)?;
    let added = i64::try_from(prepared.evidence.len()).unwrap_or(i64::MAX);
    let Some((id, kept)) = open else {
        let level = alert.rule.level();
        tx.prepare_cached(
            "INSERT INTO alerts (dedup_key, rule_id, rule_title, level, level_rank, status, \
             first_seen_ms, last_seen_ms, count, entities, alert, evidence_kept, \
             evidence_dropped, created_ms, updated_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 1, ?8, ?9, ?10, ?11, ?12, ?12)",
        )
        .ctx(OP)?
        .execute(params![
            prepared.key,
            alert.rule.id,
            alert.rule.title,
            level.name(),
            level_rank(level),
            AlertStatus::New.as_str(),
            alert.time,
            prepared.entities,
            prepared.head,
            added,
            prepared.dropped,
            now_ms,
        ])
        .ctx(OP)?;
        let id = tx.last_insert_rowid();
        insert_evidence(tx, id, &prepared.evidence)?;
        return Ok(RecordOutcome::Created(AlertId(id)));
    };
    insert_evidence(tx, id, &prepared.evidence)?;
    let mut pruned = 0;
    if kept + added > cap {
        let removed = tx
            .prepare_cached(
                "DELETE FROM alert_evidence WHERE id IN (SELECT id FROM alert_evidence \
                 WHERE alert_id = ?1 ORDER BY time_ms DESC, id DESC LIMIT -1 OFFSET ?2)",
            )
            .ctx(OP)?
            .execute(params![id, cap])
            .ctx(OP)?;
        pruned = i64::try_from(removed).unwrap_or(i64::MAX);
    }
    // The JSON kept is the latest hit's by event time, whatever order hits arrive in.
    let count: i64 = tx
        .prepare_cached(
            "UPDATE alerts SET count = count + 1, \
             alert = CASE WHEN ?2 >= last_seen_ms THEN ?3 ELSE alert END, \
             first_seen_ms = MIN(first_seen_ms, ?2), last_seen_ms = MAX(last_seen_ms, ?2), \
             evidence_kept = evidence_kept + ?4, evidence_dropped = evidence_dropped + ?5, \
             updated_ms = ?6 WHERE id = ?1 RETURNING count",
        )
        .ctx(OP)?
        .query_row(
            params![
                id,
                alert.time,
                prepared.head,
                added - pruned,
                prepared.dropped + pruned,
                now_ms
            ],
            |row| row.get(0),
        )
        .ctx(OP)?;
    Ok(RecordOutcome::Merged {
        id: AlertId(id),
        count,
    })
}

fn insert_evidence(
    tx: &Transaction<'_>,
    alert_id: i64,
    evidence: &[(i64, String)],
) -> Result<(), StateError> {
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO alert_evidence (alert_id, time_ms, evidence) VALUES (?1, ?2, ?3)",
        )
        .ctx(OP)?;
    for (time, json) in evidence {
        insert.execute(params![alert_id, time, json]).ctx(OP)?;
    }
    Ok(())
}
