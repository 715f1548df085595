use sea_orm::entity::prelude::*;

/// A person whose alerts must be planned again: written with every change that can move a
/// period, drained by the scheduler.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plan_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub person_id: Uuid,
    pub requested_at: DateTimeUtc,
    /// Set when planning this person failed: the request is set aside until it is asked again.
    pub failed_at: Option<DateTimeUtc>,
    /// Why planning failed, for admins; no personal data.
    pub failure: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
