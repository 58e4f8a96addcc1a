//! IBM Cloud Workload Protection (Sysdig Secure) events → OCSF.
//!
//! One record is one forwarded event: a JSON object (webhook, Events API result, agent-local
//! forwarding), an array of them, an Events API page `{"data": […]}`, or a syslog line wrapping
//! one. Kinds, told apart by their keys:
//!
//! * runtime policy events (current: `content.ruleName`, `content.fields{}`, `labels{}`, int
//!   `severity`, ns `timestamp`) and legacy ones (flat `policyId`, `output`, `fields[]` of
//!   `{key, value}`, `eventLabels[]`, µs `timestamp`) → Detection Finding 2004 ([`policy`]);
//! * activity audit (`type`: `command`, `connection`, `fileaccess`, `kubernetes`) → Process
//!   Activity 1007, Network Activity 4001, File System Activity 1001, API Activity 6003, and
//!   platform audit (`type: audittrail`) → API Activity 6003 ([`audit`]);
//! * anything else (benchmark results, host scanning…) → a Base Event keeping its name,
//!   description and severity, so nothing is dropped.
//!
//! Severity: Sysdig's 0–7 (syslog order) maps 0–3 High, 4–5 Medium, 6 Low, 7 Informational.
//! Values of 8 and more are read as the 0–100 score some consumers store (stix-shifter's
//! `SeverityToScore`: `(10 - severity) * 10`, higher is worse): ≥ 70 High, ≥ 50 Medium, ≥ 40
//! Low, below that Informational.

mod audit;
mod policy;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use bytes::Bytes;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use vigil_model::{
    Account, ActivityId, ClassUid, Cloud, Device, Event, Metadata, Named, Native, Product,
    SeverityId, SourceType, Str,
};

use super::falco::{container_of, fields_map, int_of, record_text, text_of};
use crate::time::{epoch_auto_ms, parse_any};
use crate::{Context, Output, Record};

const SOURCE_TYPE: SourceType = SourceType::Sysdig;

/// Normalizes one forwarded Sysdig Secure record (one event, or an array or page of them).
pub fn normalize(record: &Record, ctx: &Context, out: &mut Output) {
    let text = match record_text(&record.bytes) {
        Ok(text) => text,
        Err((reason, detail)) => return out.reject(SOURCE_TYPE, record, reason, detail),
    };
    let trimmed = text.trim();
    match trimmed.as_bytes().first() {
        Some(b'[') => many(record, text, trimmed, ctx, out),
        Some(b'{') => match serde_json::from_str::<Map<String, Value>>(trimmed) {
            Ok(object) if is_page(&object) => many(record, text, trimmed, ctx, out),
            Ok(object) => one(record, object, record.bytes.clone(), None, false, ctx, out),
            Err(error) => reject_json(record, error, out),
        },
        _ => {
            // Syslog forwarding: the JSON follows the header.
            let Some(json_at) = text.find('{') else {
                let detail = "no json event found";
                return out.reject(SOURCE_TYPE, record, "not_sysdig_event", detail);
            };
            let json = text.get(json_at..).unwrap_or_default().trim();
            match serde_json::from_str::<Map<String, Value>>(json) {
                Ok(object) => one(record, object, record.bytes.clone(), None, true, ctx, out),
                Err(error) => reject_json(record, error, out),
            }
        }
    }
}

fn reject_json(record: &Record, error: serde_json::Error, out: &mut Output) {
    let reason = match error.classify() {
        serde_json::error::Category::Data => "not_sysdig_event",
        _ => "invalid_json",
    };
    out.reject(SOURCE_TYPE, record, reason, error.to_string());
}

/// An Events API page: `{"data": [...]}` with nothing that makes it an event itself.
fn is_page(object: &Map<String, Value>) -> bool {
    object.get("data").is_some_and(Value::is_array) && !object.contains_key("id")
}

#[derive(serde::Deserialize)]
struct Page<'a> {
    #[serde(borrow)]
    data: Vec<&'a RawValue>,
}

