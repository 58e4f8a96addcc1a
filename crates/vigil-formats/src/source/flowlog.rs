//! IBM Cloud VPC flow logs → OCSF Network Activity (4001), one event per flow record.
//!
//! A record is one whole decompressed object: a JSON object with header fields (collector,
//! instance, vNIC, capture window, `state`) and a `flow_logs` array. This is the hottest path
//! of the crate (target: well above 500,000 flow records per second on one core), so:
//!
//! * the object is parsed once, borrowing: the header keys into a small map, `flow_logs` into
//!   a list of [`RawValue`]s whose bytes stay in the record buffer;
//! * each flow record is then read into a borrowed typed struct ([`FlowRecord`]) by a direct
//!   scan of its (already validated) bytes, falling back to serde for unusual shapes; a
//!   property test keeps the two in agreement;
//! * everything the header contributes (cloud, device, metadata) is built once per object and
//!   cloned into each event;
//! * each event's `raw` is a zero-copy slice of the record buffer (the flow record's own
//!   bytes), and its native form is that slice ([`Native::RawJson`]). Header fields that rules
//!   may want beside the flow record (`collector_crn`, `state`, `record_type`) are in
//!   `unmapped`. A merged [`Native::Json`] tree per flow record (about 30 keys, two
//!   allocations each) is not built: the six-key `unmapped` map alone already costs about as
//!   much as parsing the record.
//!
//! The object key (`ctx.path`) carries the account, region, VPC, subnet, instance, vNIC and
//! record type ([`parse_object_key`]); the header wins where both say something.
//!
//! Failures: an object that is not UTF-8 or not JSON is rejected whole (`invalid_utf8`,
//! `invalid_json`); an object without a `flow_logs` array is `not_flow_log_object`; a flow
//! record with a wrong type or without its endpoints is rejected alone (`invalid_flow_record`,
//! `missing_field`) and its siblings still normalize. An empty `flow_logs` yields nothing.

mod key;
mod record;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use bytes::Bytes;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use vigil_model::{
    Account, ActionId, ActivityId, ClassUid, Cloud, ConnectionInfo, Device, DirectionId,
    DispositionId, Endpoint, Event, Metadata, Native, Product, SeverityId, SourceType, Str,
    Traffic,
};

pub use key::{parse_object_key, Crn, FlowLogKey};
use record::{FlowLogObject, FlowRecord};

use crate::time::parse_rfc3339;
use crate::{Context, Output, Record};

const SOURCE_TYPE: SourceType = SourceType::VpcFlowLog;

/// Normalizes one flow log object into one Network Activity event per flow record.
pub fn normalize(record: &Record, ctx: &Context, out: &mut Output) {
    let text = match std::str::from_utf8(&record.bytes) {
        Ok(text) => text,
        Err(error) => {
            let detail = format!("invalid utf-8 at byte {}", error.valid_up_to());
            out.reject(SOURCE_TYPE, record, "invalid_utf8", detail);
            return;
        }
    };
    let object: FlowLogObject<'_> = match serde_json::from_str(text) {
        Ok(object) => object,
        Err(error) => {
            let reason = match error.classify() {
                serde_json::error::Category::Data => "not_flow_log_object",
                _ => "invalid_json",
            };
            out.reject(SOURCE_TYPE, record, reason, error.to_string());
            return;
        }
    };
    let flow_logs = match object.flow_logs {
        Some(Ok(flow_logs)) => flow_logs,
        Some(Err(found)) => {
            let detail = format!("`flow_logs` is {found}, not an array");
            out.reject(SOURCE_TYPE, record, "not_flow_log_object", detail);
            return;
        }
        None => {
            let detail = "no `flow_logs` array: not a vpc flow log object";
            out.reject(SOURCE_TYPE, record, "not_flow_log_object", detail);
            return;
        }
    };
    if flow_logs.is_empty() {
        return;
    }
    let shared = Shared::new(&object.header, flow_logs.len(), ctx);
    out.events.reserve(flow_logs.len());
    for (index, raw) in flow_logs.iter().enumerate() {
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        let element = element_bytes(record, text, raw);
        match FlowRecord::parse(raw.get()) {
            Ok(flow) => match flow_event(&flow, &shared, ctx) {
                Ok(mut event) => {
                    event.provenance = record.provenance.clone();
                    event.provenance.index = Some(index);
                    event.raw = element;
                    out.events.push(event);
                }
                Err(field) => {
                    let detail = format!("flow record has no `{field}`");
                    out.reject_element(
                        SOURCE_TYPE,
                        record,
                        index,
                        &element,
                        "missing_field",
                        detail,
                    );
                }
            },
            Err(error) => {
                let detail = error.to_string();
                out.reject_element(
                    SOURCE_TYPE,
                    record,
                    index,
                    &element,
                    "invalid_flow_record",
                    detail,
                );
            }
        }
    }
}

