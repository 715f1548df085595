use sea_orm::entity::prelude::*;

/// A browser's signed-in session. The cookie holds a random id; only its SHA-256 is kept.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub token_hash: String,
    pub party_id: Uuid,
    /// `invitation` or `code`.
    pub signed_in_by: String,
    /// The browser's own description, cut short, so its owner can tell sessions apart.
    pub user_agent: Option<String>,
    pub created_at: DateTimeUtc,
    pub last_seen_at: DateTimeUtc,
    /// Past this with no request, the session is over (moved on as it is used).
    pub idle_expires_at: DateTimeUtc,
    /// Past this the session is over however much it is used.
    pub expires_at: DateTimeUtc,
    pub ended_at: Option<DateTimeUtc>,
    /// `signed_out`, `ended` (by its owner from another session) or `disabled`.
    pub end_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
