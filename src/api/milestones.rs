use crate::domain::Refusals;
use chrono::{DateTime, NaiveDate, Utc};
use entity::{milestone, milestone_event};
use poem::web::Data;
use poem_openapi::{
    param::{Header, Path},
    payload::Json,
    types::MaybeUndefined,
    ApiResponse, Object, OpenApi, Union,
};
use uuid::Uuid;

use super::{
    types::{stored, ApiMilestoneKind, ApiProgram, ApiReleaseType},
    ApiTags, BearerAuth,
};
use crate::{
    access::{self, Target},
    domain::{
        access::Action,
        milestones::{Change, MilestoneKind, NewMilestone, Program, ReleaseType},
        Note,
    },
    http::{ApiError, JsonBody},
    state::AppState,
    store,
    workflow::{self, actor, EventRequest, Precondition},
};

/// A bail (保釈): starts `requested`.
#[derive(Debug, Object)]
pub struct BailCreate {
    pub requested_on: NaiveDate,
    pub hearing_on: Option<NaiveDate>,
    pub judgment_on: Option<NaiveDate>,
}

/// A release from a correctional facility: starts `scheduled`.
#[derive(Debug, Object)]
pub struct ReleaseCreate {
    pub scheduled_on: NaiveDate,
    /// May also be given with the `release` event.
    pub release_type: Option<ApiReleaseType>,
    /// For a parole: the last day of supervision.
    pub supervision_ends_on: Option<NaiveDate>,
}

/// A programme enrolment: starts `referred`.
#[derive(Debug, Object)]
pub struct ProgramEnrollmentCreate {
    pub program: ApiProgram,
    pub referred_on: NaiveDate,
    /// Sessions planned; SMARPP plans 24 when left out.
    pub sessions_planned: Option<i32>,
}

/// A new milestone, by `kind`. An employment-support window is not created directly: a
/// full-term release opens it.
#[derive(Debug, Union)]
#[oai(discriminator_name = "kind", one_of)]
pub enum MilestoneCreate {
    #[oai(mapping = "bail")]
    Bail(BailCreate),
    #[oai(mapping = "release")]
    Release(ReleaseCreate),
    #[oai(mapping = "program_enrollment")]
    ProgramEnrollment(ProgramEnrollmentCreate),
}

/// Dates that move, and a programme's attendance. Each change is recorded in the history.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct MilestonePatch {
    /// Bail: the next hearing; `null` clears it.
    pub hearing_on: MaybeUndefined<NaiveDate>,
    /// Bail: the judgment date; `null` clears it.
    pub judgment_on: MaybeUndefined<NaiveDate>,
    /// Release: the scheduled release date.
    pub scheduled_on: Option<NaiveDate>,
    /// Parole: the last day of supervision; `null` clears it.
    pub supervision_ends_on: MaybeUndefined<NaiveDate>,
    /// Programme: sessions attended so far.
    pub sessions_attended: Option<i32>,
    /// The version this change is based on (or send `If-Match`).
    pub version: Option<i64>,
}

/// An event on a milestone, e.g. `{"event": "grant", "on": "2026-04-01"}`.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct EventCreate {
    pub event: String,
    /// The day it happened, a local date of the person's zone.
    pub on: NaiveDate,
    /// Up to 2000 characters. Kept in the history; shown to whoever may see the milestone.
    pub note: Option<String>,
    /// With `release`: `full_term` or `parole`, if not given when the release was scheduled.
    pub release_type: Option<ApiReleaseType>,
    /// With a parole `release`: the last day of supervision.
    pub supervision_ends_on: Option<NaiveDate>,
    /// The version this event is based on (or send `If-Match`).
    pub version: Option<i64>,
}

