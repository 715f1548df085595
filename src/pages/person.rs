//! The person's own page (本人): what is coming for them, whom to call, and in plain words who
//! sees what of theirs — their facility's team and every linked party — with a way to choose
//! what each party sees (within what staff offered) or to stop sharing (after a confirmation).

use minijinja::{context, Value};
use poem::{Request, Response};

use super::{
    frame::{own_page, Failure, Viewer},
    words::{self, Ahead},
};
use crate::{
    access::{self, Target},
    domain::{access::Action, link_in_force, wording, wording::Reader, Language, Scope},
    state::AppState,
    store::{self, links::scope_of},
    workflow,
};

pub async fn page(req: &Request, state: &AppState, viewer: &Viewer) -> Response {
    own_page(req, viewer, "person.html", gather(state, viewer).await)
}

/// What is coming, whom to call, and everyone who sees the viewer's own record.
async fn gather(state: &AppState, viewer: &Viewer) -> Result<Value, Failure> {
    let Some(person_id) = viewer.principal.person_id else {
        return Ok(context! { coming => Vec::<Value>::new(), links => Vec::<Value>::new() });
    };
    let access =
        access::person(state, &viewer.principal, person_id, Action::ReadPerson, "page.person", Target::Person).await?;
    let now = state.clock.now();
    let language = viewer.language;
    let coming: Vec<Value> = Ahead::of(state, &access)
        .await?
        .coming(&state.rules, Reader::Person, language)
        .into_iter()
        .map(|item| item.value)
        .collect();
    let places = super::places::places_to_call(state, person_id, language).await?;
    let mut teams = Vec::new();
    for organization_id in crate::workflow::placed_now(state, person_id).await? {
        if let Some(organization) = crate::workflow::organization(state, organization_id).await? {
            teams.push(organization.name);
        }
    }
    let mut links = Vec::new();
    for link in store::links::list_for_person(&state.reads, person_id).await? {
        if !link_in_force(link.revoked_at, link.expires_at, now) {
            continue;
        }
        let Some(party) = store::parties::find(&state.reads, link.party_id).await? else { continue };
        let offered = workflow::offered_scope(&state.reads, &link).await?;
        links.push(sharing(&link, &party.display_name, &offered, language)?);
    }
    Ok(context! { coming => coming, teams => teams, links => links, ..places })
}

/// One party's link: what they see now, and the kinds the person may tick (what staff offered).
fn sharing(
    link: &crate::entity::link::Model,
    name: &str,
    offered: &Scope,
    language: Language,
) -> Result<Value, Failure> {
    let scope = scope_of(link)?;
    let relationship = words::relationship(link.relationship, language);
    let kind = |kind| wording::scope_kind(kind, Reader::Person, language);
    let kinds: Vec<String> = scope.kinds().map(kind).collect();
    let choices: Vec<Value> = offered
        .kinds()
        .map(|offered| {
            context! { value => offered.as_str(), label => kind(offered), checked => scope.contains(offered) }
        })
        .collect();
    Ok(context! {
        id => link.id, name => name, relationship => relationship, kinds => kinds, choices => choices,
        narrowed => scope != *offered,
    })
}
