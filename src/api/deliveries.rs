//! What reached whom: every message of an alert, with its channel and status.

use crate::entity::outbox_message;
use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{param::Path, payload::Json, Object, OpenApi};
use uuid::Uuid;

use super::{ApiTags, Authenticated};
use crate::{
    domain::channels::{Channel, ContactAddress},
    http::ApiError,
    state::AppState,
    store::{self, outbox},
};

#[derive(Debug, Object)]
pub struct DeliveryView {
    pub id: Uuid,
    /// `webhook`, `email` or `sms`.
    pub channel: String,
    /// The party reached (e-mail, SMS), if any.
    pub party_id: Option<Uuid>,
    /// Enough of the address to tell which it is (`h…@example.org`, `+81…5678`), or the
    /// webhook subscription's id.
    pub to: String,
    /// `queued` (not yet handed over, retries included), `sent` (accepted by the SMTP server or
    /// the gateway), `delivered` (the gateway or the webhook's receiver has it), `undelivered` or
    /// `failed` (given up, or refused: an opted-out number, a bouncing address), `uncertain` (a
    /// text cut off mid-send: the gateway may have it; an admin decides whether to send it again).
    pub status: String,
    pub attempts: i32,
    /// The provider's code or reason when it failed.
    pub error: Option<String>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Object)]
pub struct DeliveryList {
    pub items: Vec<DeliveryView>,
}

fn status_of(message: &outbox_message::Model) -> &str {
    match message.status {
        outbox::DEAD | outbox::DISCARDED => "failed",
        outbox::UNCERTAIN => "uncertain",
        outbox::DELIVERED if message.channel == outbox::WEBHOOK => "delivered",
        outbox::DELIVERED => {
            message
                .receipt
                .map_or("sent", |receipt| if receipt == outbox::Receipt::Queued { "sent" } else { receipt.as_str() })
        }
        _ => "queued",
    }
}

pub struct DeliveriesApi;

#[OpenApi(tag = "ApiTags::Alerts")]
impl DeliveriesApi {
    /// What reached whom
    ///
    /// Every message of a delivered alert on every channel, oldest first. Staff of the
    /// facility where the person is placed, admins, and the alert's own recipient; anyone else
    /// gets 404.
    #[oai(path = "/alerts/:id/deliveries", method = "get", operation_id = "listAlertDeliveries")]
    async fn list(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<Json<DeliveryList>, ApiError> {
        let row = crate::access::alerts::deliveries_of(&state, &auth.0, id.0, "alert.deliveries")
            .await?
            .ok_or(ApiError::NotFound)?;
        let messages = outbox::of_subject(&state.reads, row.id).await?;
        let mut items = Vec::with_capacity(messages.len());
        for message in messages {
            let contact_channel = match message.channel {
                outbox::MessageChannel::Email => Some(Channel::Email),
                outbox::MessageChannel::Sms => Some(Channel::Sms),
                outbox::MessageChannel::Line => Some(Channel::Line),
                outbox::MessageChannel::Webhook => None,
            };
            let to = match contact_channel.ok_or(()) {
                Ok(channel) => match store::contact_points::find(&state.reads, message.target_id).await? {
                    Some(contact) => ContactAddress::masked(channel, &contact.address),
                    None => "(removed)".to_owned(),
                },
                Err(_) => format!("webhook:{}", message.target_id),
            };
            let error = if message.status == outbox::UNCERTAIN {
                Some("cut off mid-send: the gateway may have it; an admin decides whether to send it again".to_owned())
            } else if message.status == outbox::DEAD || message.receipt_error.is_some() {
                message.receipt_error.clone().or(Some("given up".to_owned()))
            } else {
                None
            };
            items.push(DeliveryView {
                id: message.id,
                status: status_of(&message).to_owned(),
                channel: message.channel.to_string(),
                party_id: message.party_id,
                to,
                attempts: message.attempts,
                error,
                updated_at: message.updated_at,
            });
        }
        Ok(Json(DeliveryList { items }))
    }
}
