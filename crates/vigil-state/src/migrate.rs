//! Append-only schema migrations.
//!
//! [`MIGRATIONS`] is an ordered list of SQL scripts; migration `n` is the `n`-th (1-based).
//! Each is applied in its own transaction and recorded in `schema_migrations` with a checksum
//! of its text. A released migration never changes and is never removed: a schema change is
//! a new script at the end. Opening checks the checksums of applied migrations
//! ([`StateError::MigrationChanged`]) and refuses a database that has migrations this binary
//! does not know ([`StateError::SchemaTooNew`]).

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use crate::error::StateError;

/// One schema migration.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Migration {
    /// A short name, recorded with the version.
    pub name: &'static str,
    /// The SQL script (several statements).
    pub sql: &'static str,
}

/// Every migration, in order. Append only.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        name: "alerts",
        sql: r"
CREATE TABLE alerts (
    id               INTEGER PRIMARY KEY,
    dedup_key        TEXT    NOT NULL,
    rule_id          TEXT,
    rule_title       TEXT    NOT NULL,
    level            TEXT    NOT NULL,
    level_rank       INTEGER NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('new', 'acknowledged', 'closed')),
    assignee         TEXT,
    first_seen_ms    INTEGER NOT NULL,
    last_seen_ms     INTEGER NOT NULL,
    count            INTEGER NOT NULL,
    entities         TEXT    NOT NULL,
    alert            TEXT    NOT NULL,
    evidence_kept    INTEGER NOT NULL DEFAULT 0,
    evidence_dropped INTEGER NOT NULL DEFAULT 0,
    created_ms       INTEGER NOT NULL,
    updated_ms       INTEGER NOT NULL
);
-- At most one open (not closed) alert per dedup key: the one new hits fold into.
CREATE UNIQUE INDEX alerts_open_dedup_key ON alerts (dedup_key) WHERE status <> 'closed';
CREATE INDEX alerts_last_seen ON alerts (last_seen_ms, id);
CREATE INDEX alerts_status_last_seen ON alerts (status, last_seen_ms);
CREATE INDEX alerts_rule_id ON alerts (rule_id);
CREATE TABLE alert_evidence (
    id       INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    time_ms  INTEGER NOT NULL,
    evidence TEXT    NOT NULL
);
CREATE INDEX alert_evidence_alert ON alert_evidence (alert_id, time_ms, id);
",
    },
    Migration {
        name: "rules",
        sql: r"
CREATE TABLE rules (
    id         TEXT    PRIMARY KEY NOT NULL,
    title      TEXT    NOT NULL,
    level      TEXT    NOT NULL,
    origin     TEXT    NOT NULL CHECK (origin IN ('builtin', 'uploaded')),
    yaml       TEXT,
    enabled    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);
",
    },
    Migration {
        name: "checkpoints",
        sql: r"
CREATE TABLE checkpoints (
    source_id  TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (source_id, key)
);
",
    },
    Migration {
        name: "dead_letters",
        sql: r"
CREATE TABLE dead_letters (
    id          INTEGER PRIMARY KEY,
    time_ms     INTEGER NOT NULL,
    source_id   TEXT    NOT NULL,
    source_type TEXT    NOT NULL,
    location    TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    detail      TEXT    NOT NULL,
    raw         BLOB    NOT NULL,
    raw_len     INTEGER NOT NULL,
    recorded_ms INTEGER NOT NULL
);
CREATE INDEX dead_letters_source_reason ON dead_letters (source_id, reason, id);
CREATE INDEX dead_letters_time ON dead_letters (time_ms, id);
-- Totals per source and reason: they survive the pruning of old dead letters.
CREATE TABLE dead_letter_counts (
    source_id TEXT    NOT NULL,
    reason    TEXT    NOT NULL,
    count     INTEGER NOT NULL,
    PRIMARY KEY (source_id, reason)
);
",
    },
    Migration {
        name: "audit",
        sql: r"
CREATE TABLE audit (
    id      INTEGER PRIMARY KEY,
    time_ms INTEGER NOT NULL,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    target  TEXT    NOT NULL,
    outcome TEXT    NOT NULL CHECK (outcome IN ('success', 'failure')),
    detail  TEXT    NOT NULL
);
CREATE INDEX audit_time ON audit (time_ms, id);
CREATE INDEX audit_actor ON audit (actor, id);
CREATE INDEX audit_target ON audit (target, id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;
",
    },
];

/// The schema version this binary knows: the number of migrations it ships.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database up to the latest migration.
pub(crate) fn apply(conn: &mut Connection, path: &Path, now_ms: i64) -> Result<(), StateError> {
    apply_list(conn, path, now_ms, MIGRATIONS)
}

