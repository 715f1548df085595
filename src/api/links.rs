use crate::entity::{consent_record, link};
use chrono::{DateTime, NaiveDate, Utc};
use poem::web::Data;
use poem_openapi::{param::Path, payload::Json, types::MaybeUndefined, ApiResponse, Object, OpenApi, Union};
use uuid::Uuid;

use super::{
    types::{scope_from_api, scope_to_api, ApiBasisKind, ApiLanguage, ApiPartyRole, ApiRelationship, ApiScopeKind},
    ApiTags, Authenticated,
};
use crate::{
    access::{self, Target},
    auth::Principal,
    domain::{access::Action, ConsentBasis, DisplayName, Invalid, Language, PartyRole, Refusals, Relationship},
    http::{ApiError, JsonBody},
    state::AppState,
    store::{
        self,
        links::{consent_of, parse_scope, scope_of, RecordedBy},
    },
    workflow::{self, AccountFor, LinkChange, NewAccount, NewLink},
};

/// A new link between the person and a party, with the party's consent scope: to an existing
/// party (`party_id`), or to an account opened with it (`party`). For the person's own
/// account (`party.role` `person`) there is no link: name no `relationship`.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct LinkCreate {
    /// An existing party to link. Give this or `party`, not both.
    pub party_id: Option<Uuid>,
    /// An account to open with the link: a family member's, a lawyer's, or the person's own.
    pub party: Option<AccountCreate>,
    /// Required for a link; `family` for a family member, `lawyer` for a lawyer.
    pub relationship: Option<ApiRelationship>,
    /// The kinds the party may see and be alerted about. Left out: the relationship's default
    /// (facility staff everything; family and lawyers never `lapse` unless named here).
    pub scope: Option<Vec<ApiScopeKind>>,
    /// Last day the consent holds, a local date of the person's zone.
    pub expires_on: Option<NaiveDate>,
    /// Required to link a party again after the person revoked or narrowed its earlier link.
    pub basis: Option<ConsentBasisBody>,
}

/// An account opened together with its link.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct AccountCreate {
    /// `family`, `lawyer` or `person`.
    pub role: ApiPartyRole,
    /// 1 to 100 characters.
    pub display_name: String,
    /// `ja` when left out.
    pub language: Option<ApiLanguage>,
}

/// What was created: the link (with the account opened for it, under `party_id`), or for the
/// person's own account, the account.
#[derive(Debug, Union)]
#[oai(one_of)]
pub enum LinkCreated {
    Link(Link),
    Party(super::parties::Party),
}

/// How the person gave their consent again (APPI Art. 27(1)): needed whenever anyone but the
/// person gives more than the person last left in place.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct ConsentBasisBody {
    /// `written` (a signed form) or `in_person`.
    pub kind: ApiBasisKind,
    /// Where it can be found: a form number, a file reference, who heard it (1–100 characters).
    pub reference: String,
    /// The day the person consented.
    pub on: NaiveDate,
}

/// A change of consent. Recorded as a new consent record; the history is kept.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct LinkPatch {
    pub scope: Option<Vec<ApiScopeKind>>,
    /// `null` removes the expiry.
    pub expires_on: MaybeUndefined<NaiveDate>,
    /// Required to widen consent the person narrowed (more kinds, a later or no expiry).
    pub basis: Option<ConsentBasisBody>,
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
    /// When someone other than the person gave more than the person had left in place: how
    /// the person consented again (`written` or `in_person`), a reference and the day.
    pub basis: Option<ApiBasisKind>,
    pub basis_reference: Option<String>,
    pub basis_on: Option<NaiveDate>,
}

#[derive(Debug, Object)]
pub struct ConsentHistory {
    pub items: Vec<ConsentRecord>,
}

fn view(row: link::Model, now: DateTime<Utc>) -> Result<Link, ApiError> {
    Ok(Link {
        active: crate::domain::link_in_force(row.revoked_at, row.expires_at, now),
        scope: scope_to_api(&scope_of(&row)?),
        relationship: row.relationship.into(),
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
        scope: scope_to_api(&parse_scope(row.id, &row.scope)?),
        recorded_by_role: row.recorded_by_role.into(),
        id: row.id,
        change: row.change,
        expires_on: row.expires_on,
        recorded_at: row.recorded_at,
        basis: row.basis.map(Into::into),
        basis_reference: row.basis_reference,
        basis_on: row.basis_on,
        recorded_by: row.recorded_by,
    })
}

fn required(field: &str) -> ApiError {
    Refusals::one(field, Invalid::new("is required")).into()
}

fn recorded_by(principal: &Principal, basis: Option<ConsentBasis>) -> RecordedBy {
    RecordedBy { subject: principal.actor_id(), role: principal.role, basis, via: principal.consent_via() }
}

/// The basis as the domain takes it; its date is the person's local date.
fn basis_of(body: Option<&ConsentBasisBody>, today: NaiveDate) -> Result<Option<ConsentBasis>, ApiError> {
    body.map(|basis| ConsentBasis::parse(basis.kind.into(), &basis.reference, basis.on, today))
        .transpose()
        .map_err(ApiError::from)
}

