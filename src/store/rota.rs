//! An organisation's rota as stored: its settings row, its weekly shifts and its overrides,
//! read into the domain's rota; the steps of team alerts' ladders; and the hand-overs sent.

use crate::entity::{alert, alert_escalation, handover, organization, outbox_message, rota, rota_override, rota_shift};
use chrono::{DateTime, Utc};
use sea_orm::{
    sea_query::OnConflict, ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Set,
};
use uuid::Uuid;

use super::{new_id, Connected, Corrupt, Declares, Read, Write};
use crate::cache::Changed;
use crate::domain::{
    channels::Channel,
    rota::{Override, Rota, Rung, Shift, Skipped, DEFAULT_ESCALATE_AFTER_MINUTES},
};

/// A rota as it stands, with what goes with it.
#[derive(Debug, Clone)]
pub struct Stored {
    pub organization_id: Uuid,
    pub rota: Rota,
    /// The id of each override, in the order of `rota.overrides`.
    pub override_ids: Vec<Uuid>,
    pub escalate_after_minutes: i64,
    pub managers: Vec<Uuid>,
    pub escalation: Vec<Uuid>,
    pub handover_checked_until: Option<DateTime<Utc>>,
    /// Whether a rota was ever set; an organisation without one has no shifts.
    pub set: bool,
}

fn ids_of(row: Uuid, what: &'static str, text: &str) -> Result<Vec<Uuid>, Corrupt> {
    serde_json::from_str(text).map_err(|err| Corrupt::new(what, row, err))
}

fn shift_of(row: &rota_shift::Model) -> Result<Shift, Corrupt> {
    let weekdays = row
        .weekdays
        .split(',')
        .map(|day| day.trim().parse::<i64>().map_err(|err| Corrupt::new("rota shift weekdays", row.id, err)))
        .collect::<Result<Vec<_>, _>>()?;
    Shift::parse("shift", row.party_id, &weekdays, &row.starts_at, &row.ends_at)
        .map_err(|refusals| Corrupt::new("rota shift", row.id, format!("{refusals:?}")))
}

/// An organisation's rota: none set yet reads as an empty one with the default wait.
pub async fn of_organization(
    db: &impl Read,
    organization: &organization::Model,
) -> Result<Result<Stored, Corrupt>, DbErr> {
    let settings = rota::Entity::find_by_id(organization.id).one(db.conn()).await?;
    let shifts = rota_shift::Entity::find()
        .filter(rota_shift::Column::OrganizationId.eq(organization.id))
        .order_by_asc(rota_shift::Column::Position)
        .all(db.conn())
        .await?;
    let overrides = rota_override::Entity::find()
        .filter(rota_override::Column::OrganizationId.eq(organization.id))
        .order_by_asc(rota_override::Column::CreatedAt)
        .order_by_asc(rota_override::Column::Id)
        .all(db.conn())
        .await?;
    Ok(read(organization, settings, &shifts, &overrides))
}

fn read(
    organization: &organization::Model,
    settings: Option<rota::Model>,
    shifts: &[rota_shift::Model],
    overrides: &[rota_override::Model],
) -> Result<Stored, Corrupt> {
    let shifts = shifts.iter().map(shift_of).collect::<Result<Vec<_>, _>>()?;
    let rota = Rota {
        zone: organization.timezone,
        shifts,
        overrides: overrides
            .iter()
            .map(|row| Override { party_id: row.party_id, starts_at: row.starts_at, ends_at: row.ends_at })
            .collect(),
    };
    let override_ids = overrides.iter().map(|row| row.id).collect();
    let Some(settings) = settings else {
        return Ok(Stored {
            organization_id: organization.id,
            rota,
            override_ids,
            escalate_after_minutes: DEFAULT_ESCALATE_AFTER_MINUTES,
            managers: Vec::new(),
            escalation: Vec::new(),
            handover_checked_until: None,
            set: false,
        });
    };
    Ok(Stored {
        organization_id: organization.id,
        rota,
        override_ids,
        escalate_after_minutes: i64::from(settings.escalate_after_minutes),
        managers: ids_of(organization.id, "rota managers", &settings.managers)?,
        escalation: ids_of(organization.id, "rota escalation list", &settings.escalation)?,
        handover_checked_until: settings.handover_checked_until,
        set: true,
    })
}

