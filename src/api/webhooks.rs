use crate::entity::webhook_subscription;
use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{param::Path, payload::Json, ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::{ApiTags, Authenticated};
use crate::{
    auth::Principal,
    domain::{Invalid, PartyRole, Refusals},
    http::{ApiError, JsonBody},
    outbox::webhook::{ALERT_DELIVERED, EVENT_TYPES},
    state::AppState,
    store, workflow,
};

/// A new endpoint for an organisation's events.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct WebhookCreate {
    /// `https://…` (plain `http` only where private targets are allowed).
    pub url: String,
    /// Event types; `["alert.delivered"]` when left out.
    pub events: Option<Vec<String>>,
    /// The organisation whose events it receives: admins name it; staff get their own.
    pub organization_id: Option<Uuid>,
}

#[derive(Debug, Object)]
pub struct Webhook {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The new endpoint, with its signing secret: shown this once.
#[derive(Debug, Object)]
pub struct WebhookCreated {
    #[oai(flatten)]
    pub webhook: Webhook,
    /// `whsec_…`: verify each delivery's `webhook-signature` with it (Standard Webhooks).
    pub secret: String,
}

#[derive(Debug, Object)]
pub struct WebhookList {
    pub items: Vec<Webhook>,
}

/// One delivery attempt.
#[derive(Debug, Object)]
pub struct DeliveryAttempt {
    /// The `webhook-id` sent: the same on every retry of a message.
    pub webhook_id: String,
    pub attempt: i32,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub attempted_at: DateTime<Utc>,
    /// `pending`, `delivered` or `dead` (given up).
    pub message_status: String,
}

#[derive(Debug, Object)]
pub struct DeliveryLog {
    pub items: Vec<DeliveryAttempt>,
}

fn view(row: webhook_subscription::Model) -> Webhook {
    Webhook {
        id: row.id,
        organization_id: row.organization_id,
        url: row.url,
        events: row.events.split(',').filter(|e| !e.is_empty()).map(str::to_owned).collect(),
        disabled_at: row.disabled_at,
        disabled_reason: row.disabled_reason,
        created_at: row.created_at,
    }
}

/// Whose webhooks a caller manages: admins any organisation's, staff their own.
fn managed_organization(principal: &Principal) -> Result<Option<Uuid>, ApiError> {
    match (principal.role, principal.organization_id) {
        (PartyRole::Admin, _) => Ok(None),
        (PartyRole::Staff, Some(org)) => Ok(Some(org)),
        _ => Err(ApiError::Forbidden("Only admins and staff manage webhooks.")),
    }
}

async fn visible(state: &AppState, principal: &Principal, id: Uuid) -> Result<webhook_subscription::Model, ApiError> {
    let scope = managed_organization(principal)?;
    store::webhooks::find_subscription(&state.db, id)
        .await?
        .filter(|row| scope.is_none_or(|org| org == row.organization_id))
        .ok_or(ApiError::NotFound)
}

#[derive(ApiResponse)]
pub enum CreateWebhookResponse {
    #[oai(status = 201)]
    Created(Json<WebhookCreated>),
}

#[derive(ApiResponse)]
pub enum DeleteWebhookResponse {
    #[oai(status = 204)]
    Deleted,
}

pub struct WebhooksApi;

#[OpenApi(tag = "ApiTags::Integrations")]
impl WebhooksApi {
    /// Subscribe an endpoint
    ///
    /// Admins (for an organisation they name) and staff (for their own). Deliveries follow the
    /// Standard Webhooks specification; the answer carries the signing secret, once.
    #[oai(path = "/webhooks", method = "post", operation_id = "createWebhook")]
    async fn create(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        body: JsonBody<WebhookCreate>,
    ) -> Result<CreateWebhookResponse, ApiError> {
        let scope = managed_organization(&auth.0)?;
        let body = body.0;
        let mut errors = Refusals::default();
        let organization_id = match (scope, body.organization_id) {
            (Some(own), Some(given)) if given != own => {
                return Err(ApiError::Forbidden("Staff subscribe for their own organisation."))
            }
            (Some(own), _) => Some(own),
            (None, Some(given)) => match store::organizations::find(&state.db, given).await? {
                Some(_) => Some(given),
                None => {
                    errors.push("organization_id", Invalid::new("no such organisation"));
                    None
                }
            },
            (None, None) => {
                errors.push("organization_id", Invalid::new("name the organisation whose events it receives"));
                None
            }
        };
        errors.check("url", crate::domain::webhooks::check_url(&body.url, state.outbox.webhook_allow_private));
        let events = body.events.unwrap_or_else(|| vec![ALERT_DELIVERED.to_owned()]);
        if events.is_empty() || events.iter().any(|event| !EVENT_TYPES.contains(&event.as_str())) {
            errors.push("events", Invalid::new(format!("known events: {}", EVENT_TYPES.join(", "))));
        }
        let Some(organization_id) = organization_id else { return Err(errors.into()) };
        errors.into_result()?;
        let (row, secret) = workflow::subscribe_webhook(&state, organization_id, &body.url, &events).await?;
        Ok(CreateWebhookResponse::Created(Json(WebhookCreated { webhook: view(row), secret })))
    }

    /// List endpoints
    ///
    /// An admin sees all; staff see their organisation's. Secrets are never shown again.
    #[oai(path = "/webhooks", method = "get", operation_id = "listWebhooks")]
    async fn list(&self, auth: Authenticated, state: Data<&AppState>) -> Result<Json<WebhookList>, ApiError> {
        let scope = managed_organization(&auth.0)?;
        let rows = store::webhooks::subscriptions(&state.db, scope).await?;
        Ok(Json(WebhookList { items: rows.into_iter().map(view).collect() }))
    }

    /// Remove an endpoint
    #[oai(path = "/webhooks/:id", method = "delete", operation_id = "deleteWebhook")]
    async fn delete(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<DeleteWebhookResponse, ApiError> {
        let row = visible(&state, &auth.0, id.0).await?;
        workflow::delete_webhook(&state, row.id).await?;
        Ok(DeleteWebhookResponse::Deleted)
    }

    /// An endpoint's delivery log
    ///
    /// Every attempt, oldest first: status code or error, and what became of the message.
    #[oai(path = "/webhooks/:id/deliveries", method = "get", operation_id = "listWebhookDeliveries")]
    async fn deliveries(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<Json<DeliveryLog>, ApiError> {
        let row = visible(&state, &auth.0, id.0).await?;
        let attempts = store::outbox::attempts_of(&state.db, row.id, 1000).await?;
        let items = attempts
            .into_iter()
            .map(|(attempt, message)| DeliveryAttempt {
                webhook_id: format!("msg_{}", attempt.message_id.simple()),
                attempt: attempt.attempt,
                status_code: attempt.status_code,
                error: attempt.error,
                attempted_at: attempt.attempted_at,
                message_status: message.map(|m| m.status.to_string()).unwrap_or_default(),
            })
            .collect();
        Ok(Json(DeliveryLog { items }))
    }
}
