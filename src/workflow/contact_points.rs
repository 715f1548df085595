//! A party's addresses: adding one (with its confirmation, in one transaction), removing one,
//! confirming, unsubscribing, and what texts sent back and the gateway's receipts change.

use crate::entity::{contact_point, party};
use uuid::Uuid;

use super::sign_in::{door_open, limit};
use super::WorkflowError;
use crate::{
    auth::{capability_hash, new_capability_token},
    domain::{
        channels::{ContactAddress, ContactStatus, Preferences},
        sign_in::Door,
    },
    state::AppState,
    store::outbox::Subject,
    store::{self, contact_points::NewContactPoint},
};

/// Adds an address and writes its confirmation message; nothing else goes to it until the
/// owner confirms. Confirmations are limited per party and per address (so no one can make the
/// service mail or text strangers), an address removed unconfirmed cannot come back for a day,
/// and a party that has signed in before hears of a new way in on the addresses it has.
/// An address its owner unsubscribed is asked to confirm again rather than refused.
pub async fn add_contact_point(
    state: &AppState,
    party: &party::Model,
    address: ContactAddress,
) -> Result<contact_point::Model, WorkflowError> {
    if !state.outbox.reach.offers(address.channel()) {
        let channel = address.channel().as_str();
        return Err(WorkflowError::Conflict(super::Clash::ChannelNotOffered { channel }));
    }
    let now = state.clock.now();
    let folded = address.as_str().to_lowercase();
    if !door_open(state, &state.db, Door::UnconfirmedRemoved, &folded, now).await? {
        return Err(WorkflowError::Conflict(super::Clash::AddressRecentlyRemoved));
    }
    let txn = state.db.begin().await?;
    let existing = store::contact_points::find_by_address(&txn, party.id, &address).await?;
    let unsubscribed = existing.as_ref().filter(|row| row.status == ContactStatus::Unsubscribed);
    if existing.is_some() && unsubscribed.is_none() {
        return Err(WorkflowError::Conflict(super::Clash::AddressAlreadyHeld));
    }
    limit(state, &txn, Door::ConfirmationForParty, &party.id.to_string(), now).await?;
    limit(state, &txn, Door::ConfirmationToAddress, &folded, now).await?;
    let token = new_capability_token();
    let row = match unsubscribed {
        Some(row) => {
            store::contact_points::renew_confirmation(&txn, row.id, capability_hash(&token), now).await?;
            row.clone()
        }
        None => {
            let id = store::new_id();
            let new = NewContactPoint {
                id,
                party_id: party.id,
                address: &address,
                confirm_token_hash: capability_hash(&token),
                unsubscribe_token_hash: capability_hash(&state.keys.unsubscribe_token(id)),
            };
            store::contact_points::insert(&txn, new, now).await?
        }
    };
    let mut messages = vec![crate::outbox::confirmation(&state.outbox.reach, party, &row, &token)];
    messages.extend(door_notices(state, &txn, party, Some(row.id), Subject::ContactPoint(row.id)).await?);
    store::outbox::enqueue(&txn, messages, now).await?;
    txn.commit().await?;
    Ok(row)
}

/// Sends an address its confirmation again (a new link; the old one stops working), within
/// the same daily limit per address as when it was added. Only an address waiting for its
/// owner's confirmation (or unsubscribed by them) is sent one.
pub async fn resend_confirmation(
    state: &AppState,
    party: &party::Model,
    contact: &contact_point::Model,
) -> Result<(), WorkflowError> {
    let waiting = [ContactStatus::Unconfirmed.as_str(), ContactStatus::Unsubscribed.as_str()];
    if !waiting.contains(&contact.status.as_str()) {
        return Err(WorkflowError::Conflict(super::Clash::AddressNotWaiting));
    }
    let channel = contact.channel;
    if !state.outbox.reach.offers(channel) {
        return Err(WorkflowError::Conflict(super::Clash::ChannelNotOffered { channel: channel.as_str() }));
    }
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    limit(state, &txn, Door::ConfirmationToAddress, &contact.address.to_lowercase(), now).await?;
    let token = new_capability_token();
    store::contact_points::renew_confirmation(&txn, contact.id, capability_hash(&token), now).await?;
    let message = crate::outbox::confirmation(&state.outbox.reach, party, contact, &token);
    store::outbox::enqueue(&txn, vec![message], now).await?;
    txn.commit().await?;
    Ok(())
}

