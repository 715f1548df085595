use sea_orm::entity::prelude::*;

/// A family told that a session's deadline to apply is near: once per family and session.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "class_reminders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub party_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub session_id: Uuid,
    pub sent_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
