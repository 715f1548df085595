//! The person's forms: share less, and stop sharing after a confirmation step.

use minijinja::context;
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path},
    Body, Request, Response,
};

use super::{access_failed, poster, read_form};
use crate::{
    access,
    domain::{access::Action, ConsentPatch, Language, Scope, ScopeKind},
    pages::{
        frame::{failed, html, id_of, not_found, see_other, signed_in, viewer_frame, Viewer},
        person::own_link,
    },
    state::AppState,
    store::{self, links::RecordedBy},
    templates::url_value,
    workflow,
};

/// The person's own link they act on, with the decision audited; or the 404 page.
async fn own(
    req: &Request,
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
    action: &'static str,
) -> Result<entity::link::Model, Response> {
    let link = match id_of(raw) {
        Some(id) => own_link(state, viewer, id).await.map_err(failed)?,
        None => None,
    };
    let Some(link) = link else { return Err(not_found(req, viewer.language)) };
    access::link(state, &viewer.principal, link.id, action, |_| Action::NarrowConsent)
        .await
        .map(|(_, link)| link)
        .map_err(|err| access_failed(req, viewer, err))
}

fn recorded_by(viewer: &Viewer) -> RecordedBy {
    RecordedBy {
        subject: viewer.principal.actor_id(),
        role: viewer.principal.role,
        basis: None,
        via: viewer.principal.consent_via(),
    }
}

/// `POST /app/sharing/{link}`: the kinds ticked are what the party goes on seeing; only
/// narrowing is the person's to do here.
#[handler]
pub async fn narrow_sharing(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    let viewer = match poster(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let link = match own(req, &state, &viewer, &id.0, "link.update").await {
        Ok(link) => link,
        Err(answer) => return answer,
    };
    let posted = match read_form(req, &viewer, body).await {
        Ok(posted) => posted,
        Err(answer) => return answer,
    };
    // An unknown kind is never dropped silently: what was ticked is what is kept, or nothing is.
    let kept: Result<Vec<ScopeKind>, _> = posted.all("kind").into_iter().map(str::parse).collect();
    let Ok(kept) = kept else { return super::super::frame::bad_request(req, viewer.language) };
    let current = match store::links::scope_of(&link) {
        Ok(scope) => scope,
        Err(err) => return failed(err),
    };
    let scope = Scope::new(kept.into_iter().filter(|kind| current.contains(*kind)));
    let zone = match store::persons::find(&state.reads, link.person_id).await {
        Ok(Some(person)) => match store::parse_stored("time zone", person.id, &person.timezone) {
            Ok(zone) => zone,
            Err(err) => return failed(err),
        },
        Ok(None) => return not_found(req, viewer.language),
        Err(err) => return failed(err),
    };
    let change = ConsentPatch { scope: Some(scope), expires_on: None };
    match workflow::change_link(&state, link.id, zone, &change, &recorded_by(&viewer)).await {
        Ok(_) => see_other("/app"),
        Err(err) => failed(err),
    }
}

/// `GET /app/sharing/{link}/stop`: the confirmation step before sharing stops.
#[handler]
pub async fn stop_sharing_page(req: &Request, state: Data<&AppState>, id: Path<String>) -> Response {
    let viewer = match signed_in(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let link = match id_of(&id.0) {
        Some(link_id) => match own_link(&state, &viewer, link_id).await {
            Ok(link) => link,
            Err(err) => return failed(err),
        },
        None => None,
    };
    let Some(link) = link else { return not_found(req, viewer.language) };
    let name = match store::parties::find(&state.reads, link.party_id).await {
        Ok(party) => party.map(|party| party.display_name).unwrap_or_default(),
        Err(err) => return failed(err),
    };
    let (title, text, button) = match viewer.language {
        Language::Ja => (
            format!("{name}さんとの共有をやめますか"),
            format!("{name}さんは、あなたの予定やお知らせを見られなくなります。あとで施設に頼めば、また共有できます。"),
            "共有をやめる",
        ),
        Language::En => (
            format!("Stop sharing with {name}?"),
            format!("{name} will no longer see your dates or get alerts about you. Your facility can set sharing up again if you ask."),
            "Stop sharing",
        ),
    };
    let action = format!("/app/sharing/{}/stop", link.id);
    let context = context! { text => text, action => url_value(&action), button => button, back => "/app", ..viewer_frame(req, &viewer, &title) };
    html(StatusCode::OK, "confirm.html", context)
}

/// `POST /app/sharing/{link}/stop`: the party sees nothing of the person from now on.
#[handler]
pub async fn stop_sharing(req: &Request, state: Data<&AppState>, id: Path<String>) -> Response {
    let viewer = match poster(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let link = match own(req, &state, &viewer, &id.0, "link.revoke").await {
        Ok(link) => link,
        Err(answer) => return answer,
    };
    let zone = match store::persons::find(&state.reads, link.person_id).await {
        Ok(Some(person)) => match store::parse_stored("time zone", person.id, &person.timezone) {
            Ok(zone) => zone,
            Err(err) => return failed(err),
        },
        Ok(None) => return not_found(req, viewer.language),
        Err(err) => return failed(err),
    };
    match workflow::revoke_link(&state, link.id, zone, &recorded_by(&viewer)).await {
        Ok(()) => see_other("/app"),
        Err(err) => failed(err),
    }
}
