//! The crate's one error type.

use std::path::PathBuf;

/// What can go wrong when starting or running a source.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A configuration value is invalid (checked before anything is opened).
    #[error("source `{source_id}`: invalid configuration: {detail}")]
    Config {
        /// The source.
        source_id: String,
        /// What is wrong.
        detail: String,
    },
    /// A file or directory could not be read.
    #[error("cannot read `{path}`: {error}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        error: std::io::Error,
    },
    /// A socket could not be bound or used.
    #[error("socket `{address}`: {error}")]
    Socket {
        /// The local address.
        address: String,
        /// The underlying error.
        #[source]
        error: std::io::Error,
    },
    /// The TLS certificate or key could not be loaded.
    #[error("tls: {detail}")]
    Tls {
        /// What is wrong.
        detail: String,
    },
    /// The object store client failed.
    #[error("object store `{bucket}`: {detail}")]
    ObjectStore {
        /// The bucket.
        bucket: String,
        /// What went wrong.
        detail: String,
    },
    /// The Kafka client could not be created or subscribed.
    #[error("kafka source `{source_id}`: {detail}")]
    Kafka {
        /// The source.
        source_id: String,
        /// What librdkafka reported.
        detail: String,
    },
    /// A checkpoint could not be loaded, saved or decoded.
    #[error("checkpoint `{key}`: {detail}")]
    Checkpoint {
        /// The checkpoint key.
        key: String,
        /// What went wrong.
        detail: String,
    },
    /// The source task panicked or was aborted.
    #[error("source task failed: {detail}")]
    Task {
        /// What the runtime reported.
        detail: String,
    },
}
