//! Follow-up plans: who stays in touch with a person, how often, and how each call went; and
//! the person's own "I want to talk".

use chrono::{DateTime, NaiveDate, Utc};
use poem::web::Data;
use poem_openapi::{param::Path, payload::Json, ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::{
    types::{ApiCheckInOutcome, ApiContactChannel, ApiPlanEnded, ApiPlanState},
    ApiTags, Authenticated,
};
use crate::{
    access::{self, Target},
    domain::{
        access::{Action, Standing},
        follow_up::{self, PhaseAsked, Step},
        PartyRole, ScopeKind,
    },
    http::{ApiError, JsonBody},
    state::AppState,
    workflow::follow_up::{self as workflow, CheckInAsked, PlanAsked, PlanView, Talked},
};

/// A phase of a cadence: check-ins every so many weeks or months (one of the two) until so many
/// months after the start, e.g. `{"every_weeks": 2, "until_month": 3}`.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct CadencePhase {
    /// 1–8.
    pub every_weeks: Option<u32>,
    /// 1–6; months are Civil-Code months from the start (a plan from 31 January is due at the
    /// end of February).
    pub every_months: Option<u32>,
    /// Months after the start when this phase ends (1–36), later than the phase before.
    pub until_month: u32,
}

/// A follow-up plan as set.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct FollowUpPlanSet {
    /// A staff member of a consultation window, mental-health welfare centre or facility who
    /// holds a `coordinator` link to the person covering `follow_up` (the person's consent to
    /// be contacted).
    pub coordinator_party_id: Uuid,
    /// The day the plan counts from (e.g. the start of probation, or release); a local date of
    /// the person's zone. Check-ins before the day the plan is first set are not owed.
    pub starts_on: NaiveDate,
    /// Default: every 2 weeks until month 3, then monthly until month 12.
    pub cadence: Option<Vec<CadencePhase>>,
}

/// A check-in as recorded, e.g. `{"on": "2026-03-02", "outcome": "reached", "channel": "phone"}`.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct CheckInCreate {
    /// The day of the call or meeting, a local date of the person's zone: not after today,
    /// not before the plan starts.
    pub on: NaiveDate,
    /// `withdrew` ends the plan.
    pub outcome: ApiCheckInOutcome,
    pub channel: Option<ApiContactChannel>,
    /// Up to 2000 characters; seen by the coordinator and the person's facility only.
    pub note: Option<String>,
}

/// A check-in owed on a day, and how it went if someone recorded it.
#[derive(Debug, Object)]
pub struct CheckInDue {
    pub due_on: NaiveDate,
    pub outcome: Option<ApiCheckInOutcome>,
    pub recorded_on: Option<NaiveDate>,
}

/// A contact recorded, in the history.
#[derive(Debug, Object)]
pub struct CheckInRecorded {
    pub id: Uuid,
    pub on: NaiveDate,
    pub outcome: ApiCheckInOutcome,
    #[oai(skip_serializing_if_is_none)]
    pub channel: Option<ApiContactChannel>,
    /// Only to the coordinator, the person's facility and admins.
    #[oai(skip_serializing_if_is_none)]
    pub note: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub recorded_by_party_id: Option<Uuid>,
}

#[derive(Debug, Object)]
pub struct FollowUpPlan {
    pub id: Uuid,
    pub person_id: Uuid,
    pub coordinator_party_id: Uuid,
    pub starts_on: NaiveDate,
    /// The plan's last day.
    pub ends_on: NaiveDate,
    pub cadence: Vec<CadencePhase>,
    /// `paused` while the person is in custody: nothing is due then, and a check-in is due the
    /// day they come out. The end of parole supervision does not end a plan.
    pub state: ApiPlanState,
    #[oai(skip_serializing_if_is_none)]
    pub ended_because: Option<ApiPlanEnded>,
    /// Unanswered check-ins in a row, latest last.
    pub unanswered_in_a_row: u32,
    pub check_ins: Vec<CheckInDue>,
    /// Every contact recorded, oldest first.
    pub history: Vec<CheckInRecorded>,
    pub updated_at: DateTime<Utc>,
}

