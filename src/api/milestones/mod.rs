use chrono::NaiveDate;
use poem::web::Data;
use poem_openapi::{
    param::{Header, Path},
    payload::Json,
    types::MaybeUndefined,
    ApiResponse, OpenApi,
};
use uuid::Uuid;

mod shapes;

pub use shapes::event_view;
use shapes::{
    meeting_of, view, EventCreate, EventRecorded, Milestone, MilestoneCreate, MilestoneHistory, MilestoneList,
    MilestonePatch,
};

use super::{ApiTags, Authenticated};
use crate::{
    access::{self, Target},
    domain::{
        access::Action,
        milestones::{Change, HandoffOf, MilestoneKind, NewMilestone, Program, ReleaseType},
        Note, Refusals,
    },
    http::{ApiError, JsonBody},
    state::AppState,
    workflow::{self, actor, EventRequest, Precondition},
};

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
        MilestoneCreate::Handoff(handoff) => NewMilestone::Handoff {
            proposed_on: handoff.proposed_on,
            of: HandoffOf { referral_id: handoff.referral_id, before_milestone_id: handoff.before_milestone_id },
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
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: JsonBody<MilestoneCreate>,
    ) -> Result<CreateMilestoneResponse, ApiError> {
        let new = new_milestone(&body.0);
        // A hand-off may be recorded by the side a person is referred to, which sees only its scope.
        let target = match new.kind() {
            MilestoneKind::Handoff => Target::Kind(MilestoneKind::Handoff.scope_kind()),
            _ => Target::Person,
        };
        let access =
            access::person(&state, &auth.0, id.0, Action::RecordMilestones, "milestone.create", target).await?;
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
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<Json<MilestoneList>, ApiError> {
        let access =
            access::person(&state, &auth.0, id.0, Action::ReadPerson, "milestone.list", Target::Person).await?;
        let scope = access.standing.scope();
        let rows = workflow::milestones_of(&state, access.person.id).await?;
        let items =
            rows.into_iter().filter(|row| scope.contains(row.kind.scope_kind())).map(view).collect::<Result<_, _>>()?;
        Ok(Json(MilestoneList { items }))
    }

    /// Get a milestone
    ///
    /// With its `ETag` (the version) for `If-Match`.
    #[oai(path = "/milestones/:id", method = "get", operation_id = "getMilestone")]
    async fn get(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<MilestoneResponse, ApiError> {
        let (access, _) = access::milestone(&state, &auth.0, id.0, Action::ReadPerson, "milestone.read").await?;
        let row = workflow::milestone_of(&state, access.person.id, id.0).await?;
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
        auth: Authenticated,
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
        let reason = crate::domain::Note::parse(body.reason.as_deref().unwrap_or_default())
            .map_err(|why| ApiError::from(crate::domain::Refusals::one("reason", why)))?;
        let precondition = precondition(if_match.0.as_deref(), body.version);
        let zone = access.zone()?;
        let row =
            workflow::update_milestone(&state, row.id, zone, &change, reason, &precondition, &actor(&auth.0)).await?;
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
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
        body: JsonBody<EventCreate>,
    ) -> Result<RecordEventResponse, ApiError> {
        let (access, row) =
            access::milestone(&state, &auth.0, id.0, Action::RecordMilestones, "milestone.event").await?;
        let body = body.0;
        let note = body.note.as_deref().map(Note::parse).transpose().map_err(|why| Refusals::one("note", why))?;
        let meeting = meeting_of(&body)?;
        let request = EventRequest {
            event: body.event,
            on: body.on,
            note: note.flatten(),
            release_type: body.release_type.map(ReleaseType::from),
            supervision_ends_on: body.supervision_ends_on,
            meeting,
        };
        let precondition = precondition(if_match.0.as_deref(), body.version);
        let (row, event) =
            workflow::record_event(&state, row.id, access.zone()?, request, &precondition, &actor(&auth.0)).await?;
        let tag = etag(row.version);
        let scope = access.standing.scope();
        let recorded = EventRecorded { id: event.id, event: event_view(event, &scope)?, milestone: view(row)? };
        Ok(RecordEventResponse::Created(Json(recorded), tag))
    }

    /// A milestone's history
    ///
    /// Every step, oldest first: from-state, event, to-state, effective date, actor, note.
    #[oai(path = "/milestones/:id/events", method = "get", operation_id = "listMilestoneEvents")]
    async fn history(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<Json<MilestoneHistory>, ApiError> {
        let (access, row) = access::milestone(&state, &auth.0, id.0, Action::ReadPerson, "milestone.history").await?;
        let events = workflow::history_of(&state, access.person.id, row.id).await?;
        let scope = access.standing.scope();
        let items = events.into_iter().map(|event| event_view(event, &scope)).collect::<Result<_, _>>()?;
        Ok(Json(MilestoneHistory { items }))
    }
}

fn maybe(value: MaybeUndefined<NaiveDate>) -> Option<Option<NaiveDate>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(date) => Some(Some(date)),
    }
}
