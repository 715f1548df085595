//! One digest per party and local day.

use chrono::{DateTime, NaiveDate, Utc};
use entity::digest;
use sea_orm::{sea_query::OnConflict, ConnectionTrait, DbErr, EntityTrait, Set};
use uuid::Uuid;

use super::new_id;

/// Claims the party's digest for `local_date`: the id when this call wrote it, `None` when
/// another instance (or an earlier tick) already did.
pub async fn claim(
    db: &impl ConnectionTrait,
    party_id: Uuid,
    local_date: NaiveDate,
    items: usize,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, DbErr> {
    let id = new_id();
    let row = digest::ActiveModel {
        id: Set(id),
        party_id: Set(party_id),
        local_date: Set(local_date),
        items: Set(i32::try_from(items).unwrap_or(i32::MAX)),
        created_at: Set(now),
    };
    let inserted = digest::Entity::insert(row)
        .on_conflict(OnConflict::columns([digest::Column::PartyId, digest::Column::LocalDate]).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    Ok((inserted == 1).then_some(id))
}

pub async fn exists(db: &impl ConnectionTrait, party_id: Uuid, local_date: NaiveDate) -> Result<bool, DbErr> {
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
    Ok(digest::Entity::find()
        .filter(digest::Column::PartyId.eq(party_id))
        .filter(digest::Column::LocalDate.eq(local_date))
        .count(db)
        .await?
        > 0)
}
