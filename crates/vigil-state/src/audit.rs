//! The audit log: an append-only record of every change made through the store (and of the
//! actions other crates report), written in the same transaction as the change it records.

use rusqlite::{params_from_iter, Connection};
use serde_json::Value;

use crate::error::{SqlContext, StateError};
use crate::ids::AuditId;
use crate::sql::{check_name, Where, DEFAULT_PAGE};
use crate::store::StateStore;

/// Whether an audited action happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuditOutcome {
    /// It was done.
    Success,
    /// It was refused or failed (deleting a built-in rule, a reopen conflict…).
    Failure,
}

impl AuditOutcome {
    /// The stored name (`success`, `failure`; CADF's outcome values).
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Success => "success",
            AuditOutcome::Failure => "failure",
        }
    }

    fn parse(s: &str) -> Result<AuditOutcome, StateError> {
        match s {
            "success" => Ok(AuditOutcome::Success),
            "failure" => Ok(AuditOutcome::Failure),
            other => Err(StateError::Corrupt {
                table: "audit",
                column: "outcome",
                detail: format!("unknown outcome `{other}`"),
            }),
        }
    }
}

/// An audit entry to append (the store stamps the time).
#[derive(Clone, Debug, PartialEq)]
pub struct AuditRecord {
    /// Who did it: a user name, a token name, or `system`.
    pub actor: String,
    /// What was done, as `object.verb` (`alert.update`, `rule.disable`, `action.run`…).
    pub action: String,
    /// What it was done to, as `kind:id` (`alert:42`, `rule:…`).
    pub target: String,
    /// Whether it happened.
    pub outcome: AuditOutcome,
    /// Anything else worth keeping (what changed from what to what), as JSON.
    pub detail: Value,
}

/// A stored audit entry.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    /// Its id (increasing in the order entries were written).
    pub id: AuditId,
    /// When it was written (ms since the epoch, the store's clock).
    pub time_ms: i64,
    /// See [`AuditRecord::actor`].
    pub actor: String,
    /// See [`AuditRecord::action`].
    pub action: String,
    /// See [`AuditRecord::target`].
    pub target: String,
    /// See [`AuditRecord::outcome`].
    pub outcome: AuditOutcome,
    /// See [`AuditRecord::detail`].
    pub detail: Value,
}

/// Which audit entries to list (all given conditions must hold), newest first.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditFilter {
    /// Only this actor.
    pub actor: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// Only this target.
    pub target: Option<String>,
    /// Only entries written at or after this time (ms).
    pub since_ms: Option<i64>,
    /// Only entries written before this time (ms).
    pub until_ms: Option<i64>,
    /// At most this many entries (clamped to [`crate::MAX_PAGE`]).
    pub limit: u32,
    /// Skip this many entries first.
    pub offset: u64,
}

impl Default for AuditFilter {
    fn default() -> AuditFilter {
        AuditFilter {
            actor: None,
            action: None,
            target: None,
            since_ms: None,
            until_ms: None,
            limit: DEFAULT_PAGE,
            offset: 0,
        }
    }
}

impl AuditRecord {
    /// A successful action of `actor` on `target`.
    pub fn success(actor: &str, action: &str, target: String, detail: Value) -> AuditRecord {
        AuditRecord {
            actor: actor.to_owned(),
            action: action.to_owned(),
            target,
            outcome: AuditOutcome::Success,
            detail,
        }
    }

    /// A refused or failed action of `actor` on `target`.
    pub fn failure(actor: &str, action: &str, target: String, detail: Value) -> AuditRecord {
        AuditRecord {
            outcome: AuditOutcome::Failure,
            ..AuditRecord::success(actor, action, target, detail)
        }
    }
}

impl StateStore {
    /// Appends an audit entry for an action done elsewhere (a response action, a login…).
    pub fn append_audit(&self, record: &AuditRecord) -> Result<AuditId, StateError> {
        check_name("actor", &record.actor)?;
        check_name("action", &record.action)?;
        let now_ms = self.now_ms();
        self.write("append audit", |tx| insert_audit(tx, now_ms, record))
    }

    /// Audit entries matching `filter`, newest first.
    pub fn list_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StateError> {
        const OP: &str = "list audit";
        let mut conditions = Where::default();
        if let Some(actor) = &filter.actor {
            conditions.push("actor = ?", actor.clone());
        }
        if let Some(action) = &filter.action {
            conditions.push("action = ?", action.clone());
        }
        if let Some(target) = &filter.target {
            conditions.push("target = ?", target.clone());
        }
        if let Some(since) = filter.since_ms {
            conditions.push("time_ms >= ?", since);
        }
        if let Some(until) = filter.until_ms {
            conditions.push("time_ms < ?", until);
        }
        let sql = format!(
            "SELECT id, time_ms, actor, action, target, outcome, detail FROM audit{} \
             ORDER BY id DESC LIMIT ? OFFSET ?",
            conditions.sql()
        );
        self.read(OP, |tx| {
            let mut stmt = tx.prepare_cached(&sql).ctx(OP)?;
            let mut rows = stmt
                .query(params_from_iter(
                    conditions.params_with_page(filter.limit, filter.offset),
                ))
                .ctx(OP)?;
            let mut entries = Vec::new();
            while let Some(row) = rows.next().ctx(OP)? {
                let outcome: String = row.get(5).ctx(OP)?;
                let detail: String = row.get(6).ctx(OP)?;
                entries.push(AuditEntry {
                    id: AuditId(row.get(0).ctx(OP)?),
                    time_ms: row.get(1).ctx(OP)?,
                    actor: row.get(2).ctx(OP)?,
                    action: row.get(3).ctx(OP)?,
                    target: row.get(4).ctx(OP)?,
                    outcome: AuditOutcome::parse(&outcome)?,
                    detail: serde_json::from_str(&detail).map_err(|source| {
                        StateError::Corrupt {
                            table: "audit",
                            column: "detail",
                            detail: source.to_string(),
                        }
                    })?,
                });
            }
            Ok(entries)
        })
    }
}

/// Writes one audit row inside the caller's transaction.
pub(crate) fn insert_audit(
    conn: &Connection,
    time_ms: i64,
    record: &AuditRecord,
) -> Result<AuditId, StateError> {
    const OP: &str = "append audit";
    let detail = serde_json::to_string(&record.detail).map_err(|source| StateError::Json {
        what: "audit detail",
        source,
    })?;
    conn.prepare_cached(
        "INSERT INTO audit (time_ms, actor, action, target, outcome, detail) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .ctx(OP)?
    .execute(rusqlite::params![
        time_ms,
        record.actor,
        record.action,
        record.target,
        record.outcome.as_str(),
        detail
    ])
    .ctx(OP)?;
    Ok(AuditId(conn.last_insert_rowid()))
}
