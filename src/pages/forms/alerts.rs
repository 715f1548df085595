//! The alerts' forms: acknowledge, snooze, log a contact; and the calendar link.

use minijinja::context;
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path},
    Body, Request, Response,
};
use uuid::Uuid;

use super::{access_failed, poster, qr_svg, read_form};
use crate::{
    access::{self, AccessError},
    domain::{
        rota::AcknowledgedVia,
        team::{ContactOutcome, Snooze},
        Language, Note, Refusals,
    },
    http::base_url,
    pages::{
        frame::{failed, html, id_of, not_found, see_other, viewer_frame, Viewer},
        staff::{home, team_today, Shown},
    },
    state::AppState,
    templates::url_value,
    workflow,
};

/// An alert the viewer may act on, with the decision audited; `None` answers 404.
async fn actionable_alert(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    action: &'static str,
) -> Result<Option<crate::entity::alert::Model>, AccessError> {
    access::alerts::actionable(state, &viewer.principal, id, action).await
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
        Ok(Some(row)) => {
            match workflow::acknowledge_alert(&state, row.id, viewer.principal.party_id, AcknowledgedVia::Page).await {
                Ok(_) => see_other("/app?done=ack"),
                Err(err) => failed(err),
            }
        }
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
    let posted = match read_form(req, &viewer, body).await {
        Ok(posted) => posted,
        Err(answer) => return answer,
    };
    let (row, team) = match actionable_alert(&state, &viewer, id, "alert.snooze").await {
        Ok(Some(row)) => match row.team_organization_id {
            Some(team) => (row, team),
            None => return not_found(req, viewer.language),
        },
        Ok(None) => return not_found(req, viewer.language),
        Err(err) => return access_failed(req, &viewer, err),
    };
    // A snooze runs to a day of the team's own calendar.
    let today = match team_today(&state, team).await {
        Ok(Some(today)) => today,
        Ok(None) => return not_found(req, viewer.language),
        Err(err) => return failed(err),
    };
    let mut refusals = Refusals::default();
    let snooze = match posted.date("until", &mut refusals) {
        Some(until) => Snooze::parse(until, posted.text("reason"), today, state.snooze_max_days),
        None => Err(refusals),
    };
    match snooze {
        Ok(snooze) => match workflow::snooze_alert(&state, row.id, snooze).await {
            Ok(_) => see_other("/app?done=snooze"),
            Err(err) => failed(err),
        },
        Err(refusals) => refused_at_home(req, &state, &viewer, &format!("alert-{}", row.id), &posted, &refusals).await,
    }
}

/// `POST /app/alerts/{id}/wake`: a snoozed team alert back in the inbox now.
#[handler]
pub async fn wake(req: &Request, state: Data<&AppState>, id: Path<String>) -> Response {
    let viewer = match poster(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let Some(id) = id_of(&id.0) else { return not_found(req, viewer.language) };
    match actionable_alert(&state, &viewer, id, "alert.wake").await {
        Ok(Some(row)) if row.team_organization_id.is_some() => match workflow::wake_alert(&state, row.id).await {
            Ok(_) => see_other("/app?done=wake"),
            Err(err) => failed(err),
        },
        Ok(_) => not_found(req, viewer.language),
        Err(err) => access_failed(req, &viewer, err),
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
    let posted = match read_form(req, &viewer, body).await {
        Ok(posted) => posted,
        Err(answer) => return answer,
    };
    let row = match actionable_alert(&state, &viewer, id, "alert.contact").await {
        Ok(Some(row)) => row,
        Ok(None) => return not_found(req, viewer.language),
        Err(err) => return access_failed(req, &viewer, err),
    };
    let mut refusals = Refusals::default();
    let outcome = posted.choice::<ContactOutcome>("outcome", &mut refusals);
    let note = refusals.check("note", Note::parse(posted.text("note")));
    let (Some(outcome), Some(note)) = (outcome, note) else {
        return refused_at_home(req, &state, &viewer, &format!("contact-{}", row.id), &posted, &refusals).await;
    };
    match workflow::log_contact(&state, row.id, outcome, note, viewer.principal.actor_id()).await {
        Ok(_) => see_other("/app?done=contact"),
        Err(err) => failed(err),
    }
}

/// The staff home again with a refused form of an alert's, as typed and with why.
async fn refused_at_home(
    req: &Request,
    state: &AppState,
    viewer: &Viewer,
    form: &str,
    posted: &super::Posted,
    refusals: &Refusals,
) -> Response {
    let problem = match viewer.language {
        Language::Ja => "記録できませんでした。赤く示した項目を直してください。",
        Language::En => "Nothing was stored: correct the fields marked below.",
    };
    let posted = Some(posted.refused(form, refusals, viewer.language));
    let shown = Shown { problem: Some(problem.to_owned()), posted, notice: None };
    home(req, state, viewer, StatusCode::UNPROCESSABLE_ENTITY, shown).await
}

/// `POST /app/calendar`: a new calendar link (any earlier one stops working), as one button
/// that opens the calendar app, an address to copy, and, on a wide screen, a QR code. Event
/// titles are discreet unless `detailed=yes` was ticked.
#[handler]
pub async fn calendar(req: &Request, state: Data<&AppState>, body: Body) -> Response {
    let viewer = match poster(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let posted = match read_form(req, &viewer, body).await {
        Ok(posted) => posted,
        Err(answer) => return answer,
    };
    let detailed = match posted.all("detailed").as_slice() {
        [] => false,
        ["yes"] => true,
        _ => return crate::pages::frame::bad_request(req, viewer.language),
    };
    let feed = match crate::workflow::feeds::create_or_rotate(&state, viewer.party.id, detailed).await {
        Ok(feed) => feed,
        Err(err) => return failed(err),
    };
    let https = format!("{}/feeds/{}.ics", base_url(req, state.public_url.as_deref()), feed.token);
    let webcal = https.replacen("https://", "webcal://", 1).replacen("http://", "webcal://", 1);
    let qr = match qr_svg(&webcal) {
        Ok(qr) => qr,
        Err(err) => return failed(err),
    };
    let (title, qr_label) = match viewer.language {
        Language::Ja => ("カレンダーに追加", "カレンダー用リンクのQRコード"),
        Language::En => ("Add to my calendar", "QR code of the calendar link"),
    };
    let context = context! {
        webcal => url_value(&webcal), https => https, qr => qr, qr_label => qr_label,
        replaced => feed.replaced, detailed => detailed,
        calendar_name => crate::domain::wording::calendar_name(viewer.language),
        discreet_title => crate::domain::wording::discreet_title(viewer.language),
        ..viewer_frame(req, &viewer, title)
    };
    html(StatusCode::OK, "calendar.html", context)
}
