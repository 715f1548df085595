//! Scheduled dates pushed by probation systems, and the idempotency keys of their batches.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ScheduleEntries::Table)
                    .col(uuid(ScheduleEntries::Id).primary_key())
                    .col(uuid(ScheduleEntries::OwnerPartyId))
                    .col(string_len(ScheduleEntries::ExternalId, 200))
                    .col(uuid(ScheduleEntries::PersonId))
                    .col(string_len(ScheduleEntries::Kind, 32))
                    .col(date(ScheduleEntries::On))
                    .col(string_len_null(ScheduleEntries::ReleaseType, 16))
                    .col(uuid_null(ScheduleEntries::MilestoneId))
                    .col(timestamp_with_time_zone(ScheduleEntries::CreatedAt))
                    .col(timestamp_with_time_zone(ScheduleEntries::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_schedule_entries_owner_external")
                    .table(ScheduleEntries::Table)
                    .col(ScheduleEntries::OwnerPartyId)
                    .col(ScheduleEntries::ExternalId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_schedule_entries_person")
                    .table(ScheduleEntries::Table)
                    .col(ScheduleEntries::PersonId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(uuid(IdempotencyKeys::OwnerPartyId))
                    .col(string_len(IdempotencyKeys::Key, 200))
                    .col(string_len(IdempotencyKeys::RequestHash, 64))
                    .col(string_len(IdempotencyKeys::State, 16))
                    .col(text_null(IdempotencyKeys::ResponseBody))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .col(timestamp_with_time_zone(IdempotencyKeys::UpdatedAt))
                    .primary_key(Index::create().col(IdempotencyKeys::OwnerPartyId).col(IdempotencyKeys::Key))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(IdempotencyKeys::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ScheduleEntries::Table).to_owned()).await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum ScheduleEntries {
    Table,
    Id,
    OwnerPartyId,
    ExternalId,
    PersonId,
    Kind,
    On,
    ReleaseType,
    MilestoneId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum IdempotencyKeys {
    Table,
    OwnerPartyId,
    Key,
    RequestHash,
    State,
    ResponseBody,
    CreatedAt,
    UpdatedAt,
}
