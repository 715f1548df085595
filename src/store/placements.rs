use crate::entity::placement;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    sea_query::Query, ActiveModelTrait, ColumnTrait, Condition, DbErr, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::new_id;
use super::{Connected, Declares, Read, Write};
use crate::cache::Changed;
use crate::domain::Zone;

pub struct NewPlacement {
    pub person_id: Uuid,
    pub organization_id: Uuid,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
    /// The facility's own id of the resident, from an import.
    pub external_id: Option<String>,
}

/// Placements in force at `now`.
pub fn current(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(placement::Column::StartsAt.lte(now))
        .add(Condition::any().add(placement::Column::EndsAt.is_null()).add(placement::Column::EndsAt.gt(now)))
}

/// [`current`] for a row already read: whether the placement holds at `now`.
pub fn is_current(row: &placement::Model, now: DateTime<Utc>) -> bool {
    row.starts_at <= now && row.ends_at.is_none_or(|ends_at| ends_at > now)
}

/// Every placement ever made at an organisation, past, present and to come.
pub async fn of_organization(db: &impl Read, organization_id: Uuid) -> Result<Vec<placement::Model>, DbErr> {
    placement::Entity::find().filter(placement::Column::OrganizationId.eq(organization_id)).all(db.conn()).await
}

pub async fn insert(
    db: &impl Write,
    new: NewPlacement,
    zone: Zone,
    now: DateTime<Utc>,
) -> Result<placement::Model, DbErr> {
    let row = placement::ActiveModel {
        id: Set(new_id()),
        person_id: Set(new.person_id),
        organization_id: Set(new.organization_id),
        start_on: Set(new.start_on),
        end_on: Set(new.end_on),
        starts_at: Set(zone.start_of(new.start_on)),
        ends_at: Set(new.end_on.map(|end| zone.end_of(end))),
        created_at: Set(now),
        updated_at: Set(now),
        external_id: Set(new.external_id),
    }
    .insert(db.conn())
    .await?;
    db.declare([Changed::Person(row.person_id), Changed::Organisation(row.organization_id)]).await;
    Ok(row)
}

pub async fn find(db: &impl Read, id: Uuid) -> Result<Option<placement::Model>, DbErr> {
    placement::Entity::find_by_id(id).one(db.conn()).await
}

pub async fn list_for_person(db: &impl Read, person_id: Uuid) -> Result<Vec<placement::Model>, DbErr> {
    placement::Entity::find()
        .filter(placement::Column::PersonId.eq(person_id))
        .order_by_asc(placement::Column::StartOn)
        .order_by_asc(placement::Column::Id)
        .all(db.conn())
        .await
}

pub async fn set_end(
    db: &impl Write,
    existing: placement::Model,
    end_on: Option<NaiveDate>,
    zone: Zone,
    now: DateTime<Utc>,
) -> Result<placement::Model, DbErr> {
    let mut row = existing.into_active_model();
    row.end_on = Set(end_on);
    row.ends_at = Set(end_on.map(|end| zone.end_of(end)));
    row.updated_at = Set(now);
    let row = row.update(db.conn()).await?;
    db.declare([Changed::Person(row.person_id), Changed::Organisation(row.organization_id)]).await;
    Ok(row)
}

/// The organisations a person is placed at, at `now`.
pub async fn current_organizations(db: &impl Read, person_id: Uuid, now: DateTime<Utc>) -> Result<Vec<Uuid>, DbErr> {
    placement::Entity::find()
        .select_only()
        .column(placement::Column::OrganizationId)
        .filter(placement::Column::PersonId.eq(person_id))
        .filter(current(now))
        .into_tuple()
        .all(db.conn())
        .await
}

/// (person, organisation) for every current placement of these persons, a thousand persons a
/// statement.
pub async fn current_of_persons(
    db: &impl Read,
    person_ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<Vec<(Uuid, Uuid)>, DbErr> {
    let mut placed = Vec::new();
    for chunk in person_ids.chunks(1000) {
        placed.extend(
            placement::Entity::find()
                .select_only()
                .column(placement::Column::PersonId)
                .column(placement::Column::OrganizationId)
                .filter(placement::Column::PersonId.is_in(chunk.iter().copied()))
                .filter(current(now))
                .into_tuple::<(Uuid, Uuid)>()
                .all(db.conn())
                .await?,
        );
    }
    Ok(placed)
}

/// `SELECT person_id FROM placements WHERE organization_id = … AND <current>`.
pub fn persons_placed_at(organization_id: Uuid, now: DateTime<Utc>) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(placement::Column::PersonId)
        .from(placement::Entity)
        .and_where(placement::Column::OrganizationId.eq(organization_id))
        .cond_where(current(now))
        .to_owned()
}
