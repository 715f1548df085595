//! The person's own page (本人): what is coming for them, and in plain words who sees what of
//! theirs, with a way to share less or stop sharing (after a confirmation step).

use minijinja::{context, Value};
use poem::{Request, Response};
use uuid::Uuid;

use super::{
    frame::{own_page, Failure, Viewer},
    words::{self, Ahead},
};
use crate::{
    access::{self, Target},
    domain::{access::Action, link_in_force, Language, Relationship},
    state::AppState,
    store::{self, links::scope_of},
};

pub async fn page(req: &Request, state: &AppState, viewer: &Viewer) -> Response {
    own_page(req, viewer, "person.html", gather(state, viewer).await)
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
    let coming = Ahead::of(state, &access).await?.coming(&state.rules, language);
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
    let relationship =
        link.relationship.parse::<Relationship>().map(|r| words::relationship(r, language)).unwrap_or("");
    let kinds: Vec<&str> = scope.kinds().map(|kind| words::scope_kind(kind, language)).collect();
    let choices: Vec<Value> = scope
        .kinds()
        .map(|kind| context! { value => kind.as_str(), label => words::scope_kind(kind, language) })
        .collect();
    Ok(context! { id => link.id, name => name, relationship => relationship, kinds => kinds, choices => choices })
}

/// A link on the viewer's own record, while it is in force; `None` answers 404.
pub async fn own_link(
    state: &AppState,
    viewer: &Viewer,
    link_id: Uuid,
) -> Result<Option<entity::link::Model>, Failure> {
    let Some(person_id) = viewer.principal.person_id else { return Ok(None) };
    let link = store::links::find(&state.reads, link_id).await?;
    Ok(link.filter(|link| {
        link.person_id == person_id && link_in_force(link.revoked_at, link.expires_at, state.clock.now())
    }))
}
