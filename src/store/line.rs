//! LINE account linking: the link tokens LINE issued, by hash, with the user each is for; and
//! the single-use nonces made for a party who signed in, taken by compare-and-set.

use chrono::{DateTime, Utc};
use sea_orm::{sea_query::Expr, ColumnTrait, DbErr, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::{Connected, Read, Write};
use crate::entity::{line_link_token, line_nonce};

/// Remembers that LINE issued the token hashed `token_hash` for `line_user_id`.
pub async fn remember_link_token(
    db: &impl Write,
    token_hash: String,
    line_user_id: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let row = line_link_token::ActiveModel {
        token_hash: Set(token_hash),
        line_user_id: Set(line_user_id.to_owned()),
        expires_at: Set(expires_at),
    };
    line_link_token::Entity::insert(row).exec_without_returning(db.conn()).await?;
    Ok(())
}

/// The LINE user a link token still in force was issued for.
pub async fn link_token_user(db: &impl Read, token_hash: &str, now: DateTime<Utc>) -> Result<Option<String>, DbErr> {
    Ok(line_link_token::Entity::find_by_id(token_hash.to_owned())
        .filter(line_link_token::Column::ExpiresAt.gt(now))
        .one(db.conn())
        .await?
        .map(|row| row.line_user_id))
}

pub async fn insert_nonce(
    db: &impl Write,
    nonce_hash: String,
    party_id: Uuid,
    line_user_id: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let row = line_nonce::ActiveModel {
        nonce_hash: Set(nonce_hash),
        party_id: Set(party_id),
        line_user_id: Set(line_user_id.to_owned()),
        expires_at: Set(expires_at),
        used_at: Set(None),
    };
    line_nonce::Entity::insert(row).exec_without_returning(db.conn()).await?;
    Ok(())
}

/// Uses the nonce hashed `nonce_hash` for `line_user_id`, once: the party it was made for, or
/// `None` when it is unknown, spent, expired or was made for another LINE user.
pub async fn take_nonce(
    db: &impl Write,
    nonce_hash: &str,
    line_user_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, DbErr> {
    let taken = line_nonce::Entity::update_many()
        .col_expr(line_nonce::Column::UsedAt, Expr::value(now))
        .filter(line_nonce::Column::NonceHash.eq(nonce_hash))
        .filter(line_nonce::Column::LineUserId.eq(line_user_id))
        .filter(line_nonce::Column::UsedAt.is_null())
        .filter(line_nonce::Column::ExpiresAt.gt(now))
        .exec(db.conn())
        .await?;
    if taken.rows_affected != 1 {
        return Ok(None);
    }
    Ok(line_nonce::Entity::find_by_id(nonce_hash.to_owned()).one(db.conn()).await?.map(|row| row.party_id))
}

/// Forgets link tokens and nonces that ended before `before`.
pub async fn forget_before(db: &impl Write, before: DateTime<Utc>) -> Result<(), DbErr> {
    line_link_token::Entity::delete_many()
        .filter(line_link_token::Column::ExpiresAt.lt(before))
        .exec(db.conn())
        .await?;
    line_nonce::Entity::delete_many().filter(line_nonce::Column::ExpiresAt.lt(before)).exec(db.conn()).await?;
    Ok(())
}
