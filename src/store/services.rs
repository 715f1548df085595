//! The directory's services and sessions: rows in, typed records out. A stored kind, language
//! or schedule that does not read is reported corrupt for that service alone.

use std::collections::HashMap;

use crate::entity::{class_reminder, service, service_session};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{sea_query::OnConflict, ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::{new_id, Connected, Corrupt, Declares, Read, Write, IDS_PER_STATEMENT};
use crate::cache::Changed;
use crate::domain::directory::{Recurrence, Service, ServiceKind, ServiceStatus, Session};

/// A stored service read into its types, with its sessions in time order.
#[derive(Debug, Clone)]
pub struct ServiceRecord {
    pub row: service::Model,
    pub kinds: Vec<ServiceKind>,
    pub status: ServiceStatus,
    pub languages: Vec<String>,
    pub schedules: Vec<Recurrence>,
    pub sessions: Vec<service_session::Model>,
}

impl ServiceRecord {
    pub fn is_active(&self) -> bool {
        self.status == ServiceStatus::Active
    }
}

fn read(row: service::Model, sessions: Vec<service_session::Model>) -> Result<ServiceRecord, Corrupt> {
    let kinds = row
        .kinds
        .split(',')
        .filter(|kind| !kind.is_empty())
        .map(|kind| super::parse_stored("service kind", row.id, kind))
        .collect::<Result<Vec<ServiceKind>, _>>()?;
    let status = super::parse_stored("service status", row.id, &row.status)?;
    let schedules: Vec<Recurrence> =
        serde_json::from_str(&row.schedules).map_err(|err| Corrupt::new("service schedules", row.id, err))?;
    let languages = row.languages.split(',').filter(|tag| !tag.is_empty()).map(str::to_owned).collect();
    Ok(ServiceRecord { row, kinds, status, languages, schedules, sessions })
}

/// Reads rows with their sessions; a service that does not read is left out (and logged).
async fn records(db: &impl Read, rows: Vec<service::Model>) -> Result<Vec<ServiceRecord>, DbErr> {
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let mut sessions: HashMap<Uuid, Vec<service_session::Model>> = HashMap::new();
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        for session in service_session::Entity::find()
            .filter(service_session::Column::ServiceId.is_in(chunk.iter().copied()))
            .order_by_asc(service_session::Column::StartsAt)
            .all(db.conn())
            .await?
        {
            sessions.entry(session.service_id).or_default().push(session);
        }
    }
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let own = sessions.remove(&row.id).unwrap_or_default();
            read(row, own).ok()
        })
        .collect())
}

fn columns(model: &mut service::ActiveModel, service: &Service, now: DateTime<Utc>) -> Result<(), DbErr> {
    let schedules = serde_json::to_string(&service.schedules).map_err(|err| DbErr::Custom(err.to_string()))?;
    let note = |note: &Option<crate::domain::Note>| note.as_ref().map(|note| note.as_str().to_owned());
    model.name = Set(service.name.clone());
    model.kinds = Set(service.kinds.iter().map(|kind| kind.as_str()).collect::<Vec<_>>().join(","));
    model.status = Set(service.status.as_str().to_owned());
    model.description = Set(note(&service.description));
    model.for_whom = Set(note(&service.for_whom));
    model.area = Set(note(&service.area));
    model.phone = Set(service.phone.clone());
    model.languages = Set(service.languages.join(","));
    model.cost = Set(note(&service.cost));
    model.how_to_apply = Set(note(&service.how_to_apply));
    model.url = Set(service.url.clone());
    model.assured_on = Set(service.assured_on);
    model.schedules = Set(schedules);
    model.updated_at = Set(now);
    Ok(())
}

fn session_row(service_id: Uuid, session: &Session) -> service_session::ActiveModel {
    service_session::ActiveModel {
        id: Set(new_id()),
        service_id: Set(service_id),
        starts_at: Set(session.starts_at),
        ends_at: Set(session.ends_at),
        capacity: Set(session.capacity.and_then(|seats| i32::try_from(seats).ok())),
        apply_by: Set(session.apply_by),
        place: Set(session.place.as_ref().map(|place| place.as_str().to_owned())),
    }
}

pub async fn insert(
    db: &impl Write,
    id: Uuid,
    organization_id: Uuid,
    service: &Service,
    now: DateTime<Utc>,
) -> Result<service::Model, DbErr> {
    let mut model = service::ActiveModel {
        id: Set(id),
        organization_id: Set(organization_id),
        created_at: Set(now),
        ..Default::default()
    };
    columns(&mut model, service, now)?;
    let row = model.insert(db.conn()).await?;
    add_sessions(db, id, &service.sessions).await?;
    db.declare([Changed::Directory]).await;
    Ok(row)
}

/// Adds sessions; one already at the service at the same start is left as it is.
pub async fn add_sessions(db: &impl Write, service_id: Uuid, sessions: &[Session]) -> Result<u64, DbErr> {
    let mut added = 0;
    for chunk in sessions.chunks(super::ROWS_PER_STATEMENT) {
        let rows: Vec<service_session::ActiveModel> =
            chunk.iter().map(|session| session_row(service_id, session)).collect();
        if rows.is_empty() {
            continue;
        }
        added += service_session::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([service_session::Column::ServiceId, service_session::Column::StartsAt])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db.conn())
            .await?;
    }
    db.declare([Changed::Directory]).await;
    Ok(added)
}