/// The bytes of one flow record: a slice of the record buffer, located from the raw value's
/// address (it borrows from `text`, which borrows from `record.bytes`). Falls back to a copy
/// should the value ever not lie inside the buffer.
fn element_bytes(record: &Record, text: &str, raw: &RawValue) -> Bytes {
    let value = raw.get();
    let start = (value.as_ptr() as usize).checked_sub(text.as_ptr() as usize);
    if let Some(start) = start {
        let end = start.saturating_add(value.len());
        if end <= record.bytes.len() {
            return record.bytes.slice(start..end);
        }
    }
    Bytes::copy_from_slice(value.as_bytes())
}

/// What every event of one object shares, built once.
struct Shared {
    metadata: Metadata,
    cloud: Option<Arc<Cloud>>,
    device: Option<Arc<Device>>,
    capture_start_ms: Option<i64>,
    capture_end_ms: Option<i64>,
    /// Header values for `unmapped` (an object, possibly empty).
    unmapped: Map<String, Value>,
}

impl Shared {
    fn new(header: &Map<String, Value>, flow_count: usize, ctx: &Context) -> Shared {
        let text = |name: &str| {
            header
                .get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        let key = parse_object_key(&ctx.path).unwrap_or_default();
        let key_text = |v: &Option<Str>| v.as_ref().filter(|s| !s.is_empty()).cloned();

        let instance_crn = text("instance_crn")
            .map(Str::from)
            .or_else(|| key_text(&key.instance_id));
        let vpc_crn = text("vpc_crn")
            .map(Str::from)
            .or_else(|| key_text(&key.vpc_id));
        let subnet = text("subnet_crn")
            .map(Str::from)
            .or_else(|| key_text(&key.subnet_id));
        let interface = text("network_interface_id")
            .map(Str::from)
            .or_else(|| key_text(&key.vnic_id));
        let collector_crn = text("collector_crn");

        // Account, region and zone: from the header's CRNs first, then the key.
        let crns: Vec<Crn<'_>> = [instance_crn.as_deref(), vpc_crn.as_deref(), collector_crn]
            .into_iter()
            .flatten()
            .filter_map(Crn::parse)
            .collect();
        let account = crns
            .iter()
            .find_map(|crn| crn.account)
            .map(Str::from)
            .or_else(|| key_text(&key.account));
        let zone = crns.iter().find_map(Crn::zone).map(Str::from);
        let region = crns
            .iter()
            .find_map(Crn::region)
            .map(Str::from)
            .or_else(|| key_text(&key.region));

        let cloud = Cloud {
            provider: Str::const_new("IBM"),
            account: account.map(|uid| Account {
                uid: Some(uid),
                type_name: Some(Str::const_new("IBM Cloud Account")),
                ..Account::default()
            }),
            region: region.clone(),
            zone: zone.clone(),
            project_uid: None,
        };
        let device = Device {
            uid: instance_crn.clone(),
            instance_uid: instance_crn,
            interface_uid: interface,
            vpc_uid: vpc_crn,
            subnet_uid: subnet,
            region,
            zone,
            type_name: Some(Str::const_new("Virtual")),
            type_id: Some(6),
            ..Device::default()
        };

        let metadata = Metadata {
            product: Product::new("VPC Flow Logs", "IBM"),
            log_name: Some(Str::const_new("ibm_vpc_flow_logs")),
            ..Metadata::default()
        };

        let mut unmapped = Map::new();
        // `version` (`0.0.1`) and `attached_endpoint_type` (`vnic`) are constant, and every key
        // here costs allocations in every event: only the informative ones are kept.
        for name in ["collector_crn", "state"] {
            if let Some(value) = header.get(name).filter(|v| !v.is_null()) {
                unmapped.insert(name.to_owned(), value.clone());
            }
        }
        if let Some(record_type) = key_text(&key.record_type) {
            unmapped.insert("record_type".to_owned(), Value::String(record_type.into()));
        }
        if text("state").is_some_and(|state| state.eq_ignore_ascii_case("skip data")) {
            // The collector dropped flows in this window (e.g. under a SYN flood): the events
            // are real but the picture is incomplete.
            unmapped.insert("data_skipped".to_owned(), Value::Bool(true));
        }
        let declared = header.get("number_of_flow_logs").and_then(Value::as_u64);
        if declared.is_some_and(|n| n != flow_count as u64) {
            unmapped.insert("number_of_flow_logs".to_owned(), declared.into());
        }

        Shared {
            metadata,
            cloud: Some(Arc::new(cloud)),
            device: Some(Arc::new(device)),
            capture_start_ms: text("capture_start_time").and_then(parse_rfc3339),
            capture_end_ms: text("capture_end_time").and_then(parse_rfc3339),
            unmapped,
        }
    }
}

/// Builds the event of one flow record, or names the required field it lacks.
fn flow_event(
    flow: &FlowRecord<'_>,
    shared: &Shared,
    ctx: &Context,
) -> Result<Event, &'static str> {
    let initiator_ip = flow.initiator_ip.as_deref().filter(|s| !s.is_empty());
    let Some(initiator_ip) = initiator_ip else {
        return Err("initiator_ip");
    };
    let target_ip = flow.target_ip.as_deref().filter(|s| !s.is_empty());
    let Some(target_ip) = target_ip else {
        return Err("target_ip");
    };

