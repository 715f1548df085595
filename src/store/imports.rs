//! Imports waiting for confirmation: the file as read, and what its confirmation created.

use crate::entity::import;
use chrono::{DateTime, Utc};
use sea_orm::{sea_query::Expr, ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::{Connected, Read, Write};

/// What a kept file is: a facility's residents, or services for the directory.
pub const RESIDENTS: &str = "residents";
pub const EVENTS: &str = "events";
pub const HSDS: &str = "hsds";

pub struct NewImport {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub created_by: String,
    pub content: String,
    pub expires_at: DateTime<Utc>,
    pub format: &'static str,
    pub options: Option<String>,
}

pub async fn insert(db: &impl Write, new: NewImport, now: DateTime<Utc>) -> Result<import::Model, DbErr> {
    import::ActiveModel {
        id: Set(new.id),
        organization_id: Set(new.organization_id),
        created_by: Set(new.created_by),
        content: Set(new.content),
        created_at: Set(now),
        expires_at: Set(new.expires_at),
        confirmed_at: Set(None),
        created: Set(None),
        format: Set(new.format.to_owned()),
        options: Set(new.options),
    }
    .insert(db.conn())
    .await
}

pub async fn find(db: &impl Read, id: Uuid) -> Result<Option<import::Model>, DbErr> {
    import::Entity::find_by_id(id).one(db.conn()).await
}

/// Marks an import confirmed with the ids it created; false when another request did first.
pub async fn confirm(db: &impl Write, id: Uuid, created: String, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let done = import::Entity::update_many()
        .col_expr(import::Column::ConfirmedAt, Expr::value(now))
        .col_expr(import::Column::Created, Expr::value(created))
        .filter(import::Column::Id.eq(id))
        .filter(import::Column::ConfirmedAt.is_null())
        .exec(db.conn())
        .await?;
    Ok(done.rows_affected == 1)
}

/// Imports past their time, confirmed or not, are deleted: the file holds residents' data.
pub async fn delete_expired(db: &impl Write, now: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(import::Entity::delete_many().filter(import::Column::ExpiresAt.lte(now)).exec(db.conn()).await?.rows_affected)
}