/// Who was asked to call, and when they are open.
#[derive(Debug, Object)]
pub struct TalkContact {
    /// The coordinator's name; none for a facility's team.
    #[oai(skip_serializing_if_is_none)]
    pub name: Option<String>,
    pub organization: String,
    #[oai(skip_serializing_if_is_none)]
    pub phone: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub hours: Option<String>,
}

#[derive(Debug, Object)]
pub struct TalkRequested {
    /// When the request was sent; a press soon after the last one is the same request.
    pub requested_at: DateTime<Utc>,
    /// False when nothing new was sent (the same request as one already sent) or there is no
    /// one to send it to.
    pub sent_now: bool,
    pub who_will_call: Vec<TalkContact>,
}

fn view(plan: PlanView, notes: bool) -> FollowUpPlan {
    let cadence = plan
        .plan
        .cadence
        .phases()
        .iter()
        .map(|phase| match phase.every {
            Step::Weeks(n) => CadencePhase { every_weeks: Some(n), every_months: None, until_month: phase.until_month },
            Step::Months(n) => {
                CadencePhase { every_weeks: None, every_months: Some(n), until_month: phase.until_month }
            }
        })
        .collect();
    let records: Vec<follow_up::Record> =
        plan.check_ins.iter().map(|row| follow_up::Record { on: row.on, outcome: row.outcome }).collect();
    let check_ins = plan
        .dues
        .iter()
        .map(|due| {
            let answer = due.answered_by.and_then(|index| plan.check_ins.get(index));
            CheckInDue {
                due_on: due.on,
                outcome: answer.map(|row| row.outcome.into()),
                recorded_on: answer.map(|row| row.on),
            }
        })
        .collect();
    let history = plan
        .check_ins
        .iter()
        .map(|row| CheckInRecorded {
            id: row.id,
            on: row.on,
            outcome: row.outcome.into(),
            channel: row.channel.map(Into::into),
            note: row.note.clone().filter(|_| notes),
            recorded_by_party_id: row.recorded_by_party_id.filter(|_| notes),
        })
        .collect();
    FollowUpPlan {
        id: plan.plan.id,
        person_id: plan.plan.person_id,
        coordinator_party_id: plan.plan.coordinator_party_id,
        starts_on: plan.plan.starts_on,
        ends_on: plan.plan.cadence.ends_on(plan.plan.starts_on),
        cadence,
        state: plan.state.into(),
        ended_because: plan.ended.map(Into::into),
        unanswered_in_a_row: u32::try_from(follow_up::unanswered_in_a_row(&records)).unwrap_or(u32::MAX),
        check_ins,
        history,
        updated_at: plan.plan.updated_at,
    }
}

/// Notes stay with those who work with the person: not the person's own view.
fn sees_notes(standing: &Standing) -> bool {
    !matches!(standing, Standing::Themself)
}

#[derive(ApiResponse)]
pub enum SetPlanResponse {
    /// The plan as it now stands.
    #[oai(status = 200)]
    Ok(Json<FollowUpPlan>),
}

#[derive(ApiResponse)]
pub enum GetPlanResponse {
    #[oai(status = 200)]
    Ok(Json<FollowUpPlan>),
}

#[derive(ApiResponse)]
pub enum RecordCheckInResponse {
    /// Recorded: the plan as it now stands.
    #[oai(status = 201)]
    Created(Json<FollowUpPlan>),
}

#[derive(ApiResponse)]
pub enum TalkResponse {
    /// Sent (or already sent): who will call, and when they are open.
    #[oai(status = 202)]
    Accepted(Json<TalkRequested>),
}

pub struct FollowUpApi;

