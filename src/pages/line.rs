//! Linking a LINE account: the page the link in LINE's reply opens. Signed in (a link followed
//! before signing in is gone back to after), the party is asked whether to link this LINE
//! account to their Tsunagu account; pressing the button makes a single-use nonce for them and
//! sends them to LINE to finish. Nothing is tied until LINE says so with that nonce.

use minijinja::context;
use poem::{handler, http::StatusCode, web::Data, Body, Request, Response};
use serde::Deserialize;

use super::{
    forms::{access_failed, posted::Posted},
    frame::{
        bad_request, failed, forms_may_lead_to, from_our_pages, html, not_found, see_other, signed_in, viewer_frame,
        Viewer,
    },
};
use crate::{access, domain::Language, state::AppState, workflow};

#[derive(Deserialize)]
pub struct Asked {
    #[serde(rename = "linkToken")]
    link_token: Option<String>,
}

fn page(req: &Request, state: &AppState, viewer: &Viewer, status: StatusCode, link_token: Option<&str>) -> Response {
    let title = match viewer.language {
        Language::Ja => "LINEをつなぐ",
        Language::En => "Link your LINE",
    };
    let frame = viewer_frame(req, viewer, title);
    let shown = html(
        status,
        "line_link.html",
        context! { link_token => link_token, name => viewer.party.display_name, ..frame },
    );
    // The button's answer leads on to LINE's account-link dialog.
    let access = state.outbox.reach.line.as_ref().and_then(|line| url::Url::parse(&line.settings().access_url).ok());
    match access {
        Some(access) => forms_may_lead_to(shown, &access.origin().ascii_serialization()),
        None => shown,
    }
}

/// `GET /line/link?linkToken=…`: the question, or that the link has expired (410).
#[handler]
pub async fn line_link_page(req: &Request, state: Data<&AppState>, asked: poem::web::Query<Asked>) -> Response {
    let viewer = match signed_in(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    if state.outbox.reach.line.is_none() {
        return not_found(req, viewer.language);
    }
    let token = asked.0.link_token.unwrap_or_default();
    match workflow::line::link_token_in_force(&state, &token).await {
        Ok(true) => page(req, &state, &viewer, StatusCode::OK, Some(&token)),
        Ok(false) => page(req, &state, &viewer, StatusCode::GONE, None),
        Err(err) => failed(err),
    }
}

/// `POST /line/link` (`linkToken`): a nonce for the one signed in, and on to LINE.
#[handler]
pub async fn line_link(req: &Request, state: Data<&AppState>, body: Body) -> Response {
    if let Err(answer) = from_our_pages(req, &state) {
        return answer;
    }
    let viewer = match signed_in(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let Some(line) = state.outbox.reach.line.clone() else { return not_found(req, viewer.language) };
    let Some(posted) = Posted::read(body).await else { return bad_request(req, viewer.language) };
    let party = match access::party_reach(&state, &viewer.principal, viewer.party.id, "line.link").await {
        Ok(party) => party,
        Err(err) => return access_failed(req, &viewer, err),
    };
    let token = posted.text("linkToken");
    match workflow::line::nonce_for(&state, &party, token).await {
        Ok(Some(nonce)) => see_other(&line.account_link_url(token, &nonce)),
        Ok(None) => page(req, &state, &viewer, StatusCode::GONE, None),
        Err(err) => failed(err),
    }
}
