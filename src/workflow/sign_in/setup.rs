//! Setting up an admin by a one-time link: the first start prints one while the service has
//! no admin, and `tsunagu invite --role admin` prints one at any time (for a lost admin). The
//! link's holder names the admin, gives an address and is signed in, all in one transaction.

use crate::entity::setup_link;
use chrono::Duration;

use super::{audit_anonymous, audit_of, knock_client, start_session, Client, SignInError, SignedIn};
use crate::{
    auth::{capability_hash, new_capability_token},
    domain::{
        channels::ContactAddress,
        sign_in::{Door, SignInMethod},
        DisplayName, Language, PartyRole, Zone,
    },
    state::AppState,
    store::{self, audit::Outcome, contact_points::NewContactPoint, new_id, parties::NewParty},
    workflow::WorkflowError,
};

/// How long a set-up link may wait to be opened.
pub const SETUP_VALID_HOURS: i64 = 24;

/// The page a set-up link opens.
pub fn setup_url(base_url: &str, token: &str) -> String {
    format!("{}/setup/{token}", base_url.trim_end_matches('/'))
}

/// On a service with no admin, a new set-up link (any earlier one of a first start stops
/// working); `None` once an admin exists.
pub async fn first_start_link(state: &AppState, base_url: &str) -> Result<Option<String>, WorkflowError> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    if store::parties::any_admin(&txn).await? {
        return Ok(None);
    }
    store::sign_in::end_first_start_links(&txn, now).await?;
    let url = issue(&txn, base_url, None, true, now).await?;
    txn.commit().await?;
    Ok(Some(url))
}

/// A set-up link for another admin, with `name` filled in on its page. It needs only the
/// database, so that the command line can make one while the service runs.
pub async fn admin_link(
    db: &crate::store::Writer,
    now: chrono::DateTime<chrono::Utc>,
    base_url: &str,
    name: DisplayName,
) -> Result<String, WorkflowError> {
    let txn = db.begin().await?;
    let url = issue(&txn, base_url, Some(name.into_inner()), false, now).await?;
    txn.commit().await?;
    Ok(url)
}

async fn issue(
    txn: &impl crate::store::Write,
    base_url: &str,
    name: Option<String>,
    first_start: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, WorkflowError> {
    let token = new_capability_token();
    let new = store::sign_in::NewSetupLink {
        id: new_id(),
        code_hash: capability_hash(&token),
        name,
        first_start,
        expires_at: now + Duration::hours(SETUP_VALID_HOURS),
    };
    store::sign_in::insert_setup_link(txn, new, now).await?;
    Ok(setup_url(base_url, &token))
}

/// The link a token names, if it may still be used: unused, unexpired, and (for a first
/// start's) while there is no admin.
pub async fn usable_setup_link(state: &AppState, token: &str) -> Result<Option<setup_link::Model>, WorkflowError> {
    let now = state.clock.now();
    let Some(link) = store::sign_in::setup_link_by_code(&state.db, &capability_hash(token)).await? else {
        return Ok(None);
    };
    if link.used_at.is_some() || link.expires_at <= now {
        return Ok(None);
    }
    if link.first_start && store::parties::any_admin(&state.db).await? {
        return Ok(None);
    }
    Ok(Some(link))
}

/// Who the set-up link makes an admin.
pub struct NewAdmin {
    pub display_name: DisplayName,
    pub language: Language,
    pub address: ContactAddress,
}

/// Spends the link, makes the admin with their address (a confirmation goes to it when the
/// service sends on its channel; until then it waits, unconfirmed) and signs them in.
pub async fn set_up_admin(
    state: &AppState,
    token: &str,
    admin: NewAdmin,
    client: &Client,
) -> Result<SignedIn, SignInError> {
    let now = state.clock.now();
    knock_client(state, &state.db, Door::InvitationFromClient, client, now).await?;
    let Some(link) = usable_setup_link(state, token).await? else {
        state.audit.record(vec![audit_anonymous("setup.redeem", None)], now).await?;
        return Err(SignInError::Refused);
    };
    let txn = state.db.begin().await?;
    // Two set-up pages sent at once: one admin, the other refused.
    if !store::sign_in::spend_setup_link(&txn, link.id, now).await?
        || (link.first_start && store::parties::any_admin(&txn).await?)
    {
        drop(txn);
        state.audit.record(vec![audit_anonymous("setup.redeem", Some(link.id))], now).await?;
        return Err(SignInError::Refused);
    }
    let new = NewParty {
        role: PartyRole::Admin,
        display_name: admin.display_name,
        organization_id: None,
        language: admin.language,
        zone: Zone::default(),
        quiet_hours: None,
        person_id: None,
        opened_by_organization_id: None,
    };
    let party = store::parties::insert(&txn, new, now).await?;
    let token = new_capability_token();
    let id = new_id();
    let contact = NewContactPoint {
        id,
        party_id: party.id,
        address: &admin.address,
        confirm_token_hash: capability_hash(&token),
        unsubscribe_token_hash: capability_hash(&state.keys.unsubscribe_token(id)),
    };
    let contact = store::contact_points::insert(&txn, contact, now).await?;
    if state.outbox.reach.offers(admin.address.channel()) {
        let message = crate::outbox::confirmation(&state.outbox.reach, &party, &contact, &token);
        store::outbox::enqueue(&txn, vec![message], now).await?;
    }
    store::audit::record(&txn, vec![audit_of(&party, "setup.redeem", Some(link.id), Outcome::Allowed)], now).await?;
    let (session, cookie_value) = start_session(&txn, &party, SignInMethod::Setup, client, now).await?;
    txn.commit().await?;
    Ok(SignedIn { session, party, cookie_value })
}
