use std::collections::{BTreeSet, HashMap};

use crate::entity::alert;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    sea_query::{Expr, LockBehavior, LockType, OnConflict, SimpleExpr},
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, IdenStatic, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Set,
};
use uuid::Uuid;

use super::new_id;
use super::{Connected, Declares, Read, Write};
use crate::cache::Changed;
use crate::domain::risk::{PlannedAlert, Severity};

pub use crate::entity::states::AlertStatus;

pub const PENDING: AlertStatus = AlertStatus::Pending;
pub const DELIVERED: AlertStatus = AlertStatus::Delivered;
pub const CANCELLED: AlertStatus = AlertStatus::Cancelled;

/// Inserts the planned alerts that do not exist yet; existing ones are left as they are, so
/// planning again, or on two instances at once, changes nothing.
pub async fn insert_planned(
    db: &impl Write,
    person_id: Uuid,
    planned: &[PlannedAlert],
    existing: &[alert::Model],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if planned.is_empty() {
        return Ok(());
    }
    let rows: Vec<alert::ActiveModel> = planned
        .iter()
        .map(|plan| {
            // The same series with a later start: the date moved earlier.
            let moved_earlier =
                existing.iter().any(|old| old.series == plan.series && old.starts_on > plan.period.starts_on);
            alert::ActiveModel {
                id: Set(new_id()),
                dedupe_key: Set(plan.key.clone()),
                series: Set(plan.series.clone()),
                person_id: Set(person_id),
                recipient_party_id: Set(plan.party_id),
                link_id: Set(plan.link_id),
                rule: Set(plan.period.rule_id.clone()),
                severity: Set(plan.period.severity),
                scope_kind: Set(plan.period.kind),
                source_id: Set(plan.period.source_id),
                starts_on: Set(plan.period.starts_on),
                ends_on: Set(plan.period.ends_on),
                lead_days: Set(plan.lead_days as i32),
                due_at: Set(plan.due_at),
                moved_earlier: Set(moved_earlier),
                team_organization_id: Set(plan.team.then_some(plan.party_id)),
                ..pending(now)
            }
        })
        .collect();
    insert_new(db, rows).await
}

/// Planned alerts that planning cancelled earlier because their period no longer held (a
/// hand-off arranged, a link revoked) and that hold again: pending once more, relying on the
/// link they are planned on now. Without this a period that comes back would never be told.
pub async fn revive_planned(
    db: &impl Write,
    planned: &[PlannedAlert],
    existing: &[alert::Model],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for plan in planned {
        let Some(old) = existing.iter().find(|old| {
            old.dedupe_key == plan.key
                && old.status == CANCELLED
                && old.cancel_reason.as_deref() == Some(NO_LONGER_HOLDS)
        }) else {
            continue;
        };
        alert::Entity::update_many()
            .col_expr(alert::Column::Status, PENDING.into())
            .col_expr(alert::Column::CancelReason, Expr::value(Option::<String>::None))
            .col_expr(alert::Column::LinkId, Expr::value(plan.link_id))
            .col_expr(alert::Column::DueAt, Expr::value(plan.due_at))
            .col_expr(alert::Column::UpdatedAt, Expr::value(now))
            .filter(alert::Column::Id.eq(old.id))
            .filter(alert::Column::Status.eq(CANCELLED))
            .exec(db.conn())
            .await?;
    }
    Ok(())
}

/// Why planning cancels a pending alert: its period, recipient or consent no longer holds.
const NO_LONGER_HOLDS: &str = "no_longer_holds";

/// An alert about a referral, to the party who made it: it has waited unanswered, or it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralAlert {
    pub rule: &'static str,
    pub severity: Severity,
    pub referral_id: Uuid,
    pub person_id: Uuid,
    pub recipient_party_id: Uuid,
    /// The day it is about (the day the wait runs out, the day it ended).
    pub on: NaiveDate,
    pub due_at: DateTime<Utc>,
}

