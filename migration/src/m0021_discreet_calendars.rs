//! A calendar feed's events say only 「つなぐ：大切な日」 on a lock screen unless its owner chose
//! titles that name what is coming.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(CalendarFeeds::Table)
                    .add_column(boolean(CalendarFeeds::DetailedTitles).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(CalendarFeeds::Table).drop_column(CalendarFeeds::DetailedTitles).to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum CalendarFeeds {
    Table,
    DetailedTitles,
}
