//! The forms of everyone's own addresses page: add an address, send its confirmation again,
//! remove one, choose which alerts go where. Each acts on the signed-in party's own addresses
//! only: another's address answers 404 like a missing one.

use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path},
    Body, Request, Response,
};

use super::{access_failed, add_typed_address, poster, read_form, refusal, Posted};
use crate::{
    access,
    domain::{
        channels::{parse_digest_at, Channel, EmailPreference, LinePreference, Preferences, SmsPreference},
        Refusals,
    },
    pages::{
        addresses::addresses,
        frame::{failed, id_of, not_found, see_other, Viewer},
        staff::Shown,
    },
    state::AppState,
    store,
    workflow::{self, WorkflowError},
};

/// Back to the addresses page with a notice of what was stored, or the page again with the
/// form as typed and why it was refused.
async fn answer<T>(
    req: &Request,
    state: &AppState,
    viewer: &Viewer,
    (form, posted): (&str, &Posted),
    done: Result<T, WorkflowError>,
    notice: &str,
) -> Response {
    match done {
        Ok(_) => see_other(&format!("/app/addresses?done={notice}")),
        Err(WorkflowError::NotFound) => not_found(req, viewer.language),
        Err(err) => match refusal(&err, viewer.language) {
            Some((status, problem)) => {
                let refused = match &err {
                    WorkflowError::Refused(refusals) => refusals.clone(),
                    _ => Refusals::default(),
                };
                let posted = Some(posted.refused(form, &refused, viewer.language));
                addresses(req, state, viewer, status, Shown { problem: Some(problem), posted, notice: None }).await
            }
            None => failed(err),
        },
    }
}

/// The viewer, their own party as the access policy sees it (the decision audited), and the
/// form as typed.
async fn own_form(
    req: &Request,
    state: &AppState,
    body: Body,
    action: &'static str,
) -> Result<(Viewer, crate::entity::party::Model, Posted), Response> {
    let viewer = poster(req, state).await?;
    let party = access::party_reach(state, &viewer.principal, viewer.party.id, action)
        .await
        .map_err(|err| access_failed(req, &viewer, err))?;
    let posted = read_form(req, &viewer, body).await?;
    Ok((viewer, party, posted))
}

/// One of the viewer's own addresses, or the 404 page.
async fn own_address(
    req: &Request,
    state: &AppState,
    viewer: &Viewer,
    raw: &str,
) -> Result<crate::entity::contact_point::Model, Response> {
    let found = match id_of(raw) {
        Some(id) => store::contact_points::find(&state.db, id).await.map_err(|err| failed(WorkflowError::from(err)))?,
        None => None,
    };
    found.filter(|contact| contact.party_id == viewer.party.id).ok_or_else(|| not_found(req, viewer.language))
}

/// `POST /app/addresses`: `channel` and `address`.
#[handler]
pub async fn add_own_address(req: &Request, state: Data<&AppState>, body: Body) -> Response {
    let (viewer, party, posted) = match own_form(req, &state, body, "contact.create").await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let done = add_typed_address(&state, &party, &posted).await;
    answer(req, &state, &viewer, ("address", &posted), done, "added").await
}

/// `POST /app/addresses/{id}/confirm`: the confirmation sent again.
#[handler]
pub async fn resend_confirmation(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    let (viewer, party, posted) = match own_form(req, &state, body, "contact.confirm").await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let contact = match own_address(req, &state, &viewer, &id.0).await {
        Ok(contact) => contact,
        Err(answer) => return answer,
    };
    let done = workflow::resend_confirmation(&state, &party, &contact).await;
    answer(req, &state, &viewer, ("resend", &posted), done, "resent").await
}

/// `POST /app/addresses/{id}/remove`.
#[handler]
pub async fn remove_own_address(req: &Request, state: Data<&AppState>, id: Path<String>, body: Body) -> Response {
    let (viewer, _, posted) = match own_form(req, &state, body, "contact.delete").await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let contact = match own_address(req, &state, &viewer, &id.0).await {
        Ok(contact) => contact,
        Err(answer) => return answer,
    };
    let done = workflow::remove_contact_point(&state, &contact).await;
    answer(req, &state, &viewer, ("remove", &posted), done, "removed").await
}

/// `POST /app/addresses/preferences`: `email`, `sms`, `digest_at` (HH:MM) and `email_detail`
/// (sent only when ticked).
#[handler]
pub async fn choose_alerts(req: &Request, state: Data<&AppState>, body: Body) -> Response {
    let (viewer, party, posted) = match own_form(req, &state, body, "preferences.update").await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    let mut refusals = Refusals::default();
    let email = posted.choice::<EmailPreference>("email", &mut refusals);
    let sms = posted.choice::<SmsPreference>("sms", &mut refusals);
    // Only a party with LINE offered is shown the choice; otherwise it stays as it was.
    let line = match posted.text("line") {
        "" if !state.outbox.reach.offers(Channel::Line) => Some(party.line_preference),
        _ => posted.choice::<LinePreference>("line", &mut refusals),
    };
    let digest_at = posted.parsed("digest_at", parse_digest_at, &mut refusals);
    let email_detail = match posted.all("email_detail").as_slice() {
        [] => Some(false),
        ["yes"] => Some(true),
        given => {
            let given = given.join(",");
            let why = crate::domain::Why::NotAChoice { what: "answer", given, choices: vec!["yes"] };
            refusals.check("email_detail", Err(why.into()))
        }
    };
    let done = match (email, sms, line, digest_at, email_detail) {
        (Some(email), Some(sms), Some(line), Some(digest_at), Some(email_detail)) => {
            let chosen = Preferences { email, sms, line, digest_at, email_detail };
            workflow::set_preferences(&state, party, chosen).await.map(|_| StatusCode::OK)
        }
        _ => Err(WorkflowError::Refused(refusals)),
    };
    answer(req, &state, &viewer, ("preferences", &posted), done, "preferences").await
}
