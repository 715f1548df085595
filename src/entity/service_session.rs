use sea_orm::entity::prelude::*;

/// A one-off session of a service: a class on a day, with its seats and its deadline to apply.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub service_id: Uuid,
    pub starts_at: DateTimeUtc,
    pub ends_at: Option<DateTimeUtc>,
    pub capacity: Option<i32>,
    /// The last local day to apply, in the organisation's zone.
    pub apply_by: Option<Date>,
    pub place: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
