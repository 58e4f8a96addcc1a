//! The S3-compatible poller: IBM Cloud Object Storage, AWS S3, MinIO.
//!
//! Each prefix is listed with ListObjectsV2 `start-after` its mark, and every object not read
//! yet is fetched (up to `max_object_bytes`) and delivered whole as one chunk, origin
//! `s3://bucket/key`, so the pipeline detects the source from the key layout and
//! decompresses gzip itself.
//!
//! ## Reading each object once
//!
//! The checkpoint of a prefix is `{start_after, recent}`: every key at or before
//! `start_after` counts as read, and `recent` holds the keys read after it. A listing starts
//! after the mark, so its cost stays proportional to the recent window plus what is new,
//! not to the bucket. A key is read when it is after the mark and not in `recent`. When
//! `recent` outgrows `recent_keys_max`, its smallest keys move under the mark.
//!
//! Why not just "the last key read": services write keys in time order but objects land
//! slightly out of order (a flow-log collector finishing its object a few seconds after the
//! next one), so a key can appear *before* the last key read. Keeping a window of recent
//! keys instead of a single mark reads such a late object, once, as long as fewer than
//! `recent_keys_max` keys sort between it and the newest. The window is bounded, so state
//! and checkpoint size are too (a few hundred KiB at the default 1,000 keys).
//!
//! The limit of the scheme: keys must sort roughly in arrival order under each configured
//! prefix. That holds for CIS Logpush (`<prefix>/<YYYYMMDD>/...`) and date-first archives,
//! and for VPC flow logs under a prefix per stream; under a prefix spanning many flow-log
//! collectors (account, VPC, subnet and instance come before the date in those keys), new
//! keys of an early collector sort before old keys of a later one, so `recent_keys_max`
//! must exceed the number of objects kept under the prefix, or the prefix be split.
//! An object rewritten under a key already read is not read again.
//!
//! The chunk of each object carries the whole prefix state after it; the consumer saves it
//! once the object's events are durable, so a crash re-reads at most the objects whose
//! events were not durable yet.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{ClientOptions, ObjectMeta, ObjectStore, ObjectStoreExt};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::chunk::{add, Output};
use crate::config::invalid;
use crate::{
    CheckpointStore, CheckpointUpdate, Chunk, S3Config, SourceCounters, SourceError, SourceHandle,
};

/// The read state of one prefix, as checkpointed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrefixState {
    /// Every key up to this one (inclusive) has been read.
    pub start_after: Option<String>,
    /// Keys after `start_after` that have been read.
    pub recent: BTreeSet<String>,
}

impl PrefixState {
    /// Whether `key` was read already.
    pub fn has_read(&self, key: &str) -> bool {
        self.start_after.as_deref().is_some_and(|mark| key <= mark) || self.recent.contains(key)
    }

    /// Records `key` as read, keeping at most `recent_max` keys above the mark.
    pub fn mark_read(&mut self, key: &str, recent_max: usize) {
        if self.has_read(key) {
            return;
        }
        self.recent.insert(key.to_owned());
        while self.recent.len() > recent_max {
            let Some(smallest) = self.recent.pop_first() else {
                break;
            };
            self.start_after = Some(smallest);
        }
    }
}

/// Connects to the bucket (no request is made yet) and starts polling. Fails at once on an
/// invalid configuration or an unreadable checkpoint.
///
/// Installs rustls' ring provider as the process default if none is installed yet: the
/// HTTPS client needs one, and this crate builds without aws-lc.
pub async fn spawn(
    config: S3Config,
    checkpoints: Arc<dyn CheckpointStore>,
    sender: mpsc::Sender<Chunk>,
    shutdown: CancellationToken,
) -> Result<SourceHandle, SourceError> {
    if config.bucket.is_empty() || config.prefixes.is_empty() {
        return Err(invalid(
            &config.id,
            "`bucket` and `prefixes` must not be empty",
        ));
    }
    if config.poll_interval_ms == 0
        || config.recent_keys_max == 0
        || config.request_timeout_secs == 0
    {
        return Err(invalid(
            &config.id,
            "`poll_interval_ms`, `recent_keys_max` and `request_timeout_secs` must be positive",
        ));
    }
    // Another provider installed first is fine: this only fails when one already is.
    crate::install_tls_provider();
    let store = build_store(&config)?;
    let mut prefixes = Vec::with_capacity(config.prefixes.len());
    for prefix in &config.prefixes {
        let key = checkpoint_key(prefix);
        let state = match checkpoints.load(&config.id, &key)? {
            Some(value) => serde_json::from_value(value).map_err(|e| SourceError::Checkpoint {
                key: key.clone(),
                detail: e.to_string(),
            })?,
            None => PrefixState::default(),
        };
        prefixes.push((prefix.clone(), state));
    }
    let counters = Arc::new(SourceCounters::default());
    let id = config.id.clone();
    let poller = Poller {
        store,
        prefixes,
        out: Output {
            sender,
            shutdown,
            counters: counters.clone(),
        },
        config,
    };
    let task = tokio::spawn(poller.run());
    Ok(SourceHandle::new(id, None, counters, task))
}

/// The checkpoint key of a prefix.
fn checkpoint_key(prefix: &str) -> String {
    format!("prefix:{prefix}")
}

