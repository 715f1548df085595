//! The doors in: invitations, one-time codes, sessions and OAuth clients. Each use case keeps
//! its whole change, and its audit lines, in one transaction.

mod codes;
mod credentials;
mod invitations;
mod sessions;
mod setup;

use std::net::IpAddr;

use crate::entity::{party, session};
use chrono::{DateTime, Duration, Utc};
use sea_orm::DbErr;
use uuid::Uuid;

pub use codes::{request_code, send_requested_codes, verify_code};
pub use credentials::{create_credential, issue_client_token, revoke_credential, ClientToken, IssuedCredential};
pub use invitations::{invitation_url, invite, redeem_invitation, IssuedInvitation};
pub use sessions::{end_other_sessions, end_session, session_principal, sign_out};
pub use setup::{
    admin_link, first_start_link, set_up_admin, setup_url, usable_setup_link, NewAdmin, SETUP_VALID_HOURS,
};

use super::WorkflowError;
use crate::{
    auth::{capability_hash, new_capability_token, Purpose},
    domain::{
        sign_in::{client_key, Door, SessionEnd, SessionPolicy, SignInMethod},
        PartyRole,
    },
    state::AppState,
    store::{
        self,
        audit::{AuditEntry, Outcome},
    },
};

/// Who is knocking, as far as the door can tell.
#[derive(Debug, Clone, Default)]
pub struct Client {
    /// The client's address, for the per-client limits.
    pub ip: Option<IpAddr>,
    /// The browser's own description, kept with a session so its owner can tell sessions apart.
    pub user_agent: Option<String>,
}

/// Why a sign-in did not go through.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Too many tries from this client or for this address; try again after this long.
    #[error("too many attempts")]
    TooMany { retry_after: Duration },
    /// The code is wrong, used, expired or locked, or its party cannot sign in: one answer for
    /// all, so that a guesser learns nothing.
    #[error("refused")]
    Refused,
    #[error(transparent)]
    Failed(#[from] WorkflowError),
}

impl From<DbErr> for SignInError {
    fn from(err: DbErr) -> Self {
        SignInError::Failed(err.into())
    }
}

/// A browser just signed in: the session and the cookie's value, which is kept nowhere else.
#[derive(Debug)]
pub struct SignedIn {
    pub session: session::Model,
    pub party: party::Model,
    pub cookie_value: String,
}

/// An audit line about a party that is not the caller's own doing as a signed-in principal.
fn audit_of(party: &party::Model, action: &'static str, resource_id: Option<Uuid>, outcome: Outcome) -> AuditEntry {
    AuditEntry {
        actor: party.id.to_string(),
        actor_role: Some(party.role),
        action,
        person_id: None,
        person_ids: Vec::new(),
        resource_id,
        outcome,
    }
}

/// An audit line about a caller who is nobody yet.
fn audit_anonymous(action: &'static str, resource_id: Option<Uuid>) -> AuditEntry {
    AuditEntry {
        actor: store::audit::ANONYMOUS.to_owned(),
        actor_role: None,
        action,
        person_id: None,
        person_ids: Vec::new(),
        resource_id,
        outcome: Outcome::Denied,
    }
}

/// Counts a knock on a door, or says how long to wait. The bucket is a keyed hash of the door
/// and the key (an address, a client's network, a party), so no address is stored.
pub(crate) async fn knock(
    state: &AppState,
    db: &impl crate::store::Write,
    door: Door,
    key: &str,
    now: DateTime<Utc>,
) -> Result<(), SignInError> {
    let limit = door.limit();
    let counted = store::rate_limits::knock(db, &bucket(state, door, key), limit.window, now).await?;
    match limit.retry_after(counted.count, counted.window_start, now) {
        Some(retry_after) => Err(SignInError::TooMany { retry_after }),
        None => Ok(()),
    }
}

/// Counts one use of a limited door inside a change's transaction, as a workflow error.
pub(crate) async fn limit(
    state: &AppState,
    txn: &impl crate::store::Write,
    door: Door,
    key: &str,
    now: DateTime<Utc>,
) -> Result<(), WorkflowError> {
    match knock(state, txn, door, key, now).await {
        Ok(()) => Ok(()),
        Err(SignInError::TooMany { retry_after }) => {
            Err(WorkflowError::TooMany { why: super::Crowded::Door(door), retry_after })
        }
        Err(SignInError::Refused) => Err(WorkflowError::Internal("a limit refused".into())),
        Err(SignInError::Failed(err)) => Err(err),
    }
}

/// Counts a knock without deciding on it: a mark that a door's check reads later.
pub(crate) async fn mark(
    state: &AppState,
    db: &impl crate::store::Write,
    door: Door,
    key: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    store::rate_limits::knock(db, &bucket(state, door, key), door.limit().window, now).await?;
    Ok(())
}

/// Whether a door would still let one more knock in, without counting one.
pub(crate) async fn door_open(
    state: &AppState,
    db: &impl crate::store::Write,
    door: Door,
    key: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let limit = door.limit();
    let counted = store::rate_limits::count(db, &bucket(state, door, key), limit.window, now).await?;
    Ok(counted.is_none_or(|counted| counted.count < limit.most))
}

fn bucket(state: &AppState, door: Door, key: &str) -> String {
    state.keys.keyed_hash(Purpose::RateBucket, &[door.name().as_bytes(), key.as_bytes()])
}

/// Knocks on a per-client door, when the client's address is known; an IPv6 client counts
/// by its /64.
pub(crate) async fn knock_client(
    state: &AppState,
    db: &impl crate::store::Write,
    door: Door,
    client: &Client,
    now: DateTime<Utc>,
) -> Result<(), SignInError> {
    match client.ip {
        Some(ip) => knock(state, db, door, &client_key(ip), now).await,
        None => Ok(()),
    }
}

/// The most sessions a party keeps at once; signing in again ends the oldest beyond it.
pub const MOST_SESSIONS: usize = 10;

/// Starts a session for a party that may sign in; call it in the sign-in's transaction.
async fn start_session(
    db: &impl crate::store::Write,
    party: &party::Model,
    method: SignInMethod,
    client: &Client,
    now: DateTime<Utc>,
) -> Result<(session::Model, String), SignInError> {
    let role: PartyRole = party.role;
    let policy = SessionPolicy::for_role(role);
    let cookie_value = new_capability_token();
    let new = store::sessions::NewSession {
        token_hash: capability_hash(&cookie_value),
        party_id: party.id,
        signed_in_by: method,
        user_agent: client.user_agent.as_ref().map(|agent| agent.chars().take(200).collect()),
        idle_expires_at: policy.idle_expiry(now, now),
        expires_at: policy.absolute_expiry(now),
    };
    let session = store::sessions::insert(db, new, now).await?;
    store::parties::signed_in(db, party.id, now).await?;
    // Newest first (ids are time-ordered): the ones past the most a party keeps end.
    let older: Vec<Uuid> = store::sessions::live_of_party(db, party.id, now)
        .await?
        .into_iter()
        .skip(MOST_SESSIONS)
        .map(|session| session.id)
        .collect();
    store::sessions::end(db, party.id, &older, SessionEnd::Ended, now).await?;
    let entry = audit_of(party, "session.start", Some(session.id), Outcome::Allowed);
    store::audit::record(db, vec![entry], now).await?;
    Ok((session, cookie_value))
}
