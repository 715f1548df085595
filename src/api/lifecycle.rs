//! A person's rights over their data: everything held about them (APPI Art. 33), erasure
//! (Art. 35); and the retention review of those idle for years.

use chrono::{DateTime, Months, Utc};
use poem::web::Data;
use poem_openapi::{param::Path, payload::Json, ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::{ApiTags, Authenticated};
use crate::{
    access::{self, audit_entry, Target},
    domain::access::Action,
    http::{ApiError, JsonBody},
    state::AppState,
    store::{self, audit::Outcome},
    workflow,
};

/// Why a person's data is erased: kept in the record of the erasure (with no name).
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct ErasureRequest {
    /// 1 to 2000 characters, e.g. "the person asked (APPI Art. 35), 2026-12-01".
    pub reason: String,
}

#[derive(Debug, Object)]
pub struct Erased {
    pub person_id: Uuid,
    /// How many records were removed.
    pub records_removed: u64,
    pub erased_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
pub struct IdlePerson {
    pub person_id: Uuid,
    pub display_name: String,
    /// The last time anything about them was recorded.
    pub last_activity_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
pub struct RetentionReview {
    /// `TSUNAGU_RETENTION_YEARS`.
    pub years: u32,
    /// Persons with no placement now and nothing recorded for that long, oldest first.
    pub items: Vec<IdlePerson>,
}

#[derive(ApiResponse)]
pub enum ExportResponse {
    /// Everything held about the person: profile, placements, links and their consent records,
    /// milestones and their events, custody, lapses, scheduled dates, alerts and the contacts
    /// logged on them, deliveries, provision records and the audit entries about them.
    #[oai(status = 200)]
    Ok(Json<serde_json::Value>, #[oai(header = "Cache-Control")] String),
}

async fn export(state: &AppState, person_id: Uuid) -> Result<ExportResponse, ApiError> {
    let document = store::lifecycle::export(&state.reads, person_id).await?;
    Ok(ExportResponse::Ok(Json(document), "no-store".into()))
}

pub struct LifecycleApi;

#[OpenApi(tag = "ApiTags::Persons")]
impl LifecycleApi {
    /// Everything held about a person
    ///
    /// Admins (APPI Art. 33 disclosure). Audited.
    #[oai(path = "/persons/:id/export", method = "get", operation_id = "exportPerson")]
    async fn export(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<ExportResponse, ApiError> {
        auth.require_admin()?;
        let access = access::person(&state, &auth.0, id.0, Action::ReadPerson, "person.export", Target::Person).await?;
        export(&state, access.person.id).await
    }

    /// Everything held about me
    ///
    /// The person themself; any other caller's role has no record of its own here (403).
    #[oai(path = "/me/export", method = "get", operation_id = "exportMe")]
    async fn export_me(&self, auth: Authenticated, state: Data<&AppState>) -> Result<ExportResponse, ApiError> {
        let person_id = auth
            .0
            .person_id
            .ok_or(ApiError::Forbidden("Only a person has a record of their own; admins use /persons/{id}/export."))?;
        let access =
            access::person(&state, &auth.0, person_id, Action::ReadPerson, "person.export", Target::Person).await?;
        export(&state, access.person.id).await
    }

    /// Erase a person
    ///
    /// Admins (APPI Art. 35). Removes the profile, placements, links, milestones and their
    /// events, custody, lapses, notes, alerts, messages not yet sent (and any kept that name
    /// the person), and the person's own account. Keeps the provision records and the audit
    /// trail, which name no one. Afterwards the person is 404 for everyone.
    #[oai(path = "/persons/:id/erasure", method = "post", operation_id = "erasePerson")]
    async fn erase(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: JsonBody<ErasureRequest>,
    ) -> Result<Json<Erased>, ApiError> {
        let principal = auth.require_admin()?;
        let entry = audit_entry(principal, "person.erase", Some(id.0), Some(id.0), Outcome::Allowed);
        let records_removed = workflow::erase_person(&state, id.0, &body.0.reason, entry).await?;
        Ok(Json(Erased { person_id: id.0, records_removed, erased_at: state.clock.now() }))
    }

    /// The retention review
    ///
    /// Admins: persons with no placement now and nothing recorded for `TSUNAGU_RETENTION_YEARS`
    /// (default 5), for a decision on erasure.
    #[oai(path = "/retention-review", method = "get", operation_id = "getRetentionReview")]
    async fn retention(&self, auth: Authenticated, state: Data<&AppState>) -> Result<Json<RetentionReview>, ApiError> {
        let principal = auth.require_admin()?;
        let now = state.clock.now();
        let since = now.checked_sub_months(Months::new(12 * state.retention_years)).unwrap_or(now);
        let idle = store::lifecycle::idle_since(&state.reads, since, now).await?;
        let ids: Vec<Uuid> = idle.iter().map(|(id, _)| *id).collect();
        let names: std::collections::HashMap<Uuid, String> =
            store::persons::find_many(&state.reads, &ids).await?.into_iter().map(|p| (p.id, p.display_name)).collect();
        let entries = access::list_entries(principal, "retention.review", ids.iter().copied());
        state.audit.record(entries, now).await?;
        let items = idle
            .into_iter()
            .map(|(person_id, last_activity_at)| IdlePerson {
                person_id,
                display_name: names.get(&person_id).cloned().unwrap_or_default(),
                last_activity_at,
            })
            .collect();
        Ok(Json(RetentionReview { years: state.retention_years, items }))
    }
}
