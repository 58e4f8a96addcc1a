//! Detection rules: metadata, `logsource`, `detection` (shared with filters) and value typing.

use super::yaml::{Body, Node, Scalar};
use super::{reason, Reject};
use crate::ast::{Detection, DetectionItem, Level, LogSource, Meta, Rule, Search, Value};
use crate::condition::{self, ConditionErrorKind};

/// Builds a detection rule from a document root (a mapping).
pub(super) fn rule(root: &Node) -> Result<Rule, Reject> {
    let meta = meta(root)?;
    let logsource = logsource(root)?;
    let Some(detection_node) = root.get("detection") else {
        return Err(Reject::new(
            reason::MISSING_DETECTION,
            "rule has no `detection`",
        ));
    };
    let detection = detection(detection_node, "detection")?;
    let fields = string_list(root, "fields")?;
    Ok(Rule {
        meta,
        logsource,
        detection,
        fields,
    })
}

/// The metadata every document kind shares.
pub(super) fn meta(root: &Node) -> Result<Meta, Reject> {
    let title = match root.get("title") {
        None => None,
        Some(node) if node.is_null() => None,
        Some(node) => Some(text(node, "title")?),
    };
    let Some(title) = title.filter(|title| !title.trim().is_empty()) else {
        return Err(Reject::new(
            reason::MISSING_TITLE,
            "document has no `title`",
        ));
    };
    let level = match optional_text(root, "level")? {
        None => None,
        Some(level) => Some(Level::parse(&level.to_ascii_lowercase()).ok_or_else(|| {
            Reject::new(
                reason::INVALID_METADATA,
                format!(
                    "`level` must be informational, low, medium, high or critical, not `{level}`"
                ),
            )
        })?),
    };
    let status = match optional_text(root, "status")? {
        None => None,
        Some(status) => {
            let lower = status.to_ascii_lowercase();
            if !matches!(
                lower.as_str(),
                "stable" | "test" | "experimental" | "deprecated" | "unsupported"
            ) {
                return Err(Reject::new(
                    reason::INVALID_METADATA,
                    format!(
                        "`status` must be stable, test, experimental, deprecated or unsupported, \
                         not `{status}`"
                    ),
                ));
            }
            Some(lower)
        }
    };
    Ok(Meta {
        title,
        id: optional_text(root, "id")?,
        name: optional_text(root, "name")?,
        status,
        description: optional_text(root, "description")?,
        author: author(root)?,
        references: string_list(root, "references")?,
        date: optional_text(root, "date")?,
        modified: optional_text(root, "modified")?,
        tags: string_list(root, "tags")?,
        level,
        falsepositives: string_list(root, "falsepositives")?,
        license: optional_text(root, "license")?,
    })
}

/// `author`: a string, or a list of strings joined with `, `.
fn author(root: &Node) -> Result<Option<String>, Reject> {
    let Some(node) = root.get("author") else {
        return Ok(None);
    };
    if let Body::Seq(_) = node.body {
        let names = string_list(root, "author")?;
        return Ok(Some(names.join(", ")));
    }
    optional_text(root, "author")
}

/// `logsource`, mandatory for rules and filters.
pub(super) fn logsource(root: &Node) -> Result<LogSource, Reject> {
    let Some(node) = root.get("logsource") else {
        return Err(Reject::new(
            reason::MISSING_LOGSOURCE,
            "document has no `logsource`",
        ));
    };
    let Body::Map(_) = node.body else {
        return Err(Reject::new(
            reason::INVALID_LOGSOURCE,
            "`logsource` must be a mapping",
        ));
    };
    let field = |key: &str| {
        optional_text(node, key).map_err(|_| {
            Reject::new(
                reason::INVALID_LOGSOURCE,
                format!("`logsource.{key}` must be a string"),
            )
        })
    };
    Ok(LogSource {
        category: field("category")?,
        product: field("product")?,
        service: field("service")?,
        definition: field("definition")?,
    })
}

/// A `detection` mapping (or a filter's `filter` mapping, `section` names it in messages):
/// every key but `condition`, `timeframe` and those in `skip` is a search identifier.
pub(super) fn detection(node: &Node, section: &str) -> Result<Detection, Reject> {
    detection_skipping(node, section, &[])
}

/// Like [`detection`], ignoring the keys in `skip` (a filter's `rules`).
pub(super) fn detection_skipping(
    node: &Node,
    section: &str,
    skip: &[&str],
) -> Result<Detection, Reject> {
    let Body::Map(entries) = &node.body else {
        return Err(Reject::new(
            reason::INVALID_DETECTION,
            format!("`{section}` must be a mapping"),
        ));
    };
    let mut detection = Detection::default();
    let mut has_condition = false;
    for (key, value) in entries {
        match key.as_str() {
            "condition" => {
                has_condition = true;
                detection.conditions = conditions(value, section)?;
            }
            "timeframe" => {
                let Some(scalar) = value.scalar() else {
                    return Err(Reject::new(
                        reason::INVALID_DETECTION,
                        format!("`{section}.timeframe` must be a scalar"),
                    ));
                };
                detection.timeframe = Some(scalar.text.clone());
            }
            key if skip.contains(&key) => {}
            name => detection
                .searches
                .push((name.to_string(), search(name, value)?)),
        }
    }
    if !has_condition || detection.conditions.is_empty() {
        return Err(Reject::new(
            reason::MISSING_CONDITION,
            format!("`{section}` has no `condition`"),
        ));
    }
    if detection.searches.is_empty() {
        return Err(Reject::new(
            reason::INVALID_DETECTION,
            format!("`{section}` defines no search identifier"),
        ));
    }
    check_conditions(&detection)?;
    Ok(detection)
}

