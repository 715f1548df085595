//! The referrals page's forms: referring a person, a step of a referral, and its hand-off
//! meeting. A refused form comes back with every value as typed and why beside each field.

use poem::{
    handler,
    web::{Data, Path},
    Body, Request, Response,
};

use super::{access_failed, poster, read_form, refused_form, Posted};
use crate::{
    access::{self, Target},
    domain::{
        access::Action, milestones::Event, referral::Follow, BasisKind, ConsentBasis, Refusals, Scope, ScopeKind, Why,
    },
    pages::{
        frame::{failed, id_of, not_found, see_other, Viewer},
        referrals::page,
        staff::Shown,
    },
    state::AppState,
    workflow::{
        self,
        referrals::{MeetingAsked, ReferAsked, StepAsked},
        WorkflowError,
    },
};

/// Back to the page with a notice, or the page again with the form as typed and why.
async fn answer<T>(
    req: &Request,
    state: &AppState,
    viewer: &Viewer,
    (form, posted): (&str, &Posted),
    done: Result<T, WorkflowError>,
    notice: &str,
) -> Response {
    match done {
        Ok(_) => see_other(&format!("/app/referrals?done={notice}")),
        Err(WorkflowError::NotFound) => not_found(req, viewer.language),
        Err(err) => match refused_form(&err, posted, form, viewer.language) {
            Some((status, problem, refused)) => {
                let shown = Shown { problem: Some(problem), posted: Some(refused), notice: None };
                page(req, state, viewer, (status, shown)).await
            }
            None => failed(err),
        },
    }
}

/// `POST /app/referrals`: refer a person the caller may refer to another organisation.
#[handler]
pub async fn refer(req: &Request, state: Data<&AppState>, body: Body) -> Response {
    let viewer = match poster(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let posted = match read_form(req, &viewer, body).await {
        Ok(posted) => posted,
        Err(answer) => return answer,
    };
    let mut refusals = Refusals::default();
    let person_id = posted.parsed("person_id", |typed| id_of(typed).ok_or(Why::Required.into()), &mut refusals);
    let to = posted.parsed("to_organization_id", |typed| id_of(typed).ok_or(Why::Required.into()), &mut refusals);
    let mut scope = Scope::default();
    for typed in posted.all("scope") {
        if let Some(kind) = refusals.check("scope", typed.parse::<ScopeKind>()) {
            scope = scope.with(kind);
        }
    }
    let kind = posted.choice::<BasisKind>("basis.kind", &mut refusals);
    let on = posted.date("basis.on", &mut refusals);
    let (Some(person_id), Some(to), Some(kind), Some(on)) = (person_id, to, kind, on) else {
        return answer(req, &state, &viewer, ("refer", &posted), Err::<(), _>(refusals.into()), "").await;
    };
    let access =
        match access::person(&state, &viewer.principal, person_id, Action::Refer, "referral.create", Target::Person)
            .await
        {
            Ok(access) => access,
            Err(err) => return access_failed(req, &viewer, err),
        };
    let today = access.person.timezone.date_at(state.clock.now());
    let basis = ConsentBasis::parse(kind, posted.text("basis.reference"), on, today);
    let asked = ReferAsked { to_organization_id: to, reason: posted.text("reason").to_owned(), scope, basis };
    let done = match refusals.into_result() {
        Ok(()) => workflow::referrals::refer(&state, &viewer.principal, &access, asked).await,
        Err(refusals) => Err(refusals.into()),
    };
    answer(req, &state, &viewer, ("refer", &posted), done, "referred").await
}

/// The referral the form is about (the access decision audited) and the form.
async fn referral_form(
    req: &Request,
    state: &AppState,
    raw_id: &str,
    body: Body,
    action: &'static str,
) -> Result<(Viewer, uuid::Uuid, Posted), Response> {
    let viewer = poster(req, state).await?;
    let Some(id) = id_of(raw_id) else { return Err(not_found(req, viewer.language)) };
    access::referrals::referral(state, &viewer.principal, id, action)
        .await
        .map_err(|err| access_failed(req, &viewer, err))?;
    let posted = read_form(req, &viewer, body).await?;
    Ok((viewer, id, posted))
}

/// `POST /app/referrals/{id}/events`: accept, waitlist, decline or withdraw.
#[handler]
pub async fn referral_step(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    let (viewer, id, posted) = match referral_form(req, &state, &id.0, body, "referral.event").await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let form = format!("step-{id}");
    let mut refusals = Refusals::default();
    let on = posted.date("on", &mut refusals);
    let follow = match posted.text("follow") {
        "" => None,
        typed => refusals.check("follow", typed.parse::<Follow>()),
    };
    let note = Some(posted.text("note").to_owned()).filter(|note| !note.is_empty());
    let done = match on {
        Some(on) if refusals.is_empty() => {
            let asked = StepAsked { event: posted.text("event").to_owned(), on, note, follow };
            workflow::referrals::record(&state, &viewer.principal, id, asked).await
        }
        _ => Err(refusals.into()),
    };
    answer(req, &state, &viewer, (&form, &posted), done, "step").await
}

/// `POST /app/referrals/{id}/meeting`: arrange the hand-off meeting, or record it held or missed.
#[handler]
pub async fn referral_meeting(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    let (viewer, id, posted) = match referral_form(req, &state, &id.0, body, "referral.meeting").await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let mut refusals = Refusals::default();
    let event = posted
        .choice::<Event>("event", &mut refusals)
        .filter(|event| matches!(event, Event::Arrange | Event::Hold | Event::Miss));
    let form = match event {
        Some(Event::Arrange) => format!("meeting-{id}"),
        _ => format!("held-{id}"),
    };
    let on = posted.date("on", &mut refusals);
    let meeting = (event == Some(Event::Arrange)).then(|| super::residents::meeting_posted(&posted, &mut refusals));
    let done = match (event, on) {
        (Some(event), Some(on)) if refusals.is_empty() => {
            workflow::referrals::meeting(&state, &viewer.principal, id, MeetingAsked { event, on, meeting }).await
        }
        _ => Err(refusals.into()),
    };
    answer(req, &state, &viewer, (&form, &posted), done, "meeting").await
}
