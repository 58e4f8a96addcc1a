//! [`Document`] for raw JSON (`serde_json::Value`).
//!
//! Lookups borrow from the value and never allocate: path segments are `&str` slices of the
//! path; a path without a dot is one `Map::get(&str)`, a dotted path one pass over the keys
//! of each object it goes through (see [`lookup_in_object`]).

use std::borrow::Cow;
use std::cell::Cell;
use std::sync::OnceLock;

use serde_json::{Map, Number, Value};

use super::{with_formatted, Document, FieldValue};

/// How deep nested arrays and objects are followed; deeper data is ignored (serde_json's
/// parser stops at 128 levels anyway, this guards values built in code).
const MAX_DEPTH: usize = 256;

impl Document for Value {
    fn field(&self, path: &str, each: &mut dyn FnMut(FieldValue<'_>)) -> bool {
        if let Value::Object(map) = self {
            warm(self, map);
        }
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
///
/// Every key that can take part (the literal path, or a head `path[..dot]`) is a prefix of
/// `path` that ends where `path` ends or at one of its dots. A path without a dot has only
/// the literal key: one `get`. For a dotted path, one pass over the map's keys in their
/// sorted order (the order of serde_json's `BTreeMap`) finds all of them, cheaply: a key
/// whose first byte differs from the path's is skipped on that byte alone, and the pass
/// stops at the first key whose first byte sorts after it. Prefixes of a string sort in
/// order of length, so the candidates are then tried from the last found back.
fn lookup_in_object(
    map: &Map<String, Value>,
    path: &str,
    each: &mut dyn FnMut(FieldValue<'_>),
    depth: usize,
) -> bool {
    let bytes = path.as_bytes();
    let Some(&first) = bytes.first().filter(|_| bytes.contains(&b'.')) else {
        return match map.get(path) {
            Some(value) => {
                emit(value, each, depth);
                true
            }
            None => false,
        };
    };
    if !keys_sorted() {
        return lookup_by_splits(map, path, each, depth);
    }
    // The candidates found, by key length, shortest first.
    let mut found: [(usize, Option<&Value>); MAX_CANDIDATES] = [(0, None); MAX_CANDIDATES];
    let mut count = 0;
    for (key, value) in map {
        let key = key.as_bytes();
        if let Some(&byte) = key.first() {
            if byte < first {
                continue;
            }
            if byte > first {
                break;
            }
        }
        // The key is empty or starts like the path.
        let boundary = match bytes.get(key.len()) {
            None => key.len() == bytes.len(),
            Some(&next) => next == b'.',
        };
        if !boundary || !bytes.starts_with(key) {
            continue;
        }
        let Some(slot) = found.get_mut(count) else {
            // More candidate keys than the array holds (absurd data): the simple way.
            return lookup_by_splits(map, path, each, depth);
        };
        *slot = (key.len(), Some(value));
        count += 1;
    }
    for &(len, value) in found.iter().take(count).rev() {
        let Some(value) = value else {
            continue;
        };
        if len == path.len() {
            emit(value, each, depth);
            return true;
        }
        // `path[len]` is a dot, so `len + 1` is a character boundary.
        let Some(rest) = path.get(len + 1..) else {
            continue;
        };
        if lookup(value, rest, each, depth + 1) {
            return true;
        }
    }
    false
}

/// How many candidate keys [`lookup_in_object`] collects in one object before it falls back
/// to [`lookup_by_splits`]: a path with more dots than this, each a key, is pathological.
const MAX_CANDIDATES: usize = 8;

/// [`lookup_in_object`] by `get`s: the literal key, then each head, longest first. Used when
/// the map does not iterate in key order (serde_json's `preserve_order` feature, enabled by
/// any crate of the build, makes it an `IndexMap`, where `get` is a hash lookup anyway).
fn lookup_by_splits(
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

/// Whether serde_json's `Map` iterates in sorted key order (a `BTreeMap`: the default), which
/// [`lookup_in_object`] relies on to stop its pass early. Decided once, by trying.
fn keys_sorted() -> bool {
    static SORTED: OnceLock<bool> = OnceLock::new();
    *SORTED.get_or_init(|| {
        let mut map = Map::new();
        map.insert("b".to_owned(), Value::Null);
        map.insert("a".to_owned(), Value::Null);
        map.keys().next().is_some_and(|key| key == "a")
    })
}

/// How many entries of an event's top-level object [`warm`] reads.
const WARM_ENTRIES: usize = 64;

thread_local! {
    /// The address of the object [`warm`] last read on this thread.
    static WARMED: Cell<usize> = const { Cell::new(0) };
}

/// On the first lookup in an event (an object at another address than the last one), reads
/// one byte of each top-level key and string value, and throws the bytes away.
///
/// This is only about memory latency; what lookups find is unchanged. An event that is not
/// in the CPU caches (one of many parsed before being evaluated) costs a cache miss per
/// B-tree node, key and value a lookup touches, and lookups take them one after another:
/// each `get` needs a node before its keys, and the engine scans each value before asking
/// for the next field. Here the loads of all keys and values are independent of each other,
/// so their misses overlap, and the lookups that follow find them cached. For an event still
/// in cache (just parsed, or read before), the pass costs one walk over the top-level keys.
fn warm(value: &Value, map: &Map<String, Value>) {
    let address = std::ptr::from_ref(value).addr();
    match WARMED.try_with(|last| last.replace(address)) {
        Ok(previous) if previous != address => {}
        // The same object again, or the thread is being torn down.
        _ => return,
    }
    let mut bytes = 0u8;
    for (key, value) in map.iter().take(WARM_ENTRIES) {
        bytes ^= key.as_bytes().first().copied().unwrap_or(0);
        if let Value::String(text) = value {
            bytes ^= text.as_bytes().first().copied().unwrap_or(0);
        }
    }
    std::hint::black_box(bytes);
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
    use proptest::prelude::*;
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

    /// The lookup as first written (the literal key, then one `get` per split), kept as the
    /// oracle the faster one must agree with.
    fn reference(
        value: &Value,
        path: &str,
        each: &mut dyn FnMut(FieldValue<'_>),
        depth: usize,
    ) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        match value {
            Value::Object(map) => {
                if let Some(value) = map.get(path) {
                    emit(value, each, depth);
                    return true;
                }
                let mut end = path.len();
                while let Some(dot) = path[..end].rfind('.') {
                    let (head, rest) = (&path[..dot], &path[dot + 1..]);
                    if let Some(inner) = map.get(head) {
                        if reference(inner, rest, each, depth + 1) {
                            return true;
                        }
                    }
                    end = dot;
                }
                false
            }
            Value::Array(items) => {
                let mut found = false;
                for item in items {
                    if reference(item, path, each, depth + 1) {
                        found = true;
                    }
                }
                found
            }
            _ => false,
        }
    }

    fn check_reference(doc: &Value, path: &str) -> (bool, Vec<FieldValue<'static>>) {
        let mut values = Vec::new();
        let exists = reference(doc, path, &mut |value| values.push(owned(value)), 0);
        (exists, values)
    }

    fn owned(value: FieldValue<'_>) -> FieldValue<'static> {
        match value {
            FieldValue::Str(text) => FieldValue::Str(Cow::Owned(text.into_owned())),
            FieldValue::Int(int) => FieldValue::Int(int),
            FieldValue::Float(float) => FieldValue::Float(float),
            FieldValue::Bool(flag) => FieldValue::Bool(flag),
            FieldValue::Null => FieldValue::Null,
        }
    }

    #[test]
    fn every_candidate_key_is_found_in_one_pass() {
        // Keys around the candidates in sort order: `a-` sorts before `a.`, `a/` after it,
        // `a.b.c.x` between `a.b.c` and the end of the `a` keys.
        let doc = json!({
            "": {"a": "empty head"},
            "a-": 0, "a": {"b.c": "a → b.c", "b": {"c": "a → b → c"}}, "a.": {"b": 9},
            "a.b": {"x": 1}, "a.b.c.x": 2, "a/": 3, "b": 4
        });
        assert_eq!(check(&doc, "a.b.c"), (true, vec![s("a → b.c")]));
        assert_eq!(check(&doc, ".a"), (true, vec![s("empty head")]));
        assert_eq!(check(&doc, "a.b.x"), (true, vec![FieldValue::Int(1)]));
        assert_eq!(check(&doc, "a..b"), (true, vec![FieldValue::Int(9)]));
        assert_eq!(check(&doc, "a.b.c.x"), (true, vec![FieldValue::Int(2)]));
        assert_eq!(check(&doc, "a/.b"), (false, vec![]));
        // More dotted prefixes present than the pass collects: the fallback finds them too.
        let mut map = Map::new();
        let path = "k.k.k.k.k.k.k.k.k.k.k.k";
        for (dot, _) in path.match_indices('.') {
            map.insert(path[..dot].to_owned(), json!({"x": dot}));
        }
        map.insert(
            "k.k.k.k.k.k.k.k.k.k.k".to_owned(),
            json!({"k": "deepest head"}),
        );
        let doc = Value::Object(map);
        assert_eq!(check(&doc, path), (true, vec![s("deepest head")]));
        assert_eq!(check(&doc, "k.k.x"), (true, vec![FieldValue::Int(3)]));
        assert_eq!(check(&doc, path), check_reference(&doc, path));
    }

    /// Keys built from a few segments, so that literal dotted keys, nested objects and
    /// their mixes collide on the same paths.
    fn key() -> impl Strategy<Value = String> {
        let segment = prop_oneof![
            6 => Just("a"),
            3 => Just("b"),
            1 => Just(""),
            1 => Just("ab"),
            1 => Just("a-"),
            1 => Just("é"),
        ];
        proptest::collection::vec(segment, 1..4).prop_map(|parts| parts.join("."))
    }

    fn doc() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "[a-c]{0,2}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 5, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map(key(), inner, 0..8)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn lookup_agrees_with_the_reference(doc in doc(), paths in proptest::collection::vec(key(), 1..6)) {
            for path in &paths {
                prop_assert_eq!(check(&doc, path), check_reference(&doc, path), "path {:?}", path);
            }
        }
    }
}
