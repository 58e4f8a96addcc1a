//! Wire-format decoders shared by several sources. Each takes text (or bytes) and returns the
//! decoded parts borrowing from the input where it can; none allocates per byte, none panics,
//! and each bounds its work by the input it is given (records are already size-capped by the
//! framing layer).

pub mod cef;
pub mod checkpoint;
pub mod csv;
pub mod kv;
pub mod leef;
pub mod syslog;

/// Why a decoder refused its input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// A stable reason code (`not_cef`, `truncated_header`, …), used in rejection counts.
    pub reason: &'static str,
    /// Details for people, naming the position where it went wrong when there is one.
    pub detail: String,
}

impl DecodeError {
    /// A new error.
    pub fn new(reason: &'static str, detail: impl Into<String>) -> DecodeError {
        DecodeError {
            reason,
            detail: detail.into(),
        }
    }
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.reason, self.detail)
    }
}

impl std::error::Error for DecodeError {}
