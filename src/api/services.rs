//! The directory's services: read by anyone signed in (the public read is `/hsds` and
//! `/help`), changed by staff of the organisation that offers them, and by admins.

use chrono::{DateTime, NaiveDate, Utc};
use poem::web::Data;
use poem_openapi::{param::Path, payload::Json, ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::{
    types::{ApiFreq, ApiServiceKind, ApiServiceStatus},
    ApiTags, Authenticated,
};
use crate::{
    access,
    domain::directory::{RecurrenceAsked, Service, ServiceAsked, SessionAsked},
    http::{ApiError, JsonBody},
    state::AppState,
    store::services::ServiceRecord,
    workflow::services as directory,
};

/// A recurring schedule, in the iCalendar RRULE terms HSDS uses.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct ScheduleInput {
    pub freq: ApiFreq,
    /// Weekdays as RRULE writes them: `TU`, `MO,TH`; for a monthly schedule with which of the
    /// month: `2TU` (the second Tuesday), `-1FR` (the last Friday).
    pub byday: Option<String>,
    /// For a monthly schedule instead of `byday`: days of the month, `15` or `1,15`; `-1` the last.
    pub bymonthday: Option<String>,
    /// Local time `HH:MM` in the organisation's zone.
    pub opens_at: String,
    pub closes_at: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

/// A one-off session.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct SessionInput {
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    /// Seats, 1 to 10 000.
    pub capacity: Option<i64>,
    /// The last day to apply (a local date of the organisation's zone), not after the session's day.
    pub apply_by: Option<NaiveDate>,
    /// Where it is held, at most 200 characters.
    pub place: Option<String>,
}

/// A new service.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct ServiceCreate {
    /// 1 to 100 characters.
    pub name: String,
    /// At least one.
    pub kinds: Vec<ApiServiceKind>,
    /// `active` when left out.
    pub status: Option<ApiServiceStatus>,
    pub description: Option<String>,
    /// Who it is for (at most 500 characters).
    pub for_whom: Option<String>,
    /// The area it serves, such as a prefecture (at most 100 characters).
    pub area: Option<String>,
    /// A number anyone may call (`03-1234-5678` is read as Japanese; kept in E.164).
    pub phone: Option<String>,
    /// Language tags (`ja`, `en`, `pt-BR`), at most 10.
    pub languages: Option<Vec<String>>,
    /// What it costs (at most 500 characters).
    pub cost: Option<String>,
    /// How to apply or reach it (at most 500 characters).
    pub how_to_apply: Option<String>,
    /// Its web page (http or https).
    pub url: Option<String>,
    /// The day its entry was last checked as correct; not after today.
    pub assured_on: Option<NaiveDate>,
    /// At most 20.
    pub schedules: Option<Vec<ScheduleInput>>,
    /// At most 200.
    pub sessions: Option<Vec<SessionInput>>,
}

/// Changes to a service: fields left out stay; an empty text clears a text field; `schedules`
/// and `sessions`, when given, replace the lists (a session kept at the same start keeps its id).
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct ServicePatch {
    pub name: Option<String>,
    pub kinds: Option<Vec<ApiServiceKind>>,
    pub status: Option<ApiServiceStatus>,
    pub description: Option<String>,
    pub for_whom: Option<String>,
    pub area: Option<String>,
    pub phone: Option<String>,
    pub languages: Option<Vec<String>>,
    pub cost: Option<String>,
    pub how_to_apply: Option<String>,
    pub url: Option<String>,
    pub assured_on: Option<NaiveDate>,
    pub schedules: Option<Vec<ScheduleInput>>,
    pub sessions: Option<Vec<SessionInput>>,
}

