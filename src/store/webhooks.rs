use std::collections::HashSet;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use entity::{webhook_attempt, webhook_message, webhook_subscription};
use sea_orm::{
    sea_query::{LockBehavior, LockType, OnConflict},
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, IdenStatic,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set,
};
use uuid::Uuid;

use super::new_id;

pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const DEAD: &str = "dead";

pub async fn insert_subscription(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    url: &str,
    events: &[String],
    secret: &str,
    now: DateTime<Utc>,
) -> Result<webhook_subscription::Model, DbErr> {
    webhook_subscription::ActiveModel {
        id: Set(new_id()),
        organization_id: Set(organization_id),
        url: Set(url.to_owned()),
        events: Set(events.join(",")),
        secret: Set(secret.to_owned()),
        disabled_at: Set(None),
        disabled_reason: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await
}

pub async fn subscriptions(
    db: &impl ConnectionTrait,
    organization_id: Option<Uuid>,
) -> Result<Vec<webhook_subscription::Model>, DbErr> {
    let mut query = webhook_subscription::Entity::find();
    if let Some(org) = organization_id {
        query = query.filter(webhook_subscription::Column::OrganizationId.eq(org));
    }
    query.order_by_asc(webhook_subscription::Column::Id).all(db).await
}

pub async fn find_subscription(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<webhook_subscription::Model>, DbErr> {
    webhook_subscription::Entity::find_by_id(id).one(db).await
}

/// Removes a subscription with its messages and attempts; call it inside a transaction.
pub async fn delete_subscription(db: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    webhook_attempt::Entity::delete_many().filter(webhook_attempt::Column::SubscriptionId.eq(id)).exec(db).await?;
    webhook_message::Entity::delete_many().filter(webhook_message::Column::SubscriptionId.eq(id)).exec(db).await?;
    webhook_subscription::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

pub async fn disable(db: &impl ConnectionTrait, id: Uuid, reason: &str, now: DateTime<Utc>) -> Result<(), DbErr> {
    webhook_subscription::Entity::update_many()
        .col_expr(webhook_subscription::Column::DisabledAt, Some(now).into())
        .col_expr(webhook_subscription::Column::DisabledReason, Some(reason.to_owned()).into())
        .filter(webhook_subscription::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// One event for the subscriptions of an organisation.
pub struct Outgoing {
    pub organization_id: Uuid,
    pub alert_id: Uuid,
    pub person_id: Uuid,
    pub payload: String,
}

/// Writes one message per active subscription that wants `event_type` of each event's
/// organisation, in one insert; the same alert never twice to the same subscription.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    event_type: &str,
    events: Vec<Outgoing>,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    if events.is_empty() {
        return Ok(0);
    }
    let organizations: Vec<Uuid> = events.iter().map(|event| event.organization_id).collect();
    let targets: Vec<webhook_subscription::Model> = webhook_subscription::Entity::find()
        .filter(webhook_subscription::Column::OrganizationId.is_in(organizations))
        .filter(webhook_subscription::Column::DisabledAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .filter(|subscription| subscription.events.split(',').any(|event| event == event_type))
        .collect();
    let rows: Vec<webhook_message::ActiveModel> = events
        .iter()
        .flat_map(|event| {
            targets.iter().filter(|target| target.organization_id == event.organization_id).map(|subscription| {
                webhook_message::ActiveModel {
                    id: Set(new_id()),
                    subscription_id: Set(subscription.id),
                    alert_id: Set(event.alert_id),
                    person_id: Set(event.person_id),
                    event_type: Set(event_type.to_owned()),
                    payload: Set(event.payload.clone()),
                    status: Set(PENDING.to_owned()),
                    attempts: Set(0),
                    next_attempt_at: Set(now),
                    claimed_until: Set(None),
                    delivered_at: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
            })
        })
        .collect();
    // Thirteen values a row: 1 000 rows a statement stays inside SQLite's 32 766 parameters
    // however many subscriptions an organisation has.
    for chunk in rows.chunks(1_000) {
        webhook_message::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([webhook_message::Column::SubscriptionId, webhook_message::Column::AlertId])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(rows.len())
}

fn claimable(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(webhook_message::Column::Status.eq(PENDING))
        .add(webhook_message::Column::NextAttemptAt.lte(now))
        .add(
            Condition::any()
                .add(webhook_message::Column::ClaimedUntil.is_null())
                .add(webhook_message::Column::ClaimedUntil.lt(now)),
        )
}

/// Claims due messages for `lease`: on PostgreSQL with `FOR UPDATE SKIP LOCKED`, on SQLite by
/// compare-and-set, in one `UPDATE … RETURNING` either way. A worker that dies lets its claims
/// lapse; the messages go out again then, under the same `webhook-id`. Call it in a
/// transaction: on PostgreSQL the row locks hold until it commits.
pub async fn claim(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u64,
) -> Result<Vec<webhook_message::Model>, DbErr> {
    // Stored to the microsecond both databases keep, so `settle` can match it exactly.
    let claimed_until = (now + lease).trunc_subsecs(6);
    let backend = db.get_database_backend();
    let query = webhook_message::Entity::find()
        .filter(claimable(now))
        .order_by_asc(webhook_message::Column::NextAttemptAt)
        .limit(limit);
    let query = match backend {
        DatabaseBackend::Postgres => query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked),
        _ => query,
    };
    let candidates = query.all(db).await?;
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let mut update = webhook_message::Entity::update_many()
        .col_expr(webhook_message::Column::ClaimedUntil, Some(claimed_until).into())
        .filter(webhook_message::Column::Id.is_in(candidates.iter().map(|message| message.id)))
        // Still unclaimed: on SQLite another instance may have won since the read.
        .filter(
            Condition::any()
                .add(webhook_message::Column::ClaimedUntil.is_null())
                .add(webhook_message::Column::ClaimedUntil.lt(now)),
        )
        .into_query();
    update.returning_col(webhook_message::Column::Id);
    let won: HashSet<Uuid> = db
        .query_all(backend.build(&update))
        .await?
        .iter()
        .map(|row| row.try_get::<Uuid>("", webhook_message::Column::Id.as_str()))
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
    db: &impl ConnectionTrait,
    message: &webhook_message::Model,
    attempt: Attempt,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let Attempt { status_code, error, outcome, provision } = attempt;
    let attempt = message.attempts + 1;
    let mut update = webhook_message::Entity::update_many()
        .col_expr(webhook_message::Column::Attempts, attempt.into())
        .col_expr(webhook_message::Column::ClaimedUntil, Option::<DateTime<Utc>>::None.into())
        .col_expr(webhook_message::Column::UpdatedAt, now.into())
        .filter(webhook_message::Column::Id.eq(message.id))
        .filter(match message.claimed_until {
            Some(claim) => webhook_message::Column::ClaimedUntil.eq(claim),
            None => webhook_message::Column::ClaimedUntil.is_null(),
        });
    update = match outcome {
        Outcome::Delivered => update
            .col_expr(webhook_message::Column::Status, DELIVERED.into())
            .col_expr(webhook_message::Column::DeliveredAt, Some(now).into()),
        Outcome::RetryAt(at) => update.col_expr(webhook_message::Column::NextAttemptAt, at.into()),
        Outcome::Dead => update.col_expr(webhook_message::Column::Status, DEAD.into()),
    };
    if update.exec(db).await?.rows_affected == 0 {
        return Ok(false);
    }
    webhook_attempt::ActiveModel {
        id: Set(new_id()),
        message_id: Set(message.id),
        subscription_id: Set(message.subscription_id),
        attempt: Set(attempt),
        status_code: Set(status_code.map(i32::from)),
        error: Set(error.map(|e| e.chars().take(500).collect())),
        attempted_at: Set(now),
    }
    .insert(db)
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    RetryAt(DateTime<Utc>),
    Dead,
}

pub async fn attempts_of(
    db: &impl ConnectionTrait,
    subscription_id: Uuid,
    limit: u64,
) -> Result<Vec<(webhook_attempt::Model, Option<webhook_message::Model>)>, DbErr> {
    webhook_attempt::Entity::find()
        .filter(webhook_attempt::Column::SubscriptionId.eq(subscription_id))
        .order_by_asc(webhook_attempt::Column::Id)
        .limit(limit)
        .find_also_related(webhook_message::Entity)
        .all(db)
        .await
}
