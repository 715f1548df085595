//! The outbox of every channel: webhooks, e-mail and SMS. A message is written in the
//! transaction that decides it, claimed by one worker at a time, retried, and settled once.

use std::collections::{HashMap, HashSet};

use crate::entity::{outbox_attempt, outbox_message};
use chrono::{DateTime, Duration, SubsecRound, Utc};
use sea_orm::{
    sea_query::{LockBehavior, LockType, OnConflict},
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, IdenStatic,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set,
};
use uuid::Uuid;

use super::new_id;
use super::{Connected, Read, Write};

pub use crate::entity::states::{MessageChannel, MessageStatus, Receipt};

pub const PENDING: MessageStatus = MessageStatus::Pending;
pub const DELIVERED: MessageStatus = MessageStatus::Delivered;
pub const DEAD: MessageStatus = MessageStatus::Dead;
pub const UNCERTAIN: MessageStatus = MessageStatus::Uncertain;
pub const DISCARDED: MessageStatus = MessageStatus::Discarded;

pub const WEBHOOK: MessageChannel = MessageChannel::Webhook;
pub const EMAIL: MessageChannel = MessageChannel::Email;
pub const SMS: MessageChannel = MessageChannel::Sms;
pub const LINE: MessageChannel = MessageChannel::Line;

/// A message to write.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub channel: MessageChannel,
    /// The webhook subscription or contact point it goes to.
    pub target_id: Uuid,
    pub about: Subject,
    /// The person it is about, if it is about one.
    pub person_id: Option<Uuid>,
    pub party_id: Option<Uuid>,
    pub event_type: &'static str,
    pub payload: String,
    pub priority: Priority,
}

/// What a message is about. The same alert or digest never goes twice to the same target; a
/// code, an invitation or a notice is written once, when it is made, and a confirmation may be
/// sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Alert(Uuid),
    Digest(Uuid),
    SignInCode(Uuid),
    Invitation(Uuid),
    /// A confirmation of the address, or the address added as a new way in.
    ContactPoint(Uuid),
    /// A hand-over at a shift change.
    Handover(Uuid),
    /// A session's deadline to apply, to a family of its area.
    ClassSession(Uuid),
}

impl Subject {
    pub fn id(self) -> Uuid {
        match self {
            Subject::Alert(id)
            | Subject::Digest(id)
            | Subject::SignInCode(id)
            | Subject::Invitation(id)
            | Subject::ContactPoint(id)
            | Subject::Handover(id)
            | Subject::ClassSession(id) => id,
        }
    }

    /// The subject a stored message names; every message the service writes names one.
    pub fn of(message: &outbox_message::Model) -> Option<Subject> {
        message
            .alert_id
            .map(Subject::Alert)
            .or(message.digest_id.map(Subject::Digest))
            .or(message.sign_in_code_id.map(Subject::SignInCode))
            .or(message.invitation_id.map(Subject::Invitation))
            .or(message.contact_point_id.map(Subject::ContactPoint))
            .or(message.handover_id.map(Subject::Handover))
            .or(message.class_session_id.map(Subject::ClassSession))
    }
}

/// A subject as the row's columns: the one that names it set, the others empty.
#[derive(Default)]
struct References {
    alert: Option<Uuid>,
    digest: Option<Uuid>,
    sign_in_code: Option<Uuid>,
    invitation: Option<Uuid>,
    contact_point: Option<Uuid>,
    handover: Option<Uuid>,
    class_session: Option<Uuid>,
}

impl From<Subject> for References {
    fn from(about: Subject) -> Self {
        let none = References::default();
        match about {
            Subject::Alert(id) => References { alert: Some(id), ..none },
            Subject::Digest(id) => References { digest: Some(id), ..none },
            Subject::SignInCode(id) => References { sign_in_code: Some(id), ..none },
            Subject::Invitation(id) => References { invitation: Some(id), ..none },
            Subject::ContactPoint(id) => References { contact_point: Some(id), ..none },
            Subject::Handover(id) => References { handover: Some(id), ..none },
            Subject::ClassSession(id) => References { class_session: Some(id), ..none },
        }
    }
}

/// Which messages are claimed first when more are due than can go at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    /// Someone is waiting for it (a sign-in code, an invitation, a confirmation), or a
    /// critical alert.
    Now = 0,
    Normal = 1,
    /// Daily digests.
    Bulk = 2,
}

