//! The record of each erasure (APPI Art. 35): which person id, when, by whom and why. It holds
//! no name; the person's data itself is gone. And an index on when a provision record was made,
//! for the scheduler's deletion of those kept past their three years.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const PROVIDED_AT: &str = "idx_provision_records_provided_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Erasures::Table)
                    .col(uuid(Erasures::Id).primary_key())
                    .col(uuid(Erasures::PersonId))
                    .col(string_len(Erasures::ErasedBy, 200))
                    .col(string_len(Erasures::Reason, 2000))
                    .col(timestamp_with_time_zone(Erasures::ErasedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(PROVIDED_AT)
                    .table(Alias::new("provision_records"))
                    .col(Alias::new("provided_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(PROVIDED_AT).table(Alias::new("provision_records")).to_owned()).await?;
        manager.drop_table(Table::drop().table(Erasures::Table).to_owned()).await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Erasures {
    Table,
    Id,
    PersonId,
    ErasedBy,
    Reason,
    ErasedAt,
}
