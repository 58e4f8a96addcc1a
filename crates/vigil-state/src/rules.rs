//! Rules: which detection rules exist (built in or uploaded) and whether each is enabled.

use rusqlite::{params, Connection, Row};
use serde_json::{json, Value};
use vigil_sigma::ast::Level;

use crate::audit::{insert_audit, AuditRecord};
use crate::error::{SqlContext, StateError};
use crate::ids::RuleId;
use crate::sql::check_name;
use crate::store::StateStore;

/// The largest rule YAML kept (bytes).
pub const MAX_RULE_YAML_BYTES: usize = 1024 * 1024;

/// Where a rule comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleOrigin {
    /// Shipped in the binary (the IBM Cloud rule pack): can be disabled, not deleted.
    Builtin,
    /// Uploaded by a user: can be deleted.
    Uploaded,
}

impl RuleOrigin {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleOrigin::Builtin => "builtin",
            RuleOrigin::Uploaded => "uploaded",
        }
    }

    fn parse(s: &str) -> Result<RuleOrigin, StateError> {
        match s {
            "builtin" => Ok(RuleOrigin::Builtin),
            "uploaded" => Ok(RuleOrigin::Uploaded),
            other => Err(StateError::Corrupt {
                table: "rules",
                column: "origin",
                detail: format!("unknown origin `{other}`"),
            }),
        }
    }
}

/// A rule as the store keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleRecord {
    /// Its id.
    pub id: RuleId,
    /// Its title.
    pub title: String,
    /// Its level.
    pub level: Level,
    /// Where it comes from.
    pub origin: RuleOrigin,
    /// The Sigma YAML (uploaded rules; built-in ones live in the binary).
    pub yaml: Option<String>,
    /// Whether it runs.
    pub enabled: bool,
}

/// A stored rule with its timestamps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRule {
    /// The rule.
    pub rule: RuleRecord,
    /// When it was first stored (ms).
    pub created_ms: i64,
    /// When it last changed (ms).
    pub updated_ms: i64,
}

/// What [`StateStore::upsert_rule`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpsertOutcome {
    /// The rule was new.
    Inserted,
    /// Its title, level or YAML changed.
    Updated,
    /// It was stored as given already.
    Unchanged,
}

const RULE_COLUMNS: &str = "id, title, level, origin, yaml, enabled, created_ms, updated_ms";

fn read_rule(row: &Row<'_>, op: &'static str) -> Result<StoredRule, StateError> {
    let level: String = row.get(2).ctx(op)?;
    let origin: String = row.get(3).ctx(op)?;
    Ok(StoredRule {
        rule: RuleRecord {
            id: RuleId(row.get(0).ctx(op)?),
            title: row.get(1).ctx(op)?,
            level: Level::parse(&level).ok_or_else(|| StateError::Corrupt {
                table: "rules",
                column: "level",
                detail: format!("unknown level `{level}`"),
            })?,
            origin: RuleOrigin::parse(&origin)?,
            yaml: row.get(4).ctx(op)?,
            enabled: row.get(5).ctx(op)?,
        },
        created_ms: row.get(6).ctx(op)?,
        updated_ms: row.get(7).ctx(op)?,
    })
}

fn load_rule(
    conn: &Connection,
    id: &RuleId,
    op: &'static str,
) -> Result<Option<StoredRule>, StateError> {
    let mut stmt = conn
        .prepare_cached(&format!("SELECT {RULE_COLUMNS} FROM rules WHERE id = ?1"))
        .ctx(op)?;
    let mut rows = stmt.query([id.as_str()]).ctx(op)?;
    match rows.next().ctx(op)? {
        Some(row) => read_rule(row, op).map(Some),
        None => Ok(None),
    }
}

fn not_found(id: &RuleId) -> StateError {
    StateError::NotFound {
        what: "rule",
        id: id.0.clone(),
    }
}

fn target(id: &RuleId) -> String {
    format!("rule:{id}")
}

