//! The directory of help: services beside organisations (their schedules kept as JSON on the
//! row), one-off sessions with seats and a deadline to apply (an outbox message may be about one), the reminders of a deadline
//! sent to families (one per family and session, ever), and which kind of file an import is.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SERVICES_OF_ORGANIZATION: &str = "idx_services_organization";
const SESSIONS_OF_SERVICE: &str = "idx_service_sessions_service";
const SESSIONS_BY_DEADLINE: &str = "idx_service_sessions_apply_by";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Services::Table)
                    .col(uuid(Services::Id).primary_key())
                    .col(uuid(Services::OrganizationId))
                    .col(string_len(Services::Name, 100))
                    .col(string_len(Services::Kinds, 300))
                    .col(string_len(Services::Status, 20))
                    .col(text_null(Services::Description))
                    .col(text_null(Services::ForWhom))
                    .col(string_len_null(Services::Area, 100))
                    .col(string_len_null(Services::Phone, 32))
                    .col(string_len(Services::Languages, 400))
                    .col(text_null(Services::Cost))
                    .col(text_null(Services::HowToApply))
                    .col(text_null(Services::Url))
                    .col(date_null(Services::AssuredOn))
                    .col(text(Services::Schedules))
                    .col(timestamp_with_time_zone(Services::CreatedAt))
                    .col(timestamp_with_time_zone(Services::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ServiceSessions::Table)
                    .col(uuid(ServiceSessions::Id).primary_key())
                    .col(uuid(ServiceSessions::ServiceId))
                    .col(timestamp_with_time_zone(ServiceSessions::StartsAt))
                    .col(timestamp_with_time_zone_null(ServiceSessions::EndsAt))
                    .col(integer_null(ServiceSessions::Capacity))
                    .col(date_null(ServiceSessions::ApplyBy))
                    .col(string_len_null(ServiceSessions::Place, 200))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ClassReminders::Table)
                    .col(uuid(ClassReminders::PartyId))
                    .col(uuid(ClassReminders::SessionId))
                    .col(timestamp_with_time_zone(ClassReminders::SentAt))
                    .primary_key(Index::create().col(ClassReminders::PartyId).col(ClassReminders::SessionId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(SERVICES_OF_ORGANIZATION)
                    .table(Services::Table)
                    .col(Services::OrganizationId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(SESSIONS_OF_SERVICE)
                    .table(ServiceSessions::Table)
                    .col(ServiceSessions::ServiceId)
                    .col(ServiceSessions::StartsAt)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(SESSIONS_BY_DEADLINE)
                    .table(ServiceSessions::Table)
                    .col(ServiceSessions::ApplyBy)
                    .to_owned(),
            )
            .await?;
        let mut format = string_len(Imports::Format, 20).default("residents").to_owned();
        manager.alter_table(Table::alter().table(Imports::Table).add_column(&mut format).to_owned()).await?;
        let mut options = text_null(Imports::Options);
        manager.alter_table(Table::alter().table(Imports::Table).add_column(&mut options).to_owned()).await?;
        let mut session = uuid_null(OutboxMessages::ClassSessionId);
        manager.alter_table(Table::alter().table(OutboxMessages::Table).add_column(&mut session).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(OutboxMessages::Table).drop_column(OutboxMessages::ClassSessionId).to_owned(),
            )
            .await?;
        manager.alter_table(Table::alter().table(Imports::Table).drop_column(Imports::Options).to_owned()).await?;
        manager.alter_table(Table::alter().table(Imports::Table).drop_column(Imports::Format).to_owned()).await?;
        for (index, table) in [
            (SESSIONS_BY_DEADLINE, ServiceSessions::Table.into_iden()),
            (SESSIONS_OF_SERVICE, ServiceSessions::Table.into_iden()),
            (SERVICES_OF_ORGANIZATION, Services::Table.into_iden()),
        ] {
            manager.drop_index(Index::drop().name(index).table(table).to_owned()).await?;
        }
        manager.drop_table(Table::drop().table(ClassReminders::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ServiceSessions::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Services::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Services {
    Table,
    Id,
    OrganizationId,
    Name,
    Kinds,
    Status,
    Description,
    ForWhom,
    Area,
    Phone,
    Languages,
    Cost,
    HowToApply,
    Url,
    AssuredOn,
    Schedules,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ServiceSessions {
    Table,
    Id,
    ServiceId,
    StartsAt,
    EndsAt,
    Capacity,
    ApplyBy,
    Place,
}

#[derive(DeriveIden)]
enum ClassReminders {
    Table,
    PartyId,
    SessionId,
    SentAt,
}

#[derive(DeriveIden)]
enum Imports {
    Table,
    Format,
    Options,
}

#[derive(DeriveIden)]
enum OutboxMessages {
    Table,
    ClassSessionId,
}
