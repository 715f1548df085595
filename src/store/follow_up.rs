//! Follow-up plans and their check-ins, and the rows of the alerts a plan raises (the day's
//! check-in task, a person gone quiet, a request to talk).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::alerts::{insert_new, pending, CANCELLED, DELIVERED, PENDING};
use super::{new_id, Connected, Read, Write};
use crate::{
    domain::{
        follow_up::{self, Cadence, NewCheckIn},
        risk::Severity,
        ScopeKind,
    },
    entity::{alert, follow_up_check_in as check_in, follow_up_plan as plan},
};

pub async fn plan_of(db: &impl Read, person_id: Uuid) -> Result<Option<plan::Model>, DbErr> {
    plan::Entity::find().filter(plan::Column::PersonId.eq(person_id)).one(db.conn()).await
}

/// The plan as set: a new one owes check-ins from `today`; a changed one keeps that day, unless
/// it is set again after the person withdrew (`restart_after`: the check-ins recorded so far).
pub struct PlanSet {
    pub restart_after: Option<usize>,
    pub person_id: Uuid,
    pub coordinator_party_id: Uuid,
    pub starts_on: NaiveDate,
    pub cadence: Cadence,
    pub set_by: Option<Uuid>,
    pub today: NaiveDate,
}

pub async fn set_plan(
    db: &impl Write,
    existing: Option<plan::Model>,
    set: PlanSet,
    now: DateTime<Utc>,
) -> Result<plan::Model, DbErr> {
    match existing {
        Some(row) => {
            let mut active: plan::ActiveModel = row.into();
            active.coordinator_party_id = Set(set.coordinator_party_id);
            active.starts_on = Set(set.starts_on);
            active.cadence = Set(set.cadence);
            active.set_by_party_id = Set(set.set_by);
            if let Some(recorded) = set.restart_after {
                active.owed_from = Set(set.today);
                active.restarted_after = Set(i32::try_from(recorded).unwrap_or(i32::MAX));
            }
            active.updated_at = Set(now);
            active.update(db.conn()).await
        }
        None => {
            plan::ActiveModel {
                id: Set(new_id()),
                person_id: Set(set.person_id),
                coordinator_party_id: Set(set.coordinator_party_id),
                starts_on: Set(set.starts_on),
                owed_from: Set(set.today),
                cadence: Set(set.cadence),
                set_by_party_id: Set(set.set_by),
                restarted_after: Set(0),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db.conn())
            .await
        }
    }
}

/// Every plan a party coordinates.
pub async fn plans_of_coordinator(db: &impl Read, party_id: Uuid) -> Result<Vec<plan::Model>, DbErr> {
    plan::Entity::find()
        .filter(plan::Column::CoordinatorPartyId.eq(party_id))
        .order_by_asc(plan::Column::CreatedAt)
        .all(db.conn())
        .await
}

/// A plan's check-ins, oldest first (by day, then as recorded).
pub async fn check_ins_of(db: &impl Read, plan_id: Uuid) -> Result<Vec<check_in::Model>, DbErr> {
    check_in::Entity::find()
        .filter(check_in::Column::PlanId.eq(plan_id))
        .order_by_asc(check_in::Column::On)
        .order_by_asc(check_in::Column::RecordedAt)
        .order_by_asc(check_in::Column::Id)
        .all(db.conn())
        .await
}

