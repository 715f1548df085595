use chrono::{DateTime, NaiveDate, Utc};
use entity::{consent_record, link};
use poem::web::Data;
use poem_openapi::{param::Path, payload::Json, types::MaybeUndefined, ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::{
    types::{scope_from_api, scope_to_api, stored, ApiPartyRole, ApiRelationship, ApiScopeKind},
    ApiTags, BearerAuth,
};
use crate::{
    access::{self, stored_scope, PersonAccess, Target},
    auth::Principal,
    domain::{access::Action, Consent, Invalid, PartyRole, Relationship},
    http::{ApiError, FieldErrors, JsonBody},
    state::AppState,
    store::{
        self,
        links::{ConsentChange, RecordedBy},
    },
};

/// A new link between the person and a party, with the party's consent scope.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct LinkCreate {
    pub party_id: Uuid,
    pub relationship: ApiRelationship,
    /// The kinds the party may see and be alerted about. Left out: the relationship's default
    /// (facility staff everything; family and lawyers never `lapse` unless named here).
    pub scope: Option<Vec<ApiScopeKind>>,
    /// Last day the consent holds, a local date of the person's zone.
    pub expires_on: Option<NaiveDate>,
}

/// A change of consent. Recorded as a new consent record; the history is kept.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct LinkPatch {
    pub scope: Option<Vec<ApiScopeKind>>,
    /// `null` removes the expiry.
    pub expires_on: MaybeUndefined<NaiveDate>,
}

