use std::collections::HashMap;

use crate::entity::alert;
use chrono::{DateTime, NaiveDate, Utc};
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    payload::Json,
    Object, OpenApi,
};
use uuid::Uuid;

use super::prebuilt::{written, PrebuiltJson};
use super::{pagination::DEFAULT_PAGE_SIZE, pagination::MAX_PAGE_SIZE, ApiTags, Authenticated};
use crate::{
    access::{self},
    auth::Principal,
    cache::InboxPage,
    domain::{
        risk::wording_of,
        rota::AcknowledgedVia,
        wording::{Reader, Wording},
        Language,
    },
    http::ApiError,
    state::AppState,
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
    /// Who acknowledged it (a party id): for a team alert, the staff member who did so for all.
    pub acknowledged_by: Option<Uuid>,
    /// For a team alert: the organisation whose team it is addressed to.
    pub team_organization_id: Option<Uuid>,
    /// A snoozed team alert is hidden from the default list until this day, then comes back.
    pub snoozed_until: Option<NaiveDate>,
    pub snooze_reason: Option<String>,
    /// A change notice: `moved_later` (the date told moved to `notice_new_on`) or
    /// `no_longer_coming`; `notice_old_on` is the date the recipient was told.
    pub notice: Option<String>,
    pub notice_old_on: Option<NaiveDate>,
    pub notice_new_on: Option<NaiveDate>,
    /// What staff logged having done about it, oldest first.
    pub contacts: Vec<ContactView>,
    /// For a team alert of an organisation with a rota: whom it reached for, oldest first —
    /// the one on duty, then up the ladder while nobody acknowledged a critical one.
    pub escalations: Vec<EscalationView>,
    /// How it was acknowledged: `inbox` (the API), `page`, `sms`, `email` or `line`.
    pub acknowledged_via: Option<String>,
    /// For a referral's alert (`referral_waiting`, `referral_ended`): the referral.
    #[oai(skip_serializing_if_is_none)]
    pub referral_id: Option<Uuid>,
}

/// One step of a team alert's ladder.
#[derive(Debug, Object)]
pub struct EscalationView {
    /// Whom it reached for; none when no one was on duty.
    pub party_id: Option<Uuid>,
    /// `on_duty`, `escalation` (the next on the escalation list) or `manager`.
    pub rung: String,
    /// `email` or `sms`: the channel a message went on; none when the step was skipped.
    pub channel: Option<String>,
    /// Why it reached no one: `disabled`, `not_on_team`, `no_address` or `no_one_on_duty`.
    pub skipped: Option<String>,
    pub at: DateTime<Utc>,
}

impl From<crate::entity::alert_escalation::Model> for EscalationView {
    fn from(row: crate::entity::alert_escalation::Model) -> Self {
        Self {
            party_id: row.party_id,
            rung: row.rung.to_string(),
            channel: row.channel.map(|channel| channel.to_string()),
            skipped: row.skipped.map(|skipped| skipped.to_string()),
            at: row.at,
        }
    }
}

/// One entry of an alert's contact log.
#[derive(Debug, Object)]
pub struct ContactView {
    pub id: Uuid,
    /// `reached`, `no_answer`, `left_message` or `met_in_person`.
    pub outcome: String,
    pub note: Option<String>,
    /// A party id, or an admin's name.
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

impl From<crate::entity::alert_contact::Model> for ContactView {
    fn from(row: crate::entity::alert_contact::Model) -> Self {
        Self {
            id: row.id,
            outcome: row.outcome.to_string(),
            note: row.note,
            recorded_by: row.recorded_by,
            recorded_at: row.recorded_at,
        }
    }
}

#[derive(Debug, Object)]
pub struct AlertPage {
    pub items: Vec<AlertView>,
    /// Pass as `cursor` for older alerts; absent on the last page.
    pub next_cursor: Option<Uuid>,
}

/// One alert as its reader sees it, with its contact log and its person's name.
pub(super) async fn view(state: &AppState, row: alert::Model, reader: &Principal) -> Result<AlertView, ApiError> {
    let parts = workflow::inbox::with_parts(state, vec![row], None, &std::collections::HashMap::new()).await?;
    views(state, parts.rows.iter(), &parts, reader).pop().ok_or(ApiError::NotFound)
}

/// Alerts as their reader sees them, with the contact logs, ladder steps and persons' names
/// `parts` holds for them.
fn views<'a>(
    state: &AppState,
    rows: impl Iterator<Item = &'a alert::Model>,
    parts: &InboxPage,
    reader: &Principal,
) -> Vec<AlertView> {
    let (language, reader) = (reader.language, Reader::of_role(reader.role));
    let mut contacts: HashMap<Uuid, Vec<ContactView>> = HashMap::new();
    for contact in &parts.contacts {
        contacts.entry(contact.alert_id).or_default().push(contact.clone().into());
    }
    let mut steps: HashMap<Uuid, Vec<EscalationView>> = HashMap::new();
    for step in &parts.steps {
        steps.entry(step.alert_id).or_default().push(step.clone().into());
    }
    rows.map(|row| {
        let contacts = contacts.remove(&row.id).unwrap_or_default();
        let escalations = steps.remove(&row.id).unwrap_or_default();
        let name = parts.names.get(&row.person_id).cloned().unwrap_or_default();
        AlertView { escalations, ..view_of(&state.rules, row.clone(), contacts, name, reader, language) }
    })
    .collect()
}

