//! The facility hears as a team: an alert can be addressed to the organisation where the
//! person is placed (`team_organization_id`; `recipient_party_id` then holds the organisation's
//! id too, so that one key addresses every recipient), acknowledged once for all
//! (`acknowledged_by`), snoozed with a reason, and followed by a contact log. A change notice
//! (`notice`: `moved_later` or `no_longer_coming`) names the date its recipient was told and the
//! new one.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TEAM_INBOX: &str = "idx_alerts_team_inbox";
const CONTACTS_OF_ALERT: &str = "idx_alert_contacts_alert";

fn columns() -> Vec<ColumnDef> {
    vec![
        ColumnDef::new(Alerts::TeamOrganizationId).uuid().null().to_owned(),
        ColumnDef::new(Alerts::AcknowledgedBy).uuid().null().to_owned(),
        ColumnDef::new(Alerts::SnoozedUntil).date().null().to_owned(),
        ColumnDef::new(Alerts::SnoozeReason).text().null().to_owned(),
        ColumnDef::new(Alerts::Notice).string_len(32).null().to_owned(),
        ColumnDef::new(Alerts::NoticeOldOn).date().null().to_owned(),
        ColumnDef::new(Alerts::NoticeNewOn).date().null().to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for mut column in columns() {
            manager.alter_table(Table::alter().table(Alerts::Table).add_column(&mut column).to_owned()).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name(TEAM_INBOX)
                    .table(Alerts::Table)
                    .col(Alerts::TeamOrganizationId)
                    .col(Alerts::Status)
                    .col(Alerts::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AlertContacts::Table)
                    .col(uuid(AlertContacts::Id).primary_key())
                    .col(uuid(AlertContacts::AlertId))
                    .col(uuid(AlertContacts::PersonId))
                    .col(string_len(AlertContacts::Outcome, 32))
                    .col(text_null(AlertContacts::Note))
                    .col(string_len(AlertContacts::RecordedBy, 200))
                    .col(timestamp_with_time_zone(AlertContacts::RecordedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(CONTACTS_OF_ALERT)
                    .table(AlertContacts::Table)
                    .col(AlertContacts::AlertId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AlertContacts::Table).to_owned()).await?;
        manager.drop_index(Index::drop().name(TEAM_INBOX).table(Alerts::Table).to_owned()).await?;
        for column in columns().into_iter().rev() {
            let name = Alias::new(column.get_column_name());
            manager.alter_table(Table::alter().table(Alerts::Table).drop_column(name).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Alerts {
    Table,
    Id,
    Status,
    TeamOrganizationId,
    AcknowledgedBy,
    SnoozedUntil,
    SnoozeReason,
    Notice,
    NoticeOldOn,
    NoticeNewOn,
}

#[derive(DeriveIden)]
enum AlertContacts {
    Table,
    Id,
    AlertId,
    PersonId,
    Outcome,
    Note,
    RecordedBy,
    RecordedAt,
}
