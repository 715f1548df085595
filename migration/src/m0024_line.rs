//! LINE as a channel: what a party wants on it, the link tokens LINE issued to users who
//! followed the official account, and the single-use nonces that tie such a user to a party
//! who signed in. (Webhook events already handled are kept with the other callbacks.)

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const NONCES_OF: &str = "idx_line_nonces_party";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut column = string_len(Parties::LinePreference, 10).default("immediate").to_owned();
        manager.alter_table(Table::alter().table(Parties::Table).add_column(&mut column).to_owned()).await?;
        manager
            .create_table(
                Table::create()
                    .table(LineLinkTokens::Table)
                    .col(string_len(LineLinkTokens::TokenHash, 64).primary_key())
                    .col(string_len(LineLinkTokens::LineUserId, 40))
                    .col(timestamp_with_time_zone(LineLinkTokens::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LineNonces::Table)
                    .col(string_len(LineNonces::NonceHash, 64).primary_key())
                    .col(uuid(LineNonces::PartyId))
                    .col(string_len(LineNonces::LineUserId, 40))
                    .col(timestamp_with_time_zone(LineNonces::ExpiresAt))
                    .col(timestamp_with_time_zone_null(LineNonces::UsedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name(NONCES_OF).table(LineNonces::Table).col(LineNonces::PartyId).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(NONCES_OF).table(LineNonces::Table).to_owned()).await?;
        for table in [LineNonces::Table.into_iden(), LineLinkTokens::Table.into_iden()] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        manager.alter_table(Table::alter().table(Parties::Table).drop_column(Parties::LinePreference).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Parties {
    Table,
    LinePreference,
}

#[derive(DeriveIden)]
enum LineLinkTokens {
    Table,
    TokenHash,
    LineUserId,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum LineNonces {
    Table,
    NonceHash,
    PartyId,
    LineUserId,
    ExpiresAt,
    UsedAt,
}
