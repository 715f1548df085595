use sea_orm::entity::prelude::*;

use crate::domain::channels::Channel;
use crate::domain::channels::ContactStatus;

/// An e-mail address or phone number of a party, and whether it may be written to.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contact_points")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub party_id: Uuid,
    /// `email` or `sms`.
    pub channel: Channel,
    /// An e-mail address, or a phone number in E.164.
    pub address: String,
    /// `unconfirmed`, `confirmed`, `unsubscribed`, `opted_out` or `bouncing`.
    pub status: ContactStatus,
    /// SHA-256 of the confirmation token, until it is used.
    pub confirm_token_hash: Option<String>,
    /// In every message's stop link; it can do nothing but stop messages to this address.
    pub unsubscribe_token: String,
    pub confirmed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
