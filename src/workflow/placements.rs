//! Placing a person at an organisation and ending the placement.

use crate::entity::placement;
use chrono::NaiveDate;
use uuid::Uuid;

use super::WorkflowError;
use crate::{
    domain::{placement::check_dates, Zone},
    state::AppState,
    store::{self, placements::NewPlacement},
};

pub async fn add_placement(state: &AppState, new: NewPlacement, zone: Zone) -> Result<placement::Model, WorkflowError> {
    let now = state.clock.now();
    let mut refusals = check_dates(new.start_on, new.end_on).err().unwrap_or_default();
    let txn = state.db.begin().await?;
    if store::organizations::find(&txn, new.organization_id).await?.is_none() {
        refusals.push("organization_id", crate::domain::Why::NoSuch { what: "organisation" }.into());
    }
    refusals.into_result()?;
    let person_id = new.person_id;
    let row = store::placements::insert(&txn, new, zone, now).await?;
    store::planning::request(&txn, person_id, now).await?;
    txn.commit().await?;
    Ok(row)
}

/// Sets or clears a placement's last day; a placement of another person is not found.
pub async fn change_placement(
    state: &AppState,
    person_id: Uuid,
    placement_id: Uuid,
    end_on: Option<Option<NaiveDate>>,
    zone: Zone,
) -> Result<placement::Model, WorkflowError> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let existing = store::placements::find(&txn, placement_id)
        .await?
        .filter(|placement| placement.person_id == person_id)
        .ok_or(WorkflowError::NotFound)?;
    let end_on = end_on.unwrap_or(existing.end_on);
    check_dates(existing.start_on, end_on)?;
    let row = store::placements::set_end(&txn, existing, end_on, zone, now).await?;
    store::planning::request(&txn, person_id, now).await?;
    txn.commit().await?;
    Ok(row)
}
