//! What recipients and partners do with delivery: acknowledging an alert, subscribing and
//! removing webhook endpoints.

use entity::{alert, webhook_subscription};
use sea_orm::TransactionTrait;
use uuid::Uuid;

use super::WorkflowError;
use crate::{state::AppState, store};

/// Acknowledges an alert its recipient was shown; twice changes nothing.
pub async fn acknowledge_alert(state: &AppState, alert_id: Uuid) -> Result<alert::Model, WorkflowError> {
    let txn = state.db.begin().await?;
    let row = store::alerts::find(&txn, alert_id).await?.ok_or(WorkflowError::NotFound)?;
    let row = store::alerts::acknowledge(&txn, row, state.clock.now()).await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn subscribe_webhook(
    state: &AppState,
    organization_id: Uuid,
    url: &str,
    events: &[String],
    secret: &str,
) -> Result<webhook_subscription::Model, WorkflowError> {
    let now = state.clock.now();
    Ok(store::webhooks::insert_subscription(&state.db, organization_id, url, events, secret, now).await?)
}

/// Removes an endpoint with its pending messages and their attempts, together.
pub async fn delete_webhook(state: &AppState, id: Uuid) -> Result<(), WorkflowError> {
    let txn = state.db.begin().await?;
    store::webhooks::delete_subscription(&txn, id).await?;
    txn.commit().await?;
    Ok(())
}
