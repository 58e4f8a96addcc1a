//! IBM Cloud Activity Tracker (CADF) events to OCSF.
//!
//! A record is one CADF event. Most become API Activity (6003) with the activity taken from
//! the verb at the end of `action`; `*.login`, `*.authenticate` and `*.logout` become
//! Authentication (3002), and changes to API keys, service IDs, trusted profiles and account
//! users become Account Change (3001) (see `classify.rs`). The event is read into borrowed,
//! lenient structs (no `serde_json::Value` tree of the record); only `requestData`,
//! `responseData` and unknown top-level keys are materialized as JSON values.
//!
//! Decisions worth knowing:
//! * An event without `eventTime` (context-based-restriction denials) is kept: its time is
//!   the context's reference time and `unmapped.time_missing` is `true` (`time_invalid` when
//!   the field is there but unreadable).
//! * `initiator.host.address` is kept as written (IBM's docs carry `192.0.2.0/24172`), only
//!   trimmed of surrounding spaces. API Activity always carries a `src_endpoint`, as OCSF
//!   requires: without an address it names the calling service (`svc_name`) when the
//!   initiator is a service ID, and is empty otherwise (IBM's doc excerpts omit the host).
//! * `requestData`/`responseData` become `api.request.data`/`api.response.data` as JSON
//!   values; when a service wrote them as a JSON-encoded string, they stay that string.
//! * Account Change events put the initiator in `actor.user` and the changed identity
//!   (`target`) in `user`; Authentication events put the initiator in both.
//! * The legacy LogDNA archive form (the event under `_source`, nested objects renamed with
//!   an `o_` prefix) is un-prefixed and normalized the same way; its native form is the
//!   un-prefixed tree, so rules can use `initiator.id`. LogDNA's own `_`-prefixed keys stay in
//!   the native form but not in `unmapped`.

mod classify;
pub mod crn;
mod model;
#[cfg(test)]
mod tests;

use compact_str::format_compact;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use vigil_model::{
    Account, Api, ClassUid, Endpoint, Event, HttpRequest, Native, Product, Resource, SourceType,
    Str, User,
};

use self::model::{AtEvent, Initiator, Reason, Target};
use crate::source::jsonutil::{self, insert_path, raw_to_value};
use crate::{Context, Output, Record};

const SOURCE: SourceType = SourceType::ActivityTracker;

/// Which form of the event is being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    /// A CADF event as Activity Tracker Event Routing delivers it.
    Current,
    /// The event of a legacy LogDNA archive line, un-prefixed.
    LegacyArchive,
}

/// Normalizes one Activity Tracker record (a CADF event, or a legacy archive line).
pub fn normalize(record: &Record, ctx: &Context, out: &mut Output) {
    let at: AtEvent<'_> = match jsonutil::parse(&record.bytes) {
        Ok(at) => at,
        Err(err) => return err.reject(SOURCE, record, out),
    };
    if at.action.is_null() {
        if let Some(source) = at.legacy_source {
            return normalize_legacy(source, record, ctx, out);
        }
    }
    match build(&at, ctx, Form::Current) {
        Ok(mut event) => {
            event.raw = record.bytes.clone();
            event.provenance = record.provenance.clone();
            event.native = Native::RawJson;
            out.events.push(event);
        }
        Err(detail) => out.reject(SOURCE, record, "missing_field", detail),
    }
}

/// The legacy archive form: un-prefix `_source`, then read it as a current event.
fn normalize_legacy(source: &RawValue, record: &Record, ctx: &Context, out: &mut Output) {
    let mut tree = raw_to_value(source);
    if !tree.is_object() {
        let detail = "missing field `action`, and `_source` is not an object";
        return out.reject(SOURCE, record, "missing_field", detail);
    }
    unprefix(&mut tree);
    let text = tree.to_string();
    let at: AtEvent<'_> = match jsonutil::parse_text(&text) {
        Ok(at) => at,
        Err(err) => return err.reject(SOURCE, record, out),
    };
    match build(&at, ctx, Form::LegacyArchive) {
        Ok(mut event) => {
            event.raw = record.bytes.clone();
            event.provenance = record.provenance.clone();
            event.native = Native::Json(Box::new(tree));
            out.events.push(event);
        }
        Err(detail) => out.reject(
            SOURCE,
            record,
            "missing_field",
            format!("`_source`: {detail}"),
        ),
    }
}

