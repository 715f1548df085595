//! The person's own page (本人): what is coming for them, and in plain words who sees what of
//! theirs, with a way to share less or stop sharing (after a confirmation step).

use minijinja::{context, Value};
use poem::{http::StatusCode, Request, Response};
use uuid::Uuid;

use super::{
    family::DAYS_AHEAD,
    frame::{failed, html, viewer_frame, Failure, Viewer},
    words,
};
use crate::{
    access::{self, Target},
    domain::{access::Action, calendar::add_days, link_in_force, Language, Relationship},
    state::AppState,
    store::{self, links::scope_of},
    workflow,
};

pub async fn page(req: &Request, state: &AppState, viewer: &Viewer) -> Response {
    match gather(state, viewer).await {
        Ok(context) => {
            let title = match viewer.language {
                Language::Ja => format!("{}さんのページ", viewer.party.display_name),
                Language::En => format!("{}'s page", viewer.party.display_name),
            };
            let frame = viewer_frame(req, viewer, &title);
            html(StatusCode::OK, "person.html", context! { ..frame, ..context })
        }
        Err(err) => failed(err),
    }
}

/// The links in force on the viewer's own record, as the page lists them.
async fn gather(state: &AppState, viewer: &Viewer) -> Result<Value, Failure> {
    let Some(person_id) = viewer.principal.person_id else {
        return Ok(context! { coming => Vec::<Value>::new(), links => Vec::<Value>::new() });
    };
    let access =
        access::person(state, &viewer.principal, person_id, Action::ReadPerson, "page.person", Target::Person).await?;
    let now = state.clock.now();
    let language = viewer.language;
    let zone = access.zone()?;
    let today = zone.date_at(now);
    let schedule = workflow::current_schedule(state, person_id, zone, &access.standing.scope()).await?;
    let until = add_days(today, DAYS_AHEAD).unwrap_or(today);
    let coming: Vec<Value> =
        words::coming(&schedule, &state.rules, today, until, language).into_iter().map(|item| item.value).collect();
    let mut links = Vec::new();
    for link in store::links::list_for_person(&state.reads, person_id).await? {
        if !link_in_force(link.revoked_at, link.expires_at, now) {
            continue;
        }
        let Some(party) = store::parties::find(&state.reads, link.party_id).await? else { continue };
        links.push(sharing(&link, &party.display_name, language)?);
    }
    Ok(context! { coming => coming, links => links })
}

fn sharing(link: &entity::link::Model, name: &str, language: Language) -> Result<Value, Failure> {
    let scope = scope_of(link)?;
    let relationship = link.relationship.parse::<Relationship>().map(|r| words::relationship(r, language)).unwrap_or("");
    let kinds: Vec<&str> = scope.kinds().map(|kind| words::scope_kind(kind, language)).collect();
    let choices: Vec<Value> =
        scope.kinds().map(|kind| context! { value => kind.as_str(), label => words::scope_kind(kind, language) }).collect();
    Ok(context! { id => link.id, name => name, relationship => relationship, kinds => kinds, choices => choices })
}

/// A link on the viewer's own record, while it is in force; `None` answers 404.
pub async fn own_link(state: &AppState, viewer: &Viewer, link_id: Uuid) -> Result<Option<entity::link::Model>, Failure> {
    let Some(person_id) = viewer.principal.person_id else { return Ok(None) };
    let link = store::links::find(&state.reads, link_id).await?;
    Ok(link.filter(|link| link.person_id == person_id && link_in_force(link.revoked_at, link.expires_at, state.clock.now())))
}