/// Writes messages in one insert a chunk; the same subject never twice to the same target.
pub async fn enqueue(db: &impl Write, messages: Vec<NewMessage>, now: DateTime<Utc>) -> Result<usize, DbErr> {
    let rows: Vec<outbox_message::ActiveModel> = messages
        .into_iter()
        .map(|message| (References::from(message.about), message))
        .map(|(about, message)| outbox_message::ActiveModel {
            id: Set(new_id()),
            channel: Set(message.channel),
            target_id: Set(message.target_id),
            alert_id: Set(about.alert),
            digest_id: Set(about.digest),
            sign_in_code_id: Set(about.sign_in_code),
            invitation_id: Set(about.invitation),
            contact_point_id: Set(about.contact_point),
            handover_id: Set(about.handover),
            class_session_id: Set(about.class_session),
            person_id: Set(message.person_id),
            party_id: Set(message.party_id),
            event_type: Set(message.event_type.to_owned()),
            payload: Set(message.payload),
            priority: Set(message.priority as i32),
            status: Set(PENDING.to_owned()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            claimed_until: Set(None),
            delivered_at: Set(None),
            provider_id: Set(None),
            receipt: Set(None),
            receipt_error: Set(None),
            handing_over_since: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    let count = rows.len();
    // Twenty-one values a row: 1 000 rows a statement stays inside SQLite's 32 766 parameters.
    for chunk in rows.chunks(1_000) {
        outbox_message::Entity::insert_many(chunk.to_vec())
            // Any once-per-target index: of an alert, of a digest, of a hand-over.
            .on_conflict(OnConflict::new().do_nothing().to_owned())
            .exec_without_returning(db.conn())
            .await?;
    }
    Ok(count)
}

fn claimable(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(outbox_message::Column::Status.eq(PENDING))
        .add(outbox_message::Column::NextAttemptAt.lte(now))
        .add(
            Condition::any()
                .add(outbox_message::Column::ClaimedUntil.is_null())
                .add(outbox_message::Column::ClaimedUntil.lt(now)),
        )
}

/// What one claim asks for: up to `limit` due messages on `channel`, at most `per_target` to
/// any one target, or fewer where `room` says (targets already holding slots).
#[derive(Debug, Clone)]
pub struct Want<'a> {
    pub channel: MessageChannel,
    pub limit: usize,
    pub per_target: usize,
    pub room: &'a HashMap<Uuid, usize>,
}

/// Claims due messages for `lease`, those someone waits for first: on PostgreSQL with `FOR
/// UPDATE SKIP LOCKED`, on SQLite by compare-and-set, in one `UPDATE … RETURNING` either way. A
/// worker that dies lets its claims lapse; the messages go out again then, under the same
/// `webhook-id`. Call it in a transaction: on PostgreSQL the row locks hold until it commits.
pub async fn claim(
    db: &impl Write,
    now: DateTime<Utc>,
    lease: Duration,
    want: &Want<'_>,
) -> Result<Vec<outbox_message::Model>, DbErr> {
    if want.limit == 0 {
        return Ok(Vec::new());
    }
    // Stored to the microsecond both databases keep, so `settle` can match it exactly.
    let claimed_until = (now + lease).trunc_subsecs(6);
    let backend = db.backend();
    let full: Vec<Uuid> = want.room.iter().filter(|(_, room)| **room == 0).map(|(target, _)| *target).collect();
    let mut free = claimable(now).add(outbox_message::Column::Channel.eq(want.channel));
    if !full.is_empty() {
        free = free.add(outbox_message::Column::TargetId.is_not_in(full));
    }
    // More than wanted are read, so that one target's many due messages leave room for others.
    let read = (want.limit * 4).min(want.limit + 128) as u64;
    let query = outbox_message::Entity::find()
        .filter(free)
        .order_by_asc(outbox_message::Column::Priority)
        .order_by_asc(outbox_message::Column::NextAttemptAt)
        .limit(read);
    let query = match backend {
        DatabaseBackend::Postgres => query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked),
        _ => query,
    };
    let mut taken: HashMap<Uuid, usize> = HashMap::new();
    let candidates: Vec<outbox_message::Model> = query
        .all(db.conn())
        .await?
        .into_iter()
        .filter(|message| {
            let count = taken.entry(message.target_id).or_default();
            let room = want.room.get(&message.target_id).copied().unwrap_or(want.per_target);
            *count += 1;
            *count <= room
        })
        .take(want.limit)
        .collect();
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let mut update = outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::ClaimedUntil, Some(claimed_until).into())
        .filter(outbox_message::Column::Id.is_in(candidates.iter().map(|message| message.id)))
        // Still unclaimed: on SQLite another instance may have won since the read.
        .filter(
            Condition::any()
                .add(outbox_message::Column::ClaimedUntil.is_null())
                .add(outbox_message::Column::ClaimedUntil.lt(now)),
        )
        .into_query();
    update.returning_col(outbox_message::Column::Id);
    let won: HashSet<Uuid> = db
        .conn()
        .query_all(backend.build(&update))
        .await?
        .iter()
        .map(|row| row.try_get::<Uuid>("", outbox_message::Column::Id.as_str()))
        .collect::<Result<_, _>>()?;
    Ok(candidates
        .into_iter()
        .filter(|message| won.contains(&message.id))
        .map(|mut message| {
            message.claimed_until = Some(claimed_until);
            message
        })
        .collect())
}

