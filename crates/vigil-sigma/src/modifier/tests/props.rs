//! Property tests: compiling and matching never panic; a plain value matches itself.

use proptest::prelude::*;
use serde_json::{json, Value as Json};

use super::*;
use crate::doc::{Document, FieldValue};

const MODIFIERS: &[&str] = &[
    "all",
    "neq",
    "cased",
    "exists",
    "fieldref",
    "contains",
    "startswith",
    "endswith",
    "windash",
    "expand",
    "utf16le",
    "utf16be",
    "utf16",
    "wide",
    "base64",
    "base64offset",
    "re",
    "i",
    "m",
    "s",
    "cidr",
    "gt",
    "gte",
    "lt",
    "lte",
    "minute",
    "hour",
    "day",
    "week",
    "month",
    "year",
    "bogus",
];

fn sigma_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        "[-a-zA-Z0-9 */?\\\\%.:()\\[\\]|^$+ßé–]{0,12}".prop_map(Value::Str),
        any::<i64>().prop_map(Value::Int),
        any::<f64>().prop_map(Value::Float),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ]
}

fn json_leaf() -> impl Strategy<Value = Json> {
    prop_oneof![
        "[-a-zA-Z0-9 /:.ßé\u{2013}]{0,12}".prop_map(Json::String),
        any::<i64>().prop_map(Json::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)),
        any::<bool>().prop_map(Json::Bool),
        Just(Json::Null),
    ]
}

fn json_event() -> impl Strategy<Value = Json> {
    let field = prop_oneof![
        json_leaf(),
        prop::collection::vec(json_leaf(), 0..3).prop_map(Json::Array),
    ];
    (field.clone(), field).prop_map(|(f, g)| json!({"f": f, "g": g, "o": {"f": 1}}))
}

/// The values of `path`, owned, and whether it exists.
fn lookup(event: &Json, path: &str) -> (bool, Vec<FieldValue<'static>>) {
    let mut values = Vec::new();
    let exists = event.field(path, &mut |value| {
        values.push(match value {
            FieldValue::Str(text) => FieldValue::Str(text.into_owned().into()),
            FieldValue::Int(int) => FieldValue::Int(int),
            FieldValue::Float(float) => FieldValue::Float(float),
            FieldValue::Bool(flag) => FieldValue::Bool(flag),
            FieldValue::Null => FieldValue::Null,
        });
    });
    (exists, values)
}

/// Escapes a text so that it parses back to itself as a Sigma string.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn flip_ascii_case(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn compiling_and_matching_never_panic(
        keyword in any::<bool>(),
        modifiers in prop::collection::vec(prop::sample::select(MODIFIERS), 0..4),
        values in prop::collection::vec(sigma_value(), 0..4),
        event in json_event(),
    ) {
        let field = if keyword { "" } else { "f" };
        let spec = std::iter::once(field).chain(modifiers.iter().copied()).collect::<Vec<_>>().join("|");
        let mut options = CompileOptions::default();
        options.placeholders.insert("p".to_owned(), vec!["x*".to_owned(), String::new()]);
        if let Ok(compiled) = compile_with(&spec, values, &options) {
            let matched = compiled.matches(&event);
            let (exists, given) = lookup(&event, "f");
            prop_assert_eq!(compiled.matches_values(exists, &given, &event), matched);
            let _ = compiled.string_patterns();
            let _ = compiled.fields_referenced();
        }
    }

    #[test]
    fn a_plain_value_matches_itself_and_its_case_flipped_copy(text in "\\PC{0,16}") {
        let compiled = matcher("f", vec![Value::Str(escape(&text))]);
        let event = json!({"f": text});
        prop_assert!(compiled.matches(&event));
        let event = json!({"f": flip_ascii_case(&text)});
        prop_assert!(compiled.matches(&event));
        let event = json!({"f": [1, text]});
        prop_assert!(compiled.matches(&event));
    }

    #[test]
    fn a_plain_value_without_specials_matches_itself(text in "[^*?\\\\]{0,16}") {
        let compiled = matcher("f", vec![Value::Str(text.clone())]);
        let event = json!({"f": flip_ascii_case(&text)});
        prop_assert!(compiled.matches(&event));
        let contains = matcher("f|contains", vec![Value::Str(text.clone())]);
        let event = json!({"f": format!("<{text}>")});
        prop_assert!(contains.matches(&event));
    }

    #[test]
    fn an_integer_matches_itself_as_number_and_text(number in any::<i64>()) {
        let compiled = matcher("f", vec![Value::Int(number)]);
        let event = json!({"f": number});
        prop_assert!(compiled.matches(&event));
        let event = json!({"f": number.to_string()});
        prop_assert!(compiled.matches(&event));
        let event = json!({"f": number.wrapping_add(1)});
        prop_assert!(!compiled.matches(&event));
    }

    #[test]
    fn ascii_case_insensitive_contains_agrees_with_lowercasing(
        haystack in "[a-dA-D\\-]{0,40}",
        needle in "[a-dA-D]{0,4}",
    ) {
        let expected = haystack.to_ascii_lowercase().contains(&needle.to_ascii_lowercase());
        let found = crate::modifier::leaf::contains_ignore_ascii_case(
            haystack.as_bytes(),
            needle.as_bytes(),
        );
        prop_assert_eq!(found, expected);
    }
}