/// The notices that a new way in was made, for a party that has signed in before: one to each
/// address it confirmed (but `except`, the new one). Written in the change's transaction.
pub(crate) async fn door_notices(
    state: &AppState,
    txn: &impl crate::store::Write,
    party: &party::Model,
    except: Option<Uuid>,
    door: Subject,
) -> Result<Vec<store::outbox::NewMessage>, WorkflowError> {
    if party.first_signed_in_at.is_none() {
        return Ok(Vec::new());
    }
    Ok(store::contact_points::of_party(txn, party.id)
        .await?
        .into_iter()
        .filter(|contact| Some(contact.id) != except)
        .filter(|contact| contact.status.is_sign_in_door())
        .filter(|contact| state.outbox.reach.offers(contact.channel))
        .map(|contact| crate::outbox::door_added(&state.outbox.reach, party, &contact, door))
        .collect())
}

/// Removes an address and what has not yet gone to it. An address removed before it was
/// confirmed cannot be added again for a day, so adding and removing cannot make the service
/// write to strangers over and over.
pub async fn remove_contact_point(state: &AppState, contact: &contact_point::Model) -> Result<(), WorkflowError> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    store::outbox::drop_pending_of_target(&txn, contact.id).await?;
    store::contact_points::delete(&txn, contact.id).await?;
    if contact.status == ContactStatus::Unconfirmed {
        let folded = contact.address.to_lowercase();
        super::sign_in::mark(state, &txn, Door::UnconfirmedRemoved, &folded, now).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The address a confirmation link names, if the link is still good.
pub async fn pending_confirmation(
    state: &AppState,
    token: &str,
) -> Result<Option<contact_point::Model>, WorkflowError> {
    Ok(store::contact_points::find_by_confirm_token(&state.db, &capability_hash(token)).await?.filter(|contact| {
        contact.status == ContactStatus::Unconfirmed || contact.status == ContactStatus::Unsubscribed
    }))
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

/// The address a one-click link names: a token made from the address's id, or (for links sent
/// before tokens were made so) one whose hash is kept.
pub async fn contact_by_unsubscribe_token(
    state: &AppState,
    token: &str,
) -> Result<Option<contact_point::Model>, WorkflowError> {
    Ok(match state.keys.unsubscribe_contact(token) {
        Some(id) => store::contact_points::find(&state.db, id).await?,
        None => store::contact_points::find_by_unsubscribe_hash(&state.db, &capability_hash(token)).await?,
    })
}

/// Stops alert e-mail to the address the one-click link names; `None` when the link is
/// unknown. The address stays a way to sign in. Doing it twice changes nothing.
pub async fn unsubscribe(state: &AppState, token: &str) -> Result<Option<contact_point::Model>, WorkflowError> {
    let Some(contact) = contact_by_unsubscribe_token(state, token).await? else {
        return Ok(None);
    };
    let txn = state.db.begin().await?;
    store::contact_points::set_status(&txn, &[contact.id], ContactStatus::Unsubscribed, state.clock.now()).await?;
    store::outbox::drop_pending_of_target(&txn, contact.id).await?;
    txn.commit().await?;
    Ok(Some(contact))
}

pub async fn set_preferences(
    state: &AppState,
    party: party::Model,
    preferences: Preferences,
) -> Result<party::Model, WorkflowError> {
    Ok(store::parties::set_preferences(&state.db, party, preferences, state.clock.now()).await?)
}
