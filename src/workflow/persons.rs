//! Recording a person: the profile, the placement at the recording staff's organisation, and
//! the audit line of the creation, together.

use crate::entity::person;
use uuid::Uuid;

use super::WorkflowError;
use crate::{
    state::AppState,
    store::{self, audit::AuditEntry, persons::NewPerson, placements::NewPlacement},
};

/// `audit` is written in the same transaction: its `person_id` is filled in here, where the
/// person's id is first known.
pub async fn create_person(
    state: &AppState,
    new: NewPerson,
    placement_at: Option<Uuid>,
    mut audit: AuditEntry,
) -> Result<person::Model, WorkflowError> {
    let now = state.clock.now();
    let zone = new.zone;
    let today = zone.date_at(now);
    let txn = state.db.begin().await?;
    let row = store::persons::insert(&txn, new, now).await?;
    if let Some(organization_id) = placement_at {
        let placement =
            NewPlacement { person_id: row.id, organization_id, start_on: today, end_on: None, external_id: None };
        store::placements::insert(&txn, placement, zone, now).await?;
    }
    audit.person_id = Some(row.id);
    store::audit::record(&txn, vec![audit], now).await?;
    txn.commit().await?;
    Ok(row)
}
