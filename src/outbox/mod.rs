//! The one outbox: webhooks, e-mail and SMS. A message is written in the transaction that
//! delivers its alert (or confirms an address, or claims a digest); this sends what is due,
//! claimed by one instance at a time (SKIP LOCKED on PostgreSQL, compare-and-set on SQLite),
//! retried with backoff, dead-lettered when it cannot go, and settled once.

pub mod compose;
mod email;
mod reach;
mod settings;
mod sign_in;
mod sms;
pub mod webhook;

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use entity::outbox_message;
use futures::{stream::FuturesUnordered, FutureExt, StreamExt};
use rand::Rng;
use sea_orm::DbErr;

pub use email::Mailer;
pub use reach::{confirmation, enqueue_for_parties, escalate_if_unreached, Reach, DIGEST};
pub use settings::{EmailSettings, SettingError, SmsSettings};
pub use sign_in::{door_added, invitation, sign_in_code, DOOR_ADDED, INVITATION, SIGN_IN_CODE};
pub use sms::{receipt_of, SmsGateway, OPTED_OUT as GATEWAY_OPTED_OUT};

use crate::{
    domain::{channels::ContactStatus, webhooks::next_attempt},
    state::AppState,
    store::{
        self,
        outbox::{Attempt, Outcome, EMAIL, SMS, WEBHOOK},
    },
};

const LEASE: Duration = Duration::seconds(60);
/// Messages claimed and sent at once: at most this many can be in flight when an instance dies.
pub const BATCH: u64 = 32;
/// One send's limit, well inside the `LEASE`: while an instance lives, no other sends its claims.
pub(crate) const SEND_TIMEOUT: StdDuration = StdDuration::from_secs(20);

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct OutboxReport {
    pub delivered: usize,
    pub retried: usize,
    pub dead: usize,
}

/// What one try at sending came to, on any channel.
#[derive(Debug)]
pub(crate) enum Sent {
    /// Handed over: the receiver answered 2xx, the SMTP server or the gateway accepted it.
    Accepted { status_code: Option<u16>, provider_id: Option<String>, receipt: Option<&'static str> },
    /// Worth trying again later (at `retry_after` if the receiver asked).
    Retry { status_code: Option<u16>, error: Option<String>, retry_after: Option<Duration> },
    /// Never going to work: dead at once; the address may have to change state.
    Refused { status_code: Option<u16>, error: String, address_becomes: Option<ContactStatus> },
}

impl Sent {
    pub(crate) fn retry(status_code: Option<u16>, error: impl Into<String>) -> Self {
        Self::Retry { status_code, error: Some(error.into()), retry_after: None }
    }

