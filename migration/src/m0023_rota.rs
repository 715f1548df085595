//! Who is on duty at a facility, and what a team alert did to reach them: an organisation's
//! rota (weekly shifts in its zone, one-off overrides, how long a critical alert waits, the
//! escalation list and the managers), each step of an alert's ladder, how an alert was
//! acknowledged, and the hand-over an incoming staff member is sent once per shift change.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const LADDER_DUE: &str = "idx_alerts_ladder_next_at";
const SHIFTS_OF: &str = "idx_rota_shifts_organization";
const OVERRIDES_OF: &str = "idx_rota_overrides_organization";
const STEPS_OF: &str = "idx_alert_escalations_alert";
const HANDOVER_ONCE: &str = "idx_handovers_once";
const MESSAGE_ONCE: &str = "idx_outbox_messages_once_handover";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Rotas::Table)
                    .col(uuid(Rotas::OrganizationId).primary_key())
                    .col(integer(Rotas::EscalateAfterMinutes))
                    .col(text(Rotas::Managers))
                    .col(text(Rotas::Escalation))
                    .col(timestamp_with_time_zone_null(Rotas::HandoverCheckedUntil))
                    .col(timestamp_with_time_zone(Rotas::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RotaShifts::Table)
                    .col(uuid(RotaShifts::Id).primary_key())
                    .col(uuid(RotaShifts::OrganizationId))
                    .col(integer(RotaShifts::Position))
                    .col(uuid(RotaShifts::PartyId))
                    .col(string_len(RotaShifts::Weekdays, 20))
                    .col(string_len(RotaShifts::StartsAt, 5))
                    .col(string_len(RotaShifts::EndsAt, 5))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RotaOverrides::Table)
                    .col(uuid(RotaOverrides::Id).primary_key())
                    .col(uuid(RotaOverrides::OrganizationId))
                    .col(uuid(RotaOverrides::PartyId))
                    .col(timestamp_with_time_zone(RotaOverrides::StartsAt))
                    .col(timestamp_with_time_zone(RotaOverrides::EndsAt))
                    .col(timestamp_with_time_zone(RotaOverrides::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AlertEscalations::Table)
                    .col(uuid(AlertEscalations::Id).primary_key())
                    .col(uuid(AlertEscalations::AlertId))
                    .col(uuid_null(AlertEscalations::PartyId))
                    .col(string_len(AlertEscalations::Rung, 20))
                    .col(string_len_null(AlertEscalations::Channel, 10))
                    .col(string_len_null(AlertEscalations::Skipped, 20))
                    .col(timestamp_with_time_zone(AlertEscalations::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Handovers::Table)
                    .col(uuid(Handovers::Id).primary_key())
                    .col(uuid(Handovers::OrganizationId))
                    .col(uuid(Handovers::PartyId))
                    .col(timestamp_with_time_zone(Handovers::ShiftStartsAt))
                    .col(integer(Handovers::OpenAlerts))
                    .col(integer(Handovers::PeriodsStarting))
                    .col(timestamp_with_time_zone(Handovers::CreatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, table, column) in [
            (SHIFTS_OF, RotaShifts::Table.into_iden(), RotaShifts::OrganizationId.into_iden()),
            (OVERRIDES_OF, RotaOverrides::Table.into_iden(), RotaOverrides::OrganizationId.into_iden()),
            (STEPS_OF, AlertEscalations::Table.into_iden(), AlertEscalations::AlertId.into_iden()),
        ] {
            manager.create_index(Index::create().name(name).table(table).col(column).to_owned()).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name(HANDOVER_ONCE)
                    .table(Handovers::Table)
                    .col(Handovers::OrganizationId)
                    .col(Handovers::ShiftStartsAt)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for column in
            [timestamp_with_time_zone_null(Alerts::LadderNextAt), string_len_null(Alerts::AcknowledgedVia, 10)]
        {
            let mut column = column;
            manager.alter_table(Table::alter().table(Alerts::Table).add_column(&mut column).to_owned()).await?;
        }
        manager
            .create_index(Index::create().name(LADDER_DUE).table(Alerts::Table).col(Alerts::LadderNextAt).to_owned())
            .await?;
        let mut column = uuid_null(Messages::HandoverId);
        manager.alter_table(Table::alter().table(Messages::Table).add_column(&mut column).to_owned()).await?;
        manager
            .create_index(
                Index::create()
                    .name(MESSAGE_ONCE)
                    .table(Messages::Table)
                    .col(Messages::TargetId)
                    .col(Messages::HandoverId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(MESSAGE_ONCE).table(Messages::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Messages::Table).drop_column(Messages::HandoverId).to_owned()).await?;
        manager.drop_index(Index::drop().name(LADDER_DUE).table(Alerts::Table).to_owned()).await?;
        for column in [Alerts::LadderNextAt, Alerts::AcknowledgedVia] {
            manager.alter_table(Table::alter().table(Alerts::Table).drop_column(column).to_owned()).await?;
        }
        for table in [
            Handovers::Table.into_iden(),
            AlertEscalations::Table.into_iden(),
            RotaOverrides::Table.into_iden(),
            RotaShifts::Table.into_iden(),
            Rotas::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Rotas {
    Table,
    OrganizationId,
    EscalateAfterMinutes,
    Managers,
    Escalation,
    HandoverCheckedUntil,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RotaShifts {
    Table,
    Id,
    OrganizationId,
    Position,
    PartyId,
    Weekdays,
    StartsAt,
    EndsAt,
}

#[derive(DeriveIden)]
enum RotaOverrides {
    Table,
    Id,
    OrganizationId,
    PartyId,
    StartsAt,
    EndsAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AlertEscalations {
    Table,
    Id,
    AlertId,
    PartyId,
    Rung,
    Channel,
    Skipped,
    At,
}

#[derive(DeriveIden)]
enum Handovers {
    Table,
    Id,
    OrganizationId,
    PartyId,
    ShiftStartsAt,
    OpenAlerts,
    PeriodsStarting,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Alerts {
    Table,
    LadderNextAt,
    AcknowledgedVia,
}

#[derive(DeriveIden)]
enum Messages {
    #[sea_orm(iden = "outbox_messages")]
    Table,
    TargetId,
    HandoverId,
}
