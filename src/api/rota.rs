//! Who is on duty when at an organisation: its rota, overrides, and the one on duty now.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    payload::Json,
    ApiResponse, Object, OpenApi,
};
use uuid::Uuid;

use super::{ApiTags, Authenticated};
use crate::{
    access,
    domain::Refusals,
    entity::rota_override,
    http::{ApiError, JsonBody},
    state::AppState,
    store::rota::Stored,
    workflow::{
        self,
        rota::{RotaAsked, ShiftAsked},
    },
};

/// A weekly shift, in the organisation's time zone.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct ShiftBody {
    /// A staff member of the organisation.
    pub party_id: Uuid,
    /// ISO weekdays the shift starts on, Monday = 1 … Sunday = 7.
    pub weekdays: Vec<i64>,
    /// Local `HH:MM`.
    pub starts_at: String,
    /// Local `HH:MM`; at or before `starts_at`, the shift ends the next day (`22:00`–`09:00`).
    pub ends_at: String,
}

/// A rota as it is to be; it replaces the weekly shifts and settings (overrides stay).
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct RotaBody {
    /// In order: where two shifts cover the same time, the first wins. At most 100.
    pub shifts: Vec<ShiftBody>,
    /// Minutes a critical team alert waits for an acknowledgement before it goes to the next
    /// on the ladder, 1 to 1440; 30 when left out.
    pub escalate_after_minutes: Option<i64>,
    /// Staff told last, all at once, when no one else acknowledged.
    pub managers: Vec<Uuid>,
    /// Staff told one after another, after the one on duty and before the managers.
    pub escalation: Option<Vec<Uuid>>,
}

#[derive(Debug, Object)]
pub struct ShiftView {
    pub party_id: Uuid,
    pub weekdays: Vec<i64>,
    pub starts_at: String,
    pub ends_at: String,
}

