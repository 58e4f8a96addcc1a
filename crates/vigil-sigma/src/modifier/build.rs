//! Compilation: each value runs through the modifier chain, left to right, and ends as leaves.

use ipnet::IpNet;
use regex::RegexBuilder;

use super::chain::{self, Chain, Op, ReFlag};
use super::encode::{self, Encoded};
use super::leaf::{string_leaves, Cmp, Leaf, Num};
use super::matcher::{AnyOf, FieldRef, ItemMatcher, Kind, Values};
use super::pattern::{self, Pattern};
use super::time::TimePart;
use super::{reason, CompileOptions, ModifierError, StringPatternKind, MAX_ALTERNATIVES};
use crate::ast::{DetectionItem, Value};

/// What a value has become so far.
enum Stage {
    /// A YAML string, not yet parsed as a Sigma string.
    Raw(String),
    /// A YAML number.
    Num(Num),
    /// A YAML boolean.
    Bool(bool),
    /// Sigma string patterns (alternatives).
    Text(Vec<Pattern>),
    /// UTF-16 encoded values (alternatives).
    Encoded(Vec<Encoded>),
    /// `re` and its flags.
    Regex { source: String, flags: Vec<ReFlag> },
    /// `cidr`.
    Cidr(IpNet),
    /// `gt`…
    Compare { op: Cmp, number: Num },
    /// A time part with its comparison.
    Time {
        part: TimePart,
        op: Cmp,
        number: Num,
    },
}

fn invalid_combination(detail: impl Into<String>) -> ModifierError {
    ModifierError::new(reason::INVALID_COMBINATION, detail)
}

fn invalid_value(detail: impl Into<String>) -> ModifierError {
    ModifierError::new(reason::INVALID_VALUE, detail)
}

/// See [`super::compile_item`].
pub(super) fn compile(
    item: &DetectionItem,
    options: &CompileOptions,
) -> Result<ItemMatcher, ModifierError> {
    let field = item
        .field
        .as_deref()
        .filter(|field| !field.is_empty())
        .map(str::to_owned);
    let keyword = field.is_none();
    let chain = chain::parse(&item.modifiers, keyword)?;
    let matcher = |kind| ItemMatcher {
        field: field.clone(),
        negated: chain.neq,
        kind,
    };

    if let Some(kind) = null_kind(item, &chain, keyword)? {
        return Ok(matcher(kind));
    }
    if chain.exists {
        return match item.values.as_slice() {
            [Value::Bool(wanted)] => Ok(matcher(Kind::Exists(*wanted))),
            _ => Err(invalid_value("`exists` takes one value, `true` or `false`")),
        };
    }
    if chain.fieldref {
        let refs = item
            .values
            .iter()
            .map(|value| field_ref(value, &chain))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(matcher(Kind::FieldRef {
            all: chain.all,
            refs,
        }));
    }

    let mut per_value = Vec::with_capacity(item.values.len());
    for value in &item.values {
        per_value.push(compile_value(value, &chain, options, keyword)?);
    }
    let values = if chain.all {
        Values::All(per_value)
    } else {
        Values::Any(AnyOf::new(per_value.into_iter().flatten().collect()))
    };
    Ok(matcher(Kind::Values(values)))
}

/// `null` values: an empty list (as pySigma) or a single `null`, with only `neq`.
fn null_kind(
    item: &DetectionItem,
    chain: &Chain,
    keyword: bool,
) -> Result<Option<Kind>, ModifierError> {
    let has_null = item.values.contains(&Value::Null);
    if !has_null && !item.values.is_empty() {
        return Ok(None);
    }
    if keyword {
        return Err(invalid_value(
            "a keyword item needs values; `null` must be bound to a field",
        ));
    }
    if item.values.len() > 1 {
        return Err(ModifierError::new(
            reason::NULL_IN_LIST,
            "`null` must be the only value of its item (use a separate selection)",
        ));
    }
    if chain.exists {
        return Err(invalid_value(
            "`exists` takes `true` or `false`, not `null`",
        ));
    }
    let only_neq = chain.ops.is_empty() && !chain.all && !chain.cased && !chain.fieldref;
    if has_null && !only_neq {
        return Err(invalid_combination("`null` takes no modifier but `neq`"));
    }
    Ok(Some(Kind::Null))
}

fn field_ref(value: &Value, chain: &Chain) -> Result<FieldRef, ModifierError> {
    let Value::Str(raw) = value else {
        return Err(invalid_value("`fieldref` takes field names"));
    };
    let Some(other) = pattern::as_literal(&pattern::parse(raw)) else {
        return Err(invalid_value(format!(
            "`fieldref` field name `{raw}` must not contain wildcards"
        )));
    };
    let kind = match chain.shape() {
        Some(Op::Contains) => StringPatternKind::Contains,
        Some(Op::StartsWith) => StringPatternKind::Prefix,
        Some(Op::EndsWith) => StringPatternKind::Suffix,
        _ => StringPatternKind::Exact,
    };
    Ok(FieldRef {
        other,
        kind,
        cased: chain.cased,
    })
}

