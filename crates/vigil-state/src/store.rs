//! Opening the database and sharing its connections between threads.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::error::{SqlContext, StateError};
use crate::migrate;

/// Where "now" comes from for the rows the store stamps itself (audit entries, `updated_ms`).
/// The system clock by default; tests pass a fixed one.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> i64 + Send + Sync>);

impl Clock {
    /// The system clock, in ms since the Unix epoch.
    pub fn system() -> Clock {
        Clock(Arc::new(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        }))
    }

    /// A clock that answers what `now_ms` returns.
    pub fn from_fn(now_ms: impl Fn() -> i64 + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(now_ms))
    }

    /// The current time in ms since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        (self.0)()
    }
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::system()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

/// How a store is opened. `Default` is what `vigil serve` uses.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// How long a statement waits for another process's lock before failing (ms).
    pub busy_timeout_ms: u64,
    /// Read-only connections beside the one writer connection (file databases only; an
    /// in-memory store has one connection). 0 means every call shares the writer.
    pub read_connections: usize,
    /// Evidence items kept per alert: the newest by event time; older ones are dropped and
    /// counted in `evidence_dropped`.
    pub max_evidence_per_alert: usize,
    /// Dead-lettered records kept (the oldest go first); per-source counts are kept apart
    /// and never shrink.
    pub max_dead_letters: u64,
    /// Where "now" comes from for audit entries and `updated_ms`.
    pub clock: Clock,
}

impl Default for StoreOptions {
    fn default() -> StoreOptions {
        StoreOptions {
            busy_timeout_ms: 5_000,
            read_connections: 2,
            max_evidence_per_alert: 100,
            max_dead_letters: 100_000,
            clock: Clock::system(),
        }
    }
}

/// The state store: one SQLite database in WAL mode. Cheap to clone (an `Arc`), `Send` and
/// `Sync`: the HTTP server and the pipeline share one.
///
/// Writes go through one mutex-guarded writer connection, each call one `BEGIN IMMEDIATE`
/// transaction; reads take a free read-only connection (WAL lets them read a consistent
/// snapshot while the writer writes). See the crate documentation for why.
#[derive(Clone, Debug)]
pub struct StateStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    options: StoreOptions,
}

