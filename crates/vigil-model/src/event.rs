//! The OCSF event and its objects.
//!
//! Field names follow OCSF 1.8.0 exactly, so the JSON form is OCSF. Only the attributes Vigil's
//! sources fill are modelled; anything else a source carries goes to [`Event::unmapped`] or stays
//! reachable through [`Event::native`].

use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;

use crate::{
    ActionId, ActivityId, ClassUid, DirectionId, DispositionId, Native, Provenance, SeverityId,
    SourceType, StatusId, Str,
};

/// One normalized event: OCSF attributes plus Vigil's envelope (source type, provenance,
/// original record, native fields).
#[derive(Clone, Debug, Default)]
pub struct Event {
    // --- OCSF base -------------------------------------------------------------------------
    /// `class_uid`; with `activity_id` it gives `category_uid` and `type_uid`.
    pub class_uid: ClassUid,
    /// `activity_id`.
    pub activity_id: ActivityId,
    /// `activity_name`, when it differs from the caption of `activity_id` (always set for 99).
    pub activity_name: Option<Str>,
    /// `severity_id`.
    pub severity_id: SeverityId,
    /// `status_id`.
    pub status_id: Option<StatusId>,
    /// `status_code`: the source's own status or result code.
    pub status_code: Option<Str>,
    /// `status_detail`.
    pub status_detail: Option<Str>,
    /// `time`: milliseconds since the Unix epoch, UTC.
    pub time: i64,
    /// `start_time` (ms).
    pub start_time: Option<i64>,
    /// `end_time` (ms).
    pub end_time: Option<i64>,
    /// `duration` (ms).
    pub duration: Option<i64>,
    /// `count`: how many times the source says the event repeated.
    pub count: Option<u64>,
    /// `message`.
    pub message: Option<Str>,
    /// `metadata`.
    pub metadata: Metadata,
    /// `cloud`. Shared (`Arc`) because every event of one object or stream often carries the
    /// same one (a flow log object's account, region and zone).
    pub cloud: Option<Arc<Cloud>>,
    /// `device`: the host or appliance that reported or was involved. Shared like `cloud`.
    pub device: Option<Arc<Device>>,

    // --- who ------------------------------------------------------------------------------
    /// `actor`: who performed the activity.
    pub actor: Option<Box<Actor>>,
    /// `user`: the subject user (Authentication, Account Change, User Access Management).
    pub user: Option<Box<User>>,
    /// `privileges` (User Access Management).
    pub privileges: Vec<Str>,
    /// `logon_type_id` (Authentication): 2 Interactive, 3 Network, 10 Remote Interactive…
    pub logon_type_id: Option<u8>,
    /// `auth_protocol` (Authentication): `RADIUS`, `LDAP`, `SAML`…
    pub auth_protocol: Option<Str>,
    /// `is_mfa` (Authentication).
    pub is_mfa: Option<bool>,

    // --- network --------------------------------------------------------------------------
    /// `src_endpoint`.
    pub src_endpoint: Option<Box<Endpoint>>,
    /// `dst_endpoint`.
    pub dst_endpoint: Option<Box<Endpoint>>,
    /// `connection_info`.
    pub connection_info: Option<ConnectionInfo>,
    /// `traffic`: this window's counts.
    pub traffic: Option<Traffic>,
    /// `cumulative_traffic` (OCSF 1.4+): counts since the connection started.
    pub cumulative_traffic: Option<Traffic>,
    /// `tls`.
    pub tls: Option<Box<Tls>>,
    /// `app_name`: the application the firewall identified.
    pub app_name: Option<Str>,

    // --- application ----------------------------------------------------------------------
    /// `api` (API Activity).
    pub api: Option<Box<Api>>,
    /// `http_request`.
    pub http_request: Option<Box<HttpRequest>>,
    /// `http_response`.
    pub http_response: Option<Box<HttpResponse>>,
    /// `resources`: what the activity touched.
    pub resources: Vec<Resource>,
    /// `entity` (Entity Management): the managed object.
    pub entity: Option<Box<Entity>>,
    /// `entity_result` (Entity Management): the object after the change.
    pub entity_result: Option<Box<Entity>>,
    /// `process` (Process Activity).
    pub process: Option<Box<Process>>,
    /// `file` (File System Activity): the file acted on.
    pub file: Option<Box<File>>,

