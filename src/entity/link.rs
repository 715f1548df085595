use sea_orm::entity::prelude::*;

use crate::domain::Relationship;

/// A person ↔ party relation, with its current consent. The history is in `consent_record`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "links")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    pub party_id: Uuid,
    pub relationship: Relationship,
    /// Comma-separated scope kinds, e.g. `bail,release`.
    pub scope: String,
    pub expires_on: Option<Date>,
    /// End of `expires_on` (start of the next day) in the person's zone.
    pub expires_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
