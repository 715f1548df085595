//! The directory of help: services changed by their organisation's staff (or admins), checked
//! whole by the domain and stored with their sessions in one transaction; read by anyone,
//! signed in or not, as the public directory and its HSDS API.

mod calendar;
mod imports;
mod reminders;

pub use calendar::{occurrences, open_now, Occurrence};

pub use imports::{
    check_service_import, confirm_service_import, find_service_import, PlannedService, PlannedSession,
    ServiceImportPreview, ServiceImported, Source,
};
pub use reminders::remind_of_deadlines;

use std::collections::HashMap;

use crate::entity::organization;
use uuid::Uuid;

use super::WorkflowError;
use crate::{
    domain::directory::{RecurrenceAsked, Service, ServiceAsked, SessionAsked},
    state::AppState,
    store::{self, new_id, services::ServiceRecord},
};

/// A service with the organisation that offers it (kept whole in the read cache).
pub use crate::cache::Listed;

/// A stored service as it would be asked for: the ground a change is made on.
pub fn asked_of(record: &ServiceRecord) -> ServiceAsked {
    let row = &record.row;
    ServiceAsked {
        name: row.name.clone(),
        kinds: record.kinds.iter().map(|kind| kind.as_str().to_owned()).collect(),
        status: Some(record.status.as_str().to_owned()),
        description: row.description.clone(),
        for_whom: row.for_whom.clone(),
        area: row.area.clone(),
        phone: row.phone.clone(),
        languages: record.languages.clone(),
        cost: row.cost.clone(),
        how_to_apply: row.how_to_apply.clone(),
        url: row.url.clone(),
        assured_on: row.assured_on,
        schedules: record.schedules.iter().map(|rule| rule.asked()).collect::<Vec<RecurrenceAsked>>(),
        sessions: record
            .sessions
            .iter()
            .map(|session| SessionAsked {
                starts_at: session.starts_at,
                ends_at: session.ends_at,
                capacity: session.capacity.map(i64::from),
                apply_by: session.apply_by,
                place: session.place.clone(),
            })
            .collect(),
    }
}

fn check(
    organization: &organization::Model,
    asked: &ServiceAsked,
    ids: &[Uuid],
    state: &AppState,
) -> Result<Service, WorkflowError> {
    let zone = organization.timezone;
    Ok(Service::parse(asked, zone, zone.date_at(state.clock.now()), ids, new_id)?)
}

pub async fn create_service(
    state: &AppState,
    organization: &organization::Model,
    asked: ServiceAsked,
) -> Result<ServiceRecord, WorkflowError> {
    let service = check(organization, &asked, &[], state)?;
    let now = state.clock.now();
    let id = new_id();
    let txn = state.db.begin().await?;
    store::services::insert(&txn, id, organization.id, &service, now).await?;
    let record = store::services::find(&txn, id).await?.ok_or(WorkflowError::NotFound)?;
    txn.commit().await?;
    Ok(record)
}

/// Changes a service: `change` turns what is stored into what is asked for, which is checked
/// whole. Schedules keep their ids by position.
pub async fn update_service(
    state: &AppState,
    id: Uuid,
    change: impl FnOnce(ServiceAsked) -> ServiceAsked,
) -> Result<ServiceRecord, WorkflowError> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let existing = store::services::find(&txn, id).await?.ok_or(WorkflowError::NotFound)?;
    let organization =
        store::organizations::find(&txn, existing.row.organization_id).await?.ok_or(WorkflowError::NotFound)?;
    let ids: Vec<Uuid> = existing.schedules.iter().map(|rule| rule.id).collect();
    let service = check(&organization, &change(asked_of(&existing)), &ids, state)?;
    store::services::replace(&txn, existing.row, &service, now).await?;
    let record = store::services::find(&txn, id).await?.ok_or(WorkflowError::NotFound)?;
    txn.commit().await?;
    Ok(record)
}

