//! A party's addresses: adding one (with its confirmation, in one transaction), removing one,
//! confirming, unsubscribing, and what texts sent back and the gateway's receipts change.

use entity::{contact_point, party};
use uuid::Uuid;

use super::WorkflowError;
use crate::{
    auth::{capability_hash, new_capability_token},
    domain::channels::{sms::Keyword, Channel, ContactAddress, ContactStatus, Preferences},
    state::AppState,
    store::{self, contact_points::NewContactPoint, outbox::SMS},
};

/// Adds an address and writes its confirmation message; nothing else goes to it until the
/// owner confirms.
pub async fn add_contact_point(
    state: &AppState,
    party: &party::Model,
    address: ContactAddress,
) -> Result<contact_point::Model, WorkflowError> {
    if !state.reach.offers(address.channel()) {
        let channel = match address.channel() {
            Channel::Email => "E-mail",
            Channel::Sms => "SMS",
        };
        return Err(WorkflowError::Conflict(format!("{channel} is not configured on this service.")));
    }
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    if store::contact_points::find_by_address(&txn, party.id, &address).await?.is_some() {
        return Err(WorkflowError::Conflict("This party already has that address.".into()));
    }
    let token = new_capability_token();
    let new = NewContactPoint {
        party_id: party.id,
        address: &address,
        confirm_token_hash: capability_hash(&token),
        unsubscribe_token: new_capability_token(),
    };
    let row = store::contact_points::insert(&txn, new, now).await?;
    let confirmation = crate::outbox::confirmation(&state.reach, party, &row, &token);
    store::outbox::enqueue(&txn, vec![confirmation], now).await?;
    txn.commit().await?;
    Ok(row)
}

/// Removes an address and what has not yet gone to it.
pub async fn remove_contact_point(state: &AppState, contact: &contact_point::Model) -> Result<(), WorkflowError> {
    let txn = state.db.begin().await?;
    store::outbox::drop_pending_of_target(&txn, contact.id).await?;
    store::contact_points::delete(&txn, contact.id).await?;
    txn.commit().await?;
    Ok(())
}

/// The address a confirmation link names, if the link is still good.
pub async fn pending_confirmation(
    state: &AppState,
    token: &str,
) -> Result<Option<contact_point::Model>, WorkflowError> {
    Ok(store::contact_points::find_by_confirm_token(&state.db, &capability_hash(token))
        .await?
        .filter(|contact| contact.status == ContactStatus::Unconfirmed.as_str()))
}

/// Confirms the address the link names; `None` when the link is unknown or spent.
pub async fn confirm_contact_point(
    state: &AppState,
    token: &str,
) -> Result<Option<contact_point::Model>, WorkflowError> {
    let Some(contact) = pending_confirmation(state, token).await? else { return Ok(None) };
    store::contact_points::set_status(&state.db, &[contact.id], ContactStatus::Confirmed, state.clock.now()).await?;
    Ok(store::contact_points::find(&state.db, contact.id).await?)
}

/// Stops e-mail to the address the one-click link names; `None` when the link is unknown.
/// Doing it twice changes nothing.
pub async fn unsubscribe(state: &AppState, token: &str) -> Result<Option<contact_point::Model>, WorkflowError> {
    let Some(contact) = store::contact_points::find_by_unsubscribe_token(&state.db, token).await? else {
        return Ok(None);
    };
    let txn = state.db.begin().await?;
    store::contact_points::set_status(&txn, &[contact.id], ContactStatus::Unsubscribed, state.clock.now()).await?;
    store::outbox::drop_pending_of_target(&txn, contact.id).await?;
    txn.commit().await?;
    Ok(Some(contact))
}

/// What a text to our number asks: STOP opts that number out everywhere it is kept (and only
/// that number), START brings back the addresses it stopped. Returns the parties whose
/// address it was, for HELP's answer.
pub async fn text_received(
    state: &AppState,
    from: &str,
    keyword: Keyword,
) -> Result<Vec<contact_point::Model>, WorkflowError> {
    let Ok(number) = ContactAddress::parse(Channel::Sms, from) else { return Ok(Vec::new()) };
    let contacts = store::contact_points::with_number(&state.db, number.as_str()).await?;
    let now = state.clock.now();
    match keyword {
        Keyword::Stop => {
            let ids: Vec<Uuid> = contacts.iter().map(|contact| contact.id).collect();
            let txn = state.db.begin().await?;
            store::contact_points::set_status(&txn, &ids, ContactStatus::OptedOut, now).await?;
            for id in &ids {
                store::outbox::drop_pending_of_target(&txn, *id).await?;
            }
            txn.commit().await?;
        }
        Keyword::Start => {
            // Only what STOP stopped comes back: an unconfirmed number stays unconfirmed.
            let ids: Vec<Uuid> = contacts
                .iter()
                .filter(|contact| contact.status == ContactStatus::OptedOut.as_str() && contact.confirmed_at.is_some())
                .map(|contact| contact.id)
                .collect();
            store::contact_points::set_status(&state.db, &ids, ContactStatus::Confirmed, now).await?;
        }
        Keyword::Help | Keyword::Other => {}
    }
    Ok(contacts)
}

/// Keeps the gateway's word on a text it accepted. An undelivered or failed critical alert
/// that reached its recipient on no other channel goes to the facility team.
pub async fn receipt_received(
    state: &AppState,
    provider_id: &str,
    status: &'static str,
    error_code: Option<String>,
) -> Result<bool, WorkflowError> {
    let Some(message) = store::outbox::find_by_provider_id(&state.db, SMS, provider_id).await? else {
        return Ok(false);
    };
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    store::outbox::set_receipt(&txn, message.id, status, error_code.clone(), now).await?;
    if error_code.as_deref().and_then(|code| code.parse::<i64>().ok()) == Some(crate::outbox::GATEWAY_OPTED_OUT) {
        store::contact_points::set_status(&txn, &[message.target_id], ContactStatus::OptedOut, now).await?;
    }
    if matches!(status, "undelivered" | "failed") {
        crate::outbox::escalate_if_unreached(&txn, message.alert_id, now).await?;
    }
    txn.commit().await?;
    Ok(true)
}

pub async fn set_preferences(
    state: &AppState,
    party: party::Model,
    preferences: Preferences,
) -> Result<party::Model, WorkflowError> {
    Ok(store::parties::set_preferences(&state.db, party, preferences, state.clock.now()).await?)
}
