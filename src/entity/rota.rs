use sea_orm::entity::prelude::*;

/// An organisation's rota settings; its shifts and overrides are rows of their own.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rotas")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub organization_id: Uuid,
    /// Minutes a critical team alert waits for an acknowledgement before the next rung.
    pub escalate_after_minutes: i32,
    /// JSON array of party ids: the last rung, told all at once.
    pub managers: String,
    /// JSON array of party ids: the rungs between the one on duty and the managers, in order.
    pub escalation: String,
    /// Shift changes up to here have had their hand-over (or were before the rota existed).
    pub handover_checked_until: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
