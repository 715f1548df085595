//! Imports waiting for confirmation: the file as read, and what its confirmation created.

use chrono::{DateTime, Utc};
use entity::{import, placement};
use sea_orm::{sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

pub struct NewImport {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub created_by: String,
    pub content: String,
    pub rows: i32,
    pub refused: i32,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(db: &impl ConnectionTrait, new: NewImport, now: DateTime<Utc>) -> Result<import::Model, DbErr> {
    import::ActiveModel {
        id: Set(new.id),
        organization_id: Set(new.organization_id),
        created_by: Set(new.created_by),
        content: Set(new.content),
        rows: Set(new.rows),
        refused: Set(new.refused),
        created_at: Set(now),
        expires_at: Set(new.expires_at),
        confirmed_at: Set(None),
        created: Set(None),
    }
    .insert(db)
    .await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<import::Model>, DbErr> {
    import::Entity::find_by_id(id).one(db).await
}

/// Marks an import confirmed with the ids it created; false when another request did first.
pub async fn confirm(db: &impl ConnectionTrait, id: Uuid, created: String, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let done = import::Entity::update_many()
        .col_expr(import::Column::ConfirmedAt, Expr::value(now))
        .col_expr(import::Column::Created, Expr::value(created))
        .filter(import::Column::Id.eq(id))
        .filter(import::Column::ConfirmedAt.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Imports past their time, confirmed or not, are deleted: the file holds residents' data.
pub async fn delete_expired(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(import::Entity::delete_many().filter(import::Column::ExpiresAt.lte(now)).exec(db).await?.rows_affected)
}

/// The facility ids of the residents already placed at an organisation, by their person.
pub async fn external_ids(db: &impl ConnectionTrait, organization_id: Uuid) -> Result<Vec<(String, Uuid)>, DbErr> {
    let rows = placement::Entity::find()
        .filter(placement::Column::OrganizationId.eq(organization_id))
        .filter(placement::Column::ExternalId.is_not_null())
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|row| Some((row.external_id?, row.person_id))).collect())
}
