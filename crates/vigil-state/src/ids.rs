//! Typed ids: an alert id is not an audit id, and a rule id is not a source id.

use std::fmt;

macro_rules! integer_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub String);

        impl $name {
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> $name {
                $name(id.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> $name {
                $name(id)
            }
        }
    };
}

integer_id!(
    /// The id of a stored alert (the `alerts` table's row id).
    AlertId
);
integer_id!(
    /// The id of an audit entry (increasing with time of writing).
    AuditId
);
integer_id!(
    /// The id of a dead-lettered record.
    DeadLetterId
);
text_id!(
    /// A rule id: the Sigma `id` (or, for a rule without one, the id Vigil gives it).
    RuleId
);
text_id!(
    /// The id of a configured source (a bucket, a syslog listener…), as the configuration
    /// names it.
    SourceId
);
