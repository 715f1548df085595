//! Staff start and keep a resident's record in the pages: add a resident (placed at their own
//! organisation from today), create a bail, a release or a programme referral, move a date
//! with a reason, and end the placement. Each form parses into the domain's own types; what is
//! refused comes back as typed, with why beside the field.

use minijinja::context;
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path},
    Body, Request, Response,
};

use super::{
    poster, read_form,
    residents::{back_to_resident, milestone_form, resident_form},
    Posted,
};
use crate::{
    access::audit_entry,
    domain::{
        access::Action,
        milestones::{Change, MovableDate, NewMilestone, Program, ReleaseType},
        parse_birth_date, DisplayName, Language, Note, PartyRole, Refusals, Why, Zone,
    },
    pages::{
        frame::{failed, html, not_found, see_other, signed_in, viewer_frame, Viewer},
        words,
    },
    state::AppState,
    store::{audit::Outcome, persons::NewPerson},
    workflow::{self, actor, Precondition, WorkflowError},
};

/// The new-resident form, with a refused one as typed (and its status).
fn new_resident_form(req: &Request, viewer: &Viewer, status: StatusCode, posted: Option<minijinja::Value>) -> Response {
    let language = viewer.language;
    let title = match language {
        Language::Ja => "利用者を登録する",
        Language::En => "Add a resident",
    };
    let languages: Vec<minijinja::Value> =
        Language::ALL.iter().map(|lang| context! { value => lang.as_str(), label => words::language(*lang) }).collect();
    let context = context! { posted => posted, languages => languages, ..viewer_frame(req, viewer, title) };
    html(status, "new_resident.html", context)
}

