//! A person's data over its life: erasure on request (APPI Art. 35), and the provision records
//! that have been kept as long as the law asks.

use chrono::{DateTime, Months, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
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
    if state.db.get_database_backend() == DatabaseBackend::Sqlite {
        state.db.execute(Statement::from_string(DatabaseBackend::Sqlite, "PRAGMA wal_checkpoint(TRUNCATE)")).await?;
    }
    Ok(erased.records)
}

/// Deletes the provision records kept longer than `PROVISION_KEEP_YEARS`.
pub async fn expire_provisions(state: &AppState, now: DateTime<Utc>) -> Result<u64, WorkflowError> {
    let before = now.checked_sub_months(Months::new(12 * PROVISION_KEEP_YEARS)).unwrap_or(now);
    Ok(store::lifecycle::delete_provisions_before(&state.db, before).await?)
}
