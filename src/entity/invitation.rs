use sea_orm::entity::prelude::*;

/// A one-time invitation for a party to sign in: only a keyed hash of its code is kept.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub party_id: Uuid,
    pub code_hash: String,
    /// The actor who made it (a party id, or an admin's name).
    pub created_by: String,
    /// The confirmed address it was also sent to, if any.
    pub sent_to: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