/// Logs an attempt and moves the message on: delivered, retried at `retry_at`, or dead; call
/// it in a transaction, so that a delivery's provision record commits with it. Returns false, changing nothing, if the claim
/// lapsed and another instance took the message.
pub async fn settle(
    db: &impl Write,
    message: &outbox_message::Model,
    attempt: Attempt,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let Attempt { status_code, error, outcome, provision, provider_id, receipt } = attempt;
    let attempt = message.attempts + 1;
    let mut update = outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::Attempts, attempt.into())
        .col_expr(outbox_message::Column::ClaimedUntil, Option::<DateTime<Utc>>::None.into())
        .col_expr(outbox_message::Column::HandingOverSince, Option::<DateTime<Utc>>::None.into())
        .col_expr(outbox_message::Column::UpdatedAt, now.into())
        .filter(outbox_message::Column::Id.eq(message.id))
        .filter(match message.claimed_until {
            Some(claim) => outbox_message::Column::ClaimedUntil.eq(claim),
            None => outbox_message::Column::ClaimedUntil.is_null(),
        });
    update = match outcome {
        Outcome::Delivered => update
            .col_expr(outbox_message::Column::Status, DELIVERED.into())
            .col_expr(outbox_message::Column::DeliveredAt, Some(now).into())
            .col_expr(outbox_message::Column::ProviderId, provider_id.into())
            .col_expr(outbox_message::Column::Receipt, receipt.into()),
        Outcome::RetryAt(at) => update.col_expr(outbox_message::Column::NextAttemptAt, at.into()),
        Outcome::Dead => update.col_expr(outbox_message::Column::Status, DEAD.into()),
        Outcome::Uncertain => update.col_expr(outbox_message::Column::Status, UNCERTAIN.into()),
    };
    if update.exec(db.conn()).await?.rows_affected == 0 {
        return Ok(false);
    }
    outbox_attempt::ActiveModel {
        id: Set(new_id()),
        message_id: Set(message.id),
        target_id: Set(message.target_id),
        attempt: Set(attempt),
        status_code: Set(status_code.map(i32::from)),
        error: Set(error.map(|e| e.chars().take(500).collect())),
        attempted_at: Set(now),
    }
    .insert(db.conn())
    .await?;
    if let (Outcome::Delivered, Some(provision)) = (outcome, provision) {
        super::provisions::record(db, provision, now).await?;
    }
    Ok(true)
}

/// What one attempt to send a message came to.
pub struct Attempt {
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub outcome: Outcome,
    /// What the receiver was given, recorded if the message was delivered.
    pub provision: Option<super::provisions::Provision>,
    /// The provider's id for a message it accepted, and what it first said of it.
    pub provider_id: Option<String>,
    pub receipt: Option<Receipt>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    RetryAt(DateTime<Utc>),
    Dead,
    /// Perhaps handed over, perhaps not (a text whose send was cut off): never resent by
    /// itself; staff see it with the dead letters.
    Uncertain,
}