#[derive(Debug, Object)]
pub struct ServiceSchedule {
    pub id: Uuid,
    pub freq: ApiFreq,
    pub byday: Option<String>,
    pub bymonthday: Option<String>,
    pub opens_at: String,
    pub closes_at: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

#[derive(Debug, Object)]
pub struct ServiceSession {
    pub id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub capacity: Option<i32>,
    pub apply_by: Option<NaiveDate>,
    pub place: Option<String>,
}

#[derive(Debug, Object)]
#[oai(rename = "Service")]
pub struct ServiceView {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub kinds: Vec<ApiServiceKind>,
    pub status: ApiServiceStatus,
    pub description: Option<String>,
    pub for_whom: Option<String>,
    pub area: Option<String>,
    /// E.164.
    pub phone: Option<String>,
    pub languages: Vec<String>,
    pub cost: Option<String>,
    pub how_to_apply: Option<String>,
    pub url: Option<String>,
    pub assured_on: Option<NaiveDate>,
    /// Not assured in the last 12 months (or never): the directory flags it.
    pub needs_review: bool,
    pub schedules: Vec<ServiceSchedule>,
    pub sessions: Vec<ServiceSession>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
pub struct ServiceList {
    pub items: Vec<ServiceView>,
}

pub(crate) fn view(record: ServiceRecord, today: NaiveDate) -> ServiceView {
    let row = record.row;
    ServiceView {
        id: row.id,
        organization_id: row.organization_id,
        name: row.name,
        kinds: record.kinds.into_iter().map(Into::into).collect(),
        status: record.status.into(),
        description: row.description,
        for_whom: row.for_whom,
        area: row.area,
        phone: row.phone,
        languages: record.languages,
        cost: row.cost,
        how_to_apply: row.how_to_apply,
        url: row.url,
        assured_on: row.assured_on,
        needs_review: Service::needs_review(row.assured_on, today),
        schedules: record
            .schedules
            .into_iter()
            .map(|rule| {
                let asked = rule.asked();
                ServiceSchedule {
                    id: rule.id,
                    freq: rule.freq.into(),
                    byday: asked.byday,
                    bymonthday: asked.bymonthday,
                    opens_at: asked.opens_at,
                    closes_at: asked.closes_at,
                    valid_from: rule.valid_from,
                    valid_to: rule.valid_to,
                }
            })
            .collect(),
        sessions: record
            .sessions
            .into_iter()
            .map(|session| ServiceSession {
                id: session.id,
                starts_at: session.starts_at,
                ends_at: session.ends_at,
                capacity: session.capacity,
                apply_by: session.apply_by,
                place: session.place,
            })
            .collect(),
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

fn schedules(input: Vec<ScheduleInput>) -> Vec<RecurrenceAsked> {
    input
        .into_iter()
        .map(|rule| RecurrenceAsked {
            freq: match rule.freq {
                ApiFreq::Weekly => "weekly",
                ApiFreq::Monthly => "monthly",
            }
            .to_owned(),
            byday: rule.byday,
            bymonthday: rule.bymonthday,
            opens_at: rule.opens_at,
            closes_at: rule.closes_at,
            valid_from: rule.valid_from,
            valid_to: rule.valid_to,
        })
        .collect()
}

fn sessions(input: Vec<SessionInput>) -> Vec<SessionAsked> {
    input
        .into_iter()
        .map(|session| SessionAsked {
            starts_at: session.starts_at,
            ends_at: session.ends_at,
            capacity: session.capacity,
            apply_by: session.apply_by,
            place: session.place,
        })
        .collect()
}

fn kinds(input: Vec<ApiServiceKind>) -> Vec<String> {
    input.into_iter().map(|kind| crate::domain::directory::ServiceKind::from(kind).as_str().to_owned()).collect()
}

impl ServicePatch {
    /// What is stored, with the fields sent put in place.
    fn apply(self, mut asked: ServiceAsked) -> ServiceAsked {
        if let Some(name) = self.name {
            asked.name = name;
        }
        if let Some(list) = self.kinds {
            asked.kinds = kinds(list);
        }
        if let Some(status) = self.status {
            asked.status = Some(crate::domain::directory::ServiceStatus::from(status).as_str().to_owned());
        }
        let texts = [
            (self.description, &mut asked.description),
            (self.for_whom, &mut asked.for_whom),
            (self.area, &mut asked.area),
            (self.phone, &mut asked.phone),
            (self.cost, &mut asked.cost),
            (self.how_to_apply, &mut asked.how_to_apply),
            (self.url, &mut asked.url),
        ];
        for (sent, field) in texts {
            if let Some(text) = sent {
                *field = Some(text);
            }
        }
        if let Some(languages) = self.languages {
            asked.languages = languages;
        }
        if let Some(day) = self.assured_on {
            asked.assured_on = Some(day);
        }
        if let Some(list) = self.schedules {
            asked.schedules = schedules(list);
        }
        if let Some(list) = self.sessions {
            asked.sessions = sessions(list);
        }
        asked
    }
}

#[derive(ApiResponse)]
pub enum CreateServiceResponse {
    /// The service was created.
    #[oai(status = 201)]
    Created(Json<ServiceView>, #[oai(header = "Location")] String),
}

#[derive(ApiResponse)]
pub enum DeleteServiceResponse {
    /// The service and its sessions are gone from the directory.
    #[oai(status = 204)]
    Deleted,
}

/// The caller's view of one service: staff of its organisation and admins see it in any
/// status; anyone else signed in sees it while it is active; 404 otherwise.
async fn visible(
    state: &AppState,
    auth: &Authenticated,
    id: Uuid,
    audit_action: access::AuditAction,
) -> Result<(ServiceRecord, access::SeenOrganization), ApiError> {
    let record = directory::find_service(state, id).await?.ok_or(ApiError::NotFound)?;
    let seen =
        access::organization_services(state, &auth.0, record.row.organization_id, audit_action, record.is_active())
            .await?;
    Ok((record, seen))
}

/// [`visible`], for a change: 403 for a caller who may see the service but not change it.
async fn editable(
    state: &AppState,
    auth: &Authenticated,
    id: Uuid,
    audit_action: access::AuditAction,
) -> Result<access::SeenOrganization, ApiError> {
    let (_, seen) = visible(state, auth, id, audit_action).await?;
    if !seen.edits {
        return Err(ApiError::Forbidden("Only staff of the organisation, or admins, change its services."));
    }
    Ok(seen)
}

pub struct ServicesApi;

#[OpenApi(tag = "ApiTags::Organizations")]
impl ServicesApi {
    /// Add a service to the directory
    ///
    /// Staff of the organisation, and admins. Every refusal is told at once (422); nothing is stored.
    #[oai(path = "/organizations/:id/services", method = "post", operation_id = "createService")]
    async fn create(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: JsonBody<ServiceCreate>,
    ) -> Result<CreateServiceResponse, ApiError> {
        // Nothing of the organisation is shown to whoever may not add to it: 404.
        let organization =
            access::organization_services(&state, &auth.0, id.0, "service.create", false).await?.organization;
        let body = body.0;
        let asked = ServiceAsked {
            name: body.name,
            kinds: kinds(body.kinds),
            status: body.status.map(|status| crate::domain::directory::ServiceStatus::from(status).as_str().to_owned()),
            description: body.description,
            for_whom: body.for_whom,
            area: body.area,
            phone: body.phone,
            languages: body.languages.unwrap_or_default(),
            cost: body.cost,
            how_to_apply: body.how_to_apply,
            url: body.url,
            assured_on: body.assured_on,
            schedules: schedules(body.schedules.unwrap_or_default()),
            sessions: sessions(body.sessions.unwrap_or_default()),
        };
        let record = directory::create_service(&state, &organization, asked).await?;
        let location = format!("{}/services/{}", super::BASE_PATH, record.row.id);
        let today = organization.timezone.date_at(state.clock.now());
        Ok(CreateServiceResponse::Created(Json(view(record, today)), location))
    }

    /// List an organisation's services
    ///
    /// Anyone signed in sees the active ones; staff of the organisation and admins see all.
    /// 404 for an organisation with nothing the caller may see.
    #[oai(path = "/organizations/:id/services", method = "get", operation_id = "listServices")]
    async fn list(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<Json<ServiceList>, ApiError> {
        let records = directory::services_of(&state, id.0).await?;
        let any_active = records.iter().any(ServiceRecord::is_active);
        let seen = access::organization_services(&state, &auth.0, id.0, "service.list", any_active).await?;
        let today = seen.organization.timezone.date_at(state.clock.now());
        let items = records
            .into_iter()
            .filter(|record| seen.edits || record.is_active())
            .map(|record| view(record, today))
            .collect();
        Ok(Json(ServiceList { items }))
    }

    /// Get a service
    #[oai(path = "/services/:id", method = "get", operation_id = "getService")]
    async fn get(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<Json<ServiceView>, ApiError> {
        let (record, seen) = visible(&state, &auth, id.0, "service.read").await?;
        Ok(Json(view(record, seen.organization.timezone.date_at(state.clock.now()))))
    }

    /// Change a service
    ///
    /// Staff of the organisation, and admins (others: 403 when they may see it, else 404).
    /// What results is checked whole; 422 lists every refusal and nothing is stored.
    #[oai(path = "/services/:id", method = "patch", operation_id = "updateService")]
    async fn update(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: JsonBody<ServicePatch>,
    ) -> Result<Json<ServiceView>, ApiError> {
        let seen = editable(&state, &auth, id.0, "service.update").await?;
        let patch = body.0;
        let record = directory::update_service(&state, id.0, |asked| patch.apply(asked)).await?;
        Ok(Json(view(record, seen.organization.timezone.date_at(state.clock.now()))))
    }

    /// Remove a service from the directory
    ///
    /// Staff of the organisation, and admins (others: 403 when they may see it, else 404).
    #[oai(path = "/services/:id", method = "delete", operation_id = "deleteService")]
    async fn delete(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<DeleteServiceResponse, ApiError> {
        editable(&state, &auth, id.0, "service.delete").await?;
        directory::delete_service(&state, id.0).await?;
        Ok(DeleteServiceResponse::Deleted)
    }
}
