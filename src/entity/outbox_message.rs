use sea_orm::entity::prelude::*;

use super::states::{MessageChannel, MessageStatus, Receipt};

/// One message on one channel: the outbox of webhooks, e-mail and SMS. Its id is the
/// `webhook-id` and the e-mail's `Message-ID`, the same on every retry so a receiver can drop
/// duplicates.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_messages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `webhook`, `email` or `sms`.
    pub channel: MessageChannel,
    /// The webhook subscription, or the contact point, it goes to.
    pub target_id: Uuid,
    /// What it is about: exactly one of the alert, the digest, the sign-in code, the invitation
    /// or the contact point (a confirmation, or an address added as a new way in).
    pub alert_id: Option<Uuid>,
    pub digest_id: Option<Uuid>,
    pub sign_in_code_id: Option<Uuid>,
    pub invitation_id: Option<Uuid>,
    pub contact_point_id: Option<Uuid>,
    /// A hand-over at a shift change.
    pub handover_id: Option<Uuid>,
    /// A session whose deadline to apply is near (to a family of its area).
    pub class_session_id: Option<Uuid>,
    /// The person it is about; none for a message about no one person (a sign-in code, a
    /// confirmation, a digest).
    pub person_id: Option<Uuid>,
    /// For e-mail and SMS: the party it reaches.
    pub party_id: Option<Uuid>,
    /// `alert.delivered`, `digest`, `contact.confirm`, `auth.code`, `auth.invitation` or
    /// `auth.door_added`.
    pub event_type: String,
    pub payload: String,
    /// `pending`, `delivered` (handed over: the receiver answered 2xx, the SMTP server or the
    /// gateway accepted it), `dead` (given up: the dead letters), `uncertain` (a text that may
    /// have reached the gateway before a crash: never resent blindly, staff decide) or
    /// `discarded` (a dead letter staff chose not to send).
    pub status: MessageStatus,
    /// 0: someone is waiting for it (a sign-in code) or a critical alert; 1: the rest; 2: bulk
    /// (digests). Claimed in this order.
    pub priority: i32,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// Set while a worker is sending it; a crash lets the claim lapse and another resend.
    pub claimed_until: Option<DateTimeUtc>,
    pub delivered_at: Option<DateTimeUtc>,
    /// The provider's id for it (the gateway's message SID).
    pub provider_id: Option<String>,
    /// What the provider said since: `sent`, `delivered`, `undelivered` or `failed`.
    pub receipt: Option<Receipt>,
    pub receipt_error: Option<String>,
    /// For a text: set, and committed, just before it is handed to the gateway; cleared when
    /// the attempt settles. Found set on a new claim, the text may have gone out already.
    pub handing_over_since: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
