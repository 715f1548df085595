//! A list page is audited as one line naming every person it showed, not one line a person:
//! under load, a facility's resident list wrote fifty rows a request into the one table every
//! request writes. The ids are kept as text (comma-separated), searched with the person's id.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(AuditEvents::Table).add_column(text_null(AuditEvents::PersonIds)).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(AuditEvents::Table).drop_column(AuditEvents::PersonIds).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditEvents {
    Table,
    PersonIds,
}
