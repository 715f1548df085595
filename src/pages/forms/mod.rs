//! What the pages' forms do. Each checks the form came from Tsunagu's own pages, finds who is
//! signed in, asks the access policy, calls one workflow function, and goes back to the page
//! (or shows it again with why, when the change was refused).

mod accounts;
mod addresses;
mod alerts;
mod dead_letters;
mod follow_up;
pub(crate) mod posted;
mod records;
mod referrals;
mod residents;
mod respond;
mod rota;
mod sharing;

use poem::{http::StatusCode, Body, Request, Response};

use posted::Posted;

pub use accounts::{add_address, open_account};
pub use addresses::{add_own_address, choose_alerts, remove_own_address, resend_confirmation};
pub use alerts::{acknowledge, calendar, log_contact, snooze, wake};
pub use dead_letters::{dead_letters_page, discard_dead_letter, retry_dead_letter};
pub use follow_up::{record_check_in, set_plan, talk};
pub use records::{add_milestone, add_resident, end_placement, move_date, new_resident_page};
pub use referrals::{refer, referral_meeting, referral_step};
pub(crate) use residents::invitation_sheet;
pub use residents::{confirm_event_page, invite, record_custody, record_event, record_lapse, record_session};
pub use respond::{acknowledge_by_link, respond_page};
pub use rota::{add_rota_override, remove_rota_override, set_rota};
pub use sharing::{choose_sharing, stop_sharing, stop_sharing_page};

use super::frame::{bad_request, failed, from_our_pages, not_found, signed_in, Viewer};
use crate::{access::AccessError, domain::Language, state::AppState, workflow::WorkflowError};

pub(super) use crate::templates::qr_svg;

/// A form's body, or the answer for one that is not a form: nothing unreadable is taken for
/// an empty form.
async fn read_form(req: &Request, viewer: &Viewer, body: Body) -> Result<Posted, Response> {
    Posted::read(body).await.ok_or_else(|| bad_request(req, viewer.language))
}

/// The signed-in viewer of a form's post, if it came from our own pages.
async fn poster(req: &Request, state: &AppState) -> Result<Viewer, Response> {
    from_our_pages(req, state)?;
    signed_in(req, state).await
}

/// Why a change was refused, in words for the page, when it is not about one field; `None`
/// for a fault on our side.
pub(super) fn refusal(err: &WorkflowError, language: Language) -> Option<(StatusCode, String)> {
    match err {
        WorkflowError::Refused(_) => Some((
            StatusCode::UNPROCESSABLE_ENTITY,
            match language {
                Language::Ja => "記録できませんでした。赤く示した項目を直してください。".to_owned(),
                Language::En => "Nothing was stored: correct the fields marked below.".to_owned(),
            },
        )),
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
        WorkflowError::Conflict(clash) => Some((StatusCode::CONFLICT, super::refusals::clash(clash, language))),
        WorkflowError::TooMany { why, .. } => {
            Some((StatusCode::TOO_MANY_REQUESTS, super::refusals::crowded(*why, language)))
        }
        WorkflowError::ReferralNotAccepted { .. } => Some((
            StatusCode::CONFLICT,
            match language {
                Language::Ja => "この紹介は、いまの状態ではその記録ができません。".to_owned(),
                Language::En => "That cannot be recorded in the referral's current state.".to_owned(),
            },
        )),
        WorkflowError::Forbidden(super::super::workflow::Denied::OtherSidesStep) => Some((
            StatusCode::FORBIDDEN,
            match language {
                Language::Ja => "これは相手の機関が記録することです。".to_owned(),
                Language::En => "That step is the other organisation's to record.".to_owned(),
            },
        )),
        WorkflowError::Forbidden(_) => Some((
            StatusCode::FORBIDDEN,
            match language {
                Language::Ja => "この変更は、本人の新しい同意を記録してからでないとできません。".to_owned(),
                Language::En => "This needs the person's new consent recorded first.".to_owned(),
            },
        )),
        _ => None,
    }
}

/// A refused form shown again: the status to answer with, the page's problem, and the form as
/// typed with why beside each field. `None` for a fault on our side.
pub(super) fn refused_form(
    err: &WorkflowError,
    posted: &Posted,
    form: &str,
    language: Language,
) -> Option<(StatusCode, String, minijinja::Value)> {
    let (status, problem) = refusal(err, language)?;
    let refused = match err {
        WorkflowError::Refused(refusals) => refusals.clone(),
        _ => crate::domain::Refusals::default(),
    };
    // A hidden field has no place to show its reason beside: it is the page's problem.
    let problem = posted.hidden_refusal(&refused, language).unwrap_or(problem);
    Some((status, problem, posted.refused(form, &refused, language)))
}

/// Adds the address typed in the form (`channel`, `address`) to `party`, or says why not.
pub(crate) async fn add_typed_address(
    state: &AppState,
    party: &crate::entity::party::Model,
    posted: &Posted,
) -> Result<crate::entity::contact_point::Model, WorkflowError> {
    let mut refusals = crate::domain::Refusals::default();
    match posted.address(&mut refusals) {
        Some(address) => crate::workflow::add_contact_point(state, party, address).await,
        None => Err(WorkflowError::Refused(refusals)),
    }
}

/// A decision of the access policy that was no: 404 as for what does not exist; or a fault.
pub(in crate::pages) fn access_failed(req: &Request, viewer: &Viewer, err: AccessError) -> Response {
    match err {
        AccessError::NotFound | AccessError::Forbidden(_) => not_found(req, viewer.language),
        err => failed(err),
    }
}
