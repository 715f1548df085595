use sea_orm::entity::prelude::*;

/// A one-time link that sets up an admin: only a keyed hash of its code is kept.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "setup_links")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub code_hash: String,
    /// The name given with `tsunagu invite`, shown filled in.
    pub name: Option<String>,
    /// Printed by the first start: refused once any admin exists.
    pub first_start: bool,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