impl StateStore {
    /// Opens (creating if needed) the database at `path` with default options, and brings its
    /// schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<StateStore, StateError> {
        StateStore::open_with(path, StoreOptions::default())
    }

    /// Opens (creating if needed) the database at `path`, and brings its schema up to date.
    /// Refuses a database whose schema is newer than this binary knows
    /// ([`StateError::SchemaTooNew`]) or whose applied migrations were changed.
    pub fn open_with(
        path: impl AsRef<Path>,
        options: StoreOptions,
    ) -> Result<StateStore, StateError> {
        let path = path.as_ref().to_path_buf();
        let open_error = |source| StateError::Open {
            path: path.clone(),
            source,
        };
        let mut writer = Connection::open(&path).map_err(open_error)?;
        configure(&writer, &options, false, &path)?;
        migrate::apply(&mut writer, &path, options.clock.now_ms())?;
        let mut readers = Vec::with_capacity(options.read_connections);
        for _ in 0..options.read_connections {
            let reader = Connection::open(&path).map_err(open_error)?;
            configure(&reader, &options, true, &path)?;
            readers.push(Mutex::new(reader));
        }
        Ok(StateStore::from_parts(path, writer, readers, options))
    }

    /// An in-memory store with default options (one connection; gone when the last clone is
    /// dropped). For tests and `vigil hunt`-style one-shot runs.
    pub fn open_in_memory() -> Result<StateStore, StateError> {
        StateStore::open_in_memory_with(StoreOptions::default())
    }

    /// An in-memory store (one connection whatever `read_connections` says).
    pub fn open_in_memory_with(options: StoreOptions) -> Result<StateStore, StateError> {
        let path = PathBuf::from(":memory:");
        let open_error = |source| StateError::Open {
            path: path.clone(),
            source,
        };
        let mut writer = Connection::open_in_memory().map_err(open_error)?;
        configure(&writer, &options, false, &path)?;
        migrate::apply(&mut writer, &path, options.clock.now_ms())?;
        Ok(StateStore::from_parts(path, writer, Vec::new(), options))
    }

    fn from_parts(
        path: PathBuf,
        writer: Connection,
        readers: Vec<Mutex<Connection>>,
        options: StoreOptions,
    ) -> StateStore {
        StateStore {
            inner: Arc::new(Inner {
                path,
                writer: Mutex::new(writer),
                readers,
                next_reader: AtomicUsize::new(0),
                options,
            }),
        }
    }

    /// The database path (`:memory:` for an in-memory store).
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The options the store was opened with.
    pub fn options(&self) -> &StoreOptions {
        &self.inner.options
    }

    /// The schema version of the database (the number of migrations applied).
    pub fn schema_version(&self) -> Result<i64, StateError> {
        self.read("read schema version", |tx| {
            tx.query_row(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                [],
                |row| row.get(0),
            )
            .ctx("read schema version")
        })
    }

    /// The store's clock, read now.
    pub(crate) fn now_ms(&self) -> i64 {
        self.inner.options.clock.now_ms()
    }

    /// Runs `work` in one write transaction (`BEGIN IMMEDIATE`), committed when it returns
    /// `Ok`, rolled back otherwise.
    pub(crate) fn write<T>(
        &self,
        operation: &'static str,
        work: impl FnOnce(&Transaction<'_>) -> Result<T, StateError>,
    ) -> Result<T, StateError> {
        let mut conn = lock(&self.inner.writer);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(operation)?;
        let value = work(&tx)?;
        tx.commit().ctx(operation)?;
        Ok(value)
    }

    /// Runs `work` in one read transaction on a read connection (the writer when there is
    /// none), so every query in it sees the same snapshot.
    pub(crate) fn read<T>(
        &self,
        operation: &'static str,
        work: impl FnOnce(&Transaction<'_>) -> Result<T, StateError>,
    ) -> Result<T, StateError> {
        let mut conn = self.reader();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .ctx(operation)?;
        let value = work(&tx)?;
        // A read transaction has nothing to commit; ending it releases the snapshot.
        tx.rollback().ctx(operation)?;
        Ok(value)
    }

    /// A free read connection if there is one, else waits for the next in turn.
    fn reader(&self) -> MutexGuard<'_, Connection> {
        let readers = &self.inner.readers;
        if readers.is_empty() {
            return lock(&self.inner.writer);
        }
        let start = self.inner.next_reader.fetch_add(1, Ordering::Relaxed);
        for i in 0..readers.len() {
            let candidate = &readers[(start + i) % readers.len()];
            match candidate.try_lock() {
                Ok(guard) => return guard,
                Err(std::sync::TryLockError::Poisoned(poisoned)) => return poisoned.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) => {}
            }
        }
        lock(&readers[start % readers.len()])
    }
}

/// Locks a connection. A panic while a connection was held leaves it usable (its open
/// transaction was rolled back when the `Transaction` dropped), so poisoning is ignored.
fn lock(conn: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    conn.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The size the WAL file is cut back to after a checkpoint.
const JOURNAL_SIZE_LIMIT_BYTES: i64 = 16 * 1024 * 1024;

/// Pragmas every connection gets. WAL lets readers read while the writer writes;
/// `synchronous = NORMAL` is durable against process crashes in WAL mode (a power loss may
/// lose the last commits, never corrupt the file).
fn configure(
    conn: &Connection,
    options: &StoreOptions,
    read_only: bool,
    path: &Path,
) -> Result<(), StateError> {
    let open_error = |source| StateError::Open {
        path: path.to_path_buf(),
        source,
    };
    conn.busy_timeout(Duration::from_millis(options.busy_timeout_ms))
        .map_err(open_error)?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(open_error)?;
    if read_only {
        return conn
            .pragma_update(None, "query_only", true)
            .map_err(open_error);
    }
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(open_error)?;
    // An in-memory database answers `memory`: there is no file to log next to.
    if !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory") {
        return Err(StateError::WalUnavailable {
            path: path.to_path_buf(),
            mode,
        });
    }
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(open_error)?;
    // A WAL file is reused, not shrunk, after a checkpoint; one big transaction (a backlog
    // of alerts) would otherwise leave it large for good.
    conn.pragma_update(None, "journal_size_limit", JOURNAL_SIZE_LIMIT_BYTES)
        .map_err(open_error)
}
