//! The state store of `vigil serve`: alerts, rules, source checkpoints, dead letters and the
//! audit log, in one SQLite database in WAL mode.
//!
//! **What it owns.** Every SQL statement of Vigil's state lives here (nothing else knows the
//! tables), with the schema's history: an append-only list of scripts
//! ([`SCHEMA_VERSION`] of them), each applied in its own transaction and recorded with a checksum in
//! `schema_migrations`; a database with migrations this binary does not know is refused
//! ([`StateError::SchemaTooNew`]), and so is one whose applied migrations were edited. The
//! tables:
//!
//! - `alerts` (+ `alert_evidence`): one row per deduplicated alert — rule id, title and level,
//!   status (`new`, `acknowledged`, `closed`), assignee, first and last seen (event time, ms),
//!   hit count, entities and the latest hit's JSON; its evidence in its own table, the newest
//!   [`StoreOptions::max_evidence_per_alert`] by event time, the rest counted as dropped.
//!   [`StateStore::record_alerts`] folds a hit into the open alert with the same
//!   [`dedup_key`] — the rule (id, else name, else title), the sorted entities and the
//!   correlation's sorted group-by values, as compact JSON. A partial unique index keeps at
//!   most one open alert per key; a closed alert absorbs nothing, the next hit opens a new
//!   one, and reopening a closed alert while a newer one is open is refused.
//! - `rules`: which rules exist (built in or uploaded, with the YAML of uploads) and whether
//!   each is enabled. Re-registering the built-in pack keeps what admins disabled.
//! - `checkpoints`: how far each source has read, as JSON the source owns.
//! - `dead_letters` (+ `dead_letter_counts`): records that could not be normalized, with
//!   reason, location and their first 64 KiB; a bounded window of rows, and counts per
//!   source and reason that survive its pruning.
//! - `audit`: who did what to what, and whether it happened. Every call that takes an
//!   `actor` writes its entry in the same transaction as the change (a call that changes
//!   nothing writes none; a refusal writes a `failure` entry). Triggers abort any `UPDATE`
//!   or `DELETE` on the table.
//!
//! **Concurrency.** [`StateStore`] is `Clone + Send + Sync` (an `Arc`): the HTTP server and
//! the pipeline share one. Writes go through one mutex-guarded writer connection, each call
//! one `BEGIN IMMEDIATE` transaction (SQLite has one writer anyway; a mutex makes waiting for
//! it cheap and fair instead of busy-polling). Reads take one of
//! [`StoreOptions::read_connections`] (default 2) read-only connections and run in a read
//! transaction, so a page and its total see one snapshot, and WAL lets them run while the
//! writer writes: a slow read never holds up the pipeline's writes. Measured with
//! `benches/state.rs` on the shared 2-core machine (load 5–7 from other builds), a dashboard
//! page (100 of 20,000 alerts plus the total) while another thread records hits flat out:
//! mean 0.40–0.54 ms with 2 readers against 0.64–0.77 ms with one shared connection, p99
//! 12 ms against 13–16 ms, worst 56–60 ms against 32–102 ms; idle, both take 0.1–0.2 ms. So
//! readers are the default, for the mean and for isolation more than for the tail, which
//! CPU contention dominates on this machine. An in-memory store has one connection for
//! everything.
//!
//! **What it must not know.** HTTP, JSON DTOs of the API, authentication (an `actor` is a
//! name it is given), files other than its database, and how alerts are detected: alerts
//! come in as `vigil_detect::alert::Alert` and are stored as their JSON. Time is passed in
//! where the pipeline owns it (`record_alerts(now_ms)`) and read from
//! [`StoreOptions::clock`] for the store's own stamps.

mod alerts;
mod audit;
mod checkpoints;
mod dead_letters;
mod error;
mod ids;
mod migrate;
mod rules;
mod sql;
mod store;

pub use alerts::{
    dedup_key, AlertDetail, AlertFilter, AlertPage, AlertStatus, AlertSummary, AlertUpdate,
    RecordOutcome,
};
pub use audit::{AuditEntry, AuditFilter, AuditOutcome, AuditRecord};
pub use checkpoints::{Checkpoint, MAX_CHECKPOINT_BYTES};
pub use dead_letters::{
    DeadLetter, DeadLetterCount, DeadLetterFilter, StoredDeadLetter, MAX_DEAD_LETTER_RAW_BYTES,
};
pub use error::StateError;
pub use ids::{AlertId, AuditId, DeadLetterId, RuleId, SourceId};
pub use migrate::SCHEMA_VERSION;
pub use rules::{RuleOrigin, RuleRecord, StoredRule, UpsertOutcome, MAX_RULE_YAML_BYTES};
pub use sql::{DEFAULT_PAGE, MAX_NAME_BYTES, MAX_PAGE};
pub use store::{Clock, StateStore, StoreOptions};

/// The store is shared between the async server and the pipeline thread.
const _: () = {
    const fn shared<T: Clone + Send + Sync + 'static>() {}
    shared::<StateStore>();
};
