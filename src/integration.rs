//! Probation systems push scheduled dates: each under the caller's own external id, applied
//! to the person's milestones as creations or date moves.

use entity::{milestone, schedule_entry};
use uuid::Uuid;

use crate::{
    access::{self, Target},
    auth::Principal,
    domain::{
        access::Action,
        milestones::{Milestone, MilestoneKind, MovableDate, ReleaseType},
        Invalid, ScopeKind,
    },
    http::ApiError,
    state::AppState,
    store::{self, milestones::Actor, schedule::EntryValues},
    workflow,
};

/// What a probation system says is scheduled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleKind {
    Release,
    Hearing,
    Judgment,
    Interview,
    SupervisionEnd,
}

impl ScheduleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScheduleKind::Release => "release",
            ScheduleKind::Hearing => "hearing",
            ScheduleKind::Judgment => "judgment",
            ScheduleKind::Interview => "interview",
            ScheduleKind::SupervisionEnd => "supervision_end",
        }
    }

    fn scope_kind(self) -> ScopeKind {
        match self {
            ScheduleKind::Hearing | ScheduleKind::Judgment => ScopeKind::Bail,
            ScheduleKind::Release | ScheduleKind::Interview | ScheduleKind::SupervisionEnd => ScopeKind::Release,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ScheduleItem {
    pub person_id: Uuid,
    pub kind: ScheduleKind,
    pub on: chrono::NaiveDate,
    pub release_type: Option<ReleaseType>,
}

#[derive(Debug)]
pub struct Upserted {
    pub entry: schedule_entry::Model,
    pub created: bool,
    pub changed: bool,
    pub moved_earlier: bool,
}

pub fn check_external_id(external_id: &str) -> Result<(), ApiError> {
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':');
    if external_id.is_empty() || external_id.len() > 200 || !external_id.chars().all(plain) {
        return Err(ApiError::invalid_field(
            "external_id",
            Invalid::new("1 to 200 characters of letters, digits and - _ . :"),
        ));
    }
    Ok(())
}

fn invalid(field: &str, message: &str) -> ApiError {
    ApiError::invalid_field(field, Invalid::new(message))
}

/// The milestone whose date an item sets, found or (for a release) created.
async fn target(
    state: &AppState,
    item: &ScheduleItem,
    existing: Option<&schedule_entry::Model>,
    actor: &Actor,
    zone: crate::domain::Zone,
) -> Result<Option<(milestone::Model, Option<MovableDate>)>, ApiError> {
    let known = match existing.and_then(|entry| entry.milestone_id) {
        Some(id) => store::milestones::find(&state.db, id).await?,
        None => None,
    };
    let (kind, states, date): (MilestoneKind, &[&str], MovableDate) = match item.kind {
        ScheduleKind::Interview => return Ok(None),
        ScheduleKind::Release => (MilestoneKind::Release, &["scheduled"], MovableDate::ScheduledOn),
        ScheduleKind::Hearing => (MilestoneKind::Bail, &["requested", "granted", "released"], MovableDate::HearingOn),
        ScheduleKind::Judgment => (MilestoneKind::Bail, &["requested", "granted", "released"], MovableDate::JudgmentOn),
        ScheduleKind::SupervisionEnd => {
            (MilestoneKind::Release, &["scheduled", "released"], MovableDate::SupervisionEndsOn)
        }
    };
    let found = match known {
        Some(row) => Some(row),
        None => store::schedule::latest_milestone(&state.db, item.person_id, kind.as_str(), states).await?,
    };
    match (found, item.kind) {
        (Some(row), _) => Ok(Some((row, Some(date)))),
        (None, ScheduleKind::Release) => {
            let release = Milestone::release(item.on, item.release_type);
            let row = workflow::create(state, item.person_id, zone, &release, actor).await?;
            Ok(Some((row, None)))
        }
        (None, ScheduleKind::SupervisionEnd) => Err(invalid("kind", "the person has no release to end supervision of")),
        (None, _) => Err(invalid("kind", "the person has no open bail to attach a court date to")),
    }
}

/// Creates or updates the caller's entry `external_id`; the same item twice changes nothing.
pub async fn upsert(
    state: &AppState,
    principal: &Principal,
    external_id: &str,
    item: &ScheduleItem,
) -> Result<Upserted, ApiError> {
    check_external_id(external_id)?;
    let target_kind = Target::Kind(item.kind.scope_kind());
    let access =
        access::person(state, principal, item.person_id, Action::PushSchedule, "schedule.push", target_kind).await?;
    let owner = principal.party_id.ok_or(ApiError::Forbidden("Schedules are pushed by a probation party."))?;
    let existing = store::schedule::find(&state.db, owner, external_id).await?;
    if let Some(entry) = &existing {
        if entry.person_id != item.person_id || entry.kind != item.kind.as_str() {
            return Err(ApiError::Conflict(format!(
                "Your external id {external_id} already names another {} date.",
                entry.kind
            )));
        }
        if entry.on == item.on {
            return Ok(Upserted { entry: entry.clone(), created: false, changed: false, moved_earlier: false });
        }
    }
    let zone = access.zone()?;
    let actor = workflow::actor(principal);
    let mut moved_earlier = false;
    let milestone_id = match target(state, item, existing.as_ref(), &actor, zone).await? {
        None => None,
        Some((row, None)) => Some(row.id),
        Some((row, Some(date))) => {
            let milestone = store::milestones::to_domain(&row).map_err(|err| ApiError::Internal(err.to_string()))?;
            let (moved, change) = milestone.move_date(date, Some(item.on))?;
            moved_earlier = change.moved_earlier();
            let id = row.id;
            if change.old != change.new {
                workflow::move_date(state, row, moved, change, &actor, zone).await?;
            }
            Some(id)
        }
    };
    let values = EntryValues {
        person_id: item.person_id,
        kind: item.kind.as_str().to_owned(),
        on: item.on,
        release_type: item.release_type.map(|value| value.as_str().to_owned()),
        milestone_id,
    };
    let created = existing.is_none();
    let entry = store::schedule::save(&state.db, owner, external_id, existing, values, state.clock.now()).await?;
    Ok(Upserted { entry, created, changed: true, moved_earlier })
}
