//! The health check's own row: written only to learn whether the database takes writes.

use crate::entity::health_probe;
use chrono::{DateTime, Utc};
use sea_orm::{sea_query::OnConflict, DbErr, EntityTrait, Set};

use super::{Connected, Write};

/// Writes (or rewrites) the probe row.
pub async fn probe(db: &impl Write, now: DateTime<Utc>) -> Result<(), DbErr> {
    health_probe::Entity::insert(health_probe::ActiveModel { id: Set("probe".to_owned()), written_at: Set(now) })
        .on_conflict(
            OnConflict::column(health_probe::Column::Id).update_column(health_probe::Column::WrittenAt).to_owned(),
        )
        .exec_without_returning(db.conn())
        .await?;
    Ok(())
}
