//! The persons a caller may list, a page at a time. A facility's residents and a party's linked
//! persons come from the read cache: the placements and links are kept in any state and which
//! hold is decided at the time of the request, as the query would.

use std::{collections::BTreeSet, ops::Bound, sync::Arc};

use crate::entity::{link, organization, person, placement};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::WorkflowError;
use crate::{
    cache::Members,
    domain::access::ListVisibility,
    state::AppState,
    store::{self, Page, PageRequest},
};

/// The page of persons `visibility` lets the caller see, in id order after the cursor.
pub async fn visible_persons(
    state: &AppState,
    visibility: ListVisibility,
    request: PageRequest,
) -> Result<Page<person::Model>, WorkflowError> {
    let now = state.clock.now();
    let (placed_at, linked_to) = match visibility {
        ListVisibility::Only { placed_at, linked_to, themself: None } => (placed_at, linked_to),
        // Everyone (admins), or one's own record: straight from the database.
        other => return Ok(store::persons::list_visible(&state.reads, other, now, request).await?),
    };
    let placed = match placed_at {
        Some(org) => Some(state.cache.placed_at(org, || placed(state, org)).await?),
        None => None,
    };
    let linked = match linked_to {
        Some(party) => Some(links_held(state, party).await?),
        None => None,
    };
    Ok(page_of(placed.as_deref(), linked.as_deref(), now, request))
}

/// The page of the persons placed or linked at `now`, as `store::page` pages a query.
fn page_of(
    placed: Option<&Members<placement::Model>>,
    linked: Option<&Members<link::Model>>,
    now: DateTime<Utc>,
    request: PageRequest,
) -> Page<person::Model> {
    let mut ids = BTreeSet::new();
    if let Some(placed) = placed {
        ids.extend(placed.rows.iter().filter(|row| store::placements::is_current(row, now)).map(|row| row.person_id));
    }
    if let Some(linked) = linked {
        ids.extend(linked.rows.iter().filter(|link| store::links::is_active(link, now)).map(|link| link.person_id));
    }
    let person = |id: &Uuid| {
        placed.and_then(|placed| placed.persons.get(id)).or_else(|| linked.and_then(|linked| linked.persons.get(id)))
    };
    let after = request.after.map_or(Bound::Unbounded, Bound::Excluded);
    let limit = usize::try_from(request.limit).unwrap_or(usize::MAX);
    let mut items: Vec<person::Model> =
        ids.range((after, Bound::Unbounded)).filter_map(person).take(limit.saturating_add(1)).cloned().collect();
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|person| person.id)
    } else {
        None
    };
    Page { items, next_cursor }
}

async fn placed(state: &AppState, organization_id: Uuid) -> Result<Arc<Members<placement::Model>>, sea_orm::DbErr> {
    let rows = store::placements::of_organization(&state.reads, organization_id).await?;
    members(state, rows, |row| row.person_id).await
}

/// The organisations `person_id` is placed at now, from the read cache.
pub async fn placed_now(state: &AppState, person_id: Uuid) -> Result<Vec<Uuid>, sea_orm::DbErr> {
    let rows = state
        .cache
        .placements_of(person_id, || async {
            Ok::<_, sea_orm::DbErr>(Arc::new(store::placements::list_for_person(&state.reads, person_id).await?))
        })
        .await?;
    let now = state.clock.now();
    Ok(rows.iter().filter(|row| store::placements::is_current(row, now)).map(|row| row.organization_id).collect())
}

/// An organisation by id, from the read cache (`None`: no such organisation).
pub async fn organization(state: &AppState, id: Uuid) -> Result<Option<organization::Model>, sea_orm::DbErr> {
    state.cache.organization(id, || store::organizations::find(&state.reads, id)).await
}

/// Every link `party_id` holds, in any state, with the persons they name, from the read cache.
pub async fn links_held(state: &AppState, party_id: Uuid) -> Result<Arc<Members<link::Model>>, sea_orm::DbErr> {
    state.cache.linked_to(party_id, || linked(state, party_id)).await
}

async fn linked(state: &AppState, party_id: Uuid) -> Result<Arc<Members<link::Model>>, sea_orm::DbErr> {
    let rows = store::links::all_of_party(&state.reads, party_id).await?;
    members(state, rows, |link| link.person_id).await
}

/// The rows, with the persons they name, read in one more query.
async fn members<R>(
    state: &AppState,
    rows: Vec<R>,
    person_of: impl Fn(&R) -> Uuid,
) -> Result<Arc<Members<R>>, sea_orm::DbErr> {
    let ids: Vec<Uuid> = rows.iter().map(person_of).collect();
    let persons = store::persons::find_many(&state.reads, &ids).await?;
    let persons = persons.into_iter().map(|person| (person.id, person)).collect();
    Ok(Arc::new(Members { rows, persons }))
}
