//! A programme's history says how many sessions a recording brought the count to, so that a
//! resident's timeline reads 「SMARPP：3回目の参加」 rather than a bare "a session recorded".

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut column = integer_null(MilestoneEvents::SessionsAttended);
        manager.alter_table(Table::alter().table(MilestoneEvents::Table).add_column(&mut column).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(MilestoneEvents::Table).drop_column(MilestoneEvents::SessionsAttended).to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum MilestoneEvents {
    Table,
    SessionsAttended,
}