    let mut event = Event::new(ClassUid::NetworkActivity, ActivityId::TRAFFIC, SOURCE_TYPE);
    event.severity_id = SeverityId::Informational;
    event.src_endpoint = Some(Box::new(Endpoint {
        ip: Some(Str::from(initiator_ip)),
        port: flow.initiator_port,
        ..Endpoint::default()
    }));
    event.dst_endpoint = Some(Box::new(Endpoint {
        ip: Some(Str::from(target_ip)),
        port: flow.target_port,
        ..Endpoint::default()
    }));

    let protocol_name = flow.transport_protocol.and_then(protocol_name);
    event.connection_info = Some(ConnectionInfo {
        protocol_num: flow.transport_protocol,
        protocol_name: protocol_name.map(Str::const_new),
        direction_id: flow.direction.as_deref().map(direction_id),
        ..ConnectionInfo::default()
    });
    event.traffic = Some(
        Traffic {
            bytes_out: flow.bytes_from_initiator,
            packets_out: flow.packets_from_initiator,
            bytes_in: flow.bytes_from_target,
            packets_in: flow.packets_from_target,
            ..Traffic::default()
        }
        .with_totals(),
    );
    let cumulative = Traffic {
        bytes_out: flow.cumulative_bytes_from_initiator,
        packets_out: flow.cumulative_packets_from_initiator,
        bytes_in: flow.cumulative_bytes_from_target,
        packets_in: flow.cumulative_packets_from_target,
        ..Traffic::default()
    };
    if cumulative != Traffic::default() {
        event.cumulative_traffic = Some(cumulative.with_totals());
    }

    // Flows with `was_initiated: false` carry empty strings here.
    let start = flow.start_time.as_deref().and_then(parse_rfc3339);
    let end = flow.end_time.as_deref().and_then(parse_rfc3339);
    event.start_time = start;
    event.end_time = end;
    if let (Some(start), Some(end)) = (start, end) {
        event.duration = end.checked_sub(start).filter(|d| *d >= 0);
    }
    event.time = end
        .or(shared.capture_end_ms)
        .or(start)
        .or(shared.capture_start_ms)
        .unwrap_or(ctx.reference_time_ms);

    match flow.action.as_deref() {
        Some(action) if action.eq_ignore_ascii_case("accepted") => {
            event.action_id = Some(ActionId::Allowed);
            event.disposition_id = Some(DispositionId::ALLOWED);
        }
        Some(action) if action.eq_ignore_ascii_case("rejected") => {
            event.action_id = Some(ActionId::Denied);
            event.disposition_id = Some(DispositionId::BLOCKED);
        }
        Some(action) if !action.is_empty() => {
            event.action_id = Some(ActionId::Other);
            event.action = Some(Str::from(action));
        }
        _ => {}
    }

    event.metadata = shared.metadata.clone();
    event.cloud = shared.cloud.clone();
    event.device = shared.device.clone();
    event.unmapped = flow_unmapped(flow, shared);
    event.native = Native::RawJson;
    Ok(event)
}

/// `unmapped`: the connection-state booleans and connection start of the flow record, and the
/// header's values that have no OCSF home.
fn flow_unmapped(flow: &FlowRecord<'_>, shared: &Shared) -> Value {
    let mut unmapped = shared.unmapped.clone();
    if let Some(initiated) = flow.was_initiated {
        unmapped.insert("was_initiated".to_owned(), Value::Bool(initiated));
    }
    if let Some(terminated) = flow.was_terminated {
        unmapped.insert("was_terminated".to_owned(), Value::Bool(terminated));
    }
    if let Some(started) = flow
        .connection_start_time
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        unmapped.insert(
            "connection_start_time".to_owned(),
            Value::String(started.to_owned()),
        );
    }
    if unmapped.is_empty() {
        Value::Null
    } else {
        Value::Object(unmapped)
    }
}

/// IANA protocol number to the lowercase name OCSF uses.
fn protocol_name(number: u8) -> Option<&'static str> {
    Some(match number {
        1 => "icmp",
        2 => "igmp",
        6 => "tcp",
        17 => "udp",
        41 => "ipv6",
        47 => "gre",
        50 => "esp",
        51 => "ah",
        58 => "ipv6-icmp",
        132 => "sctp",
        _ => return None,
    })
}

/// `I`/`inbound` → Inbound, `O`/`outbound` → Outbound (older IBM text spells them out).
fn direction_id(direction: &str) -> DirectionId {
    if direction.eq_ignore_ascii_case("i") || direction.eq_ignore_ascii_case("inbound") {
        DirectionId::Inbound
    } else if direction.eq_ignore_ascii_case("o") || direction.eq_ignore_ascii_case("outbound") {
        DirectionId::Outbound
    } else {
        DirectionId::Unknown
    }
}
