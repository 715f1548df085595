//! The one road every write takes: the writer connection and its transactions. A write says
//! what it changed for the cache ([`Write::changed`](super::Write::changed)); once it has
//! committed, this instance forgets exactly that and the others are told.
//!
//! Neither [`Writer`] nor [`WriteTxn`] lets a caller run SQL: their rows are reached only from
//! `src/store`, through [`super::Read`] and [`super::Write`].

use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc, Mutex,
};

use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr, ExecResult, QueryResult,
    Statement, TransactionTrait,
};

use crate::cache::{Changes, ReadCache, CHANNEL};

/// Whether the database takes writes, as the writes themselves found: set by a write refused
/// for want of storage (disk full, read-only, I/O, locked), cleared by the next write that
/// commits. `/healthz` reads it.
#[derive(Debug, Default)]
pub struct StorageHealth {
    refusing: AtomicBool,
}

impl StorageHealth {
    pub fn is_refusing(&self) -> bool {
        self.refusing.load(Ordering::Acquire)
    }

    fn noted<T>(&self, result: Result<T, DbErr>) -> Result<T, DbErr> {
        if let Err(err) = &result {
            if crate::database::storage_unavailable(err) {
                self.refusing.store(true, Ordering::Release);
            }
        }
        result
    }

    fn wrote(&self) {
        self.refusing.store(false, Ordering::Release);
    }

    /// A write that commits by itself: its success shows the database takes writes.
    fn written<T>(&self, result: Result<T, DbErr>) -> Result<T, DbErr> {
        let result = self.noted(result);
        if result.is_ok() {
            self.wrote();
        }
        result
    }
}

/// How this instance tells the others what changed.
#[derive(Debug, Default)]
struct Announcer {
    /// Set by a test to make PostgreSQL refuse the `NOTIFY` (see [`Writer::refuse_notifications`]).
    refused: AtomicBool,
}

impl Announcer {
    fn statement(&self, instance: uuid::Uuid, changes: &Changes) -> String {
        if self.refused.load(Ordering::Acquire) {
            // A zero-length identifier: PostgreSQL refuses the statement, as it would a real fault.
            return r#"NOTIFY """#.to_owned();
        }
        format!("NOTIFY {CHANNEL}, '{}'", crate::cache::announcement(instance, changes))
    }
}

/// The connection everything that writes goes through.
#[derive(Debug, Clone)]
pub struct Writer {
    rows: Autocommit,
    cache: Arc<ReadCache>,
    announcer: Arc<Announcer>,
}

/// The writer's rows, outside a transaction: each statement commits by itself.
#[derive(Debug, Clone)]
pub struct Autocommit {
    connection: DatabaseConnection,
    storage: Arc<StorageHealth>,
}

impl Writer {
    pub fn new(connection: DatabaseConnection, cache: Arc<ReadCache>) -> Self {
        Self { rows: Autocommit { connection, storage: Arc::default() }, cache, announcer: Arc::default() }
    }

    /// Whether the last writes found the database taking them.
    pub fn storage(&self) -> &StorageHealth {
        &self.rows.storage
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.rows.connection.get_database_backend()
    }

