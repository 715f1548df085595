//! How people reach an organisation: its phone number (E.164), opening hours, what it helps
//! with, and the area it serves. The pages show a family the consultation windows, law offices
//! and medical services near them, and their facility's own contact.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn columns() -> Vec<ColumnDef> {
    vec![
        ColumnDef::new(Organizations::Phone).string_len(32).null().to_owned(),
        ColumnDef::new(Organizations::Hours).string_len(800).null().to_owned(),
        ColumnDef::new(Organizations::HelpsWith).string_len(2000).null().to_owned(),
        ColumnDef::new(Organizations::Area).string_len(400).null().to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for mut column in columns() {
            manager.alter_table(Table::alter().table(Organizations::Table).add_column(&mut column).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in columns().into_iter().rev() {
            let name = Alias::new(column.get_column_name());
            manager.alter_table(Table::alter().table(Organizations::Table).drop_column(name).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Organizations {
    Table,
    Phone,
    Hours,
    HelpsWith,
    Area,
}
