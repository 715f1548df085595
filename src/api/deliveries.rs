//! What reached whom: every message of an alert, with its channel and status.

use chrono::{DateTime, Utc};
use entity::{alert, outbox_message};
use poem::web::Data;
use poem_openapi::{param::Path, payload::Json, Object, OpenApi};
use uuid::Uuid;

use super::{ApiTags, Authenticated};
use crate::{
    access::audit_entry,
    auth::Principal,
    domain::{
        channels::{Channel, ContactAddress},
        PartyRole,
    },
    http::ApiError,
    state::AppState,
    store::{self, audit::Outcome, outbox},
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
    match message.status.as_str() {
        outbox::DEAD | outbox::DISCARDED => "failed",
        outbox::UNCERTAIN => "uncertain",
        outbox::DELIVERED if message.channel == outbox::WEBHOOK => "delivered",
        outbox::DELIVERED => {
            message.receipt.as_deref().map_or("sent", |receipt| if receipt == "queued" { "sent" } else { receipt })
        }
        _ => "queued",
    }
}

/// Staff see what reached whom about their residents; a recipient sees their own alert's.
async fn visible(state: &AppState, principal: &Principal, id: Uuid) -> Result<Option<alert::Model>, ApiError> {
    let Some(row) = store::alerts::find(&state.reads, id).await?.filter(|row| row.status == store::alerts::DELIVERED)
    else {
        return Ok(None);
    };
    if principal.is_admin() {
        return Ok(Some(row));
    }
    if let (PartyRole::Staff, Some(organization)) = (principal.role, principal.organization_id) {
        let placed = store::placements::current_organizations(&state.reads, row.person_id, state.clock.now()).await?;
        if placed.contains(&organization) {
            return Ok(Some(row));
        }
    }
    Ok(crate::access::alerts::actionable(state, principal, id).await?)
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
        let row = visible(&state, &auth.0, id.0).await?;
        let outcome = if row.is_some() { Outcome::Allowed } else { Outcome::Denied };
        let entry =
            audit_entry(&auth.0, "alert.deliveries", row.as_ref().map(|row| row.person_id), Some(id.0), outcome);
        state.audit.record(vec![entry], state.clock.now()).await?;
        let row = row.ok_or(ApiError::NotFound)?;
        let messages = outbox::of_subject(&state.reads, row.id).await?;
        let mut items = Vec::with_capacity(messages.len());
        for message in messages {
            let to = match message.channel.parse::<Channel>() {
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
                channel: message.channel,
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
