//! What the pages' forms do. Each checks the form came from Tsunagu's own pages, finds who is
//! signed in, asks the access policy, calls one workflow function, and goes back to the page
//! (or shows it again with why, when the change was refused).

use std::collections::HashMap;

use chrono::NaiveDate;
use minijinja::context;
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path},
    Body, Request, Response,
};
use qrcode::{render::svg, EcLevel, QrCode};
use uuid::Uuid;

use super::{
    frame::{failed, from_our_pages, html, id_of, not_found, see_other, signed_in, viewer_frame, Viewer},
    person::own_link,
    staff::resident,
};
use crate::{
    access::{self, audit_entry, AccessError, Target},
    domain::{
        access::Action,
        custody::CustodyChange,
        team::{ContactOutcome, Snooze},
        words::date,
        ConsentPatch, Language, Note, Scope, ScopeKind,
    },
    http::base_url,
    templates::url_value,
    state::AppState,
    store::{self, audit::Outcome, links::RecordedBy},
    workflow::{self, actor, EventRequest, Precondition, WorkflowError},
};

/// A posted form's fields; a field may come more than once (checkboxes).
async fn fields(body: Body) -> HashMap<String, Vec<String>> {
    let bytes = body.into_vec().await.unwrap_or_default();
    let mut fields: HashMap<String, Vec<String>> = HashMap::new();
    for (name, value) in serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes).unwrap_or_default() {
        fields.entry(name).or_default().push(value);
    }
    fields
}

fn field<'a>(fields: &'a HashMap<String, Vec<String>>, name: &str) -> &'a str {
    fields.get(name).and_then(|values| values.first()).map_or("", String::as_str)
}

/// The signed-in viewer of a form's post, if it came from our own pages.
async fn poster(req: &Request, state: &Data<&AppState>) -> Result<Viewer, Response> {
    from_our_pages(req, state)?;
    signed_in(req, state).await
}

/// Why a change was refused, in words for the page; `None` for a fault on our side.
fn refusal(err: &WorkflowError, language: Language) -> Option<(StatusCode, String)> {
    match err {
        WorkflowError::Refused(refusals) => {
            let text = refusals.0.iter().map(|r| format!("{}: {}", r.field, r.why.0)).collect::<Vec<_>>().join(" / ");
            Some((StatusCode::UNPROCESSABLE_ENTITY, text))
        }
        WorkflowError::NotAccepted(_) => Some((
            StatusCode::CONFLICT,
            match language {
                Language::Ja => "いまの状態では、その出来事は記録できません。".to_owned(),
                Language::En => "That cannot be recorded in the milestone's current state.".to_owned(),
            },
        )),
        WorkflowError::Conflict(why) | WorkflowError::Stale(why) => Some((StatusCode::CONFLICT, why.clone())),
        WorkflowError::Forbidden(why) => Some((StatusCode::FORBIDDEN, (*why).to_owned())),
        _ => None,
    }
}

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

fn access_failed(req: &Request, viewer: &Viewer, err: AccessError) -> Response {
    match err {
        AccessError::NotFound | AccessError::Forbidden(_) => not_found(req, viewer.language),
        err => failed(err),
    }
}

/// An alert the viewer may act on, with the decision audited; `None` answers 404.
async fn actionable_alert(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    action: &'static str,
) -> Result<Option<entity::alert::Model>, AccessError> {
    let row = access::alerts::actionable(state, &viewer.principal, id).await?;
    let outcome = if row.is_some() { Outcome::Allowed } else { Outcome::Denied };
    let entry = audit_entry(&viewer.principal, action, row.as_ref().map(|row| row.person_id), Some(id), outcome);
    state.audit.record(vec![entry], state.clock.now()).await?;
    Ok(row)
}

