//! The queue of persons whose alerts must be planned again.

use crate::entity::plan_request;
use chrono::{DateTime, Utc};
use sea_orm::{sea_query::OnConflict, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use uuid::Uuid;

use super::{Connected, Read, Write};

/// Asks for the person's alerts to be planned again; call it in the transaction of the change.
/// A request set aside after a failure is asked again by the next change (which may be the fix).
pub async fn request(db: &impl Write, person_id: Uuid, now: DateTime<Utc>) -> Result<(), DbErr> {
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
        .exec_without_returning(db.conn())
        .await?;
    Ok(())
}

/// Requests to serve, oldest first; those set aside after a failure wait for a new request.
pub async fn pending(db: &impl Read, limit: u64) -> Result<Vec<plan_request::Model>, DbErr> {
    plan_request::Entity::find()
        .filter(plan_request::Column::FailedAt.is_null())
        .order_by_asc(plan_request::Column::RequestedAt)
        .limit(limit)
        .all(db.conn())
        .await
}

/// Sets a request aside with why it failed, unless the person changed again meanwhile.
pub async fn set_aside(
    db: &impl Write,
    served: &plan_request::Model,
    failure: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    plan_request::Entity::update_many()
        .col_expr(plan_request::Column::FailedAt, Some(now).into())
        .col_expr(plan_request::Column::Failure, Some(failure.to_owned()).into())
        .filter(plan_request::Column::PersonId.eq(served.person_id))
        .filter(plan_request::Column::RequestedAt.lte(served.requested_at))
        .exec(db.conn())
        .await?;
    Ok(())
}

/// Requests set aside after a failure, most recent first: for admins to look into.
pub async fn failures(db: &impl Read) -> Result<Vec<plan_request::Model>, DbErr> {
    plan_request::Entity::find()
        .filter(plan_request::Column::FailedAt.is_not_null())
        .order_by_desc(plan_request::Column::FailedAt)
        .all(db.conn())
        .await
}

/// Removes a request once served, unless the person changed again meanwhile.
pub async fn done(db: &impl Write, served: &plan_request::Model) -> Result<(), DbErr> {
    plan_request::Entity::delete_many()
        .filter(plan_request::Column::PersonId.eq(served.person_id))
        .filter(plan_request::Column::RequestedAt.lte(served.requested_at))
        .exec(db.conn())
        .await?;
    Ok(())
}
