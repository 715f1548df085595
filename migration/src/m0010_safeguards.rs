//! What the attack review asked the schema to hold:
//!
//! - a person's planning that failed is set aside with its error (`plan_requests.failed_at`,
//!   `failure`), visible to admins, rather than retried forever ahead of everyone else;
//! - a note the service writes for one consent kind (custody, on a programme's interruption)
//!   says so (`milestone_events.note_scope`), so that it is shown only within that consent;
//! - a consent staff record after the person narrowed or revoked it carries the basis of the
//!   person's new consent (`consent_records.basis`, `basis_reference`, `basis_on`);
//! - a party can be disabled (`parties.disabled_at`): every token of theirs is refused.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn columns() -> Vec<(DynIden, ColumnDef)> {
    vec![
        (
            PlanRequests::Table.into_iden(),
            ColumnDef::new(PlanRequests::FailedAt).timestamp_with_time_zone().null().to_owned(),
        ),
        (PlanRequests::Table.into_iden(), ColumnDef::new(PlanRequests::Failure).text().null().to_owned()),
        (MilestoneEvents::Table.into_iden(), ColumnDef::new(MilestoneEvents::NoteScope).string().null().to_owned()),
        (ConsentRecords::Table.into_iden(), ColumnDef::new(ConsentRecords::Basis).string().null().to_owned()),
        (ConsentRecords::Table.into_iden(), ColumnDef::new(ConsentRecords::BasisReference).string().null().to_owned()),
        (ConsentRecords::Table.into_iden(), ColumnDef::new(ConsentRecords::BasisOn).date().null().to_owned()),
        (Parties::Table.into_iden(), ColumnDef::new(Parties::DisabledAt).timestamp_with_time_zone().null().to_owned()),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column a statement: SQLite adds one at a time.
        for (table, mut column) in columns() {
            manager.alter_table(Table::alter().table(table).add_column(&mut column).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in columns().into_iter().rev() {
            let name = Alias::new(column.get_column_name());
            manager.alter_table(Table::alter().table(table).drop_column(name).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum PlanRequests {
    Table,
    FailedAt,
    Failure,
}

#[derive(DeriveIden)]
enum MilestoneEvents {
    Table,
    NoteScope,
}

#[derive(DeriveIden)]
enum ConsentRecords {
    Table,
    Basis,
    BasisReference,
    BasisOn,
}

#[derive(DeriveIden)]
enum Parties {
    Table,
    DisabledAt,
}
