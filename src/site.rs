//! Every route of the site besides the API and its documents: the pages, signing in, the
//! calendar feeds, the health check. Each is written once: the table mounts its handlers and
//! tells the 405 answers which methods the path takes, so the two cannot drift apart.

use poem::{get, handler, http::StatusCode, post, web::Data, Response, RouteMethod};

use crate::{http::Problem, pages, sign_in, state::AppState};

/// One route: its path, the methods it takes (for `Allow`), and its handlers.
pub struct SiteRoute {
    pub path: &'static str,
    pub methods: String,
    pub endpoint: RouteMethod,
}

/// `"/path" => get(a).post(b),` rows into routes whose methods are read off the handlers.
macro_rules! site_routes {
    ($($path:literal => $first:ident($handler:expr) $(.$more:ident($also:expr))*,)*) => {
        vec![$(SiteRoute {
            path: $path,
            methods: [stringify!($first) $(, stringify!($more))*].map(str::to_uppercase).join(", "),
            endpoint: $first($handler) $(.$more($also))*,
        }),*]
    };
}

pub fn routes() -> Vec<SiteRoute> {
    site_routes! {
        "/healthz" => get(crate::health::healthz),
        "/feeds/:file" => get(calendar_feed),
        "/help" => get(pages::help_page),
        "/help/family-classes.ics" => get(pages::family_class_feed),
        "/help/sessions/:id" => get(pages::help_session),
        "/hsds/" => get(crate::hsds::root),
        "/hsds/services" => get(crate::hsds::list_services),
        "/hsds/services/:id" => get(crate::hsds::get_service),
        "/hsds/organizations" => get(crate::hsds::list_organizations),
        "/hsds/organizations/:id" => get(crate::hsds::get_organization),
        "/contacts/confirm/:token" => get(pages::confirm_page).post(pages::confirm),
        "/unsubscribe/:token" => get(pages::unsubscribe_page).post(pages::unsubscribe),
        "/" => get(sign_in::home_page),
        "/app" => get(pages::app_page),
        "/static/tsunagu.css" => get(pages::stylesheet),
        "/lang/:language" => get(pages::switch_language),
        "/app/alerts/:id/ack" => post(pages::acknowledge),
        "/r/:token" => get(pages::respond_page).post(pages::acknowledge_by_link),
        "/line/webhook" => post(crate::line::line_webhook),
        "/line/link" => get(pages::line_link_page).post(pages::line_link),
        "/app/alerts/:id/snooze" => post(pages::snooze),
        "/app/alerts/:id/contacts" => post(pages::log_contact),
        "/app/alerts/:id/wake" => post(pages::wake),
        "/app/alerts/snoozed" => get(pages::snoozed_page),
        "/app/addresses" => get(pages::addresses_page).post(pages::add_own_address),
        "/app/addresses/preferences" => post(pages::choose_alerts),
        "/app/addresses/:id/confirm" => post(pages::resend_confirmation),
        "/app/addresses/:id/remove" => post(pages::remove_own_address),
        "/app/calendar" => post(pages::calendar),
        "/app/dead-letters" => get(pages::dead_letters_page),
        "/app/dead-letters/:id/retry" => post(pages::retry_dead_letter),
        "/app/dead-letters/:id/discard" => post(pages::discard_dead_letter),
        "/app/sharing/:id" => post(pages::choose_sharing),
        "/app/sharing/:id/stop" => get(pages::stop_sharing_page).post(pages::stop_sharing),
        "/app/outcomes" => get(pages::outcomes_page),
        "/app/organizations/:id/rota" => get(pages::rota_page).post(pages::set_rota),
        "/app/referrals" => get(pages::referrals_page).post(pages::refer),
        "/app/referrals/:id/events" => post(pages::referral_step),
        "/app/referrals/:id/meeting" => post(pages::referral_meeting),
        "/app/follow-up" => get(pages::follow_up_page),
        "/app/follow-up/:id" => get(pages::follow_up_person_page),
        "/app/follow-up/:id/check-ins" => post(pages::record_check_in),
        "/app/follow-up/:id/plan" => post(pages::set_follow_up_plan),
        "/app/talk" => post(pages::talk),
        "/app/organizations/:id/rota/overrides" => post(pages::add_rota_override),
        "/app/rota-overrides/:id/remove" => post(pages::remove_rota_override),
        "/app/residents/new" => get(pages::new_resident_page),
        "/app/residents" => post(pages::add_resident),
        "/app/residents/:id" => get(pages::resident_page),
        "/app/residents/:id/milestones" => post(pages::add_milestone),
        "/app/residents/:id/milestones/:milestone/dates" => post(pages::move_date),
        "/app/residents/:id/placements/:placement/end" => post(pages::end_placement),
        "/app/residents/:id/accounts" => post(pages::open_account),
        "/app/residents/:id/accounts/:party/addresses" => post(pages::add_address),
        "/app/residents/:id/milestones/:milestone/events" => post(pages::record_event),
        "/app/residents/:id/milestones/:milestone/confirm" => get(pages::confirm_event_page),
        "/app/residents/:id/milestones/:milestone/sessions" => post(pages::record_session),
        "/app/residents/:id/lapses" => post(pages::record_lapse),
        "/app/residents/:id/custody" => post(pages::record_custody),
        "/app/residents/:id/invitations/:party" => post(pages::invite),
        "/app/imports" => get(pages::imports_page).post(pages::check_import),
        "/app/imports/template.csv" => get(pages::import_template),
        "/app/imports/:id" => get(pages::import_page),
        "/app/imports/:id/confirm" => post(pages::confirm_import),
        "/admin/organizations" => get(pages::organizations_page).post(pages::create_organization),
        "/admin/organizations/:id" => get(pages::organization_page).post(pages::update_organization),
        "/admin/accounts" => get(pages::accounts_page).post(pages::create_account),
        "/admin/accounts/:id" => get(pages::account_page),
        "/admin/accounts/:id/invitations" => post(pages::invite_account),
        "/admin/accounts/:id/addresses" => post(pages::add_account_address),
        "/admin/accounts/:id/addresses/:contact/remove" => post(pages::remove_account_address),
        "/admin/accounts/:id/disable" => post(pages::disable_account),
        "/admin/accounts/:id/enable" => post(pages::enable_account),
        "/admin/accounts/:id/sessions/:session/end" => post(pages::end_account_session),
        "/admin/partners" => get(pages::partners_page),
        "/admin/partners/credentials" => post(pages::create_credential),
        "/admin/partners/credentials/:id/revoke" => post(pages::revoke_credential),
        "/admin/partners/webhooks" => post(pages::create_webhook),
        "/admin/partners/webhooks/:id/delete" => post(pages::delete_webhook),
        "/admin/audit" => get(pages::audit_page),
        "/admin/provisions" => get(pages::provisions_page),
        "/admin/persons/:id" => get(pages::person_page),
        "/admin/persons/:id/export" => get(pages::export_person),
        "/admin/persons/:id/erasure" => post(pages::erase_person),
        "/admin/retention" => get(pages::retention_page),
        "/invite/:code" => get(sign_in::invite_page),
        "/setup/:token" => get(sign_in::setup::setup_page).post(sign_in::setup::set_up),
        "/auth/invitation" => post(sign_in::redeem_invitation),
        "/auth/code" => post(sign_in::request_code),
        "/auth/code/verify" => post(sign_in::verify_code),
        "/auth/sign-out" => post(sign_in::sign_out),
        "/oauth/token" => post(sign_in::token),
    }
}

