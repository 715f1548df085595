use sea_orm::entity::prelude::*;

use crate::domain::follow_up::Cadence;

/// A person's follow-up plan: who stays in touch, from when, how often.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "follow_up_plans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub person_id: Uuid,
    pub coordinator_party_id: Uuid,
    pub starts_on: Date,
    /// The day the plan was first made: nothing is owed before it.
    pub owed_from: Date,
    pub cadence: Cadence,
    pub set_by_party_id: Option<Uuid>,
    /// How many check-ins were recorded when the plan was set again after the person withdrew:
    /// a withdrawal among them no longer ends it.
    pub restarted_after: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