pub async fn delete_service(state: &AppState, id: Uuid) -> Result<(), WorkflowError> {
    let txn = state.db.begin().await?;
    store::services::delete(&txn, id).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn find_service(state: &AppState, id: Uuid) -> Result<Option<ServiceRecord>, WorkflowError> {
    Ok(store::services::find(&state.reads, id).await?)
}

pub async fn services_of(state: &AppState, organization_id: Uuid) -> Result<Vec<ServiceRecord>, WorkflowError> {
    Ok(store::services::of_organization(&state.reads, organization_id).await?)
}

/// Every service the public directory shows, with its organisation, by name: from the read
/// cache, which forgets it when a service or an organisation changes.
/// Shared as it is kept: a search copies only what it finds.
pub async fn directory(state: &AppState) -> Result<std::sync::Arc<Vec<Listed>>, WorkflowError> {
    state.cache.directory(|| async { Ok::<_, WorkflowError>(std::sync::Arc::new(read_directory(state).await?)) }).await
}

async fn read_directory(state: &AppState) -> Result<Vec<Listed>, WorkflowError> {
    let services = store::services::active(&state.reads).await?;
    let mut ids: Vec<Uuid> = services.iter().map(|record| record.row.organization_id).collect();
    ids.sort();
    ids.dedup();
    let organizations: HashMap<Uuid, organization::Model> =
        store::organizations::find_many(&state.reads, &ids).await?.into_iter().map(|row| (row.id, row)).collect();
    Ok(services
        .into_iter()
        .filter_map(|service| {
            let organization = organizations.get(&service.row.organization_id)?.clone();
            Some(Listed { service, organization })
        })
        .collect())
}

/// What a reader of the directory looks for; each part left out matches everything.
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// Words in the service's name or description, or its organisation's name.
    pub text: Option<String>,
    pub organization_id: Option<Uuid>,
    pub kind: Option<crate::domain::directory::ServiceKind>,
    /// The area served; a service with no area serves everywhere.
    pub area: Option<String>,
    pub modified_after: Option<chrono::DateTime<chrono::Utc>>,
}

impl Search {
    pub fn matches(&self, listed: &Listed) -> bool {
        let row = &listed.service.row;
        let text = self.text.as_deref().map(str::trim).filter(|text| !text.is_empty()).map(str::to_lowercase);
        let has_text = |words: &str| {
            let words = words.to_lowercase();
            [Some(row.name.as_str()), row.description.as_deref(), Some(listed.organization.name.as_str())]
                .into_iter()
                .flatten()
                .any(|field| field.to_lowercase().contains(&words))
        };
        text.as_deref().is_none_or(has_text)
            && self.organization_id.is_none_or(|id| row.organization_id == id)
            && self.kind.is_none_or(|kind| listed.service.kinds.contains(&kind))
            && self.area.as_deref().map(str::trim).filter(|area| !area.is_empty()).is_none_or(|area| {
                row.area.as_deref().is_none_or(|served| crate::domain::directory::same_area(served, area))
            })
            && self.modified_after.is_none_or(|after| row.updated_at >= after)
    }
}

/// The public directory's services that match `search`, by name.
pub async fn search(state: &AppState, search: &Search) -> Result<Vec<Listed>, WorkflowError> {
    Ok(directory(state).await?.iter().filter(|listed| search.matches(listed)).cloned().collect())
}

/// One organisation of the public directory (one with an active service), with its services.
pub async fn public_organization(
    state: &AppState,
    id: Uuid,
) -> Result<Option<(organization::Model, Vec<ServiceRecord>)>, WorkflowError> {
    let services: Vec<ServiceRecord> = store::services::of_organization(&state.reads, id)
        .await?
        .into_iter()
        .filter(ServiceRecord::is_active)
        .collect();
    if services.is_empty() {
        return Ok(None);
    }
    Ok(store::organizations::find(&state.reads, id).await?.map(|organization| (organization, services)))
}

/// One active service of the public directory, with its organisation.
pub async fn public_service(state: &AppState, id: Uuid) -> Result<Option<Listed>, WorkflowError> {
    let Some(service) = store::services::find(&state.reads, id).await?.filter(ServiceRecord::is_active) else {
        return Ok(None);
    };
    let organization = store::organizations::find(&state.reads, service.row.organization_id).await?;
    Ok(organization.map(|organization| Listed { service, organization }))
}

/// The active service a session belongs to, with its organisation.
pub async fn public_service_of_session(state: &AppState, session_id: Uuid) -> Result<Option<Listed>, WorkflowError> {
    match store::services::service_of_session(&state.reads, session_id).await? {
        Some(service_id) => public_service(state, service_id).await,
        None => Ok(None),
    }
}

/// The organisations that are places to turn to in `area` (every one for `None`), from the read
/// cache: a new organisation or a changed one is a change to the directory.
pub async fn places_to_turn(
    state: &AppState,
    area: Option<String>,
) -> Result<std::sync::Arc<Vec<organization::Model>>, WorkflowError> {
    state
        .cache
        .places_to_turn(area.clone(), || async move {
            Ok(std::sync::Arc::new(store::organizations::places_to_turn(&state.reads, area.as_deref()).await?))
        })
        .await
}
