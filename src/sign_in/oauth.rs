//! `POST /oauth/token`: the OAuth 2.0 client-credentials grant (RFC 6749 §4.4). The client
//! authenticates with HTTP Basic (§2.3.1); errors are §5.2's JSON.

use base64::{engine::general_purpose::STANDARD, Engine};
use poem::{
    handler,
    http::{header, HeaderValue, StatusCode},
    web::Data,
    Body, IntoResponse, Request, Response,
};
use serde_json::json;

use crate::{
    state::AppState,
    workflow::{self, sign_in::SignInError},
};

/// §5.2: `{"error", "error_description"}`, never cached; `invalid_client` is 401 with a Basic challenge.
fn error(status: StatusCode, code: &str, description: &str) -> Response {
    let mut response =
        (status, poem::web::Json(json!({ "error": code, "error_description": description }))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"tsunagu\""));
    }
    no_cache(response)
}

fn no_cache(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// One form-urlencoded part of the Basic credentials (§2.3.1 encodes id and secret so).
fn form_decoded(part: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={part}")).ok()?.pop().map(|(_, value)| value)
}

/// The client id and secret from `Authorization: Basic …`.
fn basic_credentials(req: &Request) -> Option<(String, String)> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decoded(id)?, form_decoded(secret)?))
}

#[handler]
pub async fn token(req: &Request, state: Data<&AppState>, body: Body) -> Response {
    let Some((client_id, secret)) = basic_credentials(req) else {
        return error(StatusCode::UNAUTHORIZED, "invalid_client", "Authenticate the client with HTTP Basic.");
    };
    let form = req.content_type().is_some_and(|kind| kind.starts_with("application/x-www-form-urlencoded"));
    let fields = match body.into_vec().await {
        Ok(bytes) if form => serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes).ok(),
        _ => None,
    };
    let Some(fields) = fields else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Send grant_type=client_credentials as application/x-www-form-urlencoded.",
        );
    };
    let grant: Vec<&str> =
        fields.iter().filter(|(name, _)| name == "grant_type").map(|(_, value)| value.as_str()).collect();
    match grant.as_slice() {
        ["client_credentials"] => {}
        [] => return error(StatusCode::BAD_REQUEST, "invalid_request", "grant_type is missing."),
        [_] => {
            return error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "Only client_credentials is supported.")
        }
        _ => return error(StatusCode::BAD_REQUEST, "invalid_request", "grant_type is given more than once."),
    }
    match workflow::sign_in::issue_client_token(&state, &client_id, &secret, &super::client_of(req)).await {
        Ok(issued) => no_cache(
            poem::web::Json(json!({
                "access_token": issued.access_token,
                "token_type": "Bearer",
                "expires_in": issued.expires_in,
            }))
            .into_response(),
        ),
        Err(SignInError::Refused) => {
            error(StatusCode::UNAUTHORIZED, "invalid_client", "The client id or secret is not valid.")
        }
        Err(SignInError::TooMany { retry_after }) => {
            let mut response =
                error(StatusCode::TOO_MANY_REQUESTS, "slow_down", "Too many token requests from this network.");
            if let Ok(value) = HeaderValue::from_str(&retry_after.num_seconds().max(1).to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Err(SignInError::Failed(err)) => {
            tracing::error!(error = %err, "issuing a client token failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "Something went wrong on our side.")
        }
    }
}