fn conditions(node: &Node, section: &str) -> Result<Vec<String>, Reject> {
    let invalid = || {
        Reject::new(
            reason::INVALID_CONDITION,
            format!("`{section}.condition` must be a string or a list of strings"),
        )
    };
    let texts = match &node.body {
        Body::Scalar(scalar) if !node.is_null() => vec![scalar.text.clone()],
        Body::Seq(items) => {
            let mut texts = Vec::with_capacity(items.len());
            for item in items {
                texts.push(item.scalar().ok_or_else(invalid)?.text.clone());
            }
            texts
        }
        _ => return Err(invalid()),
    };
    Ok(texts)
}

/// Parses every condition and resolves it against the searches, so a loaded rule always
/// compiles.
fn check_conditions(detection: &Detection) -> Result<(), Reject> {
    let identifiers: Vec<&str> = detection
        .searches
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    for text in &detection.conditions {
        let result =
            condition::parse(text).and_then(|cond| condition::resolve(&cond, &identifiers));
        if let Err(error) = result {
            let code = match error.kind {
                ConditionErrorKind::ObsoleteAggregation => reason::OBSOLETE_AGGREGATION,
                _ => reason::INVALID_CONDITION,
            };
            return Err(Reject::new(code, format!("condition `{text}`: {error}")));
        }
    }
    Ok(())
}

/// One search identifier: a map is one AND group; a list of maps several groups (OR); a
/// list of plain values (or one plain value) is a keyword group; maps and plain values mixed
/// in one list give one group per map plus one keyword group, as pySigma reads them.
fn search(name: &str, node: &Node) -> Result<Search, Reject> {
    let empty = || {
        Reject::new(
            reason::INVALID_DETECTION,
            format!("search identifier `{name}` is empty"),
        )
    };
    match &node.body {
        Body::Map(entries) => {
            if entries.is_empty() {
                return Err(empty());
            }
            Ok(Search {
                any_of: vec![group(name, entries)?],
            })
        }
        Body::Seq(items) => {
            if items.is_empty() {
                return Err(empty());
            }
            let mut any_of = Vec::new();
            let mut keywords: Option<(usize, Vec<Value>)> = None;
            for item in items {
                match &item.body {
                    Body::Map(entries) if !entries.is_empty() => any_of.push(group(name, entries)?),
                    Body::Map(_) => return Err(empty()),
                    Body::Scalar(scalar) => {
                        let value = value(scalar, name)?;
                        let (_, values) =
                            keywords.get_or_insert_with(|| (any_of.len(), Vec::new()));
                        values.push(value);
                    }
                    Body::Seq(_) => {
                        return Err(Reject::new(
                            reason::UNSUPPORTED_VALUE,
                            format!("search identifier `{name}` holds a list inside a list"),
                        ))
                    }
                }
            }
            if let Some((position, values)) = keywords {
                any_of.insert(position, vec![keyword_item(values)]);
            }
            Ok(Search { any_of })
        }
        Body::Scalar(scalar) => {
            if node.is_null() {
                return Err(empty());
            }
            Ok(Search {
                any_of: vec![vec![keyword_item(vec![value(scalar, name)?])]],
            })
        }
    }
}

fn keyword_item(values: Vec<Value>) -> DetectionItem {
    DetectionItem {
        field: None,
        modifiers: Vec::new(),
        values,
    }
}

/// One map of a search: an AND of its `field|mod…: value(s)` items.
fn group(name: &str, entries: &[(String, Node)]) -> Result<Vec<DetectionItem>, Reject> {
    let mut items = Vec::with_capacity(entries.len());
    for (key, node) in entries {
        let mut parts = key.split('|');
        let field = parts.next().unwrap_or_default();
        let modifiers: Vec<String> = parts.map(str::to_string).collect();
        if modifiers.iter().any(String::is_empty) {
            return Err(Reject::new(
                reason::INVALID_DETECTION,
                format!("search identifier `{name}`: key `{key}` has an empty modifier"),
            ));
        }
        let values = match &node.body {
            Body::Scalar(scalar) => vec![value(scalar, name)?],
            Body::Seq(list) => {
                if list.is_empty() {
                    return Err(Reject::new(
                        reason::INVALID_DETECTION,
                        format!("search identifier `{name}`: `{key}` has an empty value list"),
                    ));
                }
                let mut values = Vec::with_capacity(list.len());
                for item in list {
                    let Some(scalar) = item.scalar() else {
                        return Err(nested(name, key));
                    };
                    values.push(value(scalar, name)?);
                }
                values
            }
            Body::Map(_) => return Err(nested(name, key)),
        };
        items.push(DetectionItem {
            field: (!field.is_empty()).then(|| field.to_string()),
            modifiers,
            values,
        });
    }
    Ok(items)
}

