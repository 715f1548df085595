//! A person's data over its life: erasure on request (APPI Art. 35), and the provision records
//! that have been kept as long as the law asks.

use chrono::{DateTime, Months, Utc};
use uuid::Uuid;

use super::WorkflowError;
use crate::{
    domain::{Note, Refusals},
    state::AppState,
    store::{self, audit::AuditEntry},
};

/// How long a provision record is kept (APPI Art. 29/30 records: three years).
pub const PROVISION_KEEP_YEARS: u32 = 3;

/// Erases a person: everything about them goes in one transaction, but the provision records
/// and the audit trail (which hold no name), and a record of the erasure itself. Nothing not
/// yet sent about them will be. On SQLite the log is then checkpointed, so that the erased text
/// is in no file (deleted pages are overwritten: `secure_delete`).
pub async fn erase_person(
    state: &AppState,
    person_id: Uuid,
    reason: &str,
    audit: AuditEntry,
) -> Result<u64, WorkflowError> {
    let reason = Note::parse_at_most(reason, 2000)
        .map_err(|why| Refusals::one("reason", why))?
        .ok_or_else(|| Refusals::one("reason", crate::domain::Why::SayWhy.into()))?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let person = store::persons::find(&txn, person_id).await?.ok_or(WorkflowError::NotFound)?;
    let erased = store::lifecycle::erase(&txn, person_id, &person.display_name).await?;
    store::lifecycle::record_erasure(&txn, person_id, audit.actor.clone(), reason.into_inner(), now).await?;
    store::audit::record(&txn, vec![audit], now).await?;
    txn.commit().await?;
    store::lifecycle::checkpoint(&state.db).await?;
    Ok(erased.records)
}

/// Deletes the provision records kept longer than `PROVISION_KEEP_YEARS`.
pub async fn expire_provisions(state: &AppState, now: DateTime<Utc>) -> Result<u64, WorkflowError> {
    let before = now.checked_sub_months(Months::new(12 * PROVISION_KEEP_YEARS)).unwrap_or(DateTime::<Utc>::MIN_UTC);
    // Checked spreadsheets never confirmed (or confirmed) go after their day too.
    store::imports::delete_expired(&state.db, now).await?;
    Ok(store::lifecycle::delete_provisions_before(&state.db, before).await?)
}

/// One person the retention review lists: idle since `last_on`.
pub struct IdlePerson {
    pub person_id: Uuid,
    pub display_name: String,
    /// The latest day of their record (or the day they were entered, for a record with no
    /// date at all).
    pub last_on: chrono::NaiveDate,
}

/// The persons with no placement now and nothing in their record for `retention_years`,
/// oldest first, for a decision on erasure. Each is audited as listed to `viewer`.
pub async fn retention_review(
    state: &AppState,
    audit: impl FnOnce(&[Uuid]) -> Vec<AuditEntry>,
) -> Result<Vec<IdlePerson>, WorkflowError> {
    let now = state.clock.now();
    let today = now.date_naive();
    // A span the calendar cannot hold lists no one, rather than everyone.
    let since = today.checked_sub_months(Months::new(12 * state.retention_years)).unwrap_or(chrono::NaiveDate::MIN);
    let idle = store::lifecycle::idle_since(&state.reads, since, now).await?;
    let ids: Vec<Uuid> = idle.iter().map(|(id, _)| *id).collect();
    let persons: std::collections::HashMap<Uuid, crate::entity::person::Model> =
        store::persons::find_many(&state.reads, &ids).await?.into_iter().map(|p| (p.id, p)).collect();
    let mut listed: Vec<IdlePerson> = idle
        .into_iter()
        .filter_map(|(person_id, last)| {
            let person = persons.get(&person_id)?;
            let last_on = last.unwrap_or_else(|| person.created_at.date_naive());
            (last_on < since).then(|| IdlePerson { person_id, display_name: person.display_name.clone(), last_on })
        })
        .collect();
    listed.sort_by_key(|idle| (idle.last_on, idle.person_id));
    let shown: Vec<Uuid> = listed.iter().map(|idle| idle.person_id).collect();
    state.audit.record(audit(&shown), now).await?;
    Ok(listed)
}
