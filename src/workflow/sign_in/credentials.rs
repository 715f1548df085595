//! OAuth 2.0 clients of parties (a probation office's system) and the client-credentials grant.

use crate::entity::{client_credential, party};
use chrono::Duration;
use uuid::Uuid;

use super::{audit_anonymous, audit_of, knock_client, Client, SignInError};
use crate::{
    auth::{decoy_hash, new_client_id, new_client_secret, Claims},
    domain::{sign_in::Door, PartyRole},
    state::AppState,
    store::{self, audit::Outcome},
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

/// Hashing waits its turn with the workers; with too many waiting, the caller is asked to
/// come back shortly rather than queued without bound.
fn busy(busy: crate::auth::Busy) -> WorkflowError {
    match busy {
        crate::auth::Busy::Full => {
            WorkflowError::TooMany { why: crate::workflow::Crowded::HashingBusy, retry_after: Duration::seconds(1) }
        }
        crate::auth::Busy::Stopped => WorkflowError::Internal(busy.to_string()),
    }
}

async fn hash_off_the_runtime(state: &AppState, secret: String) -> Result<String, WorkflowError> {
    state
        .hashing
        .hash(secret)
        .await
        .map_err(busy)?
        .ok_or_else(|| WorkflowError::Internal("cannot hash the secret".into()))
}

/// Gives a party a client id and secret for the client-credentials grant.
pub async fn create_credential(
    state: &AppState,
    party: &party::Model,
    created_by: String,
) -> Result<IssuedCredential, WorkflowError> {
    let role: PartyRole = party.role;
    if matches!(role, PartyRole::Family | PartyRole::Person) {
        return Err(WorkflowError::Conflict(crate::workflow::Clash::CredentialsForSystemsOnly));
    }
    if party.disabled_at.is_some() {
        return Err(WorkflowError::Conflict(crate::workflow::Clash::PartyDisabled));
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
    let matches = state.hashing.verify(secret.to_owned(), phc).await.map_err(busy)?;
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
        role: party.role.as_str().to_owned(),
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
