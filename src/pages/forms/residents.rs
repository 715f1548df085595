//! Staff's forms on a resident's page about what happened: a milestone's event (one that
//! cannot be undone asks first), a programme session, a lapse, custody; and an invitation for
//! an account opened for the resident.

use minijinja::context;
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path},
    Body, Request, Response,
};
use uuid::Uuid;

use super::{access_failed, bad_request, poster, qr_svg, read_form, signed_in, Posted};
use crate::{
    access::{self, PersonAccess, Target},
    domain::{
        access::Action,
        custody::CustodyChange,
        milestones::{Change, Event},
        words::date,
        Language, Note, Refusals, Zone,
    },
    http::base_url,
    pages::{
        frame::{failed, html, id_of, not_found, see_other, viewer_frame, Viewer},
        resident::resident,
        staff::Shown,
        words,
    },
    state::AppState,
    templates::url_value,
    workflow::{self, actor, EventRequest, Precondition, WorkflowError},
};

/// After a change on a resident's page: back to it with a notice of what was stored (`done`),
/// or the page again with the form `form` as typed and why it was refused.
pub(super) async fn back_to_resident<T>(
    req: &Request,
    state: &AppState,
    viewer: &Viewer,
    person_id: Uuid,
    (form, posted): (&str, &Posted),
    done: Result<T, WorkflowError>,
    notice: &str,
) -> Response {
    let language = viewer.language;
    match done {
        Ok(_) => see_other(&format!("/app/residents/{person_id}?done={notice}")),
        Err(WorkflowError::NotFound) => not_found(req, language),
        Err(err) => match super::refused_form(&err, posted, form, language) {
            Some((status, problem, posted)) => {
                let shown = Shown { problem: Some(problem), posted: Some(posted), notice: None };
                resident(req, state, viewer, person_id, status, shown).await
            }
            None => failed(err),
        },
    }
}

/// A staff form about a resident: who posted it, the resident (the decision audited), their
/// zone and the form as typed.
pub(super) struct ResidentForm {
    pub viewer: Viewer,
    pub access: PersonAccess,
    pub zone: Zone,
    pub posted: Posted,
}

