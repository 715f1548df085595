//! A person's data as a whole: everything held about them (for an export), removing it (for
//! an erasure), and who has been idle long enough for the retention review.

use crate::entity::{
    alert, alert_contact, alert_escalation, audit_event, calendar_feed, consent_record, contact_point, custody_period,
    erasure, follow_up_check_in, follow_up_plan, idempotency_key, invitation, lapse, link, milestone, milestone_event,
    outbox_attempt, outbox_message, party, person, placement, plan_request, provision_record, referral, referral_event,
    schedule_entry, session, sign_in_code,
};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    sea_query::{Expr, IntoCondition},
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Set,
};
use serde_json::{json, Value};
use uuid::Uuid;

use super::new_id;
use super::{Connected, Declares, Read, Write};
use crate::cache::Changed;

/// The ids of a person's links and alerts, from which consent records and contacts hang.
async fn hanging(db: &impl Read, person_id: Uuid) -> Result<(Vec<Uuid>, Vec<Uuid>), DbErr> {
    let links = link::Entity::find().filter(link::Column::PersonId.eq(person_id)).all(db.conn()).await?;
    let alerts = alert::Entity::find().filter(alert::Column::PersonId.eq(person_id)).all(db.conn()).await?;
    Ok((links.iter().map(|row| row.id).collect(), alerts.iter().map(|row| row.id).collect()))
}

/// Everything held about a person, each kind of record as it is stored.
pub async fn export(db: &impl Read, person_id: Uuid) -> Result<Value, DbErr> {
    let (links, alerts) = hanging(db, person_id).await?;
    Ok(json!({
        "person": person::Entity::find_by_id(person_id).into_json().one(db.conn()).await?,
        "placements": placement::Entity::find().filter(placement::Column::PersonId.eq(person_id)).into_json().all(db.conn()).await?,
        "links": link::Entity::find().filter(link::Column::PersonId.eq(person_id)).into_json().all(db.conn()).await?,
        "consent_records": consent_record::Entity::find().filter(consent_record::Column::LinkId.is_in(links)).into_json().all(db.conn()).await?,
        "milestones": milestone::Entity::find().filter(milestone::Column::PersonId.eq(person_id)).into_json().all(db.conn()).await?,
        "milestone_events": milestone_event::Entity::find().filter(milestone_event::Column::PersonId.eq(person_id)).into_json().all(db.conn()).await?,
        "custody_periods": custody_period::Entity::find().filter(custody_period::Column::PersonId.eq(person_id)).into_json().all(db.conn()).await?,
        "lapses": lapse::Entity::find().filter(lapse::Column::PersonId.eq(person_id)).into_json().all(db.conn()).await?,
        "scheduled_dates": schedule_entry::Entity::find().filter(schedule_entry::Column::PersonId.eq(person_id)).into_json().all(db.conn()).await?,
        "alerts": alert::Entity::find().filter(alert::Column::PersonId.eq(person_id)).into_json().all(db.conn()).await?,
        "alert_contacts": alert_contact::Entity::find().filter(alert_contact::Column::AlertId.is_in(alerts.clone())).into_json().all(db.conn()).await?,
        "alert_escalations": alert_escalation::Entity::find().filter(alert_escalation::Column::AlertId.is_in(alerts)).into_json().all(db.conn()).await?,
        "deliveries": outbox_message::Entity::find()
            .select_only()
            .columns([
                outbox_message::Column::Id, outbox_message::Column::Channel, outbox_message::Column::AlertId,
                outbox_message::Column::PartyId, outbox_message::Column::EventType, outbox_message::Column::Status,
                outbox_message::Column::Attempts, outbox_message::Column::DeliveredAt, outbox_message::Column::Receipt,
                outbox_message::Column::CreatedAt,
            ])
            .filter(outbox_message::Column::PersonId.eq(person_id))
            .into_json()
            .all(db.conn())
            .await?,
        "referrals": referral::Entity::find().filter(referral::Column::PersonId.eq(person_id)).into_json().all(db.conn()).await?,
        "referral_events": referral_event::Entity::find().filter(referral_event::Column::ReferralId.is_in(referrals_of(db, person_id).await?)).into_json().all(db.conn()).await?,
        "follow_up_plans": follow_up_plan::Entity::find().filter(follow_up_plan::Column::PersonId.eq(person_id)).into_json().all(db.conn()).await?,
        "follow_up_check_ins": follow_up_check_in::Entity::find().filter(follow_up_check_in::Column::PersonId.eq(person_id)).into_json().all(db.conn()).await?,
        "provision_records": provision_record::Entity::find().filter(provision_record::Column::PersonId.eq(person_id)).into_json().all(db.conn()).await?,
        "audit_events": own_audit_events(db, person_id).await?,
    }))
}

