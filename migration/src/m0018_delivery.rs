//! Delivery that waits for no one: a message's priority (someone waiting, a critical alert,
//! the rest), when an SMS was handed to the gateway (so a crash after it is never resent
//! blindly), and a row the health check writes to learn whether the database takes writes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column a statement.
        let columns = [
            integer(OutboxMessages::Priority).default(1).to_owned(),
            timestamp_with_time_zone_null(OutboxMessages::HandingOverSince),
        ];
        for mut column in columns {
            manager.alter_table(Table::alter().table(OutboxMessages::Table).add_column(&mut column).to_owned()).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_messages_due_by_priority")
                    .table(OutboxMessages::Table)
                    .col(OutboxMessages::Status)
                    .col(OutboxMessages::Priority)
                    .col(OutboxMessages::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(HealthProbes::Table)
                    .col(string_len(HealthProbes::Id, 16).primary_key())
                    .col(timestamp_with_time_zone(HealthProbes::WrittenAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(HealthProbes::Table).to_owned()).await?;
        manager
            .drop_index(
                Index::drop().name("idx_outbox_messages_due_by_priority").table(OutboxMessages::Table).to_owned(),
            )
            .await?;
        for column in [OutboxMessages::Priority, OutboxMessages::HandingOverSince] {
            manager.alter_table(Table::alter().table(OutboxMessages::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum OutboxMessages {
    Table,
    Status,
    NextAttemptAt,
    Priority,
    HandingOverSince,
}

#[derive(DeriveIden, Clone, Copy)]
enum HealthProbes {
    Table,
    Id,
    WrittenAt,
}
