use crate::entity::schedule_entry;
use chrono::{DateTime, NaiveDate, Utc};
use poem::web::Data;
use poem_openapi::{
    param::{Header, Path},
    payload::Json,
    types::{ParseFromJSON, ToJSON},
    ApiResponse, Enum, Object, OpenApi,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{types::ApiReleaseType, ApiTags, Authenticated};
use crate::{
    access::{self, Target},
    auth::Principal,
    domain::{
        access::Action,
        idempotency::IdempotencyKey,
        milestones::ReleaseType,
        schedule::{ExternalId, ScheduleKind},
        Refusals,
    },
    http::{ApiError, JsonBody, Problem},
    state::AppState,
    workflow::{self, Keyed, ScheduleItem, Upserted},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case", rename = "ScheduleKind")]
pub enum ApiScheduleKind {
    Release,
    Hearing,
    Judgment,
    Interview,
    SupervisionEnd,
}

impl From<ApiScheduleKind> for ScheduleKind {
    fn from(kind: ApiScheduleKind) -> Self {
        match kind {
            ApiScheduleKind::Release => ScheduleKind::Release,
            ApiScheduleKind::Hearing => ScheduleKind::Hearing,
            ApiScheduleKind::Judgment => ScheduleKind::Judgment,
            ApiScheduleKind::Interview => ScheduleKind::Interview,
            ApiScheduleKind::SupervisionEnd => ScheduleKind::SupervisionEnd,
        }
    }
}

/// One scheduled date for a person the probation party is linked to.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct ScheduleUpsert {
    pub person_id: Uuid,
    pub kind: ApiScheduleKind,
    pub on: NaiveDate,
    /// For a release: `full_term` or `parole`.
    pub release_type: Option<ApiReleaseType>,
}

/// A scheduled date under the caller's external id.
#[derive(Debug, Clone, Object)]
pub struct ScheduleEntry {
    pub external_id: String,
    pub person_id: Uuid,
    pub kind: String,
    pub on: NaiveDate,
    pub release_type: Option<String>,
    /// The milestone whose date it sets (none for an interview).
    pub milestone_id: Option<Uuid>,
    /// Whether this request changed anything.
    pub changed: bool,
    /// Whether the date moved earlier than before.
    pub moved_earlier: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn view(upserted: Upserted) -> ScheduleEntry {
    let entry: schedule_entry::Model = upserted.entry;
    ScheduleEntry {
        external_id: entry.external_id,
        person_id: entry.person_id,
        kind: entry.kind,
        on: entry.on,
        release_type: entry.release_type,
        milestone_id: entry.milestone_id,
        changed: upserted.changed,
        moved_earlier: upserted.moved_earlier,
        created_at: entry.created_at,
        updated_at: entry.updated_at,
    }
}

fn item_of(body: &ScheduleUpsert) -> ScheduleItem {
    ScheduleItem {
        person_id: body.person_id,
        kind: body.kind.into(),
        on: body.on,
        release_type: body.release_type.map(ReleaseType::from),
    }
}

/// Authorizes one pushed date for its person and kind, then stores it.
async fn push_one(
    state: &AppState,
    principal: &Principal,
    external_id: &str,
    item: &ScheduleItem,
) -> Result<Upserted, ApiError> {
    let external_id = ExternalId::parse(external_id).map_err(|why| Refusals::one("external_id", why))?;
    let target = Target::Kind(item.kind.scope_kind());
    let access =
        access::person(state, principal, item.person_id, Action::PushSchedule, "schedule.push", target).await?;
    let owner = principal.party_id.ok_or(ApiError::Forbidden("Schedules are pushed by a probation party."))?;
    let actor = workflow::actor(principal);
    Ok(workflow::push_schedule(state, owner, &external_id, item, access.zone()?, &actor).await?)
}

/// Several dates at once.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct ScheduleBatch {
    /// 1 to 500 items, applied in order.
    #[oai(validator(min_items = 1, max_items = 500))]
    pub items: Vec<ScheduleBatchItem>,
}

#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct ScheduleBatchItem {
    pub external_id: String,
    pub person_id: Uuid,
    pub kind: ApiScheduleKind,
    pub on: NaiveDate,
    pub release_type: Option<ApiReleaseType>,
}

