use sea_orm::entity::prelude::*;

/// A gateway callback already acted on: its kind (`text:` or `receipt:`) and the SHA-256 of
/// what makes it one (the message's id, and for a receipt its status). Nothing else of the
/// callback is kept.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "received_callbacks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
