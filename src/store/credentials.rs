//! OAuth clients of parties: a public client id and an Argon2id hash of the secret.

use crate::entity::client_credential;
use chrono::{DateTime, Utc};
use sea_orm::{sea_query::Expr, ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::new_id;
use super::{Connected, Read, Write};

pub struct NewCredential {
    pub party_id: Uuid,
    pub client_id: String,
    pub secret_hash: String,
    pub created_by: String,
}

pub async fn insert(
    db: &impl Write,
    new: NewCredential,
    now: DateTime<Utc>,
) -> Result<client_credential::Model, DbErr> {
    client_credential::ActiveModel {
        id: Set(new_id()),
        party_id: Set(new.party_id),
        client_id: Set(new.client_id),
        secret_hash: Set(new.secret_hash),
        created_by: Set(new.created_by),
        created_at: Set(now),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(db.conn())
    .await
}

pub async fn find(db: &impl Read, id: Uuid) -> Result<Option<client_credential::Model>, DbErr> {
    client_credential::Entity::find_by_id(id).one(db.conn()).await
}

pub async fn by_client_id(db: &impl Read, client_id: &str) -> Result<Option<client_credential::Model>, DbErr> {
    client_credential::Entity::find().filter(client_credential::Column::ClientId.eq(client_id)).one(db.conn()).await
}

/// Every credential, oldest first: the partner systems' page lists them all (there are few).
pub async fn all(db: &impl Read) -> Result<Vec<client_credential::Model>, DbErr> {
    client_credential::Entity::find().order_by_asc(client_credential::Column::Id).all(db.conn()).await
}

pub async fn of_party(db: &impl Read, party_id: Uuid) -> Result<Vec<client_credential::Model>, DbErr> {
    client_credential::Entity::find()
        .filter(client_credential::Column::PartyId.eq(party_id))
        .order_by_asc(client_credential::Column::Id)
        .all(db.conn())
        .await
}

pub async fn used(db: &impl Write, id: Uuid, now: DateTime<Utc>) -> Result<(), DbErr> {
    client_credential::Entity::update_many()
        .col_expr(client_credential::Column::LastUsedAt, Expr::value(now))
        .filter(client_credential::Column::Id.eq(id))
        .exec(db.conn())
        .await?;
    Ok(())
}

/// Revokes one credential, or (with `None`) every credential of the party; returns how many.
pub async fn revoke(db: &impl Write, party_id: Uuid, id: Option<Uuid>, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let mut update = client_credential::Entity::update_many()
        .col_expr(client_credential::Column::RevokedAt, Expr::value(now))
        .filter(client_credential::Column::PartyId.eq(party_id))
        .filter(client_credential::Column::RevokedAt.is_null());
    if let Some(id) = id {
        update = update.filter(client_credential::Column::Id.eq(id));
    }
    Ok(update.exec(db.conn()).await?.rows_affected)
}