#[OpenApi(tag = "ApiTags::Persons")]
impl FollowUpApi {
    /// Set a person's follow-up plan
    ///
    /// Staff of the person's facility, or their coordinator. A new plan owes check-ins from
    /// today; setting it again changes the coordinator, start or cadence and keeps what was
    /// recorded.
    #[oai(path = "/persons/:id/follow-up", method = "put", operation_id = "setFollowUpPlan")]
    async fn set(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: JsonBody<FollowUpPlanSet>,
    ) -> Result<SetPlanResponse, ApiError> {
        let target = Target::Kind(ScopeKind::FollowUp);
        let access = access::person(&state, &auth.0, id.0, Action::FollowUp, "follow_up.set", target).await?;
        let body = body.0;
        let cadence = body.cadence.map(|phases| {
            phases
                .into_iter()
                .map(|phase| PhaseAsked {
                    every_weeks: phase.every_weeks,
                    every_months: phase.every_months,
                    until_month: phase.until_month,
                })
                .collect()
        });
        let asked = PlanAsked { coordinator_party_id: body.coordinator_party_id, starts_on: body.starts_on, cadence };
        let plan = workflow::set_plan(&state, &auth.0, &access, asked).await?;
        Ok(SetPlanResponse::Ok(Json(view(plan, true))))
    }

    /// Read a person's follow-up plan
    ///
    /// Staff of the person's facility, their coordinator, admins, and the person (without the
    /// notes). Never family: anyone else is answered as if there were no such person.
    #[oai(path = "/persons/:id/follow-up", method = "get", operation_id = "getFollowUpPlan")]
    async fn get(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<GetPlanResponse, ApiError> {
        let target = Target::Kind(ScopeKind::FollowUp);
        let access = access::person(&state, &auth.0, id.0, Action::ReadFollowUp, "follow_up.read", target).await?;
        let plan = workflow::plan_of(&state, &access).await?.ok_or(ApiError::NotFound)?;
        Ok(GetPlanResponse::Ok(Json(view(plan, sees_notes(&access.standing)))))
    }

    /// Record a check-in
    ///
    /// Staff of the person's facility, or their coordinator. The check-in answers the latest
    /// one due by its day. Unanswered check-ins in a row (three, by policy) alert the
    /// coordinator and the facility team; `withdrew` ends the plan.
    #[oai(path = "/persons/:id/follow-up/check-ins", method = "post", operation_id = "recordCheckIn")]
    async fn record(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: JsonBody<CheckInCreate>,
    ) -> Result<RecordCheckInResponse, ApiError> {
        let target = Target::Kind(ScopeKind::FollowUp);
        let access = access::person(&state, &auth.0, id.0, Action::FollowUp, "follow_up.check_in", target).await?;
        let body = body.0;
        let asked = CheckInAsked {
            on: Some(body.on),
            outcome: follow_up::Outcome::from(body.outcome).as_str().to_owned(),
            channel: body.channel.map(|channel| follow_up::Channel::from(channel).as_str().to_owned()),
            note: body.note,
        };
        let plan = workflow::record_check_in(&state, &auth.0, &access, asked).await?;
        Ok(RecordCheckInResponse::Created(Json(view(plan, true))))
    }

    /// Ask for someone to call ("I want to talk")
    ///
    /// The person's own account. At once, a high alert to their coordinator and the team of
    /// their facility, with no questions asked; never to family. Pressing again soon after is
    /// the same request. Answers who will call and when they are open.
    #[oai(path = "/me/talk", method = "post", operation_id = "requestTalk", tag = "ApiTags::Me")]
    async fn talk(&self, auth: Authenticated, state: Data<&AppState>) -> Result<TalkResponse, ApiError> {
        let principal = &auth.0;
        let Some(person_id) = principal.person_id.filter(|_| principal.role == PartyRole::Person) else {
            return Err(ApiError::Forbidden("Only a person's own account asks for a call."));
        };
        let access =
            access::person(&state, principal, person_id, Action::ReadPerson, "follow_up.talk", Target::Person).await?;
        let talked = workflow::talk(&state, access.person.id).await?;
        Ok(TalkResponse::Accepted(Json(talked_view(talked))))
    }
}

pub fn talked_view(talked: Talked) -> TalkRequested {
    TalkRequested {
        requested_at: talked.requested_at,
        sent_now: talked.sent_now,
        who_will_call: talked
            .who
            .into_iter()
            .map(|who| TalkContact {
                name: who.name,
                organization: who.organization,
                phone: who.phone,
                hours: who.hours,
            })
            .collect(),
    }
}
