//! The one read of what is coming for a person, always caught up with the days that passed:
//! `upcoming`, `risk-periods`, calendar feeds and alert planning all see the same schedule.

use std::{collections::HashMap, sync::Arc};

use crate::entity::milestone;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

use super::WorkflowError;
use crate::{
    cache::ScheduleRows,
    domain::{
        milestones::{Milestone, WindowPolicy},
        risk::{self, RiskPeriod},
        Scope, ScopeKind, Zone,
    },
    state::AppState,
    store::{
        self,
        milestones::{to_domain, Actor, Step},
    },
};

/// A person's milestones, their high-risk periods and any interviews a probation system
/// pushed, as far as a caller's consent reaches.
pub struct Schedule {
    pub milestones: Vec<(Uuid, Milestone)>,
    pub periods: Vec<RiskPeriod>,
    pub interviews: Vec<(Uuid, NaiveDate)>,
    /// The windows scheduled full-term releases would open, by the release's id: shown as
    /// projected until the release happens.
    pub projected_windows: Vec<(Uuid, Milestone)>,
}

/// One date ahead in a schedule: a milestone's date, a projected window's, or an interview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledDate {
    pub source_id: Uuid,
    /// `hearing_on`, `judgment_on`, `scheduled_on`, `supervision_ends_on`, `opens_on`,
    /// `closes_on` or `interview`.
    pub label: &'static str,
    /// The consent kind it falls under.
    pub kind: &'static str,
    pub on: NaiveDate,
    /// Counted from a scheduled release day; firm once the release happens.
    pub projected: bool,
    /// The milestone's version (0 for an interview), so a calendar sees a moved date as changed.
    pub version: i64,
}

impl Schedule {
    /// Every date of the schedule, milestones' first, then projected windows', then interviews.
    pub fn dates(&self) -> Vec<ScheduledDate> {
        let version_of = |id: Uuid| self.milestones.iter().find(|(m, _)| *m == id).map_or(0, |(_, m)| m.version);
        let of = |milestones: &[(Uuid, Milestone)], projected: bool| {
            milestones
                .iter()
                .flat_map(|(id, milestone)| {
                    milestone.scheduled_dates().into_iter().map(move |(label, on)| ScheduledDate {
                        source_id: *id,
                        label,
                        kind: milestone.kind.scope_kind().as_str(),
                        on,
                        projected,
                        version: version_of(*id),
                    })
                })
                .collect::<Vec<_>>()
        };
        let interviews = self.interviews.iter().map(|(id, on)| ScheduledDate {
            source_id: *id,
            label: "interview",
            kind: ScopeKind::Release.as_str(),
            on: *on,
            projected: false,
            version: 0,
        });
        of(&self.milestones, false).into_iter().chain(of(&self.projected_windows, true)).chain(interviews).collect()
    }
}

/// The schedule as far as `scope` reaches: the person's rows (kept between writes, whatever
/// the scope) are cut to it before anything is computed from them. `Scope::everything()`
/// gives everything, for planning.
async fn schedule_of(state: &AppState, person_id: Uuid, scope: &Scope) -> Result<Schedule, WorkflowError> {
    let rows = state.cache.schedule_rows(person_id, || schedule_rows(state, person_id)).await?;
    let milestones = rows.milestones.clone();
    let lapses = if scope.contains(ScopeKind::Lapse) { rows.lapses.clone() } else { Vec::new() };
    // Probation interviews belong to the release.
    let interviews = if scope.contains(ScopeKind::Release) { rows.interviews.clone() } else { Vec::new() };
    let projected_windows: Vec<(Uuid, Milestone)> = milestones
        .iter()
        .filter_map(|(id, milestone)| milestone.projected_window(&state.policy).map(|window| (*id, window)))
        .filter(|(_, window)| scope.contains(window.kind.scope_kind()))
        .collect();
    let mut periods = risk::periods(&state.rules, &milestones, &lapses);
    periods.extend(
        risk::periods(&state.rules, &projected_windows, &[])
            .into_iter()
            .map(|period| RiskPeriod { projected: true, ..period }),
    );
    periods.sort_by_key(|period| (period.starts_on, period.ends_on));
    periods.retain(|period| scope.contains(period.kind));
    let milestones =
        milestones.into_iter().filter(|(_, milestone)| scope.contains(milestone.kind.scope_kind())).collect();
    Ok(Schedule { milestones, periods, interviews, projected_windows })
}

