use crate::entity::{outbox_attempt, outbox_message, webhook_subscription};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::{new_id, outbox::NewMessage};
use super::{Connected, Read, Write};

pub async fn insert_subscription(
    db: &impl Write,
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
    .insert(db.conn())
    .await
}

pub async fn subscriptions(
    db: &impl Read,
    organization_id: Option<Uuid>,
) -> Result<Vec<webhook_subscription::Model>, DbErr> {
    let mut query = webhook_subscription::Entity::find();
    if let Some(org) = organization_id {
        query = query.filter(webhook_subscription::Column::OrganizationId.eq(org));
    }
    query.order_by_asc(webhook_subscription::Column::Id).all(db.conn()).await
}

pub async fn find_subscription(db: &impl Read, id: Uuid) -> Result<Option<webhook_subscription::Model>, DbErr> {
    webhook_subscription::Entity::find_by_id(id).one(db.conn()).await
}

/// Removes a subscription with its messages and attempts; call it inside a transaction.
pub async fn delete_subscription(db: &impl Write, id: Uuid) -> Result<(), DbErr> {
    outbox_attempt::Entity::delete_many().filter(outbox_attempt::Column::TargetId.eq(id)).exec(db.conn()).await?;
    outbox_message::Entity::delete_many().filter(outbox_message::Column::TargetId.eq(id)).exec(db.conn()).await?;
    webhook_subscription::Entity::delete_by_id(id).exec(db.conn()).await?;
    Ok(())
}

pub async fn disable(db: &impl Write, id: Uuid, reason: &str, now: DateTime<Utc>) -> Result<(), DbErr> {
    webhook_subscription::Entity::update_many()
        .col_expr(webhook_subscription::Column::DisabledAt, Some(now).into())
        .col_expr(webhook_subscription::Column::DisabledReason, Some(reason.to_owned()).into())
        .filter(webhook_subscription::Column::Id.eq(id))
        .exec(db.conn())
        .await?;
    Ok(())
}

/// One event for the subscriptions of an organisation.
pub struct Outgoing {
    pub organization_id: Uuid,
    pub alert_id: Uuid,
    pub person_id: Uuid,
    pub payload: String,
    pub priority: super::outbox::Priority,
}

/// Writes one outbox message per active subscription that wants `event_type` of each event's
/// organisation; the same alert never twice to the same subscription.
pub async fn enqueue(
    db: &impl Write,
    event_type: &'static str,
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
        .all(db.conn())
        .await?
        .into_iter()
        .filter(|subscription| subscription.events.split(',').any(|event| event == event_type))
        .collect();
    let messages = events
        .iter()
        .flat_map(|event| {
            targets.iter().filter(|target| target.organization_id == event.organization_id).map(|subscription| {
                NewMessage {
                    channel: super::outbox::WEBHOOK,
                    target_id: subscription.id,
                    about: super::outbox::Subject::Alert(event.alert_id),
                    person_id: Some(event.person_id),
                    party_id: None,
                    event_type,
                    payload: event.payload.clone(),
                    priority: event.priority,
                }
            })
        })
        .collect();
    super::outbox::enqueue(db, messages, now).await
}
