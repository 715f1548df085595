//! Calendar feeds: one capability per party, stored as its hash.

use crate::entity::calendar_feed;
use chrono::{DateTime, Utc};
use sea_orm::{sea_query::OnConflict, ColumnTrait, DbErr, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::{Connected, Read, Write};

/// Stores the party's feed (a new secret's hash), replacing any; whether one was replaced.
pub async fn replace(
    db: &impl Write,
    party_id: Uuid,
    token_hash: String,
    detailed_titles: bool,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let replaced = calendar_feed::Entity::find_by_id(party_id).one(db.conn()).await?.is_some();
    let row = calendar_feed::ActiveModel {
        party_id: Set(party_id),
        token_hash: Set(token_hash),
        created_at: Set(now),
        detailed_titles: Set(detailed_titles),
    };
    calendar_feed::Entity::insert(row)
        .on_conflict(
            OnConflict::column(calendar_feed::Column::PartyId)
                .update_columns([
                    calendar_feed::Column::TokenHash,
                    calendar_feed::Column::CreatedAt,
                    calendar_feed::Column::DetailedTitles,
                ])
                .to_owned(),
        )
        .exec_without_returning(db.conn())
        .await?;
    Ok(replaced)
}

/// Deletes the party's feed; whether there was one.
pub async fn delete(db: &impl Write, party_id: Uuid) -> Result<bool, DbErr> {
    Ok(calendar_feed::Entity::delete_by_id(party_id).exec(db.conn()).await?.rows_affected > 0)
}

/// The feed whose secret hashes to `token_hash`.
pub async fn with_hash(db: &impl Read, token_hash: &str) -> Result<Option<calendar_feed::Model>, DbErr> {
    calendar_feed::Entity::find().filter(calendar_feed::Column::TokenHash.eq(token_hash)).one(db.conn()).await
}
