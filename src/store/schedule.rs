use crate::entity::{idempotency_key, milestone, schedule_entry};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    sea_query::{OnConflict, SelectStatement},
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QueryTrait,
    SelectModel, Set,
};
use uuid::Uuid;

use super::{kept::KeptSelect, new_id};
use super::{Connected, Declares, Read, Write};
use crate::{
    cache::Changed,
    domain::{idempotency::HeldKey, schedule::ScheduleKind},
};

pub async fn find(db: &impl Read, owner: Uuid, external_id: &str) -> Result<Option<schedule_entry::Model>, DbErr> {
    schedule_entry::Entity::find()
        .filter(schedule_entry::Column::OwnerPartyId.eq(owner))
        .filter(schedule_entry::Column::ExternalId.eq(external_id))
        .one(db.conn())
        .await
}

pub struct EntryValues {
    pub person_id: Uuid,
    pub kind: String,
    pub on: NaiveDate,
    pub release_type: Option<String>,
    pub milestone_id: Option<Uuid>,
}

pub async fn save(
    db: &impl Write,
    owner: Uuid,
    external_id: &str,
    existing: Option<schedule_entry::Model>,
    values: EntryValues,
    now: DateTime<Utc>,
) -> Result<schedule_entry::Model, DbErr> {
    let before = existing.as_ref().map(|row| row.person_id);
    let row = match existing {
        Some(row) => {
            let mut row = row.into_active_model();
            row.on = Set(values.on);
            row.kind = Set(values.kind);
            row.release_type = Set(values.release_type);
            row.milestone_id = Set(values.milestone_id);
            row.updated_at = Set(now);
            row.update(db.conn()).await
        }
        None => {
            schedule_entry::ActiveModel {
                id: Set(new_id()),
                owner_party_id: Set(owner),
                external_id: Set(external_id.to_owned()),
                person_id: Set(values.person_id),
                kind: Set(values.kind),
                on: Set(values.on),
                release_type: Set(values.release_type),
                milestone_id: Set(values.milestone_id),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db.conn())
            .await
        }
    }?;
    db.declare([Some(row.person_id), before].into_iter().flatten().map(Changed::Person)).await;
    Ok(row)
}

/// The person's most recent milestone of `kind` whose state is one of `states`.
pub async fn latest_milestone(
    db: &impl Read,
    person_id: Uuid,
    kind: &str,
    states: &[&str],
) -> Result<Option<milestone::Model>, DbErr> {
    milestone::Entity::find()
        .filter(milestone::Column::PersonId.eq(person_id))
        .filter(milestone::Column::Kind.eq(kind))
        .filter(milestone::Column::State.is_in(states.iter().copied()))
        .order_by_desc(milestone::Column::Id)
        .one(db.conn())
        .await
}

pub async fn interviews_of(db: &impl Read, person_id: Uuid) -> Result<Vec<schedule_entry::Model>, DbErr> {
    INTERVIEWS.all::<SelectModel<schedule_entry::Model>>(db.conn(), interview_values(person_id)).await
}

/// Read on every schedule the cache misses: the statement is kept (`store::kept`).
static INTERVIEWS: KeptSelect = KeptSelect::new(|| interviews(Uuid::nil()));

fn interviews(person_id: Uuid) -> SelectStatement {
    schedule_entry::Entity::find()
        .filter(schedule_entry::Column::PersonId.eq(person_id))
        .filter(schedule_entry::Column::Kind.eq(ScheduleKind::Interview.as_str()))
        .into_query()
}

fn interview_values(person_id: Uuid) -> Vec<sea_orm::Value> {
    vec![person_id.into(), ScheduleKind::Interview.as_str().into()]
}

/// Takes `key` for a request if no one holds it; `false` when it is held.
pub async fn take_key(
    db: &impl Write,
    owner: Uuid,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let row = idempotency_key::ActiveModel {
        owner_party_id: Set(owner),
        key: Set(key.to_owned()),
        request_hash: Set(request_hash.to_owned()),
        state: Set("in_flight".to_owned()),
        response_body: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let inserted = idempotency_key::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([idempotency_key::Column::OwnerPartyId, idempotency_key::Column::Key])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db.conn())
        .await?;
    Ok(inserted == 1)
}

/// The key as held, if it is.
pub async fn held_key(db: &impl Read, owner: Uuid, key: &str) -> Result<Option<HeldKey>, DbErr> {
    Ok(idempotency_key::Entity::find_by_id((owner, key.to_owned())).one(db.conn()).await?.map(|row| HeldKey {
        request_hash: row.request_hash,
        response: row.response_body.filter(|_| row.state == "done"),
        updated_at: row.updated_at,
    }))
}

/// Takes a held key over if it was last touched at `seen`; `false` when someone else did.
pub async fn take_key_over(
    db: &impl Write,
    owner: Uuid,
    key: &str,
    seen: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let retaken = idempotency_key::Entity::update_many()
        .col_expr(idempotency_key::Column::UpdatedAt, now.into())
        .filter(idempotency_key::Column::OwnerPartyId.eq(owner))
        .filter(idempotency_key::Column::Key.eq(key))
        .filter(idempotency_key::Column::UpdatedAt.eq(seen))
        .exec(db.conn())
        .await?;
    Ok(retaken.rows_affected == 1)
}

pub async fn finish_key(
    db: &impl Write,
    owner: Uuid,
    key: &str,
    response: String,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    idempotency_key::Entity::update_many()
        .col_expr(idempotency_key::Column::State, "done".into())
        .col_expr(idempotency_key::Column::ResponseBody, response.into())
        .col_expr(idempotency_key::Column::UpdatedAt, now.into())
        .filter(idempotency_key::Column::OwnerPartyId.eq(owner))
        .filter(idempotency_key::Column::Key.eq(key))
        .exec(db.conn())
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::kept::assert_same_as_built;

    #[test]
    fn a_persons_interviews_are_read_with_the_statement_the_query_builder_writes() {
        let person = Uuid::new_v4();
        assert_same_as_built(&INTERVIEWS, interview_values(person), &interviews(person));
    }
}
