use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use entity::alert;
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    payload::Json,
    Object, OpenApi,
};
use uuid::Uuid;

use super::{pagination::DEFAULT_PAGE_SIZE, pagination::MAX_PAGE_SIZE, ApiTags, BearerAuth};
use crate::{
    access::audit_entry,
    auth::Principal,
    domain::{risk::wording, Language},
    http::ApiError,
    state::AppState,
    store::{self, audit::Outcome},
    workflow,
};

/// An alert: what is coming for whom, when, how serious, and why. No more than that.
#[derive(Debug, Object)]
pub struct AlertView {
    pub id: Uuid,
    pub person_id: Uuid,
    pub person_display_name: String,
    pub rule: String,
    /// `notice`, `high` or `critical`.
    pub severity: String,
    /// What is coming, in the recipient's language.
    pub title: String,
    /// Why it matters, in the recipient's language.
    pub why: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// How many days before the period this alert was meant to arrive.
    pub lead_days: i32,
    /// The date behind it moved earlier than first planned.
    pub moved_earlier: bool,
    /// Sent to the facility because a critical alert went unacknowledged.
    pub escalation: bool,
    pub delivered_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Object)]
pub struct AlertPage {
    pub items: Vec<AlertView>,
    /// Pass as `cursor` for older alerts; absent on the last page.
    pub next_cursor: Option<Uuid>,
}

async fn view(state: &AppState, row: alert::Model, language: Language) -> Result<AlertView, ApiError> {
    let person = store::persons::find(&state.reads, row.person_id).await?;
    let rule = state.rules.iter().find(|rule| rule.id == row.rule);
    let (title, why) = rule.map(|rule| wording(rule, language)).unwrap_or((row.rule.as_str(), ""));
    Ok(AlertView {
        id: row.id,
        person_id: row.person_id,
        person_display_name: person.map(|person| person.display_name).unwrap_or_default(),
        title: title.to_owned(),
        why: why.to_owned(),
        escalation: row.escalation_of.is_some(),
        rule: row.rule,
        severity: row.severity,
        starts_on: row.starts_on,
        ends_on: row.ends_on,
        lead_days: row.lead_days,
        moved_earlier: row.moved_earlier,
        delivered_at: row.delivered_at,
        acknowledged_at: row.acknowledged_at,
    })
}

async fn language_of(state: &AppState, principal: &Principal) -> Result<Language, ApiError> {
    Ok(match principal.party_id {
        Some(id) => store::parties::find(&state.reads, id)
            .await?
            .and_then(|party| party.language.parse().ok())
            .unwrap_or_default(),
        None => Language::default(),
    })
}

/// The alerts whose consent still holds for their recipient.
async fn still_visible(state: &AppState, rows: Vec<alert::Model>) -> Result<Vec<alert::Model>, ApiError> {
    let link_ids: Vec<Uuid> = rows.iter().filter_map(|row| row.link_id).collect();
    let links =
        store::links::find_many(&state.reads, &link_ids).await?.into_iter().map(|link| (link.id, link)).collect();
    let now = state.clock.now();
    Ok(rows.into_iter().filter(|row| crate::alerts::still_consented(&links, row, now)).collect())
}

pub struct AlertsApi;

#[OpenApi(tag = "ApiTags::Alerts")]
impl AlertsApi {
    /// My alerts
    ///
    /// The caller's inbox, newest first; `unread=true` for those not yet acknowledged.
    #[oai(path = "/me/alerts", method = "get", operation_id = "listMyAlerts")]
    async fn inbox(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        unread: Query<Option<bool>>,
        cursor: Query<Option<Uuid>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<u64>>,
    ) -> Result<Json<AlertPage>, ApiError> {
        let Some(party_id) = auth.0.party_id else {
            return Ok(Json(AlertPage { items: Vec::new(), next_cursor: None }));
        };
        let limit = limit.0.unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE);
        let (rows, next_cursor) =
            store::alerts::inbox(&state.reads, party_id, unread.0.unwrap_or(false), cursor.0, limit).await?;
        // Once a link ends or its consent no longer covers the kind, its alerts are gone from
        // the recipient's view too (the page may then hold fewer than `limit`).
        let rows = still_visible(&state, rows).await?;
        let persons: BTreeSet<Uuid> = rows.iter().map(|row| row.person_id).collect();
        let entries = persons
            .into_iter()
            .map(|person| audit_entry(&auth.0, "alert.list", Some(person), None, Outcome::Allowed))
            .collect();
        state.audit.record(entries, state.clock.now()).await?;
        let language = language_of(&state, &auth.0).await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            items.push(view(&state, row, language).await?);
        }
        Ok(Json(AlertPage { items, next_cursor }))
    }

    /// Acknowledge an alert
    ///
    /// Only its recipient; anyone else gets 404. Acknowledging twice changes nothing.
    #[oai(path = "/alerts/:id/ack", method = "post", operation_id = "acknowledgeAlert")]
    async fn acknowledge(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<Json<AlertView>, ApiError> {
        let row = store::alerts::find(&state.reads, id.0).await?;
        let mine =
            row.filter(|row| Some(row.recipient_party_id) == auth.0.party_id && row.status == store::alerts::DELIVERED);
        let mine = still_visible(&state, mine.into_iter().collect()).await?.pop();
        let outcome = if mine.is_some() { Outcome::Allowed } else { Outcome::Denied };
        let person = mine.as_ref().map(|row| row.person_id);
        let entry = audit_entry(&auth.0, "alert.ack", person, Some(id.0), outcome);
        state.audit.record(vec![entry], state.clock.now()).await?;
        let row = mine.ok_or(ApiError::NotFound)?;
        let row = workflow::acknowledge_alert(&state, row.id).await?;
        let language = language_of(&state, &auth.0).await?;
        Ok(Json(view(&state, row, language).await?))
    }
}
