use crate::entity::audit_event;
use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{param::Query, payload::Json, Object, OpenApi};
use uuid::Uuid;

use super::{pagination::page_request, types::ApiPartyRole, ApiTags, Authenticated};
use crate::{http::ApiError, state::AppState, store, store::audit::AuditFilter};

/// One read or write of a person's data, allowed or denied.
#[derive(Debug, Object)]
pub struct AuditEvent {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// A party id, or an admin's name.
    pub actor: String,
    /// Absent for a caller who was not signed in (a refused sign-in attempt).
    pub actor_role: Option<ApiPartyRole>,
    /// What was done, e.g. `person.read`, `link.update`.
    pub action: String,
    pub person_id: Option<Uuid>,
    /// For a list page: every person it showed (then `person_id` is absent). Filtering by
    /// `person_id` finds these lines too.
    pub person_ids: Vec<Uuid>,
    /// The link or other record acted on, when it is not the person.
    pub resource_id: Option<Uuid>,
    /// `allowed` or `denied`: the access decision.
    pub outcome: String,
}

#[derive(Debug, Object)]
pub struct AuditPage {
    pub items: Vec<AuditEvent>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<Uuid>,
}

fn view(row: audit_event::Model) -> Result<AuditEvent, ApiError> {
    Ok(AuditEvent {
        actor_role: store::audit::actor_role_of(&row)?.map(Into::into),
        person_ids: store::audit::listed(&row),
        id: row.id,
        at: row.at,
        actor: row.actor,
        action: row.action,
        person_id: row.person_id,
        resource_id: row.resource_id,
        outcome: row.outcome,
    })
}

pub struct AuditApi;

#[OpenApi(tag = "ApiTags::Audit")]
impl AuditApi {
    /// Read the audit log
    ///
    /// Admins only. Oldest first; filter by person, actor (a party id or an admin's name) and
    /// a time range `[from, to)`. The log is append-only: no endpoint changes or deletes it.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/audit", method = "get", operation_id = "listAuditEvents")]
    async fn list(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        person_id: Query<Option<Uuid>>,
        actor: Query<Option<String>>,
        from: Query<Option<DateTime<Utc>>>,
        to: Query<Option<DateTime<Utc>>>,
        cursor: Query<Option<Uuid>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<u64>>,
    ) -> Result<Json<AuditPage>, ApiError> {
        auth.require_admin()?;
        let filter = AuditFilter { person_id: person_id.0, actor: actor.0, action: None, from: from.0, to: to.0 };
        let page = store::audit::list(&state.db, filter, page_request(cursor, limit)).await?;
        Ok(Json(AuditPage {
            items: page.items.into_iter().map(view).collect::<Result<_, _>>()?,
            next_cursor: page.next_cursor,
        }))
    }
}
