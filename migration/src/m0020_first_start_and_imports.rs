//! The first start and a facility's spreadsheet: one-time set-up links for an admin (only a
//! keyed hash of each is kept), imports checked and shown before they are stored, and the
//! facility's own id of a resident on the placement, so that a file imported twice creates
//! each resident once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SetupLinks::Table)
                    .col(uuid(SetupLinks::Id).primary_key())
                    .col(string_len(SetupLinks::CodeHash, 128).unique_key())
                    .col(string_len_null(SetupLinks::Name, 100))
                    .col(boolean(SetupLinks::FirstStart))
                    .col(timestamp_with_time_zone(SetupLinks::CreatedAt))
                    .col(timestamp_with_time_zone(SetupLinks::ExpiresAt))
                    .col(timestamp_with_time_zone_null(SetupLinks::UsedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Imports::Table)
                    .col(uuid(Imports::Id).primary_key())
                    .col(uuid(Imports::OrganizationId))
                    .col(string_len(Imports::CreatedBy, 100))
                    .col(text(Imports::Content))
                    .col(timestamp_with_time_zone(Imports::CreatedAt))
                    .col(timestamp_with_time_zone(Imports::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Imports::ConfirmedAt))
                    .col(text_null(Imports::Created))
                    .to_owned(),
            )
            .await?;
        let mut column = string_len_null(Placements::ExternalId, 64);
        manager.alter_table(Table::alter().table(Placements::Table).add_column(&mut column).to_owned()).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_placements_external_id")
                    .table(Placements::Table)
                    .col(Placements::OrganizationId)
                    .col(Placements::ExternalId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("idx_placements_external_id").table(Placements::Table).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(Placements::Table).drop_column(Placements::ExternalId).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(Imports::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(SetupLinks::Table).to_owned()).await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum SetupLinks {
    Table,
    Id,
    CodeHash,
    Name,
    FirstStart,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Imports {
    Table,
    Id,
    OrganizationId,
    CreatedBy,
    Content,
    CreatedAt,
    ExpiresAt,
    ConfirmedAt,
    Created,
}

#[derive(DeriveIden, Clone, Copy)]
enum Placements {
    Table,
    OrganizationId,
    ExternalId,
}
