use crate::entity::custody_period;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::new_id;
use super::{Connected, Read, Write};

pub struct NewCustody {
    pub person_id: Uuid,
    pub started_on: NaiveDate,
    pub cause: &'static str,
    pub reason: Option<String>,
    pub source_milestone_id: Option<Uuid>,
    pub recorded_by: String,
}

pub async fn current(db: &impl Read, person_id: Uuid) -> Result<Option<custody_period::Model>, DbErr> {
    custody_period::Entity::find()
        .filter(custody_period::Column::PersonId.eq(person_id))
        .filter(custody_period::Column::EndedOn.is_null())
        .one(db.conn())
        .await
}

pub async fn insert(db: &impl Write, new: NewCustody, now: DateTime<Utc>) -> Result<custody_period::Model, DbErr> {
    custody_period::ActiveModel {
        id: Set(new_id()),
        person_id: Set(new.person_id),
        started_on: Set(new.started_on),
        ended_on: Set(None),
        cause: Set(new.cause.to_owned()),
        reason: Set(new.reason),
        source_milestone_id: Set(new.source_milestone_id),
        recorded_by: Set(new.recorded_by),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db.conn())
    .await
}

pub async fn end(
    db: &impl Write,
    period: custody_period::Model,
    ended_on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<custody_period::Model, DbErr> {
    let mut row = period.into_active_model();
    row.ended_on = Set(Some(ended_on));
    row.updated_at = Set(now);
    row.update(db.conn()).await
}

pub async fn list_for_person(db: &impl Read, person_id: Uuid) -> Result<Vec<custody_period::Model>, DbErr> {
    custody_period::Entity::find()
        .filter(custody_period::Column::PersonId.eq(person_id))
        .order_by_asc(custody_period::Column::StartedOn)
        .all(db.conn())
        .await
}
