use crate::entity::person;
use chrono::{DateTime, NaiveDate, Utc};
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    payload::Json,
    types::MaybeUndefined,
    ApiResponse, Object, OpenApi,
};
use uuid::Uuid;

use super::{pagination::page_request, types::ApiLanguage, ApiTags, Authenticated};
use crate::{
    access::{self, audit_entry, Target},
    domain::{
        access::{list_visibility, Action},
        parse_birth_date, DisplayName, Invalid, Language, PartyRole, Refusals, Zone,
    },
    http::{ApiError, JsonBody},
    state::AppState,
    store::{
        self,
        audit::Outcome,
        persons::{NewPerson, PersonChanges},
    },
    workflow,
};

/// A new person (本人). Keep it to what the support needs.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct PersonCreate {
    /// 1 to 100 characters; a name the person is comfortable being called by.
    pub display_name: String,
    pub birth_date: Option<NaiveDate>,
    /// `ja` when left out.
    pub language: Option<ApiLanguage>,
    /// IANA time zone; `Asia/Tokyo` when left out. The person's dates are local dates of this zone.
    pub timezone: Option<String>,
    /// Place the person at this organisation from today. Staff may leave it out (their own
    /// organisation is used) or give their own; admins may give any or none.
    pub organization_id: Option<Uuid>,
}

/// Changes to a person; fields left out stay as they are, `birth_date: null` clears it.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct PersonPatch {
    pub display_name: Option<String>,
    pub birth_date: MaybeUndefined<NaiveDate>,
    pub language: Option<ApiLanguage>,
    pub timezone: Option<String>,
}

#[derive(Debug, Object)]
pub struct Person {
    pub id: Uuid,
    pub display_name: String,
    pub birth_date: Option<NaiveDate>,
    pub language: ApiLanguage,
    pub timezone: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
pub struct PersonPage {
    pub items: Vec<Person>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<Uuid>,
}

impl TryFrom<person::Model> for Person {
    type Error = ApiError;

