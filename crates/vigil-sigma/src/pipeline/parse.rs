//! The YAML form of a [`Pipeline`]: strict (unknown keys are errors), with messages that name
//! the pipeline and the place.

use std::collections::BTreeMap;

use vigil_model::SourceType;
use yaml_rust2::{Yaml, YamlLoader};

use super::{Action, Pipeline, Route, Transformation};
use crate::ast::{DetectionItem, LogSource, Value};

/// A pipeline that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("pipeline `{pipeline}`: {message}")]
pub struct PipelineError {
    /// The pipeline's name, or its file, or `?` when neither is known yet.
    pub pipeline: String,
    /// What is wrong, and where.
    pub message: String,
}

impl PipelineError {
    fn new(pipeline: &str, message: impl Into<String>) -> PipelineError {
        PipelineError {
            pipeline: pipeline.to_owned(),
            message: message.into(),
        }
    }

    /// Names the file the pipeline came from.
    pub fn in_file(mut self, file: &str) -> PipelineError {
        self.pipeline = format!("{} ({file})", self.pipeline);
        self
    }
}

const PIPELINE_KEYS: [&str; 5] = [
    "name",
    "priority",
    "description",
    "logsources",
    "transformations",
];
const LOGSOURCE_KEYS: [&str; 4] = ["category", "product", "service", "source_types"];
const TRANSFORMATION_KEYS: [&str; 6] = [
    "id",
    "type",
    "mapping",
    "conditions",
    "rule_conditions",
    "rule_cond_op",
];