#[derive(ApiResponse)]
pub enum CreateLinkResponse {
    /// The link was created with its first consent record (and the account opened with it), or
    /// the person's own account was opened.
    #[oai(status = 201)]
    Created(Json<LinkCreated>, #[oai(header = "Location")] String),
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
    /// Link a party to a person, or open an account with its link
    ///
    /// Admins and the staff of the person's facility. With `party_id` an existing party is
    /// linked; with `party`, staff open a family member's or lawyer's account together with
    /// its link to their resident, or the resident's own account, in one transaction: they may
    /// then invite it and add its addresses until it is first used. Records the consent given.
    #[oai(path = "/persons/:id/links", method = "post", operation_id = "createLink")]
    async fn create(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: JsonBody<LinkCreate>,
    ) -> Result<CreateLinkResponse, ApiError> {
        let access = access::person(&state, &auth.0, id.0, Action::ManageLinks, "link.create", Target::Person).await?;
        let body = body.0;
        let now = state.clock.now();
        let zone = access.zone()?;
        let by = recorded_by(&auth.0, basis_of(body.basis.as_ref(), zone.date_at(now))?);
        let scope = body.scope.as_deref().map(scope_from_api);
        let relationship = body.relationship.map(Relationship::from);
        match (body.party_id, body.party) {
            (Some(party_id), None) => {
                let relationship = relationship.ok_or_else(|| required("relationship"))?;
                let new = NewLink { party_id, relationship, scope, expires_on: body.expires_on };
                let row = workflow::create_link(&state, access.person.id, zone, new, &by).await?;
                let location = format!("{}/links/{}", super::BASE_PATH, row.id);
                Ok(CreateLinkResponse::Created(Json(LinkCreated::Link(view(row, now)?)), location))
            }
            (None, Some(party)) => {
                let role = PartyRole::from(party.role);
                let account_for = match relationship {
                    Some(relationship) => AccountFor::Linked { relationship, scope, expires_on: body.expires_on },
                    None if role == PartyRole::Person => AccountFor::Themself,
                    None => return Err(required("relationship")),
                };
                let display_name = DisplayName::parse(&party.display_name)
                    .map_err(|why| ApiError::from(Refusals::one("party.display_name", why)))?;
                let account = NewAccount {
                    role,
                    display_name,
                    language: party.language.map(Language::from).unwrap_or_default(),
                    account_for,
                };
                let opened_by = auth.0.organization_id.filter(|_| auth.0.role == PartyRole::Staff);
                let opened = workflow::open_account(&state, access.person.id, zone, account, opened_by, &by).await?;
                match opened.link {
                    Some(row) => {
                        let location = format!("{}/links/{}", super::BASE_PATH, row.id);
                        Ok(CreateLinkResponse::Created(Json(LinkCreated::Link(view(row, now)?)), location))
                    }
                    None => {
                        let location = format!("{}/parties/{}", super::BASE_PATH, opened.party.id);
                        Ok(CreateLinkResponse::Created(Json(LinkCreated::Party(opened.party.try_into()?)), location))
                    }
                }
            }
            _ => Err(Refusals::one("party_id", Invalid::new("give either party_id or party")).into()),
        }
    }

    /// List a person's links
    ///
    /// The person, their facility and admins see every link; a linked party sees only its own.
    #[oai(path = "/persons/:id/links", method = "get", operation_id = "listLinks")]
    async fn list(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<Json<LinkList>, ApiError> {
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
    async fn get(&self, auth: Authenticated, state: Data<&AppState>, id: Path<Uuid>) -> Result<Json<Link>, ApiError> {
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
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: JsonBody<LinkPatch>,
    ) -> Result<Json<Link>, ApiError> {
        let body = body.0;
        let change = LinkChange {
            scope: body.scope.as_deref().map(scope_from_api),
            expires_on: match body.expires_on {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(date) => Some(Some(date)),
            },
        };
        let (access, row) = access::link(&state, &auth.0, id.0, "link.update", |row| {
            // Narrowing is the person's own right; anything else is managing the link.
            let narrows = consent_of(row).is_ok_and(|current| current.patched(&change).is_within(&current));
            if narrows {
                Action::NarrowConsent
            } else {
                Action::ManageLinks
            }
        })
        .await?;
        let zone = access.zone()?;
        let by = recorded_by(&auth.0, basis_of(body.basis.as_ref(), zone.date_at(state.clock.now()))?);
        let row = workflow::change_link(&state, row.id, zone, &change, &by).await?;
        Ok(Json(view(row, state.clock.now())?))
    }

    /// Revoke a link
    ///
    /// Admins, the person's facility, and the person themself. The party sees nothing of the
    /// person from now on; the consent history keeps the revocation.
    #[oai(path = "/links/:id", method = "delete", operation_id = "revokeLink")]
    async fn revoke(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<RevokeLinkResponse, ApiError> {
        let (access, row) = access::link(&state, &auth.0, id.0, "link.revoke", |_| Action::NarrowConsent).await?;
        workflow::revoke_link(&state, row.id, access.zone()?, &recorded_by(&auth.0, None)).await?;
        Ok(RevokeLinkResponse::Revoked)
    }

    /// A link's consent history
    ///
    /// Every consent decision on the link, oldest first: who consented to what, and when.
    #[oai(path = "/links/:id/consents", method = "get", operation_id = "listConsentRecords")]
    async fn consents(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<Json<ConsentHistory>, ApiError> {
        let (_, row) = access::link(&state, &auth.0, id.0, "consent.history", |_| Action::ReadLinks).await?;
        let records = store::links::consent_history(&state.db, row.id).await?;
        Ok(Json(ConsentHistory { items: records.into_iter().map(record_view).collect::<Result<_, _>>()? }))
    }
}
