//! Client credentials for systems (admins only): a client id and a secret, shown once, for the
//! OAuth 2.0 client-credentials grant at `/oauth/token`.

use crate::entity::client_credential;
use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{param::Path, payload::Json, ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::{ApiTags, Authenticated};
use crate::{http::ApiError, state::AppState, store, workflow};

/// A credential as listed: never its secret.
#[derive(Debug, Object)]
pub struct CredentialView {
    pub id: Uuid,
    pub party_id: Uuid,
    pub client_id: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// Set once revoked: its tokens are refused from then on.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<client_credential::Model> for CredentialView {
    fn from(row: client_credential::Model) -> Self {
        Self {
            id: row.id,
            party_id: row.party_id,
            client_id: row.client_id,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
        }
    }
}

/// A new credential with its secret: shown this once, kept only as an Argon2id hash.
#[derive(Debug, Object)]
pub struct IssuedCredentialView {
    pub id: Uuid,
    pub party_id: Uuid,
    pub client_id: String,
    pub client_secret: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
pub struct CredentialList {
    pub items: Vec<CredentialView>,
}

#[derive(ApiResponse)]
pub enum CreateCredentialResponse {
    /// Made; store the secret now, it is not shown again.
    #[oai(status = 201)]
    Created(Json<IssuedCredentialView>, #[oai(header = "Location")] String, #[oai(header = "Cache-Control")] String),
}

#[derive(ApiResponse)]
pub enum RevokeCredentialResponse {
    #[oai(status = 204)]
    Revoked,
}

async fn party(
    state: &AppState,
    auth: &Authenticated,
    id: Uuid,
    action: &'static str,
) -> Result<crate::entity::party::Model, ApiError> {
    auth.require_admin()?;
    Ok(crate::access::party_reach(state, &auth.0, id, action).await?)
}

pub struct CredentialsApi;

#[OpenApi(tag = "ApiTags::Parties")]
impl CredentialsApi {
    /// Give a party's system a client id and secret
    ///
    /// Admins only. For systems (a probation office's, a facility's); a family member or the
    /// person signs in with an invitation or a code instead (409), as does a disabled party.
    #[oai(path = "/parties/:id/credentials", method = "post", operation_id = "createCredential")]
    async fn create(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<CreateCredentialResponse, ApiError> {
        let party = party(&state, &auth, id.0, "credential.create").await?;
        let issued = workflow::sign_in::create_credential(&state, &party, auth.0.actor_id()).await?;
        let credential = issued.credential;
        let location = format!("{}/parties/{}/credentials", super::BASE_PATH, party.id);
        let view = IssuedCredentialView {
            id: credential.id,
            party_id: credential.party_id,
            client_id: credential.client_id,
            client_secret: issued.client_secret,
            created_at: credential.created_at,
        };
        Ok(CreateCredentialResponse::Created(Json(view), location, "no-store".into()))
    }

    /// A party's client credentials
    #[oai(path = "/parties/:id/credentials", method = "get", operation_id = "listCredentials")]
    async fn list(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<Json<CredentialList>, ApiError> {
        let party = party(&state, &auth, id.0, "credential.list").await?;
        let items = store::credentials::of_party(&state.reads, party.id).await?.into_iter().map(Into::into).collect();
        Ok(Json(CredentialList { items }))
    }

    /// Revoke a client credential
    ///
    /// The client can get no more tokens, and the tokens it has are refused from the next request on.
    #[oai(path = "/parties/:id/credentials/:credential_id", method = "delete", operation_id = "revokeCredential")]
    async fn revoke(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        credential_id: Path<Uuid>,
    ) -> Result<RevokeCredentialResponse, ApiError> {
        let party = party(&state, &auth, id.0, "credential.revoke").await?;
        workflow::sign_in::revoke_credential(&state, &party, credential_id.0).await?;
        Ok(RevokeCredentialResponse::Revoked)
    }
}