/// A rota's settings and shifts, as they are to be.
pub struct NewRota<'a> {
    pub shifts: &'a [Shift],
    pub escalate_after_minutes: i64,
    pub managers: &'a [Uuid],
    pub escalation: &'a [Uuid],
}

/// Replaces an organisation's weekly shifts and settings; its overrides stay.
pub async fn replace(
    db: &impl Write,
    organization_id: Uuid,
    new: NewRota<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let to_json = |ids: &[Uuid]| serde_json::to_string(ids).unwrap_or_else(|_| "[]".to_owned());
    let minutes = i32::try_from(new.escalate_after_minutes).unwrap_or(i32::MAX);
    let row = rota::ActiveModel {
        organization_id: Set(organization_id),
        escalate_after_minutes: Set(minutes),
        managers: Set(to_json(new.managers)),
        escalation: Set(to_json(new.escalation)),
        // Shift changes before the rota was set had no one to hand over to.
        handover_checked_until: Set(Some(now)),
        updated_at: Set(now),
    };
    rota::Entity::insert(row)
        .on_conflict(
            OnConflict::column(rota::Column::OrganizationId)
                .update_columns([
                    rota::Column::EscalateAfterMinutes,
                    rota::Column::Managers,
                    rota::Column::Escalation,
                    rota::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db.conn())
        .await?;
    rota_shift::Entity::delete_many()
        .filter(rota_shift::Column::OrganizationId.eq(organization_id))
        .exec(db.conn())
        .await?;
    let rows: Vec<rota_shift::ActiveModel> = new
        .shifts
        .iter()
        .enumerate()
        .map(|(position, shift)| rota_shift::ActiveModel {
            id: Set(new_id()),
            organization_id: Set(organization_id),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            party_id: Set(shift.party_id),
            weekdays: Set(shift.weekday_numbers().iter().map(i64::to_string).collect::<Vec<_>>().join(",")),
            starts_at: Set(shift.starts_at.format("%H:%M").to_string()),
            ends_at: Set(shift.ends_at.format("%H:%M").to_string()),
        })
        .collect();
    if !rows.is_empty() {
        rota_shift::Entity::insert_many(rows).exec_without_returning(db.conn()).await?;
    }
    Ok(())
}

pub async fn add_override(
    db: &impl Write,
    organization_id: Uuid,
    cover: &Override,
    now: DateTime<Utc>,
) -> Result<rota_override::Model, DbErr> {
    rota_override::ActiveModel {
        id: Set(new_id()),
        organization_id: Set(organization_id),
        party_id: Set(cover.party_id),
        starts_at: Set(cover.starts_at),
        ends_at: Set(cover.ends_at),
        created_at: Set(now),
    }
    .insert(db.conn())
    .await
}

pub async fn find_override(db: &impl Read, id: Uuid) -> Result<Option<rota_override::Model>, DbErr> {
    rota_override::Entity::find_by_id(id).one(db.conn()).await
}

pub async fn delete_override(db: &impl Write, id: Uuid) -> Result<(), DbErr> {
    rota_override::Entity::delete_by_id(id).exec(db.conn()).await?;
    Ok(())
}

/// Whether an organisation keeps a rota.
pub async fn kept_by(db: &impl Read, organization_id: Uuid) -> Result<bool, DbErr> {
    Ok(rota::Entity::find_by_id(organization_id).one(db.conn()).await?.is_some())
}

/// The organisations that have a rota.
pub async fn organizations_with_rota(db: &impl Read) -> Result<Vec<Uuid>, DbErr> {
    Ok(rota::Entity::find()
        .order_by_asc(rota::Column::OrganizationId)
        .all(db.conn())
        .await?
        .into_iter()
        .map(|row| row.organization_id)
        .collect())
}

/// Moves the hand-over mark on, if it stands where it was read (another instance may have
/// moved it meanwhile): whether this caller moved it.
pub async fn mark_handovers_checked(
    db: &impl Write,
    organization_id: Uuid,
    was: Option<DateTime<Utc>>,
    until: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut update = rota::Entity::update_many()
        .col_expr(rota::Column::HandoverCheckedUntil, until.into())
        .filter(rota::Column::OrganizationId.eq(organization_id));
    update = match was {
        Some(was) => update.filter(rota::Column::HandoverCheckedUntil.eq(was)),
        None => update.filter(rota::Column::HandoverCheckedUntil.is_null()),
    };
    Ok(update.exec(db.conn()).await?.rows_affected == 1)
}

/// A step of a ladder to record.
#[derive(Debug, Clone)]
pub struct Step {
    pub alert_id: Uuid,
    pub party_id: Option<Uuid>,
    pub rung: Rung,
    pub channel: Option<Channel>,
    pub skipped: Option<Skipped>,
}

pub async fn record_steps(db: &impl Write, steps: Vec<Step>, now: DateTime<Utc>) -> Result<(), DbErr> {
    let rows: Vec<alert_escalation::ActiveModel> = steps
        .into_iter()
        .map(|step| alert_escalation::ActiveModel {
            id: Set(new_id()),
            alert_id: Set(step.alert_id),
            party_id: Set(step.party_id),
            rung: Set(step.rung),
            channel: Set(step.channel),
            skipped: Set(step.skipped),
            at: Set(now),
        })
        .collect();
    let alert_ids: Vec<Uuid> = rows.iter().filter_map(|row| row.alert_id.try_as_ref().copied()).collect();
    for chunk in rows.chunks(1_000) {
        alert_escalation::Entity::insert_many(chunk.to_vec()).exec_without_returning(db.conn()).await?;
    }
    // The steps show in the team inbox beside their alert.
    for chunk in alert_ids.chunks(super::IDS_PER_STATEMENT) {
        let recipients: Vec<Uuid> = alert::Entity::find()
            .select_only()
            .column(alert::Column::RecipientPartyId)
            .distinct()
            .filter(alert::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db.conn())
            .await?;
        db.declare(recipients.into_iter().map(Changed::Inbox).collect::<Vec<_>>()).await;
    }
    Ok(())
}

/// The steps of these alerts' ladders, oldest first.
pub async fn steps_of(db: &impl Read, alert_ids: &[Uuid]) -> Result<Vec<alert_escalation::Model>, DbErr> {
    let mut steps = Vec::new();
    for chunk in alert_ids.chunks(1_000) {
        steps.extend(
            alert_escalation::Entity::find()
                .filter(alert_escalation::Column::AlertId.is_in(chunk.iter().copied()))
                .order_by_asc(alert_escalation::Column::At)
                .order_by_asc(alert_escalation::Column::Id)
                .all(db.conn())
                .await?,
        );
    }
    Ok(steps)
}

/// Records the hand-over of a shift change, once: `None` when it was already recorded.
pub async fn record_handover(
    db: &impl Write,
    organization_id: Uuid,
    party_id: Uuid,
    shift_starts_at: DateTime<Utc>,
    counts: (usize, usize),
    now: DateTime<Utc>,
) -> Result<Option<handover::Model>, DbErr> {
    let id = new_id();
    let row = handover::ActiveModel {
        id: Set(id),
        organization_id: Set(organization_id),
        party_id: Set(party_id),
        shift_starts_at: Set(shift_starts_at),
        open_alerts: Set(i32::try_from(counts.0).unwrap_or(i32::MAX)),
        periods_starting: Set(i32::try_from(counts.1).unwrap_or(i32::MAX)),
        created_at: Set(now),
    };
    let inserted = handover::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([handover::Column::OrganizationId, handover::Column::ShiftStartsAt])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db.conn())
        .await?;
    if inserted == 0 {
        return Ok(None);
    }
    handover::Entity::find_by_id(id).one(db.conn()).await
}

/// Sets when a team alert's ladder takes its next step (none: it climbs no more). No inbox
/// shows the mark, so no inbox is declared changed (nor by [`take_step`]).
pub async fn set_ladder(db: &impl Write, alert_id: Uuid, next_at: Option<DateTime<Utc>>) -> Result<(), DbErr> {
    alert::Entity::update_many()
        .col_expr(alert::Column::LadderNextAt, next_at.into())
        .filter(alert::Column::Id.eq(alert_id))
        .exec(db.conn())
        .await?;
    Ok(())
}

/// Delivered team alerts nobody acknowledged whose ladder's next step is due.
pub async fn ladder_due(db: &impl Read, now: DateTime<Utc>, limit: u64) -> Result<Vec<alert::Model>, DbErr> {
    ladder_due_query(now, limit).all(db.conn()).await
}

/// The query of [`ladder_due`], whose plan is checked in `store::plans`.
pub(super) fn ladder_due_query(now: DateTime<Utc>, limit: u64) -> sea_orm::Select<alert::Entity> {
    alert::Entity::find()
        .filter(alert::Column::Status.eq(super::alerts::DELIVERED))
        .filter(alert::Column::LadderNextAt.lte(now))
        .filter(alert::Column::AcknowledgedAt.is_null())
        .order_by_asc(alert::Column::LadderNextAt)
        .limit(limit)
}

/// Takes a due step: the ladder's mark is cleared if it stands where it was read and nobody
/// acknowledged meanwhile; whether this caller took it (another instance may have).
pub async fn take_step(db: &impl Write, alert: &alert::Model) -> Result<bool, DbErr> {
    let Some(was) = alert.ladder_next_at else { return Ok(false) };
    let taken = alert::Entity::update_many()
        .col_expr(alert::Column::LadderNextAt, Option::<DateTime<Utc>>::None.into())
        .filter(alert::Column::Id.eq(alert.id))
        .filter(alert::Column::LadderNextAt.eq(was))
        .filter(alert::Column::AcknowledgedAt.is_null())
        .exec(db.conn())
        .await?;
    Ok(taken.rows_affected == 1)
}

/// The team alerts nobody acknowledged yet that were texted to these addresses.
pub async fn open_team_alerts_sent_to(db: &impl Read, contact_ids: &[Uuid]) -> Result<Vec<alert::Model>, DbErr> {
    if contact_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sent = outbox_message::Entity::find()
        .select_only()
        .column(outbox_message::Column::AlertId)
        .filter(outbox_message::Column::TargetId.is_in(contact_ids.iter().copied()))
        .filter(outbox_message::Column::AlertId.is_not_null())
        .into_query();
    alert::Entity::find()
        .filter(alert::Column::Id.in_subquery(sent))
        .filter(alert::Column::TeamOrganizationId.is_not_null())
        .filter(alert::Column::AcknowledgedAt.is_null())
        .filter(alert::Column::Status.eq(super::alerts::DELIVERED))
        .order_by_asc(alert::Column::DeliveredAt)
        .all(db.conn())
        .await
}

/// A team's alerts (not cancelled, no change notices) about periods starting between two local
/// dates, inclusive: one or more per period, one per lead time.
pub async fn team_periods_starting(
    db: &impl Read,
    organization_id: Uuid,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Result<Vec<alert::Model>, DbErr> {
    alert::Entity::find()
        .filter(alert::Column::TeamOrganizationId.eq(organization_id))
        .filter(alert::Column::Status.ne(super::alerts::CANCELLED))
        .filter(alert::Column::Notice.is_null())
        .filter(alert::Column::StartsOn.gte(from))
        .filter(alert::Column::StartsOn.lte(to))
        .all(db.conn())
        .await
}
