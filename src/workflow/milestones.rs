//! Recording milestones: creating one, changing its dates or attendance, recording an event
//! with everything it sets off.

use crate::entity::{milestone, milestone_event};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{custody::begin_custody, schedule::catch_up_person, Precondition, WorkflowError};
use crate::{
    domain::{
        milestones::{
            Annotation, Change, CustodyCause, Effect, Event, EventInput, Milestone, NewMilestone, ReleaseType,
        },
        Note, PartyRole, Zone,
    },
    state::AppState,
    store::{
        self,
        custody::NewCustody,
        milestones::{to_domain, Actor, Step},
    },
};

/// An event as a client names it; the milestone's machine decides whether it is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRequest {
    pub event: String,
    pub on: NaiveDate,
    pub note: Option<Note>,
    pub release_type: Option<ReleaseType>,
    pub supervision_ends_on: Option<NaiveDate>,
    /// With `arrange`: the hand-off meeting.
    pub meeting: Option<crate::domain::milestones::Meeting>,
}

/// The date a milestone's history begins with.
fn created_on(milestone: &Milestone, today: NaiveDate) -> NaiveDate {
    let dates = &milestone.dates;
    dates.requested_on.or(dates.referred_on).or(milestone.state_since).unwrap_or(today)
}

/// Inserts a milestone the domain accepted, with the first step of its history.
pub(super) async fn insert_with_history(
    db: &impl crate::store::Write,
    person_id: Uuid,
    milestone: &Milestone,
    source: Option<Uuid>,
    actor: &Actor,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<milestone::Model, WorkflowError> {
    let row = store::milestones::insert(db, person_id, milestone, source, now).await?;
    let step = Step {
        event: "create".to_owned(),
        from: None,
        to: milestone.state,
        effective_on: created_on(milestone, today),
        moved: None,
        note: None,
        note_scope: None,
        sessions_attended: None,
        actor: actor.clone(),
    };
    store::milestones::append_step(db, &row, milestone.version, step, now).await?;
    Ok(row)
}

/// Records a new milestone with its first history entry.
pub async fn create_milestone(
    state: &AppState,
    person_id: Uuid,
    zone: Zone,
    new: &NewMilestone,
    actor: &Actor,
) -> Result<milestone::Model, WorkflowError> {
    let now = state.clock.now();
    let today = zone.date_at(now);
    let milestone = Milestone::create(new, today)?;
    let txn = state.db.begin().await?;
    if let NewMilestone::Handoff { of, .. } = new {
        check_handoff_of(&txn, person_id, of).await?;
    }
    let row = insert_with_history(&txn, person_id, &milestone, None, actor, today, now).await?;
    store::planning::request(&txn, person_id, now).await?;
    txn.commit().await?;
    Ok(row)
}

/// What a hand-off names must be the same person's: their referral, their release or bail.
async fn check_handoff_of(
    db: &impl crate::store::Write,
    person_id: Uuid,
    of: &crate::domain::milestones::HandoffOf,
) -> Result<(), WorkflowError> {
    let mut refusals = crate::domain::Refusals::default();
    if let Some(referral_id) = of.referral_id {
        let theirs = store::referrals::find(db, referral_id).await?.is_some_and(|r| r.person_id == person_id);
        if !theirs {
            refusals.push("referral_id", crate::domain::Why::NoSuch { what: "referral of this person" }.into());
        }
    }
    if let Some(milestone_id) = of.before_milestone_id {
        let before = store::milestones::find(db, milestone_id).await?;
        let fits = before.is_some_and(|m| {
            m.person_id == person_id
                && matches!(
                    m.kind,
                    crate::domain::milestones::MilestoneKind::Release | crate::domain::milestones::MilestoneKind::Bail
                )
        });
        if !fits {
            refusals.push(
                "before_milestone_id",
                crate::domain::Why::NoSuch { what: "release or bail of this person" }.into(),
            );
        }
    }
    Ok(refusals.into_result()?)
}

/// Reads a milestone inside the change's transaction, checked against what the caller saw.
async fn load(
    db: &impl crate::store::Write,
    milestone_id: Uuid,
    precondition: &Precondition,
) -> Result<(milestone::Model, Milestone), WorkflowError> {
    let row = store::milestones::find(db, milestone_id).await?.ok_or(WorkflowError::NotFound)?;
    precondition.check(row.version)?;
    let milestone = to_domain(&row)?;
    Ok((row, milestone))
}

/// Applies a PATCH whole: date moves and attendance as history steps, or nothing at all.
pub async fn update_milestone(
    state: &AppState,
    milestone_id: Uuid,
    zone: Zone,
    change: &Change,
    reason: Option<Note>,
    precondition: &Precondition,
    actor: &Actor,
) -> Result<milestone::Model, WorkflowError> {
    let now = state.clock.now();
    let today = zone.date_at(now);
    let txn = state.db.begin().await?;
    let (row, milestone) = load(&txn, milestone_id, precondition).await?;
    let changed = milestone.change(change)?;
    if changed.steps.is_empty() {
        return Ok(row);
    }
    let steps = changed
        .steps
        .iter()
        .map(|annotation| {
            let (event, moved, note, sessions_attended) = match *annotation {
                Annotation::DateMoved(moved) => (
                    "date_moved",
                    Some((moved.date.field(), moved.old, moved.new)),
                    reason.as_ref().map(|reason| reason.as_str().to_owned()),
                    None,
                ),
                // The history keeps the count it came to, for the timeline to say.
                Annotation::SessionsRecorded { attended } => ("sessions_recorded", None, None, Some(attended)),
            };
            Step {
                event: event.to_owned(),
                from: Some(milestone.state),
                to: milestone.state,
                effective_on: today,
                moved,
                note,
                note_scope: None,
                sessions_attended,
                actor: actor.clone(),
            }
        })
        .collect();
    let (row, _) = store::milestones::save(&txn, &row, &changed.milestone, steps, now).await?;
    store::planning::request(&txn, row.person_id, now).await?;
    txn.commit().await?;
    Ok(row)
}

/// Applies an event to a milestone with its effects (a window opened, custody begun or
/// ended), or changes nothing. Windows whose days have come are brought up to date first, in
/// the same transaction, so the event meets the milestone as it stands today.
pub async fn record_event(
    state: &AppState,
    milestone_id: Uuid,
    zone: Zone,
    request: EventRequest,
    precondition: &Precondition,
    actor: &Actor,
) -> Result<(milestone::Model, milestone_event::Model), WorkflowError> {
    let now = state.clock.now();
    let today = zone.date_at(now);
    let txn = state.db.begin().await?;
    let person_id = store::milestones::find(&txn, milestone_id).await?.ok_or(WorkflowError::NotFound)?.person_id;
    catch_up_person(&txn, person_id, today, &state.policy, now).await?;
    let (row, milestone) = load(&txn, milestone_id, precondition).await?;
    let event = milestone.machine().event_named(milestone.state, &request.event).map_err(WorkflowError::NotAccepted)?;
    let input = EventInput {
        event,
        on: request.on,
        release_type: request.release_type,
        supervision_ends_on: request.supervision_ends_on,
        meeting: request.meeting,
    };
    let applied = milestone.apply(&input, today, &state.policy)?;
    let step = Step {
        event: event.as_str().to_owned(),
        from: Some(applied.from),
        to: applied.to,
        effective_on: input.on,
        moved: None,
        note: request.note.map(Note::into_inner),
        note_scope: None,
        sessions_attended: None,
        actor: actor.clone(),
    };
    let (row, mut events) = store::milestones::save(&txn, &row, &applied.milestone, vec![step], now).await?;
    let recorded = events.pop().ok_or(WorkflowError::NotFound)?;
    for effect in applied.effects {
        match effect {
            Effect::CreateWindow(window) => {
                insert_with_history(&txn, row.person_id, &window, Some(row.id), actor, today, now).await?;
            }
            Effect::StartCustody { on, cause } => {
                if store::custody::current(&txn, row.person_id).await?.is_none() {
                    let cause = match cause {
                        CustodyCause::BailRevoked => "bail_revoked",
                        CustodyCause::CustodialSentence => "custodial_sentence",
                    };
                    let new = NewCustody {
                        person_id: row.person_id,
                        started_on: on,
                        cause,
                        reason: None,
                        source_milestone_id: Some(row.id),
                        recorded_by: actor.id.clone(),
                    };
                    begin_custody(&txn, new, actor, today, &state.policy, now).await?;
                }
            }
            Effect::EndCustody { on } => {
                if let Some(period) = store::custody::current(&txn, row.person_id).await? {
                    if on >= period.started_on {
                        store::custody::end(&txn, period, on, now).await?;
                    }
                }
            }
        }
    }
    // The first meeting held connects the accepted referral it comes of.
    if let (Event::Hold, Some(referral_id)) = (event, row.referral_id) {
        let role: PartyRole =
            actor.role.parse().map_err(|_| WorkflowError::Internal("an actor with no role".into()))?;
        let by = crate::store::referrals::StepBy { party_id: actor.id.parse().ok(), role };
        super::referrals::meeting_held(&txn, referral_id, input.on, by, now).await?;
    }
    store::planning::request(&txn, row.person_id, now).await?;
    txn.commit().await?;
    Ok((row, recorded))
}

/// A person's milestones as they stand today. The one write a read makes is the documented
/// catch-up: windows whose dates have come are opened or expired first
/// ([`super::catch_up_windows`]), so what is read is true today even when the scheduler has
/// not yet run.
pub async fn milestones_of(state: &AppState, person_id: Uuid) -> Result<Vec<milestone::Model>, WorkflowError> {
    super::catch_up_windows(state, Some(person_id)).await?;
    Ok(store::milestones::list_for_person(&state.db, person_id).await?)
}

/// One milestone as it stands today (caught up as [`milestones_of`] says).
pub async fn milestone_of(
    state: &AppState,
    person_id: Uuid,
    milestone_id: Uuid,
) -> Result<milestone::Model, WorkflowError> {
    super::catch_up_windows(state, Some(person_id)).await?;
    store::milestones::find(&state.db, milestone_id).await?.ok_or(WorkflowError::NotFound)
}

/// A milestone's history as it stands today (caught up as [`milestones_of`] says).
pub async fn history_of(
    state: &AppState,
    person_id: Uuid,
    milestone_id: Uuid,
) -> Result<Vec<milestone_event::Model>, WorkflowError> {
    super::catch_up_windows(state, Some(person_id)).await?;
    Ok(store::milestones::events_of(&state.db, milestone_id).await?)
}