/// Marks a claimed message as being handed over now, in its own committed write before the
/// send: a claim that finds the mark later knows the send may have gone out. False if the
/// claim has lapsed.
pub async fn mark_handing_over(
    db: &impl Write,
    message: &outbox_message::Model,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let updated = outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::HandingOverSince, Some(now).into())
        .filter(outbox_message::Column::Id.eq(message.id))
        .filter(match message.claimed_until {
            Some(claim) => outbox_message::Column::ClaimedUntil.eq(claim),
            None => outbox_message::Column::ClaimedUntil.is_null(),
        })
        .exec(db.conn())
        .await?;
    Ok(updated.rows_affected == 1)
}

/// Gives claims back unsent (an instance shutting down): another instance may take them at
/// once. Only claims still held as they were are released.
pub async fn release(db: &impl Write, claims: &[(Uuid, DateTime<Utc>)]) -> Result<u64, DbErr> {
    let mut released = 0;
    for (id, claimed_until) in claims {
        released += outbox_message::Entity::update_many()
            .col_expr(outbox_message::Column::ClaimedUntil, Option::<DateTime<Utc>>::None.into())
            .filter(outbox_message::Column::Id.eq(*id))
            .filter(outbox_message::Column::ClaimedUntil.eq(*claimed_until))
            .filter(outbox_message::Column::HandingOverSince.is_null())
            .exec(db.conn())
            .await?
            .rows_affected;
    }
    Ok(released)
}

/// The latest `most` attempts to reach a target, newest first.
pub async fn latest_attempts_of(
    db: &impl Read,
    target_id: Uuid,
    most: u64,
) -> Result<Vec<outbox_attempt::Model>, DbErr> {
    outbox_attempt::Entity::find()
        .filter(outbox_attempt::Column::TargetId.eq(target_id))
        .order_by_desc(outbox_attempt::Column::Id)
        .limit(most)
        .all(db.conn())
        .await
}

pub async fn attempts_of(
    db: &impl Read,
    target_id: Uuid,
    limit: u64,
) -> Result<Vec<(outbox_attempt::Model, Option<outbox_message::Model>)>, DbErr> {
    outbox_attempt::Entity::find()
        .filter(outbox_attempt::Column::TargetId.eq(target_id))
        .order_by_asc(outbox_attempt::Column::Id)
        .limit(limit)
        .find_also_related(outbox_message::Entity)
        .all(db.conn())
        .await
}

/// Every message about an alert (or digest), oldest first.
pub async fn of_subject(db: &impl Read, alert_id: Uuid) -> Result<Vec<outbox_message::Model>, DbErr> {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::AlertId.eq(alert_id))
        .order_by_asc(outbox_message::Column::CreatedAt)
        .order_by_asc(outbox_message::Column::Id)
        .all(db.conn())
        .await
}

pub async fn find_by_provider_id(
    db: &impl Read,
    channel: MessageChannel,
    provider_id: &str,
) -> Result<Option<outbox_message::Model>, DbErr> {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::Channel.eq(channel))
        .filter(outbox_message::Column::ProviderId.eq(provider_id))
        .one(db.conn())
        .await
}

/// Keeps what the provider said of a message since it was handed over.
pub async fn set_receipt(
    db: &impl Write,
    id: Uuid,
    receipt: Receipt,
    error: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::Receipt, Some(receipt).into())
        .col_expr(outbox_message::Column::ReceiptError, error.into())
        .col_expr(outbox_message::Column::UpdatedAt, now.into())
        .filter(outbox_message::Column::Id.eq(id))
        .exec(db.conn())
        .await?;
    Ok(())
}

/// Removes a target's messages that have not gone out yet; what was sent stays on record.
pub async fn drop_pending_of_target(db: &impl Write, target_id: Uuid) -> Result<(), DbErr> {
    outbox_message::Entity::delete_many()
        .filter(outbox_message::Column::TargetId.eq(target_id))
        .filter(outbox_message::Column::Status.eq(PENDING))
        .exec(db.conn())
        .await?;
    Ok(())
}

/// Blanks a settled message's payload (a code or link that let someone in).
pub async fn forget_payload(db: &impl Write, id: Uuid) -> Result<(), DbErr> {
    outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::Payload, "{}".into())
        .filter(outbox_message::Column::Id.eq(id))
        .exec(db.conn())
        .await?;
    Ok(())
}
