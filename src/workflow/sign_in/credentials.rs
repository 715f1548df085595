//! OAuth 2.0 clients of parties (a probation office's system) and the client-credentials grant.

use chrono::Duration;
use entity::{client_credential, party};
use uuid::Uuid;

use super::{audit_anonymous, audit_of, knock_client, Client, SignInError};
use crate::{
    auth::{client_secret_matches, decoy_hash, hash_client_secret, new_client_id, new_client_secret, Claims},
    domain::{sign_in::Door, PartyRole},
    state::AppState,
    store::{self, audit::Outcome, parse_stored},
    workflow::WorkflowError,
};

/// How long a token issued to a client lasts.
pub const CLIENT_TOKEN_LIFETIME: Duration = Duration::hours(1);

/// A new credential and its secret, which is shown this once and kept only as a hash.
#[derive(Debug)]
pub struct IssuedCredential {
    pub credential: client_credential::Model,
    pub client_secret: String,
}

pub struct ClientToken {
    pub access_token: String,
    pub expires_in: i64,
}

/// Runs an Argon2 computation off the runtime (it is deliberately slow and must not hold up
/// the requests sharing a thread), at most `CONCURRENT_HASHES` at once: each holds about
/// 19 MiB, so a flood waits in line instead of growing memory without bound.
async fn bounded_hash<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, WorkflowError> {
    let _permit = state
        .hashing
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| WorkflowError::Internal("the hashing pool is closed".into()))?;
    tokio::task::spawn_blocking(work).await.map_err(|_| WorkflowError::Internal("hashing was cancelled".into()))
}

async fn hash_off_the_runtime(state: &AppState, secret: String) -> Result<String, WorkflowError> {
    bounded_hash(state, move || hash_client_secret(&secret))
        .await?
        .map_err(|err| WorkflowError::Internal(err.to_string()))
}

/// Gives a party a client id and secret for the client-credentials grant.
pub async fn create_credential(
    state: &AppState,
    party: &party::Model,
    created_by: String,
) -> Result<IssuedCredential, WorkflowError> {
    let role: PartyRole = parse_stored("role", party.id, &party.role)?;
    if matches!(role, PartyRole::Family | PartyRole::Person) {
        return Err(WorkflowError::Conflict(
            "Client credentials are for systems; a family member or the person signs in with an invitation or a code."
                .into(),
        ));
    }
    if party.disabled_at.is_some() {
        return Err(WorkflowError::Conflict("This party is disabled; enable it first.".into()));
    }
    let client_secret = new_client_secret();
    let secret_hash = hash_off_the_runtime(state, client_secret.clone()).await?;
    let new =
        store::credentials::NewCredential { party_id: party.id, client_id: new_client_id(), secret_hash, created_by };
    let credential = store::credentials::insert(&state.db, new, state.clock.now()).await?;
    Ok(IssuedCredential { credential, client_secret })
}

/// Revokes one of a party's credentials; its tokens are refused from the next request on.
pub async fn revoke_credential(state: &AppState, party: &party::Model, id: Uuid) -> Result<(), WorkflowError> {
    match store::credentials::revoke(&state.db, party.id, Some(id), state.clock.now()).await? {
        0 => Err(WorkflowError::NotFound),
        _ => Ok(()),
    }
}

/// The client-credentials grant: a client that proves its secret gets a short-lived token as
/// its party. An unknown client id takes as long to refuse as a wrong secret.
pub async fn issue_client_token(
    state: &AppState,
    client_id: &str,
    secret: &str,
    client: &Client,
) -> Result<ClientToken, SignInError> {
    let now = state.clock.now();
    // Counted before any hashing: a flood costs a row update, not 19 MiB of Argon2.
    knock_client(state, &state.db, Door::TokenFromClient, client, now).await?;
    let credential = store::credentials::by_client_id(&state.db, client_id).await?;
    let phc = credential.as_ref().map_or_else(|| decoy_hash().to_owned(), |credential| credential.secret_hash.clone());
    let offered = secret.to_owned();
    let matches = bounded_hash(state, move || client_secret_matches(&offered, &phc)).await?;
    let party = match &credential {
        Some(credential) => store::parties::find(&state.db, credential.party_id).await?,
        None => None,
    };
    let (credential, party) = match (credential, party) {
        (Some(credential), Some(party))
            if matches && credential.revoked_at.is_none() && party.disabled_at.is_none() =>
        {
            (credential, party)
        }
        (Some(credential), Some(party)) => {
            let entry = audit_of(&party, "credential.use", Some(credential.id), Outcome::Denied);
            state.audit.record(vec![entry], now).await?;
            return Err(SignInError::Refused);
        }
        _ => {
            state.audit.record(vec![audit_anonymous("credential.use", None)], now).await?;
            return Err(SignInError::Refused);
        }
    };
    let claims = Claims {
        sub: party.id.to_string(),
        role: party.role.clone(),
        org: party.organization_id,
        exp: (now + CLIENT_TOKEN_LIFETIME).timestamp(),
        nbf: None,
        iat: Some(now.timestamp()),
        cid: Some(credential.id),
    };
    let access_token =
        state.keys.mint(&claims).map_err(|err| WorkflowError::Internal(format!("cannot sign a token: {err}")))?;
    let txn = state.db.begin().await?;
    store::credentials::used(&txn, credential.id, now).await?;
    store::audit::record(&txn, vec![audit_of(&party, "credential.use", Some(credential.id), Outcome::Allowed)], now)
        .await?;
    txn.commit().await?;
    Ok(ClientToken { access_token, expires_in: CLIENT_TOKEN_LIFETIME.num_seconds() })
}
