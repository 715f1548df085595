use crate::entity::provision_record;
use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    param::Query,
    payload::{Json, PlainText},
    ApiResponse, Object, OpenApi,
};
use uuid::Uuid;

use super::{pagination::page_request, ApiTags, Authenticated};
use crate::{
    access::audit_entry,
    http::ApiError,
    state::AppState,
    store::{self, audit::Outcome},
};

/// One provision of a person's data to a third party.
#[derive(Debug, Object)]
pub struct ProvisionRecord {
    pub id: Uuid,
    pub person_id: Uuid,
    /// `inbox`, `webhook` or `calendar_feed`.
    pub channel: String,
    /// Who received it: a party id, or a webhook subscription.
    pub recipient: String,
    pub recipient_party_id: Option<Uuid>,
    /// What was provided.
    pub items: String,
    /// `link_consent` or `facility_care`.
    pub basis: String,
    pub link_id: Option<Uuid>,
    /// The consent decision in force at the time (see `GET /links/{id}/consents`).
    pub consent_record_id: Option<Uuid>,
    pub source_id: Option<Uuid>,
    pub provided_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
pub struct ProvisionPage {
    pub items: Vec<ProvisionRecord>,
    pub next_cursor: Option<Uuid>,
}

fn view(row: provision_record::Model) -> ProvisionRecord {
    ProvisionRecord {
        id: row.id,
        person_id: row.person_id,
        channel: row.channel,
        recipient: row.recipient,
        recipient_party_id: row.recipient_party_id,
        items: row.items,
        basis: row.basis,
        link_id: row.link_id,
        consent_record_id: row.consent_record_id,
        source_id: row.source_id,
        provided_at: row.provided_at,
    }
}

#[derive(ApiResponse)]
pub enum CsvExport {
    /// One row per provision, oldest first, with a header row.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Csv(PlainText<String>, #[oai(header = "Content-Disposition")] String),
}

fn csv_of(rows: Vec<provision_record::Model>) -> Result<String, ApiError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let internal = |err: csv::Error| ApiError::Internal(format!("cannot write CSV: {err}"));
    writer
        .write_record([
            "provided_at",
            "person_id",
            "channel",
            "recipient",
            "recipient_party_id",
            "items",
            "basis",
            "link_id",
            "consent_record_id",
            "source_id",
        ])
        .map_err(internal)?;
    let text = |value: Option<Uuid>| value.map(|id| id.to_string()).unwrap_or_default();
    for row in rows {
        writer
            .write_record([
                row.provided_at.to_rfc3339(),
                row.person_id.to_string(),
                row.channel,
                row.recipient,
                text(row.recipient_party_id),
                row.items,
                row.basis,
                text(row.link_id),
                text(row.consent_record_id),
                text(row.source_id),
            ])
            .map_err(internal)?;
    }
    let bytes = writer.into_inner().map_err(|err| ApiError::Internal(format!("cannot write CSV: {err}")))?;
    String::from_utf8(bytes).map_err(|err| ApiError::Internal(format!("CSV is not UTF-8: {err}")))
}

pub struct ProvisionsApi;

#[OpenApi(tag = "ApiTags::Audit")]
impl ProvisionsApi {
    /// Provision records of a person
    ///
    /// Admins only: every provision of the person's data to a third party, oldest first.
    #[oai(path = "/provision-records", method = "get", operation_id = "listProvisionRecords")]
    async fn list(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        person_id: Query<Uuid>,
        cursor: Query<Option<Uuid>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<u64>>,
    ) -> Result<Json<ProvisionPage>, ApiError> {
        let principal = auth.require_admin()?;
        let entry = audit_entry(principal, "provision.list", Some(person_id.0), None, Outcome::Allowed);
        state.audit.record(vec![entry], state.clock.now()).await?;
        let page = store::provisions::list_for_person(&state.db, person_id.0, page_request(cursor, limit)).await?;
        Ok(Json(ProvisionPage { items: page.items.into_iter().map(view).collect(), next_cursor: page.next_cursor }))
    }

    /// Export a person's provision records as CSV
    ///
    /// Admins only: the same records as the list, every one, for an answer to the person or a
    /// regulator.
    #[oai(path = "/provision-records/export", method = "get", operation_id = "exportProvisionRecords")]
    async fn export(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        person_id: Query<Uuid>,
    ) -> Result<CsvExport, ApiError> {
        let principal = auth.require_admin()?;
        let entry = audit_entry(principal, "provision.export", Some(person_id.0), None, Outcome::Allowed);
        state.audit.record(vec![entry], state.clock.now()).await?;
        let rows = store::provisions::all_for_person(&state.db, person_id.0).await?;
        let disposition = format!("attachment; filename=\"provision-records-{}.csv\"", person_id.0);
        Ok(CsvExport::Csv(PlainText(csv_of(rows)?), disposition))
    }
}
