//! The contact log: what staff did about an alert.

use crate::domain::team::ContactOutcome;
use crate::entity::alert_contact;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::new_id;
use super::{Connected, Declares, Read, Write};
use crate::cache::Changed;

pub async fn insert(
    db: &impl Write,
    alert: &crate::entity::alert::Model,
    outcome: ContactOutcome,
    note: Option<String>,
    recorded_by: String,
    now: DateTime<Utc>,
) -> Result<alert_contact::Model, DbErr> {
    let row = alert_contact::ActiveModel {
        id: Set(new_id()),
        alert_id: Set(alert.id),
        person_id: Set(alert.person_id),
        outcome: Set(outcome),
        note: Set(note),
        recorded_by: Set(recorded_by),
        recorded_at: Set(now),
    }
    .insert(db.conn())
    .await?;
    db.declare([Changed::Inbox(alert.recipient_party_id)]).await;
    Ok(row)
}

/// The contacts logged for these alerts, oldest first, a thousand alerts a statement.
pub async fn of_alerts(db: &impl Read, alert_ids: &[Uuid]) -> Result<Vec<alert_contact::Model>, DbErr> {
    let mut found = Vec::new();
    for chunk in alert_ids.chunks(super::IDS_PER_STATEMENT) {
        found.extend(
            alert_contact::Entity::find()
                .filter(alert_contact::Column::AlertId.is_in(chunk.iter().copied()))
                .order_by_asc(alert_contact::Column::RecordedAt)
                .order_by_asc(alert_contact::Column::Id)
                .all(db.conn())
                .await?,
        );
    }
    Ok(found)
}
