//! Field names → where to read them and what kind of value they hold, in the two places a
//! name can be used: on events (the catalogue, or a dotted OCSF path) and on the result
//! columns of a pipe (`stats … by`, `table`, …).

use crate::ast::Span;
use crate::error::ParseError;
use crate::fields::{self, FieldKind, CATALOGUE};

/// How values of a field are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A catalogue kind.
    Known(FieldKind),
    /// A dotted path outside the catalogue, or a computed column: numbers compare as
    /// numbers, everything else as ASCII-case-insensitive strings.
    Dynamic,
}

impl Kind {
    /// What values of this kind are, for messages (`holds integers`).
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Known(FieldKind::Keyword) | Kind::Dynamic => "keywords",
            Kind::Known(FieldKind::Text) => "text",
            Kind::Known(FieldKind::Ip) => "ip addresses",
            Kind::Known(FieldKind::Int) => "integers",
            Kind::Known(FieldKind::Time) => "times",
        }
    }
}

/// Where a field's values are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Location {
    /// A catalogue entry's OCSF paths.
    Paths(&'static [&'static str]),
    /// One dotted path typed by the analyst.
    Path(String),
    /// A result column.
    Column(String),
}

/// A resolved field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Access {
    /// Canonical name: the catalogue name, the dotted path, or the column.
    pub name: String,
    pub kind: Kind,
    pub location: Location,
}

/// What names mean at a point of the query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Schema {
    /// Rows are events: catalogue names and dotted paths.
    Events,
    /// Rows are a table with these columns.
    Columns(Vec<String>),
}

impl Schema {
    pub fn resolve(&self, name: &str, span: Span) -> Result<Access, ParseError> {
        match self {
            Schema::Events => resolve_event_field(name, span),
            Schema::Columns(columns) => resolve_column(columns, name, span),
        }
    }
}

fn resolve_event_field(name: &str, span: Span) -> Result<Access, ParseError> {
    if name.eq_ignore_ascii_case(fields::RULE_HIT) || name.eq_ignore_ascii_case("rule_hits") {
        // Not part of the event: the store indexes the rules that matched at ingest. On
        // in-memory events it reads `vigil.rule_hits`, when the JSON carries it.
        return Ok(Access {
            name: fields::RULE_HIT.to_string(),
            kind: Kind::Known(FieldKind::Keyword),
            location: Location::Path("vigil.rule_hits".to_string()),
        });
    }
    if let Some(def) = fields::lookup(name) {
        return Ok(Access {
            name: def.name.to_string(),
            kind: Kind::Known(def.kind),
            location: Location::Paths(def.paths),
        });
    }
    if name.contains('.') {
        return Ok(Access {
            name: name.to_string(),
            kind: Kind::Dynamic,
            location: Location::Path(name.to_string()),
        });
    }
    let names = CATALOGUE
        .iter()
        .flat_map(|def| std::iter::once(&def.name).chain(def.aliases))
        .copied();
    let suggestion = closest(name, names)
        .and_then(fields::lookup)
        .map(|def| format!("; did you mean `{}`?", def.name))
        .unwrap_or_else(|| {
            " (fields outside the catalogue are dotted OCSF paths, like `unmapped.rule_id`)"
                .to_string()
        });
    Err(ParseError::new(
        format!("unknown field `{name}`{suggestion}"),
        span,
    ))
}

fn resolve_column(columns: &[String], name: &str, span: Span) -> Result<Access, ParseError> {
    let canonical = fields::lookup(name).map(|def| def.name);
    let found = columns
        .iter()
        .find(|column| column.eq_ignore_ascii_case(name))
        .or_else(|| {
            columns
                .iter()
                .find(|column| Some(column.as_str()) == canonical)
        });
    if let Some(column) = found {
        return Ok(Access {
            name: column.clone(),
            kind: column_kind(column),
            location: Location::Column(column.clone()),
        });
    }
    let listed = columns
        .iter()
        .map(|column| format!("`{column}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let suggestion = closest(name, columns.iter().map(String::as_str))
        .map(|column| format!("did you mean `{column}`? "))
        .unwrap_or_default();
    let message = format!("unknown column `{name}`: {suggestion}the columns here are {listed}");
    Err(ParseError::new(message, span))
}

/// A column named like a catalogue field holds that field's values; others are computed.
pub(crate) fn column_kind(column: &str) -> Kind {
    match fields::lookup(column) {
        Some(def) if def.name == column => Kind::Known(def.kind),
        _ => Kind::Dynamic,
    }
}

/// The candidate nearest to `name` by edit distance, if near enough to be a typo.
fn closest<'c>(name: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    let name = name.to_ascii_lowercase();
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .map(|candidate| {
            (
                edit_distance(&name, &candidate.to_ascii_lowercase()),
                candidate,
            )
        })
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(schema: &Schema, name: &str, expected: Result<(&str, Kind), &str>) {
        let actual = schema.resolve(name, 0..name.len());
        let actual = actual
            .as_ref()
            .map(|access| (access.name.as_str(), access.kind))
            .map_err(|error| error.message.as_str());
        assert_eq!(actual, expected, "name {name:?}");
    }

    #[test]
    fn event_fields() {
        let events = Schema::Events;
        check(
            &events,
            "dport",
            Ok(("dst_port", Kind::Known(FieldKind::Int))),
        );
        check(
            &events,
            "SRC_IP",
            Ok(("src_ip", Kind::Known(FieldKind::Ip))),
        );
        check(
            &events,
            "unmapped.state",
            Ok(("unmapped.state", Kind::Dynamic)),
        );
        check(
            &events,
            "usr",
            Err("unknown field `usr`; did you mean `user`?"),
        );
        check(
            &events,
            "src_pi",
            Err("unknown field `src_pi`; did you mean `src_ip`?"),
        );
        check(
            &events,
            "zzzzzz",
            Err("unknown field `zzzzzz` (fields outside the catalogue are dotted OCSF paths, like `unmapped.rule_id`)"),
        );
    }

    #[test]
    fn columns() {
        let columns = Schema::Columns(vec!["dst_port".into(), "count".into(), "dc(user)".into()]);
        check(
            &columns,
            "dport",
            Ok(("dst_port", Kind::Known(FieldKind::Int))),
        );
        check(&columns, "COUNT", Ok(("count", Kind::Dynamic)));
        check(&columns, "dc(user)", Ok(("dc(user)", Kind::Dynamic)));
        check(
            &columns,
            "user",
            Err("unknown column `user`: the columns here are `dst_port`, `count`, `dc(user)`"),
        );
        check(&columns, "cout", Err("unknown column `cout`: did you mean `count`? the columns here are `dst_port`, `count`, `dc(user)`"));
    }
}
