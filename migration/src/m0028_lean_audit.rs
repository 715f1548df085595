//! Every audited read adds a line, so the audit table's indexes are written on every request.
//! The lines arrive in time order, and so do their ids (UUIDv7) and `at`: those indexes grow at
//! their end. The indexes by person and by actor took keys in random order, so each line of a
//! group commit dirtied its own leaf page of each: measured with `cargo bench --bench load`,
//! dropping both lifted the audited-read floor from 0.144× to 0.315× the static floor. The
//! person index served no query (a person's lines are those naming them or listing them, an
//! `OR` with a `LIKE` that reads the table whole anyway); a search by actor now reads the lines
//! of its time range (by `at`), or the whole log when none is given.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["idx_audit_person", "idx_audit_actor"] {
            manager.drop_index(Index::drop().name(name).table(AuditEvents::Table).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, column) in [("idx_audit_person", AuditEvents::PersonId), ("idx_audit_actor", AuditEvents::Actor)] {
            let index =
                Index::create().name(name).table(AuditEvents::Table).col(column).col(AuditEvents::Id).to_owned();
            manager.create_index(index).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditEvents {
    Table,
    Id,
    PersonId,
    Actor,
}
