//! A lapse (再使用) closes nothing and resets nothing: it is recorded, and the alerts of the
//! re-engagement period after it are planned.

use crate::entity::lapse;
use uuid::Uuid;

use super::WorkflowError;
use crate::{
    domain::{calendar, Note, Refusals, Zone},
    state::AppState,
    store::{self, milestones::Actor},
};

pub async fn record_lapse(
    state: &AppState,
    person_id: Uuid,
    zone: Zone,
    on: chrono::NaiveDate,
    note: Option<Note>,
    actor: &Actor,
) -> Result<lapse::Model, WorkflowError> {
    let now = state.clock.now();
    calendar::happened(on, zone.date_at(now)).map_err(|why| Refusals::one("on", why))?;
    let txn = state.db.begin().await?;
    let row = store::lapses::insert(&txn, person_id, on, note.map(Note::into_inner), actor.id.clone(), now).await?;
    store::planning::request(&txn, person_id, now).await?;
    txn.commit().await?;
    Ok(row)
}