/// Brings the database up to the last of `migrations` (a prefix of [`MIGRATIONS`] in tests).
pub(crate) fn apply_list(
    conn: &mut Connection,
    path: &Path,
    now_ms: i64,
    migrations: &[Migration],
) -> Result<(), StateError> {
    let open_error = |source| StateError::Open {
        path: path.to_path_buf(),
        source,
    };
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       TEXT    NOT NULL,
            checksum   TEXT    NOT NULL,
            applied_ms INTEGER NOT NULL
        )",
    )
    .map_err(open_error)?;
    let known = i64::try_from(migrations.len()).expect("a few migrations fit in i64");
    let found: i64 = conn
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |row| row.get(0),
        )
        .map_err(open_error)?;
    if found > known {
        return Err(StateError::SchemaTooNew {
            path: path.to_path_buf(),
            found,
            known,
        });
    }
    for (index, migration) in migrations.iter().enumerate() {
        let version = i64::try_from(index + 1).expect("a few migrations fit in i64");
        let shipped = checksum(migration.sql);
        let failed = |source| StateError::Migration {
            path: path.to_path_buf(),
            version,
            name: migration.name,
            source,
        };
        // IMMEDIATE: two processes opening the same new database at once take turns, and the
        // second sees the first one's rows below.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(failed)?;
        let stored: Option<(String, String)> = tx
            .query_row(
                "SELECT name, checksum FROM schema_migrations WHERE version = ?1",
                [version],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(failed)?;
        if let Some((name, stored)) = stored {
            if stored != shipped {
                return Err(StateError::MigrationChanged {
                    path: path.to_path_buf(),
                    version,
                    name,
                    stored,
                    shipped,
                });
            }
            continue;
        }
        tx.execute_batch(migration.sql).map_err(failed)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_ms)
             VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![version, migration.name, shipped, now_ms],
        )
        .map_err(failed)?;
        tx.commit().map_err(failed)?;
    }
    Ok(())
}

/// FNV-1a (64 bits) of a script, in hex: enough to notice an edited migration (this is not
/// a defence against tampering, which needs write access to the file anyway).
fn checksum(sql: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in sql.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(conn: &Connection) -> Vec<(i64, String)> {
        let mut stmt = conn
            .prepare("SELECT version, name FROM schema_migrations ORDER BY version")
            .unwrap();
        stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn an_older_database_is_brought_up_to_date_in_order() {
        let mut conn = Connection::open_in_memory().unwrap();
        let path = Path::new(":memory:");
        apply_list(&mut conn, path, 1, &MIGRATIONS[..2]).unwrap();
        assert_eq!(versions(&conn).len(), 2);
        apply_list(&mut conn, path, 2, MIGRATIONS).unwrap();
        let applied = versions(&conn);
        assert_eq!(applied.len(), MIGRATIONS.len());
        for (i, (version, name)) in applied.iter().enumerate() {
            assert_eq!(*version, i as i64 + 1);
            assert_eq!(name, MIGRATIONS[i].name);
        }
        // The first two keep the time they were applied at.
        let first: i64 = conn
            .query_row(
                "SELECT applied_ms FROM schema_migrations WHERE version = 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(first, 1);
    }

    #[test]
    fn an_edited_migration_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        let path = Path::new(":memory:");
        apply_list(&mut conn, path, 1, &MIGRATIONS[..1]).unwrap();
        let edited = [Migration {
            name: MIGRATIONS[0].name,
            sql: "CREATE TABLE something_else (x INTEGER);",
        }];
        let err = apply_list(&mut conn, path, 2, &edited).unwrap_err();
        assert!(
            matches!(err, StateError::MigrationChanged { version: 1, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("append-only"), "{err}");
    }

    #[test]
    fn a_failing_migration_rolls_back_and_names_itself() {
        let mut conn = Connection::open_in_memory().unwrap();
        let broken = [
            MIGRATIONS[0],
            Migration {
                name: "broken",
                sql: "CREATE TABLE half (x INTEGER); THIS IS NOT SQL;",
            },
        ];
        let err = apply_list(&mut conn, Path::new(":memory:"), 1, &broken).unwrap_err();
        assert!(
            matches!(
                err,
                StateError::Migration {
                    version: 2,
                    name: "broken",
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(versions(&conn).len(), 1);
        let half: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            half, 0,
            "the failed migration's statements were rolled back"
        );
    }

    #[test]
    fn checksums_are_stable() {
        // Pinned: FNV-1a of the empty string and of "a".
        assert_eq!(checksum(""), "cbf29ce484222325");
        assert_eq!(checksum("a"), "af63dc4c8601ec8c");
    }
}