    /// Hears other instances' writes for as long as the instance runs (PostgreSQL only).
    pub fn follow_changes(&self) -> Option<impl std::future::Future<Output = ()> + Send + 'static> {
        (self.backend() == DatabaseBackend::Postgres).then(|| {
            let pool = self.rows.connection.get_postgres_connection_pool().clone();
            crate::cache::follow_changes(self.cache.clone(), pool)
        })
    }

    /// Whether the database answers at all.
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.rows.connection.ping().await
    }

    /// For tests of a failed `NOTIFY`: from now on PostgreSQL refuses every one this writer
    /// sends, as it would on a real fault.
    #[doc(hidden)]
    pub fn refuse_notifications(&self) {
        self.announcer.refused.store(true, Ordering::Release);
    }

    pub async fn begin(&self) -> Result<WriteTxn, DbErr> {
        Ok(WriteTxn {
            rows: InTransaction {
                txn: self.rows.storage.noted(self.rows.connection.begin().await)?,
                storage: self.rows.storage.clone(),
                wrote: Arc::new(AtomicBool::new(false)),
            },
            cache: self.cache.clone(),
            announcer: self.announcer.clone(),
            changes: Arc::new(Mutex::new(Changes::default())),
            nested: false,
        })
    }

    pub(super) fn rows(&self) -> &Autocommit {
        &self.rows
    }

    /// A statement outside a transaction has committed by itself: this instance forgets what
    /// it changed, then tells the others. The write has committed whatever the `NOTIFY` does,
    /// so a failed one neither fails the write nor leaves this instance stale; the others then
    /// follow within [`crate::cache::LIFETIME`].
    pub(super) async fn changed(&self, changes: Changes) {
        if changes.is_empty() {
            return;
        }
        self.cache.forget(&changes);
        if self.backend() == DatabaseBackend::Postgres {
            if let Err(err) = self
                .rows
                .connection
                .execute_unprepared(&self.announcer.statement(self.cache.instance(), &changes))
                .await
            {
                tracing::warn!(error = %err, "a committed write could not be told to other instances; they follow within the cache's lifetime");
            }
        }
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Autocommit {
    fn get_database_backend(&self) -> DatabaseBackend {
        self.connection.get_database_backend()
    }

    async fn execute(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.storage.written(self.connection.execute(stmt).await)
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.storage.written(self.connection.execute_unprepared(sql).await)
    }

    async fn query_one(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.storage.noted(self.connection.query_one(stmt).await)
    }

    async fn query_all(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.storage.noted(self.connection.query_all(stmt).await)
    }
}

/// What a transaction can be begun on: the writer, or a transaction (a savepoint).
pub trait Begin: super::Write {
    fn begin_write(&self) -> impl std::future::Future<Output = Result<WriteTxn, DbErr>> + Send;
}

impl Begin for Writer {
    fn begin_write(&self) -> impl std::future::Future<Output = Result<WriteTxn, DbErr>> + Send {
        self.begin()
    }
}

impl Begin for WriteTxn {
    fn begin_write(&self) -> impl std::future::Future<Output = Result<WriteTxn, DbErr>> + Send {
        self.begin()
    }
}

/// A transaction on the writer. What its writes said they changed is gathered, and told when
/// the outermost transaction commits.
#[derive(Debug)]
pub struct WriteTxn {
    rows: InTransaction,
    cache: Arc<ReadCache>,
    announcer: Arc<Announcer>,
    changes: Arc<Mutex<Changes>>,
    /// A savepoint inside another: its writes count when the outermost commits.
    nested: bool,
}

/// A transaction's rows.
#[derive(Debug)]
pub struct InTransaction {
    txn: DatabaseTransaction,
    storage: Arc<StorageHealth>,
    /// Whether anything but a read ran: its commit shows the database takes writes.
    wrote: Arc<AtomicBool>,
}

impl WriteTxn {
    pub async fn begin(&self) -> Result<WriteTxn, DbErr> {
        Ok(WriteTxn {
            rows: InTransaction {
                txn: self.rows.storage.noted(self.rows.txn.begin().await)?,
                storage: self.rows.storage.clone(),
                wrote: self.rows.wrote.clone(),
            },
            cache: self.cache.clone(),
            announcer: self.announcer.clone(),
            changes: self.changes.clone(),
            nested: true,
        })
    }

    /// Commits; if it changed what the cache keeps, every instance hears of it: the `NOTIFY`
    /// is part of the transaction, so other instances hear it exactly when it commits (and a
    /// refused one rolls the write back: nothing changed, nothing is stale), and this one
    /// before its caller answers.
    pub async fn commit(self) -> Result<(), DbErr> {
        let changes = if self.nested {
            Changes::default()
        } else {
            self.changes.lock().map(|changes| changes.clone()).unwrap_or_else(|_| Changes::everything())
        };
        let storage = self.rows.storage.clone();
        if !changes.is_empty() && self.rows.txn.get_database_backend() == DatabaseBackend::Postgres {
            storage.noted(
                self.rows.txn.execute_unprepared(&self.announcer.statement(self.cache.instance(), &changes)).await,
            )?;
        }
        let wrote = !self.nested && self.rows.wrote.load(Ordering::Acquire);
        let committed = self.rows.txn.commit().await;
        // Forgotten whatever the commit answered: one that failed may still have committed, and
        // this instance does not hear its own announcement (forgetting too much is safe).
        self.cache.forget(&changes);
        storage.noted(committed)?;
        if wrote {
            storage.wrote();
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.rows.txn.rollback().await
    }

    pub(super) fn rows(&self) -> &InTransaction {
        &self.rows
    }

    /// Gathers what a write in this transaction changed; told once the outermost commits. A
    /// savepoint rolled back after saying so leaves the keys: forgetting too much is safe.
    pub(super) fn changed(&self, changes: Changes) {
        // A poisoned lock is left alone: the commit then forgets everything (see `commit`).
        if let Ok(mut gathered) = self.changes.lock() {
            gathered.add_all(&changes);
        }
    }
}

impl InTransaction {
    fn saw(&self, sql: &str) {
        if !sql.trim_start().get(..6).is_some_and(|first| first.eq_ignore_ascii_case("SELECT")) {
            self.wrote.store(true, Ordering::Release);
        }
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for InTransaction {
    fn get_database_backend(&self) -> DatabaseBackend {
        self.txn.get_database_backend()
    }

    async fn execute(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.saw(&stmt.sql);
        self.storage.noted(self.txn.execute(stmt).await)
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.saw(sql);
        self.storage.noted(self.txn.execute_unprepared(sql).await)
    }

    async fn query_one(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.saw(&stmt.sql);
        self.storage.noted(self.txn.query_one(stmt).await)
    }

    async fn query_all(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.saw(&stmt.sql);
        self.storage.noted(self.txn.query_all(stmt).await)
    }
}
