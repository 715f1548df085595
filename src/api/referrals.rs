//! Referrals between organisations: one hands a person on to another, the other answers, and
//! the first meeting is recorded.

use chrono::{DateTime, NaiveDate, Utc};
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    payload::Json,
    ApiResponse, Enum, Object, OpenApi,
};
use uuid::Uuid;

use super::{
    links::ConsentBasisBody,
    pagination::page_request,
    types::{scope_from_api, scope_to_api, ApiBasisKind, ApiFollow, ApiPartyRole, ApiReferralState, ApiScopeKind},
    ApiTags, Authenticated,
};
use crate::{
    access::{self, list_entries, Target},
    auth::Principal,
    domain::{
        access::Action,
        referral::{self, Side},
        ConsentBasis,
    },
    entity::{person, referral_event},
    http::{ApiError, JsonBody},
    state::AppState,
    store::{self, referrals::Direction},
    workflow::{
        self,
        referrals::{ReferAsked, StepAsked, Stored},
    },
};

/// A referral of a person to another organisation.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct ReferralCreate {
    /// A person placed at the caller's organisation (or, for a probation officer, linked to them).
    pub person_id: Uuid,
    /// The organisation the person is referred to; not the caller's own.
    pub to_organization_id: Uuid,
    /// Why (1–2000 characters): what the receiving side reads first.
    pub reason: String,
    /// The kinds the person agreed the receiving side may see (at least one).
    pub scope: Vec<ApiScopeKind>,
    /// How the person's consent to this referral was obtained: the caller is recorded as the
    /// one who obtained it.
    pub basis: ConsentBasisBody,
}

/// A step of a referral, e.g. `{"event": "accept", "on": "2026-04-01"}`.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct ReferralEventCreate {
    /// `accept`, `decline`, `waitlist`, `connect`, `not_connect` (the receiving side) or
    /// `withdraw` (the referring side or the person).
    pub event: String,
    /// The day it happened, a local date of the person's zone; not after today, not before the
    /// last step.
    pub on: NaiveDate,
    /// Up to 2000 characters; required with `decline` and `not_connect` (why).
    pub note: Option<String>,
    /// With `accept`: what follows it.
    pub follow: Option<ApiFollow>,
}

#[derive(Debug, Object)]
pub struct ReferralStepView {
    /// `refer` for the referral made, then the event recorded.
    pub event: String,
    pub from_state: ApiReferralState,
    pub to_state: ApiReferralState,
    pub on: NaiveDate,
    #[oai(skip_serializing_if_is_none)]
    pub note: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub actor_party_id: Option<Uuid>,
    pub actor_role: ApiPartyRole,
    pub recorded_at: DateTime<Utc>,
}

impl From<referral_event::Model> for ReferralStepView {
    fn from(row: referral_event::Model) -> Self {
        Self {
            event: row.event,
            from_state: row.from_state.into(),
            to_state: row.to_state.into(),
            on: row.on,
            note: row.note,
            actor_party_id: row.actor_party_id,
            actor_role: row.actor_role.into(),
            recorded_at: row.recorded_at,
        }
    }
}

/// The person's consent to the referral, as recorded.
#[derive(Debug, Object)]
pub struct ReferralConsentView {
    pub kind: ApiBasisKind,
    pub reference: String,
    pub on: NaiveDate,
    /// Who obtained it: the party who made the referral.
    pub obtained_by: Uuid,
}

#[derive(Debug, Object)]
pub struct Referral {
    pub id: Uuid,
    pub person_id: Uuid,
    /// The person's display name: for the receiving side only while the referral lets it see
    /// the person (not after a decline or a withdrawal).
    #[oai(skip_serializing_if_is_none)]
    pub person_display_name: Option<String>,
    pub from_organization_id: Uuid,
    pub to_organization_id: Uuid,
    pub from_party_id: Uuid,
    pub reason: String,
    pub scope: Vec<ApiScopeKind>,
    pub consent: ReferralConsentView,
    pub state: ApiReferralState,
    /// The day the current state began.
    pub state_since: NaiveDate,
    pub referred_on: NaiveDate,
    /// The events the current state accepts (whichever side records them).
    pub accepted_events: Vec<String>,
    pub events: Vec<ReferralStepView>,
}

