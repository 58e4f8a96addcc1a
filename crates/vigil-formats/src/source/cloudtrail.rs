//! AWS CloudTrail events to OCSF.
//!
//! A record is either a CloudTrail file, `{"Records": [...]}`, holding one event per element,
//! or one event (NDJSON, as CloudTrail Lake and most forwarders write them). Every event is
//! API Activity (6003), its activity taken from the verb that starts `eventName`
//! (`CreateAccessKey` → Create); `ConsoleLogin` is Authentication (3002, Logon).
//!
//! Decisions worth knowing:
//! * In a file, each element is normalized alone: a bad element is rejected with its index
//!   and bytes (`reject_element`) and its siblings still normalize. Each event's `raw` is a
//!   zero-copy slice of the file holding just its element, and `provenance.index` its
//!   position; so its native form is that slice ([`Native::RawJson`]), which gives rules the
//!   element's own names (`eventName`, `requestParameters.bucketName`) at no cost until a rule
//!   asks. A parsed `Native::Json` tree per element would give the same names, paid upfront.
//! * `sourceIPAddress` is an address or, for calls made by AWS services, a service name
//!   (`ec2.amazonaws.com`, `AWS Internal`): an address goes to `src_endpoint.ip`, anything else
//!   to `src_endpoint.domain`.
//! * The event failed when it has `errorCode` or `errorMessage`, or when a console login says
//!   `"ConsoleLogin": "Failure"`; otherwise it succeeded.
//! * `actor.user.name` is `userName`, else the last part of the ARN (the session name of an
//!   assumed role), else the invoking service.

mod model;
#[cfg(test)]
mod tests;

use std::net::IpAddr;

use serde_json::{Map, Value};
use vigil_model::{
    Account, ActivityId, Api, ClassUid, Endpoint, Event, HttpRequest, Native, Product, Resource,
    SeverityId, SourceType, StatusId, Str, Tls, User,
};

use self::model::{CtEvent, Records, UserIdentity};
use crate::source::jsonutil::{self, insert_path, raw_to_value, subslice};
use crate::{Context, Output, Record};

const SOURCE: SourceType = SourceType::CloudTrail;

/// Normalizes one CloudTrail record: a `{"Records": [...]}` file or a single event.
pub fn normalize(record: &Record, ctx: &Context, out: &mut Output) {
    let top: CtEvent<'_> = match jsonutil::parse(&record.bytes) {
        Ok(top) => top,
        Err(err) => return err.reject(SOURCE, record, out),
    };
    match &top.records {
        Records::Absent => match build(&top, ctx) {
            Ok(mut event) => {
                event.raw = record.bytes.clone();
                event.provenance = record.provenance.clone();
                event.native = Native::RawJson;
                out.events.push(event);
            }
            Err(detail) => out.reject(SOURCE, record, "missing_field", detail),
        },
        Records::NotAnArray(found) => {
            let detail = format!("`Records` must be an array, found {found}");
            out.reject(SOURCE, record, "invalid_field", detail);
        }
        Records::Array(elements) => {
            for (index, element) in elements.iter().enumerate() {
                let index = u32::try_from(index).unwrap_or(u32::MAX);
                normalize_element(index, element.get(), record, ctx, out);
            }
        }
    }
}

/// One element of a CloudTrail file.
fn normalize_element(index: u32, text: &str, record: &Record, ctx: &Context, out: &mut Output) {
    let bytes = subslice(&record.bytes, text);
    let element: CtEvent<'_> = match jsonutil::parse_text(text) {
        Ok(element) => element,
        Err(err) => {
            return out.reject_element(SOURCE, record, index, &bytes, err.reason, err.detail)
        }
    };
    match build(&element, ctx) {
        Ok(mut event) => {
            event.raw = bytes;
            event.provenance = record.provenance.clone();
            event.provenance.index = Some(index);
            event.native = Native::RawJson;
            out.events.push(event);
        }
        Err(detail) => out.reject_element(SOURCE, record, index, &bytes, "missing_field", detail),
    }
}

