//! A family member's or lawyer's page: for each person they are linked to, what is coming and
//! why, who to call (the facility, and the places to turn to near it), their alerts with
//! Acknowledge, and a calendar link.

use std::collections::{BTreeSet, HashMap};

use minijinja::{context, Value};
use poem::{Request, Response};
use uuid::Uuid;

use super::{
    frame::{own_page, Failure, Viewer},
    words::{self, Ahead},
};
use crate::{
    access::{self, AccessError, Target},
    domain::{access::Action, risk::wording, words::alert_title, Language},
    state::AppState,
    store,
};

pub async fn page(req: &Request, state: &AppState, viewer: &Viewer) -> Response {
    own_page(req, viewer, "family.html", gather(state, viewer).await)
}

async fn gather(state: &AppState, viewer: &Viewer) -> Result<Value, Failure> {
    let now = state.clock.now();
    let language = viewer.language;
    let mut persons = Vec::new();
    let links = store::links::links_of_party(&state.reads, viewer.party.id, now).await?;
    let person_ids: BTreeSet<Uuid> = links.iter().map(|link| link.person_id).collect();
    for person_id in person_ids {
        let access = match access::person(
            state,
            &viewer.principal,
            person_id,
            Action::ReadPerson,
            "page.person",
            Target::Person,
        )
        .await
        {
            Ok(access) => access,
            Err(AccessError::NotFound | AccessError::Forbidden(_)) => continue,
            Err(err) => return Err(err.into()),
        };
        let coming = Ahead::of(state, &access).await?.coming(&state.rules, language);
        let facility = match store::placements::current_organizations(&state.reads, person_id, now).await?.first() {
            Some(id) => store::organizations::find(&state.reads, *id).await?,
            None => None,
        };
        let area = facility.as_ref().and_then(|facility| facility.area.clone());
        let places: Vec<Value> = store::organizations::places_to_turn(&state.reads, area.as_deref())
            .await?
            .iter()
            .map(|row| words::organization(row, language))
            .collect();
        persons.push(context! {
            name => access.person.display_name, coming => coming, places => places,
            facility => facility.as_ref().map(|row| words::organization(row, language)),
        });
    }
    let alerts = alerts(state, viewer).await?;
    Ok(context! { persons => persons, alerts => alerts })
}

/// The viewer's own alerts whose consent still holds, newest first, each read audited.
async fn alerts(state: &AppState, viewer: &Viewer) -> Result<Vec<Value>, Failure> {
    let (rows, _) = store::inbox::inbox(&state.reads, viewer.party.id, false, None, 20).await?;
    let rows = access::alerts::still_visible(state, rows).await?;
    let person_ids: BTreeSet<Uuid> = rows.iter().map(|row| row.person_id).collect();
    let entries = access::list_entries(&viewer.principal, "alert.list", person_ids.iter().copied());
    state.audit.record(entries, state.clock.now()).await?;
    let ids: Vec<Uuid> = person_ids.into_iter().collect();
    let names: HashMap<Uuid, String> = store::persons::find_many(&state.reads, &ids)
        .await?
        .into_iter()
        .map(|person| (person.id, person.display_name))
        .collect();
    Ok(rows.iter().map(|row| alert(state, row, &names, viewer.language)).collect())
}

/// An alert as a page lists it.
pub fn alert(state: &AppState, row: &entity::alert::Model, names: &HashMap<Uuid, String>, language: Language) -> Value {
    let rule = state.rules.iter().find(|rule| rule.id == row.rule);
    let (title, why) = rule.map(|rule| wording(rule, language)).unwrap_or((row.rule.as_str(), ""));
    let severity = row.severity.parse().ok();
    let year = chrono::Datelike::year(&row.starts_on);
    context! {
        id => row.id, person_id => row.person_id, person => names.get(&row.person_id),
        title => alert_title(row, title, language), why => why,
        when => crate::domain::words::span(row.starts_on, row.ends_on, language, year),
        severity => row.severity, severity_label => severity.map(|severity| words::severity(severity, language)),
        acknowledged => row.acknowledged_at.is_some(),
    }
}
