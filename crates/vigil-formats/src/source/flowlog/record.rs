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
#[derive(serde::Deserialize, Default, Debug, PartialEq)]
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

impl<'a> FlowRecord<'a> {
    /// Reads one flow record from its raw JSON (already checked to be valid JSON by the pass
    /// that split `flow_logs`). The common shape (a flat object of unescaped strings, unsigned
    /// integers and booleans, no duplicate keys) is read by a direct scan; anything else goes
    /// through serde, which then decides between a value and an error message.
    pub fn parse(raw: &'a str) -> Result<FlowRecord<'a>, serde_json::Error> {
        match scan(raw.as_bytes(), raw) {
            Some(record) => Ok(record),
            None => serde_json::from_str(raw),
        }
    }
}

/// The direct scan of [`FlowRecord::parse`]; `None` means "not the simple shape".
fn scan<'a>(bytes: &[u8], text: &'a str) -> Option<FlowRecord<'a>> {
    let mut record = FlowRecord::default();
    let mut seen = 0u32;
    let mut at = skip_ws(bytes, 0);
    if bytes.get(at) != Some(&b'{') {
        return None;
    }
    at = skip_ws(bytes, at + 1);
    if bytes.get(at) == Some(&b'}') {
        return Some(record);
    }
    loop {
        let (key, after_key) = scan_string(bytes, text, at)?;
        at = skip_ws(bytes, after_key);
        if bytes.get(at) != Some(&b':') {
            return None;
        }
        at = skip_ws(bytes, at + 1);
        let value_start = at;
        let value = match bytes.get(at)? {
            b'"' => {
                let (value, end) = scan_string(bytes, text, at)?;
                at = end;
                Scalar::Text(value)
            }
            b'0'..=b'9' => {
                while bytes.get(at).is_some_and(u8::is_ascii_digit) {
                    at += 1;
                }
                if matches!(bytes.get(at), Some(b'.' | b'e' | b'E')) {
                    return None;
                }
                Scalar::Unsigned(text.get(value_start..at)?.parse().ok()?)
            }
            b't' if bytes.get(at..at + 4) == Some(b"true") => {
                at += 4;
                Scalar::Bool(true)
            }
            b'f' if bytes.get(at..at + 5) == Some(b"false") => {
                at += 5;
                Scalar::Bool(false)
            }
            b'n' if bytes.get(at..at + 4) == Some(b"null") => {
                at += 4;
                Scalar::Null
            }
            _ => return None,
        };
        let bit = record.set(key, value)?;
        if seen & bit != 0 {
            return None;
        }
        seen |= bit;
        at = skip_ws(bytes, at);
        match bytes.get(at)? {
            b',' => at = skip_ws(bytes, at + 1),
            b'}' => break,
            _ => return None,
        }
    }
    // Nothing but whitespace may follow.
    (skip_ws(bytes, at + 1) == bytes.len()).then_some(record)
}

enum Scalar<'a> {
    Text(&'a str),
    Unsigned(u64),
    Bool(bool),
    Null,
}

impl<'a> FlowRecord<'a> {
    /// Stores one scanned field; `None` when its value has the wrong type (serde then words
    /// the error). Returns the field's bit for duplicate detection (0 for unknown keys).
    fn set(&mut self, key: &str, value: Scalar<'a>) -> Option<u32> {
        fn text<'a>(slot: &mut Option<Text<'a>>, value: Scalar<'a>) -> Option<()> {
            match value {
                Scalar::Text(s) => *slot = Some(Text(Cow::Borrowed(s))),
                Scalar::Null => *slot = None,
                _ => return None,
            }
            Some(())
        }
        fn number<T: TryFrom<u64>>(slot: &mut Option<T>, value: Scalar<'_>) -> Option<()> {
            match value {
                Scalar::Unsigned(n) => *slot = Some(T::try_from(n).ok()?),
                Scalar::Null => *slot = None,
                _ => return None,
            }
            Some(())
        }
        fn flag(slot: &mut Option<bool>, value: Scalar<'_>) -> Option<()> {
            match value {
                Scalar::Bool(b) => *slot = Some(b),
                Scalar::Null => *slot = None,
                _ => return None,
            }
            Some(())
        }
        let bit = match key {
            "start_time" => text(&mut self.start_time, value).map(|()| 0),
            "end_time" => text(&mut self.end_time, value).map(|()| 1),
            "connection_start_time" => text(&mut self.connection_start_time, value).map(|()| 2),
            "direction" => text(&mut self.direction, value).map(|()| 3),
            "action" => text(&mut self.action, value).map(|()| 4),
            "initiator_ip" => text(&mut self.initiator_ip, value).map(|()| 5),
            "target_ip" => text(&mut self.target_ip, value).map(|()| 6),
            "initiator_port" => number(&mut self.initiator_port, value).map(|()| 7),
            "target_port" => number(&mut self.target_port, value).map(|()| 8),
            "transport_protocol" => number(&mut self.transport_protocol, value).map(|()| 9),
            "was_initiated" => flag(&mut self.was_initiated, value).map(|()| 10),
            "was_terminated" => flag(&mut self.was_terminated, value).map(|()| 11),
            "bytes_from_initiator" => number(&mut self.bytes_from_initiator, value).map(|()| 12),
            "packets_from_initiator" => {
                number(&mut self.packets_from_initiator, value).map(|()| 13)
            }
            "bytes_from_target" => number(&mut self.bytes_from_target, value).map(|()| 14),
            "packets_from_target" => number(&mut self.packets_from_target, value).map(|()| 15),
            "cumulative_bytes_from_initiator" => {
                number(&mut self.cumulative_bytes_from_initiator, value).map(|()| 16)
            }
            "cumulative_packets_from_initiator" => {
                number(&mut self.cumulative_packets_from_initiator, value).map(|()| 17)
            }
            "cumulative_bytes_from_target" => {
                number(&mut self.cumulative_bytes_from_target, value).map(|()| 18)
            }
            "cumulative_packets_from_target" => {
                number(&mut self.cumulative_packets_from_target, value).map(|()| 19)
            }
            // Unknown keys (`ether_type`…) are skipped, as serde would.
            _ => return Some(0),
        }?;
        Some(1 << bit)
    }
}

fn skip_ws(bytes: &[u8], mut at: usize) -> usize {
    while matches!(bytes.get(at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        at += 1;
    }
    at
}

/// A string starting at `at` (its opening quote) without escapes: its contents and the index
/// after its closing quote.
fn scan_string<'a>(bytes: &[u8], text: &'a str, at: usize) -> Option<(&'a str, usize)> {
    if bytes.get(at) != Some(&b'"') {
        return None;
    }
    let start = at + 1;
    let len = memchr::memchr2(b'"', b'\\', bytes.get(start..)?)?;
    let end = start + len;
    if bytes.get(end) != Some(&b'"') {
        return None;
    }
    Some((text.get(start..end)?, end + 1))
}

/// A JSON string borrowed from the input when it has no escapes (serde's own `Cow<str>`
/// always copies when nested in an `Option`).
#[derive(Debug, PartialEq)]
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
