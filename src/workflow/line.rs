//! LINE: what the account's webhook events do, and account linking. Each event is acted on
//! once (its id remembered in the transaction that acts); what to say back is returned and sent
//! after the commit, since a reply is a call to LINE. A LINE user is tied to a party only by a
//! nonce made for that party while signed in, for the LINE user whose link token it carries.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::WorkflowError;
use crate::{
    auth::{capability_hash, new_capability_token},
    domain::{
        channels::{
            line::{Asked, Delivery, Keyword},
            Channel, ContactAddress, ContactStatus,
        },
        Language, PartyRole,
    },
    entity::{contact_point, party},
    outbox::line::{replies, Said},
    state::AppState,
    store::{self, contact_points::NewContactPoint, outbox::Subject, Write},
};

/// How long a link token LINE issues lasts, and a nonce of ours with it.
const LINK_LASTS: Duration = Duration::minutes(10);

/// What to do after the events are stored: answer a reply token, or first ask LINE for a link
/// token for a user who is not linked yet and answer with the link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Reply { reply_token: String, text: String },
    SendLink { reply_token: String, user_id: String },
}

/// Acts on a webhook delivery whose signature was checked. An event seen before (by its
/// `webhookEventId`) does nothing again.
pub async fn received(state: &AppState, delivery: Delivery) -> Result<Vec<Answer>, WorkflowError> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let mut answers = Vec::new();
    for event in &delivery.events {
        if let Some(id) = &event.webhook_event_id {
            if !store::callbacks::first_time(&txn, &format!("line:{id}"), now).await? {
                continue;
            }
        } else if event.is_redelivery() {
            // Again, and with nothing to know it by: doing nothing is the safe side.
            continue;
        }
        answers.extend(act(state, &txn, event.asked(), now).await?);
    }
    txn.commit().await?;
    Ok(answers)
}

/// The LINE contact points of a user, whoever's they are.
async fn of_user(db: &impl Write, user_id: &str) -> Result<Vec<contact_point::Model>, WorkflowError> {
    match ContactAddress::line_user(user_id) {
        Ok(address) => Ok(store::contact_points::with_address(db, &address).await?),
        Err(_) => Ok(Vec::new()),
    }
}

async fn act(
    state: &AppState,
    db: &impl Write,
    asked: Asked,
    now: DateTime<Utc>,
) -> Result<Vec<Answer>, WorkflowError> {
    let answer = |reply_token: Option<String>, text: String| {
        reply_token.map(|reply_token| Answer::Reply { reply_token, text }).into_iter().collect::<Vec<_>>()
    };
    match asked {
        Asked::Nothing => Ok(Vec::new()),
        Asked::Unfollowed { user_id } => {
            let ids: Vec<Uuid> = of_user(db, &user_id).await?.iter().map(|contact| contact.id).collect();
            store::contact_points::set_status(db, &ids, ContactStatus::OptedOut, now).await?;
            Ok(Vec::new())
        }
        Asked::Followed { user_id, reply_token } => {
            let contacts = of_user(db, &user_id).await?;
            let Some(contact) = contacts.first() else { return Ok(the_way_to_link(reply_token, user_id)) };
            // Unblocking the account is asking to hear from it again.
            let ids: Vec<Uuid> = contacts.iter().map(|contact| contact.id).collect();
            store::contact_points::set_status(db, &ids, ContactStatus::Confirmed, now).await?;
            let language = language_of(db, contact.party_id).await?;
            Ok(answer(reply_token, replies(Said::Welcome, language, None)))
        }
        Asked::Linked { user_id, nonce } => {
            let Some(party_id) = store::line::take_nonce(db, &capability_hash(&nonce), &user_id, now).await? else {
                return Ok(Vec::new());
            };
            link(state, db, party_id, &user_id, now).await?;
            Ok(Vec::new())
        }
        Asked::Said { user_id, reply_token, keyword } => {
            let contacts = of_user(db, &user_id).await?;
            // Not linked: whatever they said, the way to link.
            let Some(contact) = contacts.first() else { return Ok(the_way_to_link(reply_token, user_id)) };
            let language = language_of(db, contact.party_id).await?;
            let ids: Vec<Uuid> = contacts.iter().map(|contact| contact.id).collect();
            let said = match keyword {
                Keyword::Stop => {
                    store::contact_points::set_status(db, &ids, ContactStatus::OptedOut, now).await?;
                    replies(Said::Stopped, language, None)
                }
                Keyword::Start => {
                    store::contact_points::set_status(db, &ids, ContactStatus::Confirmed, now).await?;
                    replies(Said::Started, language, None)
                }
                Keyword::Help => replies(Said::Help, language, helpline(state, db, contact.party_id).await?),
                // Only the person's own account asks for a call; from anyone else it is not read.
                Keyword::Talk => match person_of(db, contact.party_id).await? {
                    Some(person_id) => {
                        super::follow_up::talk_in(db, person_id, now).await?;
                        replies(Said::TalkSent, language, None)
                    }
                    None => replies(Said::NotRead, language, helpline(state, db, contact.party_id).await?),
                },
                Keyword::Other => replies(Said::NotRead, language, helpline(state, db, contact.party_id).await?),
            };
            Ok(answer(reply_token, said))
        }
    }
}

