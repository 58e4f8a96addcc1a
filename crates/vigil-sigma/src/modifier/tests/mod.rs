//! Tests of compiled items: one `check` helper, one test per modifier and per decision.

use serde_json::Value as Json;

use super::{compile_item, CompileOptions, ItemMatcher};
use crate::ast::{DetectionItem, Value};

mod encoding;
mod keywords;
mod modifiers;
mod numbers;
mod patterns;
mod props;
mod strings;

/// A detection item from `field|mod|mod` (an empty field is a keyword item).
fn item(spec: &str, values: Vec<Value>) -> DetectionItem {
    let mut parts = spec.split('|');
    let field = parts.next().filter(|f| !f.is_empty()).map(str::to_owned);
    DetectionItem {
        field,
        modifiers: parts.map(str::to_owned).collect(),
        values,
    }
}

fn compile_with(
    spec: &str,
    values: Vec<Value>,
    options: &CompileOptions,
) -> Result<ItemMatcher, &'static str> {
    compile_item(&item(spec, values), options).map_err(|error| error.reason)
}

/// Compiles, panicking with the error (tests only).
fn matcher(spec: &str, values: Vec<Value>) -> ItemMatcher {
    match compile_item(&item(spec, values), &CompileOptions::default()) {
        Ok(matcher) => matcher,
        Err(error) => panic!("`{spec}` does not compile: {error}"),
    }
}

/// Whether `spec: values` matches `event`.
fn check(spec: &str, values: Vec<Value>, event: Json) -> bool {
    matcher(spec, values).matches(&event)
}

/// The reason `spec: values` is rejected.
fn error(spec: &str, values: Vec<Value>) -> &'static str {
    match compile_with(spec, values, &CompileOptions::default()) {
        Ok(_) => panic!("`{spec}` compiled"),
        Err(reason) => reason,
    }
}

fn s(text: &str) -> Value {
    Value::Str(text.to_owned())
}

fn strs(texts: &[&str]) -> Vec<Value> {
    texts.iter().map(|t| s(t)).collect()
}