fn build_store(config: &S3Config) -> Result<Arc<dyn ObjectStore>, SourceError> {
    let endpoint = config.endpoint_url.as_deref();
    let options = ClientOptions::new()
        .with_timeout(Duration::from_secs(config.request_timeout_secs))
        .with_allow_http(endpoint.is_some_and(|e| e.starts_with("http://")));
    let mut builder = AmazonS3Builder::new()
        .with_bucket_name(&config.bucket)
        .with_region(&config.region)
        .with_access_key_id(&config.access_key_id)
        .with_secret_access_key(config.secret_access_key.expose())
        .with_virtual_hosted_style_request(!config.path_style)
        .with_client_options(options);
    if let Some(endpoint) = endpoint {
        builder = builder.with_endpoint(endpoint);
    }
    let store = builder.build().map_err(|e| SourceError::ObjectStore {
        bucket: config.bucket.clone(),
        detail: e.to_string(),
    })?;
    Ok(Arc::new(store))
}

/// An object key as an `object_store` path, without encoding it again.
fn key_path(key: &str) -> Path {
    Path::parse(key).unwrap_or_else(|_| Path::from(key))
}

struct Poller {
    config: S3Config,
    store: Arc<dyn ObjectStore>,
    prefixes: Vec<(String, PrefixState)>,
    out: Output,
}

impl Poller {
    async fn run(mut self) -> Result<(), SourceError> {
        let interval = Duration::from_millis(self.config.poll_interval_ms);
        loop {
            for index in 0..self.prefixes.len() {
                if !self.poll_prefix(index).await {
                    return Ok(());
                }
            }
            tokio::select! {
                _ = self.out.shutdown.cancelled() => return Ok(()),
                _ = tokio::time::sleep(interval) => {}
            }
        }
    }

    /// Lists one prefix from its mark and reads what is new; `false` when the source must
    /// stop.
    async fn poll_prefix(&mut self, index: usize) -> bool {
        let Some((prefix, state)) = self.prefixes.get(index) else {
            return true;
        };
        let prefix_path = (!prefix.is_empty()).then(|| key_path(prefix));
        let mut listing = match &state.start_after {
            Some(mark) => self
                .store
                .list_with_offset(prefix_path.as_ref(), &key_path(mark)),
            None => self.store.list(prefix_path.as_ref()),
        };
        loop {
            let next = tokio::select! {
                _ = self.out.shutdown.cancelled() => return false,
                next = listing.next() => next,
            };
            let meta = match next {
                None => return true,
                Some(Ok(meta)) => meta,
                Some(Err(e)) => {
                    add(&self.out.counters.errors, 1);
                    tracing::warn!(source = %self.config.id, bucket = %self.config.bucket, error = %e, "listing failed");
                    return true;
                }
            };
            let key = meta.location.as_ref().to_owned();
            if self.prefixes[index].1.has_read(&key) {
                continue;
            }
            let fetched = tokio::select! {
                _ = self.out.shutdown.cancelled() => return false,
                fetched = self.fetch(&meta) => fetched,
            };
            let Some(bytes) = fetched else {
                // Left unread: tried again at the next poll.
                continue;
            };
            let (prefix, state) = &mut self.prefixes[index];
            state.mark_read(&key, self.config.recent_keys_max);
            let value = serde_json::to_value(&*state).expect("a struct of strings serializes");
            let chunk = Chunk {
                source_id: self.config.id.clone(),
                origin: format!("s3://{}/{}", self.config.bucket, key),
                bytes,
                source_type: self.config.source_type,
                checkpoint: Some(CheckpointUpdate {
                    key: checkpoint_key(prefix),
                    value,
                }),
            };
            if !self.out.send(chunk).await {
                return false;
            }
        }
    }

    /// The object's bytes; empty when it is over the cap (counted, and marked read so it is
    /// not fetched again); `None` when the request failed.
    async fn fetch(&self, meta: &ObjectMeta) -> Option<Bytes> {
        let cap = self.config.max_object_bytes;
        let too_large = || {
            add(&self.out.counters.oversize, 1);
            add(&self.out.counters.errors, 1);
            tracing::warn!(source = %self.config.id, key = %meta.location, size = meta.size, "object over `max_object_bytes`; skipped");
            Some(Bytes::new())
        };
        if meta.size > cap {
            return too_large();
        }
        let result = match self.store.get(&meta.location).await {
            Ok(result) => result,
            Err(e) => {
                add(&self.out.counters.errors, 1);
                tracing::warn!(source = %self.config.id, key = %meta.location, error = %e, "get failed");
                return None;
            }
        };
        let mut body = BytesMut::with_capacity(meta.size as usize);
        let mut parts = result.into_stream();
        while let Some(part) = parts.next().await {
            let part = match part {
                Ok(part) => part,
                Err(e) => {
                    add(&self.out.counters.errors, 1);
                    tracing::warn!(source = %self.config.id, key = %meta.location, error = %e, "object read failed");
                    return None;
                }
            };
            // The listing's size can be stale; the cap holds for what actually arrives.
            if (body.len() + part.len()) as u64 > cap {
                return too_large();
            }
            body.extend_from_slice(&part);
        }
        add(&self.out.counters.objects, 1);
        Some(body.freeze())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_reads_late_keys_once_and_stays_bounded() {
        let mut state = PrefixState::default();
        for key in ["a/01", "a/03", "a/04"] {
            state.mark_read(key, 3);
        }
        assert!(
            !state.has_read("a/02"),
            "a late key before the newest is still unread"
        );
        state.mark_read("a/02", 3);
        assert_eq!(state.start_after.as_deref(), Some("a/01"));
        assert_eq!(state.recent.len(), 3);
        assert!(state.has_read("a/01") && state.has_read("a/02") && state.has_read("a/04"));
        assert!(state.has_read("a/00"), "keys under the mark count as read");
        assert!(!state.has_read("a/05"));
        let json = serde_json::to_value(&state).unwrap();
        assert_eq!(serde_json::from_value::<PrefixState>(json).unwrap(), state);
    }
}
