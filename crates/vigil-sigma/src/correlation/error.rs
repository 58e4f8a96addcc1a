//! Why a correlation set or a snapshot was rejected.

/// A correlation set, its options or a snapshot that the engine cannot run.
///
/// `correlation` is the correlation's `id`, else its `name`, else its `title`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CorrelationError {
    /// An option is out of range.
    #[error("invalid correlation option `{option}`: {reason}")]
    InvalidOption {
        /// The option name.
        option: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Two correlations share an `id` or a `name`.
    #[error("correlations `{first}` and `{second}` share the identifier `{identifier}`")]
    DuplicateIdentifier {
        /// The shared id or name.
        identifier: String,
        /// The first correlation using it.
        first: String,
        /// The second one.
        second: String,
    },
    /// `rules` is empty.
    #[error("correlation `{correlation}` references no rules")]
    NoRules {
        /// The correlation.
        correlation: String,
    },
    /// `rules` lists more references than the engine supports.
    #[error("correlation `{correlation}` references {count} rules, at most 65535 are supported")]
    TooManyRules {
        /// The correlation.
        correlation: String,
        /// How many it references.
        count: usize,
    },
    /// A reference names no correlation and no known rule.
    #[error("correlation `{correlation}` references `{reference}`, which is neither a known rule nor a correlation")]
    UnknownReference {
        /// The correlation.
        correlation: String,
        /// The unresolved id or name.
        reference: String,
    },
    /// Correlations reference each other in a loop.
    #[error("correlation `{correlation}` is part of a reference cycle: {cycle}")]
    Cycle {
        /// The correlation where the cycle was found.
        correlation: String,
        /// The cycle, as `a -> b -> a`.
        cycle: String,
    },
    /// `timespan` is zero or negative.
    #[error("correlation `{correlation}` has a timespan of {timespan_ms} ms, it must be positive")]
    InvalidTimespan {
        /// The correlation.
        correlation: String,
        /// The timespan given.
        timespan_ms: i64,
    },
    /// A non-temporal correlation has no comparison in its condition.
    #[error("correlation `{correlation}` of type `{kind}` needs a condition with at least one of `gt`, `gte`, `lt`, `lte`, `eq`, `neq`")]
    MissingCondition {
        /// The correlation.
        correlation: String,
        /// The type name.
        kind: &'static str,
    },
    /// A comparison threshold is not a finite number.
    #[error("correlation `{correlation}` has a non-finite condition threshold")]
    InvalidThreshold {
        /// The correlation.
        correlation: String,
    },
    /// A value type has no `condition.field`.
    #[error("correlation `{correlation}` of type `{kind}` needs `condition.field`")]
    MissingField {
        /// The correlation.
        correlation: String,
        /// The type name.
        kind: &'static str,
    },
    /// A numeric type lists several fields.
    #[error("correlation `{correlation}` of type `{kind}` takes exactly one `condition.field`")]
    MultipleFields {
        /// The correlation.
        correlation: String,
        /// The type name.
        kind: &'static str,
    },
    /// `value_percentile` without a percentile in `0..=100`.
    #[error("correlation `{correlation}` of type `value_percentile` needs `condition.percentile` between 0 and 100")]
    InvalidPercentile {
        /// The correlation.
        correlation: String,
    },
    /// The condition needs more observations than a group may hold.
    #[error("correlation `{correlation}` needs more than {needed} observations in a window, but `max_observations_per_group` is {cap}")]
    UnreachableCondition {
        /// The correlation.
        correlation: String,
        /// The observations the condition needs at least.
        needed: u64,
        /// The configured cap.
        cap: usize,
    },
    /// An alias maps a rule the correlation does not reference.
    #[error("correlation `{correlation}`: alias `{alias}` maps `{reference}`, which the correlation does not reference")]
    AliasUnknownRule {
        /// The correlation.
        correlation: String,
        /// The alias.
        alias: String,
        /// The rule reference in the alias map.
        reference: String,
    },
    /// An alias used by `group-by` or `condition.field` has no field for a referenced rule.
    #[error("correlation `{correlation}`: alias `{alias}` has no field for the referenced rule `{reference}`")]
    AliasMissingRule {
        /// The correlation.
        correlation: String,
        /// The alias.
        alias: String,
        /// The referenced rule without a mapping.
        reference: String,
    },
    /// A chained correlation reads a field its inner correlation does not group by.
    #[error("correlation `{correlation}` reads `{field}` from correlation `{inner}`, whose alerts only carry its group-by fields")]
    ChainedFieldUnavailable {
        /// The outer correlation.
        correlation: String,
        /// The inner correlation.
        inner: String,
        /// The field the outer one reads.
        field: String,
    },
    /// The snapshot was written by an incompatible version.
    #[error("correlation snapshot version {found} is not supported (expected {expected})")]
    SnapshotVersion {
        /// The version in the snapshot.
        found: u32,
        /// The version this build writes.
        expected: u32,
    },
}