fn build(ct: &CtEvent<'_>, ctx: &Context) -> Result<Event, String> {
    let Some(name) = ct.event_name.trimmed() else {
        return Err("missing field `eventName`: not a cloudtrail event".to_owned());
    };
    let (class, activity, activity_name) = classify(name);
    let mut event = Event::new(class, activity, SOURCE);
    event.activity_name = activity_name;
    event.severity_id = SeverityId::Informational;

    let mut unmapped = Map::new();
    event.time = match ct.event_time.time_ms() {
        Some(ms) => ms,
        None => {
            let flag = if ct.event_time.is_null() {
                "time_missing"
            } else {
                "time_invalid"
            };
            unmapped.insert(flag.to_owned(), Value::Bool(true));
            ctx.reference_time_ms
        }
    };

    let response_data = ct.response_elements.map(jsonutil::raw_to_value);
    let console_failure = response_data
        .as_ref()
        .and_then(|r| r.get("ConsoleLogin"))
        .and_then(Value::as_str)
        .is_some_and(|s| s.eq_ignore_ascii_case("failure"));
    let failed = ct.error_code.text().is_some() || ct.error_message.text().is_some();
    event.status_id = Some(if failed || console_failure {
        StatusId::Failure
    } else {
        StatusId::Success
    });
    event.status_code = ct.error_code.to_str();
    event.status_detail = ct.error_message.to_str();

    event.metadata.product = Product::new("CloudTrail", "AWS");
    event.metadata.uid = ct.event_id.to_str();
    event.metadata.log_name = ct.event_type.to_str();
    event.metadata.correlation_uid = ct.shared_event_id.to_str();
    event.metadata.original_time = ct.event_time.to_str();

    let account = ct
        .recipient_account_id
        .to_str()
        .or_else(|| ct.user_identity.account_id.to_str());
    let cloud = event.cloud_mut();
    cloud.provider = Str::from("AWS");
    cloud.region = ct.aws_region.to_str();
    cloud.account = account.map(|uid| Account {
        uid: Some(uid),
        type_name: Some(Str::from("AWS Account")),
        ..Account::default()
    });

    let user = identity_user(&ct.user_identity);
    if class == ClassUid::Authentication {
        event.user = Some(Box::new(user.clone()));
    }
    let actor = event.actor_mut();
    actor.user = Some(user);
    actor.invoked_by = ct.user_identity.invoked_by.to_str();

    let mut src = Endpoint::default();
    if let Some(source) = ct.source_ip_address.trimmed() {
        if source.parse::<IpAddr>().is_ok() {
            src.ip = Some(Str::from(source));
        } else {
            src.domain = Some(Str::from(source));
        }
    }
    event.src_endpoint = Some(Box::new(src));
    if let Some(host) = ct.tls_details.client_provided_host_header.trimmed() {
        event.dst_mut().hostname = Some(Str::from(host));
    }
    if let Some(agent) = ct.user_agent.str() {
        event.http_request = Some(Box::new(HttpRequest {
            user_agent: Some(Str::from(agent)),
            ..HttpRequest::default()
        }));
    }
    let tls = &ct.tls_details;
    if tls.tls_version.str().is_some() || tls.cipher_suite.str().is_some() {
        event.tls = Some(Box::new(Tls {
            version: tls.tls_version.str_owned(),
            cipher: tls.cipher_suite.str_owned(),
            ja3_hash: None,
        }));
    }

    event.api = Some(Box::new(Api {
        operation: Str::from(name),
        service_name: ct.event_source.to_str(),
        version: ct.api_version.to_str(),
        request_uid: ct.request_id.to_str(),
        request_data: ct.request_parameters.map(raw_to_value),
        response_data,
        response_error: ct.error_code.to_str(),
        response_error_message: ct.error_message.to_str(),
    }));
    for resource in &ct.resources.0 {
        let resource = Resource {
            uid: resource.arn.to_str(),
            type_name: resource.kind.to_str(),
            account_uid: resource.account_id.to_str(),
            ..Resource::default()
        };
        if resource.uid.is_some() || resource.type_name.is_some() {
            event.resources.push(resource);
        }
    }

    fill_unmapped(ct, &mut unmapped);
    jsonutil::set_unmapped(&mut event, unmapped);
    Ok(event)
}

fn fill_unmapped(ct: &CtEvent<'_>, unmapped: &mut Map<String, Value>) {
    if let Some(data) = ct.additional_event_data {
        unmapped.insert("additionalEventData".to_owned(), raw_to_value(data));
    }
    for (key, value) in [
        ("readOnly", &ct.read_only),
        ("managementEvent", &ct.management_event),
    ] {
        if let Some(flag) = value.bool() {
            unmapped.insert(key.to_owned(), Value::Bool(flag));
        }
    }
    for (key, value) in [
        ("eventCategory", &ct.event_category),
        ("vpcEndpointId", &ct.vpc_endpoint_id),
    ] {
        if let Some(text) = value.text() {
            unmapped.insert(key.to_owned(), Value::String(text.into_owned()));
        }
    }
    let session = &ct.user_identity.session_context;
    if let Some(arn) = session.session_issuer.arn.str() {
        let path = ["userIdentity", "sessionContext", "sessionIssuer", "arn"];
        insert_path(unmapped, &path, arn.into());
    }
    if let Some(mfa) = session.attributes.mfa_authenticated.bool() {
        let path = [
            "userIdentity",
            "sessionContext",
            "attributes",
            "mfaAuthenticated",
        ];
        insert_path(unmapped, &path, Value::Bool(mfa));
    }
    for (key, raw) in &ct.rest {
        unmapped.insert(key.as_str().to_owned(), raw_to_value(raw));
    }
}