impl StateStore {
    /// Stores a rule, or updates the title, level and YAML of the stored one. The `enabled`
    /// of `rule` applies to a new rule only: re-registering the built-in pack at start-up
    /// keeps what admins disabled. A change is audited (`rule.create`, `rule.update`); an
    /// upsert that changes nothing writes nothing. A rule cannot change origin
    /// ([`StateError::RuleOriginConflict`]).
    pub fn upsert_rule(&self, rule: &RuleRecord, actor: &str) -> Result<UpsertOutcome, StateError> {
        const OP: &str = "upsert rule";
        check_name("actor", actor)?;
        check_name("rule id", rule.id.as_str())?;
        if rule.title.trim().is_empty() {
            return Err(StateError::Invalid {
                field: "rule title",
                reason: "must not be empty".to_owned(),
            });
        }
        if rule
            .yaml
            .as_ref()
            .is_some_and(|y| y.len() > MAX_RULE_YAML_BYTES)
        {
            return Err(StateError::Invalid {
                field: "rule yaml",
                reason: format!("longer than {MAX_RULE_YAML_BYTES} bytes"),
            });
        }
        let now_ms = self.now_ms();
        self.write(OP, |tx| {
            let stored = load_rule(tx, &rule.id, OP)?;
            let Some(stored) = stored else {
                tx.prepare_cached(
                    "INSERT INTO rules (id, title, level, origin, yaml, enabled, created_ms, \
                     updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                )
                .ctx(OP)?
                .execute(params![
                    rule.id.as_str(),
                    rule.title,
                    rule.level.name(),
                    rule.origin.as_str(),
                    rule.yaml,
                    rule.enabled,
                    now_ms
                ])
                .ctx(OP)?;
                let detail = json!({
                    "title": rule.title,
                    "origin": rule.origin.as_str(),
                    "enabled": rule.enabled,
                });
                let record = AuditRecord::success(actor, "rule.create", target(&rule.id), detail);
                insert_audit(tx, now_ms, &record)?;
                return Ok(UpsertOutcome::Inserted);
            };
            if stored.rule.origin != rule.origin {
                return Err(StateError::RuleOriginConflict {
                    id: rule.id.0.clone(),
                    stored: stored.rule.origin.as_str(),
                    given: rule.origin.as_str(),
                });
            }
            let old = &stored.rule;
            if old.title == rule.title && old.level == rule.level && old.yaml == rule.yaml {
                return Ok(UpsertOutcome::Unchanged);
            }
            tx.prepare_cached(
                "UPDATE rules SET title = ?2, level = ?3, yaml = ?4, updated_ms = ?5 \
                 WHERE id = ?1",
            )
            .ctx(OP)?
            .execute(params![
                rule.id.as_str(),
                rule.title,
                rule.level.name(),
                rule.yaml,
                now_ms
            ])
            .ctx(OP)?;
            let detail = json!({
                "title": {"from": old.title, "to": rule.title},
                "level": {"from": old.level.name(), "to": rule.level.name()},
                "yaml_changed": old.yaml != rule.yaml,
            });
            let record = AuditRecord::success(actor, "rule.update", target(&rule.id), detail);
            insert_audit(tx, now_ms, &record)?;
            Ok(UpsertOutcome::Updated)
        })
    }

    /// Enables or disables a rule, audited as `rule.enable` / `rule.disable` (nothing is
    /// written when the rule is already in that state).
    pub fn set_rule_enabled(
        &self,
        id: &RuleId,
        enabled: bool,
        actor: &str,
    ) -> Result<(), StateError> {
        const OP: &str = "set rule enabled";
        check_name("actor", actor)?;
        let now_ms = self.now_ms();
        self.write(OP, |tx| {
            let stored = load_rule(tx, id, OP)?.ok_or_else(|| not_found(id))?;
            if stored.rule.enabled == enabled {
                return Ok(());
            }
            tx.prepare_cached("UPDATE rules SET enabled = ?2, updated_ms = ?3 WHERE id = ?1")
                .ctx(OP)?
                .execute(params![id.as_str(), enabled, now_ms])
                .ctx(OP)?;
            let action = if enabled {
                "rule.enable"
            } else {
                "rule.disable"
            };
            let record = AuditRecord::success(actor, action, target(id), Value::Null);
            insert_audit(tx, now_ms, &record)?;
            Ok(())
        })
    }

    /// Every stored rule, by id.
    pub fn list_rules(&self) -> Result<Vec<StoredRule>, StateError> {
        const OP: &str = "list rules";
        self.read(OP, |tx| {
            let mut stmt = tx
                .prepare_cached(&format!("SELECT {RULE_COLUMNS} FROM rules ORDER BY id"))
                .ctx(OP)?;
            let mut rows = stmt.query([]).ctx(OP)?;
            let mut rules = Vec::new();
            while let Some(row) = rows.next().ctx(OP)? {
                rules.push(read_rule(row, OP)?);
            }
            Ok(rules)
        })
    }

    /// One stored rule, or `None`.
    pub fn get_rule(&self, id: &RuleId) -> Result<Option<StoredRule>, StateError> {
        self.read("get rule", |tx| load_rule(tx, id, "get rule"))
    }

    /// Deletes an uploaded rule (audited as `rule.delete`). A built-in rule is refused with
    /// [`StateError::BuiltinRule`], and the refusal is audited.
    pub fn delete_rule(&self, id: &RuleId, actor: &str) -> Result<(), StateError> {
        const OP: &str = "delete rule";
        check_name("actor", actor)?;
        let now_ms = self.now_ms();
        let refused = self.write(OP, |tx| {
            let stored = load_rule(tx, id, OP)?.ok_or_else(|| not_found(id))?;
            if stored.rule.origin == RuleOrigin::Builtin {
                let detail = json!({"reason": "built-in rules cannot be deleted"});
                let record = AuditRecord::failure(actor, "rule.delete", target(id), detail);
                insert_audit(tx, now_ms, &record)?;
                return Ok(true);
            }
            tx.prepare_cached("DELETE FROM rules WHERE id = ?1")
                .ctx(OP)?
                .execute([id.as_str()])
                .ctx(OP)?;
            let detail = json!({"title": stored.rule.title});
            let record = AuditRecord::success(actor, "rule.delete", target(id), detail);
            insert_audit(tx, now_ms, &record)?;
            Ok(false)
        })?;
        if refused {
            return Err(StateError::BuiltinRule { id: id.0.clone() });
        }
        Ok(())
    }
}
