//! A person's rights over their data: everything held about them (APPI Art. 33), erasure
//! (Art. 35); and the retention review of those idle for years.

use chrono::{DateTime, Utc};
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
    /// The latest day of their record: a placement's end, a milestone's dates, a lapse, the
    /// end of custody (or the day they were entered, for a record with no date).
    pub last_activity_on: chrono::NaiveDate,
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
        let idle = workflow::retention_review(&state, |ids| {
            access::list_entries(principal, "retention.review", ids.iter().copied())
        })
        .await?;
        let items = idle
            .into_iter()
            .map(|idle| IdlePerson {
                person_id: idle.person_id,
                display_name: idle.display_name,
                last_activity_on: idle.last_on,
            })
            .collect();
        Ok(Json(RetentionReview { years: state.retention_years, items }))
    }
}
