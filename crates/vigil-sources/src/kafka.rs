//! Kafka topics read as a consumer group (IBM Event Streams is Kafka), with librdkafka.
//!
//! Messages are batched per partition into chunks of newline-delimited records (one message,
//! one line; a message's own trailing newline is not doubled), flushed at `batch_max_bytes`
//! or `batch_max_ms` after the batch's first message. The origin names the broker, topic and
//! partition: `kafka://broker-0.example:9093/vpc-flow/3`. Messages over `max_message_bytes`
//! and empty ones (tombstones) are skipped, the oversize ones counted, and their offsets
//! still count as read.
//!
//! ## Offsets: committed only once durable
//!
//! Each chunk holds one partition's messages and carries a [`CheckpointUpdate`]
//! `topic/partition → {"next_offset": n}`, which the consumer of the chunk saves after its
//! durable write, as for every other source. Nothing else moves a position forward:
//! auto-commit and librdkafka's offset store are off.
//!
//! The group's offsets in Kafka follow the checkpoints: every `commit_interval_ms`, and when
//! partitions are revoked or the source stops, the saved checkpoint of each owned partition
//! is committed to the group where it is ahead of what Kafka holds. So Kafka's committed
//! offsets are never ahead of what is durable; they are how progress passes between members
//! of the group (each Vigil instance has its own checkpoint store), and they show the
//! group's lag to the usual tools.
//!
//! When a partition is assigned, it starts at the later of the group's committed offset and
//! the local checkpoint: both are durable positions (another member's, or this instance's
//! not yet committed to Kafka, e.g. before a crash), so nothing is lost and as little as
//! possible is read twice. When a partition is revoked, its unsent batch is dropped: the new
//! owner reads those messages from the committed position. What is read twice is bounded by
//! the chunks in flight plus one commit interval (at-least-once, as everywhere in Vigil).
//!
//! ## Threads
//!
//! librdkafka is a blocking C client with threads of its own. The source polls it from one
//! blocking thread (`spawn_blocking`), where the rebalance callbacks run too, and hands
//! chunks to the async channel with the runtime's `block_on`: a full channel stops the
//! polling (backpressure). A member that does not poll for `max_poll_interval_ms` leaves
//! the group and joins again; its partitions go to other members meanwhile, which is safe
//! since it committed nothing beyond what is durable.
//!
//! Broker failures are librdkafka's to retry (reconnects with backoff); each error it
//! reports is counted in `errors` and logged.

mod group;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::message::Message;
use tokio::runtime::Handle;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::chunk::{add, Output};
use crate::config::{invalid, KafkaSaslMechanism, KafkaSecurityProtocol, KafkaStartFrom};
use crate::{
    CheckpointStore, CheckpointUpdate, Chunk, KafkaConfig, SourceCounters, SourceError,
    SourceHandle,
};
use group::{checkpoint_key, checkpoint_value, GroupContext, PartitionKey};

/// The longest the reader waits in `poll` before it looks at shutdown and batch ages again.
const POLL_SLICE: Duration = Duration::from_millis(100);

/// Creates the consumer, subscribes to the topics and starts reading. Fails at once on an
/// invalid configuration or one librdkafka refuses; brokers are contacted later (an
/// unreachable broker is retried and counted, not an error here).
pub async fn spawn(
    config: KafkaConfig,
    checkpoints: Arc<dyn CheckpointStore>,
    sender: mpsc::Sender<Chunk>,
    shutdown: CancellationToken,
) -> Result<SourceHandle, SourceError> {
    validate(&config)?;
    let counters = Arc::new(SourceCounters::default());
    let context = GroupContext::new(
        config.id.clone(),
        checkpoints,
        counters.clone(),
        Duration::from_millis(config.request_timeout_ms),
    );
    let kafka_error = |error: rdkafka::error::KafkaError| SourceError::Kafka {
        source_id: config.id.to_string(),
        detail: error.to_string(),
    };
    let consumer: BaseConsumer<GroupContext> = client_config(&config)
        .create_with_context(context)
        .map_err(kafka_error)?;
    let topics: Vec<&str> = config.topics.iter().map(String::as_str).collect();
    consumer.subscribe(&topics).map_err(kafka_error)?;
    let id = config.id.clone();
    let broker = config.bootstrap_servers[0].clone();
    let reader = Reader {
        consumer,
        batcher: Batcher {
            batches: HashMap::new(),
            broker,
            out: Output {
                sender,
                shutdown,
                counters: counters.clone(),
            },
            runtime: Handle::current(),
            config,
        },
    };
    let task = tokio::task::spawn_blocking(move || reader.run());
    Ok(SourceHandle::new(id, None, counters, task))
}

