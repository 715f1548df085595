//! Alerts (planned, delivered, cancelled) and the queue of persons whose alerts need planning.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alerts::Table)
                    .col(uuid(Alerts::Id).primary_key())
                    // One alert per (period, lead time, recipient): planning inserts or ignores.
                    .col(string_len(Alerts::DedupeKey, 300).unique_key())
                    .col(string_len(Alerts::Series, 300))
                    .col(uuid(Alerts::PersonId))
                    .col(uuid(Alerts::RecipientPartyId))
                    .col(uuid_null(Alerts::LinkId))
                    .col(string_len(Alerts::Rule, 64))
                    .col(string_len(Alerts::Severity, 16))
                    .col(string_len(Alerts::ScopeKind, 32))
                    .col(uuid(Alerts::SourceId))
                    .col(date(Alerts::StartsOn))
                    .col(date(Alerts::EndsOn))
                    .col(integer(Alerts::LeadDays))
                    .col(timestamp_with_time_zone(Alerts::DueAt))
                    .col(string_len(Alerts::Status, 16))
                    .col(string_len_null(Alerts::CancelReason, 32))
                    .col(boolean(Alerts::MovedEarlier))
                    .col(uuid_null(Alerts::EscalationOf))
                    .col(timestamp_with_time_zone_null(Alerts::DeliveredAt))
                    .col(timestamp_with_time_zone_null(Alerts::AcknowledgedAt))
                    .col(timestamp_with_time_zone_null(Alerts::EscalatedAt))
                    .col(timestamp_with_time_zone(Alerts::CreatedAt))
                    .col(timestamp_with_time_zone(Alerts::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("idx_alerts_due", vec![Alerts::Status, Alerts::DueAt]),
            ("idx_alerts_inbox", vec![Alerts::RecipientPartyId, Alerts::Status, Alerts::Id]),
            ("idx_alerts_person", vec![Alerts::PersonId, Alerts::Status]),
            ("idx_alerts_series", vec![Alerts::Series]),
            ("idx_alerts_escalation", vec![Alerts::Status, Alerts::Severity, Alerts::DeliveredAt]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Alerts::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(PlanRequests::Table)
                    .col(uuid(PlanRequests::PersonId).primary_key())
                    .col(timestamp_with_time_zone(PlanRequests::RequestedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(PlanRequests::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Alerts::Table).to_owned()).await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Alerts {
    Table,
    Id,
    DedupeKey,
    Series,
    PersonId,
    RecipientPartyId,
    LinkId,
    Rule,
    Severity,
    ScopeKind,
    SourceId,
    StartsOn,
    EndsOn,
    LeadDays,
    DueAt,
    Status,
    CancelReason,
    MovedEarlier,
    EscalationOf,
    DeliveredAt,
    AcknowledgedAt,
    EscalatedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum PlanRequests {
    Table,
    PersonId,
    RequestedAt,
}
