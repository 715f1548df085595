use crate::entity::placement;
use chrono::{DateTime, NaiveDate, Utc};
use poem::web::Data;
use poem_openapi::{param::Path, payload::Json, types::MaybeUndefined, ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::{ApiTags, Authenticated};
use crate::{
    access::{self, Target},
    domain::access::Action,
    http::{ApiError, JsonBody},
    state::AppState,
    store::{self, placements::NewPlacement},
    workflow,
};

/// A new placement: the person is resident at, or registered with, an organisation.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct PlacementCreate {
    pub organization_id: Uuid,
    /// First day, a local date of the person's zone.
    pub start_on: NaiveDate,
    /// Last day, if known.
    pub end_on: Option<NaiveDate>,
}

/// Ends a placement (or reopens it with `end_on: null`).
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct PlacementPatch {
    pub end_on: MaybeUndefined<NaiveDate>,
}

#[derive(Debug, Object)]
pub struct Placement {
    pub id: Uuid,
    pub person_id: Uuid,
    pub organization_id: Uuid,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
    /// Whether the placement is in force now.
    pub current: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
pub struct PlacementList {
    pub items: Vec<Placement>,
}

fn view(row: placement::Model, now: DateTime<Utc>) -> Placement {
    Placement {
        current: store::placements::is_current(&row, now),
        id: row.id,
        person_id: row.person_id,
        organization_id: row.organization_id,
        start_on: row.start_on,
        end_on: row.end_on,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

#[derive(ApiResponse)]
pub enum CreatePlacementResponse {
    /// The placement was recorded.
    #[oai(status = 201)]
    Created(Json<Placement>),
}

pub struct PlacementsApi;

#[OpenApi(tag = "ApiTags::Persons")]
impl PlacementsApi {
    /// Place a person at an organisation
    ///
    /// Admins and the staff of the person's facility.
    #[oai(path = "/persons/:id/placements", method = "post", operation_id = "createPlacement")]
    async fn create(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: JsonBody<PlacementCreate>,
    ) -> Result<CreatePlacementResponse, ApiError> {
        let access =
            access::person(&state, &auth.0, id.0, Action::ManagePlacements, "placement.create", Target::Person).await?;
        let body = body.0;
        let new = NewPlacement {
            person_id: access.person.id,
            organization_id: body.organization_id,
            start_on: body.start_on,
            end_on: body.end_on,
            external_id: None,
        };
        let row = workflow::add_placement(&state, new, access.zone()?).await?;
        let now = state.clock.now();
        Ok(CreatePlacementResponse::Created(Json(view(row, now))))
    }

    /// List a person's placements
    ///
    /// Anyone who may see the person.
    #[oai(path = "/persons/:id/placements", method = "get", operation_id = "listPlacements")]
    async fn list(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<Json<PlacementList>, ApiError> {
        let access =
            access::person(&state, &auth.0, id.0, Action::ReadPlacements, "placement.list", Target::Person).await?;
        let now = state.clock.now();
        let rows = store::placements::list_for_person(&state.db, access.person.id).await?;
        Ok(Json(PlacementList { items: rows.into_iter().map(|row| view(row, now)).collect() }))
    }

    /// End a placement
    ///
    /// Admins and the staff of the person's facility.
    #[oai(path = "/persons/:id/placements/:placement_id", method = "patch", operation_id = "updatePlacement")]
    async fn update(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        placement_id: Path<Uuid>,
        body: JsonBody<PlacementPatch>,
    ) -> Result<Json<Placement>, ApiError> {
        let access =
            access::person(&state, &auth.0, id.0, Action::ManagePlacements, "placement.update", Target::Person).await?;
        let end_on = match body.0.end_on {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(date) => Some(Some(date)),
        };
        let row = workflow::change_placement(&state, access.person.id, placement_id.0, end_on, access.zone()?).await?;
        let now = state.clock.now();
        Ok(Json(view(row, now)))
    }
}
