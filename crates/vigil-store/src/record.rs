//! What the store keeps per event, and its encoding as a write-ahead log payload.
//!
//! Payload: `[time ms i64 LE][rule count u16 LE]([rule id length u16 LE][rule id])*[event JSON]`.
//! The indexer and the replay after a restart decode the same bytes, so an event indexed live
//! and one indexed from the log are the same document.

use crate::error::StoreError;

/// One event handed to the store: its OCSF JSON (as `vigil_model::Event` serializes it,
/// `raw_data` holding the original record), its time, and the ids of the detection rules
/// that matched it (given at ingest; searchable as the `rule_hit` field).
///
/// The JSON travels as bytes: serializing an `Event` straight to bytes is cheaper than
/// building a `serde_json::Value`, and the indexer reads only the fields it indexes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent {
    /// Event time, milliseconds since the epoch (UTC); chooses the partition.
    pub time_ms: i64,
    /// The event as one JSON object.
    pub json: Vec<u8>,
    /// Ids of the rules that matched the event.
    pub rule_ids: Vec<String>,
}

impl StoredEvent {
    /// A stored event from a normalized event and the rules that matched it.
    pub fn from_event(event: &vigil_model::Event, rule_ids: Vec<String>) -> StoredEvent {
        let json = serde_json::to_vec(event)
            .expect("an event always serializes: its maps have string keys");
        StoredEvent {
            time_ms: event.time,
            json,
            rule_ids,
        }
    }

    /// A stored event from JSON; the time is its `time` member (0 when absent).
    pub fn from_json(json: &serde_json::Value, rule_ids: Vec<String>) -> StoredEvent {
        let time_ms = json
            .get("time")
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(0);
        StoredEvent {
            time_ms,
            json: json.to_string().into_bytes(),
            rule_ids,
        }
    }
}

/// A decoded payload borrowing from the log record.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct EventRecord<'a> {
    pub time_ms: i64,
    pub rule_ids: Vec<&'a str>,
    pub json: &'a [u8],
}

/// Encodes `event` as a log payload; `index` is its position in the batch (for errors).
pub(crate) fn encode(event: &StoredEvent, index: usize) -> Result<Vec<u8>, StoreError> {
    let invalid = |reason: String| StoreError::InvalidEvent { index, reason };
    let first = event.json.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(invalid("the event JSON is not an object".to_owned()));
    }
    let rule_count = u16::try_from(event.rule_ids.len())
        .map_err(|_| invalid(format!("{} rule ids, at most 65535", event.rule_ids.len())))?;
    let rule_bytes: usize = event.rule_ids.iter().map(|r| r.len() + 2).sum();
    let mut out = Vec::with_capacity(10 + rule_bytes + event.json.len());
    out.extend_from_slice(&event.time_ms.to_le_bytes());
    out.extend_from_slice(&rule_count.to_le_bytes());
    for rule in &event.rule_ids {
        let len = u16::try_from(rule.len())
            .map_err(|_| invalid("a rule id longer than 65535 bytes".to_owned()))?;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(rule.as_bytes());
    }
    out.extend_from_slice(&event.json);
    Ok(out)
}

/// Decodes a log payload; `None` when it is malformed (the CRC makes that a bug or a
/// foreign file, never a torn write).
pub(crate) fn decode(payload: &[u8]) -> Option<EventRecord<'_>> {
    let time_bytes: [u8; 8] = payload.get(..8)?.try_into().ok()?;
    let count_bytes: [u8; 2] = payload.get(8..10)?.try_into().ok()?;
    let mut at = 10;
    let count = u16::from_le_bytes(count_bytes);
    let mut rule_ids = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let len_bytes: [u8; 2] = payload.get(at..at + 2)?.try_into().ok()?;
        let len = usize::from(u16::from_le_bytes(len_bytes));
        let rule = std::str::from_utf8(payload.get(at + 2..at + 2 + len)?).ok()?;
        rule_ids.push(rule);
        at += 2 + len;
    }
    Some(EventRecord {
        time_ms: i64::from_le_bytes(time_bytes),
        rule_ids,
        json: payload.get(at..)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trips() {
        let event = StoredEvent {
            time_ms: -5,
            json: br#"{"a":1}"#.to_vec(),
            rule_ids: vec!["r1".into(), "".into(), "ßeta".into()],
        };
        let payload = encode(&event, 0).unwrap();
        let record = decode(&payload).unwrap();
        assert_eq!(record.time_ms, -5);
        assert_eq!(record.rule_ids, vec!["r1", "", "ßeta"]);
        assert_eq!(record.json, br#"{"a":1}"#);
    }

    #[test]
    fn malformed_payloads_decode_to_none() {
        assert_eq!(decode(b""), None);
        assert_eq!(decode(&[0u8; 9]), None);
        // One rule announced, none present.
        let mut payload = vec![0u8; 8];
        payload.extend_from_slice(&1u16.to_le_bytes());
        assert_eq!(decode(&payload), None);
    }

    #[test]
    fn non_object_json_is_rejected_at_encode() {
        let event = StoredEvent {
            time_ms: 0,
            json: b"[1]".to_vec(),
            rule_ids: vec![],
        };
        assert!(matches!(
            encode(&event, 3),
            Err(StoreError::InvalidEvent { index: 3, .. })
        ));
    }
}
