use sea_orm::entity::prelude::*;

use crate::domain::OrganizationKind;
use crate::domain::Zone;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: OrganizationKind,
    pub name: String,
    pub timezone: Zone,
    /// E.164.
    pub phone: Option<String>,
    /// Opening hours, as the organisation writes them.
    pub hours: Option<String>,
    /// What it helps with, in a sentence or two.
    pub helps_with: Option<String>,
    /// The area it serves (a prefecture or city), to show it to people near it.
    pub area: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::party::Entity")]
    Party,
}

impl Related<super::party::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Party.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
