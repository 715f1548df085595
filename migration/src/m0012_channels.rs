//! E-mail and SMS beside the webhooks, on one outbox.
//!
//! The webhook outbox becomes the outbox of every channel: `outbox_messages` (was
//! `webhook_messages`) with a `channel` and a `target_id` (the webhook subscription, or the
//! contact point a message goes to), the party it reaches, and the provider's id and receipt
//! for it; `outbox_attempts` (was `webhook_attempts`) logs every try on every channel.
//!
//! `contact_points` are a party's e-mail addresses and phone numbers with their confirmation
//! and opt-out state (the confirmation token kept only as a hash; the unsubscribe token as it
//! is, since every message carries it and it can do nothing but stop messages); parties get their channel preferences; `digests` holds one row per party
//! and local day, so a daily digest is written once however many instances run.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const CONTACTS_OF_PARTY: &str = "idx_contact_points_party";
const CONTACT_ADDRESS: &str = "idx_contact_points_address";
const CONFIRM_TOKEN: &str = "idx_contact_points_confirm";
const UNSUBSCRIBE_TOKEN: &str = "idx_contact_points_unsubscribe";
const MESSAGES_OF_ALERT: &str = "idx_outbox_messages_alert";
const MESSAGES_BY_PROVIDER_ID: &str = "idx_outbox_messages_provider";
const DIGEST_ONCE: &str = "idx_digests_once";

fn message_columns() -> Vec<ColumnDef> {
    vec![
        ColumnDef::new(OutboxMessages::Channel).string_len(16).not_null().default("webhook").to_owned(),
        ColumnDef::new(OutboxMessages::PartyId).uuid().null().to_owned(),
        ColumnDef::new(OutboxMessages::ProviderId).string_len(200).null().to_owned(),
        ColumnDef::new(OutboxMessages::Receipt).string_len(16).null().to_owned(),
        ColumnDef::new(OutboxMessages::ReceiptError).string_len(200).null().to_owned(),
    ]
}

fn party_columns() -> Vec<ColumnDef> {
    vec![
        ColumnDef::new(Parties::EmailPreference).string_len(16).not_null().default("immediate").to_owned(),
        ColumnDef::new(Parties::SmsPreference).string_len(16).not_null().default("critical").to_owned(),
        ColumnDef::new(Parties::DigestAt).string_len(5).not_null().default("08:00").to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let rename = |from: &str, to: &str| Table::rename().table(Alias::new(from), Alias::new(to)).to_owned();
        manager.rename_table(rename("webhook_messages", "outbox_messages")).await?;
        manager.rename_table(rename("webhook_attempts", "outbox_attempts")).await?;
        for table in [Alias::new("outbox_messages"), Alias::new("outbox_attempts")] {
            let change = Table::alter()
                .table(table)
                .rename_column(Alias::new("subscription_id"), Alias::new("target_id"))
                .to_owned();
            manager.alter_table(change).await?;
        }
        for mut column in message_columns() {
            manager.alter_table(Table::alter().table(OutboxMessages::Table).add_column(&mut column).to_owned()).await?;
        }
        for mut column in party_columns() {
            manager.alter_table(Table::alter().table(Parties::Table).add_column(&mut column).to_owned()).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name(MESSAGES_OF_ALERT)
                    .table(OutboxMessages::Table)
                    .col(OutboxMessages::AlertId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(MESSAGES_BY_PROVIDER_ID)
                    .table(OutboxMessages::Table)
                    .col(OutboxMessages::ProviderId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ContactPoints::Table)
                    .col(uuid(ContactPoints::Id).primary_key())
                    .col(uuid(ContactPoints::PartyId))
                    .col(string_len(ContactPoints::Channel, 16))
                    .col(string_len(ContactPoints::Address, 320))
                    .col(string_len(ContactPoints::Status, 16))
                    .col(string_len_null(ContactPoints::ConfirmTokenHash, 64))
                    .col(string_len(ContactPoints::UnsubscribeToken, 64))
                    .col(timestamp_with_time_zone_null(ContactPoints::ConfirmedAt))
                    .col(timestamp_with_time_zone(ContactPoints::CreatedAt))
                    .col(timestamp_with_time_zone(ContactPoints::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(CONTACTS_OF_PARTY)
                    .table(ContactPoints::Table)
                    .col(ContactPoints::PartyId)
                    .col(ContactPoints::Channel)
                    .col(ContactPoints::Address)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(CONTACT_ADDRESS)
                    .table(ContactPoints::Table)
                    .col(ContactPoints::Channel)
                    .col(ContactPoints::Address)
                    .to_owned(),
            )
            .await?;
        for (name, column) in
            [(CONFIRM_TOKEN, ContactPoints::ConfirmTokenHash), (UNSUBSCRIBE_TOKEN, ContactPoints::UnsubscribeToken)]
        {
            manager.create_index(Index::create().name(name).table(ContactPoints::Table).col(column).to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Digests::Table)
                    .col(uuid(Digests::Id).primary_key())
                    .col(uuid(Digests::PartyId))
                    .col(date(Digests::LocalDate))
                    .col(integer(Digests::Items))
                    .col(timestamp_with_time_zone(Digests::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(DIGEST_ONCE)
                    .table(Digests::Table)
                    .col(Digests::PartyId)
                    .col(Digests::LocalDate)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Digests::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ContactPoints::Table).to_owned()).await?;
        for name in [MESSAGES_OF_ALERT, MESSAGES_BY_PROVIDER_ID] {
            manager.drop_index(Index::drop().name(name).table(OutboxMessages::Table).to_owned()).await?;
        }
        for column in party_columns().into_iter().rev() {
            let name = Alias::new(column.get_column_name());
            manager.alter_table(Table::alter().table(Parties::Table).drop_column(name).to_owned()).await?;
        }
        for column in message_columns().into_iter().rev() {
            let name = Alias::new(column.get_column_name());
            manager.alter_table(Table::alter().table(OutboxMessages::Table).drop_column(name).to_owned()).await?;
        }
        for table in [Alias::new("outbox_messages"), Alias::new("outbox_attempts")] {
            let change = Table::alter()
                .table(table)
                .rename_column(Alias::new("target_id"), Alias::new("subscription_id"))
                .to_owned();
            manager.alter_table(change).await?;
        }
        let rename = |from: &str, to: &str| Table::rename().table(Alias::new(from), Alias::new(to)).to_owned();
        manager.rename_table(rename("outbox_attempts", "webhook_attempts")).await?;
        manager.rename_table(rename("outbox_messages", "webhook_messages")).await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum OutboxMessages {
    Table,
    AlertId,
    Channel,
    PartyId,
    ProviderId,
    Receipt,
    ReceiptError,
}

#[derive(DeriveIden, Clone, Copy)]
enum Parties {
    Table,
    EmailPreference,
    SmsPreference,
    DigestAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ContactPoints {
    Table,
    Id,
    PartyId,
    Channel,
    Address,
    Status,
    ConfirmTokenHash,
    UnsubscribeToken,
    ConfirmedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Digests {
    Table,
    Id,
    PartyId,
    LocalDate,
    Items,
    CreatedAt,
}
