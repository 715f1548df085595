//! The queue of persons whose alerts must be planned again.

use chrono::{DateTime, Utc};
use entity::plan_request;
use sea_orm::{
    sea_query::OnConflict, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

/// Asks for the person's alerts to be planned again; call it in the transaction of the change.
/// A request set aside after a failure is asked again by the next change (which may be the fix).
pub async fn request(db: &impl ConnectionTrait, person_id: Uuid, now: DateTime<Utc>) -> Result<(), DbErr> {
    let row = plan_request::ActiveModel {
        person_id: Set(person_id),
        requested_at: Set(now),
        failed_at: Set(None),
        failure: Set(None),
    };
    plan_request::Entity::insert(row)
        .on_conflict(
            OnConflict::column(plan_request::Column::PersonId)
                .update_columns([
                    plan_request::Column::RequestedAt,
                    plan_request::Column::FailedAt,
                    plan_request::Column::Failure,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Requests to serve, oldest first; those set aside after a failure wait for a new request.
pub async fn pending(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<plan_request::Model>, DbErr> {
    plan_request::Entity::find()
        .filter(plan_request::Column::FailedAt.is_null())
        .order_by_asc(plan_request::Column::RequestedAt)
        .limit(limit)
        .all(db)
        .await
}

/// Sets a request aside with why it failed, unless the person changed again meanwhile.
pub async fn set_aside(
    db: &impl ConnectionTrait,
    served: &plan_request::Model,
    failure: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    plan_request::Entity::update_many()
        .col_expr(plan_request::Column::FailedAt, Some(now).into())
        .col_expr(plan_request::Column::Failure, Some(failure.to_owned()).into())
        .filter(plan_request::Column::PersonId.eq(served.person_id))
        .filter(plan_request::Column::RequestedAt.lte(served.requested_at))
        .exec(db)
        .await?;
    Ok(())
}

/// Requests set aside after a failure, most recent first: for admins to look into.
pub async fn failures(db: &impl ConnectionTrait) -> Result<Vec<plan_request::Model>, DbErr> {
    plan_request::Entity::find()
        .filter(plan_request::Column::FailedAt.is_not_null())
        .order_by_desc(plan_request::Column::FailedAt)
        .all(db)
        .await
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
