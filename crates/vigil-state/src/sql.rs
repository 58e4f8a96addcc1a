//! Small helpers shared by the list queries: a `WHERE` builder, paging and text checks.

use rusqlite::types::Value as SqlValue;

use crate::error::StateError;

/// The most rows one list call returns; larger limits are clamped to it.
pub const MAX_PAGE: u32 = 1_000;

/// The default page size of the filters.
pub const DEFAULT_PAGE: u32 = 100;

/// The longest actor, assignee or id accepted (bytes).
pub const MAX_NAME_BYTES: usize = 256;

/// A `WHERE` clause built from optional filters, with its positional parameters in order.
#[derive(Default)]
pub(crate) struct Where {
    clauses: Vec<&'static str>,
    params: Vec<SqlValue>,
}

impl Where {
    /// Adds `clause` (with one `?`) bound to `value`.
    pub fn push(&mut self, clause: &'static str, value: impl Into<SqlValue>) {
        self.clauses.push(clause);
        self.params.push(value.into());
    }

    /// ` WHERE a AND b`, or nothing.
    pub fn sql(&self) -> String {
        if self.clauses.is_empty() {
            return String::new();
        }
        format!(" WHERE {}", self.clauses.join(" AND "))
    }

    /// The parameters, in the order of the clauses.
    pub fn params(&self) -> &[SqlValue] {
        &self.params
    }

    /// The parameters followed by `LIMIT ? OFFSET ?` values.
    pub fn params_with_page(&self, limit: u32, offset: u64) -> Vec<SqlValue> {
        let mut params = self.params.clone();
        params.push(SqlValue::Integer(i64::from(limit.min(MAX_PAGE))));
        params.push(SqlValue::Integer(i64::try_from(offset).unwrap_or(i64::MAX)));
        params
    }
}

/// Checks a name-like argument (actor, assignee, id): not blank, at most
/// [`MAX_NAME_BYTES`], no control characters.
pub(crate) fn check_name(field: &'static str, value: &str) -> Result<(), StateError> {
    let invalid = |reason: &str| {
        Err(StateError::Invalid {
            field,
            reason: reason.to_owned(),
        })
    };
    if value.trim().is_empty() {
        return invalid("must not be empty");
    }
    if value.len() > MAX_NAME_BYTES {
        return invalid(&format!("longer than {MAX_NAME_BYTES} bytes"));
    }
    if value.chars().any(char::is_control) {
        return invalid("contains control characters");
    }
    Ok(())
}

/// A count read from SQLite (never negative) as `u64`.
pub(crate) fn to_u64(count: i64) -> u64 {
    u64::try_from(count).unwrap_or(0)
}