/// The audit lines about a person. A line about a list page names every person it showed;
/// here it names this person only, so no one's export tells of anyone else.
async fn own_audit_events(db: &impl Read, person_id: Uuid) -> Result<Vec<Value>, DbErr> {
    let mut events =
        audit_event::Entity::find().filter(super::audit::about(person_id)).into_json().all(db.conn()).await?;
    for event in &mut events {
        if let Some(listed) = event.get_mut("person_ids").filter(|listed| !listed.is_null()) {
            *listed = Value::String(person_id.to_string());
        }
    }
    Ok(events)
}

/// The ids of a person's referrals.
async fn referrals_of(db: &impl Read, person_id: Uuid) -> Result<Vec<Uuid>, DbErr> {
    Ok(super::referrals::of_person(db, person_id).await?.into_iter().map(|row| row.id).collect())
}

/// Deletes the rows of `E` that `condition` picks; how many.
async fn delete<E: EntityTrait>(db: &impl Write, condition: impl IntoCondition) -> Result<u64, DbErr> {
    Ok(E::delete_many().filter(condition).exec(db.conn()).await?.rows_affected)
}

/// What an erasure removed, by kind.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Erased {
    pub records: u64,
}

/// Removes everything about a person but the provision records and the audit trail (which
/// name no one), and any message still waiting or kept that names them. `name` is their
/// display name, to find messages and stored answers that carry it.
pub async fn erase(db: &impl Write, person_id: Uuid, name: &str) -> Result<Erased, DbErr> {
    let mut erased = Erased::default();
    let (links, alerts) = hanging(db, person_id).await?;
    let milestones: Vec<Uuid> = milestone::Entity::find()
        .filter(milestone::Column::PersonId.eq(person_id))
        .all(db.conn())
        .await?
        .iter()
        .map(|m| m.id)
        .collect();
    // Messages about the person, or whose text carries their name (a digest, a webhook).
    let naming = format!("%{}%", name.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    let messages: Vec<Uuid> = outbox_message::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(outbox_message::Column::PersonId.eq(person_id))
                .add(outbox_message::Column::AlertId.is_in(alerts.clone()))
                .add(
                    Expr::col(outbox_message::Column::Payload)
                        .like(sea_orm::sea_query::LikeExpr::new(&naming).escape('\\')),
                ),
        )
        .all(db.conn())
        .await?
        .iter()
        .map(|m| m.id)
        .collect();
    for chunk in messages.chunks(super::IDS_PER_STATEMENT) {
        erased.records +=
            delete::<outbox_attempt::Entity>(db, outbox_attempt::Column::MessageId.is_in(chunk.iter().copied()))
                .await?;
        erased.records +=
            delete::<outbox_message::Entity>(db, outbox_message::Column::Id.is_in(chunk.iter().copied())).await?;
    }
    erased.records += delete::<idempotency_key::Entity>(
        db,
        sea_orm::Condition::any()
            .add(Expr::col(idempotency_key::Column::ResponseBody).like(format!("%{person_id}%")))
            .add(
                Expr::col(idempotency_key::Column::ResponseBody)
                    .like(sea_orm::sea_query::LikeExpr::new(&naming).escape('\\')),
            ),
    )
    .await?;
    // Their alerts leave the inboxes they were in.
    let recipients: Vec<Uuid> = alert::Entity::find()
        .select_only()
        .column(alert::Column::RecipientPartyId)
        .distinct()
        .filter(alert::Column::PersonId.eq(person_id))
        .into_tuple()
        .all(db.conn())
        .await?;
    db.declare(recipients.into_iter().map(Changed::Inbox).collect::<Vec<_>>()).await;
    erased.records += delete::<alert_contact::Entity>(db, alert_contact::Column::AlertId.is_in(alerts.clone())).await?;
    erased.records +=
        delete::<alert_escalation::Entity>(db, alert_escalation::Column::AlertId.is_in(alerts.clone())).await?;
    erased.records += delete::<alert::Entity>(db, alert::Column::PersonId.eq(person_id)).await?;
    erased.records += delete::<consent_record::Entity>(db, consent_record::Column::LinkId.is_in(links)).await?;
    erased.records += delete::<link::Entity>(db, link::Column::PersonId.eq(person_id)).await?;
    erased.records +=
        delete::<milestone_event::Entity>(db, milestone_event::Column::MilestoneId.is_in(milestones)).await?;
    erased.records += delete::<schedule_entry::Entity>(db, schedule_entry::Column::PersonId.eq(person_id)).await?;
    erased.records += delete::<milestone::Entity>(db, milestone::Column::PersonId.eq(person_id)).await?;
    erased.records += delete::<custody_period::Entity>(db, custody_period::Column::PersonId.eq(person_id)).await?;
    erased.records += delete::<lapse::Entity>(db, lapse::Column::PersonId.eq(person_id)).await?;
    erased.records += delete::<placement::Entity>(db, placement::Column::PersonId.eq(person_id)).await?;
    erased.records += delete::<plan_request::Entity>(db, plan_request::Column::PersonId.eq(person_id)).await?;
    let referrals = referrals_of(db, person_id).await?;
    erased.records += delete::<referral_event::Entity>(db, referral_event::Column::ReferralId.is_in(referrals)).await?;
    erased.records += delete::<referral::Entity>(db, referral::Column::PersonId.eq(person_id)).await?;
    erased.records +=
        delete::<follow_up_check_in::Entity>(db, follow_up_check_in::Column::PersonId.eq(person_id)).await?;
    erased.records += delete::<follow_up_plan::Entity>(db, follow_up_plan::Column::PersonId.eq(person_id)).await?;
    // The person's own account goes with them: its addresses, sessions and sign-in doors.
    let own: Vec<Uuid> = party::Entity::find()
        .filter(party::Column::PersonId.eq(person_id))
        .all(db.conn())
        .await?
        .iter()
        .map(|p| p.id)
        .collect();
    db.declare(std::iter::once(Changed::Person(person_id)).chain(own.iter().copied().map(Changed::Party))).await;
    if !own.is_empty() {
        erased.records +=
            delete::<contact_point::Entity>(db, contact_point::Column::PartyId.is_in(own.clone())).await?;
        erased.records += delete::<session::Entity>(db, session::Column::PartyId.is_in(own.clone())).await?;
        erased.records += delete::<invitation::Entity>(db, invitation::Column::PartyId.is_in(own.clone())).await?;
        erased.records += delete::<sign_in_code::Entity>(db, sign_in_code::Column::PartyId.is_in(own.clone())).await?;
        erased.records +=
            delete::<calendar_feed::Entity>(db, calendar_feed::Column::PartyId.is_in(own.clone())).await?;
        erased.records += delete::<crate::entity::line_nonce::Entity>(
            db,
            crate::entity::line_nonce::Column::PartyId.is_in(own.clone()),
        )
        .await?;
        erased.records += delete::<party::Entity>(db, party::Column::Id.is_in(own)).await?;
    }
    erased.records += person::Entity::delete_by_id(person_id).exec(db.conn()).await?.rows_affected;
    Ok(erased)
}