/// `GET /app/residents/new`: staff of an organisation only.
#[handler]
pub async fn new_resident_page(req: &Request, state: Data<&AppState>) -> Response {
    let viewer = match signed_in(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    if viewer.role() != PartyRole::Staff || viewer.principal.organization_id.is_none() {
        return not_found(req, viewer.language);
    }
    new_resident_form(req, &viewer, StatusCode::OK, None)
}

/// `POST /app/residents`: `display_name`, optional `birth_date`, `language` and `timezone`.
/// The resident is placed at the staff member's organisation from today.
#[handler]
pub async fn add_resident(req: &Request, state: Data<&AppState>, body: Body) -> Response {
    let viewer = match poster(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let Some(organization_id) = viewer.principal.organization_id.filter(|_| viewer.role() == PartyRole::Staff) else {
        return not_found(req, viewer.language);
    };
    let posted = match read_form(req, &viewer, body).await {
        Ok(posted) => posted,
        Err(answer) => return answer,
    };
    let mut refusals = Refusals::default();
    let display_name = posted.parsed("display_name", DisplayName::parse, &mut refusals);
    let language = posted.choice::<Language>("language", &mut refusals);
    let zone = posted.parsed("timezone", |typed| typed.parse::<Zone>(), &mut refusals);
    let birth_date = match (posted.optional_date("birth_date", &mut refusals), zone) {
        (Some(Some(born)), Some(zone)) => {
            refusals.check("birth_date", parse_birth_date(born, zone.date_at(state.clock.now()))).map(Some)
        }
        (born, _) => born.filter(Option::is_none),
    };
    let (Some(display_name), Some(language), Some(zone), Some(birth_date)) = (display_name, language, zone, birth_date)
    else {
        let shown = posted.refused("resident", &refusals, viewer.language);
        return new_resident_form(req, &viewer, StatusCode::UNPROCESSABLE_ENTITY, Some(shown));
    };
    let new = NewPerson { display_name, birth_date, language, zone };
    let entry = audit_entry(&viewer.principal, "person.create", None, None, Outcome::Allowed);
    match workflow::create_person(&state, new, Some(organization_id), entry).await {
        Ok(row) => see_other(&format!("/app/residents/{}?done=resident", row.id)),
        Err(err) => failed(err),
    }
}

/// `POST /app/residents/{person}/milestones`: `kind` (`bail`, `release` or
/// `program_enrollment`) and its dates.
#[handler]
pub async fn add_milestone(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    let form = match resident_form(req, &state, &id.0, body, (Action::RecordMilestones, "milestone.create")).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let kind = form.posted.text("kind");
    let form_name = format!("new-{kind}");
    let mut refusals = Refusals::default();
    let new = new_milestone(&form.posted, kind, &mut refusals);
    let done = match new {
        Some(new) if refusals.is_empty() => {
            let actor = actor(&form.viewer.principal);
            workflow::create_milestone(&state, form.access.person.id, form.zone, &new, &actor).await
        }
        _ => Err(WorkflowError::Refused(refusals)),
    };
    let person_id = form.access.person.id;
    back_to_resident(req, &state, &form.viewer, person_id, (&form_name, &form.posted), done, "milestone").await
}

fn new_milestone(posted: &Posted, kind: &str, refusals: &mut Refusals) -> Option<NewMilestone> {
    match kind {
        "bail" => {
            let requested_on = posted.date("requested_on", refusals);
            let hearing_on = posted.optional_date("hearing_on", refusals);
            let judgment_on = posted.optional_date("judgment_on", refusals);
            Some(NewMilestone::Bail { requested_on: requested_on?, hearing_on: hearing_on?, judgment_on: judgment_on? })
        }
        "release" => {
            let scheduled_on = posted.date("scheduled_on", refusals);
            let release_type = posted.choice::<ReleaseType>("release_type", refusals);
            let supervision_ends_on = posted.optional_date("supervision_ends_on", refusals);
            if release_type == Some(ReleaseType::Parole) && supervision_ends_on == Some(None) {
                refusals.push("supervision_ends_on", Why::Required.into());
            }
            Some(NewMilestone::Release {
                scheduled_on: scheduled_on?,
                release_type: Some(release_type?),
                supervision_ends_on: supervision_ends_on?,
            })
        }
        "program_enrollment" => {
            let program = posted.choice::<Program>("program", refusals);
            let referred_on = posted.date("referred_on", refusals);
            Some(NewMilestone::Program { program: program?, referred_on: referred_on?, sessions_planned: None })
        }
        given => {
            let choices = vec!["bail", "release", "program_enrollment"];
            refusals.push("kind", Why::NotAChoice { what: "milestone kind", given: given.to_owned(), choices }.into());
            None
        }
    }
}

/// `POST /app/residents/{person}/milestones/{milestone}/dates`: which `date` moves, to `on`
/// (empty clears a date that may be cleared), an optional `reason`, and the `version` shown.
#[handler]
pub async fn move_date(req: &Request, state: Data<&AppState>, path: Path<(String, String)>, body: Body) -> Response {
    let form = match milestone_form(req, &state, &path.0, body, "milestone.update").await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let form_name = format!("dates-{}", form.row.id);
    let mut refusals = Refusals::default();
    let version = form.posted.version(&mut refusals);
    let date = form.posted.parsed("date", MovableDate::named, &mut refusals);
    let on = form.posted.optional_date("on", &mut refusals);
    let reason = refusals.check("reason", Note::parse(form.posted.text("reason")));
    let done = match (version, date, on, reason) {
        (Some(version), Some(date), Some(on), Some(reason)) => {
            let change = match (date, on) {
                (MovableDate::ScheduledOn, None) => None,
                (MovableDate::ScheduledOn, Some(on)) => Some(Change { scheduled_on: Some(on), ..Change::default() }),
                (MovableDate::HearingOn, on) => Some(Change { hearing_on: Some(on), ..Change::default() }),
                (MovableDate::JudgmentOn, on) => Some(Change { judgment_on: Some(on), ..Change::default() }),
                (MovableDate::SupervisionEndsOn, on) => {
                    Some(Change { supervision_ends_on: Some(on), ..Change::default() })
                }
            };
            match change {
                Some(change) => {
                    let precondition = Precondition { if_match: None, version: Some(version) };
                    let actor = actor(&form.viewer.principal);
                    workflow::update_milestone(&state, form.row.id, form.zone, &change, reason, &precondition, &actor)
                        .await
                }
                None => Err(WorkflowError::Refused(Refusals::one("on", Why::Required.into()))),
            }
        }
        _ => Err(WorkflowError::Refused(refusals)),
    };
    let posted = (form_name.as_str(), &form.posted);
    back_to_resident(req, &state, &form.viewer, form.row.person_id, posted, done, "date").await
}

/// `POST /app/residents/{person}/placements/{placement}/end`: the placement's last day `end_on`.
#[handler]
pub async fn end_placement(
    req: &Request,
    state: Data<&AppState>,
    path: Path<(String, String)>,
    body: Body,
) -> Response {
    let form = match resident_form(req, &state, &path.0 .0, body, (Action::ManagePlacements, "placement.update")).await
    {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let person_id = form.access.person.id;
    let Some(placement_id) = crate::pages::frame::id_of(&path.0 .1) else {
        return not_found(req, form.viewer.language);
    };
    let mut refusals = Refusals::default();
    let done = match form.posted.date("end_on", &mut refusals) {
        Some(end_on) => {
            workflow::change_placement(&state, person_id, placement_id, Some(Some(end_on)), form.zone).await
        }
        None => Err(WorkflowError::Refused(refusals)),
    };
    back_to_resident(req, &state, &form.viewer, person_id, ("placement", &form.posted), done, "placement").await
}
