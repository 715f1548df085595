//! The token-signing keys kept in the database when none is configured.

use crate::entity::signing_key;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};

use super::{Connected, Read, Write};

/// The oldest key not retired: every instance signs with the same one.
pub async fn oldest_active(db: &impl Read) -> Result<Option<signing_key::Model>, DbErr> {
    signing_key::Entity::find()
        .filter(signing_key::Column::RetiredAt.is_null())
        .order_by_asc(signing_key::Column::CreatedAt)
        .order_by_asc(signing_key::Column::Kid)
        .one(db.conn())
        .await
}

/// Keeps a new key; `secret` is its bytes in standard base64.
pub async fn insert(db: &impl Write, kid: String, secret: String, now: DateTime<Utc>) -> Result<(), DbErr> {
    signing_key::ActiveModel {
        kid: Set(kid),
        algorithm: Set("HS256".to_owned()),
        secret: Set(secret),
        created_at: Set(now),
        retired_at: Set(None),
    }
    .insert(db.conn())
    .await?;
    Ok(())
}