/// A calendar feed: the URL itself is the credential.
#[handler]
async fn calendar_feed(state: Data<&AppState>, file: poem::web::Path<String>) -> Response {
    let Some(token) = file.0.strip_suffix(".ics") else {
        return Problem::new(StatusCode::NOT_FOUND, Some("No such resource.".into())).into_response();
    };
    match crate::workflow::feeds::render(&state, token).await {
        Ok(Some(calendar)) => Response::builder()
            .content_type("text/calendar; charset=utf-8")
            .header("cache-control", "private, max-age=300")
            .body(calendar),
        Ok(None) => Problem::new(StatusCode::NOT_FOUND, Some("No such resource.".into())).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "calendar feed failed");
            Problem::new(StatusCode::INTERNAL_SERVER_ERROR, Some("Something went wrong on our side.".into()))
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_route_says_the_methods_its_handlers_take() {
        let routes = routes();
        let methods = |path: &str| routes.iter().find(|route| route.path == path).map(|route| route.methods.clone());
        assert_eq!(methods("/app/addresses").as_deref(), Some("GET, POST"));
        assert_eq!(methods("/app/residents").as_deref(), Some("POST"));
        assert_eq!(methods("/healthz").as_deref(), Some("GET"));
        let mut paths: Vec<&str> = routes.iter().map(|route| route.path).collect();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), routes.len(), "each path once");
    }
}
