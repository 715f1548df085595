//! Files of services: an イベント一覧 CSV of sessions, or another directory's HSDS export.
//! Checked whole and shown (nothing stored but the file, for a day), then confirmed: every
//! new service and session in one transaction. A service already at the organisation under
//! the same name gets the file's new sessions and is otherwise left as it is.

use std::collections::{HashMap, HashSet};

use crate::entity::{import, organization};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::super::{imports::IMPORT_VALID_HOURS, WorkflowError};
use crate::{
    domain::{
        directory::{events, hsds, Service, ServiceAsked, ServiceKind, SessionAsked},
        import::CellRefusal,
        Refusals, Why,
    },
    state::AppState,
    store::{self, imports::NewImport, new_id, services::ServiceRecord},
};

/// What kind of file it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// 「イベント一覧」 CSV, UTF-8 or Shift_JIS.
    Events,
    /// An HSDS 3.0 export (JSON).
    Hsds,
}

impl Source {
    fn format(self) -> &'static str {
        match self {
            Source::Events => store::imports::EVENTS,
            Source::Hsds => store::imports::HSDS,
        }
    }
}

/// What the services a file creates are: asked with the file, since neither format says.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Options {
    kind: String,
    area: Option<String>,
}

/// A service of the file: to be created, or there already.
#[derive(Debug, Clone)]
pub struct PlannedService {
    /// The first row (or entry) that names it.
    pub row: usize,
    pub name: String,
    /// The service there already under this name.
    pub existing: Option<Uuid>,
    pub schedules: usize,
    pub service: Option<Service>,
}

/// A session of the file, and whether its service has it already.
#[derive(Debug, Clone)]
pub struct PlannedSession {
    pub row: usize,
    pub service_name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub capacity: Option<u32>,
    pub apply_by: Option<chrono::NaiveDate>,
    pub exists: bool,
}

pub struct ServiceImportPreview {
    pub import: import::Model,
    pub services: Vec<PlannedService>,
    pub sessions: Vec<PlannedSession>,
    pub refused: Vec<CellRefusal>,
}

/// What a confirmation stored (a second confirmation answers the first's).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ServiceImported {
    pub services_created: Vec<Uuid>,
    pub sessions_added: u64,
    #[serde(skip)]
    pub already: bool,
}

fn refusal(row: usize, column: &str, why: Why) -> CellRefusal {
    CellRefusal { row, column: column.to_owned(), why }
}

fn options_of(import: &import::Model) -> Result<Options, WorkflowError> {
    let options = import.options.as_deref().ok_or_else(|| WorkflowError::Internal("import without options".into()))?;
    serde_json::from_str(options).map_err(|err| WorkflowError::Internal(err.to_string()))
}

/// The file read against what the organisation has now.
async fn plan(
    db: &impl store::Read,
    organization: &organization::Model,
    import: &import::Model,
    today: chrono::NaiveDate,
) -> Result<(Vec<PlannedService>, Vec<PlannedSession>, Vec<CellRefusal>), WorkflowError> {
    let options = options_of(import)?;
    let zone = organization.timezone;
    let existing: HashMap<String, ServiceRecord> = store::services::of_organization(db, organization.id)
        .await?
        .into_iter()
        .map(|record| (record.row.name.clone(), record))
        .collect();
    // Each service of the file as asked for, with the row of each of its sessions.
    let mut asked: Vec<(usize, ServiceAsked, Vec<usize>)> = Vec::new();
    let mut refused = Vec::new();
    if import.format == store::imports::EVENTS {
        let sheet = events::read(&import.content, zone);
        refused.extend(sheet.refused);
        for row in sheet.rows {
            let session = SessionAsked {
                starts_at: row.session.starts_at,
                ends_at: row.session.ends_at,
                capacity: row.session.capacity.map(i64::from),
                apply_by: row.session.apply_by,
                place: row.session.place.as_ref().map(|place| place.as_str().to_owned()),
            };
            match asked.iter_mut().find(|(_, service, _)| service.name == row.name) {
                Some((_, service, rows)) => {
                    service.sessions.push(session);
                    rows.push(row.row);
                }
                None => asked.push((
                    row.row,
                    ServiceAsked {
                        name: row.name,
                        kinds: vec![options.kind.clone()],
                        description: row.description,
                        for_whom: row.for_whom,
                        area: options.area.clone(),
                        phone: row.phone,
                        cost: row.cost,
                        how_to_apply: row.how_to_apply,
                        sessions: vec![session],
                        ..ServiceAsked::default()
                    },
                    vec![row.row],
                )),
            }
        }
    } else {
        let file: serde_json::Value =
            serde_json::from_str(&import.content).map_err(|err| WorkflowError::Internal(err.to_string()))?;
        match hsds::read(&file, zone) {
            Err(invalid) => refused.push(refusal(1, "", invalid.0)),
            Ok(entries) => {
                for entry in entries {
                    for (field, invalid) in entry.unreadable {
                        refused.push(refusal(entry.row, &field, invalid.0));
                    }
                    let mut service = entry.asked;
                    service.kinds = vec![options.kind.clone()];
                    service.area = service.area.or_else(|| options.area.clone());
                    let rows = vec![entry.row; service.sessions.len()];
                    asked.push((entry.row, service, rows));
                }
            }
        }
    }
    let mut services = Vec::new();
    let mut sessions = Vec::new();
    for (row, service_asked, rows) in asked {
        let there = existing.get(&service_asked.name);
        let known: HashSet<DateTime<Utc>> =
            there.map(|record| record.sessions.iter().map(|session| session.starts_at).collect()).unwrap_or_default();
        let checked = Service::parse(&service_asked, zone, today, &[], new_id);
        let service = match checked {
            Ok(service) => Some(service),
            Err(Refusals(refusals)) => {
                for refused_field in refusals {
                    // A session's refusal names its row; the rest the service's first row.
                    let at = refused_field
                        .field
                        .strip_prefix("sessions[")
                        .and_then(|rest| rest.split(']').next())
                        .and_then(|index| index.parse::<usize>().ok())
                        .and_then(|index| rows.get(index).copied())
                        .unwrap_or(row);
                    refused.push(refusal(at, &refused_field.field, refused_field.why.0));
                }
                None
            }
        };
        for (index, session) in service_asked.sessions.iter().enumerate() {
            sessions.push(PlannedSession {
                row: rows.get(index).copied().unwrap_or(row),
                service_name: service_asked.name.clone(),
                starts_at: session.starts_at,
                ends_at: session.ends_at,
                capacity: session.capacity.and_then(|seats| u32::try_from(seats).ok()),
                apply_by: session.apply_by,
                exists: known.contains(&session.starts_at),
            });
        }
        services.push(PlannedService {
            row,
            name: service_asked.name.clone(),
            existing: there.map(|record| record.row.id),
            schedules: service_asked.schedules.len(),
            service,
        });
    }
    refused.sort_by_key(|cell| cell.row);
    Ok((services, sessions, refused))
}

