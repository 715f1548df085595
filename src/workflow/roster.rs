//! The persons a caller may list, a page at a time. A facility's residents and a party's linked
//! persons come from the read cache: the placements and links are kept in any state and which
//! hold is decided at the time of the request, as the query would.

use std::{collections::BTreeSet, ops::Bound, sync::Arc};

use chrono::{DateTime, Utc};
use entity::person;
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
    let mut groups = Vec::new();
    if let Some(organization_id) = placed_at {
        groups.push(state.cache.placed_at(organization_id, || placed(state, organization_id)).await?);
    }
    if let Some(party_id) = linked_to {
        groups.push(state.cache.linked_to(party_id, || linked(state, party_id)).await?);
    }
    Ok(page_of(&groups, now, request))
}

/// The page of the persons placed or linked at `now`, as `store::page` pages a query.
fn page_of(groups: &[Arc<Members>], now: DateTime<Utc>, request: PageRequest) -> Page<person::Model> {
    let mut ids = BTreeSet::new();
    for members in groups {
        let placed = members.placements.iter().filter(|row| store::placements::is_current(row, now));
        ids.extend(placed.map(|row| row.person_id));
        let linked = members.links.iter().filter(|link| store::links::is_active(link, now));
        ids.extend(linked.map(|link| link.person_id));
    }
    let after = request.after.map_or(Bound::Unbounded, Bound::Excluded);
    let limit = usize::try_from(request.limit).unwrap_or(usize::MAX);
    let mut items: Vec<person::Model> = ids
        .range((after, Bound::Unbounded))
        .filter_map(|id| groups.iter().find_map(|members| members.persons.get(id)))
        .take(limit.saturating_add(1))
        .cloned()
        .collect();
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|person| person.id)
    } else {
        None
    };
    Page { items, next_cursor }
}

async fn placed(state: &AppState, organization_id: Uuid) -> Result<Arc<Members>, WorkflowError> {
    let placements = store::placements::of_organization(&state.reads, organization_id).await?;
    let ids: Vec<Uuid> = placements.iter().map(|row| row.person_id).collect();
    let persons = store::persons::find_many(&state.reads, &ids).await?;
    let persons = persons.into_iter().map(|person| (person.id, person)).collect();
    Ok(Arc::new(Members { placements, links: Vec::new(), persons }))
}

async fn linked(state: &AppState, party_id: Uuid) -> Result<Arc<Members>, WorkflowError> {
    let links = store::links::all_of_party(&state.reads, party_id).await?;
    let ids: Vec<Uuid> = links.iter().map(|link| link.person_id).collect();
    let persons = store::persons::find_many(&state.reads, &ids).await?;
    let persons = persons.into_iter().map(|person| (person.id, person)).collect();
    Ok(Arc::new(Members { placements: Vec::new(), links, persons }))
}
