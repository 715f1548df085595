//! What the milestone operations take and answer: request bodies and stored rows as views.

use crate::entity::{milestone, milestone_event};
use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::{types::MaybeUndefined, Object, Union};
use uuid::Uuid;

use crate::{
    api::types::{ApiMilestoneKind, ApiProgram, ApiReleaseType},
    domain::{
        milestones::{Meeting, MilestoneKind},
        quiet_hours::parse_clock_time,
        Note, Refusals, Scope,
    },
    http::ApiError,
    store,
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

/// A hand-off meeting (顔合わせ): starts `proposed`; `arrange` sets its day, time, place and
/// who meets the person.
#[derive(Debug, Object)]
pub struct HandoffCreate {
    pub proposed_on: NaiveDate,
    /// The referral it comes of (the person's own).
    pub referral_id: Option<Uuid>,
    /// The person's release or bail it comes before.
    pub before_milestone_id: Option<Uuid>,
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
    #[oai(mapping = "handoff")]
    Handoff(HandoffCreate),
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
    /// Why a date moved (up to 2000 characters): kept with the move in the history.
    pub reason: Option<String>,
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
    /// With `arrange`: the day of the hand-off meeting (not before `on`).
    pub meeting_on: Option<NaiveDate>,
    /// With `arrange`: its local time, `HH:MM`.
    pub meeting_at: Option<String>,
    /// With `arrange`: where (up to 200 characters).
    pub place: Option<String>,
    /// With `arrange`: who meets the person, a staff member or a peer member (up to 100
    /// characters).
    pub met_by: Option<String>,
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
    #[oai(skip_serializing_if_is_none)]
    pub proposed_on: Option<NaiveDate>,
    /// Hand-off: the meeting's day, local time, place and who meets the person.
    #[oai(skip_serializing_if_is_none)]
    pub meeting_on: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none)]
    pub meeting_at: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub place: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub met_by: Option<String>,
    /// Hand-off: the referral it comes of, and the release or bail it comes before.
    #[oai(skip_serializing_if_is_none)]
    pub referral_id: Option<Uuid>,
    #[oai(skip_serializing_if_is_none)]
    pub before_milestone_id: Option<Uuid>,
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

/// The meeting an `arrange` carries, checked field by field; none for another event.
pub fn meeting_of(body: &EventCreate) -> Result<Option<Meeting>, Refusals> {
    let given = body.meeting_on.is_some() || body.meeting_at.is_some() || body.place.is_some() || body.met_by.is_some();
    if !given {
        return Ok(None);
    }
    let mut refusals = Refusals::default();
    let at = match body.meeting_at.as_deref() {
        Some(raw) => refusals.check("meeting_at", parse_clock_time(raw)),
        None => None,
    };
    let mut text = |field: &str, raw: &Option<String>, most: usize| match raw.as_deref() {
        Some(raw) => refusals.check(field, Note::parse_at_most(raw, most)).flatten().map(Note::into_inner),
        None => None,
    };
    let place = text("place", &body.place, 200);
    let met_by = text("met_by", &body.met_by, 100);
    refusals.into_result()?;
    Ok(Some(Meeting { on: body.meeting_on, at, place, met_by }))
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
        state: row.state.to_string(),
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
        proposed_on: row.proposed_on,
        meeting_on: row.meeting_on,
        meeting_at: row.meeting_at,
        place: row.place,
        met_by: row.met_by,
        referral_id: row.referral_id,
        before_milestone_id: row.before_milestone_id,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// One step of history as `scope` may see it: a note the service wrote about another consent
/// kind (custody, on an interruption) is shown only when the scope covers that kind.
pub fn event_view(row: milestone_event::Model, scope: &Scope) -> Result<MilestoneEvent, ApiError> {
    let note = match row.note_scope.as_deref() {
        Some("custody") if !scope.covers_custody() => None,
        _ => row.note,
    };
    Ok(MilestoneEvent {
        kind: row.kind.into(),
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
        note,
        actor: row.actor,
        actor_role: row.actor_role,
        version: row.version,
        recorded_at: row.recorded_at,
    })
}