    pub(crate) fn refused(status_code: Option<u16>, error: impl Into<String>) -> Self {
        Self::Refused { status_code, error: error.into(), address_becomes: None }
    }
}

/// Sends what is due until none is left, `BATCH` messages in flight at a time: as sends finish,
/// more are claimed, so one slow receiver (an SMTP server's delayed ACK holds each e-mail some
/// 40 ms) does not hold the rest of a batch back. A message keeps its id (the `webhook-id`, the
/// `Message-ID`) across retries and redeliveries.
pub async fn deliver(state: &AppState) -> Result<OutboxReport, DbErr> {
    let mut report = OutboxReport::default();
    let mut in_flight = FuturesUnordered::new();
    // Claiming stops once the outbox has nothing more due, or a send met a database error;
    // what is in flight still finishes and settles, so nothing sent is left unsettled.
    let mut claiming = true;
    let mut failed = None;
    loop {
        let room = BATCH - in_flight.len() as u64;
        if claiming && room > 0 {
            let now = state.clock.now();
            let txn = state.db.begin().await?;
            let claimed = store::outbox::claim(&txn, now, LEASE, room).await?;
            txn.commit().await?;
            claiming = claimed.len() as u64 == room;
            // Each send is a task of its own: it goes on (and may hold the one SQLite writer to
            // settle) while this loop waits to claim more.
            in_flight.extend(claimed.into_iter().map(|message| {
                let state = state.clone();
                tokio::spawn(async move { deliver_one(&state, &message, now).await })
            }));
        }
        let Some(first) = in_flight.next().await else { break };
        // Whatever else has finished meanwhile is counted before claiming again, so claims
        // come a few at a time rather than one by one.
        let mut finished = vec![first];
        while let Some(Some(outcome)) = in_flight.next().now_or_never() {
            finished.push(outcome);
        }
        for outcome in finished {
            let outcome = outcome.unwrap_or_else(|_| Err(DbErr::Custom("sending a message panicked".to_owned())));
            match outcome {
                Ok(Some(Outcome::Delivered)) => report.delivered += 1,
                Ok(Some(Outcome::RetryAt(_))) => report.retried += 1,
                Ok(Some(Outcome::Dead)) => report.dead += 1,
                Ok(None) => {}
                Err(err) => {
                    claiming = false;
                    failed.get_or_insert(err);
                }
            }
        }
    }
    match failed {
        Some(err) => Err(err),
        None => Ok(report),
    }
}

/// Sends one claimed message and settles it; `None` when there was nothing to settle (its
/// target is gone, or the claim lapsed and another instance has the message).
async fn deliver_one(
    state: &AppState,
    message: &outbox_message::Model,
    now: DateTime<Utc>,
) -> Result<Option<Outcome>, DbErr> {
    let sent = match message.channel.as_str() {
        WEBHOOK => webhook::send(state, message).await?,
        EMAIL | SMS => Some(reach::send(state, message).await?),
        other => Some(Sent::refused(None, format!("no such channel {other:?}"))),
    };
    let Some(sent) = sent else { return Ok(None) };
    let attempts = message.attempts as usize + 1;
    let jitter = rand::rng().random::<f64>();
    let mut address_becomes = None;
    let attempt = match sent {
        Sent::Accepted { status_code, provider_id, receipt } => {
            Attempt { status_code, error: None, outcome: Outcome::Delivered, provision: None, provider_id, receipt }
        }
        Sent::Retry { status_code, error, retry_after } => {
            let outcome = next_attempt(attempts, now, jitter, retry_after).map_or(Outcome::Dead, Outcome::RetryAt);
            Attempt { status_code, error, outcome, provision: None, provider_id: None, receipt: None }
        }
        Sent::Refused { status_code, error, address_becomes: becomes } => {
            address_becomes = becomes;
            Attempt {
                status_code,
                error: Some(error),
                outcome: Outcome::Dead,
                provision: None,
                provider_id: None,
                receipt: None,
            }
        }
    };
    let outcome = attempt.outcome;
    // The attempt, the message's new state, its provision records and what it means for the
    // address and the alert commit together, or not at all when the claim was lost.
    let txn = state.db.begin().await?;
    let provisions = match outcome {
        Outcome::Delivered => provisions_of(&txn, message).await?,
        _ => Vec::new(),
    };
    if !store::outbox::settle(&txn, message, attempt, now).await? {
        return Ok(None);
    }
    for provision in provisions {
        store::provisions::record(&txn, provision, now).await?;
    }
    if !matches!(outcome, Outcome::RetryAt(_)) && message.channel != WEBHOOK && reach::carries_a_secret(message) {
        // A code or link that lets someone in is kept no longer than it is needed.
        store::outbox::forget_payload(&txn, message.id).await?;
    }
    if let Some(status) = address_becomes {
        store::contact_points::set_status(&txn, &[message.target_id], status, now).await?;
    }
    if outcome == Outcome::Dead && message.channel != WEBHOOK {
        reach::escalate_if_unreached(&txn, message.alert_id, now).await?;
    }
    txn.commit().await?;
    Ok(Some(outcome))
}

/// What a delivered message gave its receiver about each person, for the provision records.
async fn provisions_of(
    db: &impl sea_orm::ConnectionTrait,
    message: &outbox_message::Model,
) -> Result<Vec<store::provisions::Provision>, DbErr> {
    if message.channel == WEBHOOK {
        return Ok(store::alerts::find(db, message.alert_id)
            .await?
            .map(|alert| webhook::provision(&alert, message))
            .into_iter()
            .collect());
    }
    Ok(reach::provisions(message))
}