fn compile_value(
    value: &Value,
    chain: &Chain,
    options: &CompileOptions,
    keyword: bool,
) -> Result<Vec<Leaf>, ModifierError> {
    let mut stage = match value {
        Value::Str(text) => Stage::Raw(text.clone()),
        Value::Int(int) => Stage::Num(Num::Int(*int)),
        Value::Float(float) => Stage::Num(Num::Float(*float)),
        Value::Bool(flag) => Stage::Bool(*flag),
        Value::Null => return Err(invalid_value("`null` cannot be modified")),
    };
    for op in &chain.ops {
        stage = apply(stage, *op, options)?;
        let alternatives = match &stage {
            Stage::Text(patterns) => patterns.len(),
            Stage::Encoded(values) => values.len(),
            _ => 1,
        };
        if alternatives > MAX_ALTERNATIVES {
            return Err(ModifierError::new(
                reason::TOO_MANY_VARIANTS,
                format!("the value makes more than {MAX_ALTERNATIVES} alternatives"),
            ));
        }
    }
    finish(stage, chain, keyword)
}

fn apply(stage: Stage, op: Op, options: &CompileOptions) -> Result<Stage, ModifierError> {
    match op {
        Op::Contains | Op::StartsWith | Op::EndsWith => {
            let any_start = matches!(op, Op::Contains | Op::EndsWith);
            let any_end = matches!(op, Op::Contains | Op::StartsWith);
            if let Stage::Encoded(mut values) = stage {
                for value in &mut values {
                    value.anchor(any_start, any_end);
                }
                return Ok(Stage::Encoded(values));
            }
            let mut patterns = into_text(stage)?;
            for pattern in &mut patterns {
                pattern::anchor(pattern, any_start, any_end);
            }
            Ok(Stage::Text(patterns))
        }
        Op::Windash => {
            if matches!(stage, Stage::Encoded(_)) {
                return Err(invalid_combination(
                    "`windash` must come before a utf-16 encoding",
                ));
            }
            let patterns = into_text(stage)?;
            Ok(Stage::Text(
                patterns.iter().map(|p| pattern::windash(p)).collect(),
            ))
        }
        Op::Expand => {
            if matches!(stage, Stage::Encoded(_)) {
                return Err(invalid_combination(
                    "`expand` must come before a utf-16 encoding",
                ));
            }
            let mut expanded = Vec::new();
            for pattern in into_text(stage)? {
                expanded.extend(pattern::expand_placeholders(
                    &pattern,
                    &options.placeholders,
                )?);
            }
            Ok(Stage::Text(expanded))
        }
        Op::Encode(flavour) => {
            if matches!(stage, Stage::Encoded(_)) {
                return Err(invalid_combination("a value can be utf-16 encoded once"));
            }
            let mut encoded = Vec::new();
            for pattern in into_text(stage)? {
                for variant in pattern::expand_dashes(&pattern)? {
                    encoded.push(encode::utf16(&variant, flavour));
                }
            }
            Ok(Stage::Encoded(encoded))
        }
        Op::Base64 | Op::Base64Offset => {
            let mut texts = Vec::new();
            for bytes in plain_bytes(stage)? {
                if op == Op::Base64 {
                    texts.push(pattern::literal(&encode::base64(&bytes)));
                } else {
                    texts.extend(encode::base64_offsets(&bytes).map(|t| pattern::literal(&t)));
                }
            }
            Ok(Stage::Text(texts))
        }
        Op::Re => match stage {
            Stage::Raw(source) => Ok(Stage::Regex {
                source,
                flags: Vec::new(),
            }),
            Stage::Num(number) => Ok(Stage::Regex {
                source: number.text(),
                flags: Vec::new(),
            }),
            _ => Err(invalid_value("`re` takes a string")),
        },
        Op::Flag(flag) => match stage {
            Stage::Regex { source, mut flags } => {
                flags.push(flag);
                Ok(Stage::Regex { source, flags })
            }
            _ => Err(invalid_combination("`i`, `m`, `s` must follow `re`")),
        },
        Op::Cidr => match stage {
            Stage::Raw(text) => parse_cidr(&text).map(Stage::Cidr),
            _ => Err(ModifierError::new(
                reason::INVALID_CIDR,
                "`cidr` takes a network such as `10.0.0.0/8`",
            )),
        },
        Op::Compare(cmp) => match stage {
            Stage::Time {
                part,
                op: Cmp::Eq,
                number,
            } => Ok(Stage::Time {
                part,
                op: cmp,
                number,
            }),
            other => Ok(Stage::Compare {
                op: cmp,
                number: number_of(other)?,
            }),
        },
        Op::Time(part) => match stage {
            Stage::Compare { op, number } => Ok(Stage::Time { part, op, number }),
            other => Ok(Stage::Time {
                part,
                op: Cmp::Eq,
                number: number_of(other)?,
            }),
        },
    }
}