/// Renames every `o_`-prefixed key holding an object to its name without the prefix, at any
/// depth (serde's nesting limit bounds the recursion).
pub fn unprefix(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let old = std::mem::take(map);
            for (key, mut child) in old {
                unprefix(&mut child);
                let key = match key.strip_prefix("o_") {
                    Some(bare) if child.is_object() && !bare.is_empty() => bare.to_owned(),
                    _ => key,
                };
                map.insert(key, child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(unprefix),
        _ => {}
    }
}

fn build(at: &AtEvent<'_>, ctx: &Context, form: Form) -> Result<Event, String> {
    let Some(action) = at.action.trimmed() else {
        let detail = if at.action.is_null() {
            "missing field `action`: not an activity tracker (cadf) event"
        } else {
            "field `action` is empty or not a string"
        };
        return Err(detail.to_owned());
    };
    let class = classify::classify(action);
    let mut event = Event::new(class.class, class.activity, SOURCE);
    event.activity_name = class.activity_name;
    event.severity_id = classify::severity(at.severity.str());
    let (status, keep_outcome) = classify::status(at.outcome.str());
    event.status_id = status;
    event.status_code = at.reason.code.to_str();
    event.status_detail = status_detail(&at.reason, at.outcome.trimmed().filter(|_| keep_outcome));
    event.message = at.message.str_owned();

    let mut unmapped = Map::new();
    event.time = match at.event_time.time_ms() {
        Some(ms) => ms,
        None => {
            let flag = if at.event_time.is_null() {
                "time_missing"
            } else {
                "time_invalid"
            };
            unmapped.insert(flag.to_owned(), Value::Bool(true));
            ctx.reference_time_ms
        }
    };

    event.metadata.product = Product::new("Activity Tracker", "IBM");
    event.metadata.log_name = Some(Str::from("activity_tracker"));
    event.metadata.uid = at.id.to_str();
    event.metadata.correlation_uid = at.correlation_id.to_str();
    event.metadata.original_time = at.event_time.to_str();

    let log_crn = at.log_source_crn.str().map(crn::parse).unwrap_or_default();
    let target_crn = at.target.id.str().map(crn::parse).unwrap_or_default();
    let account = log_crn.account.or(target_crn.account);
    let cloud = event.cloud_mut();
    cloud.provider = Str::from("IBM");
    cloud.account = account.map(|uid| Account {
        uid: Some(Str::from(uid)),
        type_name: Some(Str::from("IBM Cloud Account")),
        ..Account::default()
    });
    if let Some(location) = log_crn.location.or(target_crn.location) {
        let (region, zone) = crn::region_and_zone(location);
        cloud.region = Some(Str::from(region));
        cloud.zone = zone.map(Str::from);
    }

    let initiator = initiator_user(&at.initiator, account);
    match class.class {
        ClassUid::Authentication => event.user = Some(Box::new(initiator.clone())),
        ClassUid::AccountChange => {
            event.user = Some(Box::new(subject_user(action, &at.target, target_crn)))
        }
        _ => {}
    }
    let actor = event.actor_mut();
    actor.user = Some(initiator);
    let authn_id = at.initiator.authn_id.trimmed();
    if authn_id.is_some() && authn_id != at.initiator.id.trimmed() {
        actor.invoked_by = authn_id.map(Str::from);
        if let Some(name) = at.initiator.authn_name.trimmed() {
            insert_path(&mut unmapped, &["initiator", "authnName"], name.into());
        }
    }

    let address = at.initiator.host.address.trimmed();
    // A service calling another service has no address: name the service instead.
    let calling_service = match (address, event.actor.as_ref()) {
        (None, Some(actor)) => actor
            .user
            .as_ref()
            .filter(|u| u.type_id == Some(4))
            .and_then(|u| u.name.clone()),
        _ => None,
    };
    event.src_endpoint = Some(Box::new(Endpoint {
        ip: address.map(Str::from),
        svc_name: calling_service,
        ..Endpoint::default()
    }));
    if let Some(agent) = at.initiator.host.agent.trimmed() {
        event.http_request = Some(Box::new(HttpRequest {
            user_agent: Some(Str::from(agent)),
            ..HttpRequest::default()
        }));
    }

    event.api = Some(Box::new(Api {
        operation: Str::from(action),
        service_name: Some(Str::from(classify::service_name(action))),
        request_data: at.request_data.map(raw_to_value),
        response_data: at.response_data.map(raw_to_value),
        ..Api::default()
    }));
    if let Some(resource) = target_resource(&at.target, target_crn) {
        event.resources.push(resource);
    }

    if let Some(data_event) = at.data_event.bool() {
        unmapped.insert("dataEvent".to_owned(), Value::Bool(data_event));
    }
    if let Some(kind) = at.initiator.credential.kind.trimmed() {
        insert_path(
            &mut unmapped,
            &["initiator", "credential", "type"],
            kind.into(),
        );
    }
    for (key, raw) in &at.rest {
        if form == Form::LegacyArchive && key.as_str().starts_with('_') {
            continue;
        }
        unmapped.insert(key.as_str().to_owned(), raw_to_value(raw));
    }
    jsonutil::set_unmapped(&mut event, unmapped);
    Ok(event)
}

/// The initiator as an OCSF user.
fn initiator_user(initiator: &Initiator<'_>, account: Option<&str>) -> User {
    let id = initiator.id.trimmed();
    let (type_name, type_id) = classify::user_type(initiator.type_uri.str(), id);
    User {
        uid: id.map(Str::from),
        name: initiator.name.trimmed().map(Str::from),
        type_name,
        type_id,
        account: account.map(|uid| Account {
            uid: Some(Str::from(uid)),
            ..Account::default()
        }),
        ..User::default()
    }
}

/// The identity an Account Change changed: the target, typed from the action's object.
fn subject_user(action: &str, target: &Target<'_>, target_crn: crn::Crn<'_>) -> User {
    let (type_name, type_id) = classify::subject_type(action);
    let uid = target.id.trimmed().map(Str::from);
    User {
        credential_uid: if action.contains("apikey") {
            uid.clone()
        } else {
            None
        },
        uid,
        name: target.name.trimmed().map(Str::from),
        type_name: type_name.map(Str::from),
        type_id,
        account: target_crn.account.map(|uid| Account {
            uid: Some(Str::from(uid)),
            ..Account::default()
        }),
        ..User::default()
    }
}

fn target_resource(target: &Target<'_>, target_crn: crn::Crn<'_>) -> Option<Resource> {
    let resource = Resource {
        uid: target.id.trimmed().map(Str::from),
        name: target.name.trimmed().map(Str::from),
        type_name: target.type_uri.trimmed().map(Str::from),
        group_uid: target.resource_group_id.trimmed().map(Str::from),
        region: target_crn.location.map(Str::from),
        account_uid: target_crn.account.map(Str::from),
    };
    let empty = resource.uid.is_none() && resource.name.is_none() && resource.type_name.is_none();
    (!empty).then_some(resource)
}

/// `reasonType` and `reasonForFailure` (both when both are there), else the outcome word
/// when it is neither success nor failure.
fn status_detail(reason: &Reason<'_>, outcome_word: Option<&str>) -> Option<Str> {
    match (reason.kind.trimmed(), reason.failure.trimmed()) {
        (Some(kind), Some(failure)) => Some(format_compact!("{kind}: {failure}")),
        (Some(one), None) | (None, Some(one)) => Some(Str::from(one)),
        (None, None) => outcome_word.map(Str::from),
    }
}
