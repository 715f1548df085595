//! The messages given up on, across every alert and channel: dead (no more tries) and
//! uncertain (a text that may have reached the gateway before a crash).

use std::collections::HashMap;

use crate::entity::{outbox_attempt, outbox_message};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, UpdateMany};
use uuid::Uuid;

use super::outbox::{DEAD, DISCARDED, PENDING, UNCERTAIN};
use super::{Connected, Read, Write};

/// A dead letter and the last thing tried with it.
pub struct DeadLetter {
    pub message: outbox_message::Model,
    pub last_attempt: Option<outbox_attempt::Model>,
}

/// Which dead letters to list.
pub struct Filter {
    pub channel: Option<super::outbox::MessageChannel>,
    /// Only those given up on before this instant (older ones first to page on).
    pub before: Option<DateTime<Utc>>,
    pub limit: u64,
}

/// The dead letters, the most recently given up first.
pub async fn list(db: &impl Read, filter: Filter) -> Result<Vec<DeadLetter>, DbErr> {
    let mut query = outbox_message::Entity::find().filter(outbox_message::Column::Status.is_in([DEAD, UNCERTAIN]));
    if let Some(channel) = filter.channel {
        query = query.filter(outbox_message::Column::Channel.eq(channel));
    }
    if let Some(before) = filter.before {
        query = query.filter(outbox_message::Column::UpdatedAt.lt(before));
    }
    let messages = query
        .order_by_desc(outbox_message::Column::UpdatedAt)
        .order_by_desc(outbox_message::Column::Id)
        .limit(filter.limit)
        .all(db.conn())
        .await?;
    let mut last: HashMap<Uuid, outbox_attempt::Model> = HashMap::new();
    let ids: Vec<Uuid> = messages.iter().map(|message| message.id).collect();
    if !ids.is_empty() {
        for attempt in
            outbox_attempt::Entity::find().filter(outbox_attempt::Column::MessageId.is_in(ids)).all(db.conn()).await?
        {
            match last.get(&attempt.message_id) {
                Some(kept) if kept.attempt >= attempt.attempt => {}
                _ => {
                    last.insert(attempt.message_id, attempt);
                }
            }
        }
    }
    Ok(messages
        .into_iter()
        .map(|message| {
            let last_attempt = last.remove(&message.id);
            DeadLetter { message, last_attempt }
        })
        .collect())
}

pub async fn find(db: &impl Read, id: Uuid) -> Result<Option<outbox_message::Model>, DbErr> {
    outbox_message::Entity::find_by_id(id).one(db.conn()).await
}

/// A change to message `id` that applies only while it is a dead letter.
fn while_dead(
    id: Uuid,
    status: super::outbox::MessageStatus,
    now: DateTime<Utc>,
) -> UpdateMany<outbox_message::Entity> {
    outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::Status, status.into())
        .col_expr(outbox_message::Column::UpdatedAt, now.into())
        .filter(outbox_message::Column::Id.eq(id))
        .filter(outbox_message::Column::Status.is_in([DEAD, UNCERTAIN]))
}

/// Puts a dead letter back in the outbox, due now, with a fresh count of tries. False if it
/// was not (or no longer) a dead letter.
pub async fn requeue(db: &impl Write, id: Uuid, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let updated = while_dead(id, PENDING, now)
        .col_expr(outbox_message::Column::Attempts, 0.into())
        .col_expr(outbox_message::Column::NextAttemptAt, now.into())
        .col_expr(outbox_message::Column::ClaimedUntil, Option::<DateTime<Utc>>::None.into())
        .col_expr(outbox_message::Column::HandingOverSince, Option::<DateTime<Utc>>::None.into())
        .exec(db.conn())
        .await?;
    Ok(updated.rows_affected == 1)
}

/// Marks a dead letter as not to be sent. False if it was not (or no longer) a dead letter.
pub async fn discard(db: &impl Write, id: Uuid, now: DateTime<Utc>) -> Result<bool, DbErr> {
    Ok(while_dead(id, DISCARDED, now).exec(db.conn()).await?.rows_affected == 1)
}
