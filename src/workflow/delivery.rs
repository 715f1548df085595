//! What recipients and partners do with delivery: acknowledging an alert, subscribing and
//! removing webhook endpoints.

use crate::entity::{alert, alert_contact, webhook_subscription};
use uuid::Uuid;

use super::WorkflowError;
use crate::{
    domain::{
        rota::AcknowledgedVia,
        team::{ContactOutcome, Snooze},
        Note,
    },
    state::AppState,
    store,
};

/// Acknowledges an alert its recipient was shown — for a team alert, for the whole team, naming
/// who did (`by`); twice changes nothing.
pub async fn acknowledge_alert(
    state: &AppState,
    alert_id: Uuid,
    by: Option<Uuid>,
    via: AcknowledgedVia,
) -> Result<alert::Model, WorkflowError> {
    let txn = state.db.begin().await?;
    let row = store::alerts::find(&txn, alert_id).await?.ok_or(WorkflowError::NotFound)?;
    let row = store::inbox::acknowledge(&txn, row, by, via, state.clock.now()).await?;
    txn.commit().await?;
    Ok(row)
}

/// Hides a team alert from the team's default list until the snooze's day. Escalation does
/// not look at snoozes: a critical alert left unacknowledged still reaches the team again.
pub async fn snooze_alert(state: &AppState, alert_id: Uuid, snooze: Snooze) -> Result<alert::Model, WorkflowError> {
    let txn = state.db.begin().await?;
    let row = store::alerts::find(&txn, alert_id).await?.ok_or(WorkflowError::NotFound)?;
    let row = store::inbox::snooze(&txn, row, snooze.until, snooze.reason.into_inner(), state.clock.now()).await?;
    txn.commit().await?;
    Ok(row)
}

/// Brings a snoozed alert back into the team inbox before its day.
pub async fn wake_alert(state: &AppState, alert_id: Uuid) -> Result<alert::Model, WorkflowError> {
    let txn = state.db.begin().await?;
    let row = store::alerts::find(&txn, alert_id).await?.ok_or(WorkflowError::NotFound)?;
    let row = store::inbox::wake(&txn, row, state.clock.now()).await?;
    txn.commit().await?;
    Ok(row)
}

/// Logs what staff did about an alert.
pub async fn log_contact(
    state: &AppState,
    alert_id: Uuid,
    outcome: ContactOutcome,
    note: Option<Note>,
    recorded_by: String,
) -> Result<alert_contact::Model, WorkflowError> {
    let txn = state.db.begin().await?;
    let alert = store::alerts::find(&txn, alert_id).await?.ok_or(WorkflowError::NotFound)?;
    let note = note.map(Note::into_inner);
    let contact = store::contacts::insert(&txn, &alert, outcome, note, recorded_by, state.clock.now()).await?;
    txn.commit().await?;
    Ok(contact)
}

/// Subscribes an endpoint with a new signing secret: the secret is answered once (and kept,
/// to sign with).
pub async fn subscribe_webhook(
    state: &AppState,
    organization_id: Uuid,
    url: &str,
    events: &[String],
) -> Result<(webhook_subscription::Model, String), WorkflowError> {
    let now = state.clock.now();
    let mut key = [0u8; 24];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut key);
    let secret = crate::domain::webhooks::secret_from_bytes(&key);
    let row = store::webhooks::insert_subscription(&state.db, organization_id, url, events, &secret, now).await?;
    Ok((row, secret))
}

/// Removes an endpoint with its pending messages and their attempts, together.
pub async fn delete_webhook(state: &AppState, id: Uuid) -> Result<(), WorkflowError> {
    let txn = state.db.begin().await?;
    store::webhooks::delete_subscription(&txn, id).await?;
    txn.commit().await?;
    Ok(())
}
