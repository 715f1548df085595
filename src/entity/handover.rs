use sea_orm::entity::prelude::*;

/// The hand-over sent to the staff member coming on duty at one shift change: one per
/// organisation and change, however many instances look.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "handovers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub party_id: Uuid,
    pub shift_starts_at: DateTimeUtc,
    /// How many open team alerts and periods starting in the shift it listed.
    pub open_alerts: i32,
    pub periods_starting: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
