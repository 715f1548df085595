use sea_orm::entity::prelude::*;

/// A spreadsheet checked and shown, waiting to be confirmed: the file as read (UTF-8).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "imports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub created_by: String,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub confirmed_at: Option<DateTimeUtc>,
    /// The ids of the persons the confirmation created, as a JSON array.
    #[sea_orm(column_type = "Text", nullable)]
    pub created: Option<String>,
    /// `residents`, `events` (an イベント一覧 CSV) or `hsds` (another directory's export).
    pub format: String,
    /// For a file of services: what the services it creates are (kind, area), as JSON.
    #[sea_orm(column_type = "Text", nullable)]
    pub options: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
