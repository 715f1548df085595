use chrono::{DateTime, Utc};
use entity::organization;
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    payload::Json,
    ApiResponse, Object, OpenApi,
};
use uuid::Uuid;

use super::{
    pagination::page_request,
    types::{stored, stored_zone, ApiOrganizationKind},
    ApiTags, Authenticated,
};
use crate::{
    domain::{DisplayName, OrganizationKind, Refusals, Zone},
    http::{ApiError, JsonBody},
    state::AppState,
    store::{
        self,
        organizations::{NewOrganization, OrganizationChanges},
    },
    workflow,
};

/// A new organisation.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct OrganizationCreate {
    pub kind: ApiOrganizationKind,
    /// 1 to 100 characters.
    pub name: String,
    /// IANA time zone; `Asia/Tokyo` when left out.
    pub timezone: Option<String>,
}

/// Changes to an organisation; fields left out stay as they are.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct OrganizationPatch {
    pub name: Option<String>,
    pub timezone: Option<String>,
}

#[derive(Debug, Object)]
pub struct Organization {
    pub id: Uuid,
    pub kind: ApiOrganizationKind,
    pub name: String,
    pub timezone: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
pub struct OrganizationPage {
    pub items: Vec<Organization>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<Uuid>,
}

impl TryFrom<organization::Model> for Organization {
    type Error = ApiError;

    fn try_from(row: organization::Model) -> Result<Self, ApiError> {
        stored_zone(row.id, &row.timezone)?;
        Ok(Self {
            id: row.id,
            kind: stored::<OrganizationKind>("organisation kind", row.id, &row.kind)?.into(),
            name: row.name,
            timezone: row.timezone,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(ApiResponse)]
pub enum CreateOrganizationResponse {
    /// The organisation was created.
    #[oai(status = 201)]
    Created(Json<Organization>, #[oai(header = "Location")] String),
}

pub struct OrganizationsApi;

#[OpenApi(tag = "ApiTags::Organizations")]
impl OrganizationsApi {
    /// Create an organisation
    ///
    /// Admins only.
    #[oai(path = "/organizations", method = "post", operation_id = "createOrganization")]
    async fn create(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        body: JsonBody<OrganizationCreate>,
    ) -> Result<CreateOrganizationResponse, ApiError> {
        auth.require_admin()?;
        let body = body.0;
        let mut errors = Refusals::default();
        let name = errors.check("name", DisplayName::parse(&body.name));
        let zone = errors.check("timezone", body.timezone.as_deref().map(str::parse::<Zone>).transpose());
        let (Some(name), Some(zone)) = (name, zone) else { return Err(errors.into()) };
        let new = NewOrganization { kind: body.kind.into(), name, zone: zone.unwrap_or_default() };
        let row = workflow::create_organization(&state, new).await?;
        let location = format!("{}/organizations/{}", super::BASE_PATH, row.id);
        Ok(CreateOrganizationResponse::Created(Json(row.try_into()?), location))
    }

    /// List organisations
    ///
    /// Admins only. Oldest first, `limit` (1–200, default 50) per page.
    #[oai(path = "/organizations", method = "get", operation_id = "listOrganizations")]
    async fn list(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        cursor: Query<Option<Uuid>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<u64>>,
    ) -> Result<Json<OrganizationPage>, ApiError> {
        auth.require_admin()?;
        let page = store::organizations::list(&state.db, page_request(cursor, limit)).await?;
        Ok(Json(OrganizationPage {
            items: page.items.into_iter().map(Organization::try_from).collect::<Result<_, _>>()?,
            next_cursor: page.next_cursor,
        }))
    }

    /// Get an organisation
    ///
    /// Admins only.
    #[oai(path = "/organizations/:id", method = "get", operation_id = "getOrganization")]
    async fn get(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<Json<Organization>, ApiError> {
        auth.require_admin()?;
        let row = store::organizations::find(&state.db, id.0).await?.ok_or(ApiError::NotFound)?;
        Ok(Json(row.try_into()?))
    }

    /// Change an organisation
    ///
    /// Admins only. The kind of an organisation does not change.
    #[oai(path = "/organizations/:id", method = "patch", operation_id = "updateOrganization")]
    async fn update(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: JsonBody<OrganizationPatch>,
    ) -> Result<Json<Organization>, ApiError> {
        auth.require_admin()?;
        let body = body.0;
        let mut errors = Refusals::default();
        let name = errors.check("name", body.name.as_deref().map(DisplayName::parse).transpose());
        let zone = errors.check("timezone", body.timezone.as_deref().map(str::parse::<Zone>).transpose());
        let (Some(name), Some(zone)) = (name, zone) else { return Err(errors.into()) };
        let row = workflow::update_organization(&state, id.0, OrganizationChanges { name, zone }).await?;
        Ok(Json(row.try_into()?))
    }
}