    // --- security control profile ---------------------------------------------------------
    /// `action_id`.
    pub action_id: Option<ActionId>,
    /// `action`: the source's own word for it.
    pub action: Option<Str>,
    /// `disposition_id`.
    pub disposition_id: Option<DispositionId>,
    /// `firewall_rule`.
    pub firewall_rule: Option<Box<FirewallRule>>,
    /// `is_alert`: the source considers this an alert.
    pub is_alert: Option<bool>,
    /// `risk_score`.
    pub risk_score: Option<i64>,

    // --- findings -------------------------------------------------------------------------
    /// `finding_info` (Detection Finding and other findings).
    pub finding_info: Option<Box<FindingInfo>>,
    /// `attacks`: MITRE ATT&CK techniques.
    pub attacks: Vec<Attack>,
    /// `evidences`.
    pub evidences: Vec<Evidence>,

    // --- beside OCSF ----------------------------------------------------------------------
    /// `unmapped`: source fields with no OCSF home that are worth keeping next to the event.
    /// A JSON object (or `Null` when there is nothing).
    pub unmapped: serde_json::Value,
    /// The source type the record was read as.
    pub source_type: SourceType,
    /// Where the record came from.
    pub provenance: Provenance,
    /// The original record, exactly as read (after decompression and framing). Emitted as
    /// OCSF `raw_data`.
    pub raw: Bytes,
    /// The source's native fields, for rules written against the product's own field names.
    pub native: Native,
}

impl Event {
    /// A new event of `class` at `time` (ms) from `source_type`, everything else empty.
    pub fn new(class_uid: ClassUid, activity_id: ActivityId, source_type: SourceType) -> Event {
        Event {
            class_uid,
            activity_id,
            source_type,
            ..Event::default()
        }
    }

    /// `type_uid = class_uid * 100 + activity_id`.
    pub fn type_uid(&self) -> u64 {
        u64::from(self.class_uid.uid()) * 100 + u64::from(self.activity_id.0)
    }

    /// The activity caption: `activity_name` when set, else the class's caption for the id.
    pub fn activity_caption(&self) -> &str {
        if let Some(name) = &self.activity_name {
            return name;
        }
        self.activity_id.name_in(self.class_uid).unwrap_or("Other")
    }

    /// Adds a key to `unmapped`, making it an object if it was not one.
    pub fn set_unmapped(&mut self, key: &str, value: serde_json::Value) {
        if !self.unmapped.is_object() {
            self.unmapped = serde_json::Value::Object(serde_json::Map::new());
        }
        if let serde_json::Value::Object(map) = &mut self.unmapped {
            map.insert(key.to_owned(), value);
        }
    }

    /// The source endpoint, created empty if absent.
    pub fn src_mut(&mut self) -> &mut Endpoint {
        self.src_endpoint.get_or_insert_with(Box::default)
    }

    /// The destination endpoint, created empty if absent.
    pub fn dst_mut(&mut self) -> &mut Endpoint {
        self.dst_endpoint.get_or_insert_with(Box::default)
    }

    /// The actor, created empty if absent.
    pub fn actor_mut(&mut self) -> &mut Actor {
        self.actor.get_or_insert_with(Box::default)
    }

    /// The cloud object, created empty if absent (copied first if shared).
    pub fn cloud_mut(&mut self) -> &mut Cloud {
        Arc::make_mut(self.cloud.get_or_insert_with(Arc::default))
    }

    /// The device, created empty if absent (copied first if shared).
    pub fn device_mut(&mut self) -> &mut Device {
        Arc::make_mut(self.device.get_or_insert_with(Arc::default))
    }

    /// The HTTP request, created empty if absent.
    pub fn http_request_mut(&mut self) -> &mut HttpRequest {
        self.http_request.get_or_insert_with(Box::default)
    }

    /// The finding info, created empty if absent.
    pub fn finding_info_mut(&mut self) -> &mut FindingInfo {
        self.finding_info.get_or_insert_with(Box::default)
    }

    /// Copies the original record out of the read buffer it is a slice of. `raw` shares that
    /// buffer (hundreds of KiB) with every record read with it: an event kept long after its
    /// stream was read (a rule match waiting for correlation) must own its bytes, or it keeps
    /// the whole buffer alive.
    pub fn detach(&mut self) {
        self.raw = Bytes::copy_from_slice(&self.raw);
    }

