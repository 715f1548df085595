//! The link in a team alert's e-mail or text: once signed in as the staff member it went to,
//! the alert and its Acknowledge button; pressing it acknowledges for the whole team, by the
//! channel the link came on, and stops the alert's ladder.

use std::collections::HashMap;

use minijinja::context;
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path},
    Request, Response,
};
use uuid::Uuid;

use super::{access_failed, poster};
use crate::{
    access,
    domain::{channels::Channel, rota::AcknowledgedVia, Language},
    pages::{
        frame::{failed, html, not_found, see_other, signed_in, viewer_frame, Viewer},
        staff,
    },
    state::AppState,
    store,
    templates::url_value,
    workflow,
};

/// The alert a link names for this viewer, and how the link was sent; `None` for a link that
/// is not theirs (or not one at all).
fn opened(state: &AppState, viewer: &Viewer, token: &str) -> Option<(Uuid, AcknowledgedVia)> {
    let (alert_id, channel) = state.outbox.reach.keys.respond_token_of(
        token,
        viewer.party.id,
        &[Channel::Sms.as_str(), Channel::Email.as_str(), Channel::Line.as_str()],
    )?;
    let via = match channel.parse::<Channel>().ok()? {
        Channel::Sms => AcknowledgedVia::Sms,
        Channel::Email => AcknowledgedVia::Email,
        Channel::Line => AcknowledgedVia::Line,
    };
    Some((alert_id, via))
}

/// `GET /r/{token}`: the alert, with its Acknowledge button.
#[handler]
pub async fn respond_page(req: &Request, state: Data<&AppState>, token: Path<String>) -> Response {
    let viewer = match signed_in(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let Some((alert_id, _)) = opened(&state, &viewer, &token.0) else { return not_found(req, viewer.language) };
    let row = match access::alerts::actionable(&state, &viewer.principal, alert_id, "alert.open").await {
        Ok(Some(row)) => row,
        Ok(None) => return not_found(req, viewer.language),
        Err(err) => return access_failed(req, &viewer, err),
    };
    let names: HashMap<Uuid, String> = match store::persons::find_many(&state.reads, &[row.person_id]).await {
        Ok(persons) => persons.into_iter().map(|person| (person.id, person.display_name)).collect(),
        Err(err) => return failed(err),
    };
    let title = match viewer.language {
        Language::Ja => "チームのお知らせ",
        Language::En => "A team alert",
    };
    let frame = viewer_frame(req, &viewer, title);
    let alert = staff::alert(&state, &row, &names, viewer.language);
    html(
        StatusCode::OK,
        "respond.html",
        context! { alert => alert, action => url_value(&format!("/r/{}", token.0)), ..frame },
    )
}

/// `POST /r/{token}`: acknowledged, for the whole team, by the link's channel.
#[handler]
pub async fn acknowledge_by_link(req: &Request, state: Data<&AppState>, token: Path<String>) -> Response {
    let viewer = match poster(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let Some((alert_id, via)) = opened(&state, &viewer, &token.0) else { return not_found(req, viewer.language) };
    match access::alerts::actionable(&state, &viewer.principal, alert_id, "alert.ack").await {
        Ok(Some(row)) => match workflow::acknowledge_alert(&state, row.id, viewer.principal.party_id, via).await {
            Ok(_) => see_other("/app?done=ack"),
            Err(err) => failed(err),
        },
        Ok(None) => not_found(req, viewer.language),
        Err(err) => access_failed(req, &viewer, err),
    }
}
