//! The source's native fields, kept so rules written for a product match its own field names.

use bytes::Bytes;

use crate::Str;

/// The native fields of a record.
///
/// JSON sources keep nothing extra: the original record *is* the native form, parsed on demand
/// ([`Native::RawJson`]). Where the original needs repair before its names are usable (the legacy
/// Activity Tracker archive prefixes nested objects with `o_`; a flow record needs its object's
/// header beside it) the normalizer stores the repaired tree ([`Native::Json`]). Text sources keep
/// the pairs they decoded, in order, duplicates included ([`Native::Pairs`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Native {
    /// No native fields beyond the OCSF ones.
    #[default]
    None,
    /// The original record is JSON and is the native form.
    RawJson,
    /// A repaired JSON tree.
    Json(Box<serde_json::Value>),
    /// Decoded key/value pairs, in record order.
    Pairs(Vec<(Str, Str)>),
}

impl Native {
    /// The native fields as one JSON object (pairs that repeat a key become an array).
    /// `raw` is the event's original record, used for [`Native::RawJson`].
    pub fn to_json(&self, raw: &Bytes) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Native::None => Value::Null,
            Native::RawJson => serde_json::from_slice(raw).unwrap_or(Value::Null),
            Native::Json(v) => (**v).clone(),
            Native::Pairs(pairs) => {
                let mut map = serde_json::Map::new();
                for (k, v) in pairs {
                    let v = Value::String(v.to_string());
                    match map.get_mut(k.as_str()) {
                        None => {
                            map.insert(k.to_string(), v);
                        }
                        Some(Value::Array(items)) => items.push(v),
                        Some(first) => {
                            let first = first.take();
                            map.insert(k.to_string(), Value::Array(vec![first, v]));
                        }
                    }
                }
                Value::Object(map)
            }
        }
    }

    /// The first value of a native pair named `key` (text sources only).
    pub fn pair(&self, key: &str) -> Option<&str> {
        match self {
            Native::Pairs(pairs) => pairs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_pairs_become_arrays() {
        let native = Native::Pairs(vec![
            ("layer_name".into(), "a".into()),
            ("src".into(), "10.0.0.1".into()),
            ("layer_name".into(), "b".into()),
            ("layer_name".into(), "c".into()),
        ]);
        assert_eq!(
            native.to_json(&Bytes::new()),
            serde_json::json!({"layer_name": ["a", "b", "c"], "src": "10.0.0.1"})
        );
        assert_eq!(native.pair("layer_name"), Some("a"));
    }
}
