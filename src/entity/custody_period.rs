use sea_orm::entity::prelude::*;

/// A stretch in custody. Programmes are interrupted, never ended, by it; links stay.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "custody_periods")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    pub started_on: Date,
    pub ended_on: Option<Date>,
    /// `recorded`, `bail_revoked` or `custodial_sentence`.
    pub cause: String,
    pub reason: Option<String>,
    pub source_milestone_id: Option<Uuid>,
    pub recorded_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
