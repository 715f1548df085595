use poem::web::Data;
use poem_openapi::{payload::Json, Object, OpenApi};
use uuid::Uuid;

use super::{parties::Party, types::ApiPartyRole, ApiTags, Authenticated};
use crate::{http::ApiError, state::AppState, store};

/// Who the caller is, as Tsunagu understands their token.
#[derive(Debug, Object)]
pub struct Me {
    /// The token's subject: a party id, or an admin's name.
    pub subject: String,
    pub role: ApiPartyRole,
    pub organization_id: Option<Uuid>,
    /// For a person: which person they are.
    pub person_id: Option<Uuid>,
    /// The stored party the token belongs to, if any.
    pub party: Option<Party>,
}

pub struct MeApi;

#[OpenApi(tag = "ApiTags::Me")]
impl MeApi {
    /// Who am I
    ///
    /// The caller's role, organisation and party as the service sees them.
    #[oai(path = "/me", method = "get", operation_id = "getMe")]
    async fn me(&self, auth: Authenticated, state: Data<&AppState>) -> Result<Json<Me>, ApiError> {
        let principal = auth.0;
        let party = match principal.party_id {
            Some(id) => store::parties::find(&state.reads, id).await?.map(Party::try_from).transpose()?,
            None => None,
        };
        Ok(Json(Me {
            subject: principal.subject,
            role: principal.role.into(),
            organization_id: principal.organization_id,
            person_id: principal.person_id,
            party,
        }))
    }
}