/// The identity that made the call, as an OCSF user.
fn identity_user(identity: &UserIdentity<'_>) -> User {
    let kind = identity.kind.trimmed();
    let arn = identity.arn.trimmed();
    let invoked_by = identity.invoked_by.trimmed();
    let name = identity
        .user_name
        .trimmed()
        .or_else(|| arn.and_then(arn_last_part))
        .or(invoked_by);
    let type_id = kind.map(|kind| match kind {
        "IAMUser" | "FederatedUser" | "IdentityCenterUser" | "SAMLUser" | "WebIdentityUser" => 1,
        "Root" => 2,
        "AWSService" => 4,
        "Unknown" => 0,
        _ => 99,
    });
    User {
        uid: arn
            .or_else(|| identity.principal_id.trimmed())
            .or(invoked_by)
            .map(Str::from),
        name: name.map(Str::from),
        type_name: kind.map(Str::from),
        type_id,
        credential_uid: identity.access_key_id.trimmed().map(Str::from),
        account: identity.account_id.to_str().map(|uid| Account {
            uid: Some(uid),
            ..Account::default()
        }),
        ..User::default()
    }
}

/// The last part of an ARN's resource: `alice` in `arn:aws:iam::1:user/alice` and in
/// `arn:aws:sts::1:assumed-role/Admin/alice`, `root` in `arn:aws:iam::1:root`.
fn arn_last_part(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    resource.rsplit('/').next().filter(|s| !s.is_empty())
}

/// Verbs that start an `eventName`, by activity: Create 1, Read 2, Update 3, Delete 4.
const VERBS: &[(&str, u8)] = &[
    ("Create", 1),
    ("Run", 1),
    ("Allocate", 1),
    ("Import", 1),
    ("Register", 1),
    ("Upload", 1),
    ("Copy", 1),
    ("Generate", 1),
    ("Issue", 1),
    ("Request", 1),
    ("Get", 2),
    ("List", 2),
    ("Describe", 2),
    ("Head", 2),
    ("Lookup", 2),
    ("Search", 2),
    ("Select", 2),
    ("Scan", 2),
    ("Query", 2),
    ("Download", 2),
    ("Update", 3),
    ("Put", 3),
    ("Modify", 3),
    ("Set", 3),
    ("Attach", 3),
    ("Associate", 3),
    ("Add", 3),
    ("Enable", 3),
    ("Disable", 3),
    ("Start", 3),
    ("Stop", 3),
    ("Reboot", 3),
    ("Change", 3),
    ("Tag", 3),
    ("Untag", 3),
    ("Replace", 3),
    ("Reset", 3),
    ("Rotate", 3),
    ("Restore", 3),
    ("Authorize", 3),
    ("Revoke", 3),
    ("Assign", 3),
    ("Unassign", 3),
    ("Apply", 3),
    ("Upgrade", 3),
    ("Accept", 3),
    ("Activate", 3),
    ("Deactivate", 3),
    ("Delete", 4),
    ("Remove", 4),
    ("Detach", 4),
    ("Disassociate", 4),
    ("Terminate", 4),
    ("Release", 4),
    ("Deregister", 4),
    ("Purge", 4),
];

/// The class and activity of an `eventName`: `ConsoleLogin` is a Logon; otherwise API
/// Activity from the leading verb (`Batch` skipped: `BatchGetItem` reads), Other (99) with
/// the verb as its name when the verb is not one of [`VERBS`].
fn classify(name: &str) -> (ClassUid, ActivityId, Option<Str>) {
    if name == "ConsoleLogin" {
        return (ClassUid::Authentication, ActivityId::LOGON, None);
    }
    let mut verb = first_word(name);
    if verb == "Batch" {
        verb = first_word(name.get(verb.len()..).unwrap_or_default());
    }
    match VERBS.iter().find(|(word, _)| *word == verb) {
        Some((_, id)) => (ClassUid::ApiActivity, ActivityId(*id), None),
        None => (
            ClassUid::ApiActivity,
            ActivityId::OTHER,
            Some(Str::from(if verb.is_empty() { name } else { verb })),
        ),
    }
}

/// The first CamelCase word: `Create` in `CreateAccessKey`.
fn first_word(name: &str) -> &str {
    let end = name
        .char_indices()
        .skip(1)
        .find(|(_, c)| c.is_ascii_uppercase())
        .map_or(name.len(), |(at, _)| at);
    name.get(..end).unwrap_or(name)
}
