//! Reading values out of what a query runs over: an event's OCSF JSON (through catalogue
//! paths or a dotted path) or a row of a result table (by column). Also the tokenizer that
//! free text and text fields are searched with.

use std::borrow::Cow;
use std::sync::OnceLock;

use serde_json::Value;

use crate::fields::{FieldKind, CATALOGUE};
use crate::resolve::{Access, Location};

/// The key of the original record in an event.
pub(crate) const RAW_DATA: &str = "raw_data";

/// One row the query runs over.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Record<'r> {
    /// An event, as `vigil-model` serializes it.
    Event(&'r Value),
    /// A row of a result table.
    Row {
        columns: &'r [String],
        values: &'r [Value],
    },
}

impl<'r> Record<'r> {
    /// Every non-null value of the field (arrays contribute their elements).
    pub fn values(&self, access: &Access, out: &mut Vec<&'r Value>) {
        match (self, &access.location) {
            (Record::Event(event), Location::Paths(paths)) => {
                for path in paths.iter() {
                    collect_path(event, path, out);
                }
            }
            (Record::Event(event), Location::Path(path) | Location::Column(path)) => {
                collect_path(event, path, out)
            }
            (Record::Row { columns, values }, _) => {
                if let Some(index) = columns.iter().position(|column| *column == access.name) {
                    if let Some(value) = values.get(index) {
                        flatten(value, out);
                    }
                }
            }
        }
    }

    /// The strings free text is searched in: the original record and the text fields of an
    /// event; every string of a table row.
    pub fn texts(&self, out: &mut Vec<&'r str>) {
        let mut values = Vec::new();
        match self {
            Record::Event(event) => {
                if let Some(raw) = event.get(RAW_DATA) {
                    values.push(raw);
                }
                for path in text_paths() {
                    collect_path(event, path, &mut values);
                }
            }
            Record::Row { values: row, .. } => {
                for value in row.iter() {
                    flatten(value, &mut values);
                }
            }
        }
        out.extend(values.into_iter().filter_map(Value::as_str));
    }
}

/// OCSF paths of every text-kind catalogue field.
fn text_paths() -> &'static [&'static str] {
    static PATHS: OnceLock<Vec<&'static str>> = OnceLock::new();
    PATHS.get_or_init(|| {
        CATALOGUE
            .iter()
            .filter(|def| def.kind == FieldKind::Text)
            .flat_map(|def| def.paths.iter().copied())
            .collect()
    })
}

/// Values at a dotted path: `[]` markers are optional (arrays are walked wherever they are
/// met), and a key that itself contains dots (`unmapped.output_fields."proc.name"`) is found
/// by joining segments when the single segment is not a key.
pub(crate) fn collect_path<'v>(root: &'v Value, path: &str, out: &mut Vec<&'v Value>) {
    let segments: Vec<&str> = path
        .split('.')
        .map(|segment| segment.trim_end_matches("[]"))
        .collect();
    walk(root, &segments, out);
}

fn walk<'v>(value: &'v Value, segments: &[&str], out: &mut Vec<&'v Value>) {
    match value {
        Value::Array(items) => {
            for item in items {
                walk(item, segments, out);
            }
        }
        Value::Null => {}
        _ if segments.is_empty() => out.push(value),
        Value::Object(map) => {
            if let Some(child) = map.get(segments[0]) {
                walk(child, &segments[1..], out);
            }
            for end in 2..=segments.len() {
                if let Some(child) = map.get(&segments[..end].join(".")) {
                    walk(child, &segments[end..], out);
                }
            }
        }
        _ => {}
    }
}

/// A value, or the elements of an array (nested arrays too); nulls are absent values.
fn flatten<'v>(value: &'v Value, out: &mut Vec<&'v Value>) {
    walk(value, &[], out);
}

/// A scalar as text (numbers and booleans in their JSON form); `None` for objects.
pub(crate) fn scalar_text(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::String(text) => Some(Cow::Borrowed(text)),
        Value::Number(number) => Some(Cow::Owned(number.to_string())),
        Value::Bool(flag) => Some(Cow::Borrowed(if *flag { "true" } else { "false" })),
        _ => None,
    }
}

/// A scalar as a number: JSON numbers, and strings that hold one.
pub(crate) fn scalar_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|number| number.is_finite()),
        _ => None,
    }
}

/// Splits text into lowercase words: runs of alphanumeric characters (what tantivy's
/// `SimpleTokenizer` followed by `LowerCaser` produces).
pub(crate) fn tokenize(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|token| !token.is_empty())
        .map(str::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn check(event: &Value, path: &str, expected: Value) {
        let mut out = Vec::new();
        collect_path(event, path, &mut out);
        let actual = Value::Array(out.into_iter().cloned().collect());
        assert_eq!(actual, expected, "path {path}");
    }

    #[test]
    fn paths_walk_objects_arrays_and_dotted_keys() {
        let event = json!({
            "src_endpoint": {"ip": "10.0.0.1", "port": 22},
            "resources": [{"uid": "a"}, {"uid": "b"}, {"name": "c"}],
            "unmapped": {"output_fields": {"proc.name": "sh"}, "list": [[1, 2], [3]], "none": null},
        });
        check(&event, "src_endpoint.ip", json!(["10.0.0.1"]));
        check(
            &event,
            "src_endpoint",
            json!([{"ip": "10.0.0.1", "port": 22}]),
        );
        check(&event, "resources[].uid", json!(["a", "b"]));
        check(&event, "resources.uid", json!(["a", "b"]));
        check(&event, "unmapped.output_fields.proc.name", json!(["sh"]));
        check(&event, "unmapped.list", json!([1, 2, 3]));
        check(&event, "unmapped.none", json!([]));
        check(&event, "src_endpoint.ip.more", json!([]));
        check(&event, "missing", json!([]));
    }

    #[test]
    fn tokens_are_lowercase_alphanumeric_runs() {
        assert_eq!(
            tokenize("Failed password for ROOT from 10.0.0.1"),
            ["failed", "password", "for", "root", "from", "10", "0", "0", "1"]
        );
        assert_eq!(
            tokenize("svc-backup_01 Ünïcode"),
            ["svc", "backup", "01", "ünïcode"]
        );
        assert!(tokenize(" --- ").is_empty());
    }
}
