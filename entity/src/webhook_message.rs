use sea_orm::entity::prelude::*;

/// One event for one subscription: the outbox. Its id is the `webhook-id`, the same on every
/// retry so the receiver can drop duplicates.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_messages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub subscription_id: Uuid,
    pub alert_id: Uuid,
    pub person_id: Uuid,
    pub event_type: String,
    pub payload: String,
    /// `pending`, `delivered` or `dead` (given up: the dead letters).
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// Set while a worker is sending it; a crash lets the claim lapse and another resend.
    pub claimed_until: Option<DateTimeUtc>,
    pub delivered_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
