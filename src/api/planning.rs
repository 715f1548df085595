use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{payload::Json, Object, OpenApi};
use uuid::Uuid;

use super::{ApiTags, Authenticated};
use crate::{http::ApiError, state::AppState, store};

/// A person whose alert planning failed and was set aside, so that everyone else's went on.
#[derive(Debug, Object)]
pub struct PlanningFailure {
    pub person_id: Uuid,
    /// The change that asked for planning.
    pub requested_at: DateTime<Utc>,
    pub failed_at: Option<DateTime<Utc>>,
    /// What went wrong (no personal data). The next change to the person asks again.
    pub failure: Option<String>,
}

#[derive(Debug, Object)]
pub struct PlanningFailureList {
    pub items: Vec<PlanningFailure>,
}

pub struct PlanningApi;

#[OpenApi(tag = "ApiTags::Audit")]
impl PlanningApi {
    /// Persons whose alert planning failed
    ///
    /// Admins only. Each was set aside with its error; their alerts are not planned until a
    /// change to them (which may be the fix) asks again.
    #[oai(path = "/planning/failures", method = "get", operation_id = "listPlanningFailures")]
    async fn failures(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
    ) -> Result<Json<PlanningFailureList>, ApiError> {
        auth.require_admin()?;
        let items = store::planning::failures(&state.reads)
            .await?
            .into_iter()
            .map(|row| PlanningFailure {
                person_id: row.person_id,
                requested_at: row.requested_at,
                failed_at: row.failed_at,
                failure: row.failure,
            })
            .collect();
        Ok(Json(PlanningFailureList { items }))
    }
}
