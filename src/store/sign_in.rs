//! Invitations and one-time sign-in codes, kept as keyed hashes.

use crate::entity::{invitation, sign_in_code};
use chrono::{DateTime, Utc};
use sea_orm::{sea_query::Expr, ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::{Connected, Read, Write};

pub struct NewInvitation {
    pub id: Uuid,
    pub party_id: Uuid,
    pub code_hash: String,
    pub created_by: String,
    pub sent_to: Option<Uuid>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_invitation(
    db: &impl Write,
    new: NewInvitation,
    now: DateTime<Utc>,
) -> Result<invitation::Model, DbErr> {
    invitation::ActiveModel {
        id: Set(new.id),
        party_id: Set(new.party_id),
        code_hash: Set(new.code_hash),
        created_by: Set(new.created_by),
        sent_to: Set(new.sent_to),
        created_at: Set(now),
        expires_at: Set(new.expires_at),
        used_at: Set(None),
    }
    .insert(db.conn())
    .await
}

pub async fn find_invitation(db: &impl Read, id: Uuid) -> Result<Option<invitation::Model>, DbErr> {
    invitation::Entity::find_by_id(id).one(db.conn()).await
}

pub async fn invitation_by_code(db: &impl Read, code_hash: &str) -> Result<Option<invitation::Model>, DbErr> {
    invitation::Entity::find().filter(invitation::Column::CodeHash.eq(code_hash)).one(db.conn()).await
}

/// Spends an unused, unexpired invitation; false when another request spent it first or it ran out.
pub async fn spend_invitation(db: &impl Write, id: Uuid, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let spent = invitation::Entity::update_many()
        .col_expr(invitation::Column::UsedAt, Expr::value(now))
        .filter(invitation::Column::Id.eq(id))
        .filter(invitation::Column::UsedAt.is_null())
        .filter(invitation::Column::ExpiresAt.gt(now))
        .exec(db.conn())
        .await?;
    Ok(spent.rows_affected == 1)
}

/// Ends every invitation of a party not yet used (the party was disabled).
pub async fn end_invitations_of(db: &impl Write, party_id: Uuid, now: DateTime<Utc>) -> Result<(), DbErr> {
    invitation::Entity::update_many()
        .col_expr(invitation::Column::ExpiresAt, Expr::value(now))
        .filter(invitation::Column::PartyId.eq(party_id))
        .filter(invitation::Column::UsedAt.is_null())
        .filter(invitation::Column::ExpiresAt.gt(now))
        .exec(db.conn())
        .await?;
    Ok(())
}

pub struct NewCode {
    pub id: Uuid,
    pub party_id: Uuid,
    pub contact_point_id: Uuid,
    pub address_hash: String,
    pub code_hash: String,
    pub expires_at: DateTime<Utc>,
}

/// Writes a new code for an address; the address's earlier codes for that party end.
pub async fn insert_code(db: &impl Write, new: NewCode, now: DateTime<Utc>) -> Result<(), DbErr> {
    sign_in_code::Entity::update_many()
        .col_expr(sign_in_code::Column::EndedAt, Expr::value(now))
        .col_expr(sign_in_code::Column::EndReason, Expr::value("replaced"))
        .filter(sign_in_code::Column::AddressHash.eq(new.address_hash.as_str()))
        .filter(sign_in_code::Column::PartyId.eq(new.party_id))
        .filter(sign_in_code::Column::EndedAt.is_null())
        .exec(db.conn())
        .await?;
    sign_in_code::ActiveModel {
        id: Set(new.id),
        party_id: Set(new.party_id),
        contact_point_id: Set(new.contact_point_id),
        address_hash: Set(new.address_hash),
        code_hash: Set(new.code_hash),
        failed_attempts: Set(0),
        created_at: Set(now),
        expires_at: Set(new.expires_at),
        ended_at: Set(None),
        end_reason: Set(None),
    }
    .insert(db.conn())
    .await?;
    Ok(())
}

/// The codes of an address that can still be used.
pub async fn live_codes(
    db: &impl Read,
    address_hash: &str,
    now: DateTime<Utc>,
) -> Result<Vec<sign_in_code::Model>, DbErr> {
    sign_in_code::Entity::find()
        .filter(sign_in_code::Column::AddressHash.eq(address_hash))
        .filter(sign_in_code::Column::EndedAt.is_null())
        .filter(sign_in_code::Column::ExpiresAt.gt(now))
        .order_by_asc(sign_in_code::Column::Id)
        .all(db.conn())
        .await
}

/// Takes one of a code's tries before it is compared, in one statement: a code that has had
/// `max_tries` is not compared again, however many requests arrive at once. True if taken.
pub async fn take_try(db: &impl Write, id: Uuid, max_tries: i32, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let taken = sign_in_code::Entity::update_many()
        .col_expr(sign_in_code::Column::FailedAttempts, Expr::col(sign_in_code::Column::FailedAttempts).add(1))
        .filter(sign_in_code::Column::Id.eq(id))
        .filter(sign_in_code::Column::EndedAt.is_null())
        .filter(sign_in_code::Column::ExpiresAt.gt(now))
        .filter(sign_in_code::Column::FailedAttempts.lt(max_tries))
        .exec(db.conn())
        .await?;
    Ok(taken.rows_affected == 1)
}

/// Ends a code whose tries are all taken; true if this ended it.
pub async fn lock_if_spent(db: &impl Write, id: Uuid, max_tries: i32, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let locked = sign_in_code::Entity::update_many()
        .col_expr(sign_in_code::Column::EndedAt, Expr::value(now))
        .col_expr(sign_in_code::Column::EndReason, Expr::value("locked"))
        .filter(sign_in_code::Column::Id.eq(id))
        .filter(sign_in_code::Column::EndedAt.is_null())
        .filter(sign_in_code::Column::FailedAttempts.gte(max_tries))
        .exec(db.conn())
        .await?;
    Ok(locked.rows_affected == 1)
}

/// Spends a code; false when another request spent or locked it first.
pub async fn spend_code(db: &impl Write, id: Uuid, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let spent = sign_in_code::Entity::update_many()
        .col_expr(sign_in_code::Column::EndedAt, Expr::value(now))
        .col_expr(sign_in_code::Column::EndReason, Expr::value("used"))
        .filter(sign_in_code::Column::Id.eq(id))
        .filter(sign_in_code::Column::EndedAt.is_null())
        .filter(sign_in_code::Column::ExpiresAt.gt(now))
        .exec(db.conn())
        .await?;
    Ok(spent.rows_affected == 1)
}

pub struct NewSetupLink {
    pub id: Uuid,
    pub code_hash: String,
    pub name: Option<String>,
    pub first_start: bool,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_setup_link(
    db: &impl Write,
    new: NewSetupLink,
    now: DateTime<Utc>,
) -> Result<crate::entity::setup_link::Model, DbErr> {
    crate::entity::setup_link::ActiveModel {
        id: Set(new.id),
        code_hash: Set(new.code_hash),
        name: Set(new.name),
        first_start: Set(new.first_start),
        created_at: Set(now),
        expires_at: Set(new.expires_at),
        used_at: Set(None),
    }
    .insert(db.conn())
    .await
}

pub async fn setup_link_by_code(
    db: &impl Read,
    code_hash: &str,
) -> Result<Option<crate::entity::setup_link::Model>, DbErr> {
    use crate::entity::setup_link::{Column, Entity};
    Entity::find().filter(Column::CodeHash.eq(code_hash)).one(db.conn()).await
}

/// Spends an unused, unexpired set-up link; false when another request spent it first or it ran out.
pub async fn spend_setup_link(db: &impl Write, id: Uuid, now: DateTime<Utc>) -> Result<bool, DbErr> {
    use crate::entity::setup_link::{Column, Entity};
    let spent = Entity::update_many()
        .col_expr(Column::UsedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(Column::UsedAt.is_null())
        .filter(Column::ExpiresAt.gt(now))
        .exec(db.conn())
        .await?;
    Ok(spent.rows_affected == 1)
}

/// Ends the first start's links not yet used: a new start prints a new one.
pub async fn end_first_start_links(db: &impl Write, now: DateTime<Utc>) -> Result<(), DbErr> {
    use crate::entity::setup_link::{Column, Entity};
    Entity::update_many()
        .col_expr(Column::ExpiresAt, Expr::value(now))
        .filter(Column::FirstStart.eq(true))
        .filter(Column::UsedAt.is_null())
        .filter(Column::ExpiresAt.gt(now))
        .exec(db.conn())
        .await?;
    Ok(())
}