fn view(stored: Stored, person: Option<&person::Model>) -> Result<Referral, ApiError> {
    let row = stored.referral;
    let scope = store::links::parse_scope(row.id, &row.scope)?;
    Ok(Referral {
        id: row.id,
        person_id: row.person_id,
        person_display_name: person.map(|person| person.display_name.clone()),
        from_organization_id: row.from_organization_id,
        to_organization_id: row.to_organization_id,
        from_party_id: row.from_party_id,
        reason: row.reason,
        scope: scope_to_api(&scope),
        consent: ReferralConsentView {
            kind: row.consent_basis.into(),
            reference: row.consent_reference,
            on: row.consent_on,
            obtained_by: row.from_party_id,
        },
        state: row.state.into(),
        state_since: row.state_since,
        referred_on: row.referred_on,
        accepted_events: referral::accepted(row.state).iter().map(|event| event.as_str().to_owned()).collect(),
        events: stored.events.into_iter().map(Into::into).collect(),
    })
}

/// Whether the caller, on these sides, is shown the person's name: the referring side and
/// the person always, the receiving side while the referral lets it see the person.
fn shows_person(sides: &[Side], row: &crate::entity::referral::Model) -> bool {
    sides.iter().any(|side| match side {
        Side::Receiving => referral::receiving_side_sees(row.state),
        Side::Referring | Side::Person => true,
    })
}

/// The person, when the caller is shown them; the receiving side's first sight is recorded.
async fn person_shown(
    state: &AppState,
    sides: &[Side],
    row: &crate::entity::referral::Model,
) -> Result<Option<person::Model>, ApiError> {
    if !shows_person(sides, row) {
        return Ok(None);
    }
    if sides == [Side::Receiving] {
        workflow::referrals::seen_by_receiving_side(state, &[row.id]).await?;
    }
    Ok(store::persons::find(&state.reads, row.person_id).await?)
}

#[derive(Debug, Enum, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case", rename = "ReferralDirection")]
pub enum ApiDirection {
    Incoming,
    Outgoing,
}

#[derive(Debug, Object)]
pub struct ReferralPage {
    pub items: Vec<Referral>,
    /// Pass as `cursor` for the next page; none on the last.
    pub next_cursor: Option<Uuid>,
}

#[derive(ApiResponse)]
pub enum CreateReferralResponse {
    #[oai(status = 201)]
    Created(Json<Referral>, #[oai(header = "Location")] String),
}

#[derive(ApiResponse)]
pub enum GetReferralResponse {
    #[oai(status = 200)]
    Referral(Json<Referral>),
}

#[derive(ApiResponse)]
pub enum ListReferralsResponse {
    #[oai(status = 200)]
    Page(Json<ReferralPage>),
}

#[derive(ApiResponse)]
pub enum RecordReferralEventResponse {
    /// The referral after the step.
    #[oai(status = 200)]
    Recorded(Json<Referral>),
}

fn organization_of(principal: &Principal, asked: Option<Uuid>) -> Result<Uuid, ApiError> {
    asked
        .or(principal.organization_id)
        .ok_or_else(|| ApiError::invalid_field("organization_id", crate::domain::Why::Required.into()))
}

pub struct ReferralsApi;

#[OpenApi(tag = "ApiTags::Persons")]
impl ReferralsApi {
    /// Refer a person to another organisation
    ///
    /// Staff of an organisation where the person is placed, or a probation officer linked to
    /// them, refer from their own organisation; the receiving side then sees the person's name
    /// and what `scope` allows, nothing more. Anyone else gets 404 for the person. The referrer
    /// is alerted when it waits unanswered (7 days unless configured), and when it ends.
    #[oai(path = "/referrals", method = "post", operation_id = "createReferral")]
    async fn create(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        body: JsonBody<ReferralCreate>,
    ) -> Result<CreateReferralResponse, ApiError> {
        let body = body.0;
        let access =
            access::person(&state, &auth.0, body.person_id, Action::Refer, "referral.create", Target::Person).await?;
        let today = access.person.timezone.date_at(state.clock.now());
        let basis = ConsentBasis::parse(body.basis.kind.into(), &body.basis.reference, body.basis.on, today);
        let asked = ReferAsked {
            to_organization_id: body.to_organization_id,
            reason: body.reason,
            scope: scope_from_api(&body.scope),
            basis,
        };
        let stored = workflow::referrals::refer(&state, &auth.0, &access, asked).await?;
        let location = format!("{}/referrals/{}", super::BASE_PATH, stored.referral.id);
        Ok(CreateReferralResponse::Created(Json(view(stored, Some(&access.person))?), location))
    }

