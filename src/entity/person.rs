use sea_orm::entity::prelude::*;

use crate::domain::Language;
use crate::domain::Zone;

/// The person whose reentry is tracked: as little as the job needs.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "persons")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub display_name: String,
    pub birth_date: Option<Date>,
    pub language: Language,
    pub timezone: Zone,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
