use crate::entity::party;
use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    payload::Json,
    types::MaybeUndefined,
    ApiResponse, Object, OpenApi,
};
use uuid::Uuid;

use super::{
    pagination::page_request,
    types::{scope_from_api, ApiLanguage, ApiPartyRole, ApiRelationship, ApiScopeKind},
    ApiTags, Authenticated,
};
use crate::{
    access::{self, audit_entry, Target},
    auth::Principal,
    domain::{access::Action, DisplayName, Invalid, Language, PartyRole, QuietHours, Refusals, Relationship, Zone},
    http::{ApiError, JsonBody},
    state::AppState,
    store::{
        self,
        audit::Outcome,
        links::RecordedBy,
        parties::{NewParty, PartyChanges},
    },
    workflow,
};

/// Local hours in which non-critical alerts wait, e.g. 22:00–07:00.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct QuietHoursBody {
    /// `HH:MM`, local time of the party's zone.
    pub start: String,
    /// `HH:MM`; earlier than `start` when the quiet hours span midnight.
    pub end: String,
}

impl QuietHoursBody {
    fn parse(&self) -> Result<QuietHours, Invalid> {
        QuietHours::parse(&self.start, &self.end)
    }
}

/// A new party.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct PartyCreate {
    pub role: ApiPartyRole,
    /// 1 to 100 characters.
    pub display_name: String,
    /// Required for staff (any organisation) and probation (a probation office); optional for a
    /// lawyer (a law office); not allowed for family, person and admin.
    pub organization_id: Option<Uuid>,
    /// `ja` when left out.
    pub language: Option<ApiLanguage>,
    /// IANA time zone; `Asia/Tokyo` when left out.
    pub timezone: Option<String>,
    pub quiet_hours: Option<QuietHoursBody>,
    /// Required for a `person` party, and only for one: the person they are.
    pub person_id: Option<Uuid>,
    /// A link to a person made together with the party.
    pub link: Option<PartyLinkBody>,
}

/// The link a new party is created with.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct PartyLinkBody {
    pub person_id: Uuid,
    pub relationship: ApiRelationship,
    /// Left out: the relationship's default (family and lawyers never `lapse` unless named).
    pub scope: Option<Vec<ApiScopeKind>>,
    /// Last day the consent holds, a local date of the person's zone.
    pub expires_on: Option<chrono::NaiveDate>,
}

/// Changes to a party; fields left out stay as they are, `quiet_hours: null` clears them.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct PartyPatch {
    pub display_name: Option<String>,
    pub language: Option<ApiLanguage>,
    pub timezone: Option<String>,
    pub quiet_hours: MaybeUndefined<QuietHoursBody>,
    /// `true` disables the party: from the next request every token of theirs is refused (401)
    /// and nothing of theirs works; `false` enables them again. Both are audited.
    pub disabled: Option<bool>,
}

#[derive(Debug, Object)]
pub struct Party {
    pub id: Uuid,
    pub role: ApiPartyRole,
    pub display_name: String,
    pub organization_id: Option<Uuid>,
    pub language: ApiLanguage,
    pub timezone: String,
    pub quiet_hours: Option<QuietHoursBody>,
    /// For a `person` party: the person they are.
    pub person_id: Option<Uuid>,
    /// Since when the party is disabled, if it is.
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
pub struct PartyPage {
    pub items: Vec<Party>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<Uuid>,
}

impl TryFrom<party::Model> for Party {
    type Error = ApiError;

