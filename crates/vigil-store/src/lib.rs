//! The event store: where normalized events go to be kept and searched.
//!
//! Write path: [`EventStore::append`] encodes each [`StoredEvent`] (event JSON, time, rule
//! hits) as a record of the write-ahead log ([`wal`]) and returns once the batch is durable:
//! that is the acknowledgement. The batch then goes through a bounded queue (backpressure:
//! `append` blocks, `try_append` says [`StoreError::Busy`]) to one indexer thread, which
//! routes events to time partitions (one tantivy index per UTC day by default) and commits on
//! a timer or a document count. Each commit records the last log sequence it holds (tantivy
//! commit payload, plus a checkpoint file); on open only later log records are replayed, so a
//! kill -9 loses no acknowledged event and duplicates none.
//!
//! Exactly-once for sources: [`EventStore::append_with_meta`] writes the events and an opaque
//! metadata blob (the source checkpoints the chunk reached) in one log batch under one
//! `fsync`; a torn batch is dropped whole, so after a crash the events and their checkpoint
//! are both there or both gone. The metadata is never indexed. [`EventStore::recovered_meta`]
//! lists the blobs found on open, and the log keeps a blob until the caller confirms it has
//! saved it elsewhere ([`EventStore::confirm_meta`]), so a crash between the append and that
//! save loses nothing: the caller re-applies the recovered blobs and resumes after them.
//!
//! Index: the schema comes from the query field catalogue (`vigil_query::fields`): keywords,
//! ints, times and IPs as fast fields for filters and aggregations, text fields and the
//! original record tokenized for free text, the event JSON stored once in a zstd docstore.
//! Read path: [`EventStore::search`] compiles a `vigil_query` syntax tree to tantivy queries
//! over the partitions overlapping the time range, returns the newest events or runs
//! aggregations (`stats`, `timechart`, `top`) with fast-field collectors, then the row pipes.
//! Retention drops whole partitions by age and size. Lake export
//! ([`EventStore::export_parquet`]) writes partitions as Parquet files for other engines.
//!
//! This crate owns every storage format of events (log records, tantivy, Parquet). It
//! must not know where events come from (collectors, files), how they were detected, nor
//! HTTP: it takes events and time as arguments and reads no clock except the commit timer.

mod agg;
mod compile;
mod error;
mod export;
mod extract;
mod index;
mod options;
mod partition;
mod pipes;
mod record;
mod schema;
mod search;
mod store;
mod values;
pub mod wal;

pub use error::StoreError;
pub use export::{ExportCompression, ExportReport, ExportRequest, ExportedFile};
pub use index::RetentionReport;
pub use options::{StoreOptions, DAY_MS};
pub use record::StoredEvent;
pub use schema::RULE_HIT_FIELD;
pub use search::{EventHit, SearchRequest, SearchResponse, SearchResult, Table};
pub use store::{EventStore, OpenReport, StoreStats};
pub use wal::{RecordKind, WalOptions, WalSeq, WalSync};
