//! Who is calling: a bearer token (minted by `tsunagu token`, or issued to an OAuth client by
//! `/oauth/token`), or a browser's session cookie. Each is a security scheme of the OpenAPI
//! document; an operation takes any of them.

use poem::{http::Method, Request};
use poem_openapi::{
    auth::{ApiKey, Bearer},
    registry::Registry,
    ApiExtractor, ApiExtractorType, ExtractParamOptions, SecurityScheme,
};

use crate::{
    auth::{Claims, Principal, Via},
    domain::{sign_in::SignInMethod, Language, PartyRole},
    http::{same_origin, ApiError},
    state::AppState,
    store, workflow,
};

/// A bearer JWT (HS256, `iss` tsunagu, `aud` tsunagu-api). Mint one with `tsunagu token`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "authenticate")]
pub struct BearerToken(pub Principal);

/// OAuth 2.0 client credentials (RFC 6749 §4.4) for systems such as a probation office's: post
/// the client id and secret (HTTP Basic) with `grant_type=client_credentials` to `/oauth/token`,
/// and send the token it answers as a bearer token. Tokens last an hour.
#[derive(SecurityScheme)]
#[oai(ty = "oauth2", flows(client_credentials(token_url = "/oauth/token")), checker = "authenticate")]
pub struct ClientCredentials(pub Principal);

/// A browser's session, from signing in with an invitation or a one-time code. A request that
/// changes something must come from Tsunagu's own pages (`Origin` or `Sec-Fetch-Site`): from
/// another site it is refused with 403.
#[derive(SecurityScheme)]
#[oai(ty = "api_key", key_name = "tsunagu_session", key_in = "cookie", checker = "from_session")]
pub struct SessionCookie(pub Principal);

#[derive(SecurityScheme)]
enum AnyScheme {
    Bearer(BearerToken),
    Client(ClientCredentials),
    Session(SessionCookie),
}

/// The caller of an operation, however they proved it.
pub struct Authenticated(pub Principal);

impl<'a> ApiExtractor<'a> for Authenticated {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];

    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        AnyScheme::register(registry);
    }

    fn security_schemes() -> Vec<&'static str> {
        AnyScheme::security_schemes()
    }

    async fn from_request(
        req: &'a Request,
        body: &mut poem_openapi::__private::poem::RequestBody,
        param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let principal = match AnyScheme::from_request(req, body, param_opts).await? {
            AnyScheme::Bearer(BearerToken(principal))
            | AnyScheme::Client(ClientCredentials(principal))
            | AnyScheme::Session(SessionCookie(principal)) => principal,
        };
        Ok(Self(principal))
    }
}

fn state_of(req: &Request) -> Result<&AppState, ApiError> {
    req.data::<AppState>().ok_or_else(|| ApiError::Internal("application state is not attached to the request".into()))
}

async fn authenticate(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let state = state_of(req)?;
    let claims = state.keys.verify(&bearer.token, state.clock.now(), state.token_max_lifetime).map_err(|refusal| {
        tracing::debug!(reason = %refusal, "bearer token refused");
        ApiError::Unauthorized
    })?;
    Ok(resolve(state, claims).await?)
}

/// A session cookie names a live session of an enabled party; a request that changes
/// something must also come from the service's own origin.
async fn from_session(req: &Request, cookie: ApiKey) -> poem::Result<Principal> {
    let state = state_of(req)?;
    let Some((session, party)) =
        workflow::sign_in::session_principal(state, &cookie.key).await.map_err(ApiError::from)?
    else {
        tracing::debug!("session cookie names no live session");
        return Err(ApiError::Unauthorized.into());
    };
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        && !same_origin(req, state.public_url.as_deref())
    {
        return Err(ApiError::cross_site().into());
    }
    let role: PartyRole = party.role;
    let from_staff_invitation = session.signed_in_by == SignInMethod::StaffInvitation.as_str();
    Ok(Principal { from_staff_invitation, ..Principal::of_party(&party, role, Via::Session(session.id)) })
}

/// Trusts a token's role only as far as the stored party agrees with it; a client's token only
/// while its credential stands.
async fn resolve(state: &AppState, claims: Claims) -> Result<Principal, ApiError> {
    let role: PartyRole = claims.role.parse().map_err(|_| ApiError::Unauthorized)?;
    let party = match claims.sub.parse::<uuid::Uuid>() {
        Ok(id) => state.cache.party(id, || store::parties::find(&state.reads, id)).await?,
        Err(_) => None,
    };
    let via = match claims.cid {
        Some(credential_id) => {
            let credential = store::credentials::find(&state.reads, credential_id).await?;
            let stands = credential.is_some_and(|credential| {
                credential.revoked_at.is_none() && party.as_ref().is_some_and(|party| party.id == credential.party_id)
            });
            if !stands {
                tracing::debug!("token of a revoked or unknown client credential");
                return Err(ApiError::Unauthorized);
            }
            Via::Client(credential_id)
        }
        None => Via::Token,
    };
    match party {
        // A disabled party's every token is refused from the next request on.
        Some(party) if party.disabled_at.is_some() => {
            tracing::debug!("bearer token of a disabled party");
            Err(ApiError::Unauthorized)
        }
        Some(party) => {
            if party.role != role || claims.org.is_some_and(|org| Some(org) != party.organization_id) {
                tracing::debug!("bearer token disagrees with its stored party");
                return Err(ApiError::Unauthorized);
            }
            Ok(Principal { subject: claims.sub, ..Principal::of_party(&party, role, via) })
        }
        // An admin minted with `--role admin --subject NAME` is no stored party. Any other role
        // without a stored party is let in but, holding no links or placements, sees nothing.
        None => Ok(Principal {
            subject: claims.sub,
            role,
            party_id: None,
            organization_id: None,
            person_id: None,
            via,
            language: Language::default(),
            from_staff_invitation: false,
        }),
    }
}

impl Authenticated {
    pub fn require_admin(&self) -> Result<&Principal, ApiError> {
        if self.0.is_admin() {
            Ok(&self.0)
        } else {
            Err(ApiError::Forbidden("Only admins may do this."))
        }
    }
}
