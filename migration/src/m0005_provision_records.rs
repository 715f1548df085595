//! The record of every provision of a person's data to a third party (APPI).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ProvisionRecords::Table)
                    .col(uuid(ProvisionRecords::Id).primary_key())
                    .col(uuid(ProvisionRecords::PersonId))
                    .col(string_len(ProvisionRecords::Channel, 16))
                    .col(string_len(ProvisionRecords::Recipient, 200))
                    .col(uuid_null(ProvisionRecords::RecipientPartyId))
                    .col(text(ProvisionRecords::Items))
                    .col(string_len(ProvisionRecords::Basis, 32))
                    .col(uuid_null(ProvisionRecords::LinkId))
                    .col(uuid_null(ProvisionRecords::ConsentRecordId))
                    .col(uuid_null(ProvisionRecords::SourceId))
                    .col(timestamp_with_time_zone(ProvisionRecords::ProvidedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_provision_records_person")
                    .table(ProvisionRecords::Table)
                    .col(ProvisionRecords::PersonId)
                    .col(ProvisionRecords::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ProvisionRecords::Table).to_owned()).await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum ProvisionRecords {
    Table,
    Id,
    PersonId,
    Channel,
    Recipient,
    RecipientPartyId,
    Items,
    Basis,
    LinkId,
    ConsentRecordId,
    SourceId,
    ProvidedAt,
}
