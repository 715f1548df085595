use poem::Request;
use poem_openapi::{auth::Bearer, SecurityScheme};

use crate::{
    auth::{Claims, Principal},
    domain::PartyRole,
    http::ApiError,
    state::AppState,
    store,
};

/// A bearer JWT (HS256, `iss` tsunagu, `aud` tsunagu-api). Mint one with `tsunagu token`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "authenticate")]
pub struct BearerAuth(pub Principal);

async fn authenticate(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let state = req
        .data::<AppState>()
        .ok_or_else(|| ApiError::Internal("application state is not attached to the request".into()))?;
    let claims = state.keys.verify(&bearer.token, state.clock.now(), state.token_max_lifetime).map_err(|refusal| {
        tracing::debug!(reason = %refusal, "bearer token refused");
        ApiError::Unauthorized
    })?;
    Ok(resolve(state, claims).await?)
}

/// Trusts a token's role only as far as the stored party agrees with it.
async fn resolve(state: &AppState, claims: Claims) -> Result<Principal, ApiError> {
    let role: PartyRole = claims.role.parse().map_err(|_| ApiError::Unauthorized)?;
    let party = match claims.sub.parse::<uuid::Uuid>() {
        Ok(id) => store::parties::find(&state.reads, id).await?,
        Err(_) => None,
    };
    match party {
        // A disabled party's every token is refused from the next request on.
        Some(party) if party.disabled_at.is_some() => {
            tracing::debug!("bearer token of a disabled party");
            Err(ApiError::Unauthorized)
        }
        Some(party) => {
            let organization_id = party.organization_id;
            if party.role != role.as_str() || claims.org.is_some_and(|org| Some(org) != organization_id) {
                tracing::debug!("bearer token disagrees with its stored party");
                return Err(ApiError::Unauthorized);
            }
            Ok(Principal {
                subject: claims.sub,
                role,
                party_id: Some(party.id),
                organization_id,
                person_id: party.person_id,
            })
        }
        // An admin minted with `--role admin --subject NAME` is no stored party. Any other role
        // without a stored party is let in but, holding no links or placements, sees nothing.
        None => Ok(Principal { subject: claims.sub, role, party_id: None, organization_id: None, person_id: None }),
    }
}

impl BearerAuth {
    pub fn require_admin(&self) -> Result<&Principal, ApiError> {
        if self.0.is_admin() {
            Ok(&self.0)
        } else {
            Err(ApiError::Forbidden("Only admins may do this."))
        }
    }
}
