//! Whom to call about a person, as the family's and the person's pages list it: the facility
//! they are placed at, the directory's services in its area (a few, each kind in turn, and a
//! link to the others), and the organisations there that are places to turn to.

use std::{collections::VecDeque, sync::Arc};

use minijinja::{context, Value};

use super::{frame::Failure, words::pick};
use crate::{
    cache::PlacesToCall,
    domain::{organization::phone_for_people, Language, OrganizationKind},
    state::AppState,
    workflow,
};

/// What a place to turn to helps with, in plain words, when it has not said so itself.
fn place_kind(kind: OrganizationKind, language: Language) -> &'static str {
    match kind {
        OrganizationKind::ConsultationWindow => pick(language, "薬物のことを相談できるところ", "Advice about drug use"),
        OrganizationKind::MentalHealthWelfareCentre => {
            pick(language, "こころの健康と薬物の相談", "Mental health and drug-use advice")
        }
        OrganizationKind::LawOffice => pick(language, "法律の相談", "Legal advice"),
        OrganizationKind::Medical => pick(language, "病院・診療所", "Medical care"),
        OrganizationKind::RehabFacility => pick(language, "回復を支える施設", "A recovery facility"),
        OrganizationKind::ProbationOffice => pick(language, "保護観察所", "The probation office"),
        OrganizationKind::Other => pick(language, "相談先", "Somewhere to ask for help"),
    }
}

/// A place to call as the pages show it: its name, what it helps with, its hours and its
/// number, as people write it and as a `tel:` link dials it.
#[derive(serde::Serialize)]
struct PlaceToCall {
    name: String,
    helps_with: String,
    hours: Option<String>,
    phone: Option<String>,
    phone_e164: Option<String>,
}

/// A place to call, as the family's and the person's pages show it: its name, what it helps
/// with, its number to call and its hours.
fn place(row: &crate::entity::organization::Model, language: Language) -> PlaceToCall {
    let kind = place_kind(row.kind, language);
    let helps_with = row.helps_with.as_deref().filter(|text| !text.trim().is_empty()).unwrap_or(kind);
    PlaceToCall {
        name: row.name.clone(),
        helps_with: helps_with.to_owned(),
        hours: row.hours.clone(),
        phone: row.phone.as_deref().map(phone_for_people),
        phone_e164: row.phone.clone(),
    }
}

/// A service of the directory as a place to call: what it offers, when, and its number.
fn service_place(listed: &crate::workflow::services::Listed, language: Language) -> PlaceToCall {
    let row = &listed.service.row;
    let offers: Vec<&str> =
        listed.service.kinds.iter().map(|kind| super::help::words::kind_words(*kind, language)).collect();
    let helps_with = row.description.clone().unwrap_or_else(|| offers.join(pick(language, "・", ", ")));
    let hours: Vec<String> =
        listed.service.schedules.iter().map(|rule| super::help::words::schedule_words(rule, language)).collect();
    let phone = row.phone.clone().or_else(|| listed.organization.phone.clone());
    let name = match language {
        Language::Ja => format!("{}（{}）", row.name, listed.organization.name),
        Language::En => format!("{} ({})", row.name, listed.organization.name),
    };
    PlaceToCall {
        name,
        helps_with,
        hours: (!hours.is_empty())
            .then(|| hours.join(pick(language, "、", "; ")))
            .or_else(|| listed.organization.hours.clone()),
        phone: phone.as_deref().map(phone_for_people),
        phone_e164: phone,
    }
}

/// Whom to call about a person: their facility, and the places to turn to in its area: the
/// directory's services first (the same as the public directory shows), then organisations
/// that are places to turn to and list no service of their own. Written once for each
/// facility and language, until the directory changes; a page shows it as `calls`.
///
/// A page lists at most [`SERVICES_SHOWN`] of the directory's services, each kind of help in
/// turn, and links to the directory page of the area for the others: a phone's page with every
/// service of a large prefecture would be one long scroll, and hundreds of kilobytes for each
/// family held in the cache (README "Performance"). The organisations are listed whole: the
/// directory page does not list them, and they are the few an admin enters.
pub async fn places_to_call(state: &AppState, person_id: uuid::Uuid, language: Language) -> Result<Value, Failure> {
    let facility = workflow::placed_now(state, person_id).await?.first().copied();
    let places = state.cache.places_to_call(facility, language, || near(state, facility, language)).await?;
    Ok(context! { calls => context! { items => Value::from_safe_string(places.items.clone()) } })
}

