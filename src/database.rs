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

pub async fn connect(url: &DatabaseUrl) -> Result<DatabaseConnection, DatabaseError> {
    let failed = |reason: String| DatabaseError::Connect { url: url.to_string(), reason };
    if url.is_sqlite() {
        // WAL lets readers run beside the single writer; the busy timeout makes writers queue
        // instead of failing; SQLite leaves foreign keys off unless asked.
        let options = SqliteConnectOptions::from_str(url.expose())
            .map_err(|err| failed(err.to_string()))?
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(SQLITE_BUSY_TIMEOUT)
            .foreign_keys(true);
        // One connection: SQLite has one writer, and a second connection's read-then-write
        // transaction cannot upgrade its lock while another writes (SQLITE_BUSY, no waiting).
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
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

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DatabaseError> {
    Migrator::up(db, None).await.map_err(DatabaseError::Migrate)
}
