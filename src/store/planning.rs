//! The queue of persons whose alerts must be planned again.

use chrono::{DateTime, Utc};
use entity::plan_request;
use sea_orm::{
    sea_query::OnConflict, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

/// Asks for the person's alerts to be planned again; call it in the transaction of the change.
pub async fn request(db: &impl ConnectionTrait, person_id: Uuid, now: DateTime<Utc>) -> Result<(), DbErr> {
    let row = plan_request::ActiveModel { person_id: Set(person_id), requested_at: Set(now) };
    plan_request::Entity::insert(row)
        .on_conflict(
            OnConflict::column(plan_request::Column::PersonId)
                .update_column(plan_request::Column::RequestedAt)
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn pending(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<plan_request::Model>, DbErr> {
    plan_request::Entity::find().order_by_asc(plan_request::Column::RequestedAt).limit(limit).all(db).await
}

/// Removes a request once served, unless the person changed again meanwhile.
pub async fn done(db: &impl ConnectionTrait, served: &plan_request::Model) -> Result<(), DbErr> {
    plan_request::Entity::delete_many()
        .filter(plan_request::Column::PersonId.eq(served.person_id))
        .filter(plan_request::Column::RequestedAt.lte(served.requested_at))
        .exec(db)
        .await?;
    Ok(())
}