    fn try_from(row: party::Model) -> Result<Self, ApiError> {
        let quiet_hours = match (row.quiet_hours_start, row.quiet_hours_end) {
            (Some(start), Some(end)) => Some(QuietHoursBody { start, end }),
            _ => None,
        };
        Ok(Self {
            id: row.id,
            role: row.role.into(),
            display_name: row.display_name,
            organization_id: row.organization_id,
            language: row.language.into(),
            timezone: row.timezone.to_string(),
            quiet_hours,
            person_id: row.person_id,
            disabled_at: row.disabled_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(ApiResponse)]
pub enum CreatePartyResponse {
    /// The party was created; `tsunagu token --party ID` mints its token.
    #[oai(status = 201)]
    Created(Json<Party>, #[oai(header = "Location")] String),
}

async fn link_with_party(
    state: &AppState,
    principal: &Principal,
    link: PartyLinkBody,
) -> Result<workflow::LinkWithParty, ApiError> {
    let access =
        access::person(state, principal, link.person_id, Action::ManageLinks, "link.create", Target::Person).await?;
    Ok(workflow::LinkWithParty {
        person_id: access.person.id,
        zone: access.zone()?,
        relationship: Relationship::from(link.relationship),
        scope: link.scope.as_deref().map(scope_from_api),
        expires_on: link.expires_on,
        by: RecordedBy {
            subject: principal.actor_id(),
            role: principal.role,
            basis: None,
            via: principal.consent_via(),
        },
    })
}

pub struct PartiesApi;

#[OpenApi(tag = "ApiTags::Parties")]
impl PartiesApi {
    /// Create a party
    ///
    /// Admins only (staff open the accounts around their resident with `createLink`). Staff and
    /// probation parties belong to an organisation.
    #[oai(path = "/parties", method = "post", operation_id = "createParty")]
    async fn create(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        body: JsonBody<PartyCreate>,
    ) -> Result<CreatePartyResponse, ApiError> {
        auth.require_admin()?;
        let body = body.0;
        let role = PartyRole::from(body.role);
        let mut errors = Refusals::default();
        let display_name = errors.check("display_name", DisplayName::parse(&body.display_name));
        let zone = errors.check("timezone", body.timezone.as_deref().map(str::parse::<Zone>).transpose());
        let quiet_hours = errors.check("quiet_hours", body.quiet_hours.as_ref().map(QuietHoursBody::parse).transpose());
        let organization_kind = match body.organization_id {
            Some(id) => match store::organizations::find(&state.db, id).await? {
                Some(organization) => Some(organization.kind),
                None => {
                    errors.push("organization_id", Invalid::new("no such organisation"));
                    None
                }
            },
            None => None,
        };
        if body.organization_id.is_none() || organization_kind.is_some() {
            errors.check("organization_id", role.check_organization(organization_kind));
        }
        match (role, body.person_id) {
            (PartyRole::Person, None) => {
                errors.push("person_id", Invalid::new("a person party names the person it is"))
            }
            (PartyRole::Person, Some(person_id)) => {
                if store::persons::find(&state.db, person_id).await?.is_none() {
                    errors.push("person_id", Invalid::new("no such person"));
                } else if store::parties::find_for_person(&state.db, person_id).await?.is_some() {
                    return Err(ApiError::Conflict("This person already has a party.".into()));
                }
            }
            (_, Some(_)) => errors.push("person_id", Invalid::new("only a person party names a person")),
            (_, None) => {}
        }
        let (Some(display_name), Some(zone), Some(quiet_hours)) = (display_name, zone, quiet_hours) else {
            return Err(errors.into());
        };
        errors.into_result()?;
        let new = NewParty {
            person_id: body.person_id,
            role,
            display_name,
            organization_id: body.organization_id,
            opened_by_organization_id: None,
            language: body.language.map(Language::from).unwrap_or_default(),
            zone: zone.unwrap_or_default(),
            quiet_hours,
        };
        let link = match body.link {
            Some(link) => Some(link_with_party(&state, &auth.0, link).await?),
            None => None,
        };
        let row = workflow::create_party(&state, new, link).await?;
        let location = format!("{}/parties/{}", super::BASE_PATH, row.id);
        Ok(CreatePartyResponse::Created(Json(row.try_into()?), location))
    }

    /// List parties
    ///
    /// Admins only. Oldest first, `limit` (1–200, default 50) per page.
    #[oai(path = "/parties", method = "get", operation_id = "listParties")]
    async fn list(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        cursor: Query<Option<Uuid>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<u64>>,
    ) -> Result<Json<PartyPage>, ApiError> {
        auth.require_admin()?;
        let page = store::parties::list(&state.db, page_request(cursor, limit)).await?;
        Ok(Json(PartyPage {
            items: page.items.into_iter().map(Party::try_from).collect::<Result<_, _>>()?,
            next_cursor: page.next_cursor,
        }))
    }

    /// Get a party
    ///
    /// Admins only.
    #[oai(path = "/parties/:id", method = "get", operation_id = "getParty")]
    async fn get(&self, auth: Authenticated, state: Data<&AppState>, id: Path<Uuid>) -> Result<Json<Party>, ApiError> {
        auth.require_admin()?;
        let row = store::parties::find(&state.db, id.0).await?.ok_or(ApiError::NotFound)?;
        Ok(Json(row.try_into()?))
    }

    /// Change a party
    ///
    /// Admins only. A party's role and organisation do not change; create a new party instead.
    #[oai(path = "/parties/:id", method = "patch", operation_id = "updateParty")]
    async fn update(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: JsonBody<PartyPatch>,
    ) -> Result<Json<Party>, ApiError> {
        auth.require_admin()?;
        let body = body.0;
        let mut errors = Refusals::default();
        let display_name =
            errors.check("display_name", body.display_name.as_deref().map(DisplayName::parse).transpose());
        let zone = errors.check("timezone", body.timezone.as_deref().map(str::parse::<Zone>).transpose());
        let quiet_hours = errors.check(
            "quiet_hours",
            match &body.quiet_hours {
                MaybeUndefined::Undefined => Ok(None),
                MaybeUndefined::Null => Ok(Some(None)),
                MaybeUndefined::Value(quiet) => quiet.parse().map(|quiet| Some(Some(quiet))),
            },
        );
        let (Some(display_name), Some(zone), Some(quiet_hours)) = (display_name, zone, quiet_hours) else {
            return Err(errors.into());
        };
        let changes = PartyChanges {
            display_name,
            language: body.language.map(Language::from),
            zone,
            quiet_hours,
            disabled: body.disabled,
        };
        let audit = body.disabled.map(|disabled| {
            let action = if disabled { "party.disable" } else { "party.enable" };
            audit_entry(&auth.0, action, None, Some(id.0), Outcome::Allowed)
        });
        let row = workflow::update_party(&state, id.0, changes, audit).await?;
        Ok(Json(row.try_into()?))
    }
}
