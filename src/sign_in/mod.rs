//! The doors people and systems come in by, outside the JSON API: sign-in with an invitation
//! or a one-time code (a form from our pages, or JSON from a script), sign-out, the pages that
//! hold those forms, and the OAuth 2.0 token endpoint. Each handler reads its body, calls one
//! workflow function and answers.

mod body;
mod oauth;
mod pages;
pub mod setup;

use poem::{
    handler,
    http::{header, HeaderValue, StatusCode},
    web::Data,
    Body, IntoResponse, Request, Response,
};
use serde::Deserialize;

pub use oauth::token;
pub use pages::{home_page, invite_page};

use self::body::{read_body, Replies};
use crate::{
    domain::Language,
    http::{
        clear_next_cookie, clear_session_cookie, next_cookie, not_cross_site, session_cookie, set_session_cookie,
        Problem,
    },
    pages::frame::same_origin_path,
    state::AppState,
    workflow::{
        self,
        sign_in::{Client, SignInError, SignedIn},
        WorkflowError,
    },
};

/// Who is knocking: the peer's address, and the browser's own description.
pub(crate) fn client_of(req: &Request) -> Client {
    let ip = req.remote_addr().as_socket_addr().map(|addr| addr.ip());
    let user_agent = req.headers().get(header::USER_AGENT).and_then(|value| value.to_str().ok()).map(str::to_owned);
    Client { ip, user_agent }
}

/// The language a page is shown in before anyone is known.
pub(crate) fn language_of(req: &Request) -> Language {
    crate::pages::frame::language_for(req, None)
}

/// Cookies are `Secure` whenever the service is served over https.
fn secure(state: &AppState) -> bool {
    state.public_url.as_deref().is_some_and(|url| url.starts_with("https://"))
}

fn with_header(mut response: Response, name: header::HeaderName, value: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().append(name, value);
    }
    response
}

fn problem(status: StatusCode, detail: &str) -> Response {
    Problem::new(status, Some(detail.to_owned())).into_response()
}

fn cross_site() -> Response {
    problem(StatusCode::FORBIDDEN, "Signing in and out is done from Tsunagu's own pages, not from another site.")
}

/// A browser was signed in: the cookie, and either the JSON of the session or, for a form, the
/// way on: to the page it was going to before signing in, if it kept one of ours, or else to
/// the signed-in page.
fn signed_in(req: &Request, state: &AppState, replies: Replies, signed_in: SignedIn) -> Response {
    let max_age = (signed_in.session.expires_at - state.clock.now()).num_seconds();
    let cookie = set_session_cookie(&signed_in.cookie_value, secure(state), max_age);
    let response = match replies {
        Replies::Json => poem::web::Json(serde_json::json!({
            "party_id": signed_in.party.id,
            "role": signed_in.party.role.as_str(),
            "session_id": signed_in.session.id,
            "expires_at": signed_in.session.expires_at,
        }))
        .into_response(),
        Replies::Page(_) => {
            let next = next_cookie(req).as_deref().and_then(same_origin_path).unwrap_or_else(|| "/app".to_owned());
            let response = Response::builder().status(StatusCode::SEE_OTHER).header(header::LOCATION, next).finish();
            with_header(response, header::SET_COOKIE, &clear_next_cookie(secure(state)))
        }
    };
    no_store(with_header(response, header::SET_COOKIE, &cookie))
}

/// A browser signed in from one of our pages' forms: the cookie, and on.
pub(crate) fn signed_in_page(req: &Request, state: &AppState, session: SignedIn) -> Response {
    signed_in(req, state, Replies::Page(Language::Ja), session)
}

/// What a refused sign-in answers: one reason for every failure, so a guesser learns nothing.
fn refused(replies: Replies, err: SignInError, page: pages::Form) -> Response {
    let (status, detail, retry_after) = match err {
        SignInError::TooMany { retry_after } => {
            let seconds = retry_after.num_seconds().max(1);
            (StatusCode::TOO_MANY_REQUESTS, Message::TooMany, Some(seconds))
        }
        SignInError::Refused => (StatusCode::UNAUTHORIZED, Message::Refused, None),
        SignInError::Failed(WorkflowError::Refused(refusals)) => {
            let why = refusals.0.first().map_or(crate::domain::Why::Required, |refusal| refusal.why.0.clone());
            (StatusCode::UNPROCESSABLE_ENTITY, Message::Invalid(why), None)
        }
        SignInError::Failed(err) if err.storage_unavailable() => {
            tracing::error!(error = %err, "sign-in failed: the database takes no writes");
            (StatusCode::SERVICE_UNAVAILABLE, Message::Unavailable, Some(crate::http::STORAGE_RETRY_AFTER_SECONDS))
        }
        SignInError::Failed(err) => {
            tracing::error!(error = %err, "sign-in failed");
            (StatusCode::INTERNAL_SERVER_ERROR, Message::Failed, None)
        }
    };
    let response = match replies {
        Replies::Json => {
            let mut response = problem(status, &detail.text(Language::En));
            if status == StatusCode::UNAUTHORIZED {
                // Not a bearer challenge: the answer is to the code, not to a missing token.
                response.headers_mut().remove(header::WWW_AUTHENTICATE);
            }
            response
        }
        Replies::Page(language) => pages::sign_in_form(language, status, page, Some(detail.text(language))),
    };
    match retry_after {
        Some(seconds) => with_header(response, header::RETRY_AFTER, &seconds.to_string()),
        None => response,
    }
}