/// The places to call near `facility`, written for `language`.
async fn near(
    state: &AppState,
    facility: Option<uuid::Uuid>,
    language: Language,
) -> Result<Arc<PlacesToCall>, Failure> {
    let facility = match facility {
        Some(id) => workflow::organization(state, id).await?,
        None => None,
    };
    let area = facility.as_ref().and_then(|facility| facility.area.clone());
    let search = crate::workflow::services::Search { area: area.clone(), ..Default::default() };
    let services: Vec<crate::workflow::services::Listed> = workflow::services::search(state, &search)
        .await?
        .into_iter()
        .filter(|listed| listed.service.kinds.iter().any(|kind| kind.is_a_place_to_turn()))
        .filter(|listed| facility.as_ref().is_none_or(|facility| facility.id != listed.organization.id))
        .collect();
    let listing: std::collections::HashSet<uuid::Uuid> = services.iter().map(|listed| listed.organization.id).collect();
    let all = services.len();
    let shown = each_kind_in_turn(services, SERVICES_SHOWN, |listed| listed.service.kinds.first().copied());
    let more = (all > shown.len()).then(|| {
        let href = match &area {
            Some(area) => {
                format!("/help?area={}", url::form_urlencoded::byte_serialize(area.as_bytes()).collect::<String>())
            }
            None => "/help".to_owned(),
        };
        context! { href => href, count => all - shown.len() }
    });
    let mut places: Vec<PlaceToCall> = shown.iter().map(|listed| service_place(listed, language)).collect();
    let turn_to = workflow::services::places_to_turn(state, area).await?;
    places.extend(turn_to.iter().filter(|row| !listing.contains(&row.id)).map(|row| place(row, language)));
    let facility = facility.as_ref().map(|row| place(row, language));
    let args = [Value::from_serialize(&facility), Value::from_serialize(&places), Value::from_serialize(&more)];
    let items = crate::templates::render_macro("places.html", "items", language, &args)?;
    Ok(Arc::new(PlacesToCall { items }))
}

/// How many of the directory's services a page lists below the facility (the others are a
/// link away, on the directory page of the area).
pub const SERVICES_SHOWN: usize = 6;

/// The first `at_most` of `items`, taking one of each kind in turn (in the order the kinds
/// first appear), so that an area with fifty family classes still shows its clinic and its
/// consultation window; within a kind, the order given.
fn each_kind_in_turn<T, K: PartialEq>(items: Vec<T>, at_most: usize, kind_of: impl Fn(&T) -> K) -> Vec<T> {
    let mut kinds: Vec<(K, VecDeque<T>)> = Vec::new();
    for item in items {
        let kind = kind_of(&item);
        match kinds.iter_mut().find(|(seen, _)| *seen == kind) {
            Some((_, same)) => same.push_back(item),
            None => kinds.push((kind, VecDeque::from([item]))),
        }
    }
    let mut shown = Vec::new();
    while shown.len() < at_most && kinds.iter().any(|(_, same)| !same.is_empty()) {
        for (_, same) in &mut kinds {
            if shown.len() == at_most {
                break;
            }
            shown.extend(same.pop_front());
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::each_kind_in_turn;

    #[test]
    fn each_kind_takes_its_turn_before_any_kind_shows_a_second() {
        let items = vec![("class", 1), ("class", 2), ("class", 3), ("clinic", 4), ("class", 5), ("legal", 6)];
        let shown = each_kind_in_turn(items.clone(), 4, |item| item.0);
        assert_eq!(shown, vec![("class", 1), ("clinic", 4), ("legal", 6), ("class", 2)]);
        assert_eq!(each_kind_in_turn(items.clone(), 10, |item| item.0).len(), items.len(), "fewer than the bound: all");
        assert!(each_kind_in_turn(items, 0, |item| item.0).is_empty());
    }
}