#[derive(Debug, Object)]
pub struct Milestone {
    pub id: Uuid,
    pub person_id: Uuid,
    pub kind: ApiMilestoneKind,
    pub state: String,
    /// Rises by one with every change; also the `ETag`.
    pub version: i64,
    /// The events the current state accepts.
    pub accepted_events: Vec<String>,
    /// The day the current state began.
    #[oai(skip_serializing_if_is_none)]
    pub state_since: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none)]
    pub requested_on: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none)]
    pub granted_on: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none)]
    pub released_on: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none)]
    pub ended_on: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none)]
    pub hearing_on: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none)]
    pub judgment_on: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none)]
    pub scheduled_on: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none)]
    pub release_type: Option<ApiReleaseType>,
    #[oai(skip_serializing_if_is_none)]
    pub supervision_ends_on: Option<NaiveDate>,
    /// Window: its first day (the day after the release).
    #[oai(skip_serializing_if_is_none)]
    pub opens_on: Option<NaiveDate>,
    /// Window: its last day, by the Civil Code's count of months.
    #[oai(skip_serializing_if_is_none)]
    pub closes_on: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none)]
    pub extensions: Option<i32>,
    #[oai(skip_serializing_if_is_none)]
    pub used_on: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none)]
    pub program: Option<ApiProgram>,
    #[oai(skip_serializing_if_is_none)]
    pub referred_on: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none)]
    pub enrolled_on: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none)]
    pub started_on: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none)]
    pub sessions_planned: Option<i32>,
    #[oai(skip_serializing_if_is_none)]
    pub sessions_attended: Option<i32>,
    /// Window: the release milestone that opened it.
    #[oai(skip_serializing_if_is_none)]
    pub source_milestone_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
pub struct MilestoneList {
    pub items: Vec<Milestone>,
}

/// One step of a milestone's history.
#[derive(Debug, Object)]
pub struct MilestoneEvent {
    pub id: Uuid,
    pub milestone_id: Uuid,
    pub kind: ApiMilestoneKind,
    /// The event, `create` for the first entry, or `date_moved`.
    pub event: String,
    pub from_state: String,
    pub to_state: String,
    /// The day it took effect.
    pub on: NaiveDate,
    /// For `date_moved`: which date, from what, to what, and whether it came earlier.
    #[oai(skip_serializing_if_is_none)]
    pub field: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub old_date: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none)]
    pub new_date: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none)]
    pub moved_earlier: Option<bool>,
    #[oai(skip_serializing_if_is_none)]
    pub note: Option<String>,
    /// A party id, an admin's name, or `tsunagu` for steps the passing days bring.
    pub actor: String,
    pub actor_role: String,
    /// The milestone's version after this step.
    pub version: i64,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
pub struct MilestoneHistory {
    pub items: Vec<MilestoneEvent>,
}

/// An accepted event and the milestone it left.
#[derive(Debug, Object)]
pub struct EventRecorded {
    pub id: Uuid,
    pub event: MilestoneEvent,
    pub milestone: Milestone,
}