/// What a schedule is computed from, whatever the caller's scope: what is kept between writes.
async fn schedule_rows(state: &AppState, person_id: Uuid) -> Result<Arc<ScheduleRows>, WorkflowError> {
    let milestones = store::milestones::list_for_person(&state.reads, person_id)
        .await?
        .iter()
        .map(|row| to_domain(row).map(|milestone| (row.id, milestone)))
        .collect::<Result<Vec<_>, _>>()?;
    let lapses =
        store::lapses::list_for_person(&state.reads, person_id).await?.into_iter().map(|l| (l.id, l.on)).collect();
    let interviews =
        store::schedule::interviews_of(&state.reads, person_id).await?.into_iter().map(|i| (i.id, i.on)).collect();
    Ok(Arc::new(ScheduleRows { milestones, lapses, interviews }))
}

/// A person's schedule with their windows brought up to date first. Reading is the common
/// case, so the schedule is read once and written to only when a window's date has passed.
pub async fn current_schedule(
    state: &AppState,
    person_id: Uuid,
    zone: Zone,
    scope: &Scope,
) -> Result<Schedule, WorkflowError> {
    let schedule = schedule_of(state, person_id, scope).await?;
    let today = zone.date_at(state.clock.now());
    if schedule.milestones.iter().all(|(_, milestone)| milestone.due_by_date(today).is_none()) {
        return Ok(schedule);
    }
    catch_up_windows(state, Some(person_id)).await?;
    schedule_of(state, person_id, scope).await
}

/// Takes the steps the passing days bring to one window (it opens on its first day, expires
/// after its last), with the request to plan alerts again, on `db`. Returns how many.
async fn catch_up_window(
    db: &impl crate::store::Write,
    mut row: milestone::Model,
    today: NaiveDate,
    policy: &WindowPolicy,
    now: DateTime<Utc>,
) -> Result<usize, WorkflowError> {
    let mut steps = 0;
    loop {
        let milestone = to_domain(&row)?;
        let Some(input) = milestone.due_by_date(today) else { break };
        let applied = milestone.apply(&input, today, policy)?;
        let step = Step {
            event: input.event.as_str().to_owned(),
            from: Some(applied.from),
            to: applied.to,
            effective_on: input.on,
            moved: None,
            note: None,
            note_scope: None,
            sessions_attended: None,
            actor: Actor::system(),
        };
        let (saved, _) = store::milestones::save(db, &row, &applied.milestone, vec![step], now).await?;
        row = saved;
        steps += 1;
    }
    if steps > 0 {
        store::planning::request(db, row.person_id, now).await?;
    }
    Ok(steps)
}

/// Brings one person's windows up to date inside a change's own transaction.
pub(super) async fn catch_up_person(
    db: &impl crate::store::Write,
    person_id: Uuid,
    today: NaiveDate,
    policy: &WindowPolicy,
    now: DateTime<Utc>,
) -> Result<usize, WorkflowError> {
    let mut steps = 0;
    for row in store::milestones::windows_due(db, Some(person_id), today).await? {
        steps += catch_up_window(db, row, today, policy, now).await?;
    }
    Ok(steps)
}

/// Opens and expires windows whose dates have come, for one person or for everyone. Each
/// window's steps are one transaction; one that another instance saved first is skipped.
pub async fn catch_up_windows(state: &AppState, person_id: Option<Uuid>) -> Result<usize, WorkflowError> {
    let now = state.clock.now();
    // The latest local date anywhere on Earth (UTC+14).
    let latest_today = (now + Duration::hours(14)).date_naive();
    let due = store::milestones::windows_due(&state.db, person_id, latest_today).await?;
    // Many of these are due only where it is already tomorrow: one read of their persons' zones
    // tells which, rather than one per person.
    let persons: Vec<Uuid> = due.iter().map(|row| row.person_id).collect();
    // A person whose stored zone is corrupt is left out (and logged), never given a default.
    let zones: HashMap<Uuid, Zone> = store::persons::find_many(&state.db, &persons)
        .await?
        .into_iter()
        .map(|person| (person.id, person.timezone))
        .collect();
    let mut steps = 0;
    for row in due {
        let Some(zone) = zones.get(&row.person_id) else { continue };
        let today = zone.date_at(now);
        let txn = state.db.begin().await?;
        match catch_up_window(&txn, row, today, &state.policy, now).await {
            Ok(taken) => {
                txn.commit().await?;
                steps += taken;
            }
            // Another instance took these steps first; or the row is corrupt (logged where found),
            // which must not hold up everyone else's windows.
            Err(WorkflowError::Stale(_) | WorkflowError::Corrupt(_)) => txn.rollback().await?,
            Err(err) => return Err(err),
        }
    }
    Ok(steps)
}