/// Inserts a referral's alert once (its key names the rule, the referral and the recipient).
pub async fn insert_referral_alert(db: &impl Write, alert: &ReferralAlert, now: DateTime<Utc>) -> Result<(), DbErr> {
    let key = format!("{}|{}|{}", alert.rule, alert.referral_id, alert.recipient_party_id);
    let row = alert::ActiveModel {
        id: Set(new_id()),
        dedupe_key: Set(key.clone()),
        series: Set(key),
        person_id: Set(alert.person_id),
        recipient_party_id: Set(alert.recipient_party_id),
        link_id: Set(None),
        rule: Set(alert.rule.to_owned()),
        severity: Set(alert.severity),
        scope_kind: Set(crate::domain::ScopeKind::Handoff),
        source_id: Set(alert.referral_id),
        starts_on: Set(alert.on),
        ends_on: Set(alert.on),
        lead_days: Set(0),
        due_at: Set(alert.due_at),
        ..pending(now)
    };
    insert_new(db, vec![row]).await
}

/// Cancels a referral's pending alerts of `rule` (the wait alert once the referral is answered).
pub async fn cancel_referral_alerts(
    db: &impl Write,
    referral_id: Uuid,
    rule: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    Ok(alert::Entity::update_many()
        .col_expr(alert::Column::Status, CANCELLED.into())
        .col_expr(alert::Column::CancelReason, reason.into())
        .col_expr(alert::Column::UpdatedAt, now.into())
        .filter(alert::Column::SourceId.eq(referral_id))
        .filter(alert::Column::Rule.eq(rule))
        .filter(alert::Column::Status.eq(PENDING))
        .exec(db.conn())
        .await?
        .rows_affected)
}

/// A new pending alert about `original`'s period, due now, for `recipient`: what escalations
/// and change notices start from.
fn follow_up(
    original: &alert::Model,
    key: String,
    recipient: Uuid,
    team: Option<Uuid>,
    now: DateTime<Utc>,
) -> alert::ActiveModel {
    alert::ActiveModel {
        id: Set(new_id()),
        dedupe_key: Set(key.clone()),
        series: Set(key),
        person_id: Set(original.person_id),
        recipient_party_id: Set(recipient),
        link_id: Set(None),
        rule: Set(original.rule.clone()),
        severity: Set(original.severity),
        scope_kind: Set(original.scope_kind),
        source_id: Set(original.source_id),
        starts_on: Set(original.starts_on),
        ends_on: Set(original.ends_on),
        lead_days: Set(original.lead_days),
        due_at: Set(now),
        moved_earlier: Set(original.moved_earlier),
        team_organization_id: Set(team),
        ..pending(now)
    }
}

