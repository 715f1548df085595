//! Families hear of a family class's deadline to apply a few days before it, once: those with
//! a family link in force to someone placed now at an organisation of the class's area, on the
//! channels their preferences allow, from 09:00 of the first reminding day in the class's zone.

use std::collections::HashMap;

use chrono::NaiveTime;
use uuid::Uuid;

use super::super::WorkflowError;
use crate::{
    domain::{
        calendar::add_days,
        directory::{same_area, ServiceKind},
        PartyRole,
    },
    state::AppState,
    store,
};

/// How many days before its deadline a class is told of (the deadline day included).
pub const REMIND_DAYS_BEFORE: i64 = 3;

/// The hour of the class's zone from which reminders go: never in the night.
fn reminding_hour() -> NaiveTime {
    NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN)
}

/// Sends what is due; returns how many families were told of a session (each once ever).
pub async fn remind_of_deadlines(state: &AppState) -> Result<usize, WorkflowError> {
    let now = state.clock.now();
    let utc_today = now.date_naive();
    // Zones run a day either side of UTC: the window is widened, then judged in each zone.
    let (Some(from), Some(to)) = (add_days(utc_today, -1), add_days(utc_today, REMIND_DAYS_BEFORE + 1)) else {
        return Ok(0);
    };
    let sessions = store::services::deadlines_between(&state.reads, from, to).await?;
    if sessions.is_empty() {
        return Ok(0);
    }
    let organizations = store::organizations::all(&state.reads).await?;
    let mut services = HashMap::new();
    let mut told = 0;
    for session in sessions {
        let Some(apply_by) = session.apply_by else { continue };
        if session.starts_at <= now {
            continue;
        }
        if let std::collections::hash_map::Entry::Vacant(entry) = services.entry(session.service_id) {
            entry.insert(store::services::find(&state.reads, session.service_id).await?);
        }
        let Some(Some(service)) = services.get(&session.service_id) else { continue };
        let Some(area) = service.row.area.as_deref() else { continue };
        if !service.is_active() || !service.kinds.contains(&ServiceKind::FamilyClass) {
            continue;
        }
        let Some(zone) = organizations.iter().find(|row| row.id == service.row.organization_id).map(|row| row.timezone)
        else {
            continue;
        };
        let local = now.with_timezone(&zone.tz()).naive_local();
        let first_day = add_days(apply_by, -(REMIND_DAYS_BEFORE - 1)).unwrap_or(apply_by);
        let due = local.date() >= first_day && local.date() <= apply_by && local.time() >= reminding_hour();
        if !due {
            continue;
        }
        let near: Vec<Uuid> = organizations
            .iter()
            .filter(|row| row.area.as_deref().is_some_and(|there| same_area(there, area)))
            .map(|row| row.id)
            .collect();
        let families = store::services::families_at(&state.reads, &near, now).await?;
        told += tell(state, &families, session.id).await?;
    }
    Ok(told)
}

/// Tells each family party (enabled, with usable preferences) once of `session_id`.
async fn tell(state: &AppState, families: &[Uuid], session_id: Uuid) -> Result<usize, WorkflowError> {
    if families.is_empty() {
        return Ok(0);
    }
    let now = state.clock.now();
    let parties = store::parties::find_many(&state.reads, families).await?;
    let mut contacts: HashMap<Uuid, Vec<crate::entity::contact_point::Model>> = HashMap::new();
    for contact in store::contact_points::of_parties(&state.reads, families).await? {
        contacts.entry(contact.party_id).or_default().push(contact);
    }
    let mut told = 0;
    let txn = state.db.begin().await?;
    for party in parties.iter().filter(|party| party.role == PartyRole::Family && party.disabled_at.is_none()) {
        // Corrupt (logged where found): told on no channel rather than on a guess.
        let Ok(preferences) = store::parties::preferences_of(party) else { continue };
        if !store::services::remember_reminder(&txn, party.id, session_id, now).await? {
            continue;
        }
        let own = contacts.get(&party.id).map(Vec::as_slice).unwrap_or_default();
        let messages =
            crate::outbox::directory::deadline_reminder(&state.outbox.reach, party, &preferences, own, session_id);
        store::outbox::enqueue(&txn, messages, now).await?;
        told += 1;
    }
    txn.commit().await?;
    Ok(told)
}
