//! The follow-up forms: a check-in recorded, a plan set, and the person's "I want to talk". A
//! refused form comes back with every value as typed and why beside each field.

use poem::{
    handler,
    web::{Data, Path},
    Body, Request, Response,
};
use uuid::Uuid;

use super::{access_failed, poster, read_form, refused_form, Posted};
use crate::{
    access::{self, PersonAccess, Target},
    domain::{access::Action, follow_up::PhaseAsked, PartyRole, Refusals, ScopeKind, Why},
    pages::{
        follow_up::{person_page, talked_page},
        frame::{failed, id_of, not_found, see_other, Viewer},
        staff::Shown,
    },
    state::AppState,
    workflow::{
        follow_up::{self as workflow, CheckInAsked, PlanAsked},
        WorkflowError,
    },
};

/// The person the form is about, for a caller who follows them up (the decision audited).
async fn plan_form(
    req: &Request,
    state: &AppState,
    raw_id: &str,
    body: Body,
    action: &'static str,
) -> Result<(Viewer, PersonAccess, Posted), Response> {
    let viewer = poster(req, state).await?;
    let Some(id) = id_of(raw_id) else { return Err(not_found(req, viewer.language)) };
    let target = Target::Kind(ScopeKind::FollowUp);
    let access = access::person(state, &viewer.principal, id, Action::FollowUp, action, target)
        .await
        .map_err(|err| access_failed(req, &viewer, err))?;
    let posted = read_form(req, &viewer, body).await?;
    Ok((viewer, access, posted))
}

/// On to `to`, or the person's page again with the form as typed and why.
async fn answer<T>(
    req: &Request,
    state: &AppState,
    viewer: &Viewer,
    person_id: Uuid,
    (form, posted): (&str, &Posted),
    done: Result<T, WorkflowError>,
    to: &str,
) -> Response {
    match done {
        Ok(_) => see_other(to),
        Err(WorkflowError::NotFound) => not_found(req, viewer.language),
        Err(err) => match refused_form(&err, posted, form, viewer.language) {
            Some((status, problem, refused)) => {
                let shown = Shown { problem: Some(problem), posted: Some(refused), notice: None };
                person_page(req, state, viewer, person_id, (status, shown)).await
            }
            None => failed(err),
        },
    }
}

/// `POST /app/follow-up/{person}/check-ins`: how a call went.
#[handler]
pub async fn record_check_in(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    let (viewer, access, posted) = match plan_form(req, &state, &id.0, body, "follow_up.check_in").await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let mut refusals = Refusals::default();
    let on = posted.date("on", &mut refusals);
    if posted.text("outcome").is_empty() {
        refusals.push("outcome", Why::Required.into());
    }
    let person_id = access.person.id;
    let done = match on {
        Some(on) if refusals.is_empty() => {
            let asked = CheckInAsked {
                on: Some(on),
                outcome: posted.text("outcome").to_owned(),
                channel: Some(posted.text("channel").to_owned()),
                note: Some(posted.text("note").to_owned()),
            };
            workflow::record_check_in(&state, &viewer.principal, &access, asked).await
        }
        _ => Err(refusals.into()),
    };
    // From the list, back to the list.
    let to = match posted.text("back") {
        "list" => "/app/follow-up?done=check_in".to_owned(),
        _ => format!("/app/follow-up/{person_id}?done=check_in"),
    };
    answer(req, &state, &viewer, person_id, ("check-in", &posted), done, &to).await
}

/// The cadences the page offers; any other is set through the API.
fn preset(name: &str) -> Option<Vec<PhaseAsked>> {
    let weeks = |n, until| PhaseAsked { every_weeks: Some(n), every_months: None, until_month: until };
    let months = |n, until| PhaseAsked { every_weeks: None, every_months: Some(n), until_month: until };
    match name {
        "standard" => Some(vec![weeks(2, 3), months(1, 12)]),
        "weekly_first" => Some(vec![weeks(1, 1), weeks(2, 3), months(1, 12)]),
        "monthly" => Some(vec![months(1, 12)]),
        _ => None,
    }
}

/// `POST /app/follow-up/{person}/plan`: who stays in touch, from when, how often.
#[handler]
pub async fn set_plan(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    let (viewer, access, posted) = match plan_form(req, &state, &id.0, body, "follow_up.set").await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let mut refusals = Refusals::default();
    let coordinator =
        posted.parsed("coordinator_party_id", |typed| id_of(typed).ok_or(Why::Required.into()), &mut refusals);
    let starts_on = posted.date("starts_on", &mut refusals);
    let cadence = preset(posted.text("cadence"));
    if cadence.is_none() {
        refusals.push("cadence", Why::Required.into());
    }
    let person_id = access.person.id;
    let done = match (coordinator, starts_on) {
        (Some(coordinator_party_id), Some(starts_on)) if refusals.is_empty() => {
            let asked = PlanAsked { coordinator_party_id, starts_on, cadence };
            workflow::set_plan(&state, &viewer.principal, &access, asked).await
        }
        _ => Err(refusals.into()),
    };
    let to = format!("/app/follow-up/{person_id}?done=plan");
    answer(req, &state, &viewer, person_id, ("plan", &posted), done, &to).await
}

/// `POST /app/talk`: the person's "I want to talk" (話したい), a plain form that needs no
/// script. The answer says who will call and when they are open.
#[handler]
pub async fn talk(req: &Request, state: Data<&AppState>) -> Response {
    let viewer = match poster(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let principal = &viewer.principal;
    let Some(person_id) = principal.person_id.filter(|_| principal.role == PartyRole::Person) else {
        return not_found(req, viewer.language);
    };
    if let Err(err) =
        access::person(&state, principal, person_id, Action::ReadPerson, "follow_up.talk", Target::Person).await
    {
        return access_failed(req, &viewer, err);
    }
    match workflow::talk(&state, person_id).await {
        Ok(talked) => talked_page(req, &viewer, &talked),
        Err(err) => failed(err),
    }
}