    /// Drops the parts of the event that are only for display and can be big (`unmapped`,
    /// API request and response payloads), keeping everything detection reads: OCSF fields,
    /// the original record and native fields. For events held in memory in large numbers.
    pub fn slim(&mut self) {
        self.detach();
        self.unmapped = serde_json::Value::Null;
        if let Some(api) = self.api.as_mut() {
            api.request_data = None;
            api.response_data = None;
        }
    }

    /// Serializes the event to its OCSF JSON form (see `ser.rs` for the layout).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("an event always serializes: its maps have string keys")
    }
}

/// `metadata`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Metadata {
    /// `product`: what reported the event.
    pub product: Product,
    /// `uid`: the source's id for this event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<Str>,
    /// `correlation_uid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_uid: Option<Str>,
    /// `original_time`: the time exactly as the source wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_time: Option<Str>,
    /// `log_name`: the dataset or log type within the product (e.g. `TRAFFIC`, `firewall_events`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_name: Option<Str>,
    /// `event_code`: the source's event id (FortiGate `logid`, CEF signature id…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_code: Option<Str>,
    /// `labels`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<Str>,
    /// `tenant_uid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_uid: Option<Str>,
}

/// `product`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Product {
    /// `name`.
    pub name: Str,
    /// `vendor_name`.
    pub vendor_name: Str,
    /// `version`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<Str>,
    /// `uid`: e.g. a device serial.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<Str>,
    /// `feature`: the product feature (e.g. `URL Filtering`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature: Option<Named>,
}

impl Product {
    /// A product from its name and vendor.
    pub fn new(name: &str, vendor_name: &str) -> Product {
        Product {
            name: name.into(),
            vendor_name: vendor_name.into(),
            ..Product::default()
        }
    }
}

/// `cloud`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Cloud {
    /// `provider`: `IBM`, `AWS`, `Cloudflare`…
    pub provider: Str,
    /// `account`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<Account>,
    /// `region`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<Str>,
    /// `zone`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<Str>,
    /// `project_uid`: IBM resource group, for example.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_uid: Option<Str>,
}

/// `user`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct User {
    /// `uid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<Str>,
    /// `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Str>,
    /// `email_addr`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_addr: Option<Str>,
    /// `type`: `User`, `Service`, `System`…
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_name: Option<Str>,
    /// `type_id`: 0 Unknown, 1 User, 2 Admin, 3 System, 4 Service, 99 Other.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub type_id: Option<u8>,
    /// `domain`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<Str>,
    /// `credential_uid`: the API key or credential used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_uid: Option<Str>,
    /// `account`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<Account>,
    /// `groups`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Named>,
}

/// `actor`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Actor {
    /// `user`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    /// `process`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process: Option<Box<Process>>,
    /// `session.uid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_uid: Option<Str>,
    /// `authorizations` / invoked-by: the identity that authenticated when it differs
    /// (IBM `authnId` acting through a trusted profile).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoked_by: Option<Str>,
    /// `app_name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_name: Option<Str>,
}

impl Actor {
    /// The actor's user, created empty if absent.
    pub fn user_mut(&mut self) -> &mut User {
        self.user.get_or_insert_with(User::default)
    }
}

/// `src_endpoint` / `dst_endpoint`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Endpoint {
    /// `ip`, as the source wrote it (not validated: real records carry invalid addresses).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<Str>,
    /// `port`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// `hostname`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<Str>,
    /// `domain`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<Str>,
    /// `mac`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac: Option<Str>,
    /// `uid`: e.g. a network interface id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<Str>,
    /// `instance_uid`: the VM or instance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_uid: Option<Str>,
    /// `interface_name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface_name: Option<Str>,
    /// `interface_uid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface_uid: Option<Str>,
    /// `zone`: the firewall zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<Str>,
    /// `svc_name`: the calling service, in service-to-service calls with no address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub svc_name: Option<Str>,
    /// `vpc_uid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_uid: Option<Str>,
    /// `subnet_uid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet_uid: Option<Str>,
    /// `location`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// `autonomous_system`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub autonomous_system: Option<AutonomousSystem>,
    /// `proxy_endpoint`: where NAT translated this endpoint to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_endpoint: Option<Box<Endpoint>>,
}

