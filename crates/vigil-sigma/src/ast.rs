//! Sigma documents as written, before compilation.

use std::collections::BTreeMap;

/// A scalar value of a detection item, typed as YAML wrote it.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A string (wildcards `*` `?` and escapes `\` still unprocessed).
    Str(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// `null`: the field is absent or null.
    Null,
}

/// One `field|mod1|mod2: value(s)` entry of a search identifier, or a keyword list when
/// `field` is `None`.
#[derive(Clone, Debug, PartialEq)]
pub struct DetectionItem {
    /// The field name as written (dotted paths allowed); `None` for keyword search.
    pub field: Option<String>,
    /// Modifier names in order (`contains`, `all`, `re`, `i`…), unvalidated.
    pub modifiers: Vec<String>,
    /// The values: one, or the list written (OR, or AND with `all`).
    pub values: Vec<Value>,
}

/// A search identifier: OR of AND-groups. A map is one group; a list of maps is several; a
/// list of plain values is one group holding one field-less item (keyword search).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Search {
    /// OR of these groups; each group is an AND of items.
    pub any_of: Vec<Vec<DetectionItem>>,
}

/// A rule's `detection`: named searches and the condition(s).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Detection {
    /// Search identifiers by name (`selection`, `filter_*`…), in file order.
    pub searches: Vec<(String, Search)>,
    /// The conditions as written; several are OR-ed.
    pub conditions: Vec<String>,
    /// `timeframe` of the obsolete v1 aggregations, kept to reject it precisely.
    pub timeframe: Option<String>,
}

/// `logsource`.
#[derive(Clone, Debug, PartialEq, Eq, Default, PartialOrd, Ord, Hash)]
pub struct LogSource {
    /// `category`.
    pub category: Option<String>,
    /// `product`.
    pub product: Option<String>,
    /// `service`.
    pub service: Option<String>,
    /// `definition` (free text, not used for routing).
    pub definition: Option<String>,
}

/// `level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// informational
    Informational,
    /// low
    Low,
    /// medium
    Medium,
    /// high
    High,
    /// critical
    Critical,
}

impl Level {
    /// The level from its Sigma name.
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "informational" => Level::Informational,
            "low" => Level::Low,
            "medium" => Level::Medium,
            "high" => Level::High,
            "critical" => Level::Critical,
            _ => return None,
        })
    }

    /// The Sigma name.
    pub fn name(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }
}

/// Metadata every document kind shares.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Meta {
    /// `title`.
    pub title: String,
    /// `id`.
    pub id: Option<String>,
    /// `name` (for correlation references).
    pub name: Option<String>,
    /// `status`.
    pub status: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `author` (kept with every match: the Detection Rule License requires it).
    pub author: Option<String>,
    /// `references`.
    pub references: Vec<String>,
    /// `date`.
    pub date: Option<String>,
    /// `modified`.
    pub modified: Option<String>,
    /// `tags` (`attack.t1078`…).
    pub tags: Vec<String>,
    /// `level`.
    pub level: Option<Level>,
    /// `falsepositives`.
    pub falsepositives: Vec<String>,
    /// `license`.
    pub license: Option<String>,
}

/// A detection rule.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Rule {
    /// Shared metadata.
    pub meta: Meta,
    /// `logsource`.
    pub logsource: LogSource,
    /// `detection`.
    pub detection: Detection,
    /// `fields`.
    pub fields: Vec<String>,
}

/// Correlation types of v2.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CorrelationType {
    /// `event_count`.
    EventCount,
    /// `value_count`.
    ValueCount,
    /// `temporal`.
    Temporal,
    /// `temporal_ordered`.
    TemporalOrdered,
    /// `value_sum`.
    ValueSum,
    /// `value_avg`.
    ValueAvg,
    /// `value_percentile`.
    ValuePercentile,
}

/// Comparison operators of a correlation condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `gt`
    Gt,
    /// `gte`
    Gte,
    /// `lt`
    Lt,
    /// `lte`
    Lte,
    /// `eq`
    Eq,
    /// `neq`
    Neq,
}

/// A correlation `condition`: every comparison must hold (two make a range).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct CorrelationCondition {
    /// The comparisons, AND-ed.
    pub ops: Vec<(CmpOp, f64)>,
    /// `field`: the value field of value_* types.
    pub field: Vec<String>,
    /// `percentile` of value_percentile.
    pub percentile: Option<f64>,
}

/// A correlation rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Correlation {
    /// Shared metadata.
    pub meta: Meta,
    /// `type`.
    pub kind: CorrelationType,
    /// `rules`: ids or names of the rules (or correlations) it correlates.
    pub rules: Vec<String>,
    /// `group-by` (may be empty).
    pub group_by: Vec<String>,
    /// `timespan` in milliseconds.
    pub timespan_ms: i64,
    /// `condition` (absent for temporal types).
    pub condition: Option<CorrelationCondition>,
    /// `aliases`: alias → (rule id or name → field).
    pub aliases: BTreeMap<String, BTreeMap<String, String>>,
    /// `generate`: also emit the referenced rules' own matches.
    pub generate: bool,
}

/// Which rules a filter applies to.
#[derive(Clone, Debug, PartialEq)]
pub enum FilterTarget {
    /// Rules by id or name.
    Rules(Vec<String>),
    /// v2.2 `rules: any`: every rule whose logsource the filter's covers.
    Any,
}

/// A filter (meta-filter) rule: its condition is AND-ed to the rules it names (pySigma
/// semantics), so `condition: not selection` removes what the selection matches.
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    /// Shared metadata.
    pub meta: Meta,
    /// `logsource`.
    pub logsource: LogSource,
    /// `filter.rules`.
    pub target: FilterTarget,
    /// `filter.selection…` and `filter.condition`.
    pub detection: Detection,
}

/// Any Sigma document.
#[derive(Clone, Debug, PartialEq)]
pub enum Document {
    /// A detection rule.
    Rule(Rule),
    /// A correlation rule.
    Correlation(Correlation),
    /// A filter.
    Filter(Filter),
}

impl Document {
    /// The shared metadata.
    pub fn meta(&self) -> &Meta {
        match self {
            Document::Rule(r) => &r.meta,
            Document::Correlation(c) => &c.meta,
            Document::Filter(f) => &f.meta,
        }
    }
}