/// A change notice says what changed, in the recipient's language.
fn view_of(
    rules: &[crate::domain::risk::RiskRule],
    row: alert::Model,
    contacts: Vec<ContactView>,
    person_display_name: String,
    reader: Reader,
    language: Language,
) -> AlertView {
    let Wording { title, why } = wording_of(rules, &row.rule, reader, language);
    let title = crate::domain::words::alert_title(&row, &title, language);
    let referral_id = crate::domain::referral::ALERT_RULES.contains(&row.rule.as_str()).then_some(row.source_id);
    AlertView {
        referral_id,
        contacts,
        escalations: Vec::new(),
        acknowledged_via: row.acknowledged_via.map(|via| via.to_string()),
        acknowledged_by: row.acknowledged_by,
        team_organization_id: row.team_organization_id,
        snoozed_until: row.snoozed_until,
        snooze_reason: row.snooze_reason.clone(),
        notice: row.notice.clone(),
        notice_old_on: row.notice_old_on,
        notice_new_on: row.notice_new_on,
        id: row.id,
        person_id: row.person_id,
        person_display_name,
        title,
        why: why.to_owned(),
        escalation: row.escalation_of.is_some(),
        rule: row.rule,
        severity: row.severity.to_string(),
        starts_on: row.starts_on,
        ends_on: row.ends_on,
        lead_days: row.lead_days,
        moved_earlier: row.moved_earlier,
        delivered_at: row.delivered_at,
        acknowledged_at: row.acknowledged_at,
    }
}

/// A page of alerts as the caller reads them, with one audit line naming every person shown.
/// When the reader sees the whole kept page, its alerts are written once for their kind of
/// reader and the same bytes answer the next (the views depend on nothing else).
pub(super) async fn page(
    state: &AppState,
    principal: &Principal,
    action: &'static str,
    shown: workflow::inbox::Shown,
) -> Result<PrebuiltJson<AlertPage>, ApiError> {
    let entries = access::list_entries(principal, action, shown.rows().map(|row| row.person_id));
    state.audit.record(entries, state.clock.now()).await?;
    let envelope = AlertPage { items: Vec::new(), next_cursor: shown.next_cursor() };
    let items = if shown.is_whole() {
        let reader = format!("{:?}|{:?}", principal.language, principal.role);
        shown.page.written_for(reader, || written(&views(state, shown.rows(), &shown.page, principal)))
    } else {
        written(&views(state, shown.rows(), &shown.page, principal))
    };
    Ok(PrebuiltJson::with_list(&envelope, "items", &items))
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
        auth: Authenticated,
        state: Data<&AppState>,
        unread: Query<Option<bool>>,
        cursor: Query<Option<Uuid>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<u64>>,
    ) -> Result<PrebuiltJson<AlertPage>, ApiError> {
        let Some(party_id) = auth.0.party_id else {
            return Ok(PrebuiltJson::of(&AlertPage { items: Vec::new(), next_cursor: None }));
        };
        let limit = limit.0.unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE);
        // The page may hold fewer than `limit`: see `own_inbox`.
        let shown = workflow::inbox::own_inbox(&state, party_id, unread.0.unwrap_or(false), cursor.0, limit).await?;
        page(&state, &auth.0, "alert.list", shown).await
    }

    /// Acknowledge an alert
    ///
    /// Its recipient; for a team alert, any staff member of that organisation (and admins),
    /// once for the whole team: the alert then shows who and when. Anyone else gets 404.
    /// Acknowledging twice changes nothing.
    #[oai(path = "/alerts/:id/ack", method = "post", operation_id = "acknowledgeAlert")]
    async fn acknowledge(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<Json<AlertView>, ApiError> {
        let row = access::alerts::actionable(&state, &auth.0, id.0, "alert.ack").await?.ok_or(ApiError::NotFound)?;
        let row = workflow::acknowledge_alert(&state, row.id, auth.0.party_id, AcknowledgedVia::Inbox).await?;
        Ok(Json(view(&state, row, &auth.0).await?))
    }
}
