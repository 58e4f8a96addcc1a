//! The borrowed, typed shapes a flow log object is deserialized into.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// A whole object: the header's fields as JSON values and the flow records still raw.
pub(super) struct FlowLogObject<'a> {
    /// Every top-level key but `flow_logs` (about ten per object, so a map is cheap here).
    pub header: Map<String, Value>,
    /// `flow_logs`: `None` when absent, `Err(kind)` when present but not an array.
    pub flow_logs: Option<Result<Vec<&'a RawValue>, &'static str>>,
}

impl<'de> Deserialize<'de> for FlowLogObject<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ObjectVisitor)
    }
}

struct ObjectVisitor;

impl<'de> Visitor<'de> for ObjectVisitor {
    type Value = FlowLogObject<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a flow log object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut header = Map::new();
        let mut flow_logs = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "flow_logs" {
                flow_logs = Some(map.next_value::<FlowLogs<'de>>()?.0);
            } else {
                header.insert(key, map.next_value()?);
            }
        }
        Ok(FlowLogObject { header, flow_logs })
    }
}

/// `flow_logs`, accepting any JSON value so a wrong type is reported as such, not as a
/// syntax error.
struct FlowLogs<'a>(Result<Vec<&'a RawValue>, &'static str>);

impl<'de> Deserialize<'de> for FlowLogs<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FlowLogsVisitor)
    }
}

struct FlowLogsVisitor;

impl<'de> Visitor<'de> for FlowLogsVisitor {
    type Value = FlowLogs<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of flow records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut records = Vec::with_capacity(seq.size_hint().unwrap_or(64).min(4096));
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            records.push(raw);
        }
        Ok(FlowLogs(Ok(records)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(FlowLogs(Err("an object")))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(FlowLogs(Err("null")))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(FlowLogs(Err("a boolean")))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(FlowLogs(Err("a number")))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(FlowLogs(Err("a number")))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(FlowLogs(Err("a number")))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(FlowLogs(Err("a string")))
    }
}

/// One flow record. Strings borrow from the object unless they hold escapes. Every field is
/// optional here; `normalize` decides which absences reject the record.
#[derive(serde::Deserialize)]
pub(super) struct FlowRecord<'a> {
    #[serde(borrow, default)]
    pub start_time: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub end_time: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub connection_start_time: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub direction: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub action: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub initiator_ip: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub target_ip: Option<Text<'a>>,
    pub initiator_port: Option<u16>,
    pub target_port: Option<u16>,
    pub transport_protocol: Option<u8>,
    pub was_initiated: Option<bool>,
    pub was_terminated: Option<bool>,
    pub bytes_from_initiator: Option<u64>,
    pub packets_from_initiator: Option<u64>,
    pub bytes_from_target: Option<u64>,
    pub packets_from_target: Option<u64>,
    pub cumulative_bytes_from_initiator: Option<u64>,
    pub cumulative_packets_from_initiator: Option<u64>,
    pub cumulative_bytes_from_target: Option<u64>,
    pub cumulative_packets_from_target: Option<u64>,
}

/// A JSON string borrowed from the input when it has no escapes (serde's own `Cow<str>`
/// always copies when nested in an `Option`).
pub(super) struct Text<'a>(Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TextVisitor(std::marker::PhantomData))
    }
}

struct TextVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
    type Value = Text<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Borrowed(value)))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(value.to_owned())))
    }
}
