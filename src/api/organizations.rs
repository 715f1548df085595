use crate::entity::organization;
use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    payload::Json,
    ApiResponse, Object, OpenApi,
};
use uuid::Uuid;

use super::{pagination::page_request, types::ApiOrganizationKind, ApiTags, Authenticated};
use crate::{
    domain::{
        organization::{parse_phone, Reach, AREA_CHARS, HELPS_WITH_CHARS, HOURS_CHARS},
        DisplayName, Note, Refusals, Zone,
    },
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
    /// A number anyone may call (`03-1234-5678` is read as Japanese; kept in E.164).
    pub phone: Option<String>,
    /// Opening hours as the organisation writes them (at most 200 characters).
    pub hours: Option<String>,
    /// What it helps with (at most 500 characters): families read it on their page.
    pub helps_with: Option<String>,
    /// The area it serves, such as a prefecture (at most 100 characters): a consultation
    /// window, law office or medical service is shown to families of persons placed at a
    /// facility of the same area; one without an area, to everyone.
    pub area: Option<String>,
}

/// Changes to an organisation; fields left out stay as they are, and an empty text clears
/// `phone`, `hours`, `helps_with` or `area`.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct OrganizationPatch {
    pub name: Option<String>,
    pub timezone: Option<String>,
    pub phone: Option<String>,
    pub hours: Option<String>,
    pub helps_with: Option<String>,
    pub area: Option<String>,
}

#[derive(Debug, Object)]
pub struct Organization {
    pub id: Uuid,
    pub kind: ApiOrganizationKind,
    pub name: String,
    pub timezone: String,
    /// E.164.
    pub phone: Option<String>,
    pub hours: Option<String>,
    pub helps_with: Option<String>,
    pub area: Option<String>,
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
        Ok(Self {
            id: row.id,
            kind: row.kind.into(),
            name: row.name,
            timezone: row.timezone.to_string(),
            phone: row.phone,
            hours: row.hours,
            helps_with: row.helps_with,
            area: row.area,
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

/// The contact fields as sent: each left out (`None`), cleared (empty text) or set.
struct ReachFields {
    phone: Option<String>,
    hours: Option<String>,
    helps_with: Option<String>,
    area: Option<String>,
}

/// Each field parsed: `None` left out, `Some(None)` cleared, `Some(Some(_))` set.
struct ParsedReach {
    phone: Option<Option<String>>,
    hours: Option<Option<Note>>,
    helps_with: Option<Option<Note>>,
    area: Option<Option<Note>>,
}

impl ReachFields {
    fn parse(self, errors: &mut Refusals) -> Option<ParsedReach> {
        let text = |raw: Option<String>, limit| raw.map(|raw| Note::parse_at_most(&raw, limit)).transpose();
        let phone = errors.check("phone", self.phone.map(|raw| parse_phone(&raw)).transpose());
        let hours = errors.check("hours", text(self.hours, HOURS_CHARS));
        let helps_with = errors.check("helps_with", text(self.helps_with, HELPS_WITH_CHARS));
        let area = errors.check("area", text(self.area, AREA_CHARS));
        Some(ParsedReach { phone: phone?, hours: hours?, helps_with: helps_with?, area: area? })
    }
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
        let reach = ReachFields { phone: body.phone, hours: body.hours, helps_with: body.helps_with, area: body.area }
            .parse(&mut errors);
        let (Some(name), Some(zone), Some(reach)) = (name, zone, reach) else { return Err(errors.into()) };
        let reach = Reach {
            phone: reach.phone.flatten(),
            hours: reach.hours.flatten(),
            helps_with: reach.helps_with.flatten(),
            area: reach.area.flatten(),
        };
        let new = NewOrganization { kind: body.kind.into(), name, zone: zone.unwrap_or_default(), reach };
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
        let reach = ReachFields { phone: body.phone, hours: body.hours, helps_with: body.helps_with, area: body.area }
            .parse(&mut errors);
        let (Some(name), Some(zone), Some(reach)) = (name, zone, reach) else { return Err(errors.into()) };
        let changes = OrganizationChanges {
            name,
            zone,
            phone: reach.phone,
            hours: reach.hours,
            helps_with: reach.helps_with,
            area: reach.area,
        };
        let row = workflow::update_organization(&state, id.0, changes).await?;
        Ok(Json(row.try_into()?))
    }
}