pub fn view(row: milestone::Model) -> Result<Milestone, ApiError> {
    let domain = store::milestones::to_domain(&row)?;
    let is = |kind: MilestoneKind| domain.kind == kind;
    Ok(Milestone {
        accepted_events: domain.accepted_events().into_iter().map(|event| event.as_str().to_owned()).collect(),
        kind: domain.kind.into(),
        release_type: domain.release_type.map(Into::into),
        program: domain.program.map(Into::into),
        extensions: is(MilestoneKind::EmploymentSupportWindow).then_some(row.extensions),
        sessions_planned: row.sessions_planned,
        sessions_attended: is(MilestoneKind::ProgramEnrollment).then_some(row.sessions_attended),
        id: row.id,
        person_id: row.person_id,
        state: row.state,
        version: row.version,
        state_since: row.state_since,
        requested_on: row.requested_on,
        granted_on: row.granted_on,
        released_on: row.released_on,
        ended_on: row.ended_on,
        hearing_on: row.hearing_on,
        judgment_on: row.judgment_on,
        scheduled_on: row.scheduled_on,
        supervision_ends_on: row.supervision_ends_on,
        opens_on: row.opens_on,
        closes_on: row.closes_on,
        used_on: row.used_on,
        referred_on: row.referred_on,
        enrolled_on: row.enrolled_on,
        started_on: row.started_on,
        source_milestone_id: row.source_milestone_id,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

pub fn event_view(row: milestone_event::Model) -> Result<MilestoneEvent, ApiError> {
    Ok(MilestoneEvent {
        kind: stored::<MilestoneKind>("milestone kind", row.id, &row.kind)?.into(),
        moved_earlier: row
            .field
            .as_ref()
            .map(|_| matches!((row.old_date, row.new_date), (Some(old), Some(new)) if new < old)),
        id: row.id,
        milestone_id: row.milestone_id,
        event: row.event,
        from_state: row.from_state,
        to_state: row.to_state,
        on: row.effective_on,
        field: row.field,
        old_date: row.old_date,
        new_date: row.new_date,
        note: row.note,
        actor: row.actor,
        actor_role: row.actor_role,
        version: row.version,
        recorded_at: row.recorded_at,
    })
}

fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// `If-Match` and a body's `version` as the workflow checks them: `*` matches any version; a
/// tag that names no version matches none.
fn precondition(if_match: Option<&str>, version: Option<i64>) -> Precondition {
    let if_match = if_match.filter(|header| !header.split(',').any(|tag| tag.trim() == "*")).map(|header| {
        header
            .split(',')
            .filter_map(|tag| tag.trim().trim_start_matches("W/").trim_matches('"').parse::<i64>().ok())
            .collect()
    });
    Precondition { if_match, version }
}

fn new_milestone(create: &MilestoneCreate) -> NewMilestone {
    match create {
        MilestoneCreate::Bail(bail) => NewMilestone::Bail {
            requested_on: bail.requested_on,
            hearing_on: bail.hearing_on,
            judgment_on: bail.judgment_on,
        },
        MilestoneCreate::Release(release) => NewMilestone::Release {
            scheduled_on: release.scheduled_on,
            release_type: release.release_type.map(ReleaseType::from),
            supervision_ends_on: release.supervision_ends_on,
        },
        MilestoneCreate::ProgramEnrollment(programme) => NewMilestone::Program {
            program: Program::from(programme.program),
            referred_on: programme.referred_on,
            sessions_planned: programme.sessions_planned,
        },
    }
}

#[derive(ApiResponse)]
pub enum CreateMilestoneResponse {
    /// The milestone was created in its first state.
    #[oai(status = 201)]
    Created(Json<Milestone>, #[oai(header = "Location")] String, #[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
pub enum MilestoneResponse {
    #[oai(status = 200)]
    Ok(Json<Milestone>, #[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
pub enum RecordEventResponse {
    /// The event was accepted and recorded.
    #[oai(status = 201)]
    Created(Json<EventRecorded>, #[oai(header = "ETag")] String),
}

/// Brings windows up to date for the days that have passed before a person's milestones are read.
async fn current(state: &AppState, person_id: Uuid) -> Result<(), ApiError> {
    workflow::catch_up_windows(state, Some(person_id)).await?;
    Ok(())
}

pub struct MilestonesApi;

#[OpenApi(tag = "ApiTags::Milestones")]
impl MilestonesApi {
    /// Record a milestone
    ///
    /// Admins and the person's facility: a bail (`{"kind": "bail", "requested_on"}`), a release
    /// (`{"kind": "release", "scheduled_on", "release_type"}`) or a programme enrolment
    /// (`{"kind": "program_enrollment", "program", "referred_on"}`).
    #[oai(path = "/persons/:id/milestones", method = "post", operation_id = "createMilestone")]
    async fn create(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: JsonBody<MilestoneCreate>,
    ) -> Result<CreateMilestoneResponse, ApiError> {
        let access =
            access::person(&state, &auth.0, id.0, Action::RecordMilestones, "milestone.create", Target::Person).await?;
        let new = new_milestone(&body.0);
        let row = workflow::create_milestone(&state, access.person.id, access.zone()?, &new, &actor(&auth.0)).await?;
        let location = format!("{}/milestones/{}", super::BASE_PATH, row.id);
        let tag = etag(row.version);
        Ok(CreateMilestoneResponse::Created(Json(view(row)?), location, tag))
    }

    /// List a person's milestones
    ///
    /// Only the kinds within the caller's consent scope.
    #[oai(path = "/persons/:id/milestones", method = "get", operation_id = "listMilestones")]
    async fn list(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<Json<MilestoneList>, ApiError> {
        let access =
            access::person(&state, &auth.0, id.0, Action::ReadPerson, "milestone.list", Target::Person).await?;
        current(&state, access.person.id).await?;
        let scope = access.standing.scope();
        let rows = store::milestones::list_for_person(&state.db, access.person.id).await?;
        let items = rows
            .into_iter()
            .filter(|row| row.kind.parse::<MilestoneKind>().is_ok_and(|kind| scope.contains(kind.scope_kind())))
            .map(view)
            .collect::<Result<_, _>>()?;
        Ok(Json(MilestoneList { items }))
    }

    /// Get a milestone
    ///
    /// With its `ETag` (the version) for `If-Match`.
    #[oai(path = "/milestones/:id", method = "get", operation_id = "getMilestone")]
    async fn get(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<MilestoneResponse, ApiError> {
        let (access, _) = access::milestone(&state, &auth.0, id.0, Action::ReadPerson, "milestone.read").await?;
        current(&state, access.person.id).await?;
        let row = store::milestones::find(&state.db, id.0).await?.ok_or(ApiError::NotFound)?;
        let tag = etag(row.version);
        Ok(MilestoneResponse::Ok(Json(view(row)?), tag))
    }

    /// Move a milestone's dates
    ///
    /// Admins and the person's facility. A hearing, judgment or scheduled release date that
    /// changes is recorded as a `date_moved` step with the old and new dates.
    #[oai(path = "/milestones/:id", method = "patch", operation_id = "updateMilestone")]
    async fn update(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
        body: JsonBody<MilestonePatch>,
    ) -> Result<MilestoneResponse, ApiError> {
        let (access, row) =
            access::milestone(&state, &auth.0, id.0, Action::RecordMilestones, "milestone.update").await?;
        let body = body.0;
        let change = Change {
            hearing_on: maybe(body.hearing_on),
            judgment_on: maybe(body.judgment_on),
            scheduled_on: body.scheduled_on,
            supervision_ends_on: maybe(body.supervision_ends_on),
            sessions_attended: body.sessions_attended,
        };
        let precondition = precondition(if_match.0.as_deref(), body.version);
        let row =
            workflow::update_milestone(&state, row.id, access.zone()?, &change, &precondition, &actor(&auth.0)).await?;
        let tag = etag(row.version);
        Ok(MilestoneResponse::Ok(Json(view(row)?), tag))
    }

    /// Record an event
    ///
    /// Admins and the person's facility. An event the current state does not accept is refused
    /// with 409, naming the state and the events it would accept; nothing changes.
    #[oai(path = "/milestones/:id/events", method = "post", operation_id = "recordMilestoneEvent")]
    async fn record_event(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
        body: JsonBody<EventCreate>,
    ) -> Result<RecordEventResponse, ApiError> {
        let (access, row) =
            access::milestone(&state, &auth.0, id.0, Action::RecordMilestones, "milestone.event").await?;
        let body = body.0;
        let note = body.note.as_deref().map(Note::parse).transpose().map_err(|why| Refusals::one("note", why))?;
        let request = EventRequest {
            event: body.event,
            on: body.on,
            note: note.flatten(),
            release_type: body.release_type.map(ReleaseType::from),
            supervision_ends_on: body.supervision_ends_on,
        };
        let precondition = precondition(if_match.0.as_deref(), body.version);
        let (row, event) =
            workflow::record_event(&state, row.id, access.zone()?, request, &precondition, &actor(&auth.0)).await?;
        let tag = etag(row.version);
        let recorded = EventRecorded { id: event.id, event: event_view(event)?, milestone: view(row)? };
        Ok(RecordEventResponse::Created(Json(recorded), tag))
    }

    /// A milestone's history
    ///
    /// Every step, oldest first: from-state, event, to-state, effective date, actor, note.
    #[oai(path = "/milestones/:id/events", method = "get", operation_id = "listMilestoneEvents")]
    async fn history(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<Json<MilestoneHistory>, ApiError> {
        let (access, row) = access::milestone(&state, &auth.0, id.0, Action::ReadPerson, "milestone.history").await?;
        current(&state, access.person.id).await?;
        let events = store::milestones::events_of(&state.db, row.id).await?;
        Ok(Json(MilestoneHistory { items: events.into_iter().map(event_view).collect::<Result<_, _>>()? }))
    }
}

fn maybe(value: MaybeUndefined<NaiveDate>) -> Option<Option<NaiveDate>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(date) => Some(Some(date)),
    }
}
