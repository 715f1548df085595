//! Custody begins or ends: active programmes are interrupted, not ended; links are left as
//! they are so that support continues.

use crate::entity::custody_period;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::WorkflowError;
use crate::{
    domain::{
        custody::{self, CustodyChange},
        milestones::WindowPolicy,
        Note, Zone,
    },
    state::AppState,
    store::{
        self,
        custody::NewCustody,
        milestones::{to_domain, Actor, Step},
    },
};

/// Opens a custody period and interrupts the person's active programmes, on `db`.
pub(super) async fn begin_custody(
    db: &impl crate::store::Write,
    new: NewCustody,
    actor: &Actor,
    today: NaiveDate,
    policy: &WindowPolicy,
    now: DateTime<Utc>,
) -> Result<custody_period::Model, WorkflowError> {
    let person_id = new.person_id;
    let on = new.started_on;
    let period = store::custody::insert(db, new, now).await?;
    for programme in store::milestones::active_programmes(db, person_id).await? {
        let applied = to_domain(&programme)?.interrupt_for_custody(on, today, policy)?;
        let step = Step {
            event: "interrupt".to_owned(),
            from: Some(applied.from),
            to: applied.to,
            effective_on: applied.milestone.state_since.unwrap_or(on),
            moved: None,
            note: Some("custody".to_owned()),
            note_scope: Some("custody"),
            sessions_attended: None,
            actor: actor.clone(),
        };
        store::milestones::save(db, &programme, &applied.milestone, vec![step], now).await?;
    }
    Ok(period)
}

/// Records custody starting or ending. Interrupted programmes can resume after it ends.
pub async fn record_custody(
    state: &AppState,
    person_id: Uuid,
    zone: Zone,
    change: CustodyChange,
    actor: &Actor,
) -> Result<custody_period::Model, WorkflowError> {
    let now = state.clock.now();
    let today = zone.date_at(now);
    let txn = state.db.begin().await?;
    let current = store::custody::current(&txn, person_id).await?;
    custody::check(&change, current.as_ref().map(|period| period.started_on), today)?;
    let period = match (change, current) {
        (CustodyChange::Start { on, reason }, _) => {
            let new = NewCustody {
                person_id,
                started_on: on,
                cause: "recorded",
                reason: reason.map(Note::into_inner),
                source_milestone_id: None,
                recorded_by: actor.id.clone(),
            };
            begin_custody(&txn, new, actor, today, &state.policy, now).await?
        }
        (CustodyChange::End { on }, Some(current)) => store::custody::end(&txn, current, on, now).await?,
        (CustodyChange::End { .. }, None) => return Err(WorkflowError::Conflict(super::Clash::NotInCustody)),
    };
    store::planning::request(&txn, person_id, now).await?;
    txn.commit().await?;
    Ok(period)
}
