//! Connecting to SQLite or PostgreSQL with the same code above this module.

use std::{str::FromStr, time::Duration};

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr, SqlxSqliteConnector};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::config::DatabaseUrl;

#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("cannot open the database at {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("cannot migrate the database: {0}")]
    Migrate(DbErr),
}

const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// SQLite readers. Measured with the load benchmark on 2 cores: 2 starve 32 clients, 16 add
/// only thread switching; 8 was best.
const SQLITE_READERS: u32 = 8;
/// Each reader's own page cache, in KiB (SQLite's default is 2 000). The hot reads are kept
/// above the database, and a page a reader lacks is a copy from the kernel's page cache, which
/// all readers share. Measured with `heaptrack` under the load benchmark: SQLite's allocations
/// at the heap's peak went from 23.5 MB (eight private copies of the same pages) to 6.4 MB.
const READER_PAGE_CACHE_KIB: u32 = 512;

fn sqlite_options(url: &DatabaseUrl) -> Result<SqliteConnectOptions, DatabaseError> {
    // WAL lets readers run beside the single writer; the busy timeout makes writers queue
    // instead of failing; SQLite leaves foreign keys off unless asked.
    Ok(SqliteConnectOptions::from_str(url.expose())
        .map_err(|err| DatabaseError::Connect { url: url.to_string(), reason: err.to_string() })?
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(SQLITE_BUSY_TIMEOUT)
        .foreign_keys(true)
        // What is deleted is overwritten, not left in free pages: an erased person's text must
        // not survive in the file.
        .pragma("secure_delete", "on"))
}

/// Creates `path` empty and readable by the service's own user only (0600), unless it is
/// there already. SQLite gives its WAL and shared-memory files the database file's mode, so a
/// database made here keeps everyone else out of all three; backups are made the same way.
pub fn create_private(path: &std::path::Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(err),
    }
}

/// Whether a database error means the store cannot take writes for now (and says nothing of
/// the request): the disk is full, the file system read-only, an I/O error, or the database
/// locked past the busy timeout — SQLite's primary codes 13, 8, 10, 5 and 6, PostgreSQL's
/// classes 53 (insufficient resources) and 58 (system error), and 25006 (read-only
/// transaction) — or no connection to write with came free within the pool's wait, which a
/// flood of writes on SQLite's one writer causes. The caller may try again later; nothing of
/// the request was stored.
pub fn storage_unavailable(err: &sea_orm::DbErr) -> bool {
    use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr};
    if matches!(err, DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)) {
        return true;
    }
    let (DbErr::Exec(RuntimeErr::SqlxError(sqlx::Error::Database(database)))
    | DbErr::Query(RuntimeErr::SqlxError(sqlx::Error::Database(database)))) = err
    else {
        return false;
    };
    let Some(code) = database.code() else { return false };
    match code.parse::<i64>() {
        // SQLite: an extended code carries the primary one in its low byte.
        Ok(sqlite) => matches!(sqlite & 0xff, 5 | 6 | 8 | 10 | 13),
        Err(_) => code.starts_with("53") || code.starts_with("58") || code == "25006",
    }
}

/// Whether the writer may serve the next request. A statement that fails with the disk full
/// (or its file read-only, or an I/O error) makes SQLite roll the whole transaction back by
/// itself; the driver's own ROLLBACK then fails and it goes on believing a transaction is open,
/// so the next "transaction" became a savepoint whose commit never reached the file — 201s for
/// writes that were lost. The pool has already flushed the queued rollback when it took the
/// connection back (its ping on release), so a connection that still believes it is in a
/// transaction when next asked for is closed, and the pool opens a fresh one.
fn writer_is_clean(conn: &mut sqlx::SqliteConnection) -> bool {
    use sqlx::Connection;
    let clean = !conn.is_in_transaction();
    if !clean {
        tracing::warn!("the database writer was left inside a failed transaction; it is replaced");
    }
    clean
}

/// The connection everything that writes goes through (and, on PostgreSQL, everything).
pub async fn connect(url: &DatabaseUrl) -> Result<DatabaseConnection, DatabaseError> {
    let failed = |reason: String| DatabaseError::Connect { url: url.to_string(), reason };
    if url.is_sqlite() {
        let options = sqlite_options(url)?;
        // A file SQLite would create (`mode=rwc`) is created here first, private.
        if !url.is_in_memory() && url.expose().contains("mode=rwc") {
            create_private(options.get_filename())
                .map_err(|err| failed(format!("cannot create the database file: {err}")))?;
        }
        // One connection: SQLite has one writer, and a second connection's read-then-write
        // transaction cannot upgrade its lock while another writes (SQLITE_BUSY, no waiting).
        // Reads that need not see a transaction in progress go to `connect_reads`.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .before_acquire(|conn, _| Box::pin(async move { Ok(writer_is_clean(conn)) }))
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|err| failed(err.to_string()))?;
        Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
    } else {
        let mut options = ConnectOptions::new(url.expose());
        options
            .max_connections(16)
            .connect_timeout(CONNECT_TIMEOUT)
            .acquire_timeout(CONNECT_TIMEOUT)
            .sqlx_logging(false);
        Database::connect(options).await.map_err(|err| failed(err.to_string()))
    }
}

/// Connections for the hot read paths. On SQLite, a pool of read-only connections beside the
/// writer (WAL readers never wait for it, and a write sent here by mistake fails loudly); on
/// PostgreSQL, and for an in-memory SQLite database, the writer's own pool.
pub async fn connect_reads(
    url: &DatabaseUrl,
    writer: &DatabaseConnection,
) -> Result<DatabaseConnection, DatabaseError> {
    if !url.is_sqlite() || url.is_in_memory() {
        return Ok(writer.clone());
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(SQLITE_READERS)
        // A ping before every query would double the hand-offs to SQLite's worker threads, and
        // an embedded database has no connection to lose.
        .test_before_acquire(false)
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect_with(
            sqlite_options(url)?
                .read_only(true)
                .create_if_missing(false)
                .pragma("cache_size", format!("-{READER_PAGE_CACHE_KIB}")),
        )
        .await
        .map_err(|err| DatabaseError::Connect { url: url.to_string(), reason: err.to_string() })?;
    Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DatabaseError> {
    Migrator::up(db, None).await.map_err(DatabaseError::Migrate)
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnAcquireErr, DbErr};

    #[test]
    fn a_writer_that_does_not_come_free_is_a_busy_store_not_a_failure() {
        assert!(super::storage_unavailable(&DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)));
        assert!(!super::storage_unavailable(&DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed)));
        assert!(!super::storage_unavailable(&DbErr::RecordNotFound("a row".into())));
    }
}