#[derive(Debug, Object)]
pub struct Link {
    pub id: Uuid,
    pub person_id: Uuid,
    pub party_id: Uuid,
    pub relationship: ApiRelationship,
    pub scope: Vec<ApiScopeKind>,
    pub expires_on: Option<NaiveDate>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Not revoked and not expired.
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
pub struct LinkList {
    pub items: Vec<Link>,
}

/// One consent decision on a link.
#[derive(Debug, Object)]
pub struct ConsentRecord {
    pub id: Uuid,
    /// `granted`, `changed` or `revoked`.
    pub change: String,
    pub scope: Vec<ApiScopeKind>,
    pub expires_on: Option<NaiveDate>,
    pub recorded_at: DateTime<Utc>,
    /// Who recorded it: a party id, or an admin's name.
    pub recorded_by: String,
    pub recorded_by_role: ApiPartyRole,
}

#[derive(Debug, Object)]
pub struct ConsentHistory {
    pub items: Vec<ConsentRecord>,
}

fn view(row: link::Model, now: DateTime<Utc>) -> Result<Link, ApiError> {
    Ok(Link {
        active: row.revoked_at.is_none() && row.expires_at.is_none_or(|end| end > now),
        scope: scope_to_api(&stored_scope(&row.scope)?),
        relationship: stored::<Relationship>(&row.relationship)?.into(),
        id: row.id,
        person_id: row.person_id,
        party_id: row.party_id,
        expires_on: row.expires_on,
        revoked_at: row.revoked_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn record_view(row: consent_record::Model) -> Result<ConsentRecord, ApiError> {
    Ok(ConsentRecord {
        scope: scope_to_api(&stored_scope(&row.scope)?),
        recorded_by_role: stored::<PartyRole>(&row.recorded_by_role)?.into(),
        id: row.id,
        change: row.change,
        expires_on: row.expires_on,
        recorded_at: row.recorded_at,
        recorded_by: row.recorded_by,
    })
}

fn recorded_by(principal: &Principal) -> RecordedBy {
    RecordedBy {
        subject: principal.party_id.map(|id| id.to_string()).unwrap_or_else(|| principal.subject.clone()),
        role: principal.role,
    }
}

fn current_consent(row: &link::Model) -> Result<Consent, ApiError> {
    Ok(Consent { scope: stored_scope(&row.scope)?, expires_on: row.expires_on })
}

/// Today in the person's zone: consent dates are the person's local dates.
fn persons_today(access: &PersonAccess, state: &AppState) -> Result<NaiveDate, ApiError> {
    Ok(state.today_in(access.zone()?))
}

fn check_expiry(errors: &mut FieldErrors, expires_on: Option<NaiveDate>, today: NaiveDate) {
    if expires_on.is_some_and(|date| date < today) {
        errors.push("expires_on", Invalid::new("consent cannot expire in the past; revoke the link instead"));
    }
}

#[derive(ApiResponse)]
pub enum CreateLinkResponse {
    /// The link was created with its first consent record.
    #[oai(status = 201)]
    Created(Json<Link>, #[oai(header = "Location")] String),
}

#[derive(ApiResponse)]
pub enum RevokeLinkResponse {
    /// The link is revoked (or already was).
    #[oai(status = 204)]
    Revoked,
}

pub struct LinksApi;

#[OpenApi(tag = "ApiTags::Links")]
impl LinksApi {
    /// Link a party to a person
    ///
    /// Admins and the staff of the person's facility. Records the consent given.
    #[oai(path = "/persons/:id/links", method = "post", operation_id = "createLink")]
    async fn create(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: JsonBody<LinkCreate>,
    ) -> Result<CreateLinkResponse, ApiError> {
        let access = access::person(&state, &auth.0, id.0, Action::ManageLinks, "link.create", Target::Person).await?;
        let body = body.0;
        let relationship = Relationship::from(body.relationship);
        let mut errors = FieldErrors::default();
        match store::parties::find(&state.db, body.party_id).await? {
            None => errors.push("party_id", Invalid::new("no such party")),
            Some(party) => {
                errors.check("relationship", relationship.check_role(stored::<PartyRole>(&party.role)?));
            }
        }
        check_expiry(&mut errors, body.expires_on, persons_today(&access, &state)?);
        errors.into_result()?;
        let now = state.clock.now();
        if store::links::active_link(&state.db, access.person.id, body.party_id, now).await?.is_some() {
            return Err(ApiError::Conflict("This party already holds an active link to the person.".into()));
        }
        let scope = body.scope.as_deref().map(scope_from_api).unwrap_or_else(|| relationship.default_scope());
        let consent = Consent { scope, expires_on: body.expires_on };
        let row = store::links::insert(
            &state.db,
            access.person.id,
            body.party_id,
            relationship,
            consent,
            access.zone()?,
            &recorded_by(&auth.0),
            now,
        )
        .await?;
        let location = format!("{}/links/{}", super::BASE_PATH, row.id);
        Ok(CreateLinkResponse::Created(Json(view(row, now)?), location))
    }

    /// List a person's links
    ///
    /// The person, their facility and admins see every link; a linked party sees only its own.
    #[oai(path = "/persons/:id/links", method = "get", operation_id = "listLinks")]
    async fn list(&self, auth: BearerAuth, state: Data<&AppState>, id: Path<Uuid>) -> Result<Json<LinkList>, ApiError> {
        let access = access::person(&state, &auth.0, id.0, Action::ReadLinks, "link.list", Target::Person).await?;
        let now = state.clock.now();
        let rows = store::links::list_for_person(&state.db, access.person.id).await?;
        let items = rows
            .into_iter()
            .filter(|row| access.standing.sees_all_links() || Some(row.party_id) == auth.0.party_id)
            .map(|row| view(row, now))
            .collect::<Result<_, _>>()?;
        Ok(Json(LinkList { items }))
    }

    /// Get a link
    ///
    /// As for the person's links: a linked party sees only its own.
    #[oai(path = "/links/:id", method = "get", operation_id = "getLink")]
    async fn get(&self, auth: BearerAuth, state: Data<&AppState>, id: Path<Uuid>) -> Result<Json<Link>, ApiError> {
        let (_, row) = access::link(&state, &auth.0, id.0, "link.read", |_| Action::ReadLinks).await?;
        Ok(Json(view(row, state.clock.now())?))
    }

    /// Change a link's consent
    ///
    /// Admins and the person's facility may change it; the person themself may narrow it
    /// (fewer kinds, an earlier expiry). Every change is a new consent record.
    #[oai(path = "/links/:id", method = "patch", operation_id = "updateLink")]
    async fn update(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: JsonBody<LinkPatch>,
    ) -> Result<Json<Link>, ApiError> {
        let body = body.0;
        let proposed = |row: &link::Model| -> Result<Consent, ApiError> {
            let current = current_consent(row)?;
            Ok(Consent {
                scope: body.scope.as_deref().map(scope_from_api).unwrap_or(current.scope),
                expires_on: match body.expires_on {
                    MaybeUndefined::Undefined => current.expires_on,
                    MaybeUndefined::Null => None,
                    MaybeUndefined::Value(date) => Some(date),
                },
            })
        };
        let (access, row) = access::link(&state, &auth.0, id.0, "link.update", |row| {
            let narrows = match (proposed(row), current_consent(row)) {
                (Ok(new), Ok(current)) => new.is_within(&current),
                _ => false,
            };
            if narrows {
                Action::NarrowConsent
            } else {
                Action::ManageLinks
            }
        })
        .await?;
        if row.revoked_at.is_some() {
            return Err(ApiError::Conflict("This link is revoked; create a new link instead.".into()));
        }
        let consent = proposed(&row)?;
        let mut errors = FieldErrors::default();
        if consent.expires_on != row.expires_on {
            check_expiry(&mut errors, consent.expires_on, persons_today(&access, &state)?);
        }
        errors.into_result()?;
        let now = state.clock.now();
        let row = store::links::record_consent(
            &state.db,
            row,
            ConsentChange::Changed,
            consent,
            access.zone()?,
            &recorded_by(&auth.0),
            now,
        )
        .await?;
        Ok(Json(view(row, now)?))
    }

    /// Revoke a link
    ///
    /// Admins, the person's facility, and the person themself. The party sees nothing of the
    /// person from now on; the consent history keeps the revocation.
    #[oai(path = "/links/:id", method = "delete", operation_id = "revokeLink")]
    async fn revoke(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<RevokeLinkResponse, ApiError> {
        let (access, row) = access::link(&state, &auth.0, id.0, "link.revoke", |_| Action::NarrowConsent).await?;
        if row.revoked_at.is_none() {
            let consent = current_consent(&row)?;
            let now = state.clock.now();
            store::links::record_consent(
                &state.db,
                row,
                ConsentChange::Revoked,
                consent,
                access.zone()?,
                &recorded_by(&auth.0),
                now,
            )
            .await?;
        }
        Ok(RevokeLinkResponse::Revoked)
    }

    /// A link's consent history
    ///
    /// Every consent decision on the link, oldest first: who consented to what, and when.
    #[oai(path = "/links/:id/consents", method = "get", operation_id = "listConsentRecords")]
    async fn consents(
        &self,
        auth: BearerAuth,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<Json<ConsentHistory>, ApiError> {
        let (_, row) = access::link(&state, &auth.0, id.0, "consent.history", |_| Action::ReadLinks).await?;
        let records = store::links::consent_history(&state.db, row.id).await?;
        Ok(Json(ConsentHistory { items: records.into_iter().map(record_view).collect::<Result<_, _>>()? }))
    }
}
