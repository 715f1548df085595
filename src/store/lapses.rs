use crate::entity::lapse;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::new_id;
use super::{Connected, Declares, Read, Write};
use crate::cache::Changed;

pub async fn insert(
    db: &impl Write,
    person_id: Uuid,
    on: NaiveDate,
    note: Option<String>,
    recorded_by: String,
    now: DateTime<Utc>,
) -> Result<lapse::Model, DbErr> {
    let row = lapse::ActiveModel {
        id: Set(new_id()),
        person_id: Set(person_id),
        on: Set(on),
        note: Set(note),
        recorded_by: Set(recorded_by),
        recorded_at: Set(now),
    }
    .insert(db.conn())
    .await?;
    db.declare([Changed::Person(person_id)]).await;
    Ok(row)
}

pub async fn list_for_person(db: &impl Read, person_id: Uuid) -> Result<Vec<lapse::Model>, DbErr> {
    lapse::Entity::find()
        .filter(lapse::Column::PersonId.eq(person_id))
        .order_by_asc(lapse::Column::On)
        .order_by_asc(lapse::Column::Id)
        .all(db.conn())
        .await
}