/// Records that a person was erased: when, by whom and why.
pub async fn record_erasure(
    db: &impl Write,
    person_id: Uuid,
    erased_by: String,
    reason: String,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    erasure::ActiveModel {
        id: Set(new_id()),
        person_id: Set(person_id),
        erased_by: Set(erased_by),
        reason: Set(reason),
        erased_at: Set(now),
    }
    .insert(db.conn())
    .await?;
    Ok(())
}

/// Provision records past their keeping period are deleted.
pub async fn delete_provisions_before(db: &impl Write, before: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(provision_record::Entity::delete_many()
        .filter(provision_record::Column::ProvidedAt.lt(before))
        .exec(db.conn())
        .await?
        .rows_affected)
}

/// The dated columns of a person's record: what happened, or is planned, on which day.
const RECORD_DATES: [(&str, &str); 20] = [
    ("placements", "start_on"),
    ("placements", "end_on"),
    ("milestones", "state_since"),
    ("milestones", "requested_on"),
    ("milestones", "granted_on"),
    ("milestones", "released_on"),
    ("milestones", "ended_on"),
    ("milestones", "hearing_on"),
    ("milestones", "judgment_on"),
    ("milestones", "scheduled_on"),
    ("milestones", "supervision_ends_on"),
    ("milestones", "opens_on"),
    ("milestones", "closes_on"),
    ("milestones", "used_on"),
    ("milestones", "referred_on"),
    ("milestones", "enrolled_on"),
    ("milestones", "started_on"),
    ("milestone_events", "effective_on"),
    ("lapses", "on"),
    ("custody_periods", "ended_on"),
];

