//! Applies the domain's decisions to the store: a milestone step and everything it sets off
//! (a window opened, custody begun or ended, programmes interrupted) in one transaction.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{custody_period, milestone, milestone_event};
use sea_orm::{ConnectionTrait, DbErr, TransactionTrait};
use uuid::Uuid;

use crate::{
    alerts,
    domain::{
        milestones::{CustodyCause, DateMove, Effect, EventError, EventInput, Milestone, WindowPolicy},
        Scope, Zone,
    },
    http::{ApiError, FieldProblem},
    state::AppState,
    store::{
        self,
        custody::NewCustody,
        milestones::{to_domain, Actor, SaveError, Step},
    },
};

/// The actor a caller is in milestone histories: their party id, or an admin's name.
pub fn actor(principal: &crate::auth::Principal) -> Actor {
    Actor {
        id: principal.party_id.map(|id| id.to_string()).unwrap_or_else(|| principal.subject.clone()),
        role: principal.role.as_str().to_owned(),
    }
}

fn corrupt(err: crate::domain::Invalid) -> ApiError {
    ApiError::Internal(format!("corrupt stored milestone: {err}"))
}

impl From<EventError> for ApiError {
    fn from(err: EventError) -> Self {
        match err {
            EventError::NotAccepted(refusal) => ApiError::EventNotAccepted {
                state: refusal.state.to_owned(),
                event: refusal.event,
                accepted: refusal.accepted.into_iter().map(str::to_owned).collect(),
            },
            EventError::Invalid { field, message } => {
                ApiError::Validation(vec![FieldProblem { field: field.to_owned(), message }])
            }
        }
    }
}

impl From<SaveError> for ApiError {
    fn from(err: SaveError) -> Self {
        match err {
            SaveError::Stale => ApiError::Conflict("The milestone changed meanwhile; read it again and retry.".into()),
            SaveError::Database(err) => err.into(),
        }
    }
}

/// The date a milestone's history begins with.
fn created_on(milestone: &Milestone, today: NaiveDate) -> NaiveDate {
    let dates = &milestone.dates;
    dates.requested_on.or(dates.referred_on).or(milestone.state_since).unwrap_or(today)
}

async fn insert_with_history(
    db: &impl ConnectionTrait,
    person_id: Uuid,
    milestone: &Milestone,
    source: Option<Uuid>,
    actor: &Actor,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<milestone::Model, DbErr> {
    let row = store::milestones::insert(db, person_id, milestone, source, now).await?;
    let step = Step {
        event: "create".to_owned(),
        from: "",
        to: milestone.state,
        effective_on: created_on(milestone, today),
        moved: None,
        note: None,
        actor: actor.clone(),
    };
    store::milestones::append_step(db, &row, milestone.version, step, now).await?;
    Ok(row)
}

/// Records a new milestone with its first history entry.
pub async fn create(
    state: &AppState,
    person_id: Uuid,
    zone: Zone,
    milestone: &Milestone,
    actor: &Actor,
) -> Result<milestone::Model, ApiError> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let row = insert_with_history(&txn, person_id, milestone, None, actor, zone.date_at(now), now).await?;
    store::planning::request(&txn, person_id, now).await?;
    txn.commit().await?;
    Ok(row)
}

/// Applies an event to a milestone, with its effects, or changes nothing.
pub async fn record_event(
    state: &AppState,
    zone: Zone,
    row: milestone::Model,
    input: EventInput,
    note: Option<String>,
    actor: &Actor,
) -> Result<(milestone::Model, milestone_event::Model), ApiError> {
    let now = state.clock.now();
    let today = zone.date_at(now);
    let milestone = to_domain(&row).map_err(corrupt)?;
    let applied = milestone.apply(&input, today, &state.policy)?;
    let txn = state.db.begin().await?;
    let step = Step {
        event: input.event.clone(),
        from: applied.from,
        to: applied.to,
        effective_on: input.on,
        moved: None,
        note,
        actor: actor.clone(),
    };
    let (row, event) = store::milestones::save_step(&txn, &row, &applied.milestone, step, now).await?;
    store::planning::request(&txn, row.person_id, now).await?;
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
    txn.commit().await?;
    Ok((row, event))
}

/// Moves a scheduled date and records the move; `moved_earlier` is on the result.
pub async fn move_date(
    state: &AppState,
    row: milestone::Model,
    milestone: Milestone,
    change: DateMove,
    actor: &Actor,
    zone: Zone,
) -> Result<(milestone::Model, milestone_event::Model), ApiError> {
    let moved = Some((change.date.field(), change.old, change.new));
    save_annotation(state, row, milestone, "date_moved", moved, None, actor, zone).await
}

/// Records a programme's attendance as a step of its history.
pub async fn record_sessions(
    state: &AppState,
    row: milestone::Model,
    milestone: Milestone,
    actor: &Actor,
    zone: Zone,
) -> Result<(milestone::Model, milestone_event::Model), ApiError> {
    let note = Some(format!("{} sessions attended", milestone.sessions_attended));
    save_annotation(state, row, milestone, "sessions_recorded", None, note, actor, zone).await
}