#[derive(Debug, Object)]
pub struct OverrideView {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub party_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl From<rota_override::Model> for OverrideView {
    fn from(row: rota_override::Model) -> Self {
        Self {
            id: row.id,
            organization_id: row.organization_id,
            party_id: row.party_id,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
        }
    }
}

/// A stretch with no one on duty.
#[derive(Debug, Object)]
pub struct GapView {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
pub struct RotaView {
    pub organization_id: Uuid,
    /// IANA zone the shifts' times are in (the organisation's).
    pub timezone: String,
    pub shifts: Vec<ShiftView>,
    pub escalate_after_minutes: i64,
    pub managers: Vec<Uuid>,
    pub escalation: Vec<Uuid>,
    /// The overrides, in the order made: where two cover the same time, the later wins.
    pub overrides: Vec<OverrideView>,
    /// Where no one is on duty in the next seven days; empty when the rota was never set.
    pub gaps: Vec<GapView>,
}

fn view_of(stored: Stored, gaps: Vec<(DateTime<Utc>, DateTime<Utc>)>) -> RotaView {
    let overrides = stored
        .override_ids
        .iter()
        .zip(&stored.rota.overrides)
        .map(|(id, cover)| OverrideView {
            id: *id,
            organization_id: stored.organization_id,
            party_id: cover.party_id,
            starts_at: cover.starts_at,
            ends_at: cover.ends_at,
        })
        .collect();
    RotaView {
        organization_id: stored.organization_id,
        timezone: stored.rota.zone.name().to_owned(),
        shifts: stored
            .rota
            .shifts
            .iter()
            .map(|shift| ShiftView {
                party_id: shift.party_id,
                weekdays: shift.weekday_numbers(),
                starts_at: shift.starts_at.format("%H:%M").to_string(),
                ends_at: shift.ends_at.format("%H:%M").to_string(),
            })
            .collect(),
        escalate_after_minutes: stored.escalate_after_minutes,
        managers: stored.managers,
        escalation: stored.escalation,
        overrides,
        gaps: gaps.into_iter().map(|(starts_at, ends_at)| GapView { starts_at, ends_at }).collect(),
    }
}

/// A one-off override.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct OverrideBody {
    /// A staff member of the organisation.
    pub party_id: Uuid,
    pub starts_at: DateTime<Utc>,
    /// After `starts_at`, at most 92 days later, and not already past.
    pub ends_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
pub struct OnDutyView {
    /// Who is on duty; none in a gap of the rota.
    pub party_id: Option<Uuid>,
    /// When that changes; none if it does not within eight days.
    pub until: Option<DateTime<Utc>>,
}

#[derive(ApiResponse)]
pub enum GetRotaResponse {
    #[oai(status = 200)]
    Rota(Json<RotaView>),
}

#[derive(ApiResponse)]
pub enum SetRotaResponse {
    /// The rota as it now stands.
    #[oai(status = 200)]
    Set(Json<RotaView>),
}

#[derive(ApiResponse)]
pub enum AddOverrideResponse {
    #[oai(status = 201)]
    Added(Json<OverrideView>),
}

#[derive(ApiResponse)]
pub enum RemoveOverrideResponse {
    /// Gone; the weekly shifts hold again for its time.
    #[oai(status = 204)]
    Removed,
}

#[derive(ApiResponse)]
pub enum OnDutyResponse {
    #[oai(status = 200)]
    OnDuty(Json<OnDutyView>),
}

pub struct RotaApi;

#[OpenApi(tag = "ApiTags::Organizations")]
impl RotaApi {
    /// An organisation's rota
    ///
    /// Staff of the organisation, and admins; anyone else gets 404.
    #[oai(path = "/organizations/:id/rota", method = "get", operation_id = "getRota")]
    async fn get(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<GetRotaResponse, ApiError> {
        let organization = access::organization_roll(&state, &auth.0, id.0, "rota.read").await?;
        let stored = workflow::rota::rota_of(&state, &organization).await?;
        let gaps = workflow::rota::gaps_ahead(&stored, state.clock.now());
        Ok(GetRotaResponse::Rota(Json(view_of(stored, gaps))))
    }

    /// Set an organisation's rota
    ///
    /// Replaces the weekly shifts, the wait before escalation, the escalation list and the
    /// managers; overrides stay. Everyone named must be staff of the organisation (422
    /// otherwise). Staff of the organisation, and admins.
    #[oai(path = "/organizations/:id/rota", method = "put", operation_id = "setRota")]
    async fn set(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: JsonBody<RotaBody>,
    ) -> Result<SetRotaResponse, ApiError> {
        let organization = access::organization_roll(&state, &auth.0, id.0, "rota.set").await?;
        let body = body.0;
        let asked = RotaAsked {
            shifts: body
                .shifts
                .into_iter()
                .map(|shift| ShiftAsked {
                    party_id: Some(shift.party_id),
                    weekdays: shift.weekdays,
                    starts_at: shift.starts_at,
                    ends_at: shift.ends_at,
                })
                .collect(),
            escalate_after_minutes: body.escalate_after_minutes,
            managers: body.managers,
            escalation: body.escalation.unwrap_or_default(),
            refused: Refusals::default(),
        };
        let stored = workflow::rota::set_rota(&state, &organization, asked).await?;
        let gaps = workflow::rota::gaps_ahead(&stored, state.clock.now());
        Ok(SetRotaResponse::Set(Json(view_of(stored, gaps))))
    }

    /// Put someone on duty for a while
    ///
    /// A holiday, a sick day: between the two instants the staff member named is on duty,
    /// whatever the weekly shifts say. Staff of the organisation, and admins.
    #[oai(path = "/organizations/:id/rota/overrides", method = "post", operation_id = "addRotaOverride")]
    async fn add_override(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        body: JsonBody<OverrideBody>,
    ) -> Result<AddOverrideResponse, ApiError> {
        let organization = access::organization_roll(&state, &auth.0, id.0, "rota.override").await?;
        let body = body.0;
        let row =
            workflow::rota::add_override(&state, &organization, body.party_id, body.starts_at, body.ends_at).await?;
        Ok(AddOverrideResponse::Added(Json(row.into())))
    }

    /// Remove an override
    ///
    /// Staff of its organisation, and admins; anyone else gets 404.
    #[oai(path = "/rota-overrides/:id", method = "delete", operation_id = "removeRotaOverride")]
    async fn remove_override(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<RemoveOverrideResponse, ApiError> {
        let row = workflow::rota::find_override(&state, id.0).await?.ok_or(ApiError::NotFound)?;
        access::organization_roll(&state, &auth.0, row.organization_id, "rota.override").await?;
        workflow::rota::remove_override(&state, row.id).await?;
        Ok(RemoveOverrideResponse::Removed)
    }

    /// Who is on duty
    ///
    /// At `at` (now when left out), and until when. Staff of the organisation, and admins.
    #[oai(path = "/organizations/:id/on-duty", method = "get", operation_id = "getOnDuty")]
    async fn on_duty(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
        at: Query<Option<DateTime<Utc>>>,
    ) -> Result<OnDutyResponse, ApiError> {
        let organization = access::organization_roll(&state, &auth.0, id.0, "rota.read").await?;
        let at = at.0.unwrap_or_else(|| state.clock.now());
        let duty = workflow::rota::on_duty(&state, &organization, at).await?;
        Ok(OnDutyResponse::OnDuty(Json(OnDutyView { party_id: duty.party_id, until: duty.until })))
    }
}
