//! The one error type of the crate.

use std::path::PathBuf;

use crate::ids::AlertId;

/// Everything that can go wrong in the state store. Each variant names what was being done
/// (and on which database, rule or alert), so a message read in a log is enough to act on.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The database file could not be opened or configured (path, permissions, not SQLite…).
    #[error("cannot open state database `{path}`: {source}")]
    Open {
        /// The database path (`:memory:` for an in-memory store).
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The database refused WAL mode (a read-only directory, a network file system…).
    #[error("state database `{path}` cannot use WAL mode (journal mode stays `{mode}`)")]
    WalUnavailable {
        /// The database path.
        path: PathBuf,
        /// The journal mode SQLite kept.
        mode: String,
    },
    /// The database was written by a newer Vigil: its schema has migrations this binary does
    /// not know, so this binary refuses to touch it.
    #[error(
        "state database `{path}` has schema version {found}, newer than version {known} that \
         this binary knows; use a newer vigil or another database"
    )]
    SchemaTooNew {
        /// The database path.
        path: PathBuf,
        /// The highest migration recorded in the database.
        found: i64,
        /// The highest migration this binary knows.
        known: i64,
    },
    /// A migration that was already applied differs from the one this binary ships: migrations
    /// are append-only and a released one must never change.
    #[error(
        "state database `{path}`: applied migration {version} (`{name}`) differs from the one \
         this binary ships (checksum `{stored}` != `{shipped}`); migrations are append-only"
    )]
    MigrationChanged {
        /// The database path.
        path: PathBuf,
        /// The migration version.
        version: i64,
        /// The migration name.
        name: String,
        /// The checksum recorded when it was applied.
        stored: String,
        /// The checksum of the script in this binary.
        shipped: String,
    },
    /// A migration script failed (its transaction was rolled back).
    #[error("state database `{path}`: migration {version} (`{name}`) failed: {source}")]
    Migration {
        /// The database path.
        path: PathBuf,
        /// The migration version.
        version: i64,
        /// The migration name.
        name: &'static str,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// A query or statement failed.
    #[error("state store: {operation}: {source}")]
    Sqlite {
        /// What the store was doing (`record alerts`, `list audit`…).
        operation: &'static str,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// A value could not be turned into JSON or read back from JSON.
    #[error("state store: {what}: {source}")]
    Json {
        /// Which value.
        what: &'static str,
        /// What serde_json said.
        source: serde_json::Error,
    },
    /// The thing asked for does not exist.
    #[error("{what} `{id}` not found")]
    NotFound {
        /// `alert`, `rule`…
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// An argument was rejected (empty actor, unknown status, oversized value…).
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// Which argument.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// A built-in rule cannot be deleted (disable it instead).
    #[error("rule `{id}` is built in and cannot be deleted; disable it instead")]
    BuiltinRule {
        /// The rule id.
        id: String,
    },
    /// An upsert would change where a rule comes from (a built-in rule replaced by an
    /// upload, or the other way round).
    #[error("rule `{id}` is {stored} and cannot be replaced by an {given} rule with the same id")]
    RuleOriginConflict {
        /// The rule id.
        id: String,
        /// The stored origin.
        stored: &'static str,
        /// The origin of the record given.
        given: &'static str,
    },
    /// A closed alert cannot be reopened while a newer alert with the same dedup key is open
    /// (at most one open alert per key).
    #[error("alert {id} cannot be reopened: alert {open} with the same dedup key is open")]
    ReopenConflict {
        /// The alert asked to be reopened.
        id: AlertId,
        /// The open alert with the same key.
        open: AlertId,
    },
    /// A stored value is not what this binary wrote (edited by hand, or a bug).
    #[error("corrupt value in `{table}.{column}`: {detail}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// The column.
        column: &'static str,
        /// What is wrong.
        detail: String,
    },
}

/// Attaches the operation to a SQLite error.
pub(crate) trait SqlContext<T> {
    /// The result, with a SQLite error wrapped as [`StateError::Sqlite`].
    fn ctx(self, operation: &'static str) -> Result<T, StateError>;
}

impl<T> SqlContext<T> for Result<T, rusqlite::Error> {
    fn ctx(self, operation: &'static str) -> Result<T, StateError> {
        self.map_err(|source| StateError::Sqlite { operation, source })
    }
}