fn validate(config: &KafkaConfig) -> Result<(), SourceError> {
    let empty = |list: &[String]| list.is_empty() || list.iter().any(|s| s.trim().is_empty());
    if empty(&config.bootstrap_servers) || empty(&config.topics) || config.group_id.is_empty() {
        return Err(invalid(
            &config.id,
            "`bootstrap_servers`, `topics` and `group_id` must not be empty",
        ));
    }
    if config.max_message_bytes == 0
        || config.batch_max_bytes == 0
        || config.batch_max_ms == 0
        || config.commit_interval_ms == 0
        || config.fetch_queue_max_bytes < 1024
        || config.session_timeout_ms == 0
        || config.max_poll_interval_ms == 0
        || config.request_timeout_ms == 0
    {
        return Err(invalid(
            &config.id,
            "sizes and durations must be positive (`fetch_queue_max_bytes` at least 1024)",
        ));
    }
    let sasl_protocol = matches!(
        config.security_protocol,
        KafkaSecurityProtocol::SaslPlaintext | KafkaSecurityProtocol::SaslSsl
    );
    if sasl_protocol != config.sasl.is_some() {
        return Err(invalid(
            &config.id,
            "a `sasl` table goes with `security_protocol = \"sasl_ssl\"` or `\"sasl_plaintext\"`, and only with them",
        ));
    }
    let tls_protocol = matches!(
        config.security_protocol,
        KafkaSecurityProtocol::Ssl | KafkaSecurityProtocol::SaslSsl
    );
    if config.tls_ca_path.is_some() && !tls_protocol {
        return Err(invalid(
            &config.id,
            "`tls_ca_path` needs `security_protocol = \"ssl\"` or `\"sasl_ssl\"`",
        ));
    }
    Ok(())
}

/// The configuration in librdkafka's terms.
fn client_config(config: &KafkaConfig) -> ClientConfig {
    let mut client = ClientConfig::new();
    client
        .set("bootstrap.servers", config.bootstrap_servers.join(","))
        .set("group.id", &config.group_id)
        .set("client.id", &config.client_id)
        // Positions move only through checkpoints saved after the durable write.
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set(
            "auto.offset.reset",
            match config.start_from {
                KafkaStartFrom::Earliest => "earliest",
                KafkaStartFrom::Latest => "latest",
            },
        )
        .set("session.timeout.ms", config.session_timeout_ms.to_string())
        .set(
            "max.poll.interval.ms",
            config.max_poll_interval_ms.to_string(),
        )
        .set(
            "queued.max.messages.kbytes",
            (config.fetch_queue_max_bytes / 1024).to_string(),
        )
        .set(
            "security.protocol",
            match config.security_protocol {
                KafkaSecurityProtocol::Plaintext => "plaintext",
                KafkaSecurityProtocol::Ssl => "ssl",
                KafkaSecurityProtocol::SaslPlaintext => "sasl_plaintext",
                KafkaSecurityProtocol::SaslSsl => "sasl_ssl",
            },
        );
    if let Some(sasl) = &config.sasl {
        client
            .set(
                "sasl.mechanism",
                match sasl.mechanism {
                    KafkaSaslMechanism::Plain => "PLAIN",
                    KafkaSaslMechanism::ScramSha256 => "SCRAM-SHA-256",
                    KafkaSaslMechanism::ScramSha512 => "SCRAM-SHA-512",
                },
            )
            .set("sasl.username", &sasl.username)
            .set("sasl.password", sasl.password.expose());
    }
    if let Some(ca) = &config.tls_ca_path {
        client.set("ssl.ca.location", ca.to_string_lossy());
    }
    client
}

/// The polling loop, on its own blocking thread.
struct Reader {
    consumer: BaseConsumer<GroupContext>,
    batcher: Batcher,
}