pub(super) async fn resident_form(
    req: &Request,
    state: &AppState,
    raw: &str,
    body: Body,
    (action, audit_action): (Action, &'static str),
) -> Result<ResidentForm, Response> {
    let viewer = poster(req, state).await?;
    let Some(person_id) = id_of(raw) else { return Err(not_found(req, viewer.language)) };
    let access = access::person(state, &viewer.principal, person_id, action, audit_action, Target::Person)
        .await
        .map_err(|err| access_failed(req, &viewer, err))?;
    let posted = read_form(req, &viewer, body).await?;
    let zone = access.zone().map_err(failed)?;
    Ok(ResidentForm { viewer, access, zone, posted })
}

/// A staff form about one of a resident's milestones: who posted it, the milestone (the
/// decision audited, and 404 unless it is that resident's), its zone and the form as typed.
pub(super) struct MilestoneForm {
    pub viewer: Viewer,
    pub row: crate::entity::milestone::Model,
    pub zone: Zone,
    pub posted: Posted,
}

pub(super) async fn milestone_form(
    req: &Request,
    state: &AppState,
    (person, milestone): &(String, String),
    body: Body,
    audit_action: &'static str,
) -> Result<MilestoneForm, Response> {
    let viewer = poster(req, state).await?;
    let Some(milestone_id) = id_of(milestone) else { return Err(not_found(req, viewer.language)) };
    let (access, row) =
        access::milestone(state, &viewer.principal, milestone_id, Action::RecordMilestones, audit_action)
            .await
            .map_err(|err| access_failed(req, &viewer, err))?;
    if Some(row.person_id) != id_of(person) {
        return Err(not_found(req, viewer.language));
    }
    let posted = read_form(req, &viewer, body).await?;
    let zone = access.zone().map_err(failed)?;
    Ok(MilestoneForm { viewer, row, zone, posted })
}

/// `POST /app/residents/{person}/milestones/{milestone}/events`: `event`, `on` and the
/// milestone's `version` as the page showed it. An event that cannot be undone is stored only
/// with `confirmed=yes`, which the confirmation page sends.
#[handler]
pub async fn record_event(req: &Request, state: Data<&AppState>, path: Path<(String, String)>, body: Body) -> Response {
    let form = match milestone_form(req, &state, &path.0, body, "milestone.event").await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let person_id = form.row.person_id;
    let form_name = format!("event-{}", form.row.id);
    let mut refusals = Refusals::default();
    let version = form.posted.version(&mut refusals);
    let event = form.posted.choice::<Event>("event", &mut refusals);
    let on = form.posted.date("on", &mut refusals);
    let (Some(version), Some(event), Some(on)) = (version, event, on) else {
        let refused: Result<(), _> = Err(WorkflowError::Refused(refusals));
        return back_to_resident(req, &state, &form.viewer, person_id, (&form_name, &form.posted), refused, "").await;
    };
    let kind = form.row.kind;
    if kind.needs_confirmation(event) && form.posted.text("confirmed") != "yes" {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("event", event.as_str())
            .append_pair("on", &on.to_string())
            .append_pair("version", &version.to_string())
            .finish();
        return see_other(&format!("/app/residents/{person_id}/milestones/{}/confirm?{query}", form.row.id));
    }
    let mut refusals = Refusals::default();
    let meeting = (event == Event::Arrange).then(|| meeting_posted(&form.posted, &mut refusals));
    if !refusals.is_empty() {
        let refused: Result<(), _> = Err(WorkflowError::Refused(refusals));
        return back_to_resident(req, &state, &form.viewer, person_id, (&form_name, &form.posted), refused, "").await;
    }
    let request = EventRequest {
        event: event.as_str().to_owned(),
        on,
        note: None,
        release_type: None,
        supervision_ends_on: None,
        meeting,
    };
    let actor = actor(&form.viewer.principal);
    let precondition = Precondition { if_match: None, version: Some(version) };
    let done = workflow::record_event(&state, form.row.id, form.zone, request, &precondition, &actor).await;
    let notice = format!("{}.{}", kind.as_str(), event.as_str());
    back_to_resident(req, &state, &form.viewer, person_id, (&form_name, &form.posted), done, &notice).await
}

/// A hand-off meeting as the arrange form posts it: its day (required), time, place and who
/// meets the person, each refused beside its field.
pub(super) fn meeting_posted(
    posted: &super::posted::Posted,
    refusals: &mut Refusals,
) -> crate::domain::milestones::Meeting {
    let on = posted.date("meeting_on", refusals);
    let at = match posted.text("meeting_at") {
        "" => None,
        typed => refusals.check("meeting_at", crate::domain::quiet_hours::parse_clock_time(typed)),
    };
    let mut text = |field: &str, most: usize| {
        refusals
            .check(field, crate::domain::Note::parse_at_most(posted.text(field), most))
            .flatten()
            .map(|n| n.into_inner())
    };
    let place = text("place", 200);
    let met_by = text("met_by", 100);
    crate::domain::milestones::Meeting { on, at, place, met_by }
}

/// `GET /app/residents/{person}/milestones/{milestone}/confirm?event&on&version`: the page
/// that asks before an event that cannot be undone is stored. It is a page of its own (not the
/// answer to a post) so that it can be read again, and in the other language.
#[handler]
pub async fn confirm_event_page(req: &Request, state: Data<&AppState>, path: Path<(String, String)>) -> Response {
    let viewer = match signed_in(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let language = viewer.language;
    let (person, milestone) = &path.0;
    let Some(milestone_id) = id_of(milestone) else { return not_found(req, language) };
    let row =
        match access::milestone(&state, &viewer.principal, milestone_id, Action::RecordMilestones, "milestone.event")
            .await
        {
            Ok((_, row)) if Some(row.person_id) == id_of(person) => row,
            Ok(_) => return not_found(req, language),
            Err(err) => return access_failed(req, &viewer, err),
        };
    let Some(asked) = Posted::from_query(req.uri().query().unwrap_or("")) else { return bad_request(req, language) };
    let mut refusals = Refusals::default();
    let version = asked.version(&mut refusals);
    let event = asked.choice::<Event>("event", &mut refusals);
    let on = asked.date("on", &mut refusals);
    let kind = row.kind;
    let (Some(version), Some(event), Some(on)) = (version, event, on) else {
        let refused: Result<(), _> = Err(WorkflowError::Refused(refusals));
        let form = (format!("event-{}", row.id), asked);
        return back_to_resident(req, &state, &viewer, row.person_id, (&form.0, &form.1), refused, "").await;
    };
    let title = match language {
        Language::Ja => "記録する前に確認してください",
        Language::En => "Check before it is recorded",
    };
    let context = context! {
        action => format!("/app/residents/{}/milestones/{}/events", row.person_id, row.id),
        back => format!("/app/residents/{}", row.person_id),
        event => event.as_str(), on => on.to_string(), version => version,
        what => words::event(event, kind, language), when => date(on, language, 0),
        ..viewer_frame(req, &viewer, title)
    };
    html(StatusCode::OK, "confirm_event.html", context)
}

/// `POST /app/residents/{person}/milestones/{milestone}/sessions`: one more session of a
/// running programme attended. `version` is the milestone's as the page showed it, so that a
/// page sent twice, or an old page, does not count a session twice.
#[handler]
pub async fn record_session(
    req: &Request,
    state: Data<&AppState>,
    path: Path<(String, String)>,
    body: Body,
) -> Response {
    let form = match milestone_form(req, &state, &path.0, body, "milestone.update").await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let form_name = format!("sessions-{}", form.row.id);
    let mut refusals = Refusals::default();
    let done = match form.posted.version(&mut refusals) {
        Some(version) => {
            let attended = form.row.sessions_attended.saturating_add(1);
            let change = Change { sessions_attended: Some(attended), ..Change::default() };
            let precondition = Precondition { if_match: None, version: Some(version) };
            let actor = actor(&form.viewer.principal);
            workflow::update_milestone(&state, form.row.id, form.zone, &change, None, &precondition, &actor).await
        }
        None => Err(WorkflowError::Refused(refusals)),
    };
    let posted = (form_name.as_str(), &form.posted);
    back_to_resident(req, &state, &form.viewer, form.row.person_id, posted, done, "session").await
}

/// `POST /app/residents/{person}/lapses`: `on` and an optional `note`.
#[handler]
pub async fn record_lapse(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    let form = match resident_form(req, &state, &id.0, body, (Action::RecordMilestones, "lapse.record")).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let person_id = form.access.person.id;
    let mut refusals = Refusals::default();
    let on = form.posted.date("on", &mut refusals);
    let note = refusals.check("note", Note::parse(form.posted.text("note")));
    let done = match (on, note) {
        (Some(on), Some(note)) if refusals.is_empty() => {
            workflow::record_lapse(&state, person_id, form.zone, on, note, &actor(&form.viewer.principal)).await
        }
        _ => Err(WorkflowError::Refused(refusals)),
    };
    back_to_resident(req, &state, &form.viewer, person_id, ("lapse", &form.posted), done, "lapse").await
}

/// `POST /app/residents/{person}/custody`: `event` (`start` or `end`) and `on`.
#[handler]
pub async fn record_custody(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    let form = match resident_form(req, &state, &id.0, body, (Action::RecordMilestones, "custody.record")).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let person_id = form.access.person.id;
    let mut refusals = Refusals::default();
    let on = form.posted.date("on", &mut refusals);
    // Only `start` and `end` are custody events; anything else is refused, never taken for one.
    let event = match form.posted.text("event") {
        "start" | "end" => Some(form.posted.text("event")),
        "" => {
            refusals.push("event", crate::domain::Why::Required.into());
            None
        }
        given => {
            let choices = vec!["start", "end"];
            let why = crate::domain::Why::NotAChoice { what: "custody event", given: given.to_owned(), choices };
            refusals.push("event", why.into());
            None
        }
    };
    let done = match (event, on) {
        (Some(event), Some(on)) => {
            let change =
                if event == "start" { CustodyChange::Start { on, reason: None } } else { CustodyChange::End { on } };
            workflow::record_custody(&state, person_id, form.zone, change, &actor(&form.viewer.principal)).await
        }
        _ => Err(WorkflowError::Refused(refusals)),
    };
    let notice = format!("custody.{}", event.unwrap_or_default());
    back_to_resident(req, &state, &form.viewer, person_id, ("custody", &form.posted), done, &notice).await
}

/// `POST /app/residents/{person}/invitations/{party}`: an invitation, printable with its QR code.
#[handler]
pub async fn invite(req: &Request, state: Data<&AppState>, path: Path<(String, String)>) -> Response {
    let viewer = match poster(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let (Some(person_id), Some(party_id)) = (id_of(&path.0 .0), id_of(&path.0 .1)) else {
        return not_found(req, viewer.language);
    };
    let party = match access::party_to_invite(&state, &viewer.principal, party_id, "invitation.create").await {
        Ok(party) => party,
        Err(err) => return access_failed(req, &viewer, err),
    };
    let base = base_url(req, state.public_url.as_deref());
    let issued = match workflow::sign_in::invite(&state, &party, viewer.principal.actor_id(), None, &base).await {
        Ok(issued) => issued,
        Err(err) => {
            let posted = Posted::empty();
            return back_to_resident(req, &state, &viewer, person_id, ("invite", &posted), Err::<(), _>(err), "").await;
        }
    };
    invitation_sheet(req, &viewer, &party, &issued, &format!("/app/residents/{person_id}"))
}

/// The printable invitation just made for `party`: its QR code, its code, until when; `back`
/// is the page it was made from.
pub(crate) fn invitation_sheet(
    req: &Request,
    viewer: &Viewer,
    party: &crate::entity::party::Model,
    issued: &workflow::sign_in::IssuedInvitation,
    back: &str,
) -> Response {
    let qr = match qr_svg(&issued.url) {
        Ok(qr) => qr,
        Err(err) => return failed(err),
    };
    let zone = crate::domain::Zone::default();
    let expires = issued.invitation.expires_at.with_timezone(&zone.tz()).date_naive();
    let (title, qr_label) = match viewer.language {
        Language::Ja => ("招待状", "招待リンクのQRコード"),
        Language::En => ("Invitation", "QR code of the invitation link"),
    };
    let context = context! {
        name => party.display_name, code => issued.code.display(), url => url_value(&issued.url), qr => qr, qr_label => qr_label,
        expires => date(expires, viewer.language, 0), back => url_value(back), ..viewer_frame(req, viewer, title)
    };
    html(StatusCode::CREATED, "invitation.html", context)
}
