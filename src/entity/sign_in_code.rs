use sea_orm::entity::prelude::*;

/// A six-digit sign-in code sent to a confirmed address: only a keyed hash of it is kept.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sign_in_codes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub party_id: Uuid,
    pub contact_point_id: Uuid,
    /// A keyed hash of the address as kept (E.164 for numbers), to find the code by.
    pub address_hash: String,
    pub code_hash: String,
    pub failed_attempts: i32,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// When it stopped being usable: used, locked after too many wrong tries, or replaced.
    pub ended_at: Option<DateTimeUtc>,
    /// `used`, `locked` or `replaced`.
    pub end_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
