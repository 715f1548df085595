//! Webhook messages: a thin signed payload to each subscription of the organisation, at most
//! to public addresses unless private ones are allowed.

use std::{collections::HashMap, net::SocketAddr, time::Duration as StdDuration};

use crate::entity::{alert, outbox_message, webhook_subscription};
use sea_orm::DbErr;

use super::Sent;
use crate::domain::provision::{Provided, Provision, ProvisionChannel, Recipient};
use crate::{
    domain::webhooks::{is_public, retry_after, sign},
    store,
};

pub const ALERT_DELIVERED: &str = "alert.delivered";
pub const EVENT_TYPES: [&str; 1] = [ALERT_DELIVERED];
const RESOLVE_TIMEOUT: StdDuration = StdDuration::from_secs(5);

/// A thin payload: what happened and where to read more, never the person's record.
pub fn alert_payload(alert: &alert::Model, now: chrono::DateTime<chrono::Utc>) -> String {
    serde_json::json!({
        "type": ALERT_DELIVERED,
        "timestamp": now.to_rfc3339(),
        "data": {
            "alert_id": alert.id,
            "person_id": alert.person_id,
            // For a team alert, the organisation whose team it is addressed to.
            "team_organization_id": alert.team_organization_id,
            "recipient_party_id": alert.team_organization_id.map_or(Some(alert.recipient_party_id), |_| None),
            "rule": alert.rule,
            "severity": alert.severity.as_str(),
            "starts_on": alert.starts_on,
            "ends_on": alert.ends_on,
            "links": { "risk_periods": format!("/api/v1/persons/{}/risk-periods", alert.person_id) },
        }
    })
    .to_string()
}

/// Writes the outbox for delivered alerts: one message per subscription of each recipient's
/// organisation. Call it in the transaction that delivers the alerts.
///
/// An organisation's webhook carries only what the organisation itself may see: alerts about
/// persons placed there now. A member's personal link to someone placed elsewhere (a staff
/// member of facility B linked to a resident of facility A) never reaches B's systems.
pub async fn enqueue_for(
    db: &impl crate::store::Write,
    delivered: &[&alert::Model],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), DbErr> {
    let persons: Vec<uuid::Uuid> =
        delivered.iter().filter(|alert| alert.team_organization_id.is_some()).map(|alert| alert.person_id).collect();
    if persons.is_empty() {
        return Ok(());
    }
    let placed: std::collections::HashSet<(uuid::Uuid, uuid::Uuid)> =
        store::placements::current_of_persons(db, &persons, now).await?.into_iter().collect();
    let events = delivered
        .iter()
        .filter_map(|alert| {
            // The facility's systems hear its team's alerts; a member's own alert stays theirs
            // (so a team member's key-worker alert never reaches the facility twice).
            let organization_id = alert.team_organization_id?;
            placed.contains(&(alert.person_id, organization_id)).then_some(())?;
            Some(store::webhooks::Outgoing {
                organization_id,
                alert_id: alert.id,
                person_id: alert.person_id,
                payload: alert_payload(alert, now),
                priority: if alert.severity == crate::domain::risk::Severity::Critical {
                    store::outbox::Priority::Now
                } else {
                    store::outbox::Priority::Normal
                },
            })
        })
        .collect();
    store::webhooks::enqueue(db, ALERT_DELIVERED, events, now).await?;
    Ok(())
}

/// One HTTP client per endpoint (host and the address it was checked to resolve to), so the
/// messages of a batch and of the next ticks reuse its connections instead of opening one each.
/// A client is pinned to the address that was checked: a host that starts resolving elsewhere
/// gets a new client, checked again.
pub struct Clients {
    by_target: std::sync::Mutex<HashMap<(String, SocketAddr), reqwest::Client>>,
    /// The longest one delivery may take (`TSUNAGU_WEBHOOK_TIMEOUT_SECONDS`).
    timeout: StdDuration,
}

/// More endpoints than this and every kept client is let go (their idle connections close);
/// the next message to each endpoint makes a new one.
const CLIENTS_KEPT: usize = 256;

impl Clients {
    pub fn new(timeout: StdDuration) -> Self {
        Self { by_target: Default::default(), timeout }
    }