/// An array of events, or a page: one event per element, each keeping its own bytes.
fn many(record: &Record, text: &str, json: &str, ctx: &Context, out: &mut Output) {
    let elements = if json.starts_with('[') {
        serde_json::from_str::<Vec<&RawValue>>(json)
    } else {
        serde_json::from_str::<Page<'_>>(json).map(|page| page.data)
    };
    let elements = match elements {
        Ok(elements) => elements,
        Err(error) => return reject_json(record, error, out),
    };
    for (index, raw) in elements.iter().enumerate() {
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        let element = element_bytes(record, text, raw);
        match serde_json::from_str::<Map<String, Value>>(raw.get()) {
            Ok(object) => one(record, object, element, Some(index), false, ctx, out),
            Err(error) => {
                let detail = format!("element is not an object: {error}");
                out.reject_element(
                    SOURCE_TYPE,
                    record,
                    index,
                    &element,
                    "not_sysdig_event",
                    detail,
                );
            }
        }
    }
}

/// The bytes of an element: a slice of the record located from the raw value's address.
fn element_bytes(record: &Record, text: &str, raw: &RawValue) -> Bytes {
    let value = raw.get();
    let start = (value.as_ptr() as usize).checked_sub(text.as_ptr() as usize);
    match start {
        Some(start) if start.saturating_add(value.len()) <= record.bytes.len() => {
            record.bytes.slice(start..start + value.len())
        }
        _ => Bytes::copy_from_slice(value.as_bytes()),
    }
}

/// Normalizes one event object. `raw` is its bytes; `wrapped` says the bytes are not the JSON
/// alone (syslog), so the native form must be the parsed object.
fn one(
    record: &Record,
    object: Map<String, Value>,
    raw: Bytes,
    index: Option<u32>,
    wrapped: bool,
    ctx: &Context,
    out: &mut Output,
) {
    let kind = object
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut event = match kind {
        "command" | "connection" | "fileaccess" | "kubernetes" => audit::activity(&object, kind),
        "audittrail" => audit::platform(&object),
        _ if policy::is_policy_event(&object) => policy::finding(&object),
        _ => other(&object),
    };
    event.time = event_time(&object).unwrap_or(ctx.reference_time_ms);
    event.provenance = record.provenance.clone();
    event.provenance.index = index;
    event.raw = raw;
    event.native = if wrapped {
        Native::Json(Box::new(Value::Object(object)))
    } else {
        Native::RawJson
    };
    out.events.push(event);
}

/// An event of a kind with no better class: kept as a Base Event with its words.
fn other(object: &Map<String, Value>) -> Event {
    let mut event = Event::new(ClassUid::Base, ActivityId::OTHER, SOURCE_TYPE);
    let kind = text_of(object.get("type")).unwrap_or_else(|| Str::const_new("unknown"));
    event.activity_name = Some(kind.clone());
    event.severity_id = severity(object.get("severity"));
    event.message = text_of(object.get("description")).or_else(|| text_of(object.get("name")));
    event.metadata = metadata(object, &kind);
    let context = Labels::of(object);
    event.device = context.device(object, None);
    event.cloud = context.cloud();
    event
}

/// `severity` → OCSF (see the module documentation for the two scales).
pub(crate) fn severity(value: Option<&Value>) -> SeverityId {
    if let Some(Value::String(word)) = value {
        match word.to_ascii_lowercase().as_str() {
            "high" | "critical" => return SeverityId::High,
            "medium" => return SeverityId::Medium,
            "low" => return SeverityId::Low,
            "info" | "informational" => return SeverityId::Informational,
            _ => {}
        }
    }
    match int_of(value) {
        Some(0..=3) => SeverityId::High,
        Some(4 | 5) => SeverityId::Medium,
        Some(6) => SeverityId::Low,
        Some(7) => SeverityId::Informational,
        Some(score @ 8..=100) if score >= 70 => SeverityId::High,
        Some(score @ 8..=100) if score >= 50 => SeverityId::Medium,
        Some(score @ 8..=100) if score >= 40 => SeverityId::Low,
        Some(8..=100) => SeverityId::Informational,
        _ => SeverityId::Unknown,
    }
}

/// The event time: `timestamp` (ns current, µs legacy, RFC 3339 from the Events API), else
/// `timestampRFC3339Nano`, `timestampNs`, `content.timestampNs`.
fn event_time(object: &Map<String, Value>) -> Option<i64> {
    let from = |value: Option<&Value>| match value? {
        Value::Number(n) => n.as_i64().map(epoch_auto_ms),
        Value::String(s) => parse_any(s),
        _ => None,
    };
    from(object.get("timestamp"))
        .or_else(|| from(object.get("timestampRFC3339Nano")))
        .or_else(|| from(object.get("timestampNs")))
        .or_else(|| from(object.get("content").and_then(|c| c.get("timestampNs"))))
}

