use sea_orm::entity::prelude::*;

/// A weekly shift of a rota, in the organisation's zone.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rota_shifts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    /// Its place in the rota: the first shift covering an instant wins.
    pub position: i32,
    pub party_id: Uuid,
    /// ISO weekdays, Monday = 1, comma-separated (`1,2,3`).
    pub weekdays: String,
    /// Local `HH:MM`; an end at or before the start is on the next day.
    pub starts_at: String,
    pub ends_at: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