pub async fn insert_check_in(
    db: &impl Write,
    plan: &plan::Model,
    new: NewCheckIn,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<check_in::Model, DbErr> {
    check_in::ActiveModel {
        id: Set(new_id()),
        plan_id: Set(plan.id),
        person_id: Set(plan.person_id),
        on: Set(new.on),
        outcome: Set(new.outcome),
        channel: Set(new.channel),
        note: Set(new.note.map(|note| note.into_inner())),
        recorded_by_party_id: Set(by),
        recorded_at: Set(now),
    }
    .insert(db.conn())
    .await
}

/// An alert a plan raises, to one recipient: a party (through `link_id`, when a link is what
/// lets them hear) or, with `team_organization_id`, the team of the person's facility.
pub struct PlanAlert {
    pub key: String,
    pub rule: &'static str,
    pub severity: Severity,
    pub plan_id: Uuid,
    pub person_id: Uuid,
    pub recipient_party_id: Uuid,
    pub link_id: Option<Uuid>,
    pub team_organization_id: Option<Uuid>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub due_at: DateTime<Utc>,
}

fn row_of(alert: &PlanAlert, now: DateTime<Utc>) -> alert::ActiveModel {
    alert::ActiveModel {
        id: Set(new_id()),
        dedupe_key: Set(alert.key.clone()),
        series: Set(alert.key.clone()),
        person_id: Set(alert.person_id),
        recipient_party_id: Set(alert.recipient_party_id),
        link_id: Set(alert.link_id),
        rule: Set(alert.rule.to_owned()),
        severity: Set(alert.severity),
        scope_kind: Set(ScopeKind::FollowUp),
        source_id: Set(alert.plan_id),
        starts_on: Set(alert.starts_on),
        ends_on: Set(alert.ends_on),
        lead_days: Set(0),
        due_at: Set(alert.due_at),
        team_organization_id: Set(alert.team_organization_id),
        ..pending(now)
    }
}

/// Inserts each alert once (its key says what it is about).
pub async fn insert_alerts(db: &impl Write, alerts: &[PlanAlert], now: DateTime<Utc>) -> Result<(), DbErr> {
    insert_new(db, alerts.iter().map(|alert| row_of(alert, now)).collect()).await
}

/// Why a check-in task was cancelled: answered early, in custody, or the plan changed.
pub const NO_LONGER_OWED: &str = "no_longer_owed";

/// The plan's check-in tasks as they should be: the missing ones added, one cancelled before
/// it was delivered (custody, a plan moved) pending again, and pending ones no longer owed
/// cancelled.
pub async fn sync_tasks(db: &impl Write, plan_id: Uuid, tasks: &[PlanAlert], now: DateTime<Utc>) -> Result<(), DbErr> {
    let existing = alert::Entity::find()
        .filter(alert::Column::SourceId.eq(plan_id))
        .filter(alert::Column::Rule.eq(follow_up::CHECK_IN_RULE))
        .all(db.conn())
        .await?;
    for row in &existing {
        let task = tasks.iter().find(|task| task.key == row.dedupe_key);
        let mut active: alert::ActiveModel = row.clone().into();
        match task {
            Some(task) if row.status == CANCELLED && row.delivered_at.is_none() => {
                active.status = Set(PENDING);
                active.cancel_reason = Set(None);
                active.due_at = Set(task.due_at);
                active.link_id = Set(task.link_id);
                active.recipient_party_id = Set(task.recipient_party_id);
                active.ends_on = Set(task.ends_on);
            }
            None if row.status == PENDING => {
                active.status = Set(CANCELLED);
                active.cancel_reason = Set(Some(NO_LONGER_OWED.to_owned()));
            }
            _ => continue,
        }
        active.updated_at = Set(now);
        active.update(db.conn()).await?;
    }
    let known: std::collections::HashSet<&str> = existing.iter().map(|row| row.dedupe_key.as_str()).collect();
    let new: Vec<alert::ActiveModel> =
        tasks.iter().filter(|task| !known.contains(task.key.as_str())).map(|task| row_of(task, now)).collect();
    insert_new(db, new).await
}

/// The check-in tasks of a plan's day, delivered and not yet done, marked done by whoever
/// recorded the check-in.
pub async fn tasks_done(
    db: &impl Write,
    plan_id: Uuid,
    due_on: NaiveDate,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let update = alert::Entity::update_many()
        .col_expr(alert::Column::AcknowledgedAt, now.into())
        .col_expr(alert::Column::AcknowledgedBy, by.into())
        .col_expr(alert::Column::UpdatedAt, now.into())
        .filter(alert::Column::SourceId.eq(plan_id))
        .filter(alert::Column::Rule.eq(follow_up::CHECK_IN_RULE))
        .filter(alert::Column::StartsOn.eq(due_on))
        .filter(alert::Column::Status.eq(DELIVERED))
        .filter(alert::Column::AcknowledgedAt.is_null());
    Ok(super::alerts::updated(db, update).await?.len() as u64)
}

/// The person's latest request to talk (any recipient's copy), if any.
pub async fn last_talk(db: &impl Read, person_id: Uuid) -> Result<Vec<alert::Model>, DbErr> {
    let latest = alert::Entity::find()
        .filter(alert::Column::PersonId.eq(person_id))
        .filter(alert::Column::Rule.eq(follow_up::TALK_RULE))
        .order_by_desc(alert::Column::CreatedAt)
        .one(db.conn())
        .await?;
    let Some(latest) = latest else { return Ok(Vec::new()) };
    // Every copy of that one request: acknowledged when any recipient acknowledged it.
    alert::Entity::find()
        .filter(alert::Column::PersonId.eq(person_id))
        .filter(alert::Column::Rule.eq(follow_up::TALK_RULE))
        .filter(alert::Column::CreatedAt.eq(latest.created_at))
        .all(db.conn())
        .await
}
