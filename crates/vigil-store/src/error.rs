//! The crate's one error type.

use std::path::PathBuf;

use vigil_query::ast::Span;

/// Everything that can go wrong in the store. IO and index errors name the file or partition;
/// query errors carry the byte span of the offending part of the query text.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file or directory operation failed.
    #[error("io error on `{path}`: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// tantivy failed on a partition.
    #[error("index error in `{path}`: {source}")]
    Index {
        /// The partition directory.
        path: PathBuf,
        /// The cause.
        source: tantivy::TantivyError,
    },
    /// Writing a Parquet file of the lake export failed.
    #[error("parquet error on `{path}`: {source}")]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: parquet::errors::ParquetError,
    },
    /// The query cannot be compiled or run (unknown field, bad value for the field's kind…).
    #[error("{message} (at {}..{})", span.start, span.end)]
    Query {
        /// What is wrong.
        message: String,
        /// Where in the query text.
        span: Span,
    },
    /// An event of a batch cannot be stored (too large, bad JSON); nothing of the batch was
    /// written.
    #[error("event {index} of the batch is invalid: {reason}")]
    InvalidEvent {
        /// Position in the batch.
        index: usize,
        /// Why.
        reason: String,
    },
    /// The metadata of a batch is larger than the log accepts; nothing of the batch was
    /// written.
    #[error("batch metadata of {bytes} bytes is over the log's record limit of {max_bytes}")]
    MetaTooLarge {
        /// Size of the metadata.
        bytes: usize,
        /// The limit (`WalOptions::max_record_bytes`).
        max_bytes: usize,
    },
    /// `try_append` found the index queue full: the index lags the write-ahead log.
    #[error("the store is busy: the index lags the write-ahead log")]
    Busy,
    /// The background indexer stopped or the write-ahead log is poisoned by an earlier
    /// failed write.
    #[error("the store is unavailable: {reason}")]
    Unavailable {
        /// Why.
        reason: String,
    },
    /// An option is out of range.
    #[error("invalid option `{name}`: {reason}")]
    InvalidOption {
        /// The option.
        name: &'static str,
        /// Why.
        reason: String,
    },
}

impl StoreError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn index(path: impl Into<PathBuf>, source: tantivy::TantivyError) -> StoreError {
        StoreError::Index {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn query(message: impl Into<String>, span: Span) -> StoreError {
        StoreError::Query {
            message: message.into(),
            span,
        }
    }
}