impl Reader {
    fn run(self) -> Result<(), SourceError> {
        let Reader {
            consumer,
            mut batcher,
        } = self;
        let commit_every = Duration::from_millis(batcher.config.commit_interval_ms);
        let mut next_commit = Instant::now() + commit_every;
        while !batcher.out.shutdown.is_cancelled() && !batcher.out.sender.is_closed() {
            let now = Instant::now();
            if now >= next_commit {
                consumer
                    .context()
                    .commit_durable(&consumer, None, CommitMode::Async);
                next_commit = now + commit_every;
            }
            if !batcher.flush_due(now) {
                break;
            }
            let wait = batcher
                .next_due()
                .unwrap_or(now + POLL_SLICE)
                .min(next_commit)
                .saturating_duration_since(now)
                .min(POLL_SLICE);
            let polled = consumer.poll(wait);
            // Rebalance callbacks run inside `poll`: forget batches of partitions we lost.
            for key in consumer.context().take_revoked() {
                batcher.batches.remove(&key);
            }
            let message = match polled {
                None => continue,
                Some(Ok(message)) => message,
                Some(Err(error)) => {
                    add(&batcher.out.counters.errors, 1);
                    tracing::warn!(source = %batcher.config.id, %error, "kafka consumer error");
                    continue;
                }
            };
            if !consumer
                .context()
                .owns(message.topic(), message.partition())
            {
                // Fetched before a revocation; the partition's new owner reads it.
                continue;
            }
            if !batcher.take(
                message.topic(),
                message.partition(),
                message.offset(),
                message.payload(),
            ) {
                break;
            }
        }
        // Pending batches are not sent: they are read again from the checkpoint. Commit what
        // is durable by now, then leave the group (dropping the consumer closes it, which
        // revokes, and so commits, once more).
        batcher.batches.clear();
        consumer
            .context()
            .commit_durable(&consumer, None, CommitMode::Sync);
        drop(consumer);
        Ok(())
    }
}

/// One partition's messages not sent yet.
struct Batch {
    bytes: BytesMut,
    /// The offset after the last message taken (read, skipped or not).
    next_offset: i64,
    /// When the first message was taken.
    started: Instant,
}

/// Per-partition batching into chunks.
struct Batcher {
    config: KafkaConfig,
    /// The first bootstrap server, for origins.
    broker: String,
    batches: HashMap<PartitionKey, Batch>,
    out: Output,
    runtime: Handle,
}

impl Batcher {
    /// Adds one message; `false` when the source must stop.
    fn take(&mut self, topic: &str, partition: i32, offset: i64, payload: Option<&[u8]>) -> bool {
        add(&self.out.counters.messages, 1);
        let key = (topic.to_owned(), partition);
        let payload = payload.unwrap_or_default();
        let record = payload.strip_suffix(b"\n").unwrap_or(payload);
        if record.len() > self.config.max_message_bytes {
            add(&self.out.counters.oversize, 1);
            tracing::warn!(source = %self.config.id, topic, partition, offset, bytes = payload.len(), "kafka message over `max_message_bytes`; skipped");
        }
        let keep = !record.is_empty() && record.len() <= self.config.max_message_bytes;
        let full = self.batches.get(&key).is_some_and(|batch| {
            keep && !batch.bytes.is_empty()
                && batch.bytes.len() + record.len() + 1 > self.config.batch_max_bytes
        });
        if full && !self.flush(&key) {
            return false;
        }
        let batch = self.batches.entry(key.clone()).or_insert_with(|| Batch {
            bytes: BytesMut::new(),
            next_offset: offset,
            started: Instant::now(),
        });
        if keep {
            batch.bytes.extend_from_slice(record);
            batch.bytes.extend_from_slice(b"\n");
        }
        batch.next_offset = batch.next_offset.max(offset + 1);
        if batch.bytes.len() >= self.config.batch_max_bytes {
            return self.flush(&key);
        }
        true
    }

    /// When the oldest batch is due.
    fn next_due(&self) -> Option<Instant> {
        let max_age = Duration::from_millis(self.config.batch_max_ms);
        self.batches
            .values()
            .map(|batch| batch.started + max_age)
            .min()
    }

    /// Sends every batch older than `batch_max_ms`; `false` when the source must stop.
    fn flush_due(&mut self, now: Instant) -> bool {
        let max_age = Duration::from_millis(self.config.batch_max_ms);
        let due: Vec<PartitionKey> = self
            .batches
            .iter()
            .filter(|(_, batch)| batch.started + max_age <= now)
            .map(|(key, _)| key.clone())
            .collect();
        for key in due {
            if !self.flush(&key) {
                return false;
            }
        }
        true
    }

    /// Sends a partition's batch as one chunk (bytes may be empty when every message was
    /// skipped: the chunk then only moves the checkpoint past them).
    fn flush(&mut self, key: &PartitionKey) -> bool {
        let Some(batch) = self.batches.remove(key) else {
            return true;
        };
        let (topic, partition) = key;
        let chunk = Chunk {
            source_id: self.config.id.clone(),
            origin: format!("kafka://{}/{topic}/{partition}", self.broker),
            bytes: Bytes::from(batch.bytes),
            source_type: self.config.source_type,
            checkpoint: Some(CheckpointUpdate {
                key: checkpoint_key(topic, *partition),
                value: checkpoint_value(batch.next_offset),
            }),
        };
        self.runtime.block_on(self.out.send(chunk))
    }
}

#[cfg(test)]
mod tests;