/// What every new alert starts as: pending, not yet delivered, acknowledged, snoozed or
/// escalated, and no notice; callers set who it is for and what it is about.
pub(super) fn pending(now: DateTime<Utc>) -> alert::ActiveModel {
    alert::ActiveModel {
        status: Set(PENDING.to_owned()),
        cancel_reason: Set(None),
        moved_earlier: Set(false),
        escalation_of: Set(None),
        delivered_at: Set(None),
        acknowledged_at: Set(None),
        escalated_at: Set(None),
        team_organization_id: Set(None),
        acknowledged_by: Set(None),
        snoozed_until: Set(None),
        snooze_reason: Set(None),
        notice: Set(None),
        notice_old_on: Set(None),
        notice_new_on: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// What a change notice says: the date its recipient was told, and the new one (none when the
/// period is no longer coming).
pub struct Notice<'a> {
    pub told: &'a alert::Model,
    pub new_starts_on: Option<NaiveDate>,
}

/// Writes change notices, once each (their key names the alert told and the new date), to be
/// delivered like any alert, on the consent of the alert told.
pub async fn insert_notices(db: &impl Write, notices: &[Notice<'_>], now: DateTime<Utc>) -> Result<(), DbErr> {
    let rows = notices
        .iter()
        .map(|notice| {
            let told = notice.told;
            let new = notice.new_starts_on.map_or("gone".to_owned(), |on| on.to_string());
            let key =
                format!("notice|{}|{}|{}|{}|{new}", told.rule, told.source_id, told.recipient_party_id, told.starts_on);
            let mut row = follow_up(told, key, told.recipient_party_id, told.team_organization_id, now);
            row.link_id = Set(told.link_id);
            row.notice =
                Set(Some(if notice.new_starts_on.is_some() { "moved_later" } else { "no_longer_coming" }.to_owned()));
            row.notice_old_on = Set(Some(told.starts_on));
            row.notice_new_on = Set(notice.new_starts_on);
            // Quiet hours hold for a notice as for the period it is about.
            row.moved_earlier = Set(false);
            row
        })
        .collect();
    insert_new(db, rows).await
}

/// Inserts alerts whose dedupe key is not taken yet, a bounded number a statement.
pub(super) async fn insert_new(db: &impl Write, rows: Vec<alert::ActiveModel>) -> Result<(), DbErr> {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<alert::ActiveModel> = rows.by_ref().take(super::ROWS_PER_STATEMENT).collect();
        alert::Entity::insert_many(chunk)
            .on_conflict(OnConflict::column(alert::Column::DedupeKey).do_nothing().to_owned())
            .exec_without_returning(db.conn())
            .await?;
    }
    Ok(())
}

pub async fn of_person(db: &impl Read, person_id: Uuid) -> Result<Vec<alert::Model>, DbErr> {
    alert::Entity::find().filter(alert::Column::PersonId.eq(person_id)).all(db.conn()).await
}

/// The compare in compare-and-set. SQLite keeps no statistics unless asked, so it would judge
/// `status = 'pending'` narrower than a list of ids and walk every pending alert through the
/// status index (a tick then grows with the table); `likely()` tells it the test is not worth
/// an index. PostgreSQL keeps statistics and needs no hint.
fn still_pending(backend: DatabaseBackend) -> SimpleExpr {
    match backend {
        DatabaseBackend::Sqlite => Expr::cust("likely(\"status\" = 'pending')"),
        _ => alert::Column::Status.eq(PENDING),
    }
}

/// Moves pending alerts on: to `delivered` or `cancelled`, or to a later `due_at`, in one
/// statement. Only those still pending, so two instances never both deliver one; returns the
/// ids this call settled.
pub async fn settle_many(
    db: &impl Write,
    ids: &[Uuid],
    status: AlertStatus,
    cancel_reason: Option<&str>,
    due_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.backend();
    let mut update = alert::Entity::update_many()
        .col_expr(alert::Column::Status, status.into())
        .col_expr(alert::Column::UpdatedAt, now.into())
        .filter(alert::Column::Id.is_in(ids.iter().copied()))
        .filter(still_pending(backend));
    if let Some(reason) = cancel_reason {
        update = update.col_expr(alert::Column::CancelReason, reason.into());
    }
    if status == DELIVERED {
        update = update.col_expr(alert::Column::DeliveredAt, now.into());
    }
    if let Some(due_at) = due_at {
        update = update.col_expr(alert::Column::DueAt, due_at.into());
    }
    Ok(updated(db, update).await?.into_iter().map(|(id, _)| id).collect())
}

/// Runs `update` and declares the inboxes of the alerts it changed: the ids and recipients of
/// the rows this statement won, by RETURNING (SQLite ≥ 3.35, PostgreSQL).
pub(super) async fn updated(
    db: &impl Write,
    update: sea_orm::UpdateMany<alert::Entity>,
) -> Result<Vec<(Uuid, Uuid)>, DbErr> {
    let backend = db.backend();
    let mut statement = update.into_query();
    statement.returning(
        sea_orm::sea_query::Query::returning().columns([alert::Column::Id, alert::Column::RecipientPartyId]),
    );
    let won = db
        .conn()
        .query_all(backend.build(&statement))
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get::<Uuid>("", alert::Column::Id.as_str())?,
                row.try_get::<Uuid>("", alert::Column::RecipientPartyId.as_str())?,
            ))
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    db.declare(won.iter().map(|(_, recipient)| Changed::Inbox(*recipient)).collect::<Vec<_>>()).await;
    Ok(won)
}

