use sea_orm::entity::prelude::*;

/// A date a probation system pushed, under its own id for it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "schedule_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The probation party that pushed it: external ids are theirs alone.
    pub owner_party_id: Uuid,
    pub external_id: String,
    pub person_id: Uuid,
    /// `release`, `hearing`, `judgment`, `interview` or `supervision_end`.
    pub kind: String,
    pub on: Date,
    pub release_type: Option<String>,
    /// The milestone whose date it sets, if any (an interview has none).
    pub milestone_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
