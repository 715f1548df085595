//! Organisations, parties, persons and the generated token-signing keys.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organizations::Table)
                    .col(uuid(Organizations::Id).primary_key())
                    .col(string_len(Organizations::Kind, 32))
                    .col(string_len(Organizations::Name, 400))
                    .col(string_len(Organizations::Timezone, 64))
                    .col(timestamp_with_time_zone(Organizations::CreatedAt))
                    .col(timestamp_with_time_zone(Organizations::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Parties::Table)
                    .col(uuid(Parties::Id).primary_key())
                    .col(string_len(Parties::Role, 16))
                    .col(string_len(Parties::DisplayName, 400))
                    .col(uuid_null(Parties::OrganizationId))
                    .col(string_len(Parties::Language, 8))
                    .col(string_len(Parties::Timezone, 64))
                    .col(string_len_null(Parties::QuietHoursStart, 5))
                    .col(string_len_null(Parties::QuietHoursEnd, 5))
                    .col(timestamp_with_time_zone(Parties::CreatedAt))
                    .col(timestamp_with_time_zone(Parties::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_parties_organization")
                            .from(Parties::Table, Parties::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_parties_organization")
                    .table(Parties::Table)
                    .col(Parties::OrganizationId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Persons::Table)
                    .col(uuid(Persons::Id).primary_key())
                    .col(string_len(Persons::DisplayName, 400))
                    .col(date_null(Persons::BirthDate))
                    .col(string_len(Persons::Language, 8))
                    .col(string_len(Persons::Timezone, 64))
                    .col(timestamp_with_time_zone(Persons::CreatedAt))
                    .col(timestamp_with_time_zone(Persons::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SigningKeys::Table)
                    .col(string_len(SigningKeys::Kid, 64).primary_key())
                    .col(string_len(SigningKeys::Algorithm, 16))
                    .col(text(SigningKeys::Secret))
                    .col(timestamp_with_time_zone(SigningKeys::CreatedAt))
                    .col(timestamp_with_time_zone_null(SigningKeys::RetiredAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SigningKeys::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Persons::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Parties::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Organizations::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
    Kind,
    Name,
    Timezone,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Parties {
    Table,
    Id,
    Role,
    DisplayName,
    OrganizationId,
    Language,
    Timezone,
    QuietHoursStart,
    QuietHoursEnd,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Persons {
    Table,
    Id,
    DisplayName,
    BirthDate,
    Language,
    Timezone,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SigningKeys {
    Table,
    Kid,
    Algorithm,
    Secret,
    CreatedAt,
    RetiredAt,
}
