//! [`Document`] for raw JSON (`serde_json::Value`).
//!
//! Lookups borrow from the value and never allocate: path segments are `&str` slices of the
//! path and object keys are looked up with `Map::get(&str)`.

use std::borrow::Cow;

use serde_json::{Map, Number, Value};

use super::{with_formatted, Document, FieldValue};

/// How deep nested arrays and objects are followed; deeper data is ignored (serde_json's
/// parser stops at 128 levels anyway, this guards values built in code).
const MAX_DEPTH: usize = 256;

impl Document for Value {
    fn field(&self, path: &str, each: &mut dyn FnMut(FieldValue<'_>)) -> bool {
        lookup(self, path, each, 0)
    }

    fn keywords(&self, each: &mut dyn FnMut(&str) -> bool) {
        visit_strings(self, each, 0);
    }
}

/// Finds `path` under `value` (an object, or an array of objects), emitting the leaf values.
fn lookup(value: &Value, path: &str, each: &mut dyn FnMut(FieldValue<'_>), depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match value {
        Value::Object(map) => lookup_in_object(map, path, each, depth),
        Value::Array(items) => {
            // A path through an array: any element that has it (any-element semantics).
            let mut found = false;
            for item in items {
                if lookup(item, path, each, depth + 1) {
                    found = true;
                }
            }
            found
        }
        _ => false,
    }
}

/// The literal key first, then every split at a dot, longest key first; the first split
/// that exists wins, so a literal dotted key shadows a nested path.
fn lookup_in_object(
    map: &Map<String, Value>,
    path: &str,
    each: &mut dyn FnMut(FieldValue<'_>),
    depth: usize,
) -> bool {
    if let Some(value) = map.get(path) {
        emit(value, each, depth);
        return true;
    }
    let mut end = path.len();
    while let Some(dot) = path[..end].rfind('.') {
        let (head, rest) = (&path[..dot], &path[dot + 1..]);
        if let Some(inner) = map.get(head) {
            if lookup(inner, rest, each, depth + 1) {
                return true;
            }
        }
        end = dot;
    }
    false
}

/// Emits a field's value: scalars as they are, arrays element by element (flattened),
/// objects not at all.
fn emit(value: &Value, each: &mut dyn FnMut(FieldValue<'_>), depth: usize) {
    match value {
        Value::Null => each(FieldValue::Null),
        Value::Bool(flag) => each(FieldValue::Bool(*flag)),
        Value::Number(number) => each(number_value(number)),
        Value::String(text) => each(FieldValue::Str(Cow::Borrowed(text))),
        Value::Array(items) => {
            if depth < MAX_DEPTH {
                for item in items {
                    emit(item, each, depth + 1);
                }
            }
        }
        Value::Object(_) => {}
    }
}

fn number_value(number: &Number) -> FieldValue<'static> {
    if let Some(int) = number.as_i64() {
        return FieldValue::Int(int);
    }
    match number.as_f64() {
        Some(float) => FieldValue::Float(float),
        // Only reachable with serde_json's arbitrary_precision: keep the digits as text.
        None => FieldValue::Str(Cow::Owned(number.to_string())),
    }
}

/// Visits every string and number leaf; returns `false` once `each` asked to stop.
fn visit_strings(value: &Value, each: &mut dyn FnMut(&str) -> bool, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return true;
    }
    match value {
        Value::String(text) => each(text),
        Value::Number(number) => match number_value(number) {
            FieldValue::Int(int) => with_formatted(format_args!("{int}"), |text| each(text)),
            other => other.with_text(|text| each(text)).unwrap_or(true),
        },
        Value::Array(items) => items
            .iter()
            .all(|item| visit_strings(item, each, depth + 1)),
        Value::Object(map) => map
            .values()
            .all(|item| visit_strings(item, each, depth + 1)),
        Value::Null | Value::Bool(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The values found at `path`, as debug strings, and whether it exists.
    fn check(doc: &Value, path: &str) -> (bool, Vec<FieldValue<'static>>) {
        let mut values = Vec::new();
        let exists = doc.field(path, &mut |value| {
            values.push(match value {
                FieldValue::Str(text) => FieldValue::Str(Cow::Owned(text.into_owned())),
                FieldValue::Int(int) => FieldValue::Int(int),
                FieldValue::Float(float) => FieldValue::Float(float),
                FieldValue::Bool(flag) => FieldValue::Bool(flag),
                FieldValue::Null => FieldValue::Null,
            })
        });
        (exists, values)
    }

    fn s(text: &str) -> FieldValue<'static> {
        FieldValue::Str(Cow::Owned(text.to_owned()))
    }

    fn keywords(doc: &Value) -> Vec<String> {
        let mut out = Vec::new();
        doc.keywords(&mut |text| {
            out.push(text.to_owned());
            true
        });
        out
    }

    #[test]
    fn dotted_path_finds_literal_key_nested_objects_and_mixed_splits() {
        let literal = json!({"a.b.c": "lit"});
        let nested = json!({"a": {"b": {"c": "nest"}}});
        let mixed_head = json!({"a.b": {"c": "mix1"}});
        let mixed_tail = json!({"a": {"b.c": "mix2"}});
        assert_eq!(check(&literal, "a.b.c"), (true, vec![s("lit")]));
        assert_eq!(check(&nested, "a.b.c"), (true, vec![s("nest")]));
        assert_eq!(check(&mixed_head, "a.b.c"), (true, vec![s("mix1")]));
        assert_eq!(check(&mixed_tail, "a.b.c"), (true, vec![s("mix2")]));
    }

    #[test]
    fn literal_dotted_key_shadows_nested_path() {
        let doc = json!({"a.b": "literal", "a": {"b": "nested"}});
        assert_eq!(check(&doc, "a.b"), (true, vec![s("literal")]));
    }

    #[test]
    fn nested_path_is_tried_when_literal_key_is_absent_or_the_split_dead_ends() {
        // `a.b` exists as a literal key but holds no `c`; the shorter split `a` → `b.c` works.
        let doc = json!({"a.b": {"x": 1}, "a": {"b": {"c": 2}}});
        assert_eq!(check(&doc, "a.b.c"), (true, vec![FieldValue::Int(2)]));
    }

    #[test]
    fn field_names_are_case_sensitive() {
        let doc = json!({"fieldname": "x"});
        assert_eq!(check(&doc, "FIELDNAME"), (false, vec![]));
        assert_eq!(check(&doc, "fieldname"), (true, vec![s("x")]));
    }

    #[test]
    fn arrays_yield_every_element_flattening_nested_arrays() {
        let doc = json!({"tags": ["a", ["b", ["c"]], 3, null, {"skip": 1}]});
        assert_eq!(
            check(&doc, "tags"),
            (
                true,
                vec![s("a"), s("b"), s("c"), FieldValue::Int(3), FieldValue::Null]
            )
        );
    }

    #[test]
    fn path_descends_into_arrays_of_objects() {
        let doc = json!({"resources": [{"ARN": "arn:1"}, {"type": "x"}, {"ARN": ["arn:2"]}]});
        assert_eq!(
            check(&doc, "resources.ARN"),
            (true, vec![s("arn:1"), s("arn:2")])
        );
        assert_eq!(check(&doc, "resources.missing"), (false, vec![]));
    }

    #[test]
    fn null_is_present_and_yields_null() {
        let doc = json!({"a": null, "o": {}, "e": []});
        assert_eq!(check(&doc, "a"), (true, vec![FieldValue::Null]));
        assert_eq!(check(&doc, "o"), (true, vec![]));
        assert_eq!(check(&doc, "e"), (true, vec![]));
        assert_eq!(check(&doc, "missing"), (false, vec![]));
    }

    #[test]
    fn numbers_are_int_when_they_fit_i64_else_float() {
        let doc = json!({"i": -5, "big": u64::MAX, "f": 4624.0, "b": false});
        assert_eq!(check(&doc, "i").1, vec![FieldValue::Int(-5)]);
        assert_eq!(
            check(&doc, "big").1,
            vec![FieldValue::Float(u64::MAX as f64)]
        );
        assert_eq!(check(&doc, "f").1, vec![FieldValue::Float(4624.0)]);
        assert_eq!(check(&doc, "b").1, vec![FieldValue::Bool(false)]);
    }

    #[test]
    fn scalars_and_odd_paths_do_not_panic() {
        let doc = json!({"a": {"b": 1}, "": {"": 2}, ".": 3});
        assert_eq!(check(&doc, "a.b.c"), (false, vec![]));
        assert_eq!(check(&doc, "a..b"), (false, vec![]));
        assert_eq!(check(&doc, "."), (true, vec![FieldValue::Int(3)]));
        assert_eq!(check(&doc, ".."), (false, vec![]));
        assert_eq!(check(&json!("scalar"), "a"), (false, vec![]));
        assert_eq!(check(&doc, ""), (true, vec![]));
    }

    #[test]
    fn keywords_visit_strings_and_numbers_as_text_not_keys_or_booleans() {
        let doc =
            json!({"k": "v", "n": [1, 2.5, 4624.0], "o": {"deep": "x"}, "b": true, "z": null});
        let mut found = keywords(&doc);
        found.sort();
        assert_eq!(found, ["1", "2.5", "4624.0", "v", "x"]);
    }

    #[test]
    fn keywords_stop_early() {
        let doc = json!(["a", "b", "c"]);
        let mut seen = 0;
        doc.keywords(&mut |_| {
            seen += 1;
            seen < 2
        });
        assert_eq!(seen, 2);
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let mut doc = json!("leaf");
        for _ in 0..300 {
            doc = json!([doc]);
        }
        let mut count = 0;
        doc.keywords(&mut |_| {
            count += 1;
            true
        });
        assert_eq!(count, 0);
        let holder = json!({ "f": doc });
        let mut values = 0;
        assert!(holder.field("f", &mut |_| values += 1));
        assert_eq!(values, 0);
    }

    #[test]
    fn float_text_keeps_a_fraction_like_json() {
        assert_eq!(
            FieldValue::Float(4624.0).with_text(str::to_owned),
            Some("4624.0".into())
        );
        assert_eq!(
            FieldValue::Float(1e300).with_text(str::to_owned),
            Some("1e300".into())
        );
        assert_eq!(
            FieldValue::Int(-7).with_text(str::to_owned),
            Some("-7".into())
        );
        assert_eq!(FieldValue::Null.with_text(str::to_owned), None);
    }
}

#[cfg(test)]
mod tmp_stats {
    use std::cell::RefCell;
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    use serde_json::Value;
    use vigil_model::SourceType;

    use crate::doc::{Document, FieldValue};
    use crate::engine::{RuleSet, Scratch};

    struct Counting<'a>(&'a Value, RefCell<BTreeMap<String, (usize, usize)>>);
    impl Document for Counting<'_> {
        fn field(&self, path: &str, each: &mut dyn FnMut(FieldValue<'_>)) -> bool {
            let found = self.0.field(path, each);
            let mut m = self.1.borrow_mut();
            let e = m.entry(path.to_owned()).or_default();
            e.0 += 1;
            if found {
                e.1 += 1;
            }
            found
        }
        fn keywords(&self, each: &mut dyn FnMut(&str) -> bool) {
            self.0.keywords(each)
        }
    }

    fn yaml_files(directory: &Path, files: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(directory).unwrap().flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "yml") {
                files.push(path);
            }
        }
    }

    #[test]
    #[ignore]
    fn stats() {
        let mut files = Vec::new();
        yaml_files(
            Path::new(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/sigma/rules/cloud/aws/cloudtrail"
            )),
            &mut files,
        );
        files.sort();
        let mut set = RuleSet::with_shipped_pipelines().unwrap();
        for f in files {
            let text = std::fs::read_to_string(f).unwrap();
            set.add_documents(crate::load::load_str(&text, "").into_iter().flatten());
        }
        let (compiled, _) = set.build();
        let lines = vigil_sim::Generator::new(1).cloudtrail(2000);
        let events: Vec<Value> = lines
            .split(|&b| b == b'\n')
            .filter_map(|l| serde_json::from_slice(l).ok())
            .collect();
        println!("{}", serde_json::to_string_pretty(&events[0]).unwrap());
        println!("{}", serde_json::to_string_pretty(&events[7]).unwrap());
        let counting = Counting(&Value::Null, RefCell::new(BTreeMap::new()));
        let mut scratch = Scratch::new();
        let mut out = Vec::new();
        let mut matches = 0;
        let mut keys = 0;
        for e in &events {
            keys += e.as_object().map_or(0, |m| m.len());
            let c = Counting(
                e,
                RefCell::new(std::mem::take(&mut *counting.1.borrow_mut())),
            );
            out.clear();
            compiled.evaluate_with(&mut scratch, SourceType::CloudTrail, &c, &mut out);
            matches += out.len();
            *counting.1.borrow_mut() = c.1.into_inner();
        }
        println!(
            "events {} matches {matches} avg top keys {}",
            events.len(),
            keys as f64 / events.len() as f64
        );
        let mut total = 0;
        for (k, (n, f)) in counting.1.borrow().iter() {
            total += n;
            println!(
                "{k}: {:.3} per event, found {:.3}",
                *n as f64 / events.len() as f64,
                *f as f64 / events.len() as f64
            );
        }
        println!("total {:.3} per event", total as f64 / events.len() as f64);
    }
}
