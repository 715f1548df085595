use chrono::{DateTime, Duration, Utc};
use entity::{webhook_attempt, webhook_message, webhook_subscription};
use sea_orm::{
    sea_query::{LockBehavior, LockType, OnConflict},
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
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

pub async fn delete_subscription(db: &impl TransactionTrait, id: Uuid) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    webhook_attempt::Entity::delete_many().filter(webhook_attempt::Column::SubscriptionId.eq(id)).exec(&txn).await?;
    webhook_message::Entity::delete_many().filter(webhook_message::Column::SubscriptionId.eq(id)).exec(&txn).await?;
    webhook_subscription::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await
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
    let count = rows.len();
    if count == 0 {
        return Ok(0);
    }
    webhook_message::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([webhook_message::Column::SubscriptionId, webhook_message::Column::AlertId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(count)
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
/// compare-and-set. A worker that dies lets its claims lapse; the messages go out again then.
pub async fn claim(
    db: &impl TransactionTrait,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u64,
) -> Result<Vec<webhook_message::Model>, DbErr> {
    let txn = db.begin().await?;
    let query = webhook_message::Entity::find()
        .filter(claimable(now))
        .order_by_asc(webhook_message::Column::NextAttemptAt)
        .limit(limit);
    let query = match txn.get_database_backend() {
        DatabaseBackend::Postgres => query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked),
        _ => query,
    };
    let mut claimed = Vec::new();
    for mut message in query.all(&txn).await? {
        let taken = webhook_message::Entity::update_many()
            .col_expr(webhook_message::Column::ClaimedUntil, Some(now + lease).into())
            .filter(webhook_message::Column::Id.eq(message.id))
            .filter(claimable(now))
            .exec(&txn)
            .await?;
        if taken.rows_affected == 1 {
            message.claimed_until = Some(now + lease);
            claimed.push(message);
        }
    }
    txn.commit().await?;
    Ok(claimed)
}

/// Logs an attempt and moves the message on: delivered, retried at `retry_at`, or dead.
pub async fn settle(
    db: &impl TransactionTrait,
    message: &webhook_message::Model,
    status_code: Option<u16>,
    error: Option<String>,
    outcome: Outcome,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    let attempt = message.attempts + 1;
    webhook_attempt::ActiveModel {
        id: Set(new_id()),
        message_id: Set(message.id),
        subscription_id: Set(message.subscription_id),
        attempt: Set(attempt),
        status_code: Set(status_code.map(i32::from)),
        error: Set(error.map(|e| e.chars().take(500).collect())),
        attempted_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let mut update = webhook_message::Entity::update_many()
        .col_expr(webhook_message::Column::Attempts, attempt.into())
        .col_expr(webhook_message::Column::ClaimedUntil, Option::<DateTime<Utc>>::None.into())
        .col_expr(webhook_message::Column::UpdatedAt, now.into())
        .filter(webhook_message::Column::Id.eq(message.id));
    update = match outcome {
        Outcome::Delivered => update
            .col_expr(webhook_message::Column::Status, DELIVERED.into())
            .col_expr(webhook_message::Column::DeliveredAt, Some(now).into()),
        Outcome::RetryAt(at) => update.col_expr(webhook_message::Column::NextAttemptAt, at.into()),
        Outcome::Dead => update.col_expr(webhook_message::Column::Status, DEAD.into()),
    };
    update.exec(&txn).await?;
    txn.commit().await
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
