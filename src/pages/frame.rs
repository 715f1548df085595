//! What every page shares: who is looking (from the session cookie), in which language, the
//! security headers, the stylesheet, and the one way a page's form is checked to come from
//! Tsunagu's own pages.

use minijinja::{context, Value};
use poem::{
    handler,
    http::{header, HeaderValue, StatusCode},
    web::{Path, Query},
    IntoResponse, Request, Response,
};
use uuid::Uuid;

use crate::{
    auth::{Principal, Via},
    domain::{Language, PartyRole},
    http::{same_origin, session_cookie, set_next_cookie},
    state::AppState,
    workflow::{self, WorkflowError},
};

/// The cookie that keeps a language chosen with the switch.
const LANGUAGE_COOKIE: &str = "tsunagu_lang";

/// Everything served by Tsunagu itself: no script at all, no other origin, no framing.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The page's policy, letting its forms lead on to `origin` as well (a form whose answer is a
/// redirect to another site, as LINE's account-link dialog is, needs it).
pub fn forms_may_lead_to(mut response: Response, origin: &str) -> Response {
    let plain = origin.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '.' | '-'));
    let policy = CONTENT_SECURITY_POLICY.replace("form-action 'self'", &format!("form-action 'self' {origin}"));
    if let (true, Ok(value)) = (plain, HeaderValue::from_str(&policy)) {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

/// Why a page could not be made: logged, and answered 500 with nothing of it shown.
pub type Failure = Box<dyn std::error::Error + Send + Sync>;

/// The signed-in party looking at a page.
pub struct Viewer {
    pub principal: Principal,
    pub party: crate::entity::party::Model,
    pub language: Language,
}

impl Viewer {
    pub fn role(&self) -> PartyRole {
        self.principal.role
    }
}

/// The language the switch chose, if any.
fn chosen_language(req: &Request) -> Option<Language> {
    req.headers().get_all(header::COOKIE).iter().filter_map(|value| value.to_str().ok()).find_map(|cookies| {
        cookies.split(';').find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == LANGUAGE_COOKIE).then(|| value.parse().ok()).flatten()
        })
    })
}

/// A page's language: the switch's choice, else the party's own, else the browser's first
/// choice if it is English, else Japanese.
pub fn language_for(req: &Request, party: Option<&crate::entity::party::Model>) -> Language {
    if let Some(chosen) = chosen_language(req) {
        return chosen;
    }
    if let Some(party) = party {
        return party.language;
    }
    let wanted = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|value| value.to_str().ok()).unwrap_or("");
    if wanted.trim_start().to_ascii_lowercase().starts_with("en") {
        Language::En
    } else {
        Language::Ja
    }
}

/// Who is signed in on this request, if anyone.
pub async fn viewer(req: &Request, state: &AppState) -> Result<Option<Viewer>, WorkflowError> {
    let Some(cookie) = session_cookie(req) else { return Ok(None) };
    let Some((session, party)) = workflow::sign_in::session_principal(state, &cookie).await? else { return Ok(None) };
    let role: PartyRole = party.role;
    let from_staff_invitation = session.signed_in_by == crate::domain::sign_in::SignInMethod::StaffInvitation.as_str();
    let principal = Principal { from_staff_invitation, ..Principal::of_party(&party, role, Via::Session(session.id)) };
    let language = language_for(req, Some(&party));
    Ok(Some(Viewer { principal, party, language }))
}

/// The context every page's frame needs.
pub fn frame(req: &Request, language: Language, title: &str, signed_in: bool) -> Value {
    let other = match language {
        Language::Ja => Language::En,
        Language::En => Language::Ja,
    };
    context! {
        lang => language.as_str(), other_lang => other.as_str(), title => title,
        signed_in => signed_in, here => here(req),
    }
}

/// Where the language switch comes back to: this page, or, for a page that answers a form
/// (which a link cannot send again), the page the form is on.
fn here(req: &Request) -> String {
    let path = req.uri().path();
    if req.method() == poem::http::Method::GET {
        return req.uri().path_and_query().map_or(path, |whole| whole.as_str()).to_owned();
    }
    let mut parts = path.trim_start_matches('/').split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("app"), Some("residents"), Some(id)) if id_of(id).is_some() => format!("/app/residents/{id}"),
        (Some("app"), Some("residents"), None) => "/app/residents/new".to_owned(),
        (Some("app"), Some("addresses"), _) => "/app/addresses".to_owned(),
        (Some("app"), Some("imports"), Some(id)) if id_of(id).is_some() => format!("/app/imports/{id}"),
        (Some("app"), Some("imports"), _) => "/app/imports".to_owned(),
        (Some("admin"), Some(section), Some(id)) if id_of(id).is_some() => format!("/admin/{section}/{id}"),
        (Some("admin"), Some(section), _) => format!("/admin/{section}"),
        (Some("app"), _, _) => "/app".to_owned(),
        _ => "/".to_owned(),
    }
}

