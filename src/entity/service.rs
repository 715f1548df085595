use sea_orm::entity::prelude::*;

/// A service an organisation offers, as the public directory shows it. Names no person.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "services")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    /// Its kinds, comma-separated (`family_class,consultation`).
    pub kinds: String,
    /// `active` or `inactive`.
    pub status: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub for_whom: Option<String>,
    pub area: Option<String>,
    /// E.164.
    pub phone: Option<String>,
    /// Language tags, comma-separated.
    pub languages: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub cost: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub how_to_apply: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub url: Option<String>,
    pub assured_on: Option<Date>,
    /// Its recurring schedules, as a JSON array.
    #[sea_orm(column_type = "Text")]
    pub schedules: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