/// Reads and checks a file; keeps it for its confirmation; stores nothing else. `kind` is what
/// the services it creates offer (the formats do not say), `area` where, unless the file says.
pub async fn check_service_import(
    state: &AppState,
    organization: &organization::Model,
    source: Source,
    bytes: &[u8],
    kind: ServiceKind,
    area: Option<String>,
    created_by: String,
) -> Result<ServiceImportPreview, WorkflowError> {
    if bytes.is_empty() {
        return Err(Refusals::one("file", Why::Required.into()).into());
    }
    let content = match source {
        Source::Events => crate::domain::import::decode(bytes).map_err(|why| Refusals::one("file", why))?,
        Source::Hsds => {
            let file: serde_json::Value = serde_json::from_slice(bytes)
                .map_err(|_| Refusals::one("file", crate::domain::Invalid::new("is not JSON")))?;
            file.to_string()
        }
    };
    let area = area.map(|area| area.trim().to_owned()).filter(|area| !area.is_empty());
    if area.as_ref().is_some_and(|area| area.chars().count() > crate::domain::organization::AREA_CHARS) {
        let why = Why::TooLong { max: crate::domain::organization::AREA_CHARS };
        return Err(Refusals::one("area", why.into()).into());
    }
    let options = Options { kind: kind.as_str().to_owned(), area };
    let now = state.clock.now();
    let new = NewImport {
        id: new_id(),
        organization_id: organization.id,
        created_by,
        content,
        expires_at: now + Duration::hours(IMPORT_VALID_HOURS),
        format: source.format(),
        options: Some(serde_json::to_string(&options).map_err(|err| WorkflowError::Internal(err.to_string()))?),
    };
    let import = store::imports::insert(&state.db, new, now).await?;
    let today = organization.timezone.date_at(now);
    let (services, sessions, refused) = plan(&state.db, organization, &import, today).await?;
    Ok(ServiceImportPreview { import, services, sessions, refused })
}

/// A kept file of services that has not expired.
pub async fn find_service_import(state: &AppState, id: Uuid) -> Result<Option<import::Model>, WorkflowError> {
    for format in [store::imports::EVENTS, store::imports::HSDS] {
        if let Some(import) = super::super::imports::find_kept(state, id, format).await? {
            return Ok(Some(import));
        }
    }
    Ok(None)
}

/// Stores every new service and session of a checked file in one transaction; 409 while any
/// cell is refused (nothing stored).
pub async fn confirm_service_import(state: &AppState, import: import::Model) -> Result<ServiceImported, WorkflowError> {
    if let Some(created) = &import.created {
        let mut done: ServiceImported =
            serde_json::from_str(created).map_err(|err| WorkflowError::Internal(err.to_string()))?;
        done.already = true;
        return Ok(done);
    }
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let organization =
        store::organizations::find(&txn, import.organization_id).await?.ok_or(WorkflowError::NotFound)?;
    let (services, _, refused) = plan(&txn, &organization, &import, organization.timezone.date_at(now)).await?;
    if !refused.is_empty() {
        return Err(WorkflowError::Conflict(super::super::Clash::ImportHasRefusedRows { rows: refused.len() }));
    }
    let mut done = ServiceImported::default();
    for planned in services {
        let Some(service) = planned.service else { continue };
        match planned.existing {
            Some(id) => done.sessions_added += store::services::add_sessions(&txn, id, &service.sessions).await?,
            None => {
                let id = new_id();
                store::services::insert(&txn, id, organization.id, &service, now).await?;
                done.services_created.push(id);
                done.sessions_added += u64::try_from(service.sessions.len()).unwrap_or(u64::MAX);
            }
        }
    }
    let created = serde_json::to_string(&done).map_err(|err| WorkflowError::Internal(err.to_string()))?;
    if !store::imports::confirm(&txn, import.id, created, now).await? {
        // Another confirmation won meanwhile: this one stores nothing.
        return Err(WorkflowError::Stale(super::super::Staleness::ChangedMeanwhile));
    }
    txn.commit().await?;
    Ok(done)
}
