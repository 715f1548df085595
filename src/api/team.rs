//! The facility as a team: its inbox, snoozes with a reason, and the contact log.

use chrono::NaiveDate;
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    payload::Json,
    ApiResponse, Object, OpenApi,
};
use uuid::Uuid;

use super::{
    alerts::{page, view, AlertPage, AlertView, ContactView},
    pagination::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE},
    ApiTags, Authenticated,
};
use crate::{
    domain::{
        team::{ContactOutcome, Snooze},
        Note, Refusals, Zone,
    },
    http::{ApiError, JsonBody},
    state::AppState,
    store::inbox::TeamFilter,
    workflow,
};

/// Hide a team alert until a day, and say why.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct SnoozeBody {
    /// The local day it comes back; at most the policy's days ahead (14 by default).
    pub until: NaiveDate,
    /// Why, for whoever is on shift next (up to 500 characters).
    pub reason: String,
}

/// What staff did about an alert.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct ContactBody {
    /// `reached`, `no_answer`, `left_message` or `met_in_person`.
    pub outcome: String,
    /// Up to 2000 characters.
    pub note: Option<String>,
}

#[derive(ApiResponse)]
pub enum LogContactResponse {
    /// Logged; the alert shows it among its contacts.
    #[oai(status = 201)]
    Created(Json<ContactView>),
}

/// A team alert the caller may act on, the decision audited; anything else answers 404.
async fn team_alert(
    state: &AppState,
    principal: &crate::auth::Principal,
    id: Uuid,
    action: &'static str,
) -> Result<crate::entity::alert::Model, ApiError> {
    crate::access::alerts::team_alert(state, principal, id, action).await?.ok_or(ApiError::NotFound)
}

pub struct TeamApi;

#[OpenApi(tag = "ApiTags::Alerts")]
impl TeamApi {
    /// A facility's team inbox
    ///
    /// That organisation's staff and admins; anyone else gets 404. The alerts of every person
    /// placed there, newest first, filtered by `person_id`, `severity`, `acknowledged`;
    /// snoozed alerts are hidden until their day unless `snoozed=true` (only those) or
    /// `snoozed=false` (all).
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/organizations/:id/alerts", method = "get", operation_id = "listTeamAlerts")]
    async fn inbox(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        person_id: Query<Option<Uuid>>,
        #[oai(validator(pattern = "^(notice|high|critical)$"))] severity: Query<Option<String>>,
        acknowledged: Query<Option<bool>>,
        snoozed: Query<Option<bool>>,
        cursor: Query<Option<Uuid>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<u64>>,
    ) -> Result<super::prebuilt::PrebuiltJson<AlertPage>, ApiError> {
        let organization =
            crate::access::alerts::team_inbox(&state, &auth.0, id.0, "team.alerts").await?.ok_or(ApiError::NotFound)?;
        let zone: Zone = organization.timezone;
        let filter = TeamFilter {
            person_id: person_id.0,
            severity: severity.0,
            acknowledged: acknowledged.0,
            snoozed: snoozed.0,
            today: Some(zone.date_at(state.clock.now())),
        };
        let limit = limit.0.unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE);
        let shown = workflow::inbox::team_inbox(&state, organization.id, &filter, cursor.0, limit).await?;
        page(&state, &auth.0, "team.alerts", shown).await
    }

    /// Snooze a team alert
    ///
    /// The team's staff and admins. Hidden from the default team inbox until `until`, then back
    /// by itself; a critical alert left unacknowledged still escalates.
    #[oai(path = "/alerts/:id/snooze", method = "post", operation_id = "snoozeAlert")]
    async fn snooze(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: JsonBody<SnoozeBody>,
    ) -> Result<Json<AlertView>, ApiError> {
        let row = team_alert(&state, &auth.0, id.0, "alert.snooze").await?;
        let team = row.team_organization_id.ok_or(ApiError::NotFound)?;
        let organization = workflow::organization(&state, team).await?.ok_or(ApiError::NotFound)?;
        let zone: Zone = organization.timezone;
        let today = zone.date_at(state.clock.now());
        let snooze = Snooze::parse(body.0.until, &body.0.reason, today, state.snooze_max_days)?;
        let row = workflow::snooze_alert(&state, row.id, snooze).await?;
        Ok(Json(view(&state, row, &auth.0).await?))
    }

    /// Bring a snoozed alert back
    ///
    /// The team's staff and admins. The alert is back in the default team inbox now; an alert
    /// not snoozed is answered as it is.
    #[oai(path = "/alerts/:id/snooze", method = "delete", operation_id = "unsnoozeAlert")]
    async fn wake(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<Json<AlertView>, ApiError> {
        let row = team_alert(&state, &auth.0, id.0, "alert.wake").await?;
        let row = workflow::wake_alert(&state, row.id).await?;
        Ok(Json(view(&state, row, &auth.0).await?))
    }

    /// Log a contact
    ///
    /// What staff did about an alert: the team's staff for a team alert, the recipient for
    /// their own. Shown among the alert's contacts.
    #[oai(path = "/alerts/:id/contacts", method = "post", operation_id = "logAlertContact")]
    async fn contact(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: JsonBody<ContactBody>,
    ) -> Result<LogContactResponse, ApiError> {
        let row = crate::access::alerts::actionable(&state, &auth.0, id.0, "alert.contact")
            .await?
            .ok_or(ApiError::NotFound)?;
        let mut refusals = Refusals::default();
        let outcome = refusals.check("outcome", body.0.outcome.parse::<ContactOutcome>());
        let note = refusals.check("note", body.0.note.as_deref().map(Note::parse).transpose());
        let (Some(outcome), Some(note)) = (outcome, note) else { return Err(refusals.into()) };
        let contact = workflow::log_contact(&state, row.id, outcome, note.flatten(), auth.0.actor_id()).await?;
        Ok(LogContactResponse::Created(Json(contact.into())))
    }
}
