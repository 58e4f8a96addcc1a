//! The OCSF JSON form of an event.
//!
//! Layout: every OCSF attribute under its OCSF name, with the derived captions OCSF defines
//! (`class_name`, `category_uid`, `type_uid`, `severity`…); the original record as `raw_data`;
//! source fields without an OCSF home under `unmapped`; and Vigil's envelope under `vigil`:
//! `{source_type, source, line, offset, index}`. `metadata.version` is the OCSF version.

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::{
    ActionId, Api, DirectionId, DispositionId, Event, Metadata, SeverityId, StatusId, OCSF_VERSION,
};

macro_rules! serialize_as_u8 {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_u8(*self as u8)
            }
        }
    )*};
}
serialize_as_u8!(SeverityId, StatusId, ActionId, DirectionId);

impl Serialize for DispositionId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.0)
    }
}

#[derive(serde::Serialize)]
struct MetadataOut<'a> {
    #[serde(flatten)]
    metadata: &'a Metadata,
    version: &'static str,
}

#[derive(serde::Serialize)]
struct Envelope<'a> {
    source_type: &'static str,
    source: &'a str,
    line: u64,
    offset: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<u32>,
}

impl Serialize for Api {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde_json::{Map, Value};
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("operation", &self.operation)?;
        if let Some(name) = &self.service_name {
            map.serialize_entry("service", &serde_json::json!({ "name": name.as_str() }))?;
        }
        if let Some(version) = &self.version {
            map.serialize_entry("version", version)?;
        }
        let mut request = Map::new();
        if let Some(uid) = &self.request_uid {
            request.insert("uid".into(), Value::String(uid.to_string()));
        }
        if let Some(data) = &self.request_data {
            request.insert("data".into(), data.clone());
        }
        if !request.is_empty() {
            map.serialize_entry("request", &request)?;
        }
        let mut response = Map::new();
        if let Some(data) = &self.response_data {
            response.insert("data".into(), data.clone());
        }
        if let Some(error) = &self.response_error {
            response.insert("error".into(), Value::String(error.to_string()));
        }
        if let Some(message) = &self.response_error_message {
            response.insert("error_message".into(), Value::String(message.to_string()));
        }
        if !response.is_empty() {
            map.serialize_entry("response", &response)?;
        }
        map.end()
    }
}

macro_rules! opt {
    ($map:ident, $key:literal, $value:expr) => {
        if let Some(v) = &$value {
            $map.serialize_entry($key, v)?;
        }
    };
}

macro_rules! nonempty {
    ($map:ident, $key:literal, $value:expr) => {
        if !$value.is_empty() {
            $map.serialize_entry($key, &$value)?;
        }
    };
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let class = self.class_uid;
        let category = class.category();
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("class_uid", &class.uid())?;
        map.serialize_entry("class_name", class.name())?;
        map.serialize_entry("category_uid", &category.uid())?;
        map.serialize_entry("category_name", category.name())?;
        map.serialize_entry("activity_id", &self.activity_id.0)?;
        let activity = self.activity_caption();
        map.serialize_entry("activity_name", activity)?;
        map.serialize_entry("type_uid", &self.type_uid())?;
        map.serialize_entry("type_name", &format!("{}: {}", class.name(), activity))?;
        map.serialize_entry("severity_id", &self.severity_id)?;
        map.serialize_entry("severity", self.severity_id.name())?;
        if let Some(status) = self.status_id {
            map.serialize_entry("status_id", &status)?;
            map.serialize_entry("status", status.name())?;
        }
        opt!(map, "status_code", self.status_code);
        opt!(map, "status_detail", self.status_detail);
        map.serialize_entry("time", &self.time)?;
        opt!(map, "start_time", self.start_time);
        opt!(map, "end_time", self.end_time);
        opt!(map, "duration", self.duration);
        opt!(map, "count", self.count);
        opt!(map, "message", self.message);
        map.serialize_entry(
            "metadata",
            &MetadataOut {
                metadata: &self.metadata,
                version: OCSF_VERSION,
            },
        )?;
        opt!(map, "cloud", self.cloud);
        opt!(map, "device", self.device);
        opt!(map, "actor", self.actor);
        opt!(map, "user", self.user);
        nonempty!(map, "privileges", self.privileges);
        opt!(map, "logon_type_id", self.logon_type_id);
        opt!(map, "auth_protocol", self.auth_protocol);
        opt!(map, "is_mfa", self.is_mfa);
        opt!(map, "src_endpoint", self.src_endpoint);
        opt!(map, "dst_endpoint", self.dst_endpoint);
        opt!(map, "connection_info", self.connection_info);
        opt!(map, "traffic", self.traffic);
        opt!(map, "cumulative_traffic", self.cumulative_traffic);
        opt!(map, "tls", self.tls);
        opt!(map, "app_name", self.app_name);
        opt!(map, "api", self.api);
        opt!(map, "http_request", self.http_request);
        opt!(map, "http_response", self.http_response);
        nonempty!(map, "resources", self.resources);
        opt!(map, "entity", self.entity);
        opt!(map, "entity_result", self.entity_result);
        opt!(map, "process", self.process);
        opt!(map, "file", self.file);
        if let Some(action) = self.action_id {
            map.serialize_entry("action_id", &action)?;
            let caption = match (&self.action, action) {
                (Some(word), _) => word.as_str(),
                (None, action) => action.name(),
            };
            map.serialize_entry("action", caption)?;
        } else {
            opt!(map, "action", self.action);
        }
        if let Some(disposition) = self.disposition_id {
            map.serialize_entry("disposition_id", &disposition)?;
            map.serialize_entry("disposition", disposition.name())?;
        }
        opt!(map, "firewall_rule", self.firewall_rule);
        opt!(map, "is_alert", self.is_alert);
        opt!(map, "risk_score", self.risk_score);
        opt!(map, "finding_info", self.finding_info);
        nonempty!(map, "attacks", self.attacks);
        nonempty!(map, "evidences", self.evidences);
        if !self.unmapped.is_null() {
            map.serialize_entry("unmapped", &self.unmapped)?;
        }
        map.serialize_entry("raw_data", &String::from_utf8_lossy(&self.raw))?;
        map.serialize_entry(
            "vigil",
            &Envelope {
                source_type: self.source_type.name(),
                source: &self.provenance.source,
                line: self.provenance.line,
                offset: self.provenance.offset,
                index: self.provenance.index,
            },
        )?;
        map.end()
    }
}