/// Parses one pipeline document.
pub(super) fn pipeline(text: &str) -> Result<Pipeline, PipelineError> {
    let docs = YamlLoader::load_from_str(text)
        .map_err(|error| PipelineError::new("?", format!("invalid yaml: {error}")))?;
    let [doc] = docs.as_slice() else {
        let message = format!("expected one yaml document, found {}", docs.len());
        return Err(PipelineError::new("?", message));
    };
    let Yaml::Hash(map) = doc else {
        return Err(PipelineError::new(
            "?",
            "expected a mapping at the top level",
        ));
    };
    let name = match map.get(&key("name")) {
        Some(Yaml::String(name)) if !name.is_empty() => name.clone(),
        _ => return Err(PipelineError::new("?", "`name` is required (a string)")),
    };
    let fail = |message: String| PipelineError::new(&name, message);
    check_keys(doc, &PIPELINE_KEYS, "the pipeline").map_err(fail)?;
    let priority = match &doc["priority"] {
        Yaml::BadValue => 0,
        Yaml::Integer(n) => *n,
        _ => return Err(fail("`priority` must be an integer".to_owned())),
    };
    let description = match &doc["description"] {
        Yaml::BadValue => None,
        Yaml::String(text) => Some(text.clone()),
        _ => return Err(fail("`description` must be a string".to_owned())),
    };
    let routes = list(&doc["logsources"], "logsources")
        .map_err(fail)?
        .iter()
        .enumerate()
        .map(|(i, entry)| route(entry).map_err(|e| fail(format!("logsources[{i}]: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let transformations = list(&doc["transformations"], "transformations")
        .map_err(fail)?
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            transformation(entry).map_err(|e| fail(format!("transformations[{i}]: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Pipeline {
        name,
        priority,
        description,
        routes,
        transformations,
    })
}

fn key(name: &str) -> Yaml {
    Yaml::String(name.to_owned())
}

/// An optional list: absent is empty.
fn list<'y>(yaml: &'y Yaml, what: &str) -> Result<&'y [Yaml], String> {
    match yaml {
        Yaml::BadValue | Yaml::Null => Ok(&[]),
        Yaml::Array(items) => Ok(items),
        _ => Err(format!("`{what}` must be a list")),
    }
}

fn check_keys(yaml: &Yaml, allowed: &[&str], what: &str) -> Result<(), String> {
    let Yaml::Hash(map) = yaml else {
        return Err(format!("{what} must be a mapping"));
    };
    for k in map.keys() {
        let name = k.as_str().unwrap_or_default();
        if !allowed.contains(&name) {
            return Err(format!(
                "unknown key `{}` in {what} (known: {})",
                scalar_text(k).unwrap_or_else(|| "?".to_owned()),
                allowed.join(", ")
            ));
        }
    }
    Ok(())
}

fn opt_string(yaml: &Yaml, what: &str) -> Result<Option<String>, String> {
    match yaml {
        Yaml::BadValue | Yaml::Null => Ok(None),
        Yaml::String(text) => Ok(Some(text.clone())),
        _ => Err(format!("`{what}` must be a string")),
    }
}

fn logsource(yaml: &Yaml) -> Result<LogSource, String> {
    Ok(LogSource {
        category: opt_string(&yaml["category"], "category")?,
        product: opt_string(&yaml["product"], "product")?,
        service: opt_string(&yaml["service"], "service")?,
        definition: None,
    })
}

fn route(yaml: &Yaml) -> Result<Route, String> {
    check_keys(yaml, &LOGSOURCE_KEYS, "a logsources entry")?;
    let logsource = logsource(yaml)?;
    if logsource.category.is_none() && logsource.product.is_none() && logsource.service.is_none() {
        return Err("an entry needs `category`, `product` or `service`".to_owned());
    }
    let source_types = match &yaml["source_types"] {
        Yaml::String(name) => vec![source_type(name)?],
        Yaml::Array(names) => names
            .iter()
            .map(|name| match name {
                Yaml::String(name) => source_type(name),
                _ => Err("`source_types` must list source type names".to_owned()),
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err("`source_types` is required (a name or a list of names)".to_owned()),
    };
    if source_types.is_empty() {
        return Err("`source_types` is empty".to_owned());
    }
    Ok(Route {
        logsource,
        source_types,
    })
}

fn source_type(name: &str) -> Result<SourceType, String> {
    name.parse::<SourceType>()
        .map_err(|error| error.to_string())
}

fn transformation(yaml: &Yaml) -> Result<Transformation, String> {
    check_keys(yaml, &TRANSFORMATION_KEYS, "a transformation")?;
    let id = opt_string(&yaml["id"], "id")?;
    let action = match yaml["type"].as_str() {
        Some("field_name_mapping") => {
            if !matches!(yaml["conditions"], Yaml::BadValue) {
                return Err("`conditions` belongs to `add_condition`".to_owned());
            }
            Action::FieldNameMapping(mapping(&yaml["mapping"])?)
        }
        Some("add_condition") => {
            if !matches!(yaml["mapping"], Yaml::BadValue) {
                return Err("`mapping` belongs to `field_name_mapping`".to_owned());
            }
            Action::AddCondition(conditions(&yaml["conditions"])?)
        }
        Some(other) => {
            return Err(format!(
                "unsupported transformation type `{other}` (supported: field_name_mapping, \
                 add_condition)"
            ))
        }
        None => return Err("`type` is required".to_owned()),
    };
    let mut rule_conditions = Vec::new();
    for (i, condition) in list(&yaml["rule_conditions"], "rule_conditions")?
        .iter()
        .enumerate()
    {
        check_keys(
            condition,
            &["type", "category", "product", "service"],
            "a rule condition",
        )?;
        match condition["type"].as_str() {
            Some("logsource") => rule_conditions.push(logsource(condition)?),
            _ => {
                return Err(format!(
                    "rule_conditions[{i}]: only `type: logsource` conditions are supported"
                ))
            }
        }
    }
    let any_condition = match yaml["rule_cond_op"].as_str() {
        None if matches!(yaml["rule_cond_op"], Yaml::BadValue) => false,
        Some("and") => false,
        Some("or") => true,
        _ => return Err("`rule_cond_op` must be `and` or `or`".to_owned()),
    };
    Ok(Transformation {
        id,
        action,
        rule_conditions,
        any_condition,
    })
}

fn mapping(yaml: &Yaml) -> Result<BTreeMap<String, Vec<String>>, String> {
    let Yaml::Hash(map) = yaml else {
        return Err("`mapping` is required (sigma field: event field or list)".to_owned());
    };
    let mut out = BTreeMap::new();
    for (from, to) in map {
        let Some(from) = from.as_str() else {
            return Err("`mapping` keys must be field names".to_owned());
        };
        let targets = match to {
            Yaml::String(name) => vec![name.clone()],
            Yaml::Array(names) => names
                .iter()
                .map(|name| name.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| format!("`mapping.{from}` must list field names"))?,
            _ => return Err(format!("`mapping.{from}` must be a field name or a list")),
        };
        if targets.is_empty() || targets.iter().any(String::is_empty) {
            return Err(format!("`mapping.{from}` maps to no field"));
        }
        out.insert(from.to_owned(), targets);
    }
    Ok(out)
}

fn conditions(yaml: &Yaml) -> Result<Vec<DetectionItem>, String> {
    let Yaml::Hash(map) = yaml else {
        return Err("`conditions` is required (field: value or list)".to_owned());
    };
    let mut out = Vec::new();
    for (k, v) in map {
        let Some(k) = k.as_str() else {
            return Err("`conditions` keys must be field names".to_owned());
        };
        let mut parts = k.split('|');
        let field = parts.next().unwrap_or_default().to_owned();
        if field.is_empty() {
            return Err("`conditions` keys must name a field".to_owned());
        }
        let modifiers = parts.map(str::to_owned).collect();
        let values = match v {
            Yaml::Array(items) => items.iter().map(value).collect::<Result<Vec<_>, _>>()?,
            single => vec![value(single)?],
        };
        out.push(DetectionItem {
            field: Some(field),
            modifiers,
            values,
        });
    }
    Ok(out)
}

fn value(yaml: &Yaml) -> Result<Value, String> {
    Ok(match yaml {
        Yaml::String(text) => Value::Str(text.clone()),
        Yaml::Integer(n) => Value::Int(*n),
        Yaml::Real(text) => Value::Float(
            text.parse()
                .map_err(|_| format!("`{text}` is not a number"))?,
        ),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Null => Value::Null,
        _ => return Err("condition values must be scalars".to_owned()),
    })
}

fn scalar_text(yaml: &Yaml) -> Option<String> {
    match yaml {
        Yaml::String(text) | Yaml::Real(text) => Some(text.clone()),
        Yaml::Integer(n) => Some(n.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}
