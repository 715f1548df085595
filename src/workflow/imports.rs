//! A facility's spreadsheet: read and checked whole, shown, and stored only when confirmed,
//! all rows in one transaction. A row whose resident is already at the facility (the same
//! facility id, or with no id the same name and date of birth) is shown as such and never
//! created twice.

use std::collections::HashSet;

use crate::entity::{import, organization};
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::{milestones::insert_with_history, Clash, WorkflowError};
use crate::{
    domain::{
        import::{self as sheet, ImportRow, Sheet},
        milestones::Milestone,
        Language, Refusals, Zone,
    },
    state::AppState,
    store::{
        self, audit::AuditEntry, imports::NewImport, milestones::Actor, new_id, persons::NewPerson,
        placements::NewPlacement,
    },
};

/// How long a checked file waits for its confirmation.
pub const IMPORT_VALID_HOURS: i64 = 24;

/// A file as checked: what will be created, what is there already, what was refused.
pub struct Preview {
    pub import: import::Model,
    pub sheet: Sheet,
    /// The rows of `sheet.rows` whose resident is at the facility already.
    pub existing: HashSet<usize>,
}

/// What a confirmation created (the second confirmation of a file answers the first's).
pub struct Confirmed {
    pub created: Vec<Uuid>,
    pub already: bool,
}

fn zone_of(organization: &organization::Model) -> Result<Zone, WorkflowError> {
    Ok(organization.timezone)
}

/// The file read against the organisation's roll as it stands in `db`.
async fn read(
    db: &impl crate::store::Write,
    organization: &organization::Model,
    text: &str,
    now: DateTime<Utc>,
) -> Result<(Sheet, HashSet<usize>), WorkflowError> {
    let sheet = sheet::read(text, zone_of(organization)?.date_at(now));
    let existing = already_there(db, organization.id, &sheet.rows).await?;
    Ok((sheet, existing))
}

/// Reads `bytes`, checks every row and keeps the file for its confirmation; nothing else is
/// stored. A file that is empty or not text is refused as a whole (`file`).
pub async fn check_import(
    state: &AppState,
    organization: &organization::Model,
    bytes: &[u8],
    created_by: String,
) -> Result<Preview, WorkflowError> {
    if bytes.is_empty() {
        return Err(Refusals::one("file", crate::domain::Why::Required.into()).into());
    }
    let text = sheet::decode(bytes).map_err(|why| Refusals::one("file", why))?;
    let now = state.clock.now();
    let (sheet, existing) = read(&state.db, organization, &text, now).await?;
    let new = NewImport {
        id: new_id(),
        organization_id: organization.id,
        created_by,
        content: text,
        expires_at: now + Duration::hours(IMPORT_VALID_HOURS),
        format: store::imports::RESIDENTS,
        options: None,
    };
    let import = store::imports::insert(&state.db, new, now).await?;
    Ok(Preview { import, sheet, existing })
}

/// A kept file, read again for its page.
pub async fn preview(state: &AppState, import: import::Model) -> Result<Preview, WorkflowError> {
    let organization =
        store::organizations::find(&state.db, import.organization_id).await?.ok_or(WorkflowError::NotFound)?;
    let (sheet, existing) = read(&state.db, &organization, &import.content, state.clock.now()).await?;
    Ok(Preview { import, sheet, existing })
}

/// A kept spreadsheet of residents that has not expired.
pub async fn find_import(state: &AppState, id: Uuid) -> Result<Option<import::Model>, WorkflowError> {
    find_kept(state, id, store::imports::RESIDENTS).await
}

/// A kept file of `format` that has not expired.
pub async fn find_kept(state: &AppState, id: Uuid, format: &str) -> Result<Option<import::Model>, WorkflowError> {
    let now = state.clock.now();
    Ok(store::imports::find(&state.db, id).await?.filter(|import| import.expires_at > now && import.format == format))
}

/// Which rows' residents are at the facility already: by the facility's id where the row has
/// one, else by name and date of birth.
async fn already_there(
    db: &impl crate::store::Write,
    organization_id: Uuid,
    rows: &[ImportRow],
) -> Result<HashSet<usize>, WorkflowError> {
    let placed = store::placements::of_organization(db, organization_id).await?;
    let ids: HashSet<&str> = placed.iter().filter_map(|row| row.external_id.as_deref()).collect();
    let persons: Vec<Uuid> = placed.iter().map(|row| row.person_id).collect();
    let people: HashSet<(String, Option<chrono::NaiveDate>)> = store::persons::find_many(db, &persons)
        .await?
        .into_iter()
        .map(|person| (person.display_name, person.birth_date))
        .collect();
    Ok(rows
        .iter()
        .filter(|row| match &row.external_id {
            Some(id) => ids.contains(id.as_str()),
            None => people.contains(&(row.display_name.as_str().to_owned(), row.birth_date)),
        })
        .map(|row| row.row)
        .collect())
}

/// Stores every new row of a checked file in one transaction: the resident, their placement
/// from its day with the facility's id, and their milestones; each audited. The roll is read
/// inside the transaction, so a row is created only if its resident is not there by then; a
/// file with a refused cell is not stored at all.
pub async fn confirm_import(
    state: &AppState,
    import: import::Model,
    actor: &Actor,
    audit: impl Fn(Uuid) -> AuditEntry,
) -> Result<Confirmed, WorkflowError> {
    if let Some(created) = &import.created {
        let created = serde_json::from_str(created).map_err(|err| WorkflowError::Internal(err.to_string()))?;
        return Ok(Confirmed { created, already: true });
    }
    let organization =
        store::organizations::find(&state.db, import.organization_id).await?.ok_or(WorkflowError::NotFound)?;
    let zone = zone_of(&organization)?;
    let now = state.clock.now();
    let today = zone.date_at(now);
    let txn = state.db.begin().await?;
    let (sheet, existing) = read(&txn, &organization, &import.content, now).await?;
    if !sheet.refused.is_empty() {
        return Err(WorkflowError::Conflict(Clash::ImportHasRefusedRows { rows: sheet.refused.len() }));
    }
    let mut created = Vec::new();
    let mut entries = Vec::new();
    for row in sheet.rows.into_iter().filter(|row| !existing.contains(&row.row)) {
        let new =
            NewPerson { display_name: row.display_name, birth_date: row.birth_date, language: Language::Ja, zone };
        let person = store::persons::insert(&txn, new, now).await?;
        let placement = NewPlacement {
            person_id: person.id,
            organization_id: organization.id,
            start_on: row.placement_start_on,
            end_on: row.placement_end_on,
            external_id: row.external_id,
        };
        // Another file confirmed meanwhile named the same resident: this one stores nothing.
        store::placements::insert(&txn, placement, zone, now).await.map_err(|err| match err.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                WorkflowError::Stale(super::Staleness::ChangedMeanwhile)
            }
            _ => err.into(),
        })?;
        for new in &row.milestones {
            let milestone = Milestone::create(new, today)?;
            insert_with_history(&txn, person.id, &milestone, None, actor, today, now).await?;
        }
        store::planning::request(&txn, person.id, now).await?;
        entries.push(audit(person.id));
        created.push(person.id);
    }
    store::audit::record(&txn, entries, now).await?;
    let listed = serde_json::to_string(&created).map_err(|err| WorkflowError::Internal(err.to_string()))?;
    // Two confirmations at once: one stores, the other is refused and stores nothing.
    if !store::imports::confirm(&txn, import.id, listed, now).await? {
        return Err(WorkflowError::Stale(super::Staleness::ChangedMeanwhile));
    }
    txn.commit().await?;
    Ok(Confirmed { created, already: false })
}
