//! Staff's forms on a resident's page: what happened (a milestone's event, a lapse, custody),
//! and an invitation for someone linked to the resident.

use std::collections::HashMap;

use chrono::NaiveDate;
use minijinja::context;
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path},
    Body, Request, Response,
};
use uuid::Uuid;

use super::{access_failed, field, fields, poster, qr_svg, refusal};
use crate::{
    access::{self, PersonAccess, Target},
    domain::{access::Action, custody::CustodyChange, milestones::Change, words::date, Language, Note, Zone},
    http::base_url,
    pages::{
        frame::{failed, html, id_of, not_found, see_other, viewer_frame, Viewer},
        staff::resident,
    },
    state::AppState,
    templates::url_value,
    workflow::{self, actor, EventRequest, Precondition, WorkflowError},
};

/// After a change on a resident's page: back to it, or the page again with why.
async fn back_to_resident<T>(
    req: &Request,
    state: &AppState,
    viewer: &Viewer,
    person_id: Uuid,
    done: Result<T, WorkflowError>,
) -> Response {
    match done {
        Ok(_) => see_other(&format!("/app/residents/{person_id}")),
        Err(WorkflowError::NotFound) => not_found(req, viewer.language),
        Err(err) => match refusal(&err, viewer.language) {
            Some((status, why)) => resident(req, state, viewer, person_id, status, Some(why)).await,
            None => failed(err),
        },
    }
}

/// A staff form about a resident: who posted it, the resident (the decision audited), their
/// zone, the form's fields and its `on` date (refused when it cannot be read).
struct ResidentForm {
    viewer: Viewer,
    access: PersonAccess,
    zone: Zone,
    fields: HashMap<String, Vec<String>>,
    on: NaiveDate,
}

async fn resident_form(
    req: &Request,
    state: &AppState,
    raw: &str,
    body: Body,
    audit_action: &'static str,
) -> Result<ResidentForm, Response> {
    let viewer = poster(req, state).await?;
    let fields = fields(body).await;
    let Some(person_id) = id_of(raw) else { return Err(not_found(req, viewer.language)) };
    let access =
        access::person(state, &viewer.principal, person_id, Action::RecordMilestones, audit_action, Target::Person)
            .await
            .map_err(|err| access_failed(req, &viewer, err))?;
    let zone = access.zone().map_err(failed)?;
    let on = match super::date_field(&fields, "on") {
        Ok(on) => on,
        Err(refusals) => {
            let refused: Result<(), _> = Err(WorkflowError::Refused(refusals));
            return Err(back_to_resident(req, state, &viewer, person_id, refused).await);
        }
    };
    Ok(ResidentForm { viewer, access, zone, fields, on })
}

/// A staff form about one of a resident's milestones: who posted it, the milestone (the
/// decision audited, and 404 unless it is that resident's), its zone and the form's fields.
struct MilestoneForm {
    viewer: Viewer,
    row: entity::milestone::Model,
    zone: Zone,
    fields: HashMap<String, Vec<String>>,
}

async fn milestone_form(
    req: &Request,
    state: &AppState,
    (person, milestone): &(String, String),
    body: Body,
    audit_action: &'static str,
) -> Result<MilestoneForm, Response> {
    let viewer = poster(req, state).await?;
    let fields = fields(body).await;
    let Some(milestone_id) = id_of(milestone) else { return Err(not_found(req, viewer.language)) };
    let (access, row) =
        access::milestone(state, &viewer.principal, milestone_id, Action::RecordMilestones, audit_action)
            .await
            .map_err(|err| access_failed(req, &viewer, err))?;
    if Some(row.person_id) != id_of(person) {
        return Err(not_found(req, viewer.language));
    }
    let zone = access.zone().map_err(failed)?;
    Ok(MilestoneForm { viewer, row, zone, fields })
}

/// `POST /app/residents/{person}/milestones/{milestone}/events`: `event`, `on` and the
/// milestone's `version` as the page showed it.
#[handler]
pub async fn record_event(req: &Request, state: Data<&AppState>, path: Path<(String, String)>, body: Body) -> Response {
    let form = match milestone_form(req, &state, &path.0, body, "milestone.event").await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let parsed = super::version_field(&form.fields)
        .and_then(|version| super::date_field(&form.fields, "on").map(|on| (version, on)));
    let (version, on) = match parsed {
        Ok(parsed) => parsed,
        Err(refusals) => {
            let refused: Result<(), _> = Err(WorkflowError::Refused(refusals));
            return back_to_resident(req, &state, &form.viewer, form.row.person_id, refused).await;
        }
    };
    let request = EventRequest {
        event: field(&form.fields, "event").to_owned(),
        on,
        note: None,
        release_type: None,
        supervision_ends_on: None,
    };
    let actor = actor(&form.viewer.principal);
    let precondition = Precondition { if_match: None, version: Some(version) };
    let done = workflow::record_event(&state, form.row.id, form.zone, request, &precondition, &actor).await;
    back_to_resident(req, &state, &form.viewer, form.row.person_id, done).await
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
    let version = match super::version_field(&form.fields) {
        Ok(version) => version,
        Err(refusals) => {
            let refused: Result<(), _> = Err(WorkflowError::Refused(refusals));
            return back_to_resident(req, &state, &form.viewer, form.row.person_id, refused).await;
        }
    };
    let change = Change { sessions_attended: Some(form.row.sessions_attended.saturating_add(1)), ..Change::default() };
    let precondition = Precondition { if_match: None, version: Some(version) };
    let actor = actor(&form.viewer.principal);
    let done = workflow::update_milestone(&state, form.row.id, form.zone, &change, &precondition, &actor).await;
    back_to_resident(req, &state, &form.viewer, form.row.person_id, done).await
}

/// `POST /app/residents/{person}/lapses`: `on` and an optional `note`.
#[handler]
pub async fn record_lapse(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    let form = match resident_form(req, &state, &id.0, body, "lapse.record").await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let person_id = form.access.person.id;
    let done = match Note::parse(field(&form.fields, "note")) {
        Ok(note) => {
            workflow::record_lapse(&state, person_id, form.zone, form.on, note, &actor(&form.viewer.principal)).await
        }
        Err(why) => Err(WorkflowError::Refused(crate::domain::Refusals::one("note", why))),
    };
    back_to_resident(req, &state, &form.viewer, person_id, done).await
}

/// `POST /app/residents/{person}/custody`: `event` (`start` or `end`) and `on`.
#[handler]
pub async fn record_custody(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    let form = match resident_form(req, &state, &id.0, body, "custody.record").await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let person_id = form.access.person.id;
    // Only `start` and `end` are custody events; anything else is refused, never taken for one.
    let change = match field(&form.fields, "event") {
        "start" => Ok(CustodyChange::Start { on: form.on, reason: None }),
        "end" => Ok(CustodyChange::End { on: form.on }),
        _ => Err(WorkflowError::Refused(crate::domain::Refusals::one(
            "event",
            crate::domain::Invalid::new("is neither start nor end"),
        ))),
    };
    let done = match change {
        Ok(change) => {
            workflow::record_custody(&state, person_id, form.zone, change, &actor(&form.viewer.principal)).await
        }
        Err(refused) => Err(refused),
    };
    back_to_resident(req, &state, &form.viewer, person_id, done).await
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
        Err(err) => return back_to_resident(req, &state, &viewer, person_id, Err::<(), _>(err)).await,
    };
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
        expires => date(expires, viewer.language, 0), person_id => person_id, ..viewer_frame(req, &viewer, title)
    };
    html(StatusCode::CREATED, "invitation.html", context)
}
