//! Consumer-group membership: where an assigned partition starts, and which offsets are
//! committed to Kafka (only durable ones).
//!
//! librdkafka calls [`GroupContext`] from inside `poll`, on the source's own thread, so the
//! blocking requests made here (committed offsets on assignment, a synchronous commit on
//! revocation) stall only this source, never the async runtime.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, RebalanceProtocol};
use rdkafka::error::{KafkaError, KafkaResult};
use rdkafka::types::RDKafkaRespErr;
use rdkafka::{Offset, TopicPartitionList};
use serde_json::Value;

use crate::chunk::add;
use crate::{CheckpointStore, SourceCounters, SourceId};

/// A topic and partition.
pub(crate) type PartitionKey = (String, i32);

/// The checkpoint key of a partition: `topic/partition` (topic names cannot hold `/`).
pub(crate) fn checkpoint_key(topic: &str, partition: i32) -> String {
    format!("{topic}/{partition}")
}

/// The checkpoint value of a partition: the offset of the next record to read.
pub(crate) fn checkpoint_value(next_offset: i64) -> Value {
    serde_json::json!({ "next_offset": next_offset })
}

/// What the group context knows of a partition this member owns.
#[derive(Debug)]
struct Owned {
    /// The highest offset known to be committed to Kafka for the group (-1: none). Commits
    /// only ever move it forward, so a stale local checkpoint never rewinds the group.
    committed: i64,
}

/// The librdkafka callbacks of one Kafka source.
pub(crate) struct GroupContext {
    source_id: SourceId,
    checkpoints: Arc<dyn CheckpointStore>,
    counters: Arc<SourceCounters>,
    request_timeout: Duration,
    owned: Mutex<HashMap<PartitionKey, Owned>>,
    /// Partitions taken away since the reader last looked: their pending batches must be
    /// dropped, not sent (the new owner reads them from the last durable position).
    revoked: Mutex<Vec<PartitionKey>>,
}

impl GroupContext {
    pub(crate) fn new(
        source_id: SourceId,
        checkpoints: Arc<dyn CheckpointStore>,
        counters: Arc<SourceCounters>,
        request_timeout: Duration,
    ) -> GroupContext {
        GroupContext {
            source_id,
            checkpoints,
            counters,
            request_timeout,
            owned: Mutex::new(HashMap::new()),
            revoked: Mutex::new(Vec::new()),
        }
    }

    /// Whether this member owns the partition now.
    pub(crate) fn owns(&self, topic: &str, partition: i32) -> bool {
        lock(&self.owned).contains_key(&(topic.to_owned(), partition))
    }

    /// The partitions revoked since the last call.
    pub(crate) fn take_revoked(&self) -> Vec<PartitionKey> {
        std::mem::take(&mut *lock(&self.revoked))
    }

    /// Commits to the group the durable position (the saved checkpoint) of every owned
    /// partition, or of `only` these, where it is ahead of what Kafka holds.
    pub(crate) fn commit_durable(
        &self,
        consumer: &BaseConsumer<GroupContext>,
        only: Option<&[PartitionKey]>,
        mode: CommitMode,
    ) {
        let keys: Vec<(PartitionKey, i64)> = lock(&self.owned)
            .iter()
            .filter(|(key, _)| only.is_none_or(|only| only.contains(key)))
            .map(|(key, owned)| (key.clone(), owned.committed))
            .collect();
        let mut offsets = TopicPartitionList::new();
        for ((topic, partition), committed) in keys {
            let Some(next) = self.load(&topic, partition) else {
                continue;
            };
            if next > committed {
                // Cannot fail: the list is new and the offset is a plain offset.
                let _ = offsets.add_partition_offset(&topic, partition, Offset::Offset(next));
            }
        }
        if offsets.count() == 0 {
            return;
        }
        match consumer.commit(&offsets, mode) {
            Ok(()) if matches!(mode, CommitMode::Sync) => self.committed(&offsets),
            // An async commit reports through `commit_callback`.
            Ok(()) => {}
            Err(error) => self.failed("offset commit failed", &error),
        }
    }

    /// The saved next offset of a partition; `None` when there is none or it is unreadable
    /// (counted: the partition then starts from the group's committed offset).
    fn load(&self, topic: &str, partition: i32) -> Option<i64> {
        let key = checkpoint_key(topic, partition);
        match self.checkpoints.load(&self.source_id, &key) {
            Ok(None) => None,
            Ok(Some(value)) => {
                let next = value.get("next_offset").and_then(Value::as_i64);
                if next.is_none() {
                    add(&self.counters.errors, 1);
                    tracing::warn!(source = %self.source_id, key, %value, "unreadable kafka checkpoint; ignored");
                }
                next
            }
            Err(error) => {
                add(&self.counters.errors, 1);
                tracing::warn!(source = %self.source_id, key, %error, "kafka checkpoint not loaded");
                None
            }
        }
    }