/// Writes the service as `service` says, its sessions included: a session kept at the same
/// start keeps its id (and so the reminders sent of it).
pub async fn replace(
    db: &impl Write,
    existing: service::Model,
    service: &Service,
    now: DateTime<Utc>,
) -> Result<service::Model, DbErr> {
    let id = existing.id;
    let mut model: service::ActiveModel = existing.into();
    columns(&mut model, service, now)?;
    let row = model.update(db.conn()).await?;
    let stored =
        service_session::Entity::find().filter(service_session::Column::ServiceId.eq(id)).all(db.conn()).await?;
    for old in stored {
        match service.sessions.iter().find(|session| session.starts_at == old.starts_at) {
            Some(session) => {
                let mut kept: service_session::ActiveModel = old.into();
                kept.ends_at = Set(session.ends_at);
                kept.capacity = Set(session.capacity.and_then(|seats| i32::try_from(seats).ok()));
                kept.apply_by = Set(session.apply_by);
                kept.place = Set(session.place.as_ref().map(|place| place.as_str().to_owned()));
                kept.update(db.conn()).await?;
            }
            None => {
                service_session::Entity::delete_by_id(old.id).exec(db.conn()).await?;
            }
        }
    }
    add_sessions(db, id, &service.sessions).await?;
    db.declare([Changed::Directory]).await;
    Ok(row)
}

pub async fn delete(db: &impl Write, id: Uuid) -> Result<(), DbErr> {
    service_session::Entity::delete_many().filter(service_session::Column::ServiceId.eq(id)).exec(db.conn()).await?;
    service::Entity::delete_by_id(id).exec(db.conn()).await?;
    db.declare([Changed::Directory]).await;
    Ok(())
}

/// One service, read into its types (`None` when missing or unreadable).
pub async fn find(db: &impl Read, id: Uuid) -> Result<Option<ServiceRecord>, DbErr> {
    let Some(row) = service::Entity::find_by_id(id).one(db.conn()).await? else { return Ok(None) };
    Ok(records(db, vec![row]).await?.pop())
}

pub async fn of_organization(db: &impl Read, organization_id: Uuid) -> Result<Vec<ServiceRecord>, DbErr> {
    let rows = service::Entity::find()
        .filter(service::Column::OrganizationId.eq(organization_id))
        .order_by_asc(service::Column::Name)
        .order_by_asc(service::Column::Id)
        .all(db.conn())
        .await?;
    records(db, rows).await
}

/// Every service the directory shows, by name.
pub async fn active(db: &impl Read) -> Result<Vec<ServiceRecord>, DbErr> {
    let rows = service::Entity::find()
        .filter(service::Column::Status.eq(ServiceStatus::Active.as_str()))
        .order_by_asc(service::Column::Name)
        .order_by_asc(service::Column::Id)
        .all(db.conn())
        .await?;
    records(db, rows).await
}

/// The service a session belongs to, if the session exists.
pub async fn service_of_session(db: &impl Read, session_id: Uuid) -> Result<Option<Uuid>, DbErr> {
    Ok(service_session::Entity::find_by_id(session_id).one(db.conn()).await?.map(|session| session.service_id))
}

/// Sessions whose last day to apply falls from `from` through `to`.
pub async fn deadlines_between(
    db: &impl Read,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<service_session::Model>, DbErr> {
    service_session::Entity::find()
        .filter(service_session::Column::ApplyBy.gte(from))
        .filter(service_session::Column::ApplyBy.lte(to))
        .all(db.conn())
        .await
}

/// Notes that `party_id` was told of `session_id`; false when they had been told before.
pub async fn remember_reminder(
    db: &impl Write,
    party_id: Uuid,
    session_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let row = class_reminder::ActiveModel { party_id: Set(party_id), session_id: Set(session_id), sent_at: Set(now) };
    let inserted = class_reminder::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([class_reminder::Column::PartyId, class_reminder::Column::SessionId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db.conn())
        .await?;
    Ok(inserted == 1)
}

/// Parties holding a family link in force to someone placed now at one of `organizations`:
/// the families of an area. Each once.
pub async fn families_at(db: &impl Read, organizations: &[Uuid], now: DateTime<Utc>) -> Result<Vec<Uuid>, DbErr> {
    use crate::entity::{link, placement};
    use sea_orm::{sea_query::Query, QuerySelect};
    if organizations.is_empty() {
        return Ok(Vec::new());
    }
    let placed = Query::select()
        .column(placement::Column::PersonId)
        .from(placement::Entity)
        .and_where(placement::Column::OrganizationId.is_in(organizations.iter().copied()))
        .cond_where(super::placements::current(now))
        .to_owned();
    let mut parties: Vec<Uuid> = link::Entity::find()
        .select_only()
        .column(link::Column::PartyId)
        .filter(link::Column::Relationship.eq(crate::domain::Relationship::Family.as_str()))
        .filter(super::links::active(now))
        .filter(link::Column::PersonId.in_subquery(placed))
        .into_tuple()
        .all(db.conn())
        .await?;
    parties.sort();
    parties.dedup();
    Ok(parties)
}
