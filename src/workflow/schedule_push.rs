//! A probation system pushes a scheduled date under its own external id: found or created
//! milestone, the date moved through the domain's rules, the entry saved — one transaction.

use crate::entity::schedule_entry;
use chrono::NaiveDate;
use uuid::Uuid;

use super::{milestones::insert_with_history, WorkflowError};
use crate::{
    domain::{
        milestones::{Annotation, Change, Milestone, NewMilestone, ReleaseType},
        schedule::{ExternalId, ScheduleKind},
        Refusals, Why, Zone,
    },
    state::AppState,
    store::{
        self,
        milestones::{to_domain, Actor, Step},
        schedule::EntryValues,
    },
};

/// What a probation system says is scheduled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleItem {
    pub person_id: Uuid,
    pub kind: ScheduleKind,
    pub on: NaiveDate,
    pub release_type: Option<ReleaseType>,
}

#[derive(Debug)]
pub struct Upserted {
    pub entry: schedule_entry::Model,
    pub created: bool,
    pub changed: bool,
    pub moved_earlier: bool,
}

/// The person has nothing the item's date could belong to.
fn nothing_to_attach_to(what: &'static str) -> WorkflowError {
    WorkflowError::Refused(Refusals::one("kind", Why::NoSuch { what }.into()))
}

/// Sets the item's date on the milestone it belongs to (creating a release that is not yet
/// known), on `db`. Returns the milestone's id and whether the date came earlier.
async fn set_date(
    db: &impl crate::store::Write,
    item: &ScheduleItem,
    known: Option<Uuid>,
    zone: Zone,
    actor: &Actor,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(Option<Uuid>, bool), WorkflowError> {
    let Some(target) = item.kind.target() else { return Ok((None, false)) };
    let today = zone.date_at(now);
    let known = match known {
        Some(id) => store::milestones::find(db, id).await?,
        None => None,
    };
    let states: Vec<&str> = target.states.iter().map(|state| state.as_str()).collect();
    let found = match known {
        Some(row) => Some(row),
        None => store::schedule::latest_milestone(db, item.person_id, target.kind.as_str(), &states).await?,
    };
    let Some(row) = found else {
        return match item.kind {
            ScheduleKind::Release => {
                let new = NewMilestone::Release {
                    scheduled_on: item.on,
                    release_type: item.release_type,
                    supervision_ends_on: None,
                };
                let release =
                    Milestone::create(&new, today).map_err(|refusals| rename(refusals, "scheduled_on", "on"))?;
                let row = insert_with_history(db, item.person_id, &release, None, actor, today, now).await?;
                Ok((Some(row.id), false))
            }
            ScheduleKind::SupervisionEnd => Err(nothing_to_attach_to("release whose supervision could end")),
            _ => Err(nothing_to_attach_to("open bail to attach a court date to")),
        };
    };
    let milestone = to_domain(&row)?;
    let changed = milestone
        .change(&Change::date(target.date, item.on))
        .map_err(|refusals| rename(refusals, target.date.field(), "on"))?;
    let mut moved_earlier = false;
    let steps: Vec<Step> = changed
        .steps
        .iter()
        .filter_map(|annotation| match *annotation {
            Annotation::DateMoved(moved) => {
                moved_earlier |= moved.moved_earlier();
                Some(Step {
                    event: "date_moved".to_owned(),
                    from: Some(milestone.state),
                    to: milestone.state,
                    effective_on: today,
                    moved: Some((moved.date.field(), moved.old, moved.new)),
                    note: None,
                    note_scope: None,
                    sessions_attended: None,
                    actor: actor.clone(),
                })
            }
            Annotation::SessionsRecorded { .. } => None,
        })
        .collect();
    if !steps.is_empty() {
        store::milestones::save(db, &row, &changed.milestone, steps, now).await?;
    }
    Ok((Some(row.id), moved_earlier))
}

/// The push names its date `on`: a refusal of the milestone's field is a refusal of `on`.
fn rename(mut refusals: Refusals, from: &str, to: &str) -> Refusals {
    for refusal in &mut refusals.0 {
        if refusal.field == from {
            refusal.field = to.to_owned();
        }
    }
    refusals
}

/// Creates or updates the caller's entry `external_id`; the same item twice changes nothing.
pub async fn push_schedule(
    state: &AppState,
    owner: Uuid,
    external_id: &ExternalId,
    item: &ScheduleItem,
    zone: Zone,
    actor: &Actor,
) -> Result<Upserted, WorkflowError> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let existing = store::schedule::find(&txn, owner, external_id.as_str()).await?;
    if let Some(entry) = &existing {
        if entry.person_id != item.person_id || entry.kind != item.kind.as_str() {
            return Err(WorkflowError::Conflict(super::Clash::ExternalIdTaken {
                external_id: external_id.as_str().to_owned(),
                kind: entry.kind.clone(),
            }));
        }
        if entry.on == item.on {
            return Ok(Upserted { entry: entry.clone(), created: false, changed: false, moved_earlier: false });
        }
    }
    let known = existing.as_ref().and_then(|entry| entry.milestone_id);
    let (milestone_id, moved_earlier) = set_date(&txn, item, known, zone, actor, now).await?;
    let values = EntryValues {
        person_id: item.person_id,
        kind: item.kind.as_str().to_owned(),
        on: item.on,
        release_type: item.release_type.map(|value| value.as_str().to_owned()),
        milestone_id,
    };
    let created = existing.is_none();
    let entry = store::schedule::save(&txn, owner, external_id.as_str(), existing, values, now).await?;
    store::planning::request(&txn, item.person_id, now).await?;
    txn.commit().await?;
    Ok(Upserted { entry, created, changed: true, moved_earlier })
}