/// `POST /app/alerts/{id}/ack`: acknowledged, for the viewer (or for the whole team).
#[handler]
pub async fn acknowledge(req: &Request, state: Data<&AppState>, id: Path<String>) -> Response {
    let viewer = match poster(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let Some(id) = id_of(&id.0) else { return not_found(req, viewer.language) };
    match actionable_alert(&state, &viewer, id, "alert.ack").await {
        Ok(Some(row)) => match workflow::acknowledge_alert(&state, row.id, viewer.principal.party_id).await {
            Ok(_) => see_other("/app"),
            Err(err) => failed(err),
        },
        Ok(None) => not_found(req, viewer.language),
        Err(err) => access_failed(req, &viewer, err),
    }
}

/// `POST /app/alerts/{id}/snooze`: `until` (a date) and `reason`.
#[handler]
pub async fn snooze(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    let viewer = match poster(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let Some(id) = id_of(&id.0) else { return not_found(req, viewer.language) };
    let fields = fields(body).await;
    let row = match actionable_alert(&state, &viewer, id, "alert.snooze").await {
        Ok(Some(row)) if row.team_organization_id.is_some() => row,
        Ok(_) => return not_found(req, viewer.language),
        Err(err) => return access_failed(req, &viewer, err),
    };
    let today = state.today_in(crate::domain::Zone::default());
    let until = field(&fields, "until").parse::<NaiveDate>().unwrap_or(today);
    match Snooze::parse(until, field(&fields, "reason"), today, state.snooze_max_days) {
        Ok(snooze) => match workflow::snooze_alert(&state, row.id, snooze).await {
            Ok(_) => see_other("/app"),
            Err(err) => failed(err),
        },
        Err(refusals) => {
            let why = refusals.0.iter().map(|r| format!("{}: {}", r.field, r.why.0)).collect::<Vec<_>>().join(" / ");
            html(StatusCode::UNPROCESSABLE_ENTITY, "page.html", context! { text => why, ..viewer_frame(req, &viewer, "422") })
        }
    }
}

/// `POST /app/alerts/{id}/contacts`: `outcome` and an optional `note`.
#[handler]
pub async fn log_contact(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    let viewer = match poster(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let Some(id) = id_of(&id.0) else { return not_found(req, viewer.language) };
    let fields = fields(body).await;
    let row = match actionable_alert(&state, &viewer, id, "alert.contact").await {
        Ok(Some(row)) => row,
        Ok(None) => return not_found(req, viewer.language),
        Err(err) => return access_failed(req, &viewer, err),
    };
    let outcome = field(&fields, "outcome").parse::<ContactOutcome>();
    let note = Note::parse(field(&fields, "note"));
    let (Ok(outcome), Ok(note)) = (outcome, note) else {
        let text = "outcome / note";
        return html(StatusCode::UNPROCESSABLE_ENTITY, "page.html", context! { text => text, ..viewer_frame(req, &viewer, "422") });
    };
    match workflow::log_contact(&state, row.id, outcome, note, viewer.principal.actor_id()).await {
        Ok(_) => see_other("/app"),
        Err(err) => failed(err),
    }
}

/// A QR code of `text` as inline SVG (no XML declaration, which HTML does not take).
fn qr_svg(text: &str) -> Result<String, qrcode::types::QrError> {
    let svg = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)?
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Ok(svg.find("<svg").map_or(svg.clone(), |start| svg[start..].to_owned()))
}

/// `POST /app/calendar`: a new calendar link (any earlier one stops working), as a `webcal:`
/// link and a QR code.
#[handler]
pub async fn calendar(req: &Request, state: Data<&AppState>) -> Response {
    let viewer = match poster(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let token = match crate::feeds::create_or_rotate(&state, viewer.party.id).await {
        Ok(token) => token,
        Err(err) => return failed(err),
    };
    let https = format!("{}/feeds/{token}.ics", base_url(req, state.public_url.as_deref()));
    let webcal = https.replacen("https://", "webcal://", 1).replacen("http://", "webcal://", 1);
    let qr = match qr_svg(&webcal) {
        Ok(qr) => qr,
        Err(err) => return failed(err),
    };
    let (title, qr_label) = match viewer.language {
        Language::Ja => ("カレンダーに追加", "カレンダー用リンクのQRコード"),
        Language::En => ("Add to my calendar", "QR code of the calendar link"),
    };
    let context = context! { webcal => url_value(&webcal), https => url_value(&https), qr => qr, qr_label => qr_label, ..viewer_frame(req, &viewer, title) };
    html(StatusCode::OK, "calendar.html", context)
}

/// The person's own link they act on, with the decision audited; or the 404 page.
async fn own(req: &Request, state: &AppState, viewer: &Viewer, raw: &str, action: &'static str) -> Result<entity::link::Model, Response> {
    let link = match id_of(raw) {
        Some(id) => own_link(state, viewer, id).await.map_err(failed)?,
        None => None,
    };
    let Some(link) = link else { return Err(not_found(req, viewer.language)) };
    access::link(state, &viewer.principal, link.id, action, |_| Action::NarrowConsent)
        .await
        .map(|(_, link)| link)
        .map_err(|err| access_failed(req, viewer, err))
}

fn recorded_by(viewer: &Viewer) -> RecordedBy {
    RecordedBy { subject: viewer.principal.actor_id(), role: viewer.principal.role, basis: None }
}

/// `POST /app/sharing/{link}`: the kinds ticked are what the party goes on seeing; only
/// narrowing is the person's to do here.
#[handler]
pub async fn narrow_sharing(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    let viewer = match poster(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let fields = fields(body).await;
    let link = match own(req, &state, &viewer, &id.0, "link.update").await {
        Ok(link) => link,
        Err(answer) => return answer,
    };
    let kept: Vec<ScopeKind> = fields.get("kind").into_iter().flatten().filter_map(|kind| kind.parse().ok()).collect();
    let current = match store::links::scope_of(&link) {
        Ok(scope) => scope,
        Err(err) => return failed(err),
    };
    let scope = Scope::new(kept.into_iter().filter(|kind| current.contains(*kind)));
    let zone = match store::persons::find(&state.reads, link.person_id).await {
        Ok(Some(person)) => store::parse_stored("time zone", person.id, &person.timezone).unwrap_or_default(),
        Ok(None) => return not_found(req, viewer.language),
        Err(err) => return failed(err),
    };
    let change = ConsentPatch { scope: Some(scope), expires_on: None };
    match workflow::change_link(&state, link.id, zone, &change, &recorded_by(&viewer)).await {
        Ok(_) => see_other("/app"),
        Err(err) => failed(err),
    }
}

/// `GET /app/sharing/{link}/stop`: the confirmation step before sharing stops.
#[handler]
pub async fn stop_sharing_page(req: &Request, state: Data<&AppState>, id: Path<String>) -> Response {
    let viewer = match signed_in(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let link = match id_of(&id.0) {
        Some(link_id) => match own_link(&state, &viewer, link_id).await {
            Ok(link) => link,
            Err(err) => return failed(err),
        },
        None => None,
    };
    let Some(link) = link else { return not_found(req, viewer.language) };
    let name = match store::parties::find(&state.reads, link.party_id).await {
        Ok(party) => party.map(|party| party.display_name).unwrap_or_default(),
        Err(err) => return failed(err),
    };
    let (title, text, button) = match viewer.language {
        Language::Ja => (
            format!("{name}さんとの共有をやめますか"),
            format!("{name}さんは、あなたの予定やお知らせを見られなくなります。あとで施設に頼めば、また共有できます。"),
            "共有をやめる",
        ),
        Language::En => (
            format!("Stop sharing with {name}?"),
            format!("{name} will no longer see your dates or get alerts about you. Your facility can set sharing up again if you ask."),
            "Stop sharing",
        ),
    };
    let action = format!("/app/sharing/{}/stop", link.id);
    let context = context! { text => text, action => url_value(&action), button => button, back => "/app", ..viewer_frame(req, &viewer, &title) };
    html(StatusCode::OK, "confirm.html", context)
}

/// `POST /app/sharing/{link}/stop`: the party sees nothing of the person from now on.
#[handler]
pub async fn stop_sharing(req: &Request, state: Data<&AppState>, id: Path<String>) -> Response {
    let viewer = match poster(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let link = match own(req, &state, &viewer, &id.0, "link.revoke").await {
        Ok(link) => link,
        Err(answer) => return answer,
    };
    let zone = match store::persons::find(&state.reads, link.person_id).await {
        Ok(Some(person)) => store::parse_stored("time zone", person.id, &person.timezone).unwrap_or_default(),
        Ok(None) => return not_found(req, viewer.language),
        Err(err) => return failed(err),
    };
    match workflow::revoke_link(&state, link.id, zone, &recorded_by(&viewer)).await {
        Ok(()) => see_other("/app"),
        Err(err) => failed(err),
    }
}

/// The resident a staff form is about, with the decision audited; or the answer to give.
async fn resident_access(
    req: &Request,
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
    audit_action: &'static str,
) -> Result<access::PersonAccess, Response> {
    let Some(person_id) = id_of(raw) else { return Err(not_found(req, viewer.language)) };
    access::person(state, &viewer.principal, person_id, Action::RecordMilestones, audit_action, Target::Person)
        .await
        .map_err(|err| access_failed(req, viewer, err))
}

fn date_field(fields: &HashMap<String, Vec<String>>, name: &str, today: NaiveDate) -> NaiveDate {
    field(fields, name).parse().unwrap_or(today)
}

/// `POST /app/residents/{person}/milestones/{milestone}/events`: `event` and `on`.
#[handler]
pub async fn record_event(req: &Request, state: Data<&AppState>, path: Path<(String, String)>, body: Body) -> Response {
    let viewer = match poster(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let fields = fields(body).await;
    let Some(milestone_id) = id_of(&path.0 .1) else { return not_found(req, viewer.language) };
    let (access, row) =
        match access::milestone(&state, &viewer.principal, milestone_id, Action::RecordMilestones, "milestone.event").await {
            Ok(found) => found,
            Err(err) => return access_failed(req, &viewer, err),
        };
    if Some(row.person_id) != id_of(&path.0 .0) {
        return not_found(req, viewer.language);
    }
    let zone = match access.zone() {
        Ok(zone) => zone,
        Err(err) => return failed(err),
    };
    let request = EventRequest {
        event: field(&fields, "event").to_owned(),
        on: date_field(&fields, "on", zone.date_at(state.clock.now())),
        note: None,
        release_type: None,
        supervision_ends_on: None,
    };
    let done = workflow::record_event(&state, row.id, zone, request, &Precondition::default(), &actor(&viewer.principal)).await;
    back_to_resident(req, &state, &viewer, row.person_id, done).await
}

/// `POST /app/residents/{person}/lapses`: `on` and an optional `note`.
#[handler]
pub async fn record_lapse(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    let viewer = match poster(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let fields = fields(body).await;
    let access = match resident_access(req, &state, &viewer, &id.0, "lapse.record").await {
        Ok(access) => access,
        Err(answer) => return answer,
    };
    let zone = match access.zone() {
        Ok(zone) => zone,
        Err(err) => return failed(err),
    };
    let on = date_field(&fields, "on", zone.date_at(state.clock.now()));
    let done = match Note::parse(field(&fields, "note")) {
        Ok(note) => workflow::record_lapse(&state, access.person.id, zone, on, note, &actor(&viewer.principal)).await,
        Err(why) => Err(WorkflowError::Refused(crate::domain::Refusals::one("note", why))),
    };
    back_to_resident(req, &state, &viewer, access.person.id, done).await
}

/// `POST /app/residents/{person}/custody`: `event` (`start` or `end`) and `on`.
#[handler]
pub async fn record_custody(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    let viewer = match poster(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let fields = fields(body).await;
    let access = match resident_access(req, &state, &viewer, &id.0, "custody.record").await {
        Ok(access) => access,
        Err(answer) => return answer,
    };
    let zone = match access.zone() {
        Ok(zone) => zone,
        Err(err) => return failed(err),
    };
    let on = date_field(&fields, "on", zone.date_at(state.clock.now()));
    let change = match field(&fields, "event") {
        "end" => CustodyChange::End { on },
        _ => CustodyChange::Start { on, reason: None },
    };
    let done = workflow::record_custody(&state, access.person.id, zone, change, &actor(&viewer.principal)).await;
    back_to_resident(req, &state, &viewer, access.person.id, done).await
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
