//! Typed configuration of every source, as read from `[[sources]]` tables of `vigil.toml`.
//!
//! Option names carry their unit (`_ms`, `_secs`, `_bytes`); unknown options are errors, so a
//! typo never silently falls back to a default.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Deserializer};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use vigil_model::SourceType;

use crate::{CheckpointStore, Chunk, SourceError, SourceHandle, SourceId};

/// One `[[sources]]` table: the `type` key picks the kind of source.
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SourceConfig {
    /// A watched directory (`type = "directory"`).
    Directory(DirectoryConfig),
    /// A syslog listener (`type = "syslog"`).
    Syslog(SyslogConfig),
    /// An S3-compatible bucket polled by prefix (`type = "s3"`).
    S3(S3Config),
    /// Kafka topics read as a consumer group (`type = "kafka"`; IBM Event Streams is Kafka).
    Kafka(KafkaConfig),
}

impl SourceConfig {
    /// The source's id.
    pub fn id(&self) -> &SourceId {
        match self {
            SourceConfig::Directory(c) => &c.id,
            SourceConfig::Syslog(c) => &c.id,
            SourceConfig::S3(c) => &c.id,
            SourceConfig::Kafka(c) => &c.id,
        }
    }
}

/// Starts a configured source of any kind; see the `spawn` function of each module.
pub async fn spawn(
    config: SourceConfig,
    checkpoints: Arc<dyn CheckpointStore>,
    sender: mpsc::Sender<Chunk>,
    shutdown: CancellationToken,
) -> Result<SourceHandle, SourceError> {
    match config {
        SourceConfig::Directory(c) => crate::dir::spawn(c, checkpoints, sender, shutdown).await,
        SourceConfig::Syslog(c) => crate::syslog::spawn(c, sender, shutdown).await,
        SourceConfig::S3(c) => crate::s3::spawn(c, checkpoints, sender, shutdown).await,
        SourceConfig::Kafka(c) => crate::kafka::spawn(c, checkpoints, sender, shutdown).await,
    }
}

/// A directory watched for new and growing files.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryConfig {
    /// The source id (checkpoint namespace, metrics).
    pub id: SourceId,
    /// The directory, walked recursively.
    pub path: PathBuf,
    /// Globs of paths relative to `path` to read (`*` stays within a directory, `**`
    /// crosses them). Default: every file.
    #[serde(default = "default_include")]
    pub include: Vec<String>,
    /// Globs of relative paths to skip, applied after `include`.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Read every file as this source type instead of detecting it.
    #[serde(default, deserialize_with = "de_source_type")]
    pub source_type: Option<SourceType>,
    /// How often the directory is listed and files are checked for growth.
    #[serde(default = "default_dir_poll_interval_ms")]
    pub poll_interval_ms: u64,
    /// A file whose size has not changed for this long is idle: its unterminated last line
    /// is delivered, and a compressed file is read.
    #[serde(default = "default_idle_flush_ms")]
    pub idle_flush_ms: u64,
    /// The most bytes read from a file at once (and the longest line delivered whole).
    #[serde(default = "default_max_read_bytes")]
    pub max_read_bytes: usize,
    /// Compressed files larger than this are skipped (and counted as errors).
    #[serde(default = "default_max_compressed_file_bytes")]
    pub max_compressed_file_bytes: u64,
    /// The most files followed at once; further files wait until some are gone.
    #[serde(default = "default_max_files")]
    pub max_files: usize,
}

/// How syslog messages arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyslogProtocol {
    /// One datagram is one message.
    Udp,
    /// RFC 6587: octet counting or LF-delimited, told apart per message.
    Tcp,
    /// RFC 5425: TCP framing inside TLS.
    Tls,
}

impl SyslogProtocol {
    /// The scheme used in chunk origins.
    pub fn scheme(self) -> &'static str {
        match self {
            SyslogProtocol::Udp => "syslog+udp",
            SyslogProtocol::Tcp => "syslog+tcp",
            SyslogProtocol::Tls => "syslog+tls",
        }
    }
}

/// A syslog listener (firewalls and appliances send here).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyslogConfig {
    /// The source id.
    pub id: SourceId,
    /// `udp`, `tcp` or `tls`.
    pub protocol: SyslogProtocol,
    /// The local address to listen on, e.g. `0.0.0.0:6514`.
    pub address: SocketAddr,
    /// Read every message as this source type instead of detecting it.
    #[serde(default, deserialize_with = "de_source_type")]
    pub source_type: Option<SourceType>,
    /// Longer messages are dropped (and counted).
    #[serde(default = "default_max_message_bytes")]
    pub max_message_bytes: usize,
    /// TCP/TLS connections (or UDP peers batched at once) beyond this are refused.
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// A chunk is sent once it holds this many bytes...
    #[serde(default = "default_batch_max_bytes")]
    pub batch_max_bytes: usize,
    /// ...or once its first message is this old.
    #[serde(default = "default_batch_max_ms")]
    pub batch_max_ms: u64,
    /// A connection silent for this long (or a TLS handshake this slow) is closed.
    #[serde(default = "default_connection_idle_timeout_secs")]
    pub connection_idle_timeout_secs: u64,
    /// Certificate and key, required for `protocol = "tls"`.
    #[serde(default)]
    pub tls: Option<TlsConfig>,
}

