use vigil_sigma::ast::Level;
use vigil_state::{
    AuditFilter, AuditOutcome, RuleId, RuleOrigin, RuleRecord, StateError, UpsertOutcome,
};

use crate::common::memory_store;

fn record(id: &str, origin: RuleOrigin) -> RuleRecord {
    RuleRecord {
        id: RuleId::from(id),
        title: format!("Rule {id}"),
        level: Level::Medium,
        origin,
        yaml: (origin == RuleOrigin::Uploaded).then(|| format!("title: Rule {id}\n")),
        enabled: true,
    }
}

#[test]
fn upsert_inserts_updates_and_keeps_the_enabled_state() {
    let store = memory_store();
    let builtin = record("ibm-1", RuleOrigin::Builtin);
    assert_eq!(
        store.upsert_rule(&builtin, "system").unwrap(),
        UpsertOutcome::Inserted
    );
    assert_eq!(
        store.upsert_rule(&builtin, "system").unwrap(),
        UpsertOutcome::Unchanged
    );
    store.set_rule_enabled(&builtin.id, false, "admin").unwrap();

    // The next start registers the pack again, with a new title: still disabled.
    let retitled = RuleRecord {
        title: "New title".to_owned(),
        ..builtin.clone()
    };
    assert_eq!(
        store.upsert_rule(&retitled, "system").unwrap(),
        UpsertOutcome::Updated
    );
    let stored = store.get_rule(&builtin.id).unwrap().unwrap();
    assert_eq!(stored.rule.title, "New title");
    assert!(!stored.rule.enabled);
    assert_eq!(stored.created_ms, 1_000_000);

    let actions: Vec<String> = store
        .list_audit(&AuditFilter::default())
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, vec!["rule.update", "rule.disable", "rule.create"]);
}

#[test]
fn enabling_is_audited_once_per_change() {
    let store = memory_store();
    let rule = record("up-1", RuleOrigin::Uploaded);
    store.upsert_rule(&rule, "alice").unwrap();
    store.set_rule_enabled(&rule.id, false, "bob").unwrap();
    store.set_rule_enabled(&rule.id, false, "bob").unwrap();
    store.set_rule_enabled(&rule.id, true, "carol").unwrap();
    let entries = store
        .list_audit(&AuditFilter {
            target: Some("rule:up-1".to_owned()),
            ..AuditFilter::default()
        })
        .unwrap();
    let seen: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("carol", "rule.enable"),
            ("bob", "rule.disable"),
            ("alice", "rule.create")
        ]
    );
    let err = store
        .set_rule_enabled(&RuleId::from("nope"), true, "bob")
        .unwrap_err();
    assert!(
        matches!(err, StateError::NotFound { what: "rule", .. }),
        "{err:?}"
    );
}

#[test]
fn builtin_rules_cannot_be_deleted_uploaded_ones_can() {
    let store = memory_store();
    let builtin = record("ibm-1", RuleOrigin::Builtin);
    let uploaded = record("up-1", RuleOrigin::Uploaded);
    store.upsert_rule(&builtin, "system").unwrap();
    store.upsert_rule(&uploaded, "alice").unwrap();

    let err = store.delete_rule(&builtin.id, "mallory").unwrap_err();
    assert!(
        matches!(&err, StateError::BuiltinRule { id } if id == "ibm-1"),
        "{err:?}"
    );
    assert!(err.to_string().contains("disable it instead"), "{err}");
    assert!(store.get_rule(&builtin.id).unwrap().is_some());
    let last = &store.list_audit(&AuditFilter::default()).unwrap()[0];
    assert_eq!(
        (last.actor.as_str(), last.action.as_str()),
        ("mallory", "rule.delete")
    );
    assert_eq!(last.outcome, AuditOutcome::Failure);

    store.delete_rule(&uploaded.id, "alice").unwrap();
    assert!(store.get_rule(&uploaded.id).unwrap().is_none());
    let last = &store.list_audit(&AuditFilter::default()).unwrap()[0];
    assert_eq!(last.outcome, AuditOutcome::Success);
    let ids: Vec<String> = store
        .list_rules()
        .unwrap()
        .into_iter()
        .map(|r| r.rule.id.0)
        .collect();
    assert_eq!(ids, vec!["ibm-1"]);
    let err = store.delete_rule(&uploaded.id, "alice").unwrap_err();
    assert!(matches!(err, StateError::NotFound { .. }), "{err:?}");
}

#[test]
fn a_rule_cannot_change_origin_or_be_invalid() {
    let store = memory_store();
    store
        .upsert_rule(&record("ibm-1", RuleOrigin::Builtin), "system")
        .unwrap();
    let err = store
        .upsert_rule(&record("ibm-1", RuleOrigin::Uploaded), "alice")
        .unwrap_err();
    assert!(
        matches!(
            err,
            StateError::RuleOriginConflict {
                stored: "builtin",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        store
            .get_rule(&RuleId::from("ibm-1"))
            .unwrap()
            .unwrap()
            .rule
            .origin,
        RuleOrigin::Builtin
    );

    let mut empty_id = record("", RuleOrigin::Uploaded);
    assert!(matches!(
        store.upsert_rule(&empty_id, "a").unwrap_err(),
        StateError::Invalid { .. }
    ));
    empty_id.id = RuleId::from("x");
    empty_id.yaml = Some("a".repeat(vigil_state::MAX_RULE_YAML_BYTES + 1));
    assert!(matches!(
        store.upsert_rule(&empty_id, "a").unwrap_err(),
        StateError::Invalid {
            field: "rule yaml",
            ..
        }
    ));
    assert_eq!(store.list_rules().unwrap().len(), 1);
}
