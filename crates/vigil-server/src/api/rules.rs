//! `/api/rules`: list, upload (Sigma YAML), enable / disable, delete, and test a rule against
//! recent stored events. Every change rebuilds the detection in force and is audited.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Value};
use vigil_sigma::ast::{Document, Level};
use vigil_state::{RuleOrigin, RuleRecord, StateStore, StoredRule};

use super::{allow, ApiError, AppState};
use crate::auth::Caller;
use crate::config::Role;
use crate::detection::{rule_key, Detection};
use crate::server::{build_detection, disabled_rules};

pub(super) use super::search::test_rule as test;

fn kind(document: &Document) -> &'static str {
    match document {
        Document::Rule(_) => "rule",
        Document::Correlation(_) => "correlation",
        Document::Filter(_) => "filter",
    }
}

fn rule_json(document: &Document, origin: &str, enabled: bool) -> Value {
    let meta = document.meta();
    json!({
        "id": rule_key(document),
        "title": meta.title,
        "kind": kind(document),
        "level": meta.level.unwrap_or(Level::Informational).name(),
        "status": meta.status.as_ref().map(|s| format!("{s:?}").to_lowercase()),
        "tags": meta.tags,
        "author": meta.author,
        "description": meta.description,
        "origin": origin,
        "enabled": enabled,
    })
}

pub(super) async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Value>, ApiError> {
    allow(&caller, |role| role.can_read())?;
    let store = state.state.clone();
    let documents = state.documents.clone();
    let rules = tokio::task::spawn_blocking(move || -> Result<Vec<Value>, ApiError> {
        let disabled = disabled_rules(&store).map_err(ApiError::internal)?;
        let mut out: Vec<Value> = documents
            .iter()
            .map(|d| rule_json(d, "builtin", !disabled.contains(&rule_key(d))))
            .collect();
        for stored in store.list_rules()? {
            let Some(yaml) = &stored.rule.yaml else {
                continue;
            };
            for document in vigil_sigma::load::load_str(yaml, "uploaded")
                .into_iter()
                .flatten()
            {
                out.push(rule_json(&document, "uploaded", stored.rule.enabled));
            }
        }
        Ok(out)
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(Json(json!({ "total": rules.len(), "rules": rules })))
}

pub(super) async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    allow(&caller, |role| role.can_read())?;
    if let Some(document) = state.documents.iter().find(|d| rule_key(d) == id) {
        let store = state.state.clone();
        let key = id.clone();
        let disabled = tokio::task::spawn_blocking(move || disabled_rules(&store))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)?;
        return Ok(Json(rule_json(
            document,
            "builtin",
            !disabled.contains(&key),
        )));
    }
    let store = state.state.clone();
    let key = id.clone();
    let stored = tokio::task::spawn_blocking(move || store.get_rule(&key.as_str().into()))
        .await
        .map_err(ApiError::internal)??
        .ok_or_else(|| ApiError::not_found(format!("no rule `{id}`")))?;
    let mut value = json!({
        "id": stored.rule.id.as_str(),
        "title": stored.rule.title,
        "level": stored.rule.level.name(),
        "origin": stored.rule.origin.as_str(),
        "enabled": stored.rule.enabled,
    });
    if let (Some(object), Some(yaml)) = (value.as_object_mut(), &stored.rule.yaml) {
        object.insert("yaml".to_owned(), json!(yaml));
    }
    Ok(Json(value))
}

/// Upload: the body is Sigma YAML (one or more documents). Every document must load and the
/// rule set must still build; otherwise nothing is stored.
pub(super) async fn upload(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: String,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    allow(&caller, |role| role == Role::Admin)?;
    let mut documents = Vec::new();
    let mut errors = Vec::new();
    for loaded in vigil_sigma::load::load_str(&body, "upload") {
        match loaded {
            Ok(document) => documents.push(document),
            Err(error) => errors.push(error.to_string()),
        }
    }
    if !errors.is_empty() || documents.is_empty() {
        if errors.is_empty() {
            errors.push("the body holds no Sigma document".to_owned());
        }
        return Err(
            ApiError::bad_request("the rule does not load").with(json!({ "errors": errors }))
        );
    }
    let first = &documents[0];
    let key = rule_key(first);
    if state.documents.iter().any(|d| rule_key(d) == key) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("`{key}` is a built-in rule; upload it under another id"),
        ));
    }
    let record = RuleRecord {
        id: key.as_str().into(),
        title: first.meta().title.clone(),
        level: first.meta().level.unwrap_or(Level::Informational),
        origin: RuleOrigin::Uploaded,
        yaml: Some(body),
        enabled: true,
    };
    let actor = caller.name.clone();
    let outcome = apply(&state, move |store| {
        store.upsert_rule(&record, &actor)?;
        Ok(())
    })
    .await?;
    let loaded: Vec<Value> = documents
        .iter()
        .map(|d| rule_json(d, "uploaded", true))
        .collect();
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": key, "documents": loaded, "rules_in_force": outcome })),
    ))
}