/// A server certificate chain and its private key, as PEM files.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// The certificate chain (leaf first).
    pub cert_path: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key_path: PathBuf,
}

/// An S3-compatible bucket (IBM Cloud Object Storage, AWS S3, MinIO) polled by prefix.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Config {
    /// The source id.
    pub id: SourceId,
    /// The bucket.
    pub bucket: String,
    /// The endpoint, e.g. `https://s3.us-south.cloud-object-storage.appdomain.cloud`;
    /// AWS when absent. `http://` endpoints are allowed (tests, private networks).
    #[serde(default)]
    pub endpoint_url: Option<String>,
    /// The signing region.
    #[serde(default = "default_region")]
    pub region: String,
    /// HMAC access key id.
    pub access_key_id: String,
    /// HMAC secret access key (never printed).
    pub secret_access_key: Secret,
    /// Path-style requests (`endpoint/bucket/key`, what COS and MinIO expect) rather than
    /// virtual-hosted (`bucket.endpoint/key`).
    #[serde(default = "default_true")]
    pub path_style: bool,
    /// Key prefixes to poll, each a "folder" (`a/b` lists `a/b/...`); each keeps its own
    /// checkpoint. Default: the whole bucket.
    #[serde(default = "default_prefixes")]
    pub prefixes: Vec<String>,
    /// Read every object as this source type instead of detecting it.
    #[serde(default, deserialize_with = "de_source_type")]
    pub source_type: Option<SourceType>,
    /// Pause between two listings.
    #[serde(default = "default_s3_poll_interval_ms")]
    pub poll_interval_ms: u64,
    /// Objects larger than this are skipped (and counted).
    #[serde(default = "default_max_object_bytes")]
    pub max_object_bytes: u64,
    /// How many recently read keys are remembered above the start-after mark, i.e. how
    /// late (counted in keys) an object may land and still be read.
    #[serde(default = "default_recent_keys_max")]
    pub recent_keys_max: usize,
    /// Timeout of one request.
    #[serde(default = "default_request_timeout_secs")]
    pub request_timeout_secs: u64,
}

/// Kafka topics consumed as a consumer group: IBM Event Streams, Apache Kafka, Redpanda.
///
/// IBM Event Streams takes `security_protocol = "sasl_ssl"` and
/// `sasl = { mechanism = "plain", username = "token", password = "<api key>" }`, with the
/// broker list of its service credentials as `bootstrap_servers`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaConfig {
    /// The source id (checkpoint namespace, metrics).
    pub id: SourceId,
    /// Brokers to bootstrap from, `host:port` each.
    pub bootstrap_servers: Vec<String>,
    /// The topics to read.
    pub topics: Vec<String>,
    /// The consumer group: members of one group share the topics' partitions.
    pub group_id: String,
    /// The client id brokers see (quotas, logs).
    #[serde(default = "default_kafka_client_id")]
    pub client_id: String,
    /// Where a partition with no saved position starts: `earliest` (the oldest retained
    /// record) or `latest` (only what is produced from now on).
    #[serde(default)]
    pub start_from: KafkaStartFrom,
    /// Read every record as this source type instead of detecting it.
    #[serde(default, deserialize_with = "de_source_type")]
    pub source_type: Option<SourceType>,
    /// Larger messages are skipped (and counted); their offset still counts as read.
    #[serde(default = "default_kafka_max_message_bytes")]
    pub max_message_bytes: usize,
    /// A partition's chunk is sent once it holds this many bytes...
    #[serde(default = "default_batch_max_bytes")]
    pub batch_max_bytes: usize,
    /// ...or once its first message is this old.
    #[serde(default = "default_batch_max_ms")]
    pub batch_max_ms: u64,
    /// How often the durable positions are committed to the group's offsets in Kafka.
    #[serde(default = "default_kafka_commit_interval_ms")]
    pub commit_interval_ms: u64,
    /// How much librdkafka prefetches in all, at most (`queued.max.messages.kbytes`).
    #[serde(default = "default_kafka_fetch_queue_max_bytes")]
    pub fetch_queue_max_bytes: usize,
    /// A member not heard from for this long leaves the group (`session.timeout.ms`).
    #[serde(default = "default_kafka_session_timeout_ms")]
    pub session_timeout_ms: u64,
    /// A member that does not poll for this long (downstream backpressure) leaves the group
    /// and joins again (`max.poll.interval.ms`).
    #[serde(default = "default_kafka_max_poll_interval_ms")]
    pub max_poll_interval_ms: u64,
    /// Timeout of a blocking request: committed offsets on assignment, commits on revocation.
    #[serde(default = "default_kafka_request_timeout_ms")]
    pub request_timeout_ms: u64,
    /// `plaintext`, `ssl`, `sasl_plaintext` or `sasl_ssl`.
    #[serde(default)]
    pub security_protocol: KafkaSecurityProtocol,
    /// SASL credentials, required for the `sasl_*` protocols.
    #[serde(default)]
    pub sasl: Option<KafkaSasl>,
    /// CA certificates (PEM) to verify brokers with, for `ssl` and `sasl_ssl`; the system's
    /// store when absent.
    #[serde(default)]
    pub tls_ca_path: Option<PathBuf>,
}