/// The answer to a user not linked yet: a link to link their account (their language is not
/// known yet; the words are in both).
fn the_way_to_link(reply_token: Option<String>, user_id: String) -> Vec<Answer> {
    reply_token.map(|reply_token| Answer::SendLink { reply_token, user_id }).into_iter().collect()
}

/// The person a party's account is, if it is a person's own.
async fn person_of(db: &impl Write, party_id: Uuid) -> Result<Option<Uuid>, WorkflowError> {
    let party = store::parties::find(db, party_id).await?;
    Ok(party.filter(|party| party.role == PartyRole::Person && party.disabled_at.is_none()).and_then(|p| p.person_id))
}

async fn language_of(db: &impl Write, party_id: Uuid) -> Result<Language, WorkflowError> {
    Ok(store::parties::find(db, party_id).await?.map_or(Language::Ja, |party| party.language))
}

/// Whom a party calls: a staff member, their own organisation; anyone else, the facility where
/// a person they are linked to is placed. Its name and phone.
async fn helpline(
    state: &AppState,
    db: &impl Write,
    party_id: Uuid,
) -> Result<Option<(String, String)>, WorkflowError> {
    let Some(party) = store::parties::find(db, party_id).await? else { return Ok(None) };
    let mut organizations = Vec::new();
    if party.role == PartyRole::Staff {
        organizations.extend(party.organization_id);
    } else {
        let now = state.clock.now();
        let mut persons: Vec<Uuid> =
            store::links::links_of_party(db, party.id, now).await?.iter().map(|link| link.person_id).collect();
        persons.extend(party.person_id);
        for person_id in persons {
            organizations.extend(store::placements::current_organizations(db, person_id, now).await?);
        }
    }
    for id in organizations {
        if let Some(organization) = store::organizations::find(db, id).await? {
            if let Some(phone) = organization.phone {
                return Ok(Some((organization.name, crate::domain::organization::phone_for_people(&phone))));
            }
        }
    }
    Ok(None)
}

/// Ties `user_id` to `party_id`: their LINE address, confirmed (linking is the confirmation);
/// a LINE user is one party's, so any other party's tie to it goes; the party's other addresses
/// are told a new way to reach them was added.
async fn link(
    state: &AppState,
    db: &impl Write,
    party_id: Uuid,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<(), WorkflowError> {
    let Ok(address) = ContactAddress::line_user(user_id) else { return Ok(()) };
    let Some(party) = store::parties::find(db, party_id).await? else { return Ok(()) };
    let mut kept = None;
    for contact in store::contact_points::with_address(db, &address).await? {
        if contact.party_id == party.id {
            kept = Some(contact.id);
        } else {
            store::outbox::drop_pending_of_target(db, contact.id).await?;
            store::contact_points::delete(db, contact.id).await?;
        }
    }
    let id = match kept {
        Some(id) => id,
        None => {
            let id = store::new_id();
            let new = NewContactPoint {
                id,
                party_id: party.id,
                address: &address,
                // Never sent: a LINE address is confirmed by linking, not by a link.
                confirm_token_hash: capability_hash(&new_capability_token()),
                unsubscribe_token_hash: capability_hash(&state.keys.unsubscribe_token(id)),
            };
            store::contact_points::insert(db, new, now).await?.id
        }
    };
    store::contact_points::set_status(db, &[id], ContactStatus::Confirmed, now).await?;
    let notices = super::contact_points::door_notices(state, db, &party, Some(id), Subject::ContactPoint(id)).await?;
    store::outbox::enqueue(db, notices, now).await?;
    Ok(())
}

/// Remembers a link token LINE issued for `user_id`, so that a nonce made with it can only tie
/// that user.
pub async fn issued_link_token(state: &AppState, link_token: &str, user_id: &str) -> Result<(), WorkflowError> {
    let expires_at = state.clock.now() + LINK_LASTS;
    Ok(store::line::remember_link_token(&state.db, capability_hash(link_token), user_id, expires_at).await?)
}

/// Whether a link token is one LINE issued to a user still waiting to link.
pub async fn link_token_in_force(state: &AppState, link_token: &str) -> Result<bool, WorkflowError> {
    Ok(store::line::link_token_user(&state.reads, &capability_hash(link_token), state.clock.now()).await?.is_some())
}

/// A single-use nonce for `party` (signed in) to finish linking the LINE user `link_token` was
/// issued to; `None` when the token is unknown or has expired.
pub async fn nonce_for(
    state: &AppState,
    party: &party::Model,
    link_token: &str,
) -> Result<Option<String>, WorkflowError> {
    let now = state.clock.now();
    let Some(user_id) = store::line::link_token_user(&state.db, &capability_hash(link_token), now).await? else {
        return Ok(None);
    };
    let nonce = new_capability_token();
    store::line::insert_nonce(&state.db, capability_hash(&nonce), party.id, &user_id, now + LINK_LASTS).await?;
    Ok(Some(nonce))
}

/// Forgets link tokens and nonces a day after they ended: kept no longer than they can matter.
pub async fn forget_spent(state: &AppState) -> Result<(), WorkflowError> {
    Ok(store::line::forget_before(&state.db, state.clock.now() - Duration::days(1)).await?)
}

/// Whether a party can be reached on LINE now: a linked account that takes alerts.
pub fn reachable(contacts: &[contact_point::Model]) -> bool {
    contacts.iter().any(|contact| contact.channel == Channel::Line && contact.status.receives_alerts())
}
