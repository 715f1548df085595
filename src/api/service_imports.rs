//! Files of services for the directory: an 「イベント一覧」 CSV of sessions, or another
//! directory's HSDS 3.0 export. Checked whole and shown (nothing stored), then confirmed.

use chrono::{DateTime, NaiveDate, Utc};
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    payload::Json,
    ApiResponse, Object, OpenApi,
};
use uuid::Uuid;

use super::{types::ApiServiceKind, ApiTags, Authenticated};
use crate::{
    access,
    http::{ApiError, CsvBody, JsonBody},
    state::AppState,
    workflow::services::{self as directory, ServiceImportPreview, Source},
};

#[derive(Debug, Object)]
pub struct PlannedServiceView {
    /// The first row (CSV, the heading is row 1) or entry (HSDS, from 1) that names it.
    pub row: u32,
    pub name: String,
    /// `create`, or `exists` when the organisation has a service of this name: it gets the
    /// file's new sessions and is otherwise left as it is.
    pub status: String,
    pub service_id: Option<Uuid>,
    pub schedules: u32,
}

#[derive(Debug, Object)]
pub struct PlannedSessionView {
    pub row: u32,
    pub service_name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub capacity: Option<u32>,
    pub apply_by: Option<NaiveDate>,
    /// `create`, or `exists` when the service has a session at that start already.
    pub status: String,
}

#[derive(Debug, Object)]
pub struct ServiceImportRefusal {
    pub row: u32,
    /// The column's heading as the data set names it, or the field (`sessions[0].capacity`).
    pub column: String,
    pub reason: String,
}

/// A checked file: nothing is stored until it is confirmed.
#[derive(Debug, Object)]
pub struct ServiceImportPreviewView {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub services: Vec<PlannedServiceView>,
    pub sessions: Vec<PlannedSessionView>,
    pub refused: Vec<ServiceImportRefusal>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
pub struct ServiceImportResult {
    pub id: Uuid,
    pub services_created: Vec<Uuid>,
    pub sessions_added: u64,
}

#[derive(ApiResponse)]
pub enum CheckServiceImportResponse {
    /// The file was read and checked; nothing was stored.
    #[oai(status = 200)]
    Checked(Json<ServiceImportPreviewView>),
}

#[derive(ApiResponse)]
pub enum ConfirmServiceImportResponse {
    /// Every new service and session was stored.
    #[oai(status = 201)]
    Created(Json<ServiceImportResult>),
    /// The file was confirmed before: what that confirmation stored, and nothing more.
    #[oai(status = 200)]
    AlreadyConfirmed(Json<ServiceImportResult>),
}

fn number(row: usize) -> u32 {
    u32::try_from(row).unwrap_or(u32::MAX)
}

fn status(exists: bool) -> String {
    if exists { "exists" } else { "create" }.to_owned()
}

fn view(preview: ServiceImportPreview) -> ServiceImportPreviewView {
    ServiceImportPreviewView {
        id: preview.import.id,
        organization_id: preview.import.organization_id,
        services: preview
            .services
            .into_iter()
            .map(|service| PlannedServiceView {
                row: number(service.row),
                status: status(service.existing.is_some()),
                service_id: service.existing,
                name: service.name,
                schedules: number(service.schedules),
            })
            .collect(),
        sessions: preview
            .sessions
            .into_iter()
            .map(|session| PlannedSessionView {
                row: number(session.row),
                service_name: session.service_name,
                starts_at: session.starts_at,
                ends_at: session.ends_at,
                capacity: session.capacity,
                apply_by: session.apply_by,
                status: status(session.exists),
            })
            .collect(),
        refused: preview
            .refused
            .into_iter()
            .map(|cell| ServiceImportRefusal {
                row: number(cell.row),
                column: cell.column,
                reason: cell.why.to_string(),
            })
            .collect(),
        expires_at: preview.import.expires_at,
    }
}

pub struct ServiceImportsApi;

#[OpenApi(tag = "ApiTags::Organizations")]
impl ServiceImportsApi {
    /// Check an 「イベント一覧」 file of sessions
    ///
    /// Staff of the organisation, and admins. The standard data set's CSV (UTF-8 with or
    /// without a BOM, or Shift_JIS), columns found by their headings in any order: イベント名,
    /// 開始日 and 開始時間 (required), 終了時間, 場所名称, 対象者, 定員, 申込期限日 (or
    /// 申込終了日), 申込方法, 連絡先電話番号, 説明, 料金(基本); other columns are passed over.
    /// Each event name is a service: one the organisation has already gets the new sessions;
    /// a new one offers `kind` in `area`. Nothing is stored but the file, for 24 hours.
    #[oai(path = "/organizations/:id/services/imports", method = "post", operation_id = "checkServiceImport")]
    async fn check_events(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        kind: Query<ApiServiceKind>,
        area: Query<Option<String>>,
        body: CsvBody,
    ) -> Result<CheckServiceImportResponse, ApiError> {
        let seen = access::organization_services(&state, &auth.0, id.0, "service.import", false).await?;
        let preview = directory::check_service_import(
            &state,
            &seen.organization,
            Source::Events,
            &body.0,
            kind.0.into(),
            area.0,
            auth.0.actor_id(),
        )
        .await?;
        Ok(CheckServiceImportResponse::Checked(Json(view(preview))))
    }

    /// Check another directory's HSDS export
    ///
    /// Staff of the organisation, and admins. An array of HSDS 3.0 services, or a page of
    /// them (`{"contents": [...]}`): name, description, status, phones, languages,
    /// service_areas, eligibility_description, application_process, fees_description, url,
    /// assured_date and schedules (one with `count` 1 and a `dtstart` is a one-off session).
    /// New services offer `kind`, in their own area or else `area`.
    #[oai(path = "/organizations/:id/services/imports/hsds", method = "post", operation_id = "checkHsdsImport")]
    async fn check_hsds(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        kind: Query<ApiServiceKind>,
        area: Query<Option<String>>,
        body: JsonBody<serde_json::Value>,
    ) -> Result<CheckServiceImportResponse, ApiError> {
        let seen = access::organization_services(&state, &auth.0, id.0, "service.import", false).await?;
        let bytes = serde_json::to_vec(&body.0).map_err(|err| ApiError::Internal(err.to_string()))?;
        let preview = directory::check_service_import(
            &state,
            &seen.organization,
            Source::Hsds,
            &bytes,
            kind.0.into(),
            area.0,
            auth.0.actor_id(),
        )
        .await?;
        Ok(CheckServiceImportResponse::Checked(Json(view(preview))))
    }

    /// Store a checked file of services
    ///
    /// Every new service and session, in one transaction. 409 while any cell is refused; a
    /// second confirmation stores nothing more and answers what the first stored.
    #[oai(path = "/service-imports/:id/confirm", method = "post", operation_id = "confirmServiceImport")]
    async fn confirm(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<ConfirmServiceImportResponse, ApiError> {
        let import = directory::find_service_import(&state, id.0).await?.ok_or(ApiError::NotFound)?;
        access::organization_services(&state, &auth.0, import.organization_id, "service.import.confirm", false).await?;
        let done = directory::confirm_service_import(&state, import).await?;
        let result = ServiceImportResult {
            id: id.0,
            services_created: done.services_created,
            sessions_added: done.sessions_added,
        };
        Ok(if done.already {
            ConfirmServiceImportResponse::AlreadyConfirmed(Json(result))
        } else {
            ConfirmServiceImportResponse::Created(Json(result))
        })
    }
}
