//! One digest per party and local day.

use crate::entity::digest;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{sea_query::OnConflict, DbErr, EntityTrait, Set};
use uuid::Uuid;

use super::new_id;
use super::{Connected, Read, Write};

/// Claims the party's digest for `local_date`: the id when this call wrote it, `None` when
/// another instance (or an earlier tick) already did.
pub async fn claim(
    db: &impl Write,
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
        .exec_without_returning(db.conn())
        .await?;
    Ok((inserted == 1).then_some(id))
}

/// Which of these (party, local date) digests are already written.
pub async fn written(
    db: &impl Read,
    asked: &[(Uuid, NaiveDate)],
) -> Result<std::collections::HashSet<(Uuid, NaiveDate)>, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let mut found = std::collections::HashSet::new();
    for chunk in asked.chunks(super::IDS_PER_STATEMENT) {
        let parties = chunk.iter().map(|(party, _)| *party);
        let dates: std::collections::BTreeSet<NaiveDate> = chunk.iter().map(|(_, date)| *date).collect();
        let rows = digest::Entity::find()
            .filter(digest::Column::PartyId.is_in(parties))
            .filter(digest::Column::LocalDate.is_in(dates))
            .all(db.conn())
            .await?;
        found.extend(rows.into_iter().map(|row| (row.party_id, row.local_date)));
    }
    Ok(found)
}
