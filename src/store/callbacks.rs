//! The gateway callbacks already acted on, so that a replayed one changes nothing. Remembering
//! one is a single insert that does nothing on a conflict: of two parallel deliveries of the
//! same callback, exactly one is first.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, Statement};

use super::{Connected, Write};

/// Remembers `key` at `now`; `false` when it was already remembered (a replay or a retry).
pub async fn first_time(db: &impl Write, key: &str, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let backend = db.backend();
    let sql = if backend == sea_orm::DatabaseBackend::Postgres {
        "INSERT INTO received_callbacks (key, received_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING"
    } else {
        "INSERT INTO received_callbacks (key, received_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING"
    };
    let done = db.conn().execute(Statement::from_sql_and_values(backend, sql, [key.into(), now.into()])).await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets the keys starting with `kind` remembered before `before`.
pub async fn forget_before(db: &impl Write, kind: &str, before: DateTime<Utc>) -> Result<u64, DbErr> {
    let backend = db.backend();
    let sql = if backend == sea_orm::DatabaseBackend::Postgres {
        "DELETE FROM received_callbacks WHERE key LIKE $1 AND received_at < $2"
    } else {
        "DELETE FROM received_callbacks WHERE key LIKE ? AND received_at < ?"
    };
    let pattern = format!("{kind}%");
    let done = db.conn().execute(Statement::from_sql_and_values(backend, sql, [pattern.into(), before.into()])).await?;
    Ok(done.rows_affected())
}
