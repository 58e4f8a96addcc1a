use serde_json::json;
use vigil_state::{Checkpoint, SourceId, StateError, StateStore, MAX_CHECKPOINT_BYTES};

fn checkpoint(source: &str, key: &str, value: serde_json::Value) -> Checkpoint {
    Checkpoint {
        source_id: SourceId::from(source),
        key: key.to_owned(),
        value,
    }
}

#[test]
fn checkpoints_survive_reopen_of_a_file_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let store = StateStore::open(&path).unwrap();
    store
        .save_checkpoints(&[
            checkpoint(
                "cos-at",
                "logs/2025/",
                json!({"object": "a.gz", "offset": 10}),
            ),
            checkpoint("cos-at", "flow/", json!({"object": "f.gz", "offset": 0})),
            checkpoint("kafka", "partition-0", json!(42)),
        ])
        .unwrap();
    store
        .save_checkpoints(&[checkpoint(
            "cos-at",
            "logs/2025/",
            json!({"object": "b.gz", "offset": 7}),
        )])
        .unwrap();
    drop(store);

    let store = StateStore::open(&path).unwrap();
    let source = SourceId::from("cos-at");
    assert_eq!(
        store.load_checkpoint(&source, "logs/2025/").unwrap(),
        Some(json!({"object": "b.gz", "offset": 7}))
    );
    assert_eq!(store.load_checkpoint(&source, "other").unwrap(), None);
    assert_eq!(
        store
            .load_checkpoint(&SourceId::from("kafka"), "partition-0")
            .unwrap(),
        Some(json!(42))
    );
    let keys: Vec<String> = store
        .list_checkpoints(&source)
        .unwrap()
        .into_iter()
        .map(|c| c.key)
        .collect();
    assert_eq!(keys, vec!["flow/", "logs/2025/"]);
    assert!(store
        .list_checkpoints(&SourceId::from("none"))
        .unwrap()
        .is_empty());
}

#[test]
fn a_batch_with_a_bad_checkpoint_saves_nothing() {
    let store = StateStore::open_in_memory().unwrap();
    let big = json!("x".repeat(MAX_CHECKPOINT_BYTES));
    let err = store
        .save_checkpoints(&[checkpoint("s", "a", json!(1)), checkpoint("s", "b", big)])
        .unwrap_err();
    assert!(
        matches!(
            err,
            StateError::Invalid {
                field: "checkpoint value",
                ..
            }
        ),
        "{err:?}"
    );
    let err = store
        .save_checkpoints(&[
            checkpoint("s", "a", json!(1)),
            checkpoint("", "b", json!(2)),
        ])
        .unwrap_err();
    assert!(
        matches!(
            err,
            StateError::Invalid {
                field: "source id",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(store
        .list_checkpoints(&SourceId::from("s"))
        .unwrap()
        .is_empty());
}