/// The persons with no placement running now, no custody ongoing, and nothing in their record
/// dated on or after `since`: the latest day *of* the record (a placement's end, a milestone's
/// dates, a lapse, custody), not when a row was written, so that a history imported today
/// of someone who left years ago is listed. With that day, or `None` for a record holding no
/// date at all (the caller judges such a one by when the person was entered).
pub async fn idle_since(
    db: &impl Read,
    since: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<(Uuid, Option<NaiveDate>)>, DbErr> {
    let backend = db.backend();
    let p = |n: usize| if backend == sea_orm::DatabaseBackend::Postgres { format!("${n}") } else { "?".to_owned() };
    let dated: Vec<String> = RECORD_DATES
        .iter()
        .map(|(table, column)| format!("SELECT person_id AS id, \"{column}\" AS on_day FROM {table}"))
        .collect();
    let sql = format!(
        "SELECT x.id, MAX(x.on_day) AS last FROM ( {} UNION ALL SELECT id, CAST(NULL AS DATE) FROM persons ) x \
         WHERE x.id NOT IN (SELECT person_id FROM placements WHERE starts_at <= {now} AND (ends_at IS NULL OR ends_at > {now2})) \
         AND x.id NOT IN (SELECT person_id FROM custody_periods WHERE ended_on IS NULL) \
         GROUP BY x.id HAVING MAX(x.on_day) IS NULL OR MAX(x.on_day) < {since} ORDER BY last, x.id",
        dated.join(" UNION ALL "),
        now = p(1),
        now2 = p(2),
        since = p(3),
    );
    let rows = db
        .conn()
        .query_all(sea_orm::Statement::from_sql_and_values(backend, sql, [now.into(), now.into(), since.into()]))
        .await?;
    rows.iter().map(|row| Ok((row.try_get::<Uuid>("", "id")?, row.try_get::<Option<NaiveDate>>("", "last")?))).collect()
}

/// On SQLite, moves what the write-ahead log holds into the database file and empties the log,
/// so that erased rows do not linger in it; nothing to do on PostgreSQL.
pub async fn checkpoint(db: &impl Write) -> Result<(), DbErr> {
    if db.backend() == sea_orm::DatabaseBackend::Sqlite {
        db.conn()
            .execute(sea_orm::Statement::from_string(
                sea_orm::DatabaseBackend::Sqlite,
                "PRAGMA wal_checkpoint(TRUNCATE)",
            ))
            .await?;
    }
    Ok(())
}
