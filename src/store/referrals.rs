//! Referrals and their steps: rows read and written, nothing decided.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IdenStatic, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Set,
};
use uuid::Uuid;

use super::{new_id, page, Connected, Declares, Page, PageRequest, Read, Write};
use crate::cache::Changed;
use crate::domain::{
    referral::{self, NewReferral, ReferralState},
    PartyRole,
};
use crate::entity::{referral as row, referral_event};

/// The first step's name: the referral made.
pub const REFER: &str = "refer";

/// Who recorded a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepBy {
    pub party_id: Option<Uuid>,
    pub role: PartyRole,
}

/// A step as it will be stored.
#[derive(Debug, Clone)]
pub struct NewStep<'a> {
    pub event: &'a str,
    pub from: ReferralState,
    pub to: ReferralState,
    pub on: NaiveDate,
    pub note: Option<String>,
    pub by: StepBy,
}

pub async fn insert(
    db: &impl Write,
    new: &NewReferral,
    from_party_id: Uuid,
    by: StepBy,
    now: DateTime<Utc>,
) -> Result<(row::Model, referral_event::Model), DbErr> {
    let referral = row::ActiveModel {
        id: Set(new_id()),
        person_id: Set(new.person_id),
        from_organization_id: Set(new.from_organization_id),
        to_organization_id: Set(new.to_organization_id),
        from_party_id: Set(from_party_id),
        reason: Set(new.reason.as_str().to_owned()),
        scope: Set(new.scope.to_text()),
        consent_basis: Set(new.basis.kind),
        consent_reference: Set(new.basis.reference.clone()),
        consent_on: Set(new.basis.on),
        state: Set(ReferralState::Requested),
        state_since: Set(new.referred_on),
        referred_on: Set(new.referred_on),
        first_seen_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db.conn())
    .await?;
    let first = NewStep {
        event: REFER,
        from: ReferralState::Requested,
        to: ReferralState::Requested,
        on: new.referred_on,
        note: None,
        by,
    };
    let step = append(db, referral.id, first, now).await?;
    db.declare([Changed::Person(referral.person_id)]).await;
    Ok((referral, step))
}

async fn append(
    db: &impl Write,
    referral_id: Uuid,
    step: NewStep<'_>,
    now: DateTime<Utc>,
) -> Result<referral_event::Model, DbErr> {
    referral_event::ActiveModel {
        id: Set(new_id()),
        referral_id: Set(referral_id),
        event: Set(step.event.to_owned()),
        from_state: Set(step.from),
        to_state: Set(step.to),
        on: Set(step.on),
        note: Set(step.note),
        actor_party_id: Set(step.by.party_id),
        actor_role: Set(step.by.role),
        recorded_at: Set(now),
    }
    .insert(db.conn())
    .await
}

/// Moves a referral on only if it is still in the state it was read in (another step taken
/// meanwhile makes this one stale: `Ok(None)`), and appends the step.
pub async fn step(
    db: &impl Write,
    existing: &row::Model,
    step: NewStep<'_>,
    now: DateTime<Utc>,
) -> Result<Option<(row::Model, referral_event::Model)>, DbErr> {
    let moved = row::Entity::update_many()
        .col_expr(row::Column::State, Expr::value(step.to.as_str()))
        .col_expr(row::Column::StateSince, Expr::value(step.on))
        .col_expr(row::Column::UpdatedAt, Expr::value(now))
        .filter(row::Column::Id.eq(existing.id))
        .filter(row::Column::State.eq(existing.state.as_str()))
        .exec(db.conn())
        .await?;
    if moved.rows_affected != 1 {
        return Ok(None);
    }
    let event = append(db, existing.id, step, now).await?;
    db.declare([Changed::Person(existing.person_id)]).await;
    let updated = find(db, existing.id).await?.ok_or_else(|| DbErr::RecordNotFound("referral".to_owned()))?;
    Ok(Some((updated, event)))
}

pub async fn find(db: &impl Read, id: Uuid) -> Result<Option<row::Model>, DbErr> {
    row::Entity::find_by_id(id).one(db.conn()).await
}

/// A referral's steps, oldest first.
pub async fn events_of(db: &impl Read, referral_id: Uuid) -> Result<Vec<referral_event::Model>, DbErr> {
    referral_event::Entity::find()
        .filter(referral_event::Column::ReferralId.eq(referral_id))
        .order_by_asc(referral_event::Column::RecordedAt)
        .order_by_asc(referral_event::Column::Id)
        .all(db.conn())
        .await
}