enum Message {
    TooMany,
    Refused,
    Invalid(crate::domain::Why),
    /// The database takes no writes for now (disk full, read-only, locked).
    Unavailable,
    Failed,
}

impl Message {
    fn text(&self, language: Language) -> String {
        match (self, language) {
            (Message::TooMany, Language::Ja) => "試行が多すぎます。しばらくしてからもう一度お試しください。".into(),
            (Message::TooMany, Language::En) => "Too many attempts; please wait a while and try again.".into(),
            (Message::Refused, Language::Ja) => {
                "このコードは使えません。入力の誤り、使用済み、または期限切れの可能性があります。".into()
            }
            (Message::Refused, Language::En) => {
                "This code cannot be used: it may be mistyped, already used or expired.".into()
            }
            (Message::Invalid(why), Language::En) => why.to_string(),
            (Message::Invalid(why), Language::Ja) => crate::pages::refusals::why(why, language),
            (Message::Unavailable, Language::Ja) => {
                "ただいまサインインできません（記録を保存できないため）。1分ほどしてから、もう一度お試しください。"
                    .into()
            }
            (Message::Unavailable, Language::En) => {
                "Signing in is not possible just now (nothing can be saved); please try again in a minute.".into()
            }
            (Message::Failed, Language::Ja) => "エラーが発生しました。もう一度お試しください。".into(),
            (Message::Failed, Language::En) => "Something went wrong on our side; please try again.".into(),
        }
    }
}

/// Answers that hold a session or a code are never stored by any cache.
fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.headers_mut().insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    response
}

#[derive(Deserialize)]
struct InvitationBody {
    code: String,
}

#[derive(Deserialize)]
struct CodeRequestBody {
    address: String,
}

#[derive(Deserialize)]
struct CodeVerifyBody {
    address: String,
    code: String,
}

/// `POST /auth/invitation`: `{"code"}` or a form with `code`.
#[handler]
pub async fn redeem_invitation(req: &Request, state: Data<&AppState>, body: Body) -> Response {
    if !not_cross_site(req, state.public_url.as_deref()) {
        return cross_site();
    }
    let (form, replies) = match read_body::<InvitationBody>(req, body, language_of(req)).await {
        Ok(read) => read,
        Err(refusal) => return refusal,
    };
    match workflow::sign_in::redeem_invitation(&state, &form.code, &client_of(req)).await {
        Ok(session) => signed_in(req, &state, replies, session),
        Err(err) => refused(replies, err, pages::Form::Invitation(form.code)),
    }
}

/// `POST /auth/code`: `{"address"}`. The same 202 for any well-formed address.
#[handler]
pub async fn request_code(req: &Request, state: Data<&AppState>, body: Body) -> Response {
    if !not_cross_site(req, state.public_url.as_deref()) {
        return cross_site();
    }
    let (form, replies) = match read_body::<CodeRequestBody>(req, body, language_of(req)).await {
        Ok(read) => read,
        Err(refusal) => return refusal,
    };
    match workflow::sign_in::request_code(&state, &form.address, &client_of(req)).await {
        Ok(()) => match replies {
            Replies::Json => no_store(
                (
                    StatusCode::ACCEPTED,
                    poem::web::Json(serde_json::json!({
                        "detail": "If this is a confirmed address of someone who may sign in, a six-digit code is on its way. It is valid for 10 minutes."
                    })),
                )
                    .into_response(),
            ),
            Replies::Page(language) => no_store(pages::code_sent(language, &form.address)),
        },
        Err(err) => refused(replies, err, pages::Form::Address(form.address)),
    }
}

/// `POST /auth/code/verify`: `{"address", "code"}`.
#[handler]
pub async fn verify_code(req: &Request, state: Data<&AppState>, body: Body) -> Response {
    if !not_cross_site(req, state.public_url.as_deref()) {
        return cross_site();
    }
    let (form, replies) = match read_body::<CodeVerifyBody>(req, body, language_of(req)).await {
        Ok(read) => read,
        Err(refusal) => return refusal,
    };
    match workflow::sign_in::verify_code(&state, &form.address, &form.code, &client_of(req)).await {
        Ok(session) => signed_in(req, &state, replies, session),
        Err(err) => refused(replies, err, pages::Form::Code(form.address)),
    }
}

/// `POST /auth/sign-out`: ends the session the cookie names, on the server, and removes the
/// cookie. Only from our own pages (or a client without a browser's headers); signing out
/// twice is no error.
#[handler]
pub async fn sign_out(req: &Request, state: Data<&AppState>) -> Response {
    if !not_cross_site(req, state.public_url.as_deref()) {
        return cross_site();
    }
    if let Some(cookie) = session_cookie(req) {
        if let Err(err) = workflow::sign_in::sign_out(&state, &cookie).await {
            tracing::error!(error = %err, "sign-out failed");
            return problem(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong on our side; please try again.");
        }
    }
    let wants_page = req.content_type().is_some_and(|kind| kind.starts_with("application/x-www-form-urlencoded"));
    let response = if wants_page {
        Response::builder().status(StatusCode::SEE_OTHER).header(header::LOCATION, "/").finish()
    } else {
        StatusCode::NO_CONTENT.into_response()
    };
    no_store(with_header(response, header::SET_COOKIE, &clear_session_cookie(secure(&state))))
}
