use sea_orm::entity::prelude::*;

use crate::domain::follow_up::{Channel, Outcome};

/// One check-in of a follow-up plan, as recorded.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "follow_up_check_ins")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub plan_id: Uuid,
    pub person_id: Uuid,
    pub on: Date,
    pub outcome: Outcome,
    pub channel: Option<Channel>,
    /// Staff-only, like every note in a history.
    pub note: Option<String>,
    pub recorded_by_party_id: Option<Uuid>,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
