//! The person's forms: choose what a party sees (within what staff offered), and stop sharing
//! after a confirmation step.

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
    domain::{Language, Scope, ScopeKind, SharingChoice, Why, Zone},
    pages::frame::{failed, html, id_of, not_found, see_other, signed_in, viewer_frame, Viewer},
    state::AppState,
    store::{self, links::RecordedBy},
    templates::url_value,
    workflow::{self, WorkflowError},
};

/// The person's own link they act on, with the decision audited; or the 404 page.
async fn own(
    req: &Request,
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
    action: &'static str,
) -> Result<crate::entity::link::Model, Response> {
    let Some(id) = id_of(raw) else { return Err(not_found(req, viewer.language)) };
    match access::alerts::own_link(state, &viewer.principal, id, action).await {
        Ok(Some(link)) => Ok(link),
        Ok(None) => Err(not_found(req, viewer.language)),
        Err(err) => Err(access_failed(req, viewer, err)),
    }
}

fn recorded_by(viewer: &Viewer) -> RecordedBy {
    RecordedBy {
        subject: viewer.principal.actor_id(),
        role: viewer.principal.role,
        basis: None,
        via: viewer.principal.consent_via(),
    }
}

/// The person's time zone, for the day a consent change is recorded on.
async fn zone_of(
    req: &Request,
    state: &AppState,
    viewer: &Viewer,
    link: &crate::entity::link::Model,
) -> Result<Zone, Response> {
    match store::persons::find(&state.reads, link.person_id).await {
        Ok(Some(person)) => Ok(person.timezone),
        Ok(None) => Err(not_found(req, viewer.language)),
        Err(err) => Err(failed(err)),
    }
}

/// `POST /app/sharing/{link}`: the kinds ticked are what the party sees from now on, within
/// what staff offered on the link. Nothing ticked stores nothing and asks whether to stop
/// sharing instead.
#[handler]
pub async fn choose_sharing(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
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
    let zone = match zone_of(req, &state, &viewer, &link).await {
        Ok(zone) => zone,
        Err(answer) => return answer,
    };
    match workflow::choose_sharing(&state, link.id, zone, Scope::new(kept), &recorded_by(&viewer)).await {
        Ok(SharingChoice::Share(_)) => see_other("/app"),
        Ok(SharingChoice::StopInstead) => stop_confirmation(req, &state, &viewer, &link, true).await,
        Err(WorkflowError::Refused(refusals)) => {
            let why = refusals.0.first().map(|refusal| refusal.why.0.clone()).unwrap_or(Why::Required);
            let text = crate::pages::refusals::why(&why, viewer.language);
            let title = match viewer.language {
                Language::Ja => "保存できませんでした",
                Language::En => "Nothing was saved",
            };
            html(
                StatusCode::UNPROCESSABLE_ENTITY,
                "page.html",
                context! { text => text, ..viewer_frame(req, &viewer, title) },
            )
        }
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
    let link = match own(req, &state, &viewer, &id.0, "page.sharing_stop").await {
        Ok(link) => link,
        Err(answer) => return answer,
    };
    stop_confirmation(req, &state, &viewer, &link, false).await
}

/// Whether to stop sharing with a party: 「共有をやめる」 or 「共有を続ける」. When the person
/// ticked nothing, it says that showing nothing is stopping.
async fn stop_confirmation(
    req: &Request,
    state: &AppState,
    viewer: &Viewer,
    link: &crate::entity::link::Model,
    nothing_ticked: bool,
) -> Response {
    let name = match store::parties::find(&state.reads, link.party_id).await {
        Ok(party) => party.map(|party| party.display_name).unwrap_or_default(),
        Err(err) => return failed(err),
    };
    let (title, mut text, button, keep) = match viewer.language {
        Language::Ja => (
            format!("{name}さんとの共有をやめますか"),
            format!("{name}さんは、あなたの予定やお知らせを見られなくなります。あとで施設に頼めば、また共有できます。"),
            "共有をやめる",
            "共有を続ける",
        ),
        Language::En => (
            format!("Stop sharing with {name}?"),
            format!("{name} will no longer see your dates or get alerts about you. Your facility can set sharing up again if you ask."),
            "Stop sharing",
            "Keep sharing",
        ),
    };
    if nothing_ticked {
        let first = match viewer.language {
            Language::Ja => "何も選ばないと、見せるものがなくなります。それは共有をやめることと同じです。何も変えていません。",
            Language::En => "With nothing ticked there is nothing left to show, which is the same as stopping. Nothing has changed yet.",
        };
        text = format!("{first} {text}");
    }
    let action = format!("/app/sharing/{}/stop", link.id);
    let context = context! {
        text => text, action => url_value(&action), button => button, back => "/app", keep => keep,
        ..viewer_frame(req, viewer, &title)
    };
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
    let zone = match zone_of(req, &state, &viewer, &link).await {
        Ok(zone) => zone,
        Err(answer) => return answer,
    };
    match workflow::revoke_link(&state, link.id, zone, &recorded_by(&viewer)).await {
        Ok(()) => see_other("/app"),
        Err(err) => failed(err),
    }
}