    fn for_target(&self, host: &str, addr: SocketAddr) -> Result<reqwest::Client, reqwest::Error> {
        let key = (host.to_owned(), addr);
        if let Some(client) = self.by_target.lock().ok().and_then(|clients| clients.get(&key).cloned()) {
            return Ok(client);
        }
        let client = reqwest::Client::builder()
            .resolve(host, addr)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.timeout)
            .build()?;
        if let Ok(mut clients) = self.by_target.lock() {
            if clients.len() >= CLIENTS_KEPT {
                clients.clear();
            }
            clients.insert(key, client.clone());
        }
        Ok(client)
    }
}

/// Resolves the target and refuses private, loopback and link-local addresses unless allowed;
/// the connection is pinned to the address that was checked.
async fn resolve(url: &reqwest::Url, allow_private: bool) -> Result<(String, SocketAddr), String> {
    let host = url.host_str().ok_or("the URL has no host")?.to_owned();
    let port = url.port_or_known_default().ok_or("the URL has no port")?;
    let addrs: Vec<SocketAddr> =
        tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((host.trim_matches(['[', ']']), port)))
            .await
            .map_err(|_| "resolving the host timed out".to_owned())?
            .map_err(|err| format!("cannot resolve the host: {err}"))?
            .collect();
    let first = *addrs.first().ok_or("the host resolves to no address")?;
    if !allow_private && addrs.iter().any(|addr| !is_public(addr.ip())) {
        return Err("refused: the host resolves to a private, loopback or link-local address".to_owned());
    }
    Ok((host, first))
}

/// Sends one message to its subscription; `None` when the subscription is gone.
pub(super) async fn send(outbox: &super::Outbox, message: &outbox_message::Model) -> Result<Option<Sent>, DbErr> {
    let Some(subscription) = store::webhooks::find_subscription(&outbox.reads, message.target_id).await? else {
        return Ok(None);
    };
    if subscription.disabled_at.is_some() {
        return Ok(Some(Sent::refused(None, "the endpoint is disabled")));
    }
    let sent = post(outbox, &subscription, message).await;
    if matches!(sent, Sent::Refused { status_code: Some(410), .. }) {
        store::webhooks::disable(&outbox.db, subscription.id, "the endpoint answered 410 Gone", outbox.clock.now())
            .await?;
    }
    Ok(Some(sent))
}

async fn post(
    outbox: &super::Outbox,
    subscription: &webhook_subscription::Model,
    message: &outbox_message::Model,
) -> Sent {
    let Ok(url) = reqwest::Url::parse(&subscription.url) else { return Sent::retry(None, "not a URL") };
    let (host, addr) = match resolve(&url, outbox.webhook_allow_private).await {
        Ok(target) => target,
        Err(reason) => return Sent::retry(None, reason),
    };
    let client = match outbox.webhook_clients.for_target(&host, addr) {
        Ok(client) => client,
        Err(err) => return Sent::retry(None, format!("cannot build a client: {err}")),
    };
    let id = format!("msg_{}", message.id.simple());
    let now = outbox.clock.now();
    let timestamp = now.timestamp();
    let Ok(signature) = sign(&subscription.secret, &id, timestamp, &message.payload) else {
        return Sent::retry(None, "the subscription's secret is unusable");
    };
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(message.payload.clone())
        .send()
        .await;
    match response {
        Ok(response) => {
            let code = response.status().as_u16();
            match code {
                200..=299 => Sent::Accepted { status_code: Some(code), provider_id: None, receipt: None },
                410 => Sent::refused(Some(410), "410 Gone: endpoint disabled"),
                _ => Sent::Retry {
                    status_code: Some(code),
                    error: None,
                    retry_after: response
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|value| retry_after(value, now)),
                },
            }
        }
        Err(err) => Sent::retry(None, if err.is_timeout() { "timed out" } else { "connection failed" }),
    }
}

/// What a delivered webhook gave its receiver, for the provision record.
pub(super) fn provision(alert: &alert::Model, message: &outbox_message::Model) -> Provision {
    Provision {
        person_id: alert.person_id,
        channel: ProvisionChannel::Webhook,
        recipient: Recipient::Webhook { subscription_id: message.target_id },
        provided: Provided::WebhookAlert { event: ALERT_DELIVERED, period: store::alerts::period_named(alert) },
        link_id: alert.link_id,
        source_id: Some(message.id),
    }
}