fn nested(name: &str, key: &str) -> Reject {
    Reject::new(
        reason::UNSUPPORTED_VALUE,
        format!("search identifier `{name}`: `{key}` has a nested mapping or list as a value"),
    )
}

/// Types a detection value. Quoted and block scalars are strings. A plain scalar is a null
/// (`~`, `null`, `Null`, `NULL`, nothing) or a boolean (`true`/`false` in three casings) as in
/// YAML 1.2, and a number only when its text is the number's canonical rendering (`4624`,
/// `-1`, `1.5`, `0.25`): every other number-looking text (`00000429`, `0x10`, `0o17`, `+1`,
/// `1e5`, `.inf`, `1.50`) stays the string as written. A Sigma value is matched as text, and
/// YAML's reading would change what matches (`contains: 00000429` would become `contains:
/// 429`); with this rule every typed value prints back to its source text.
pub(super) fn value(scalar: &Scalar, name: &str) -> Result<Value, Reject> {
    if let Some(tag) = &scalar.tag {
        return tagged_value(scalar, tag, name);
    }
    if !scalar.plain {
        return Ok(Value::Str(scalar.text.clone()));
    }
    Ok(plain_value(&scalar.text))
}

fn plain_value(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Ok(integer) = text.parse::<i64>() {
        if integer.to_string() == text {
            return Value::Int(integer);
        }
    }
    if is_plain_decimal(text) {
        if let Ok(float) = text.parse::<f64>() {
            // `{:?}` is the shortest text that parses back to the same float.
            if float.is_finite() && format!("{float:?}") == text {
                return Value::Float(float);
            }
        }
    }
    Value::Str(text.to_string())
}

/// `-?(0|[1-9][0-9]*)\.[0-9]+`
fn is_plain_decimal(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let Some((whole, fraction)) = unsigned.split_once('.') else {
        return false;
    };
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit());
    digits(whole) && digits(fraction) && (whole == "0" || !whole.starts_with('0'))
}

fn tagged_value(scalar: &Scalar, tag: &str, name: &str) -> Result<Value, Reject> {
    let text = scalar.text.as_str();
    let typed = match tag {
        "tag:yaml.org,2002:str" => Some(Value::Str(text.to_string())),
        "tag:yaml.org,2002:null" => {
            matches!(text, "" | "~" | "null" | "Null" | "NULL").then_some(Value::Null)
        }
        "tag:yaml.org,2002:bool" => match text {
            "true" | "True" | "TRUE" => Some(Value::Bool(true)),
            "false" | "False" | "FALSE" => Some(Value::Bool(false)),
            _ => None,
        },
        "tag:yaml.org,2002:int" => text.parse::<i64>().ok().map(Value::Int),
        "tag:yaml.org,2002:float" => text
            .parse::<f64>()
            .ok()
            .filter(|float| float.is_finite())
            .map(Value::Float),
        _ => {
            return Err(Reject::new(
                reason::UNSUPPORTED_VALUE,
                format!("search identifier `{name}`: unsupported YAML tag `{tag}`"),
            ))
        }
    };
    typed.ok_or_else(|| {
        Reject::new(
            reason::UNSUPPORTED_VALUE,
            format!("search identifier `{name}`: `{text}` is not a valid `{tag}`"),
        )
    })
}

/// The text of a scalar field, whatever YAML type it would have (`date: 2024-01-01` and
/// `id: 1234` stay as written).
pub(super) fn text(node: &Node, key: &str) -> Result<String, Reject> {
    match node.scalar() {
        Some(scalar) => Ok(scalar.text.clone()),
        None => Err(Reject::new(
            reason::INVALID_METADATA,
            format!("`{key}` must be a string"),
        )),
    }
}

/// An optional scalar field; absent and null are `None`.
pub(super) fn optional_text(root: &Node, key: &str) -> Result<Option<String>, Reject> {
    match root.get(key) {
        None => Ok(None),
        Some(node) if node.is_null() => Ok(None),
        Some(node) => text(node, key).map(Some),
    }
}

/// A list of strings, or one string; absent and null are empty.
pub(super) fn string_list(root: &Node, key: &str) -> Result<Vec<String>, Reject> {
    let Some(node) = root.get(key) else {
        return Ok(Vec::new());
    };
    if node.is_null() {
        return Ok(Vec::new());
    }
    match &node.body {
        Body::Scalar(scalar) => Ok(vec![scalar.text.clone()]),
        Body::Seq(items) => items.iter().map(|item| text(item, key)).collect(),
        Body::Map(_) => Err(Reject::new(
            reason::INVALID_METADATA,
            format!("`{key}` must be a list of strings"),
        )),
    }
}