    /// Records offsets Kafka confirmed as committed.
    fn committed(&self, offsets: &TopicPartitionList) {
        let mut owned = lock(&self.owned);
        for ((topic, partition), offset) in offsets.to_topic_map() {
            if let (Some(owned), Offset::Offset(offset)) =
                (owned.get_mut(&(topic, partition)), offset)
            {
                owned.committed = owned.committed.max(offset);
            }
        }
    }

    fn failed(&self, what: &str, error: &KafkaError) {
        add(&self.counters.errors, 1);
        tracing::warn!(source = %self.source_id, %error, "{what}");
    }

    /// New partitions: each starts at the later of the group's committed offset (progress
    /// another member made durable) and this source's checkpoint (progress made durable here
    /// but not committed to Kafka yet, e.g. just before a crash). Both are durable
    /// positions, so starting at the later one loses nothing and re-reads least.
    fn assign(&self, consumer: &BaseConsumer<GroupContext>, assignment: &mut TopicPartitionList) {
        let committed = match consumer.committed_offsets(assignment.clone(), self.request_timeout) {
            Ok(committed) => Some(committed.to_topic_map()),
            Err(error) => {
                // Starting from the local checkpoint alone can only re-read, never skip.
                self.failed("committed offsets not fetched", &error);
                None
            }
        };
        let mut owned = lock(&self.owned);
        for ((topic, partition), _) in assignment.to_topic_map() {
            let local = self.load(&topic, partition);
            let in_kafka = committed
                .as_ref()
                .and_then(|c| c.get(&(topic.clone(), partition)))
                .and_then(|offset| match offset {
                    Offset::Offset(n) => Some(*n),
                    _ => None,
                });
            let start = local.max(in_kafka);
            if let Some(start) = start {
                let _ = assignment.set_partition_offset(&topic, partition, Offset::Offset(start));
            }
            tracing::info!(source = %self.source_id, topic, partition, ?local, ?in_kafka, ?start, "kafka partition assigned");
            let floor = in_kafka.or(local).unwrap_or(-1);
            owned.insert((topic, partition), Owned { committed: floor });
        }
        drop(owned);
        let assigned = match consumer.rebalance_protocol() {
            RebalanceProtocol::Cooperative => consumer.incremental_assign(assignment),
            _ => consumer.assign(assignment),
        };
        if let Err(error) = assigned {
            self.failed("partition assignment failed", &error);
        }
    }

    /// Partitions taken away: commit what is durable of them (unless the membership was
    /// lost, when the group no longer takes our commits), then forget them.
    fn revoke(&self, consumer: &BaseConsumer<GroupContext>, revoked: &TopicPartitionList) {
        let keys: Vec<PartitionKey> = revoked.to_topic_map().into_keys().collect();
        if !consumer.assignment_lost() {
            self.commit_durable(consumer, Some(&keys), CommitMode::Sync);
        }
        {
            let mut owned = lock(&self.owned);
            for key in &keys {
                owned.remove(key);
            }
        }
        tracing::info!(source = %self.source_id, partitions = keys.len(), "kafka partitions revoked");
        lock(&self.revoked).extend(keys);
        let unassigned = match consumer.rebalance_protocol() {
            RebalanceProtocol::Cooperative => consumer.incremental_unassign(revoked),
            _ => consumer.unassign(),
        };
        if let Err(error) = unassigned {
            self.failed("partition revocation failed", &error);
        }
    }
}

impl ClientContext for GroupContext {
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        let source = self.source_id.as_str();
        match level {
            RDKafkaLogLevel::Emerg
            | RDKafkaLogLevel::Alert
            | RDKafkaLogLevel::Critical
            | RDKafkaLogLevel::Error => {
                tracing::error!(source, facility, "librdkafka: {message}")
            }
            RDKafkaLogLevel::Warning => tracing::warn!(source, facility, "librdkafka: {message}"),
            RDKafkaLogLevel::Notice | RDKafkaLogLevel::Info => {
                tracing::info!(source, facility, "librdkafka: {message}")
            }
            RDKafkaLogLevel::Debug => tracing::debug!(source, facility, "librdkafka: {message}"),
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        add(&self.counters.errors, 1);
        tracing::warn!(source = %self.source_id, %error, reason, "kafka client error");
    }
}

impl ConsumerContext for GroupContext {
    fn rebalance(
        &self,
        consumer: &BaseConsumer<GroupContext>,
        error: RDKafkaRespErr,
        partitions: &mut TopicPartitionList,
    ) {
        match error {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => {
                self.assign(consumer, partitions)
            }
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => {
                self.revoke(consumer, partitions)
            }
            other => {
                self.failed("rebalance failed", &KafkaError::Rebalance(other.into()));
                self.revoke(consumer, partitions);
            }
        }
    }

    fn commit_callback(&self, result: KafkaResult<()>, offsets: &TopicPartitionList) {
        match result {
            Ok(()) => self.committed(offsets),
            Err(error) => self.failed("offset commit failed", &error),
        }
    }
}

/// Locks a map of this module. Every critical section is a few map operations that cannot
/// leave it half-updated, so a poisoned lock is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
