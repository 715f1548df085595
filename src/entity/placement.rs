use sea_orm::entity::prelude::*;

/// A person resident at, or registered with, an organisation from a date (to a date).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "placements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    pub organization_id: Uuid,
    pub start_on: Date,
    pub end_on: Option<Date>,
    /// Start of `start_on` in the person's zone.
    pub starts_at: DateTimeUtc,
    /// End of `end_on` (start of the next day) in the person's zone.
    pub ends_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The facility's own id of the resident (from an imported spreadsheet): one placement
    /// per id and organisation, so a file imported again creates no one twice.
    pub external_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
