//! What the pages' forms do. Each checks the form came from Tsunagu's own pages, finds who is
//! signed in, asks the access policy, calls one workflow function, and goes back to the page
//! (or shows it again with why, when the change was refused).

mod alerts;
mod dead_letters;
mod residents;
mod sharing;

use std::collections::HashMap;

use poem::{http::StatusCode, Body, Request, Response};

pub use alerts::{acknowledge, calendar, log_contact, snooze};
pub use dead_letters::{dead_letters_page, discard_dead_letter, retry_dead_letter};
pub use residents::{invite, record_custody, record_event, record_lapse, record_session};
pub use sharing::{narrow_sharing, stop_sharing, stop_sharing_page};

use super::frame::{failed, from_our_pages, not_found, signed_in, Viewer};
use crate::{access::AccessError, domain::Language, state::AppState, workflow::WorkflowError};

pub(super) use crate::templates::qr_svg;

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

/// A date field as typed (`YYYY-MM-DD`, within the service's range), or a refusal naming the
/// field: a date that cannot be read is never taken for today.
fn date_field(fields: &HashMap<String, Vec<String>>, name: &str) -> Result<chrono::NaiveDate, crate::domain::Refusals> {
    field(fields, name)
        .parse::<chrono::NaiveDate>()
        .map_err(|_| crate::domain::Invalid::new("is not a date (YYYY-MM-DD)"))
        .and_then(crate::domain::calendar::in_range)
        .map_err(|why| crate::domain::Refusals::one(name, why))
}

/// The version of the record as the page showed it. Required: a form sent twice, or from an
/// old page, then meets a newer version and acts once.
fn version_field(fields: &HashMap<String, Vec<String>>) -> Result<i64, crate::domain::Refusals> {
    field(fields, "version").parse::<i64>().map_err(|_| {
        crate::domain::Refusals::one("version", crate::domain::Invalid::new("is missing: load the page again"))
    })
}

/// The signed-in viewer of a form's post, if it came from our own pages.
async fn poster(req: &Request, state: &AppState) -> Result<Viewer, Response> {
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
        WorkflowError::Stale(_) => Some((
            StatusCode::CONFLICT,
            match language {
                Language::Ja => {
                    "この記録は、このページを開いた後に変わりました。ページを読み直してから、もう一度お試しください。"
                        .to_owned()
                }
                Language::En => {
                    "This record changed after the page was opened: load the page again and retry.".to_owned()
                }
            },
        )),
        WorkflowError::Conflict(why) => Some((StatusCode::CONFLICT, why.clone())),
        WorkflowError::Forbidden(why) => Some((StatusCode::FORBIDDEN, (*why).to_owned())),
        _ => None,
    }
}

fn access_failed(req: &Request, viewer: &Viewer, err: AccessError) -> Response {
    match err {
        AccessError::NotFound | AccessError::Forbidden(_) => not_found(req, viewer.language),
        err => failed(err),
    }
}