/// The number of a numeric modifier's value: a YAML number or numeric text.
fn number_of(stage: Stage) -> Result<Num, ModifierError> {
    match stage {
        Stage::Num(number) => Ok(number),
        Stage::Raw(text) => Num::parse(&text).ok_or_else(|| {
            ModifierError::new(reason::INVALID_NUMBER, format!("`{text}` is not a number"))
        }),
        _ => Err(ModifierError::new(
            reason::INVALID_NUMBER,
            "numeric and time-part modifiers take a number",
        )),
    }
}

/// A string value as patterns; numbers and booleans as their text.
fn into_text(stage: Stage) -> Result<Vec<Pattern>, ModifierError> {
    match stage {
        Stage::Raw(text) => Ok(vec![pattern::parse(&text)]),
        Stage::Num(number) => Ok(vec![pattern::literal(&number.text())]),
        Stage::Bool(flag) => Ok(vec![pattern::literal(if flag { "true" } else { "false" })]),
        Stage::Text(patterns) => Ok(patterns),
        Stage::Encoded(values) => values.iter().map(Encoded::to_pattern).collect(),
        Stage::Regex { .. } | Stage::Cidr(_) | Stage::Compare { .. } | Stage::Time { .. } => Err(
            invalid_combination("string modifiers cannot follow `re`, `cidr` or numeric modifiers"),
        ),
    }
}

/// The bytes base64 encodes: UTF-8 text (dash variants spelled out) or UTF-16 bytes.
fn plain_bytes(stage: Stage) -> Result<Vec<Vec<u8>>, ModifierError> {
    let wildcard = || invalid_value("base64 of a value with wildcards (`*`, `?`) is not allowed");
    if let Stage::Encoded(values) = stage {
        return values
            .iter()
            .map(|value| value.bytes().ok_or_else(wildcard))
            .collect();
    }
    let mut out = Vec::new();
    for pattern in into_text(stage)? {
        if pattern::has_wildcards(&pattern) {
            return Err(wildcard());
        }
        for variant in pattern::expand_dashes(&pattern)? {
            let text = pattern::as_literal(&variant).ok_or_else(wildcard)?;
            out.push(text.into_bytes());
        }
    }
    Ok(out)
}

fn parse_cidr(text: &str) -> Result<IpNet, ModifierError> {
    if let Ok(network) = text.parse::<IpNet>() {
        return Ok(network.trunc());
    }
    if let Ok(address) = text.parse::<std::net::IpAddr>() {
        return Ok(IpNet::from(address));
    }
    Err(ModifierError::new(
        reason::INVALID_CIDR,
        format!("`{text}` is not an ipv4 or ipv6 network or address"),
    ))
}

/// The leaves a finished value makes.
fn finish(stage: Stage, chain: &Chain, keyword: bool) -> Result<Vec<Leaf>, ModifierError> {
    match stage {
        Stage::Regex { source, flags } => {
            let regex = RegexBuilder::new(&source)
                .case_insensitive(flags.contains(&ReFlag::IgnoreCase))
                .multi_line(flags.contains(&ReFlag::MultiLine))
                .dot_matches_new_line(flags.contains(&ReFlag::DotAll))
                .build()
                .map_err(|error| {
                    let error = error.to_string().replace('\n', " ");
                    ModifierError::new(
                        reason::INVALID_REGEX,
                        format!("`{source}` does not compile: {error}"),
                    )
                })?;
            Ok(vec![Leaf::Regex(regex)])
        }
        Stage::Cidr(network) => Ok(vec![Leaf::Cidr(network)]),
        Stage::Compare { op, number } => Ok(vec![Leaf::Compare { op, number }]),
        Stage::Time { part, op, number } => Ok(vec![Leaf::Time { part, op, number }]),
        other => {
            let mut patterns = into_text(other)?;
            if keyword && chain.shape().is_none() {
                for pattern in &mut patterns {
                    pattern::anchor(pattern, true, true);
                }
            }
            let mut leaves = Vec::with_capacity(patterns.len());
            for pattern in &patterns {
                string_leaves(pattern, chain.cased, &mut leaves)?;
            }
            Ok(leaves)
        }
    }
}