/// Saves a change that is no transition (the state stays), dated today, as a history step.
#[allow(clippy::too_many_arguments)]
async fn save_annotation(
    state: &AppState,
    row: milestone::Model,
    milestone: Milestone,
    event: &str,
    moved: Option<(&'static str, Option<NaiveDate>, Option<NaiveDate>)>,
    note: Option<String>,
    actor: &Actor,
    zone: Zone,
) -> Result<(milestone::Model, milestone_event::Model), ApiError> {
    let now = state.clock.now();
    let step = Step {
        event: event.to_owned(),
        from: milestone.state,
        to: milestone.state,
        effective_on: zone.date_at(now),
        moved,
        note,
        actor: actor.clone(),
    };
    let txn = state.db.begin().await?;
    let saved = store::milestones::save_step(&txn, &row, &milestone, step, now).await?;
    store::planning::request(&txn, row.person_id, now).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Custody begins: active programmes are interrupted, not ended; links are left as they are
/// so that support continues.
async fn begin_custody(
    db: &impl ConnectionTrait,
    new: NewCustody,
    actor: &Actor,
    today: NaiveDate,
    policy: &WindowPolicy,
    now: DateTime<Utc>,
) -> Result<custody_period::Model, ApiError> {
    let person_id = new.person_id;
    let on = new.started_on;
    let period = store::custody::insert(db, new, now).await?;
    for programme in store::milestones::active_programmes(db, person_id).await? {
        let milestone = to_domain(&programme).map_err(corrupt)?;
        // A custody recorded late may predate the programme's last step.
        let effective_on = milestone.state_since.map_or(on, |since| since.max(on));
        let applied = milestone.apply(&EventInput::new("interrupt", effective_on), today, policy)?;
        let step = Step {
            event: "interrupt".to_owned(),
            from: applied.from,
            to: applied.to,
            effective_on,
            moved: None,
            note: Some("custody".to_owned()),
            actor: actor.clone(),
        };
        store::milestones::save_step(db, &programme, &applied.milestone, step, now).await?;
    }
    Ok(period)
}

/// Records the start of custody.
pub async fn start_custody(
    state: &AppState,
    person_id: Uuid,
    on: NaiveDate,
    reason: Option<String>,
    actor: &Actor,
    zone: Zone,
) -> Result<custody_period::Model, ApiError> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    if let Some(current) = store::custody::current(&txn, person_id).await? {
        return Err(ApiError::Conflict(format!("Custody is already recorded from {}.", current.started_on)));
    }
    let new = NewCustody {
        person_id,
        started_on: on,
        cause: "recorded",
        reason,
        source_milestone_id: None,
        recorded_by: actor.id.clone(),
    };
    let period = begin_custody(&txn, new, actor, zone.date_at(now), &state.policy, now).await?;
    txn.commit().await?;
    Ok(period)
}

/// Records the end of custody. Interrupted programmes can then resume.
pub async fn end_custody(state: &AppState, person_id: Uuid, on: NaiveDate) -> Result<custody_period::Model, ApiError> {
    let now = state.clock.now();
    let Some(current) = store::custody::current(&state.db, person_id).await? else {
        return Err(ApiError::Conflict("No custody is recorded as ongoing.".into()));
    };
    if on < current.started_on {
        return Err(ApiError::Validation(vec![FieldProblem {
            field: "on".into(),
            message: format!("custody began on {}", current.started_on),
        }]));
    }
    Ok(store::custody::end(&state.db, current, on, now).await?)
}

/// A person's schedule with their windows brought up to date first. Reading is the common
/// case, so the schedule is read once and written to only when a window's date has passed.
pub async fn current_schedule(
    state: &AppState,
    person_id: Uuid,
    zone: Zone,
    scope: &Scope,
) -> Result<alerts::Schedule, DbErr> {
    let schedule = alerts::schedule_of(state, person_id, scope).await?;
    let today = zone.date_at(state.clock.now());
    if schedule.milestones.iter().all(|(_, milestone)| milestone.due_by_date(today).is_none()) {
        return Ok(schedule);
    }
    catch_up_windows(state, Some(person_id)).await?;
    alerts::schedule_of(state, person_id, scope).await
}

/// Opens and expires windows whose dates have come, for one person or for everyone. Each
/// step is saved on its own; one that another instance saved first is skipped.
pub async fn catch_up_windows(state: &AppState, person_id: Option<Uuid>) -> Result<usize, DbErr> {
    let now = state.clock.now();
    // The latest local date anywhere on Earth (UTC+14).
    let latest_today = (now + Duration::hours(14)).date_naive();
    let due = store::milestones::windows_due(&state.db, person_id, latest_today).await?;
    // Many of these are due only where it is already tomorrow: one read of their persons' zones
    // tells which, rather than one per person.
    let persons: Vec<Uuid> = due.iter().map(|row| row.person_id).collect();
    let zones: HashMap<Uuid, Zone> = store::persons::find_many(&state.db, &persons)
        .await?
        .into_iter()
        .map(|person| (person.id, person.timezone.parse().unwrap_or_default()))
        .collect();
    let mut steps = 0;
    for mut row in due {
        let today = zones.get(&row.person_id).copied().unwrap_or_default().date_at(now);
        while let Some((milestone, input)) =
            to_domain(&row).ok().and_then(|milestone| milestone.due_by_date(today).map(|input| (milestone, input)))
        {
            let Ok(applied) = milestone.apply(&input, today, &state.policy) else { break };
            let step = Step {
                event: input.event.clone(),
                from: applied.from,
                to: applied.to,
                effective_on: input.on,
                moved: None,
                note: None,
                actor: Actor::system(),
            };
            match store::milestones::save_step(&state.db, &row, &applied.milestone, step, now).await {
                Ok((saved, _)) => {
                    store::planning::request(&state.db, saved.person_id, now).await?;
                    row = saved;
                    steps += 1;
                }
                Err(SaveError::Stale) => break,
                Err(SaveError::Database(err)) => return Err(err),
            }
        }
    }
    Ok(steps)
}
