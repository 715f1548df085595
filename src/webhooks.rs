//! Delivering webhook messages: signed, retried on the spec's schedule, at most to public
//! addresses unless private ones are allowed.

use std::{net::SocketAddr, time::Duration as StdDuration};

use chrono::{DateTime, Duration, Utc};
use entity::{alert, webhook_message, webhook_subscription};
use futures::future::join_all;
use rand::Rng;
use sea_orm::{ConnectionTrait, DbErr, TransactionTrait};

use crate::{
    domain::webhooks::{is_public, next_attempt, retry_after, sign},
    state::AppState,
    store::{
        self,
        webhooks::{Attempt, Outcome},
    },
};

pub const ALERT_DELIVERED: &str = "alert.delivered";
pub const EVENT_TYPES: [&str; 1] = [ALERT_DELIVERED];
const LEASE: Duration = Duration::seconds(30);
/// Messages claimed and sent at once: at most this many can be in flight when an instance dies.
pub const BATCH: u64 = 32;
const TIMEOUT: StdDuration = StdDuration::from_secs(10);
const RESOLVE_TIMEOUT: StdDuration = StdDuration::from_secs(5);

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WebhookReport {
    pub delivered: usize,
    pub retried: usize,
    pub dead: usize,
}

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
            "severity": alert.severity,
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
    db: &impl ConnectionTrait,
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
            })
        })
        .collect();
    store::webhooks::enqueue(db, ALERT_DELIVERED, events, now).await?;
    Ok(())
}

enum Sent {
    Status { code: u16, retry_after: Option<String> },
    Failed(String),
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

async fn send(state: &AppState, subscription: &webhook_subscription::Model, message: &webhook_message::Model) -> Sent {
    let Ok(url) = reqwest::Url::parse(&subscription.url) else { return Sent::Failed("not a URL".into()) };
    let (host, addr) = match resolve(&url, state.webhook_allow_private).await {
        Ok(target) => target,
        Err(reason) => return Sent::Failed(reason),
    };
    let client = match reqwest::Client::builder()
        .resolve(&host, addr)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .build()
    {
        Ok(client) => client,
        Err(err) => return Sent::Failed(format!("cannot build a client: {err}")),
    };
    let id = format!("msg_{}", message.id.simple());
    let timestamp = state.clock.now().timestamp();
    let Ok(signature) = sign(&subscription.secret, &id, timestamp, &message.payload) else {
        return Sent::Failed("the subscription's secret is unusable".into());
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
        Ok(response) => Sent::Status {
            code: response.status().as_u16(),
            retry_after: response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned),
        },
        Err(err) => {
            Sent::Failed(if err.is_timeout() { "timed out".to_owned() } else { "connection failed".to_owned() })
        }
    }
}

/// Sends what is due, a batch at a time until none is left. Each message keeps its
/// `webhook-id` across retries and redeliveries.
///
/// A batch is sent concurrently, so it takes at most one send's time, bounded by `TIMEOUT`
/// (and the address lookup by `RESOLVE_TIMEOUT`), well inside the `LEASE`: while an instance
/// lives, no other sends its claims again.
pub async fn deliver(state: &AppState) -> Result<WebhookReport, DbErr> {
    let mut report = WebhookReport::default();
    loop {
        let now = state.clock.now();
        let txn = state.db.begin().await?;
        let claimed = store::webhooks::claim(&txn, now, LEASE, BATCH).await?;
        txn.commit().await?;
        let count = claimed.len() as u64;
        for outcome in join_all(claimed.iter().map(|message| deliver_one(state, message, now))).await {
            match outcome? {
                Some(Outcome::Delivered) => report.delivered += 1,
                Some(Outcome::RetryAt(_)) => report.retried += 1,
                Some(Outcome::Dead) => report.dead += 1,
                None => {}
            }
        }
        if count < BATCH {
            return Ok(report);
        }
    }
}

/// Sends one claimed message and settles it; `None` when there was nothing to settle (the
/// subscription is gone, or the claim lapsed and another instance has the message).
async fn deliver_one(
    state: &AppState,
    message: &webhook_message::Model,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<Outcome>, DbErr> {
    let Some(subscription) = store::webhooks::find_subscription(&state.db, message.subscription_id).await? else {
        return Ok(None);
    };
    if subscription.disabled_at.is_some() {
        let attempt = Attempt {
            status_code: None,
            error: Some("the endpoint is disabled".into()),
            outcome: Outcome::Dead,
            provision: None,
        };
        return Ok(settle(state, message, attempt, now).await?.then_some(Outcome::Dead));
    }
    let attempts = message.attempts as usize + 1;
    let jitter = rand::rng().random::<f64>();
    let (status_code, error, outcome) = match send(state, &subscription, message).await {
        Sent::Status { code, .. } if (200..300).contains(&code) => (Some(code), None, Outcome::Delivered),
        Sent::Status { code: 410, .. } => {
            store::webhooks::disable(&state.db, subscription.id, "the endpoint answered 410 Gone", now).await?;
            (Some(410), Some("410 Gone: endpoint disabled".to_owned()), Outcome::Dead)
        }
        Sent::Status { code, retry_after: asked } => {
            let wait = asked.and_then(|value| retry_after(&value, now));
            let outcome = next_attempt(attempts, now, jitter, wait).map_or(Outcome::Dead, Outcome::RetryAt);
            (Some(code), None, outcome)
        }
        Sent::Failed(reason) => {
            let outcome = next_attempt(attempts, now, jitter, None).map_or(Outcome::Dead, Outcome::RetryAt);
            (None, Some(reason), outcome)
        }
    };
    let provision = match outcome {
        Outcome::Delivered => {
            store::alerts::find(&state.db, message.alert_id).await?.map(|alert| store::provisions::Provision {
                person_id: message.person_id,
                channel: "webhook",
                recipient: format!("webhook:{}", subscription.id),
                recipient_party_id: None,
                items: format!(
                    "{} {} ({}), {} … {}; ids only",
                    ALERT_DELIVERED, alert.rule, alert.severity, alert.starts_on, alert.ends_on
                ),
                link_id: alert.link_id,
                source_id: Some(message.id),
            })
        }
        _ => None,
    };
    // The attempt, the message's new state and the provision record commit together.
    let attempt = Attempt { status_code, error, outcome, provision };
    if !settle(state, message, attempt, now).await? {
        return Ok(None);
    }
    Ok(Some(outcome))
}

/// Settles an attempt in its own transaction: the message, its attempt and its provision
/// record together, or nothing when the claim was lost.
async fn settle(
    state: &AppState,
    message: &webhook_message::Model,
    attempt: Attempt,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let txn = state.db.begin().await?;
    let settled = store::webhooks::settle(&txn, message, attempt, now).await?;
    txn.commit().await?;
    Ok(settled)
}
