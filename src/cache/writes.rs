//! The one road every write takes: the writer connection and its transactions, which tell the
//! cache when what it keeps may have changed.

use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc,
};

use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr, ExecResult, QueryResult,
    Statement, TransactionTrait,
};

use super::{ReadCache, CHANNEL, SOURCES};

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

/// The connection everything that writes goes through.
#[derive(Debug, Clone)]
pub struct Writer {
    connection: DatabaseConnection,
    cache: Arc<ReadCache>,
    storage: Arc<StorageHealth>,
}

impl Writer {
    pub fn new(connection: DatabaseConnection, cache: Arc<ReadCache>) -> Self {
        Self { connection, cache, storage: Arc::default() }
    }

    /// Whether the last writes found the database taking them.
    pub fn storage(&self) -> &StorageHealth {
        &self.storage
    }

    /// The bare connection, for what the cache never reads: migrations, the audit log, keys,
    /// health checks.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.connection
    }

    pub async fn begin(&self) -> Result<WriteTxn, DbErr> {
        Ok(WriteTxn {
            txn: self.storage.noted(self.connection.begin().await)?,
            cache: self.cache.clone(),
            storage: self.storage.clone(),
            touched: Arc::new(AtomicBool::new(false)),
            wrote: Arc::new(AtomicBool::new(false)),
            nested: false,
        })
    }

    /// A statement outside a transaction commits by itself: once one that touched what the
    /// cache keeps has run, this instance forgets what it kept, then tells the others. The
    /// write has committed whatever the `NOTIFY` does, so a failed one neither fails the write
    /// nor leaves this instance stale; the others then follow within [`super::LIFETIME`].
    async fn after(&self, touched: bool) {
        if !touched {
            return;
        }
        self.cache.changed_now();
        if self.connection.get_database_backend() == DatabaseBackend::Postgres {
            if let Err(err) = self.connection.execute_unprepared(&format!("NOTIFY {CHANNEL}")).await {
                tracing::warn!(error = %err, "a committed write could not be told to other instances; they follow within the cache's lifetime");
            }
        }
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Writer {
    fn get_database_backend(&self) -> DatabaseBackend {
        self.connection.get_database_backend()
    }

    async fn execute(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        let touched = touches_sources(&stmt.sql);
        let result = self.storage.written(self.connection.execute(stmt).await);
        self.after(touched && result.is_ok()).await;
        result
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let result = self.storage.written(self.connection.execute_unprepared(sql).await);
        self.after(touches_sources(sql) && result.is_ok()).await;
        result
    }

    async fn query_one(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let touched = touches_sources(&stmt.sql);
        let result = self.storage.noted(self.connection.query_one(stmt).await);
        self.after(touched && result.is_ok()).await;
        result
    }

    async fn query_all(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let touched = touches_sources(&stmt.sql);
        let result = self.storage.noted(self.connection.query_all(stmt).await);
        self.after(touched && result.is_ok()).await;
        result
    }
}

/// What a transaction can be begun on: the writer, or a transaction (a savepoint).
pub trait Begin: ConnectionTrait {
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

/// A transaction on the writer. Whether it wrote to [`SOURCES`] is remembered, and told when
/// the outermost transaction commits.
#[derive(Debug)]
pub struct WriteTxn {
    txn: DatabaseTransaction,
    cache: Arc<ReadCache>,
    storage: Arc<StorageHealth>,
    touched: Arc<AtomicBool>,
    /// Whether anything but a read ran: its commit shows the database takes writes.
    wrote: Arc<AtomicBool>,
    /// A savepoint inside another: its writes count when the outermost commits.
    nested: bool,
}

impl WriteTxn {
    pub async fn begin(&self) -> Result<WriteTxn, DbErr> {
        Ok(WriteTxn {
            txn: self.storage.noted(self.txn.begin().await)?,
            cache: self.cache.clone(),
            storage: self.storage.clone(),
            touched: self.touched.clone(),
            wrote: self.wrote.clone(),
            nested: true,
        })
    }

    /// Commits; if it wrote what the cache keeps, every instance hears of it: the `NOTIFY`
    /// is part of the transaction, so other instances hear it exactly when it commits, and
    /// this one before its caller answers.
    pub async fn commit(self) -> Result<(), DbErr> {
        let tell = !self.nested && self.touched.load(Ordering::Acquire);
        if tell && self.txn.get_database_backend() == DatabaseBackend::Postgres {
            self.storage.noted(self.txn.execute_unprepared(&format!("NOTIFY {CHANNEL}")).await)?;
        }
        let storage = self.storage.clone();
        let wrote = !self.nested && self.wrote.load(Ordering::Acquire);
        storage.noted(self.txn.commit().await)?;
        if wrote {
            storage.wrote();
        }
        if tell {
            self.cache.changed_now();
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }

    fn saw(&self, sql: &str) {
        if touches_sources(sql) {
            self.touched.store(true, Ordering::Release);
        }
        if !sql.trim_start().get(..6).is_some_and(|first| first.eq_ignore_ascii_case("SELECT")) {
            self.wrote.store(true, Ordering::Release);
        }
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
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

/// Whether a statement may change a table in [`SOURCES`]. Reads do not; a plain `INSERT`,
/// `UPDATE` or `DELETE` does if its table is one; anything else (DDL, a `WITH`, what this does
/// not recognise) is taken to.
fn touches_sources(sql: &str) -> bool {
    let mut words = sql.split_whitespace();
    let Some(first) = words.next() else { return false };
    let table = match first.to_ascii_uppercase().as_str() {
        "SELECT" | "PRAGMA" | "NOTIFY" | "LISTEN" | "SAVEPOINT" | "RELEASE" | "BEGIN" | "COMMIT" | "ROLLBACK" => {
            return false
        }
        "INSERT" | "REPLACE" => words.find(|word| word.eq_ignore_ascii_case("INTO")).and_then(|_| words.next()),
        // `UPDATE OR IGNORE t` (SQLite) names its table after the conflict clause.
        "UPDATE" => {
            words.next().and_then(|word| if word.eq_ignore_ascii_case("OR") { words.nth(1) } else { Some(word) })
        }
        "DELETE" => words.next().filter(|word| word.eq_ignore_ascii_case("FROM")).and_then(|_| words.next()),
        _ => None,
    };
    match table {
        Some(table) => {
            // `"public"."parties"`, `"parties"(…` or `parties`: the last dotted part, unquoted.
            let name = table.split('(').next().unwrap_or(table);
            let name = name.rsplit('.').next().unwrap_or(name).trim_matches(|c| c == '"' || c == '`');
            SOURCES.contains(&name)
        }
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::touches_sources;

    #[test]
    fn reads_and_writes_elsewhere_leave_the_cache_alone() {
        assert!(!touches_sources(r#"SELECT "parties"."id" FROM "parties" WHERE "parties"."id" = $1"#));
        assert!(!touches_sources(r#"INSERT INTO "audit_events" ("id") VALUES ($1)"#));
        assert!(!touches_sources(r#"UPDATE "alerts" SET "status" = $1 WHERE "id" IN ($2) RETURNING "id""#));
        assert!(!touches_sources(r#"DELETE FROM "sessions" WHERE "id" = $1"#));
        assert!(!touches_sources("PRAGMA wal_checkpoint(TRUNCATE)"));
    }

    #[test]
    fn writes_to_what_the_cache_keeps_and_anything_unrecognised_empty_it() {
        assert!(touches_sources(r#"INSERT INTO "links" ("id", "person_id") VALUES ($1, $2) RETURNING "id""#));
        assert!(touches_sources(r#"UPDATE "parties" SET "disabled_at" = $1 WHERE "parties"."id" = $2"#));
        assert!(touches_sources(r#"DELETE FROM "public"."milestones" WHERE "person_id" = $1"#));
        assert!(touches_sources(r#"INSERT OR IGNORE INTO persons(id) VALUES (1)"#));
        assert!(touches_sources(r#"UPDATE OR IGNORE "links" SET "revoked_at" = NULL"#));
        assert!(touches_sources("DROP TABLE milestones"));
        assert!(touches_sources("WITH gone AS (DELETE FROM lapses RETURNING id) SELECT count(*) FROM gone"));
    }
}
