use std::borrow::Cow;

use bytes::Bytes;
use proptest::prelude::*;
use serde_json::json;
use serde_json::value::RawValue;

use super::*;

lenient_struct! {
    /// A host.
    struct Host<'a> {
        address: Scalar<'a> = "address",
    }
}

lenient_struct! {
    /// A test shape with every kind of field.
    struct Shape<'a> {
        name: Scalar<'a> = "name",
        code: Scalar<'a> = "code",
        host: Host<'a> = "host",
        tags: List<Scalar<'a>> = "tags",
        data: Option<&'a RawValue> = "data",
        ..rest
    }
}

fn shape(text: &str) -> Shape<'_> {
    parse_text(text).unwrap()
}

#[test]
fn strings_borrow_and_numbers_read_both_ways() {
    let s = shape(r#"{"name":"a","code":"200","host":{"address":"10.0.0.1"}}"#);
    assert!(matches!(s.name, Scalar::Str(Cow::Borrowed("a"))));
    assert_eq!(s.code.u64(), Some(200));
    assert_eq!(s.code.text().as_deref(), Some("200"));
    assert_eq!(s.host.address.str(), Some("10.0.0.1"));
    let s = shape(r#"{"name":12,"code":200}"#);
    assert_eq!(s.name.text().as_deref(), Some("12"));
    assert_eq!(s.name.str(), None);
    assert_eq!(s.code.i64(), Some(200));
}

#[test]
fn escaped_strings_and_keys_are_owned_but_read() {
    let s = shape(r#"{"na\u006de":"a\"b","x\ty":1}"#);
    assert_eq!(s.name.str(), Some("a\"b"));
    assert_eq!(s.rest.len(), 1);
    assert_eq!(s.rest[0].0.as_str(), "x\ty");
}

#[test]
fn wrong_shapes_become_defaults_not_errors() {
    let s = shape(r#"{"name":{"a":[1,2]},"host":"nope","tags":"x","data":null}"#);
    assert_eq!(s.name, Scalar::Other);
    assert!(s.host.address.is_null());
    assert!(s.tags.0.is_empty());
    assert!(s.data.is_none());
    let s = shape(r#"{"host":[{"address":"1"}],"tags":{"k":1}}"#);
    assert!(s.host.address.is_null());
    assert_eq!(s.tags.0, vec![Scalar::Other]);
}

#[test]
fn duplicate_keys_keep_the_last_value() {
    let s = shape(r#"{"name":"a","name":"b"}"#);
    assert_eq!(s.name.str(), Some("b"));
}

#[test]
fn unknown_keys_are_collected_raw_in_order() {
    let s = shape(r#"{"z":{"deep":[1]},"name":"n","a":"x"}"#);
    let keys: Vec<_> = s.rest.iter().map(|(k, v)| (k.as_str(), v.get())).collect();
    assert_eq!(keys, vec![("z", r#"{"deep":[1]}"#), ("a", r#""x""#)]);
}

#[test]
fn invalid_utf8_is_rejected_with_its_position() {
    let err = record_text(b"{\"a\":\n \"\xff\"}").unwrap_err();
    assert_eq!(err.reason, "invalid_utf8");
    assert_eq!(err.detail, "invalid utf-8 at line 2 column 3 (byte 8)");
    assert_eq!(record_text(b"\xEF\xBB\xBF{}").unwrap(), "{}");
}

#[test]
fn invalid_json_carries_serdes_line_and_column() {
    let err = parse_text::<Shape>("{\"name\":\n  tru}").unwrap_err();
    assert_eq!(err.reason, "invalid_json");
    assert!(err.detail.contains("line 2 column"), "{}", err.detail);
    let err = parse_text::<Shape>("").unwrap_err();
    assert_eq!(err.reason, "invalid_json");
    let err = parse_text::<Shape>("{\"name\":1} x").unwrap_err();
    assert_eq!(err.reason, "invalid_json");
    assert!(err.detail.contains("trailing characters"), "{}", err.detail);
}

#[test]
fn non_objects_are_named() {
    for (text, found) in [
        ("[1]", "an array"),
        ("\"s\"", "a string"),
        (" 12", "a number"),
        ("null", "null"),
        ("true", "a boolean"),
    ] {
        let err = parse_text::<Shape>(text).unwrap_err();
        assert_eq!(err.reason, "not_an_object", "{text}");
        assert!(err.detail.ends_with(found), "{text}: {}", err.detail);
    }
    assert_eq!(
        parse_text::<Shape>("[1").unwrap_err().reason,
        "invalid_json"
    );
}

#[test]
fn scalar_conversions() {
    assert_eq!(Scalar::Str("true".into()).bool(), Some(true));
    assert_eq!(Scalar::Str("FALSE".into()).bool(), Some(false));
    assert_eq!(Scalar::UInt(1).bool(), Some(true));
    assert_eq!(Scalar::Str("x".into()).bool(), None);
    assert_eq!(Scalar::Float(200.0).i64(), Some(200));
    assert_eq!(Scalar::Float(2.5).i64(), None);
    assert_eq!(Scalar::Str(" 42 ".into()).u64(), Some(42));
    assert_eq!(Scalar::Str("-1".into()).u64(), None);
    assert_eq!(Scalar::Str("4.55".into()).f64(), Some(4.55));
    assert_eq!(Scalar::Float(4.55).text().as_deref(), Some("4.55"));
    assert_eq!(Scalar::Str(String::new().into()).text(), None);
    assert_eq!(Scalar::Str("  ".into()).trimmed(), None);
    assert_eq!(Scalar::Str(" a ".into()).trimmed(), Some("a"));
    assert_eq!(Scalar::UInt(7).to_value(), json!(7));
}

#[test]
fn scalar_times_in_every_shape() {
    const MS: i64 = 1_653_974_623_000; // 2022-05-31T05:23:43Z
    for s in [
        Scalar::UInt(1_653_974_623),
        Scalar::UInt(1_653_974_623_000),
        Scalar::UInt(1_653_974_623_000_000_000),
        Scalar::Float(1_653_974_623.0),
        Scalar::Str("1653974623".into()),
        Scalar::Str("1653974623000000000".into()),
        Scalar::Str("2022-05-31T05:23:43Z".into()),
        Scalar::Str("2022-05-31 05:23:43".into()),
        Scalar::Str("2022-05-31T05:23:43+00:00".into()),
    ] {
        assert_eq!(s.time_ms(), Some(MS), "{s:?}");
    }
    assert_eq!(Scalar::Float(1_653_974_623.25).time_ms(), Some(MS + 250));
    assert_eq!(Scalar::Str("yesterday".into()).time_ms(), None);
    assert_eq!(Scalar::Bool(true).time_ms(), None);
}

#[test]
fn subslice_is_zero_copy_inside_and_a_copy_outside() {
    let whole = Bytes::from_static(b"{\"Records\":[{\"a\":1}]}");
    let text = std::str::from_utf8(&whole).unwrap();
    let part = &text[12..19];
    let slice = subslice(&whole, part);
    assert_eq!(&slice[..], b"{\"a\":1}");
    assert_eq!(slice.as_ptr(), whole[12..].as_ptr());
    assert_eq!(&subslice(&whole, "elsewhere")[..], b"elsewhere");
}

#[test]
fn insert_path_builds_nested_objects() {
    let mut map = serde_json::Map::new();
    insert_path(&mut map, &["a", "b", "c"], json!(1));
    insert_path(&mut map, &["a", "d"], json!(2));
    insert_path(&mut map, &["a", "b", "c", "e"], json!(3));
    insert_path(&mut map, &[], json!(4));
    assert_eq!(
        serde_json::Value::Object(map),
        json!({"a": {"b": {"c": {"e": 3}}, "d": 2}})
    );
}

proptest! {
    #[test]
    fn lenient_parsing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse::<Shape>(&bytes);
    }

    #[test]
    fn any_json_object_parses(value in arb_json(3)) {
        let text = json!({ "name": value.clone(), "code": value.clone(), "host": value.clone(),
            "tags": value.clone(), "data": value.clone(), "other": value }).to_string();
        prop_assert!(parse_text::<Shape>(&text).is_ok());
    }
}

/// Arbitrary JSON values, `depth` levels deep.
pub(crate) fn arb_json(depth: u32) -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        ".{0,12}".prop_map(serde_json::Value::String),
        "[0-9]{1,20}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(depth, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            proptest::collection::btree_map("[a-zA-Z@_.]{1,10}", inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}