pub async fn cancel_pending_except(
    db: &impl Write,
    person_id: Uuid,
    keep: &[String],
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    // The keys to keep can be many (every lead time of every recipient): which pending alerts
    // to cancel is worked out here, and they are cancelled by id, a bounded number at a time.
    let keep: std::collections::HashSet<&str> = keep.iter().map(String::as_str).collect();
    let pending: Vec<(Uuid, String)> = alert::Entity::find()
        .select_only()
        .column(alert::Column::Id)
        .column(alert::Column::DedupeKey)
        .filter(alert::Column::PersonId.eq(person_id))
        .filter(alert::Column::Status.eq(PENDING))
        .filter(alert::Column::EscalationOf.is_null())
        // A change notice is no planned alert: it stands until delivered.
        .filter(alert::Column::Notice.is_null())
        // Nor is a referral's or a follow-up plan's: their own steps settle them.
        .filter(alert::Column::Rule.is_not_in(crate::domain::referral::ALERT_RULES.iter().copied()))
        .filter(alert::Column::Rule.is_not_in(crate::domain::follow_up::ALERT_RULES.iter().copied()))
        .into_tuple()
        .all(db.conn())
        .await?;
    let stale: Vec<Uuid> =
        pending.into_iter().filter(|(_, key)| !keep.contains(key.as_str())).map(|(id, _)| id).collect();
    let mut cancelled = 0;
    for chunk in stale.chunks(super::IDS_PER_STATEMENT) {
        cancelled += alert::Entity::update_many()
            .col_expr(alert::Column::Status, CANCELLED.into())
            .col_expr(alert::Column::CancelReason, NO_LONGER_HOLDS.into())
            .col_expr(alert::Column::UpdatedAt, now.into())
            .filter(alert::Column::Id.is_in(chunk.iter().copied()))
            .filter(alert::Column::Status.eq(PENDING))
            .exec(db.conn())
            .await?
            .rows_affected;
    }
    Ok(cancelled)
}

/// Due pending alerts. On PostgreSQL the rows are locked and others' locked rows skipped, so
/// several instances share the work without waiting on each other; call it in a transaction.
pub async fn claim_due(db: &impl Read, now: DateTime<Utc>, limit: u64) -> Result<Vec<alert::Model>, DbErr> {
    let query = alert::Entity::find()
        .filter(alert::Column::Status.eq(PENDING))
        .filter(alert::Column::DueAt.lte(now))
        .order_by_asc(alert::Column::DueAt)
        .order_by_asc(alert::Column::Id)
        .limit(limit);
    let query = match db.backend() {
        DatabaseBackend::Postgres => query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked),
        _ => query,
    };
    query.all(db.conn()).await
}

/// A period and recipient, whatever the lead time: (person, recipient, rule, source, start).
pub type SeriesKey = (Uuid, Uuid, String, Uuid, NaiveDate);

pub fn series_key(alert: &alert::Model) -> SeriesKey {
    (alert.person_id, alert.recipient_party_id, alert.rule.clone(), alert.source_id, alert.starts_on)
}

/// For the periods of these alerts, the closest lead time among the alerts already due and
/// not cancelled (nor long over): what a batch needs to see whether a closer one supersedes.
/// Looked up by source milestone and recipient (an index), grouped in the database: a batch
/// reads the few lead times of its own periods, not every alert of its persons.
pub async fn closest_due_leads(
    db: &impl Read,
    alerts: &[alert::Model],
    now: DateTime<Utc>,
) -> Result<HashMap<SeriesKey, i32>, DbErr> {
    if alerts.is_empty() {
        return Ok(HashMap::new());
    }
    // One (source, recipient) pair per term: both databases answer an OR of index lookups with
    // one seek per pair, where two IN lists would cost every source times every recipient.
    let pairs: BTreeSet<(Uuid, Uuid)> =
        alerts.iter().map(|alert| (alert.source_id, alert.recipient_party_id)).collect();
    let same_period = pairs.into_iter().fold(Condition::any(), |any, (source, recipient)| {
        any.add(
            Condition::all().add(alert::Column::SourceId.eq(source)).add(alert::Column::RecipientPartyId.eq(recipient)),
        )
    });
    let yesterday = (now - chrono::Duration::days(1)).date_naive();
    let rows: Vec<(Uuid, Uuid, String, Uuid, NaiveDate, Option<i32>)> = alert::Entity::find()
        .select_only()
        .column(alert::Column::PersonId)
        .column(alert::Column::RecipientPartyId)
        .column(alert::Column::Rule)
        .column(alert::Column::SourceId)
        .column(alert::Column::StartsOn)
        .column_as(alert::Column::LeadDays.min(), "closest")
        .filter(same_period)
        .filter(alert::Column::Status.ne(CANCELLED))
        .filter(alert::Column::DueAt.lte(now))
        .filter(alert::Column::EndsOn.gte(yesterday))
        .group_by(alert::Column::PersonId)
        .group_by(alert::Column::RecipientPartyId)
        .group_by(alert::Column::Rule)
        .group_by(alert::Column::SourceId)
        .group_by(alert::Column::StartsOn)
        .into_tuple()
        .all(db.conn())
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(person, recipient, rule, source, starts_on, closest)| {
            Some(((person, recipient, rule, source, starts_on), closest?))
        })
        .collect())
}