/// `{"enabled": false}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnabledBody {
    enabled: bool,
}

pub(super) async fn set_enabled(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    Json(body): Json<EnabledBody>,
) -> Result<Json<Value>, ApiError> {
    allow(&caller, |role| role == Role::Admin)?;
    let builtin = state
        .documents
        .iter()
        .find(|d| rule_key(d) == id)
        .map(|d| RuleRecord {
            id: id.as_str().into(),
            title: d.meta().title.clone(),
            level: d.meta().level.unwrap_or(Level::Informational),
            origin: RuleOrigin::Builtin,
            yaml: None,
            enabled: true,
        });
    let actor = caller.name.clone();
    let key = id.clone();
    let in_force = apply(&state, move |store| {
        if let Some(record) = &builtin {
            store.upsert_rule(record, &actor)?;
        }
        store.set_rule_enabled(&key.as_str().into(), body.enabled, &actor)?;
        Ok(())
    })
    .await?;
    Ok(Json(
        json!({ "id": id, "enabled": body.enabled, "rules_in_force": in_force }),
    ))
}

pub(super) async fn delete(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    allow(&caller, |role| role == Role::Admin)?;
    if state.documents.iter().any(|d| rule_key(d) == id) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("`{id}` is a built-in rule: disable it instead"),
        ));
    }
    let actor = caller.name.clone();
    apply(&state, move |store| {
        store.delete_rule(&id.as_str().into(), &actor)?;
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Runs `change` on the state store, then rebuilds the detection; when the new rule set
/// cannot run, the change is undone by the caller's error (nothing swapped in) and reported.
/// Returns the number of rules in force.
async fn apply(
    state: &AppState,
    change: impl FnOnce(&StateStore) -> Result<(), vigil_state::StateError> + Send + 'static,
) -> Result<usize, ApiError> {
    let store = state.state.clone();
    let documents = state.documents.clone();
    let intel = state.intel.clone();
    let detection = state.detection.clone();
    tokio::task::spawn_blocking(move || -> Result<usize, ApiError> {
        // What to put back if the changed rule set cannot run.
        let before: Vec<StoredRule> = store.list_rules()?;
        change(&store)?;
        let rebuilt = rebuild(&store, &documents, intel);
        let built = match rebuilt {
            Ok(built) => built,
            Err(message) => {
                undo(&store, &before);
                return Err(ApiError::bad_request(message));
            }
        };
        let count = built.rules.rules().len() + built.rules.correlations().len();
        if let Ok(mut slot) = detection.write() {
            *slot = Arc::new(built);
        }
        Ok(count)
    })
    .await
    .map_err(ApiError::internal)?
}

fn rebuild(
    store: &StateStore,
    documents: &[Document],
    intel: Arc<vigil_detect::intel::IntelSet>,
) -> Result<Detection, String> {
    build_detection(documents, store, intel).map_err(|e| match e {
        crate::ServerError::Rules(message) => message,
        other => other.to_string(),
    })
}

/// Puts the rules table back as it was (a change that broke the rule set).
fn undo(store: &StateStore, before: &[StoredRule]) {
    let actor = "vigil";
    let now: Vec<StoredRule> = store.list_rules().unwrap_or_default();
    for rule in &now {
        match before.iter().find(|b| b.rule.id == rule.rule.id) {
            // Built-in rules cannot be deleted; one registered by the failed change was
            // enabled before it.
            None if rule.rule.origin == RuleOrigin::Builtin => {
                let _ = store.set_rule_enabled(&rule.rule.id, true, actor);
            }
            None => {
                let _ = store.delete_rule(&rule.rule.id, actor);
            }
            Some(old) => {
                let _ = store.upsert_rule(&old.rule, actor);
                let _ = store.set_rule_enabled(&old.rule.id, old.rule.enabled, actor);
            }
        }
    }
}