/// The outcome of one item: its status, and the entry or the problem.
#[derive(Debug, Clone, Object)]
pub struct ScheduleBatchResult {
    pub external_id: String,
    pub status: u16,
    pub entry: Option<ScheduleEntry>,
    pub problem: Option<Problem>,
}

#[derive(Debug, Clone, Object)]
pub struct ScheduleBatchResponse {
    pub results: Vec<ScheduleBatchResult>,
}

#[derive(ApiResponse)]
pub enum UpsertResponse {
    /// A new entry.
    #[oai(status = 201)]
    Created(Json<ScheduleEntry>),
    /// The entry as it now stands; `changed` says whether this request changed it.
    #[oai(status = 200)]
    Ok(Json<ScheduleEntry>),
}

fn hash_of(body: &ScheduleBatch) -> String {
    Sha256::digest(body.to_json_string().as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
}

pub struct IntegrationsApi;

#[OpenApi(tag = "ApiTags::Integrations")]
impl IntegrationsApi {
    /// Push one scheduled date
    ///
    /// For a probation party and a person it is linked to; anyone else gets 404. The caller's
    /// `external_id` names the date: the same request twice changes nothing, a changed date is
    /// recorded as a date move and re-plans the alerts.
    #[oai(path = "/integrations/schedule/:external_id", method = "put", operation_id = "upsertScheduledDate")]
    async fn upsert(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        external_id: Path<String>,
        body: JsonBody<ScheduleUpsert>,
    ) -> Result<UpsertResponse, ApiError> {
        let upserted = push_one(&state, &auth.0, &external_id.0, &item_of(&body.0)).await?;
        Ok(if upserted.created {
            UpsertResponse::Created(Json(view(upserted)))
        } else {
            UpsertResponse::Ok(Json(view(upserted)))
        })
    }

    /// Push several scheduled dates
    ///
    /// Each item as `PUT /integrations/schedule/{external_id}`, with a result per item. With an
    /// `Idempotency-Key` (scoped to the caller): the same key and body answer the stored
    /// response; the same key with another body 422; while the first is in flight, 409.
    #[oai(path = "/integrations/schedule", method = "post", operation_id = "pushScheduleBatch")]
    async fn batch(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        #[oai(name = "Idempotency-Key")] idempotency_key: Header<Option<String>>,
        body: JsonBody<ScheduleBatch>,
    ) -> Result<Json<ScheduleBatchResponse>, ApiError> {
        let owner = auth.0.party_id.ok_or(ApiError::Forbidden("Schedules are pushed by a probation party."))?;
        let key = match idempotency_key.0.as_deref().map(IdempotencyKey::parse).transpose() {
            Ok(key) => key,
            Err(why) => return Err(ApiError::invalid_field("Idempotency-Key", why)),
        };
        if let Some(key) = &key {
            if let Keyed::Answer(stored) = workflow::begin_keyed(&state, owner, key, &hash_of(&body.0)).await? {
                let value = serde_json::from_str(&stored).map_err(|err| ApiError::Internal(err.to_string()))?;
                let stored = ScheduleBatchResponse::parse_from_json(Some(value))
                    .map_err(|err| ApiError::Internal(err.into_message()))?;
                return Ok(Json(stored));
            }
        }
        let mut results = Vec::with_capacity(body.0.items.len());
        for item in &body.0.items {
            let upsert = ScheduleUpsert {
                person_id: item.person_id,
                kind: item.kind,
                on: item.on,
                release_type: item.release_type,
            };
            let result = match push_one(&state, &auth.0, &item.external_id, &item_of(&upsert)).await {
                Ok(upserted) => ScheduleBatchResult {
                    external_id: item.external_id.clone(),
                    status: if upserted.created { 201 } else { 200 },
                    entry: Some(view(upserted)),
                    problem: None,
                },
                Err(err) => {
                    let problem = err.problem();
                    ScheduleBatchResult {
                        external_id: item.external_id.clone(),
                        status: problem.status,
                        entry: None,
                        problem: Some(problem),
                    }
                }
            };
            results.push(result);
        }
        let response = ScheduleBatchResponse { results };
        if let Some(key) = &key {
            workflow::finish_keyed(&state, owner, key, response.to_json_string()).await?;
        }
        Ok(Json(response))
    }
}
