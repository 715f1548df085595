//! Setting who is on duty when: an organisation's weekly shifts, its escalation list and
//! managers, and one-off overrides. Everyone named must be on the organisation's staff (a
//! disabled one may stay on the rota; their steps are skipped and recorded).

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::WorkflowError;
use crate::{
    domain::{
        rota::{OnDuty, Override, Shift, ESCALATE_AFTER, MAX_SHIFTS},
        PartyRole, Refusals, Why,
    },
    entity::{organization, rota_override},
    state::AppState,
    store::{self, rota::Stored},
};

/// A shift as asked for, before it is read.
pub struct ShiftAsked {
    /// `None` where the caller could not read one (and said so in `RotaAsked::refused`).
    pub party_id: Option<Uuid>,
    pub weekdays: Vec<i64>,
    pub starts_at: String,
    pub ends_at: String,
}

/// A rota as asked for.
pub struct RotaAsked {
    pub shifts: Vec<ShiftAsked>,
    pub escalate_after_minutes: Option<i64>,
    pub managers: Vec<Uuid>,
    pub escalation: Vec<Uuid>,
    /// What the caller already refused while reading what was asked (a page's form), under the
    /// same field names: refused together with the rest, so every refusal is told at once.
    pub refused: Refusals,
}

/// An organisation's rota as it stands.
pub async fn rota_of(state: &AppState, organization: &organization::Model) -> Result<Stored, WorkflowError> {
    Ok(store::rota::of_organization(&state.reads, organization).await??)
}

/// Refuses under `field` each of `ids` not on the organisation's staff.
async fn check_staff(
    state: &AppState,
    organization_id: Uuid,
    named: &[(String, Uuid)],
    refusals: &mut Refusals,
) -> Result<(), WorkflowError> {
    let ids: Vec<Uuid> = named.iter().map(|(_, id)| *id).collect();
    let parties = store::parties::find_many(&state.db, &ids).await?;
    for (field, id) in named {
        let staff = parties.iter().any(|party| {
            party.id == *id && party.role == PartyRole::Staff && party.organization_id == Some(organization_id)
        });
        if !staff {
            refusals.push(field, Why::NotStaffHere.into());
        }
    }
    Ok(())
}

/// Replaces an organisation's weekly shifts, wait, escalation list and managers; the overrides
/// stay. Everything wrong is refused at once and nothing is stored.
pub async fn set_rota(
    state: &AppState,
    organization: &organization::Model,
    asked: RotaAsked,
) -> Result<Stored, WorkflowError> {
    let mut refusals = asked.refused;
    if asked.shifts.len() > MAX_SHIFTS {
        refusals.push("shifts", Why::Between { min: 0, max: MAX_SHIFTS as i64 }.into());
    }
    let minutes = asked.escalate_after_minutes.unwrap_or(crate::domain::rota::DEFAULT_ESCALATE_AFTER_MINUTES);
    if !(ESCALATE_AFTER.0..=ESCALATE_AFTER.1).contains(&minutes) {
        refusals.push("escalate_after_minutes", Why::Between { min: ESCALATE_AFTER.0, max: ESCALATE_AFTER.1 }.into());
    }
    let mut shifts = Vec::new();
    let mut named = Vec::new();
    for (index, shift) in asked.shifts.iter().enumerate() {
        let field = format!("shifts[{index}]");
        if let Some(party_id) = shift.party_id {
            named.push((format!("{field}.party_id"), party_id));
        }
        let party_id = shift.party_id.unwrap_or_default();
        match Shift::parse(&field, party_id, &shift.weekdays, &shift.starts_at, &shift.ends_at) {
            Ok(shift) => shifts.push(shift),
            Err(refused) => refusals.0.extend(refused.0),
        }
    }
    for (list, ids) in [("managers", &asked.managers), ("escalation", &asked.escalation)] {
        for (index, id) in ids.iter().enumerate() {
            if ids[..index].contains(id) {
                refusals.push(&format!("{list}[{index}]"), Why::NamedTwice { what: "party" }.into());
            }
            named.push((format!("{list}[{index}]"), *id));
        }
    }
    check_staff(state, organization.id, &named, &mut refusals).await?;
    refusals.into_result().map_err(WorkflowError::Refused)?;
    let txn = state.db.begin().await?;
    let new = store::rota::NewRota {
        shifts: &shifts,
        escalate_after_minutes: minutes,
        managers: &asked.managers,
        escalation: &asked.escalation,
    };
    store::rota::replace(&txn, organization.id, new, state.clock.now()).await?;
    let stored = store::rota::of_organization(&txn, organization).await??;
    txn.commit().await?;
    Ok(stored)
}

/// Puts `party_id` on duty between two instants, whatever the weekly shifts say.
pub async fn add_override(
    state: &AppState,
    organization: &organization::Model,
    party_id: Uuid,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> Result<rota_override::Model, WorkflowError> {
    let mut refusals = Refusals::default();
    let cover = refusals.check_all(Override::parse(party_id, starts_at, ends_at));
    check_staff(state, organization.id, &[("party_id".to_owned(), party_id)], &mut refusals).await?;
    if ends_at <= state.clock.now() {
        refusals.push("ends_at", Why::ExpiryInPast.into());
    }
    refusals.into_result().map_err(WorkflowError::Refused)?;
    let cover = cover.ok_or(WorkflowError::NotFound)?;
    Ok(store::rota::add_override(&state.db, organization.id, &cover, state.clock.now()).await?)
}

pub async fn find_override(state: &AppState, id: Uuid) -> Result<Option<rota_override::Model>, WorkflowError> {
    Ok(store::rota::find_override(&state.reads, id).await?)
}

pub async fn remove_override(state: &AppState, id: Uuid) -> Result<(), WorkflowError> {
    Ok(store::rota::delete_override(&state.db, id).await?)
}

/// Who is on duty at an instant, and until when.
pub async fn on_duty(
    state: &AppState,
    organization: &organization::Model,
    at: DateTime<Utc>,
) -> Result<OnDuty, WorkflowError> {
    Ok(rota_of(state, organization).await?.rota.on_duty(at))
}

/// The stretches of the coming week from `now` where no one is on duty, for an organisation
/// that keeps a rota (none for one that keeps none).
pub fn gaps_ahead(rota: &Stored, now: DateTime<Utc>) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    if !rota.set {
        return Vec::new();
    }
    rota.rota.gaps(now, now + Duration::days(7))
}

/// How many organisations keeping a rota have no one on duty now (a rota that cannot be read
/// counts: no one can be found on it).
pub async fn uncovered_now(state: &AppState) -> Result<usize, WorkflowError> {
    let now = state.clock.now();
    let mut uncovered = 0;
    for organization_id in store::rota::organizations_with_rota(&state.reads).await? {
        let Some(organization) = store::organizations::find(&state.reads, organization_id).await? else { continue };
        let covered = match store::rota::of_organization(&state.reads, &organization).await? {
            Ok(rota) => rota.rota.on_duty(now).party_id.is_some(),
            Err(_) => false,
        };
        if !covered {
            uncovered += 1;
        }
    }
    Ok(uncovered)
}
