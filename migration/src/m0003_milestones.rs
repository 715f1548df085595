//! Milestones with their event history, custody periods and lapses.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let dates = [
            Milestones::RequestedOn,
            Milestones::GrantedOn,
            Milestones::ReleasedOn,
            Milestones::EndedOn,
            Milestones::HearingOn,
            Milestones::JudgmentOn,
            Milestones::ScheduledOn,
            Milestones::SupervisionEndsOn,
            Milestones::OpensOn,
            Milestones::ClosesOn,
            Milestones::UsedOn,
            Milestones::ReferredOn,
            Milestones::EnrolledOn,
            Milestones::StartedOn,
        ];
        let mut table = Table::create();
        table
            .table(Milestones::Table)
            .col(uuid(Milestones::Id).primary_key())
            .col(uuid(Milestones::PersonId))
            .col(string_len(Milestones::Kind, 32))
            .col(string_len(Milestones::State, 32))
            .col(big_integer(Milestones::Version))
            .col(date_null(Milestones::StateSince));
        for column in dates {
            table.col(date_null(column));
        }
        table
            .col(string_len_null(Milestones::ReleaseType, 16))
            .col(string_len_null(Milestones::Program, 32))
            .col(integer_null(Milestones::SessionsPlanned))
            .col(integer(Milestones::SessionsAttended))
            .col(integer(Milestones::Extensions))
            .col(uuid_null(Milestones::SourceMilestoneId))
            .col(timestamp_with_time_zone(Milestones::CreatedAt))
            .col(timestamp_with_time_zone(Milestones::UpdatedAt))
            .foreign_key(
                ForeignKey::create()
                    .name("fk_milestones_person")
                    .from(Milestones::Table, Milestones::PersonId)
                    .to(Persons::Table, Persons::Id),
            );
        manager.create_table(table.to_owned()).await?;
        index(manager, "idx_milestones_person", Milestones::Table, &[Milestones::PersonId, Milestones::Id]).await?;
        index(manager, "idx_milestones_kind_state", Milestones::Table, &[Milestones::Kind, Milestones::State]).await?;

        manager
            .create_table(
                Table::create()
                    .table(MilestoneEvents::Table)
                    .col(uuid(MilestoneEvents::Id).primary_key())
                    .col(uuid(MilestoneEvents::MilestoneId))
                    .col(uuid(MilestoneEvents::PersonId))
                    .col(string_len(MilestoneEvents::Kind, 32))
                    .col(string_len(MilestoneEvents::FromState, 32))
                    .col(string_len(MilestoneEvents::Event, 32))
                    .col(string_len(MilestoneEvents::ToState, 32))
                    .col(date(MilestoneEvents::EffectiveOn))
                    .col(string_len_null(MilestoneEvents::Field, 32))
                    .col(date_null(MilestoneEvents::OldDate))
                    .col(date_null(MilestoneEvents::NewDate))
                    .col(text_null(MilestoneEvents::Note))
                    .col(string_len(MilestoneEvents::Actor, 200))
                    .col(string_len(MilestoneEvents::ActorRole, 16))
                    .col(big_integer(MilestoneEvents::Version))
                    .col(timestamp_with_time_zone(MilestoneEvents::RecordedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_milestone_events_milestone")
                            .from(MilestoneEvents::Table, MilestoneEvents::MilestoneId)
                            .to(Milestones::Table, Milestones::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_milestone_events_milestone",
            MilestoneEvents::Table,
            &[MilestoneEvents::MilestoneId, MilestoneEvents::Id],
        )
        .await?;
        index(
            manager,
            "idx_milestone_events_person",
            MilestoneEvents::Table,
            &[MilestoneEvents::PersonId, MilestoneEvents::EffectiveOn],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(CustodyPeriods::Table)
                    .col(uuid(CustodyPeriods::Id).primary_key())
                    .col(uuid(CustodyPeriods::PersonId))
                    .col(date(CustodyPeriods::StartedOn))
                    .col(date_null(CustodyPeriods::EndedOn))
                    .col(string_len(CustodyPeriods::Cause, 32))
                    .col(text_null(CustodyPeriods::Reason))
                    .col(uuid_null(CustodyPeriods::SourceMilestoneId))
                    .col(string_len(CustodyPeriods::RecordedBy, 200))
                    .col(timestamp_with_time_zone(CustodyPeriods::CreatedAt))
                    .col(timestamp_with_time_zone(CustodyPeriods::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_custody_periods_person")
                            .from(CustodyPeriods::Table, CustodyPeriods::PersonId)
                            .to(Persons::Table, Persons::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_custody_periods_person",
            CustodyPeriods::Table,
            &[CustodyPeriods::PersonId, CustodyPeriods::StartedOn],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Lapses::Table)
                    .col(uuid(Lapses::Id).primary_key())
                    .col(uuid(Lapses::PersonId))
                    .col(date(Lapses::On))
                    .col(text_null(Lapses::Note))
                    .col(string_len(Lapses::RecordedBy, 200))
                    .col(timestamp_with_time_zone(Lapses::RecordedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_lapses_person")
                            .from(Lapses::Table, Lapses::PersonId)
                            .to(Persons::Table, Persons::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_lapses_person", Lapses::Table, &[Lapses::PersonId, Lapses::On]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Lapses::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(CustodyPeriods::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(MilestoneEvents::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Milestones::Table).to_owned()).await
    }
}

async fn index<T: IntoIden + Copy + 'static, C: IntoIden + Copy + 'static>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    columns: &[C],
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(*column);
    }
    manager.create_index(index.to_owned()).await
}

#[derive(DeriveIden, Clone, Copy)]
enum Persons {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Milestones {
    Table,
    Id,
    PersonId,
    Kind,
    State,
    Version,
    StateSince,
    RequestedOn,
    GrantedOn,
    ReleasedOn,
    EndedOn,
    HearingOn,
    JudgmentOn,
    ScheduledOn,
    SupervisionEndsOn,
    OpensOn,
    ClosesOn,
    UsedOn,
    ReferredOn,
    EnrolledOn,
    StartedOn,
    ReleaseType,
    Program,
    SessionsPlanned,
    SessionsAttended,
    Extensions,
    SourceMilestoneId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum MilestoneEvents {
    Table,
    Id,
    MilestoneId,
    PersonId,
    Kind,
    FromState,
    Event,
    ToState,
    EffectiveOn,
    Field,
    OldDate,
    NewDate,
    Note,
    Actor,
    ActorRole,
    Version,
    RecordedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CustodyPeriods {
    Table,
    Id,
    PersonId,
    StartedOn,
    EndedOn,
    Cause,
    Reason,
    SourceMilestoneId,
    RecordedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Lapses {
    Table,
    Id,
    PersonId,
    On,
    Note,
    RecordedBy,
    RecordedAt,
}
