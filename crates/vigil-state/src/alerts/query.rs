//! Reading, updating and counting stored alerts.

use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};
use serde_json::{json, Map, Value};
use vigil_sigma::ast::Level;

use super::{
    level_rank, AlertDetail, AlertFilter, AlertPage, AlertStatus, AlertSummary, AlertUpdate, LEVELS,
};
use crate::audit::{insert_audit, AuditRecord};
use crate::error::{SqlContext, StateError};
use crate::ids::{AlertId, RuleId};
use crate::sql::{check_name, to_u64, Where};
use crate::store::StateStore;

const SUMMARY_COLUMNS: &str = "id, dedup_key, rule_id, rule_title, level, status, assignee, \
     first_seen_ms, last_seen_ms, count, entities, updated_ms";

fn corrupt(column: &'static str, detail: String) -> StateError {
    StateError::Corrupt {
        table: "alerts",
        column,
        detail,
    }
}

fn parse_json(column: &'static str, text: &str) -> Result<Value, StateError> {
    serde_json::from_str(text).map_err(|e| corrupt(column, e.to_string()))
}

/// Reads the [`SUMMARY_COLUMNS`] of a row, in that order.
fn read_summary(row: &Row<'_>, op: &'static str) -> Result<AlertSummary, StateError> {
    let level: String = row.get(4).ctx(op)?;
    let status: String = row.get(5).ctx(op)?;
    let entities: String = row.get(10).ctx(op)?;
    Ok(AlertSummary {
        id: AlertId(row.get(0).ctx(op)?),
        dedup_key: row.get(1).ctx(op)?,
        rule_id: row.get::<_, Option<String>>(2).ctx(op)?.map(RuleId),
        rule_title: row.get(3).ctx(op)?,
        level: Level::parse(&level)
            .ok_or_else(|| corrupt("level", format!("unknown level `{level}`")))?,
        status: status
            .parse()
            .map_err(|_| corrupt("status", format!("unknown status `{status}`")))?,
        assignee: row.get(6).ctx(op)?,
        first_seen_ms: row.get(7).ctx(op)?,
        last_seen_ms: row.get(8).ctx(op)?,
        count: row.get(9).ctx(op)?,
        entities: parse_json("entities", &entities)?,
        updated_ms: row.get(11).ctx(op)?,
    })
}

/// The alert with everything kept about it, read on `conn` (inside the caller's transaction).
fn load_detail(conn: &Connection, id: AlertId) -> Result<Option<AlertDetail>, StateError> {
    const OP: &str = "get alert";
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {SUMMARY_COLUMNS}, alert, evidence_dropped, created_ms \
             FROM alerts WHERE id = ?1"
        ))
        .ctx(OP)?;
    let mut rows = stmt.query([id.0]).ctx(OP)?;
    let Some(row) = rows.next().ctx(OP)? else {
        return Ok(None);
    };
    let summary = read_summary(row, OP)?;
    let alert: String = row.get(12).ctx(OP)?;
    let evidence_dropped = row.get(13).ctx(OP)?;
    let created_ms = row.get(14).ctx(OP)?;
    let mut evidence = Vec::new();
    let mut stmt = conn
        .prepare_cached(
            "SELECT evidence FROM alert_evidence WHERE alert_id = ?1 ORDER BY time_ms, id",
        )
        .ctx(OP)?;
    let mut rows = stmt.query([id.0]).ctx(OP)?;
    while let Some(row) = rows.next().ctx(OP)? {
        let text: String = row.get(0).ctx(OP)?;
        evidence.push(
            serde_json::from_str(&text).map_err(|e| StateError::Corrupt {
                table: "alert_evidence",
                column: "evidence",
                detail: e.to_string(),
            })?,
        );
    }
    Ok(Some(AlertDetail {
        summary,
        alert: parse_json("alert", &alert)?,
        evidence,
        evidence_dropped,
        created_ms,
    }))
}

fn not_found(id: AlertId) -> StateError {
    StateError::NotFound {
        what: "alert",
        id: id.to_string(),
    }
}

