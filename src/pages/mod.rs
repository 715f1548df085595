//! The pages people use, server-rendered and working without JavaScript: what a family member
//! or lawyer, the person, and facility staff each come for, in Japanese or English. Each
//! handler finds who is looking, asks the access policy, reads or calls one workflow function,
//! and renders; forms answer with a redirect back to the page.

// A page handler's refusal is the page (or redirect) to answer with: a `Response`, large as it is.
#![allow(clippy::result_large_err)]

mod addresses;
mod admin;
mod charts;
mod duty;
mod family;
mod follow_up;
pub(crate) mod forms;
pub(crate) mod frame;
mod help;
mod imports;
mod line;
mod messages;
mod outcomes;
mod person;
mod places;
mod referrals;
pub(crate) mod refusals;
mod resident;
mod rota;
mod staff;
mod words;

use poem::{handler, web::Data, Request, Response};

pub use addresses::addresses_page;
pub use admin::{
    account_page, accounts_page, add_account_address, audit_page, create_account, create_credential,
    create_organization, create_webhook, delete_webhook, disable_account, enable_account, end_account_session,
    erase_person, export_person, invite_account, organization_page, organizations_page, partners_page, person_page,
    provisions_page, remove_account_address, retention_page, revoke_credential, update_organization,
};
pub use follow_up::{follow_up_page, follow_up_person_page};
pub use forms::{
    acknowledge, acknowledge_by_link, add_address, add_milestone, add_own_address, add_resident, add_rota_override,
    calendar, choose_alerts, choose_sharing, confirm_event_page, dead_letters_page, discard_dead_letter, end_placement,
    invite, log_contact, move_date, new_resident_page, open_account, record_custody, record_event, record_lapse,
    record_session, refer, referral_meeting, referral_step, remove_own_address, remove_rota_override,
    resend_confirmation, respond_page, retry_dead_letter, set_rota, snooze, stop_sharing, stop_sharing_page, wake,
};
pub use forms::{record_check_in, set_plan as set_follow_up_plan, talk};
pub use frame::{stylesheet, switch_language};
pub use help::{family_class_feed, help_page, help_session};
pub use imports::{check_import, confirm_import, import_page, import_template, imports_page};
pub use line::{line_link, line_link_page};
pub use messages::{confirm, confirm_page, unsubscribe, unsubscribe_page};
pub use outcomes::facility_page as outcomes_page;
pub use referrals::referrals_page;
pub use resident::resident_page;
pub use rota::rota_page;
pub use staff::snoozed_page;

use crate::{domain::PartyRole, state::AppState};

/// `GET /app`: the page of whoever is signed in: a family member's or lawyer's, the person's,
/// or staff's; the front door for anyone else.
#[handler]
pub async fn app_page(req: &Request, state: Data<&AppState>, done: poem::web::Query<resident::Done>) -> Response {
    let viewer = match frame::signed_in(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    match viewer.role() {
        PartyRole::Family | PartyRole::Lawyer => family::page(req, &state, &viewer).await,
        PartyRole::Person => person::page(req, &state, &viewer).await,
        PartyRole::Staff => staff::page(req, &state, &viewer, done.0.done.as_deref()).await,
        PartyRole::Admin => outcomes::admin_page(req, &state, &viewer).await,
        PartyRole::Probation => family::page(req, &state, &viewer).await,
    }
}
