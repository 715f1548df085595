//! Knocks on the limited doors, counted per bucket in fixed windows. One statement counts a
//! knock and answers the count, so parallel knocks on SQLite and PostgreSQL are each counted
//! (an upsert takes the bucket's row lock); there is no read-then-write to race.

use crate::entity::rate_limit;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter, Statement};

use super::{Connected, Read, Write};

/// A bucket's window after a knock: how many knocks it holds (this one included) and when it began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    pub count: i64,
    pub window_start: DateTime<Utc>,
}

fn placeholders(backend: DatabaseBackend, n: usize) -> Vec<String> {
    (1..=n).map(|i| if backend == DatabaseBackend::Postgres { format!("${i}") } else { "?".to_owned() }).collect()
}

/// Counts one knock on `bucket`: a window older than `window` starts afresh at `now`.
pub async fn knock(db: &impl Write, bucket: &str, window: Duration, now: DateTime<Utc>) -> Result<Counted, DbErr> {
    let backend = db.backend();
    let since = now - window;
    let p = placeholders(backend, 5);
    let sql = format!(
        "INSERT INTO rate_limits (bucket, window_start, count) VALUES ({}, {}, 1) \
         ON CONFLICT (bucket) DO UPDATE SET \
           count = CASE WHEN rate_limits.window_start <= {} THEN 1 ELSE rate_limits.count + 1 END, \
           window_start = CASE WHEN rate_limits.window_start <= {} THEN {} ELSE rate_limits.window_start END \
         RETURNING count, window_start",
        p[0], p[1], p[2], p[3], p[4]
    );
    let values = [bucket.into(), now.into(), since.into(), since.into(), now.into()];
    let row = db
        .conn()
        .query_one(Statement::from_sql_and_values(backend, sql, values))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the counted knock".into()))?;
    let count: i32 = row.try_get("", "count")?;
    Ok(Counted { count: i64::from(count), window_start: row.try_get("", "window_start")? })
}

/// The knocks on `bucket` in a window still running at `now`, without counting one.
pub async fn count(
    db: &impl Read,
    bucket: &str,
    window: Duration,
    now: DateTime<Utc>,
) -> Result<Option<Counted>, DbErr> {
    Ok(rate_limit::Entity::find()
        .filter(rate_limit::Column::Bucket.eq(bucket))
        .filter(rate_limit::Column::WindowStart.gt(now - window))
        .one(db.conn())
        .await?
        .map(|row| Counted { count: i64::from(row.count), window_start: row.window_start }))
}

/// Forgets windows that ended before `before`, so the table stays as small as one window's traffic.
pub async fn forget_before(db: &impl Write, before: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(rate_limit::Entity::delete_many()
        .filter(rate_limit::Column::WindowStart.lt(before))
        .exec(db.conn())
        .await?
        .rows_affected)
}