/// `connection_info`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ConnectionInfo {
    /// `protocol_num` (IANA).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol_num: Option<u8>,
    /// `protocol_name` (lowercase: `tcp`, `udp`…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol_name: Option<Str>,
    /// `direction_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction_id: Option<DirectionId>,
    /// `uid`: the session id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<Str>,
    /// `tcp_flags`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp_flags: Option<u32>,
    /// `boundary`, as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boundary: Option<Str>,
}

/// `traffic`.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Traffic {
    /// `bytes_out`: from the initiator (source).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_out: Option<u64>,
    /// `bytes_in`: to the initiator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_in: Option<u64>,
    /// `packets_out`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packets_out: Option<u64>,
    /// `packets_in`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packets_in: Option<u64>,
    /// `bytes`: total.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// `packets`: total.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packets: Option<u64>,
}

impl Traffic {
    /// Fills `bytes` and `packets` from the directional counts when they are missing.
    pub fn with_totals(mut self) -> Traffic {
        if self.bytes.is_none() && (self.bytes_in.is_some() || self.bytes_out.is_some()) {
            self.bytes = Some(
                self.bytes_in
                    .unwrap_or(0)
                    .saturating_add(self.bytes_out.unwrap_or(0)),
            );
        }
        if self.packets.is_none() && (self.packets_in.is_some() || self.packets_out.is_some()) {
            self.packets = Some(
                self.packets_in
                    .unwrap_or(0)
                    .saturating_add(self.packets_out.unwrap_or(0)),
            );
        }
        self
    }
}

/// `tls`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Tls {
    /// `version`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<Str>,
    /// `cipher`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cipher: Option<Str>,
    /// `ja3_hash.value`, flattened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja3_hash: Option<Str>,
}

/// `api`. Serialized in OCSF's nested form (`service.name`, `request.uid`…) by `ser.rs`.
#[derive(Clone, Debug, Default)]
pub struct Api {
    /// `operation`: e.g. `iam-identity.user-apikey.create`, CloudTrail `eventName`.
    pub operation: Str,
    /// `service.name`.
    pub service_name: Option<Str>,
    /// `version`.
    pub version: Option<Str>,
    /// `request.uid`.
    pub request_uid: Option<Str>,
    /// `request.data`: the request payload, as the source wrote it.
    pub request_data: Option<serde_json::Value>,
    /// `response.data`.
    pub response_data: Option<serde_json::Value>,
    /// `response.error`.
    pub response_error: Option<Str>,
    /// `response.error_message`.
    pub response_error_message: Option<Str>,
}

/// `url`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Url {
    /// `url_string`: the whole URL as seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url_string: Option<Str>,
    /// `scheme`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheme: Option<Str>,
    /// `hostname`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<Str>,
    /// `port`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// `path`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<Str>,
    /// `query_string`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_string: Option<Str>,
    /// `categories`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<Str>,
}

/// `http_request`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct HttpRequest {
    /// `http_method`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_method: Option<Str>,
    /// `url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
    /// `user_agent`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<Str>,
    /// `referrer`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referrer: Option<Str>,
    /// `version`: e.g. `HTTP/1.1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<Str>,
    /// `length`: request bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length: Option<u64>,
    /// `x_forwarded_for`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub x_forwarded_for: Vec<Str>,
    /// `uid`: a request id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<Str>,
}

impl HttpRequest {
    /// The URL, created empty if absent.
    pub fn url_mut(&mut self) -> &mut Url {
        self.url.get_or_insert_with(Url::default)
    }
}

/// `http_response`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct HttpResponse {
    /// `code`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    /// `length`: response bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length: Option<u64>,
    /// `content_type`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<Str>,
    /// `status`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Str>,
}

/// One of `resources`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Resource {
    /// `uid`: an IBM CRN, an ARN, an id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<Str>,
    /// `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Str>,
    /// `type`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_name: Option<Str>,
    /// `group.uid`, flattened: IBM resource group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_uid: Option<Str>,
    /// `region`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<Str>,
    /// `owner.account.uid`, flattened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_uid: Option<Str>,
}

/// `entity` of Entity Management (a managed configuration object).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Entity {
    /// `uid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<Str>,
    /// `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Str>,
    /// `type`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_name: Option<Str>,
    /// `data`: the object's content (e.g. before/after values).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
}

