//! Webhook subscriptions, their outbox of messages, and the log of every delivery attempt.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebhookSubscriptions::Table)
                    .col(uuid(WebhookSubscriptions::Id).primary_key())
                    .col(uuid(WebhookSubscriptions::OrganizationId))
                    .col(string_len(WebhookSubscriptions::Url, 2000))
                    .col(string_len(WebhookSubscriptions::Events, 500))
                    .col(string_len(WebhookSubscriptions::Secret, 100))
                    .col(timestamp_with_time_zone_null(WebhookSubscriptions::DisabledAt))
                    .col(string_len_null(WebhookSubscriptions::DisabledReason, 200))
                    .col(timestamp_with_time_zone(WebhookSubscriptions::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_subscriptions_org")
                    .table(WebhookSubscriptions::Table)
                    .col(WebhookSubscriptions::OrganizationId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookMessages::Table)
                    .col(uuid(WebhookMessages::Id).primary_key())
                    .col(uuid(WebhookMessages::SubscriptionId))
                    .col(uuid(WebhookMessages::AlertId))
                    .col(uuid(WebhookMessages::PersonId))
                    .col(string_len(WebhookMessages::EventType, 64))
                    .col(text(WebhookMessages::Payload))
                    .col(string_len(WebhookMessages::Status, 16))
                    .col(integer(WebhookMessages::Attempts))
                    .col(timestamp_with_time_zone(WebhookMessages::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(WebhookMessages::ClaimedUntil))
                    .col(timestamp_with_time_zone_null(WebhookMessages::DeliveredAt))
                    .col(timestamp_with_time_zone(WebhookMessages::CreatedAt))
                    .col(timestamp_with_time_zone(WebhookMessages::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_messages_once")
                    .table(WebhookMessages::Table)
                    .col(WebhookMessages::SubscriptionId)
                    .col(WebhookMessages::AlertId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_messages_due")
                    .table(WebhookMessages::Table)
                    .col(WebhookMessages::Status)
                    .col(WebhookMessages::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookAttempts::Table)
                    .col(uuid(WebhookAttempts::Id).primary_key())
                    .col(uuid(WebhookAttempts::MessageId))
                    .col(uuid(WebhookAttempts::SubscriptionId))
                    .col(integer(WebhookAttempts::Attempt))
                    .col(integer_null(WebhookAttempts::StatusCode))
                    .col(string_len_null(WebhookAttempts::Error, 500))
                    .col(timestamp_with_time_zone(WebhookAttempts::AttemptedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_attempts_subscription")
                    .table(WebhookAttempts::Table)
                    .col(WebhookAttempts::SubscriptionId)
                    .col(WebhookAttempts::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(WebhookAttempts::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(WebhookMessages::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(WebhookSubscriptions::Table).to_owned()).await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum WebhookSubscriptions {
    Table,
    Id,
    OrganizationId,
    Url,
    Events,
    Secret,
    DisabledAt,
    DisabledReason,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum WebhookMessages {
    Table,
    Id,
    SubscriptionId,
    AlertId,
    PersonId,
    EventType,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    ClaimedUntil,
    DeliveredAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum WebhookAttempts {
    Table,
    Id,
    MessageId,
    SubscriptionId,
    Attempt,
    StatusCode,
    Error,
    AttemptedAt,
}
