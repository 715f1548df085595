use sea_orm::entity::prelude::*;

/// One read or write of a person's data, allowed or denied. Append-only.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: DateTimeUtc,
    pub actor: String,
    pub actor_role: String,
    pub action: String,
    pub person_id: Option<Uuid>,
    pub resource_id: Option<Uuid>,
    pub outcome: String,
    /// For a list page: the persons it showed, comma-separated (`person_id` is then empty).
    pub person_ids: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