/// `process`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Process {
    /// `pid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<i64>,
    /// `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Str>,
    /// `cmd_line`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cmd_line: Option<Str>,
    /// `file`: the executable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<File>,
    /// `user`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    /// `parent_process`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_process: Option<Box<Process>>,
    /// `container`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<Container>,
    /// `terminal`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terminal: Option<Str>,
}

/// `device`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Device {
    /// `hostname`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<Str>,
    /// `ip`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<Str>,
    /// `uid`: serial, device id, CRN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<Str>,
    /// `instance_uid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_uid: Option<Str>,
    /// `interface_uid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface_uid: Option<Str>,
    /// `mac`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac: Option<Str>,
    /// `region`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<Str>,
    /// `zone`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<Str>,
    /// `type`: `Firewall`, `Server`, `Virtual`…
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_name: Option<Str>,
    /// `type_id`: 0 Unknown, 1 Server, 6 Virtual, 9 Firewall, 99 Other…
    #[serde(skip_serializing_if = "Option::is_none")]
    pub type_id: Option<u8>,
    /// `vpc_uid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_uid: Option<Str>,
    /// `subnet_uid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet_uid: Option<Str>,
    /// `container`: the workload container (runtime events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<Container>,
    /// `os.name`, for the device's operating system.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<Named>,
}

/// `firewall_rule`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FirewallRule {
    /// `uid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<Str>,
    /// `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Str>,
    /// `type`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_name: Option<Str>,
    /// `category`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<Str>,
    /// `desc`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desc: Option<Str>,
}

/// `finding_info`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FindingInfo {
    /// `uid`.
    pub uid: Str,
    /// `title`.
    pub title: Str,
    /// `desc`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desc: Option<Str>,
    /// `types`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<Str>,
    /// `analytic`: the rule or model that produced the finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analytic: Option<Analytic>,
    /// `src_url`: a reference for the finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src_url: Option<Str>,
}

/// One of `attacks`: a MITRE ATT&CK technique and tactic.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Attack {
    /// `technique` (e.g. uid `T1059`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub technique: Option<UidName>,
    /// `tactic` (e.g. uid `TA0002`, name `Execution`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tactic: Option<UidName>,
}

/// One of `evidences`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Evidence {
    /// `process`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process: Option<Process>,
    /// `src_endpoint`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src_endpoint: Option<Endpoint>,
    /// `dst_endpoint`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dst_endpoint: Option<Endpoint>,
    /// `url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
    /// `file`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<File>,
    /// `data`: anything else the source gave as evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<serde_json::Value>,
}

/// An object with only a `name` (`feature`, `groups[]`, `os`).
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Named {
    /// `name`.
    pub name: Str,
}

/// An object with a `uid` and a `name` (`technique`, `tactic`).
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct UidName {
    /// `uid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<Str>,
    /// `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Str>,
}

/// `account`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Account {
    /// `uid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<Str>,
    /// `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Str>,
    /// `type`: e.g. `IBM Cloud Account`, `AWS Account`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_name: Option<Str>,
}

/// `location`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Location {
    /// `country`: ISO 3166-1 alpha-2 as the source wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<Str>,
    /// `city`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<Str>,
    /// `region`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<Str>,
}

/// `autonomous_system`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct AutonomousSystem {
    /// `number`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<u32>,
    /// `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Str>,
}

/// `file`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct File {
    /// `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Str>,
    /// `path`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<Str>,
    /// `type`: e.g. `pe`, `pdf` as the source names it.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_name: Option<Str>,
    /// `hashes`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hashes: Vec<Fingerprint>,
}

/// `fingerprint`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Fingerprint {
    /// `algorithm`: `MD5`, `SHA-1`, `SHA-256`…
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Str>,
    /// `value`.
    pub value: Str,
}

/// `container`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Container {
    /// `uid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<Str>,
    /// `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Str>,
    /// `image`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Named>,
    /// `orchestrator`: `Kubernetes` when the source says so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orchestrator: Option<Str>,
}

/// `analytic`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Analytic {
    /// `uid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<Str>,
    /// `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Str>,
    /// `type`: `Rule`, `Behavioral`, `Statistical`…
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_name: Option<Str>,
    /// `type_id`: 1 Rule, 2 Behavioral, 3 Statistical, 4 Learning, 99 Other.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub type_id: Option<u8>,
}
