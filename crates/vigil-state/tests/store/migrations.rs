use rusqlite::Connection;
use vigil_state::{StateError, StateStore, SCHEMA_VERSION};

use crate::common::{hit, rule};

fn applied(path: &std::path::Path) -> Vec<(i64, String, String, i64)> {
    let conn = Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT version, name, checksum, applied_ms FROM schema_migrations ORDER BY version",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn migrations_are_applied_once_and_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let store = StateStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let id = store
        .record_alerts(&[hit(&rule("r1", "Login", "high"), 10, "10.0.0.1")], 1)
        .unwrap()[0]
        .id();
    drop(store);
    let first = applied(&path);
    assert_eq!(first.len(), usize::try_from(SCHEMA_VERSION).unwrap());

    let store = StateStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert!(
        store.get_alert(id).unwrap().is_some(),
        "data survives reopen"
    );
    drop(store);
    assert_eq!(applied(&path), first, "reopening applies nothing again");
}

#[test]
fn the_database_is_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let _store = StateStore::open(&path).unwrap();
    let conn = Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_database_from_a_newer_vigil_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    drop(StateStore::open(&path).unwrap());
    let conn = Connection::open(&path).unwrap();
    conn.execute(
        "INSERT INTO schema_migrations (version, name, checksum, applied_ms) VALUES (?1, 'future', 'x', 0)",
        [SCHEMA_VERSION + 1],
    )
    .unwrap();
    drop(conn);
    let err = StateStore::open(&path).unwrap_err();
    match &err {
        StateError::SchemaTooNew { found, known, .. } => {
            assert_eq!(*found, SCHEMA_VERSION + 1);
            assert_eq!(*known, SCHEMA_VERSION);
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
    let message = err.to_string();
    assert!(message.contains("newer than version"), "{message}");
    assert!(message.contains("state.db"), "{message}");
}

#[test]
fn a_file_that_is_not_a_database_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    std::fs::write(
        &path,
        b"this is not an sqlite database, just some bytes ......",
    )
    .unwrap();
    let err = StateStore::open(&path).unwrap_err();
    assert!(err.to_string().contains("state.db"), "{err}");
}

#[test]
fn a_path_in_a_missing_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = StateStore::open(dir.path().join("missing/state.db")).unwrap_err();
    assert!(matches!(err, StateError::Open { .. }), "{err:?}");
}