impl StateStore {
    /// Alerts matching `filter`, newest `last_seen` first, with the total number of matches.
    pub fn list_alerts(&self, filter: &AlertFilter) -> Result<AlertPage, StateError> {
        const OP: &str = "list alerts";
        let mut conditions = Where::default();
        if let Some(status) = filter.status {
            conditions.push("status = ?", status.as_str().to_owned());
        }
        if let Some(level) = filter.min_level {
            conditions.push("level_rank >= ?", level_rank(level));
        }
        if let Some(rule_id) = &filter.rule_id {
            conditions.push("rule_id = ?", rule_id.0.clone());
        }
        if let Some(assignee) = &filter.assignee {
            conditions.push("assignee = ?", assignee.clone());
        }
        if let Some(from) = filter.last_seen_from_ms {
            conditions.push("last_seen_ms >= ?", from);
        }
        if let Some(until) = filter.last_seen_until_ms {
            conditions.push("last_seen_ms < ?", until);
        }
        if let Some(text) = filter.title_contains.as_deref().filter(|t| !t.is_empty()) {
            // instr, not LIKE: the text is matched literally (`%` and `_` are not wildcards).
            conditions.push("instr(lower(rule_title), lower(?)) > 0", text.to_owned());
        }
        let where_sql = conditions.sql();
        let count_sql = format!("SELECT COUNT(*) FROM alerts{where_sql}");
        let page_sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM alerts{where_sql} \
             ORDER BY last_seen_ms DESC, id DESC LIMIT ? OFFSET ?"
        );
        self.read(OP, |tx| {
            let total: i64 = tx
                .prepare_cached(&count_sql)
                .ctx(OP)?
                .query_row(params_from_iter(conditions.params()), |row| row.get(0))
                .ctx(OP)?;
            let mut stmt = tx.prepare_cached(&page_sql).ctx(OP)?;
            let mut rows = stmt
                .query(params_from_iter(
                    conditions.params_with_page(filter.limit, filter.offset),
                ))
                .ctx(OP)?;
            let mut alerts = Vec::new();
            while let Some(row) = rows.next().ctx(OP)? {
                alerts.push(read_summary(row, OP)?);
            }
            Ok(AlertPage {
                total: to_u64(total),
                alerts,
            })
        })
    }

    /// One alert with its kept evidence, or `None` when there is no such alert.
    pub fn get_alert(&self, id: AlertId) -> Result<Option<AlertDetail>, StateError> {
        self.read("get alert", |tx| load_detail(tx, id))
    }

    /// Changes an alert's status and/or assignee and writes an audit entry (`alert.update`,
    /// or `alert.reopen` when a closed alert is reopened), in one transaction. An update that
    /// changes nothing writes nothing. Reopening is refused (and the refusal audited) while
    /// another alert with the same dedup key is open ([`StateError::ReopenConflict`]).
    pub fn update_alert(
        &self,
        id: AlertId,
        update: &AlertUpdate,
        actor: &str,
    ) -> Result<AlertDetail, StateError> {
        const OP: &str = "update alert";
        check_name("actor", actor)?;
        if let Some(Some(assignee)) = &update.assignee {
            check_name("assignee", assignee)?;
        }
        let now_ms = self.now_ms();
        // The outer result fails the transaction; the inner one is a refusal that is
        // committed together with its audit entry.
        let result = self.write(OP, |tx| {
            let current: Option<(String, Option<String>, String)> = tx
                .prepare_cached("SELECT status, assignee, dedup_key FROM alerts WHERE id = ?1")
                .ctx(OP)?
                .query_row([id.0], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
                .optional()
                .ctx(OP)?;
            let Some((status, assignee, key)) = current else {
                return Err(not_found(id));
            };
            let status: AlertStatus = status
                .parse()
                .map_err(|_| corrupt("status", format!("unknown status `{status}`")))?;
            let new_status = update.status.unwrap_or(status);
            let new_assignee = match &update.assignee {
                Some(assignee) => assignee.clone(),
                None => assignee.clone(),
            };
            let mut changes = Map::new();
            if new_status != status {
                changes.insert(
                    "status".to_owned(),
                    json!({"from": status.as_str(), "to": new_status.as_str()}),
                );
            }
            if new_assignee != assignee {
                changes.insert(
                    "assignee".to_owned(),
                    json!({"from": assignee, "to": new_assignee}),
                );
            }
            let reopen = status == AlertStatus::Closed && new_status != AlertStatus::Closed;
            let action = if reopen {
                "alert.reopen"
            } else {
                "alert.update"
            };
            let target = format!("alert:{id}");
            if reopen {
                let open: Option<i64> = tx
                    .prepare_cached(
                        "SELECT id FROM alerts WHERE dedup_key = ?1 AND status <> 'closed'",
                    )
                    .ctx(OP)?
                    .query_row([&key], |row| row.get(0))
                    .optional()
                    .ctx(OP)?;
                if let Some(open) = open {
                    changes.insert("refused".to_owned(), json!({"open_alert": open}));
                    let record =
                        AuditRecord::failure(actor, action, target, Value::Object(changes));
                    insert_audit(tx, now_ms, &record)?;
                    return Ok(Err(StateError::ReopenConflict {
                        id,
                        open: AlertId(open),
                    }));
                }
            }
            if !changes.is_empty() {
                tx.prepare_cached(
                    "UPDATE alerts SET status = ?2, assignee = ?3, updated_ms = ?4 WHERE id = ?1",
                )
                .ctx(OP)?
                .execute(params![id.0, new_status.as_str(), new_assignee, now_ms])
                .ctx(OP)?;
                let record = AuditRecord::success(actor, action, target, Value::Object(changes));
                insert_audit(tx, now_ms, &record)?;
            }
            load_detail(tx, id)?.ok_or_else(|| not_found(id)).map(Ok)
        })?;
        result
    }

    /// How many alerts have each status (every status, zeros included).
    pub fn count_alerts_by_status(&self) -> Result<Vec<(AlertStatus, u64)>, StateError> {
        const OP: &str = "count alerts by status";
        self.read(OP, |tx| {
            let mut stmt = tx
                .prepare_cached("SELECT status, COUNT(*) FROM alerts GROUP BY status")
                .ctx(OP)?;
            let mut rows = stmt.query([]).ctx(OP)?;
            let mut counts: Vec<(AlertStatus, u64)> =
                AlertStatus::ALL.iter().map(|s| (*s, 0)).collect();
            while let Some(row) = rows.next().ctx(OP)? {
                let status: String = row.get(0).ctx(OP)?;
                let count: i64 = row.get(1).ctx(OP)?;
                let status: AlertStatus = status
                    .parse()
                    .map_err(|_| corrupt("status", format!("unknown status `{status}`")))?;
                if let Some(slot) = counts.iter_mut().find(|(s, _)| *s == status) {
                    slot.1 = to_u64(count);
                }
            }
            Ok(counts)
        })
    }

    /// How many alerts have each level (every level, lowest first, zeros included), only
    /// those with `status` when one is given.
    pub fn count_alerts_by_level(
        &self,
        status: Option<AlertStatus>,
    ) -> Result<Vec<(Level, u64)>, StateError> {
        const OP: &str = "count alerts by level";
        let mut conditions = Where::default();
        if let Some(status) = status {
            conditions.push("status = ?", status.as_str().to_owned());
        }
        let sql = format!(
            "SELECT level_rank, COUNT(*) FROM alerts{} GROUP BY level_rank",
            conditions.sql()
        );
        self.read(OP, |tx| {
            let mut stmt = tx.prepare_cached(&sql).ctx(OP)?;
            let mut rows = stmt.query(params_from_iter(conditions.params())).ctx(OP)?;
            let mut counts: Vec<(Level, u64)> = LEVELS.iter().map(|l| (*l, 0)).collect();
            while let Some(row) = rows.next().ctx(OP)? {
                let rank: i64 = row.get(0).ctx(OP)?;
                let count: i64 = row.get(1).ctx(OP)?;
                let slot = usize::try_from(rank)
                    .ok()
                    .and_then(|rank| counts.get_mut(rank))
                    .ok_or_else(|| corrupt("level_rank", format!("unknown rank {rank}")))?;
                slot.1 = to_u64(count);
            }
            Ok(counts)
        })
    }
}
