//! A facility's spreadsheet of residents: checked whole and shown (nothing stored), then
//! confirmed (every new row stored in one transaction).

use chrono::{DateTime, NaiveDate, Utc};
use poem::web::Data;
use poem_openapi::{param::Path, payload::Json, ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::{ApiTags, Authenticated};
use crate::{
    access::{self, audit_entry},
    domain::milestones::NewMilestone,
    http::{ApiError, CsvBody},
    state::AppState,
    store::{audit::Outcome, milestones::Actor},
    workflow::{self, Preview},
};

/// One row of the file that may be stored.
#[derive(Debug, Object)]
pub struct ImportRowView {
    /// The row's line in the file; the heading is row 1.
    pub row: u32,
    /// `create`, or `exists` when the resident is at the organisation already (the same
    /// `external_id`, or with none the same name and date of birth): never created twice.
    pub status: String,
    pub external_id: Option<String>,
    pub display_name: String,
    pub birth_date: Option<NaiveDate>,
    pub placement_start_on: NaiveDate,
    pub placement_end_on: Option<NaiveDate>,
    /// The milestones the row starts: `bail`, `release`, `program_enrollment`.
    pub milestones: Vec<String>,
}

/// A cell refused, and why.
#[derive(Debug, Object)]
pub struct ImportRefusal {
    pub row: u32,
    /// The column's key (`display_name`, …), or on row 1 the heading as written.
    pub column: String,
    pub reason: String,
}

/// A checked file: nothing is stored until it is confirmed.
#[derive(Debug, Object)]
pub struct ImportPreview {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub rows: Vec<ImportRowView>,
    pub refused: Vec<ImportRefusal>,
    /// Confirm before this, or check the file again.
    pub expires_at: DateTime<Utc>,
}

/// What a confirmation stored.
#[derive(Debug, Object)]
pub struct ImportResult {
    pub id: Uuid,
    /// The persons created, in the file's order.
    pub created: Vec<Uuid>,
}

#[derive(ApiResponse)]
pub enum CheckImportResponse {
    /// The file was read and checked; nothing was stored.
    #[oai(status = 200)]
    Checked(Json<ImportPreview>),
}

#[derive(ApiResponse)]
pub enum ConfirmImportResponse {
    /// Every new row was stored.
    #[oai(status = 201)]
    Created(Json<ImportResult>),
    /// The file was confirmed before: what that confirmation stored, and nothing more.
    #[oai(status = 200)]
    AlreadyConfirmed(Json<ImportResult>),
}

fn kind_of(new: &NewMilestone) -> &'static str {
    match new {
        NewMilestone::Bail { .. } => "bail",
        NewMilestone::Release { .. } => "release",
        NewMilestone::Program { .. } => "program_enrollment",
        NewMilestone::Handoff { .. } => "handoff",
    }
}

fn number(row: usize) -> u32 {
    u32::try_from(row).unwrap_or(u32::MAX)
}

pub(crate) fn view(preview: Preview) -> ImportPreview {
    let rows = preview
        .sheet
        .rows
        .into_iter()
        .map(|row| ImportRowView {
            status: if preview.existing.contains(&row.row) { "exists" } else { "create" }.to_owned(),
            row: number(row.row),
            external_id: row.external_id,
            display_name: row.display_name.into_inner(),
            birth_date: row.birth_date,
            placement_start_on: row.placement_start_on,
            placement_end_on: row.placement_end_on,
            milestones: row.milestones.iter().map(|new| kind_of(new).to_owned()).collect(),
        })
        .collect();
    let refused = preview
        .sheet
        .refused
        .into_iter()
        .map(|cell| ImportRefusal { row: number(cell.row), column: cell.column, reason: cell.why.to_string() })
        .collect();
    ImportPreview {
        id: preview.import.id,
        organization_id: preview.import.organization_id,
        rows,
        refused,
        expires_at: preview.import.expires_at,
    }
}

pub struct ImportsApi;

#[OpenApi(tag = "ApiTags::Persons")]
impl ImportsApi {
    /// Check a spreadsheet of residents
    ///
    /// Admins, and staff of the organisation. A CSV file (UTF-8 with or without a BOM, or
    /// Shift_JIS) with a heading row naming its columns: `display_name` and
    /// `placement_start_on` (required), `placement_end_on`, `external_id`, `birth_date`, `bail_requested_on`,
    /// `release_scheduled_on`, `release_type`, `supervision_ends_on`, `program`,
    /// `program_referred_on` and `note` (ignored); a heading may be the Japanese one of the
    /// template, or either with the key in brackets. Nothing is stored but the file itself,
    /// for 24 hours, until it is confirmed.
    #[oai(path = "/organizations/:id/imports", method = "post", operation_id = "checkImport")]
    async fn check(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: CsvBody,
    ) -> Result<CheckImportResponse, ApiError> {
        let organization = access::organization_roll(&state, &auth.0, id.0, "import.check").await?;
        let preview = workflow::check_import(&state, &organization, &body.0, auth.0.actor_id()).await?;
        Ok(CheckImportResponse::Checked(Json(view(preview))))
    }

    /// Store a checked spreadsheet
    ///
    /// Every row not at the organisation already becomes a resident with a placement from
    /// its day and its milestones, all in one transaction. 409 while any cell is refused;
    /// a second confirmation stores nothing more and answers what the first stored.
    #[oai(path = "/imports/:id/confirm", method = "post", operation_id = "confirmImport")]
    async fn confirm(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<ConfirmImportResponse, ApiError> {
        let import = workflow::find_import(&state, id.0).await?.ok_or(ApiError::NotFound)?;
        access::organization_roll(&state, &auth.0, import.organization_id, "import.confirm").await?;
        let principal = &auth.0;
        let actor = Actor { id: principal.actor_id(), role: principal.role.as_str().to_owned() };
        let audit = |person_id| audit_entry(principal, "person.create", Some(person_id), Some(id.0), Outcome::Allowed);
        let confirmed = workflow::confirm_import(&state, import, &actor, audit).await?;
        let result = ImportResult { id: id.0, created: confirmed.created };
        Ok(if confirmed.already {
            ConfirmImportResponse::AlreadyConfirmed(Json(result))
        } else {
            ConfirmImportResponse::Created(Json(result))
        })
    }
}