/// Delivered critical alerts nobody acknowledged, delivered before `before`, not yet escalated.
pub async fn unacknowledged_critical(
    db: &impl Read,
    before: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<alert::Model>, DbErr> {
    alert::Entity::find()
        .filter(alert::Column::Status.eq(DELIVERED))
        .filter(alert::Column::Severity.eq(Severity::Critical.as_str()))
        .filter(alert::Column::DeliveredAt.lte(before))
        .filter(alert::Column::AcknowledgedAt.is_null())
        .filter(alert::Column::EscalatedAt.is_null())
        .filter(alert::Column::EscalationOf.is_null())
        .order_by_asc(alert::Column::DeliveredAt)
        .limit(limit)
        .all(db.conn())
        .await
}

/// Records the escalation of `original` to each of `staff`, due now; marks the original.
pub async fn escalate(
    db: &impl Write,
    original: &alert::Model,
    teams: &[Uuid],
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let marked = alert::Entity::update_many()
        .col_expr(alert::Column::EscalatedAt, now.into())
        .filter(alert::Column::Id.eq(original.id))
        .filter(alert::Column::EscalatedAt.is_null())
        .exec(db.conn())
        .await?;
    if marked.rows_affected != 1 {
        return Ok(false);
    }
    db.declare([Changed::Inbox(original.recipient_party_id)]).await;
    if teams.is_empty() {
        return Ok(false);
    }
    let rows = teams
        .iter()
        .map(|organization| {
            let key = format!("escalation|{}|team:{organization}", original.id);
            let mut row = follow_up(original, key, *organization, Some(*organization), now);
            row.escalation_of = Set(Some(original.id));
            row
        })
        .collect();
    insert_new(db, rows).await?;
    Ok(true)
}

pub async fn find(db: &impl Read, id: Uuid) -> Result<Option<alert::Model>, DbErr> {
    alert::Entity::find_by_id(id).one(db.conn()).await
}

/// What an alert relies on, read from its row and its link's (from `links`, by id): facts for
/// [`crate::domain::access::alerts::still_consented`]. A value that does not parse is logged
/// where found and counts as unknown.
pub fn reliance(
    links: &std::collections::HashMap<Uuid, crate::entity::link::Model>,
    alert: &alert::Model,
    now: DateTime<Utc>,
) -> crate::domain::access::alerts::Reliance {
    use crate::domain::access::alerts::Reliance;
    let Some(link_id) = alert.link_id else { return Reliance::FacilityCare };
    let Some(link) = links.get(&link_id) else { return Reliance::Link { in_force: false, scope: None, kind: None } };
    Reliance::Link {
        in_force: crate::domain::link_in_force(link.revoked_at, link.expires_at, now),
        scope: super::links::scope_of(link).ok(),
        kind: Some(alert.scope_kind),
    }
}

/// An alert's period, as a provision record names it.
pub fn period_named(alert: &alert::Model) -> crate::domain::provision::PeriodNamed {
    crate::domain::provision::PeriodNamed {
        rule: alert.rule.clone(),
        severity: alert.severity,
        starts_on: alert.starts_on,
        ends_on: alert.ends_on,
    }
}
