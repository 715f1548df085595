//! Backups of the embedded database while the service serves, and putting one back.
//!
//! `VACUUM INTO` writes a consistent copy from one read transaction, so writers go on. The copy
//! is written beside PATH under a temporary name, checked (`PRAGMA integrity_check`), and only
//! then renamed to PATH: a backup cut short leaves no file under PATH. A restore checks the
//! backup the same way and refuses while a server holds the database (the server holds an
//! exclusive lock on `<database>.lock` for as long as it runs).

use std::{
    fs::{File, OpenOptions},
    path::{Path, PathBuf},
    str::FromStr,
};

use sea_orm::{ConnectionTrait, DatabaseBackend, SqlxSqliteConnector, Statement};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use crate::config::DatabaseUrl;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} exists; pass --force to replace it")]
    Exists(PathBuf),
    #[error(
        "this service runs on PostgreSQL: back it up with `pg_dump --format=custom --no-owner --file PATH \"$DATABASE_URL\"` \
         and put it back with `pg_restore --clean --if-exists --no-owner --dbname \"$DATABASE_URL\" PATH`"
    )]
    Postgres,
    #[error("{path} does not pass SQLite's integrity check: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error("a server is running on {0}; stop it before restoring")]
    InUse(PathBuf),
    #[error("cannot use {path}: {reason}")]
    Io { path: PathBuf, reason: String },
    #[error("the database: {0}")]
    Database(String),
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> BackupError + '_ {
    move |err| BackupError::Io { path: path.to_owned(), reason: err.to_string() }
}

/// The file behind a SQLite URL (`sqlite://tsunagu.db?mode=rwc` → `tsunagu.db`).
pub fn sqlite_file(url: &DatabaseUrl) -> Result<PathBuf, BackupError> {
    if !url.is_sqlite() {
        return Err(BackupError::Postgres);
    }
    let options = SqliteConnectOptions::from_str(url.expose()).map_err(|err| BackupError::Database(err.to_string()))?;
    Ok(options.get_filename().to_owned())
}

/// The lock a running server holds on its database file.
pub fn lock_file(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Takes the server's lock on its database; `None` if another process holds it. The lock
/// lasts as long as the returned file is open.
pub fn hold(database: &Path) -> Result<Option<File>, BackupError> {
    let path = lock_file(database);
    let file = OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(io(&path))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(err)) => Err(io(&path)(err)),
    }
}

async fn open(path: &Path, read_only: bool) -> Result<sea_orm::DatabaseConnection, BackupError> {
    let options = SqliteConnectOptions::new().filename(path).read_only(read_only).create_if_missing(false);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(|err| BackupError::Database(err.to_string()))?;
    Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
}

/// `PRAGMA integrity_check` says `ok`, or what it found.
pub async fn verify(path: &Path) -> Result<(), BackupError> {
    let db = open(path, true).await?;
    let rows = db
        .query_all(Statement::from_string(DatabaseBackend::Sqlite, "PRAGMA integrity_check"))
        .await
        .map_err(|err| BackupError::Corrupt { path: path.to_owned(), reason: err.to_string() })?;
    db.close().await.ok();
    let found: Vec<String> = rows.iter().filter_map(|row| row.try_get_by_index::<String>(0).ok()).collect();
    if found == ["ok"] {
        Ok(())
    } else {
        Err(BackupError::Corrupt { path: path.to_owned(), reason: found.join("; ") })
    }
}

/// A temporary name beside `path`, in the same directory so the rename is atomic.
fn partial(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|name| name.to_owned()).unwrap_or_default();
    name.push(format!(".partial-{}", uuid::Uuid::new_v4().simple()));
    path.with_file_name(name)
}

/// Writes a verified copy of the database at `target`.
pub async fn backup(url: &DatabaseUrl, target: &Path, force: bool) -> Result<(), BackupError> {
    let source = sqlite_file(url)?;
    if target.exists() && !force {
        return Err(BackupError::Exists(target.to_owned()));
    }
    let temporary = partial(target);
    let written = async {
        // VACUUM INTO fills an empty file as it finds it: made private first, the copy is too.
        crate::database::create_private(&temporary).map_err(io(&temporary))?;
        let db = open(&source, false).await?;
        let into = temporary.to_string_lossy().replace('\'', "''");
        db.execute(Statement::from_string(DatabaseBackend::Sqlite, format!("VACUUM INTO '{into}'")))
            .await
            .map_err(|err| BackupError::Database(err.to_string()))?;
        db.close().await.ok();
        verify(&temporary).await?;
        std::fs::rename(&temporary, target).map_err(io(target))
    }
    .await;
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// Puts a verified backup in place of the database, while no server holds it.
pub async fn restore(url: &DatabaseUrl, backup: &Path) -> Result<(), BackupError> {
    let target = sqlite_file(url)?;
    verify(backup).await?;
    let Some(_lock) = hold(&target)? else { return Err(BackupError::InUse(target)) };
    let temporary = partial(&target);
    std::fs::copy(backup, &temporary).map_err(io(&temporary))?;
    // A copy takes the backup's mode; the database is the service's own whatever that was.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&temporary, std::fs::Permissions::from_mode(0o600)).map_err(io(&temporary))?;
    }
    // The old database's log must not be replayed over the backup.
    for suffix in ["-wal", "-shm"] {
        let mut name = target.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
    std::fs::rename(&temporary, &target).map_err(io(&target))
}