    fn try_from(row: person::Model) -> Result<Self, ApiError> {
        Ok(Self {
            id: row.id,
            display_name: row.display_name,
            birth_date: row.birth_date,
            language: row.language.into(),
            timezone: row.timezone.to_string(),
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(ApiResponse)]
pub enum CreatePersonResponse {
    /// The person was created.
    #[oai(status = 201)]
    Created(Json<Person>, #[oai(header = "Location")] String),
}

pub struct PersonsApi;

#[OpenApi(tag = "ApiTags::Persons")]
impl PersonsApi {
    /// Record a person
    ///
    /// Admins, and staff for their own organisation: a person recorded by staff is placed at
    /// the staff member's organisation from today.
    #[oai(path = "/persons", method = "post", operation_id = "createPerson")]
    async fn create(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        body: JsonBody<PersonCreate>,
    ) -> Result<CreatePersonResponse, ApiError> {
        let principal = &auth.0;
        let placement_at = match principal.role {
            PartyRole::Admin => body.0.organization_id,
            PartyRole::Staff => match (principal.organization_id, body.0.organization_id) {
                (Some(own), None) => Some(own),
                (Some(own), Some(given)) if given == own => Some(own),
                (Some(_), Some(_)) => {
                    return Err(ApiError::Forbidden("Staff record persons for their own organisation."))
                }
                (None, _) => return Err(ApiError::Forbidden("Only staff of an organisation may record persons.")),
            },
            _ => return Err(ApiError::Forbidden("Only admins and facility staff may record persons.")),
        };
        let body = body.0;
        let mut errors = Refusals::default();
        let display_name = errors.check("display_name", DisplayName::parse(&body.display_name));
        let zone = errors.check("timezone", body.timezone.as_deref().map(str::parse::<Zone>).transpose());
        if let Some(org) = body.organization_id {
            if store::organizations::find(&state.db, org).await?.is_none() {
                errors.push("organization_id", Invalid::new("no such organisation"));
            }
        }
        let (Some(display_name), Some(zone)) = (display_name, zone) else { return Err(errors.into()) };
        let zone = zone.unwrap_or_default();
        let today = state.today_in(zone);
        let birth_date = body.birth_date.map(|date| parse_birth_date(date, today)).transpose();
        let Some(birth_date) = errors.check("birth_date", birth_date) else { return Err(errors.into()) };
        errors.into_result()?;

        let new = NewPerson {
            display_name,
            birth_date,
            language: body.language.map(Language::from).unwrap_or_default(),
            zone,
        };
        let entry = audit_entry(principal, "person.create", None, None, Outcome::Allowed);
        let row = workflow::create_person(&state, new, placement_at, entry).await?;
        let location = format!("{}/persons/{}", super::BASE_PATH, row.id);
        Ok(CreatePersonResponse::Created(Json(row.try_into()?), location))
    }

    /// List the persons you may see
    ///
    /// Admins see everyone; staff the persons placed at their organisation today; lawyers,
    /// family and probation the persons they hold an active link to; a person themself.
    /// Oldest first, `limit` (1–200, default 50) per page.
    #[oai(path = "/persons", method = "get", operation_id = "listPersons")]
    async fn list(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        cursor: Query<Option<Uuid>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<u64>>,
    ) -> Result<Json<PersonPage>, ApiError> {
        let principal = &auth.0;
        let now = state.clock.now();
        let visibility = list_visibility(&principal.caller());
        let page = workflow::visible_persons(&state, visibility, page_request(cursor, limit)).await?;
        let entries = access::list_entries(principal, "person.list", page.items.iter().map(|person| person.id));
        state.audit.record(entries, now).await?;
        Ok(Json(PersonPage {
            items: page.items.into_iter().map(Person::try_from).collect::<Result<_, _>>()?,
            next_cursor: page.next_cursor,
        }))
    }

    /// Get a person
    ///
    /// Anyone who may see the person. Anyone else gets 404, as for an id that does not exist.
    #[oai(path = "/persons/:id", method = "get", operation_id = "getPerson")]
    async fn get(&self, auth: Authenticated, state: Data<&AppState>, id: Path<Uuid>) -> Result<Json<Person>, ApiError> {
        let access = access::person(&state, &auth.0, id.0, Action::ReadPerson, "person.read", Target::Person).await?;
        Ok(Json(access.person.try_into()?))
    }

    /// Change a person
    ///
    /// Admins and the staff of the person's facility.
    #[oai(path = "/persons/:id", method = "patch", operation_id = "updatePerson")]
    async fn update(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: JsonBody<PersonPatch>,
    ) -> Result<Json<Person>, ApiError> {
        let access =
            access::person(&state, &auth.0, id.0, Action::UpdatePerson, "person.update", Target::Person).await?;
        let existing = access.person;
        let body = body.0;
        let mut errors = Refusals::default();
        let display_name =
            errors.check("display_name", body.display_name.as_deref().map(DisplayName::parse).transpose());
        let zone = errors.check("timezone", body.timezone.as_deref().map(str::parse::<Zone>).transpose());
        let (Some(display_name), Some(zone)) = (display_name, zone) else { return Err(errors.into()) };
        let today = state.today_in(zone.unwrap_or(existing.timezone));
        let birth_date = match body.birth_date {
            MaybeUndefined::Undefined => Ok(None),
            MaybeUndefined::Null => Ok(Some(None)),
            MaybeUndefined::Value(date) => parse_birth_date(date, today).map(|date| Some(Some(date))),
        };
        let Some(birth_date) = errors.check("birth_date", birth_date) else { return Err(errors.into()) };
        let changes = PersonChanges { display_name, birth_date, language: body.language.map(Language::from), zone };
        let row = workflow::update_person(&state, existing.id, changes).await?;
        Ok(Json(row.try_into()?))
    }
}
