//! Collectors: watched directories, S3-compatible object storage, syslog (UDP, TCP, TLS),
//! Kafka topics (IBM Event Streams).
//!
//! This crate owns getting bytes in. It knows where bytes come from and how far it has read;
//! it does not know what the bytes mean: decoding, detection and normalization happen
//! downstream in `vigil_formats::pipeline::process`, run by `vigil serve` on each [`Chunk`].
//!
//! ## The seam
//!
//! Every source is a tokio task writing [`Chunk`]s into a bounded `mpsc` channel given to it
//! (a full channel slows the source down: backpressure, never unbounded buffering). A chunk
//! is raw bytes with their `origin` — the real file path, `s3://bucket/key`,
//! `syslog+tcp://local/peer` or `kafka://broker/topic/partition` — kept as is because
//! detection reads the path layout (VPC flow log keys, for one). A chunk may carry a [`CheckpointUpdate`]: what to save in the
//! [`CheckpointStore`] once the chunk's events are durable. The consumer saves it *after* its
//! durable write ([`Chunk::commit`]), in arrival order, so a crash between reading and
//! writing re-reads rather than loses (at-least-once; duplicates only around a crash).
//!
//! Each source stops when its [`CancellationToken`](tokio_util::sync::CancellationToken) is
//! cancelled or its receiver is dropped, and exposes counters ([`CountersSnapshot`]) through
//! its [`SourceHandle`].
//!
//! ## Sources
//!
//! - [`dir`]: polls a directory tree; reads new and growing files as whole lines, follows
//!   files by device + inode (rotation), detects truncation by size and a fingerprint of the
//!   first KiB, reads compressed files whole once idle. Checkpoint per file.
//! - [`syslog`]: UDP, TCP (RFC 6587 octet counting or LF, per message) and TLS listeners,
//!   batching messages per connection into newline-delimited chunks. No checkpoint.
//! - [`s3`]: polls prefixes of an S3-compatible bucket with `start-after` and a bounded window
//!   of recent keys; one chunk per object. Checkpoint per prefix.
//! - [`kafka`]: a consumer group (librdkafka), batching each partition's messages into
//!   newline-delimited chunks. Checkpoint per partition (the next offset); the group's
//!   offsets in Kafka are committed from the saved checkpoints, so never ahead of what is
//!   durable.
//!
//! Push sources (syslog) cannot replay, so their chunks carry no checkpoint; a crash loses
//! what was received but not yet durable, as with any syslog receiver.
//!
//! ## Testing
//!
//! Tests use real sockets on 127.0.0.1, real files in temporary directories, and a real
//! S3-compatible server, `s3s-fs`, found through `VIGIL_S3S_FS` (the S3 tests print a skip
//! message and pass when it is unset):
//!
//! ```text
//! cargo install s3s-fs@0.14.1 --locked --features binary --root /work/targets/tools
//! VIGIL_S3S_FS=/work/targets/tools/bin/s3s-fs cargo test -p vigil-sources
//! ```
//!
//! The Kafka tests run a real Kafka-compatible broker, `tansu` (also from the Rust package
//! registry; its `dynostore` feature brings the in-memory storage the tests use), found
//! through `VIGIL_KAFKA_BROKER`, and skip the same way without it:
//!
//! ```text
//! cargo install tansu@0.6.0 --locked --features dynostore --root /work/targets/tools
//! VIGIL_KAFKA_BROKER=/work/targets/tools/bin/tansu cargo test -p vigil-sources --test kafka
//! ```
//!
//! librdkafka itself is built from the source the `rdkafka-sys` crate ships (configure and
//! make, no cmake), linked with the system's OpenSSL (`libssl-dev`) for TLS and SASL.
//!
//! Configuration: [`SourceConfig`] (one `[[sources]]` table each, `type = "directory" |
//! "syslog" | "s3" | "kafka"`), started with [`spawn`] or each module's own `spawn`.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod chunk;
pub mod config;
pub mod dir;
mod error;
pub mod kafka;
pub mod s3;
pub mod syslog;

pub use chunk::{
    CheckpointStore, CheckpointUpdate, Chunk, CountersSnapshot, MemoryCheckpointStore,
    SourceCounters, SourceHandle, SourceId,
};
pub use config::{
    spawn, DirectoryConfig, KafkaConfig, KafkaSasl, KafkaSaslMechanism, KafkaSecurityProtocol,
    KafkaStartFrom, S3Config, Secret, SourceConfig, SyslogConfig, SyslogProtocol, TlsConfig,
};
pub use error::SourceError;

/// Makes ring the process-wide rustls crypto provider, unless one is already installed.
/// The TLS stack is built without a default provider (no aws-lc, no cmake), so anything that
/// opens TLS or builds an HTTP client (the S3 poller, `vigil search`) calls this first.
pub fn install_tls_provider() {
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
}
