use crate::entity::custody_period;
use chrono::{DateTime, NaiveDate, Utc};
use poem::web::Data;
use poem_openapi::{param::Path, payload::Json, ApiResponse, Enum, Object, OpenApi};
use uuid::Uuid;

use super::{ApiTags, Authenticated};
use crate::{
    access::{self, Target},
    domain::{access::Action, custody::CustodyChange, Note, Refusals},
    http::{ApiError, JsonBody},
    state::AppState,
    store,
    workflow::{self, actor},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum CustodyEvent {
    Start,
    End,
}

/// Custody begins or ends. Beginning interrupts active programmes (they can resume later);
/// links stay active so support continues.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct CustodyCreate {
    pub event: CustodyEvent,
    pub on: NaiveDate,
    /// Up to 500 characters, e.g. "new arrest". Shown to whoever may see bail or release.
    pub reason: Option<String>,
}

#[derive(Debug, Object)]
pub struct CustodyPeriod {
    pub id: Uuid,
    pub person_id: Uuid,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    /// `recorded`, `bail_revoked` or `custodial_sentence`.
    pub cause: String,
    pub reason: Option<String>,
    /// The bail whose revocation or lapse began it, if any.
    pub source_milestone_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
pub struct CustodyList {
    pub items: Vec<CustodyPeriod>,
}

pub fn view(row: custody_period::Model) -> CustodyPeriod {
    CustodyPeriod {
        id: row.id,
        person_id: row.person_id,
        started_on: row.started_on,
        ended_on: row.ended_on,
        cause: row.cause,
        reason: row.reason,
        source_milestone_id: row.source_milestone_id,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

#[derive(ApiResponse)]
pub enum RecordCustodyResponse {
    /// Recorded: the custody period as it now stands.
    #[oai(status = 201)]
    Created(Json<CustodyPeriod>),
}

pub struct CustodyApi;

#[OpenApi(tag = "ApiTags::Milestones")]
impl CustodyApi {
    /// Record custody starting or ending
    ///
    /// Admins and the person's facility. A revoked or lapsed bail starts custody by itself.
    #[oai(path = "/persons/:id/custody", method = "post", operation_id = "recordCustody")]
    async fn record(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: JsonBody<CustodyCreate>,
    ) -> Result<RecordCustodyResponse, ApiError> {
        let access =
            access::person(&state, &auth.0, id.0, Action::RecordMilestones, "custody.record", Target::Person).await?;
        let body = body.0;
        let change = match body.event {
            CustodyEvent::Start => {
                let reason = body.reason.as_deref().map(|reason| Note::parse_at_most(reason, 500)).transpose();
                let reason = reason.map_err(|why| Refusals::one("reason", why))?.flatten();
                CustodyChange::Start { on: body.on, reason }
            }
            CustodyEvent::End => CustodyChange::End { on: body.on },
        };
        let period =
            workflow::record_custody(&state, access.person.id, access.zone()?, change, &actor(&auth.0)).await?;
        Ok(RecordCustodyResponse::Created(Json(view(period))))
    }

    /// List custody periods
    ///
    /// Whoever may see the person's bail or release.
    #[oai(path = "/persons/:id/custody", method = "get", operation_id = "listCustody")]
    async fn list(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<Json<CustodyList>, ApiError> {
        let access = access::person(&state, &auth.0, id.0, Action::ReadPerson, "custody.list", Target::Person).await?;
        if !access.standing.scope().covers_custody() {
            return Err(ApiError::NotFound);
        }
        let rows = store::custody::list_for_person(&state.db, access.person.id).await?;
        Ok(Json(CustodyList { items: rows.into_iter().map(view).collect() }))
    }
}