/// `metadata` for every kind: IBM Workload Protection, feature Sysdig Secure, `uid` = `id`.
pub(crate) fn metadata(object: &Map<String, Value>, log_name: &str) -> Metadata {
    let mut product = Product::new("Workload Protection", "IBM");
    product.feature = Some(Named {
        name: Str::const_new("Sysdig Secure"),
    });
    Metadata {
        product,
        uid: text_of(object.get("id")),
        original_time: text_of(object.get("timestampRFC3339Nano")),
        log_name: Some(Str::from(log_name)),
        ..Metadata::default()
    }
}

/// The event's labels (`labels{}` or legacy `eventLabels[]`), for device, container and cloud.
pub(crate) struct Labels(Map<String, Value>);

impl Labels {
    /// The labels of `object`.
    pub(crate) fn of(object: &Map<String, Value>) -> Labels {
        let labels = object.get("labels").or_else(|| object.get("eventLabels"));
        Labels(fields_map(labels))
    }

    /// A label's value as text.
    pub(crate) fn get(&self, key: &str) -> Option<Str> {
        text_of(self.0.get(key))
    }

    /// `kubernetes.*` labels without the prefix, for `unmapped.kubernetes`.
    pub(crate) fn kubernetes(&self) -> Option<Value> {
        let map: Map<String, Value> = self
            .0
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("kubernetes.")?.to_owned(), v.clone())))
            .collect();
        (!map.is_empty()).then_some(Value::Object(map))
    }

    /// The device: host name and MAC, and the container (`fields` are the Falco fields of a
    /// policy event, which name the container more precisely than labels).
    pub(crate) fn device(
        &self,
        object: &Map<String, Value>,
        fields: Option<&Map<String, Value>>,
    ) -> Option<Arc<Device>> {
        let field = |key: &str| fields.and_then(|f| text_of(f.get(key)));
        let hostname = self
            .get("host.hostName")
            .or_else(|| text_of(object.get("hostname")))
            .or_else(|| self.get("hostname"));
        let mac = text_of(object.get("hostMac"))
            .or_else(|| self.get("host.mac"))
            .or_else(|| text_of(object.get("machineId")));
        let container = container_of(
            field("container.id").or_else(|| text_of(object.get("containerId"))),
            field("container.name").or_else(|| self.get("container.name")),
            self.get("container.image.repo")
                .or_else(|| field("container.image.repository"))
                .or_else(|| field("container.image")),
        )
        .map(|mut container| {
            if self.0.keys().any(|k| k.starts_with("kubernetes.")) {
                container.orchestrator = Some(Str::const_new("Kubernetes"));
            }
            container
        });
        if hostname.is_none() && mac.is_none() && container.is_none() {
            return None;
        }
        Some(Arc::new(Device {
            hostname,
            mac,
            container,
            ..Device::default()
        }))
    }

    /// `cloud` from `cloudProvider.*` (or the older `aws.*`) labels.
    pub(crate) fn cloud(&self) -> Option<Arc<Cloud>> {
        let provider_word = self.get("cloudProvider.name").or_else(|| {
            ["aws", "gcp", "azure", "ibm"]
                .into_iter()
                .find(|p| self.0.keys().any(|k| k.starts_with(&format!("{p}."))))
                .map(Str::from)
        })?;
        let provider = match provider_word.to_ascii_lowercase().as_str() {
            "aws" => Str::const_new("AWS"),
            "gcp" => Str::const_new("GCP"),
            "azure" => Str::const_new("Azure"),
            "ibm" => Str::const_new("IBM"),
            _ => provider_word.clone(),
        };
        let prefix = provider_word.to_ascii_lowercase();
        let account = self
            .get("cloudProvider.account.id")
            .or_else(|| self.get(&format!("{prefix}.accountId")));
        Some(Arc::new(Cloud {
            provider,
            account: account.map(|uid| Account {
                uid: Some(uid),
                ..Account::default()
            }),
            region: self
                .get("cloudProvider.region")
                .or_else(|| self.get(&format!("{prefix}.region"))),
            zone: self.get(&format!("{prefix}.availabilityZone")),
            project_uid: self.get("gcp.projectId"),
        }))
    }
}
