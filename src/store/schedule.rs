use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{idempotency_key, milestone, schedule_entry};
use sea_orm::{
    sea_query::OnConflict, ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

use super::new_id;
use super::{Connected, Declares, Read, Write};
use crate::cache::Changed;

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
    schedule_entry::Entity::find()
        .filter(schedule_entry::Column::PersonId.eq(person_id))
        .filter(schedule_entry::Column::Kind.eq("interview"))
        .all(db.conn())
        .await
}

/// What became of an attempt to take an idempotency key.
pub enum KeyClaim {
    /// Ours: process the request, then `finish`.
    Taken,
    /// Done before: here is the answer it got.
    Done { request_hash: String, response: String },
    /// Another request with this key is being processed now.
    InFlight { request_hash: String },
}

/// A request left in flight this long is taken to have died, and may be retried.
const IN_FLIGHT_LEASE: Duration = Duration::minutes(5);

pub async fn claim_key(
    db: &impl Write,
    owner: Uuid,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
) -> Result<KeyClaim, DbErr> {
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
    if inserted == 1 {
        return Ok(KeyClaim::Taken);
    }
    let Some(existing) = idempotency_key::Entity::find_by_id((owner, key.to_owned())).one(db.conn()).await? else {
        return Ok(KeyClaim::Taken);
    };
    match (existing.state.as_str(), existing.response_body) {
        ("done", Some(response)) => Ok(KeyClaim::Done { request_hash: existing.request_hash, response }),
        _ if existing.updated_at + IN_FLIGHT_LEASE < now && existing.request_hash == request_hash => {
            // The earlier attempt died: take the key over, once.
            let retaken = idempotency_key::Entity::update_many()
                .col_expr(idempotency_key::Column::UpdatedAt, now.into())
                .filter(idempotency_key::Column::OwnerPartyId.eq(owner))
                .filter(idempotency_key::Column::Key.eq(key))
                .filter(idempotency_key::Column::UpdatedAt.eq(existing.updated_at))
                .exec(db.conn())
                .await?;
            if retaken.rows_affected == 1 {
                Ok(KeyClaim::Taken)
            } else {
                Ok(KeyClaim::InFlight { request_hash: existing.request_hash })
            }
        }
        _ => Ok(KeyClaim::InFlight { request_hash: existing.request_hash }),
    }
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