/// A page: rendered, with the headers every page carries.
pub fn html(status: StatusCode, template: &str, context: Value) -> Response {
    match crate::templates::render(template, context) {
        Ok(body) => protect(Response::builder().status(status).content_type("text/html; charset=utf-8").body(body)),
        Err(err) => {
            tracing::error!(template, error = %err, "a page did not render");
            protect(StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

/// The headers of every page: a strict policy, no sniffing, no referrer (invitation and feed
/// links are secrets), never kept by a shared cache.
pub fn protect(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store, private"));
    response
}

pub fn see_other(to: &str) -> Response {
    protect(Response::builder().status(StatusCode::SEE_OTHER).header(header::LOCATION, to).finish())
}

/// The front door, for a page that needs someone signed in. The page asked for is kept for a
/// while in a cookie, so that a link followed before signing in (a team alert's, in a text)
/// leads there once signed in; a form's post is not gone back to.
pub fn to_sign_in(req: &Request, state: &AppState) -> Response {
    let mut response = see_other("/");
    let secure = state.public_url.as_deref().is_some_and(|url| url.starts_with("https://"));
    let wanted = req.uri().path_and_query().map(|path| path.as_str()).and_then(same_origin_path);
    let kept =
        wanted.filter(|_| req.method() == poem::http::Method::GET).and_then(|path| set_next_cookie(&path, secure));
    if let Some(cookie) = kept.and_then(|cookie| HeaderValue::from_str(&cookie).ok()) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// A page that could not be made. When the database takes no writes for now (disk full,
/// read-only, locked) the reader is told to try again shortly, with 503 and `Retry-After`;
/// anything else is our fault, 500. Either way nothing of the request was kept.
pub fn failed(err: impl Fault) -> Response {
    match err.storage_unavailable() {
        true => {
            tracing::error!(error = %err, "a page failed: the database takes no writes");
            let mut response = protect(
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Tsunagu cannot save anything just now; nothing was saved. Please try again in a minute. / \
                     ただいま保存できません（何も保存されていません）。1分ほどしてから、もう一度お試しください。",
                )
                    .into_response(),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(crate::http::STORAGE_RETRY_AFTER_SECONDS));
            response
        }
        false => {
            tracing::error!(error = %err, "a page failed");
            protect(
                (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong on our side. / エラーが発生しました。")
                    .into_response(),
            )
        }
    }
}

/// What a page can fail with, and whether it is the database taking no writes for now.
pub trait Fault: std::fmt::Display {
    fn storage_unavailable(&self) -> bool {
        false
    }
}

impl Fault for sea_orm::DbErr {
    fn storage_unavailable(&self) -> bool {
        crate::database::storage_unavailable(self)
    }
}

impl Fault for crate::workflow::WorkflowError {
    fn storage_unavailable(&self) -> bool {
        crate::workflow::WorkflowError::storage_unavailable(self)
    }
}

impl Fault for crate::access::AccessError {
    fn storage_unavailable(&self) -> bool {
        matches!(self, Self::Database(err) if crate::database::storage_unavailable(err))
    }
}

impl Fault for Box<dyn std::error::Error + Send + Sync> {}
impl Fault for qrcode::types::QrError {}
impl Fault for std::io::Error {}
impl Fault for crate::store::Corrupt {}

/// A page that is not there, or not for this viewer: the same answer.
/// A form that was not one of ours: what was sent could not be read.
pub fn bad_request(req: &Request, language: Language) -> Response {
    let text = match language {
        Language::Ja => "送られた内容を読み取れませんでした。ページを読み直して、もう一度お試しください。",
        Language::En => "What was sent could not be read: load the page again and retry.",
    };
    let context = context! { text => text, ..frame(req, language, "400", true) };
    html(StatusCode::BAD_REQUEST, "page.html", context)
}

pub fn not_found(req: &Request, language: Language) -> Response {
    let title = match language {
        Language::Ja => "見つかりません",
        Language::En => "Not found",
    };
    let text = match language {
        Language::Ja => "このページはありません。",
        Language::En => "There is no such page.",
    };
    let mut context = frame(req, language, title, true);
    context = context! { text => text, ..context };
    html(StatusCode::NOT_FOUND, "page.html", context)
}

/// A form posted with the session must come from our own pages; from another site, 403.
pub fn from_our_pages(req: &Request, state: &AppState) -> Result<(), Response> {
    if same_origin(req, state.public_url.as_deref()) {
        Ok(())
    } else {
        Err(protect(
            (StatusCode::FORBIDDEN, "Forms are sent from Tsunagu's own pages. / つなぐのページから送信してください。")
                .into_response(),
        ))
    }
}

/// The stylesheet, the one file every page loads.
#[handler]
pub fn stylesheet() -> Response {
    Response::builder()
        .content_type("text/css; charset=utf-8")
        .header(header::CACHE_CONTROL, "public, max-age=3600")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .body(include_str!("../../static/tsunagu.css"))
}

#[derive(serde::Deserialize)]
pub struct Back {
    back: Option<String>,
}

/// `GET /lang/{ja|en}?back=/path`: keeps the choice in a cookie and goes back (only to a path
/// of this site).
#[handler]
pub fn switch_language(language: Path<String>, back: Query<Back>) -> Response {
    let Ok(language) = language.0.parse::<Language>() else { return see_other("/") };
    let back = back.0.back.as_deref().and_then(same_origin_path);
    let mut response = see_other(back.as_deref().unwrap_or("/"));
    let cookie = format!("{LANGUAGE_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax", language.as_str());
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// A `back`/`next`-style target as a path of this site, parsed and normalised, or `None`.
/// Refused: anything with a control character, white space or a backslash (browsers read
/// `/\t/evil` and `/\\evil` as `//evil`), anything that is not a path starting with one `/`,
/// and anything that, resolved against this site, lands on another origin.
pub fn same_origin_path(raw: &str) -> Option<String> {
    if !raw.starts_with('/') || raw.starts_with("//") {
        return None;
    }
    if raw.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\') {
        return None;
    }
    let base = url::Url::parse("https://tsunagu.invalid/").ok()?;
    let resolved = base.join(raw).ok()?;
    if resolved.origin() != base.origin() || resolved.path().starts_with("//") {
        return None;
    }
    let mut path = resolved.path().to_owned();
    if let Some(query) = resolved.query() {
        path.push('?');
        path.push_str(query);
    }
    Some(path)
}

/// A uuid from a path, or the page's 404.
pub fn id_of(raw: &str) -> Option<Uuid> {
    raw.parse().ok()
}

/// The frame of a page no one is signed in to (a message's link).
pub fn plain_frame(language: Language, title: &str) -> Value {
    let other = match language {
        Language::Ja => Language::En,
        Language::En => Language::Ja,
    };
    context! { lang => language.as_str(), other_lang => other.as_str(), title => title, signed_in => false, here => "/" }
}

/// The frame's context for a viewer's page.
pub fn viewer_frame(req: &Request, viewer: &Viewer, title: &str) -> Value {
    frame(req, viewer.language, title, true)
}

/// A party's own page, titled with their name, from what was gathered for it.
pub fn own_page(req: &Request, viewer: &Viewer, template: &str, gathered: Result<Value, Failure>) -> Response {
    match gathered {
        Ok(context) => html(StatusCode::OK, template, own_context(req, viewer, context)),
        Err(err) => failed(err),
    }
}

/// A party's own page written out, to be kept and answered with [`written`].
pub fn own_page_written(req: &Request, viewer: &Viewer, template: &str, context: Value) -> Result<String, Failure> {
    Ok(crate::templates::render(template, own_context(req, viewer, context))?)
}

fn own_context(req: &Request, viewer: &Viewer, context: Value) -> Value {
    let title = match viewer.language {
        Language::Ja => format!("{}さんのページ", viewer.party.display_name),
        Language::En => format!("{}'s page", viewer.party.display_name),
    };
    let frame = viewer_frame(req, viewer, &title);
    context! { ..frame, ..context }
}

/// A page written before and kept gzip-compressed, answered as it was (the body is shared, not
/// copied) to a browser, unpacked for a client that takes no gzip, with the headers every
/// page carries.
pub fn written(req: &Request, gzipped: &bytes::Bytes) -> Response {
    let builder = Response::builder().status(StatusCode::OK).content_type("text/html; charset=utf-8");
    match crate::http::gzip::answer_gzipped(req, builder, gzipped) {
        Ok(page) => protect(page),
        Err(err) => failed(err),
    }
}

/// Everything a handler needs to answer for a signed-in viewer, or the answer to give instead.
pub async fn signed_in(req: &Request, state: &AppState) -> Result<Viewer, Response> {
    match viewer(req, state).await {
        Ok(Some(viewer)) => Ok(viewer),
        Ok(None) => Err(to_sign_in(req, state)),
        Err(err) => Err(failed(err)),
    }
}

#[cfg(test)]
mod tests {
    use super::same_origin_path;

    #[test]
    fn only_paths_of_this_site_are_gone_back_to() {
        assert_eq!(same_origin_path("/app/residents?x=1").as_deref(), Some("/app/residents?x=1"));
        assert_eq!(same_origin_path("/app/../family").as_deref(), Some("/family"));
        for refused in [
            "//evil.example",
            "/\t/evil.example",
            "/\tevil",
            "/\\evil.example",
            "\\\\evil.example",
            "/%09/evil.example/../..",
            "https://evil.example/",
            "evil.example",
            "/ /evil",
            "/\n/evil",
            "",
        ] {
            let resolved = same_origin_path(refused);
            assert!(
                resolved.as_deref().is_none_or(|path| path.starts_with('/') && !path.starts_with("//")),
                "{refused:?} → {resolved:?}"
            );
        }
        assert_eq!(same_origin_path("/\t/evil.example"), None);
        assert_eq!(same_origin_path("//evil.example"), None);
        assert_eq!(same_origin_path("/\\evil.example"), None);
    }
}