/// Where a partition without a saved position starts reading.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KafkaStartFrom {
    /// The oldest record the broker still holds.
    #[default]
    Earliest,
    /// Records produced after the partition is assigned.
    Latest,
}

/// How the connection to brokers is secured (Kafka's `security.protocol`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KafkaSecurityProtocol {
    /// No TLS, no authentication (tests, private networks).
    #[default]
    Plaintext,
    /// TLS without SASL.
    Ssl,
    /// SASL without TLS.
    SaslPlaintext,
    /// SASL inside TLS: IBM Event Streams.
    SaslSsl,
}

/// SASL credentials.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaSasl {
    /// `plain`, `scram_sha_256` or `scram_sha_512`.
    pub mechanism: KafkaSaslMechanism,
    /// The user name (`token` for IBM Event Streams).
    pub username: String,
    /// The password (an API key for IBM Event Streams; never printed).
    pub password: Secret,
}

/// A SASL mechanism.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KafkaSaslMechanism {
    /// `PLAIN` (IBM Event Streams).
    Plain,
    /// `SCRAM-SHA-256`.
    ScramSha256,
    /// `SCRAM-SHA-512`.
    ScramSha512,
}

/// A secret string: deserialized like a string, never shown by `Debug`.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// A secret from its value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

fn de_source_type<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SourceType>, D::Error> {
    let name = Option::<String>::deserialize(d)?;
    match name {
        None => Ok(None),
        Some(name) => name.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

fn default_include() -> Vec<String> {
    vec!["**".to_owned()]
}
fn default_dir_poll_interval_ms() -> u64 {
    1_000
}
fn default_idle_flush_ms() -> u64 {
    10_000
}
fn default_max_read_bytes() -> usize {
    1024 * 1024
}
fn default_max_compressed_file_bytes() -> u64 {
    256 * 1024 * 1024
}
fn default_max_files() -> usize {
    10_000
}
fn default_max_message_bytes() -> usize {
    64 * 1024
}
fn default_max_connections() -> usize {
    256
}
fn default_batch_max_bytes() -> usize {
    64 * 1024
}
fn default_batch_max_ms() -> u64 {
    100
}
fn default_connection_idle_timeout_secs() -> u64 {
    600
}
fn default_kafka_client_id() -> String {
    "vigil".to_owned()
}
fn default_kafka_max_message_bytes() -> usize {
    1024 * 1024
}
fn default_kafka_commit_interval_ms() -> u64 {
    5_000
}
fn default_kafka_fetch_queue_max_bytes() -> usize {
    64 * 1024 * 1024
}
fn default_kafka_session_timeout_ms() -> u64 {
    45_000
}
fn default_kafka_max_poll_interval_ms() -> u64 {
    300_000
}
fn default_kafka_request_timeout_ms() -> u64 {
    10_000
}
fn default_region() -> String {
    "us-east-1".to_owned()
}
fn default_true() -> bool {
    true
}
fn default_prefixes() -> Vec<String> {
    vec![String::new()]
}
fn default_s3_poll_interval_ms() -> u64 {
    60_000
}
fn default_max_object_bytes() -> u64 {
    256 * 1024 * 1024
}
fn default_recent_keys_max() -> usize {
    1_000
}
fn default_request_timeout_secs() -> u64 {
    60
}

/// The error for an invalid value, naming the source.
pub(crate) fn invalid(id: &SourceId, detail: impl Into<String>) -> SourceError {
    SourceError::Config {
        source_id: id.to_string(),
        detail: detail.into(),
    }
}
