//! A party's e-mail addresses and phone numbers.

use crate::entity::contact_point;
use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::{Expr, Func},
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::{Connected, Read, Write};

use crate::domain::channels::{Channel, ContactAddress, ContactStatus};

pub struct NewContactPoint<'a> {
    pub id: Uuid,
    pub party_id: Uuid,
    pub address: &'a ContactAddress,
    pub confirm_token_hash: String,
    /// The SHA-256 of the address's unsubscribe token (the column keeps nothing else).
    pub unsubscribe_token_hash: String,
}

pub async fn insert(
    db: &impl Write,
    new: NewContactPoint<'_>,
    now: DateTime<Utc>,
) -> Result<contact_point::Model, DbErr> {
    contact_point::ActiveModel {
        id: Set(new.id),
        party_id: Set(new.party_id),
        channel: Set(new.address.channel()),
        address: Set(new.address.as_str().to_owned()),
        status: Set(ContactStatus::Unconfirmed),
        confirm_token_hash: Set(Some(new.confirm_token_hash)),
        unsubscribe_token: Set(new.unsubscribe_token_hash),
        confirmed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db.conn())
    .await
}

pub async fn find(db: &impl Read, id: Uuid) -> Result<Option<contact_point::Model>, DbErr> {
    contact_point::Entity::find_by_id(id).one(db.conn()).await
}

pub async fn of_party(db: &impl Read, party_id: Uuid) -> Result<Vec<contact_point::Model>, DbErr> {
    contact_point::Entity::find()
        .filter(contact_point::Column::PartyId.eq(party_id))
        .order_by_asc(contact_point::Column::CreatedAt)
        .order_by_asc(contact_point::Column::Id)
        .all(db.conn())
        .await
}

/// The contact points of many parties, in a few queries.
pub async fn of_parties(db: &impl Read, party_ids: &[Uuid]) -> Result<Vec<contact_point::Model>, DbErr> {
    let mut found = Vec::new();
    for chunk in party_ids.chunks(super::IDS_PER_STATEMENT) {
        found.extend(
            contact_point::Entity::find()
                .filter(contact_point::Column::PartyId.is_in(chunk.iter().copied()))
                .order_by_asc(contact_point::Column::Id)
                .all(db.conn())
                .await?,
        );
    }
    Ok(found)
}

pub async fn find_by_address(
    db: &impl Read,
    party_id: Uuid,
    address: &ContactAddress,
) -> Result<Option<contact_point::Model>, DbErr> {
    contact_point::Entity::find()
        .filter(contact_point::Column::PartyId.eq(party_id))
        .filter(contact_point::Column::Channel.eq(address.channel().as_str()))
        .filter(contact_point::Column::Address.eq(address.as_str()))
        .one(db.conn())
        .await
}

pub async fn find_by_confirm_token(db: &impl Read, token_hash: &str) -> Result<Option<contact_point::Model>, DbErr> {
    contact_point::Entity::find().filter(contact_point::Column::ConfirmTokenHash.eq(token_hash)).one(db.conn()).await
}

/// The address whose unsubscribe token hashes to `token_hash`.
pub async fn find_by_unsubscribe_hash(db: &impl Read, token_hash: &str) -> Result<Option<contact_point::Model>, DbErr> {
    contact_point::Entity::find().filter(contact_point::Column::UnsubscribeToken.eq(token_hash)).one(db.conn()).await
}

/// Asks an address again to confirm (it was unsubscribed and is added back): a new
/// confirmation token; the address keeps its status, and so its sign-in door, until confirmed.
pub async fn renew_confirmation(
    db: &impl Write,
    id: Uuid,
    confirm_token_hash: String,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    contact_point::Entity::update_many()
        .col_expr(contact_point::Column::ConfirmTokenHash, Expr::value(confirm_token_hash))
        .col_expr(contact_point::Column::UpdatedAt, Expr::value(now))
        .filter(contact_point::Column::Id.eq(id))
        .exec(db.conn())
        .await?;
    Ok(())
}

/// Moves contact points to `status`; a confirmation also spends its token.
pub async fn set_status(
    db: &impl Write,
    ids: &[Uuid],
    status: ContactStatus,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    if ids.is_empty() {
        return Ok(0);
    }
    let mut update = contact_point::Entity::update_many()
        .col_expr(contact_point::Column::Status, status.as_str().into())
        .col_expr(contact_point::Column::UpdatedAt, now.into())
        .filter(contact_point::Column::Id.is_in(ids.iter().copied()));
    if status == ContactStatus::Confirmed {
        update = update
            .col_expr(contact_point::Column::ConfirmTokenHash, Option::<String>::None.into())
            .col_expr(contact_point::Column::ConfirmedAt, Some(now).into());
    }
    Ok(update.exec(db.conn()).await?.rows_affected)
}

/// Every contact point with this phone number (a STOP from it stops them all, and only them).
pub async fn with_number(db: &impl Read, number: &str) -> Result<Vec<contact_point::Model>, DbErr> {
    with(db, Channel::Sms, number).await
}

/// Every contact point with this address, whoever's it is. E-mail addresses are matched
/// without regard to case: people type `Hanako@…` as often as `hanako@…`, and mail providers
/// treat them as one.
pub async fn with_address(db: &impl Read, address: &ContactAddress) -> Result<Vec<contact_point::Model>, DbErr> {
    match address.channel() {
        Channel::Sms | Channel::Line => with(db, address.channel(), address.as_str()).await,
        Channel::Email => {
            contact_point::Entity::find()
                .filter(contact_point::Column::Channel.eq(Channel::Email.as_str()))
                .filter(
                    Expr::expr(Func::lower(Expr::col(contact_point::Column::Address)))
                        .eq(address.as_str().to_lowercase()),
                )
                .order_by_asc(contact_point::Column::Id)
                .all(db.conn())
                .await
        }
    }
}

async fn with(db: &impl Read, channel: Channel, address: &str) -> Result<Vec<contact_point::Model>, DbErr> {
    contact_point::Entity::find()
        .filter(contact_point::Column::Channel.eq(channel.as_str()))
        .filter(contact_point::Column::Address.eq(address))
        .order_by_asc(contact_point::Column::Id)
        .all(db.conn())
        .await
}

pub async fn delete(db: &impl Write, id: Uuid) -> Result<(), DbErr> {
    contact_point::Entity::delete_by_id(id).exec(db.conn()).await?;
    Ok(())
}
