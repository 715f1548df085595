use crate::entity::lapse;
use chrono::{DateTime, NaiveDate, Utc};
use poem::web::Data;
use poem_openapi::{param::Path, payload::Json, ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::{ApiTags, Authenticated};
use crate::{
    access::{self, Target},
    domain::{access::Action, Note, Refusals, ScopeKind},
    http::{ApiError, JsonBody},
    state::AppState,
    store,
    workflow::{self, actor},
};

/// A lapse (再使用). Recovery goes forward with relapse: recording one closes nothing and
/// resets nothing; it marks a time when staying connected matters most.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct LapseCreate {
    pub on: NaiveDate,
    /// Up to 2000 characters; seen only by those the person consented to share lapses with.
    pub note: Option<String>,
}

#[derive(Debug, Object)]
pub struct Lapse {
    pub id: Uuid,
    pub person_id: Uuid,
    pub on: NaiveDate,
    pub note: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
pub struct LapseList {
    pub items: Vec<Lapse>,
}

fn view(row: lapse::Model) -> Lapse {
    Lapse { id: row.id, person_id: row.person_id, on: row.on, note: row.note, recorded_at: row.recorded_at }
}

#[derive(ApiResponse)]
pub enum RecordLapseResponse {
    /// Recorded. Nothing else changed.
    #[oai(status = 201)]
    Created(Json<Lapse>),
}

pub struct LapsesApi;

#[OpenApi(tag = "ApiTags::Milestones")]
impl LapsesApi {
    /// Record a lapse
    ///
    /// Admins and the person's facility. Closes nothing and resets nothing: programmes, links
    /// and milestones stay as they are.
    #[oai(path = "/persons/:id/lapses", method = "post", operation_id = "recordLapse")]
    async fn record(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: JsonBody<LapseCreate>,
    ) -> Result<RecordLapseResponse, ApiError> {
        let target = Target::Kind(ScopeKind::Lapse);
        let access = access::person(&state, &auth.0, id.0, Action::RecordMilestones, "lapse.record", target).await?;
        let body = body.0;
        let note = body.note.as_deref().map(Note::parse).transpose().map_err(|why| Refusals::one("note", why))?;
        let row =
            workflow::record_lapse(&state, access.person.id, access.zone()?, body.on, note.flatten(), &actor(&auth.0))
                .await?;
        Ok(RecordLapseResponse::Created(Json(view(row))))
    }

    /// List lapses
    ///
    /// Only for those whose consent scope names `lapse`; anyone else gets 404.
    #[oai(path = "/persons/:id/lapses", method = "get", operation_id = "listLapses")]
    async fn list(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<Json<LapseList>, ApiError> {
        let target = Target::Kind(ScopeKind::Lapse);
        let access = access::person(&state, &auth.0, id.0, Action::ReadPerson, "lapse.list", target).await?;
        let rows = store::lapses::list_for_person(&state.db, access.person.id).await?;
        Ok(Json(LapseList { items: rows.into_iter().map(view).collect() }))
    }
}