    /// An organisation's referrals
    ///
    /// `incoming`: made to the organisation; `outgoing`: made by it. The caller's own
    /// organisation unless `organization_id` names another (admins). Oldest first.
    #[oai(path = "/referrals", method = "get", operation_id = "listReferrals")]
    async fn list(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        direction: Query<ApiDirection>,
        organization_id: Query<Option<Uuid>>,
        cursor: Query<Option<Uuid>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<u64>>,
    ) -> Result<ListReferralsResponse, ApiError> {
        let organization_id = organization_of(&auth.0, organization_id.0)?;
        access::referrals::organization(&state, &auth.0, organization_id, "referral.list").await?;
        let direction = match direction.0 {
            ApiDirection::Incoming => Direction::Incoming,
            ApiDirection::Outgoing => Direction::Outgoing,
        };
        let page =
            workflow::referrals::of_organization(&state, organization_id, direction, page_request(cursor, limit))
                .await?;
        let side = match direction {
            Direction::Incoming => Side::Receiving,
            Direction::Outgoing => Side::Referring,
        };
        let shown: Vec<Uuid> =
            page.items.iter().filter(|stored| shows_person(&[side], &stored.referral)).map(|s| s.referral.id).collect();
        if side == Side::Receiving {
            workflow::referrals::seen_by_receiving_side(&state, &shown).await?;
        }
        let shown_persons: Vec<Uuid> = page
            .items
            .iter()
            .filter(|stored| shown.contains(&stored.referral.id))
            .map(|stored| stored.referral.person_id)
            .collect();
        let persons = store::persons::find_many(&state.reads, &shown_persons).await?;
        state
            .audit
            .record(list_entries(&auth.0, "referral.list", shown_persons.iter().copied()), state.clock.now())
            .await?;
        let mut items = Vec::with_capacity(page.items.len());
        for stored in page.items {
            let person = shown
                .contains(&stored.referral.id)
                .then(|| persons.iter().find(|person| person.id == stored.referral.person_id))
                .flatten();
            items.push(view(stored, person)?);
        }
        Ok(ListReferralsResponse::Page(Json(ReferralPage { items, next_cursor: page.next_cursor })))
    }

    /// A referral
    ///
    /// Its two organisations' staff, the one who made it, the person, and admins; anyone else
    /// gets 404.
    #[oai(path = "/referrals/:id", method = "get", operation_id = "getReferral")]
    async fn get(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<GetReferralResponse, ApiError> {
        let (row, sides) = access::referrals::referral(&state, &auth.0, id.0, "referral.read").await?;
        let person = person_shown(&state, &sides, &row).await?;
        let stored = workflow::referrals::stored(&state, row).await?;
        Ok(GetReferralResponse::Referral(Json(view(stored, person.as_ref())?)))
    }

    /// Record a step of a referral
    ///
    /// The receiving side accepts (optionally with what follows: a placement or a link),
    /// declines or waitlists it, and records the first meeting held (`connect`) or not
    /// (`not_connect`); the referring side or the person withdraws it. A state that does not
    /// take the event answers 409 with the events it accepts; the other side's step 403.
    #[oai(path = "/referrals/:id/events", method = "post", operation_id = "recordReferralEvent")]
    async fn record(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: JsonBody<ReferralEventCreate>,
    ) -> Result<RecordReferralEventResponse, ApiError> {
        let (_, sides) = access::referrals::referral(&state, &auth.0, id.0, "referral.event").await?;
        let body = body.0;
        let asked = StepAsked { event: body.event, on: body.on, note: body.note, follow: body.follow.map(Into::into) };
        let stored = workflow::referrals::record(&state, &auth.0, id.0, asked).await?;
        let person = person_shown(&state, &sides, &stored.referral).await?;
        Ok(RecordReferralEventResponse::Recorded(Json(view(stored, person.as_ref())?)))
    }
}
