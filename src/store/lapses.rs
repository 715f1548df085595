use chrono::{DateTime, NaiveDate, Utc};
use entity::lapse;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::new_id;

pub async fn insert(
    db: &impl ConnectionTrait,
    person_id: Uuid,
    on: NaiveDate,
    note: Option<String>,
    recorded_by: String,
    now: DateTime<Utc>,
) -> Result<lapse::Model, DbErr> {
    lapse::ActiveModel {
        id: Set(new_id()),
        person_id: Set(person_id),
        on: Set(on),
        note: Set(note),
        recorded_by: Set(recorded_by),
        recorded_at: Set(now),
    }
    .insert(db)
    .await
}

pub async fn list_for_person(db: &impl ConnectionTrait, person_id: Uuid) -> Result<Vec<lapse::Model>, DbErr> {
    lapse::Entity::find()
        .filter(lapse::Column::PersonId.eq(person_id))
        .order_by_asc(lapse::Column::On)
        .order_by_asc(lapse::Column::Id)
        .all(db)
        .await
}