/// The steps of many referrals, oldest first.
pub async fn events_of_many(db: &impl Read, referral_ids: &[Uuid]) -> Result<Vec<referral_event::Model>, DbErr> {
    let mut events = Vec::new();
    for chunk in referral_ids.chunks(super::IDS_PER_STATEMENT) {
        events.extend(
            referral_event::Entity::find()
                .filter(referral_event::Column::ReferralId.is_in(chunk.iter().copied()))
                .order_by_asc(referral_event::Column::RecordedAt)
                .order_by_asc(referral_event::Column::Id)
                .all(db.conn())
                .await?,
        );
    }
    Ok(events)
}

/// Which way a list looks from an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Referrals to it.
    Incoming,
    /// Referrals it made.
    Outgoing,
}

pub async fn of_organization(
    db: &impl Read,
    organization_id: Uuid,
    direction: Direction,
    request: PageRequest,
) -> Result<Page<row::Model>, DbErr> {
    let column = match direction {
        Direction::Incoming => row::Column::ToOrganizationId,
        Direction::Outgoing => row::Column::FromOrganizationId,
    };
    let query = row::Entity::find().filter(column.eq(organization_id));
    page(db.conn(), query, row::Column::Id, request, |row| row.id).await
}

/// Every referral of a person, oldest first.
pub async fn of_person(db: &impl Read, person_id: Uuid) -> Result<Vec<row::Model>, DbErr> {
    row::Entity::find().filter(row::Column::PersonId.eq(person_id)).order_by_asc(row::Column::Id).all(db.conn()).await
}

/// The referral of a person to an organisation that lets its staff see the person now, if
/// any: the latest one in a state that does.
pub async fn seen_by(db: &impl Read, person_id: Uuid, organization_id: Uuid) -> Result<Option<row::Model>, DbErr> {
    let seeing: Vec<&str> =
        ReferralState::ALL.iter().filter(|state| referral::receiving_side_sees(**state)).map(|s| s.as_str()).collect();
    row::Entity::find()
        .filter(row::Column::PersonId.eq(person_id))
        .filter(row::Column::ToOrganizationId.eq(organization_id))
        .filter(row::Column::State.is_in(seeing))
        .order_by_desc(row::Column::Id)
        .one(db.conn())
        .await
}

/// An open referral (not ended) of the person to the organisation, if any.
pub async fn open_between(db: &impl Read, person_id: Uuid, organization_id: Uuid) -> Result<Option<row::Model>, DbErr> {
    let open: Vec<&str> =
        ReferralState::ALL.iter().filter(|state| !referral::is_final(**state)).map(|s| s.as_str()).collect();
    row::Entity::find()
        .filter(row::Column::PersonId.eq(person_id))
        .filter(row::Column::ToOrganizationId.eq(organization_id))
        .filter(row::Column::State.is_in(open))
        .one(db.conn())
        .await
}

/// Which of these referrals their receiving side has not seen yet.
pub async fn not_yet_seen(db: &impl Read, ids: &[Uuid]) -> Result<Vec<Uuid>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    row::Entity::find()
        .select_only()
        .column(row::Column::Id)
        .filter(row::Column::Id.is_in(ids.iter().copied()))
        .filter(row::Column::FirstSeenAt.is_null())
        .into_tuple()
        .all(db.conn())
        .await
}

/// Marks these referrals first seen by their receiving side now, where they were not yet:
/// the ids this call marked (each is marked once, whoever looks at the same moment).
pub async fn mark_first_seen(db: &impl Write, ids: &[Uuid], now: DateTime<Utc>) -> Result<Vec<Uuid>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.backend();
    let mut statement = row::Entity::update_many()
        .col_expr(row::Column::FirstSeenAt, Expr::value(now))
        .filter(row::Column::Id.is_in(ids.iter().copied()))
        .filter(row::Column::FirstSeenAt.is_null())
        .into_query();
    statement.returning_col(row::Column::Id);
    db.conn()
        .query_all(backend.build(&statement))
        .await?
        .iter()
        .map(|found| found.try_get::<Uuid>("", row::Column::Id.as_str()))
        .collect()
}
