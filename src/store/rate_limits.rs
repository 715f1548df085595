//! Knocks on the sign-in doors, counted per bucket in a sliding window.

use chrono::{DateTime, Duration, Utc};
use entity::rate_limit_hit;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use super::new_id;

/// The knocks in the window: how many, and the oldest. Knocks older than the window are
/// deleted on the way, so the table stays as small as the traffic of one window.
pub async fn in_window(
    db: &impl ConnectionTrait,
    bucket: &str,
    window: Duration,
    now: DateTime<Utc>,
) -> Result<(u64, Option<DateTime<Utc>>), DbErr> {
    let since = now - window;
    rate_limit_hit::Entity::delete_many()
        .filter(rate_limit_hit::Column::Bucket.eq(bucket))
        .filter(rate_limit_hit::Column::At.lte(since))
        .exec(db)
        .await?;
    let in_window = rate_limit_hit::Entity::find()
        .filter(rate_limit_hit::Column::Bucket.eq(bucket))
        .filter(rate_limit_hit::Column::At.gt(since));
    let count = in_window.clone().count(db).await?;
    let oldest = in_window.order_by_asc(rate_limit_hit::Column::At).one(db).await?.map(|hit| hit.at);
    Ok((count, oldest))
}

pub async fn hit(db: &impl ConnectionTrait, bucket: &str, now: DateTime<Utc>) -> Result<(), DbErr> {
    rate_limit_hit::ActiveModel { id: Set(new_id()), bucket: Set(bucket.to_owned()), at: Set(now) }.insert(db).await?;
    Ok(())
}
