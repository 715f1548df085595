//! The one outbox: webhooks, e-mail and SMS. A message is written in the transaction that
//! delivers its alert (or confirms an address, or claims a digest); this sends what is due,
//! claimed by one instance at a time (SKIP LOCKED on PostgreSQL, compare-and-set on SQLite),
//! retried with backoff, dead-lettered when it cannot go, and settled once. Sending runs beside
//! the scheduler in slots of its own (`dispatch`), so no peer's slowness holds up the tick.

pub mod compose;
pub mod directory;
mod dispatch;
pub mod duty;
mod email;
pub mod line;
mod reach;

mod sign_in;
mod sms;
pub mod webhook;

use std::future::Future;

use crate::entity::outbox_message;
use chrono::{DateTime, Duration, Utc};
use futures::{stream::FuturesUnordered, FutureExt, StreamExt};
use rand::Rng;
use sea_orm::DbErr;
use tokio::task::JoinHandle;

pub use dispatch::{Dispatcher, Peer, Trouble, EMAIL_SLOTS, SMS_SLOTS, WEBHOOK_SLOTS, WEBHOOK_SLOTS_PER_ENDPOINT};

pub use crate::config::channels::{EmailSettings, LineSettings, SettingError, SmsSettings};
pub use email::Mailer;
pub use line::LineClient;
pub use reach::{confirmation, enqueue_for_parties, escalate_if_unreached, Reach, ALERT, DIGEST};
pub use sign_in::{door_added, invitation, sign_in_code, CodeRequests, DOOR_ADDED, INVITATION, SIGN_IN_CODE};
pub use sms::{receipt_of, SmsGateway, OPTED_OUT as GATEWAY_OPTED_OUT};

use std::sync::Arc;

use crate::{
    clock::Clock,
    domain::{channels::ContactStatus, webhooks::next_attempt},
    store::{
        self,
        outbox::{Attempt, Outcome, Want, EMAIL, LINE, SMS, WEBHOOK},
        Reads, Writer,
    },
};

/// What the outbox sends with, and no more of the service: its steps are tested with this
/// alone, a fake peer on the other end.
#[derive(Clone)]
pub struct Outbox {
    pub db: Writer,
    pub reads: Reads,
    pub clock: Arc<dyn Clock>,
    /// E-mail and SMS, where configured.
    pub reach: Arc<Reach>,
    /// One HTTP client per webhook endpoint, kept between messages.
    pub webhook_clients: Arc<webhook::Clients>,
    /// `TSUNAGU_WEBHOOK_ALLOW_PRIVATE`: let webhooks call private and loopback addresses.
    pub webhook_allow_private: bool,
    /// The sending slots, the claims in flight and how each peer is doing.
    pub delivery: Arc<Dispatcher>,
    /// Rung when something someone waits for was written: the loop sends at once.
    pub send_now: Arc<tokio::sync::Notify>,
}

const LEASE: Duration = Duration::seconds(60);
/// Messages in flight at once on one instance, across every channel: at most this many can be
/// in flight when an instance dies.
pub const BATCH: u64 =
    (dispatch::WEBHOOK_SLOTS + dispatch::EMAIL_SLOTS + dispatch::SMS_SLOTS + dispatch::LINE_SLOTS) as u64;
/// How often the delivery loop looks for what has become due (retries) when nothing wakes it.
const LOOK_AGAIN: std::time::Duration = std::time::Duration::from_secs(1);

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct OutboxReport {
    pub delivered: usize,
    pub retried: usize,
    pub dead: usize,
    /// Texts that may or may not have reached the gateway: left for staff, never resent.
    pub uncertain: usize,
}

impl OutboxReport {
    fn count(&mut self, outcome: Option<Outcome>) {
        match outcome {
            Some(Outcome::Delivered) => self.delivered += 1,
            Some(Outcome::RetryAt(_)) => self.retried += 1,
            Some(Outcome::Dead) => self.dead += 1,
            Some(Outcome::Uncertain) => self.uncertain += 1,
            None => {}
        }
    }
}

/// What one try at sending came to, on any channel.
#[derive(Debug)]
pub(crate) enum Sent {
    /// Handed over: the receiver answered 2xx, the SMTP server or the gateway accepted it.
    Accepted { status_code: Option<u16>, provider_id: Option<String>, receipt: Option<store::outbox::Receipt> },
    /// Worth trying again later (at `retry_after` if the receiver asked).
    Retry { status_code: Option<u16>, error: Option<String>, retry_after: Option<Duration> },
    /// Never going to work: dead at once; the address may have to change state.
    Refused { status_code: Option<u16>, error: String, address_becomes: Option<ContactStatus> },
    /// Cut off after it may have been handed over: for a text, never sent again by itself.
    Unknown { error: String },
}

impl Sent {
    pub(crate) fn retry(status_code: Option<u16>, error: impl Into<String>) -> Self {
        Self::Retry { status_code, error: Some(error.into()), retry_after: None }
    }

    pub(crate) fn refused(status_code: Option<u16>, error: impl Into<String>) -> Self {
        Self::Refused { status_code, error: error.into(), address_becomes: None }
    }

    /// What it says of the peer: `None` if the peer answered (even a refusal), else what went
    /// wrong in a few words that name no address.
    fn peer_failure(&self) -> Option<String> {
        match self {
            Self::Accepted { .. } | Self::Refused { .. } => None,
            Self::Retry { status_code: Some(code), .. } => Some(format!("answered {code}")),
            Self::Retry { error, .. } if error.as_deref().is_some_and(|error| error.contains("timed out")) => {
                Some("timed out".to_owned())
            }
            Self::Retry { .. } => Some("no answer".to_owned()),
            Self::Unknown { .. } => Some("cut off mid-send".to_owned()),
        }
    }
}

type Sending = JoinHandle<Result<Option<Outcome>, DbErr>>;

/// Claims what is due into the free slots of each channel and starts sending it; returns at
/// once with the sends under way. Nothing is claimed once the instance is stopping.
async fn launch(outbox: &Outbox) -> Result<Vec<Sending>, DbErr> {
    let dispatcher = &outbox.delivery;
    let _claiming = dispatcher.claiming.lock().await;
    if dispatcher.is_stopping() {
        return Ok(Vec::new());
    }
    let now = outbox.clock.now();
    let txn = outbox.db.begin().await?;
    let mut claimed = Vec::new();
    for (channel, slots) in dispatch::CHANNELS {
        let (free, room) = dispatcher.free(channel, slots);
        let per_target = if channel == WEBHOOK { WEBHOOK_SLOTS_PER_ENDPOINT } else { slots };
        let want = Want { channel, limit: free, per_target, room: &room };
        claimed.extend(store::outbox::claim(&txn, now, LEASE, &want).await?);
    }
    txn.commit().await?;
    Ok(claimed
        .into_iter()
        .map(|message| {
            let slot = dispatcher.take(&message);
            let outbox = outbox.clone();
            // Each send is a task of its own: it goes on (and may hold the one SQLite writer to
            // settle) while more are claimed; its slot is free again when it ends, however. Its
            // caller waits on the task, and claims again when it ends.
            tokio::spawn(async move {
                let outcome = deliver_one(&outbox, &message, now).await;
                drop(slot);
                outcome
            })
        })
        .collect())
}

/// Sends what is due until none is left and waits for every send: for `tick`, the bench and
/// tests. A message keeps its id (the `webhook-id`, the `Message-ID`) across retries and
/// redeliveries.
pub async fn deliver(outbox: &Outbox) -> Result<OutboxReport, DbErr> {
    let mut report = OutboxReport::default();
    let mut in_flight: FuturesUnordered<Sending> = FuturesUnordered::new();
    // Claiming stops once a send met a database error; what is in flight still finishes and
    // settles, so nothing sent is left unsettled.
    let mut failed = None;
    loop {
        if failed.is_none() {
            match launch(outbox).await {
                Ok(started) => in_flight.extend(started),
                Err(err) => failed = Some(err),
            }
        }
        let Some(first) = in_flight.next().await else { break };
        // Whatever else has finished meanwhile is counted before claiming again, so claims
        // come a few at a time rather than one by one.
        let mut finished = vec![first];
        while let Some(Some(outcome)) = in_flight.next().now_or_never() {
            finished.push(outcome);
        }
        for outcome in finished {
            match outcome.unwrap_or_else(|_| Err(DbErr::Custom("sending a message panicked".to_owned()))) {
                Ok(outcome) => report.count(outcome),
                Err(err) => {
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

/// The delivery loop of a serving instance, beside the scheduler: sends what is due as slots
/// free up, at once when woken (a sign-in code was asked for, an alert was delivered), and
/// looks again every second for retries that have come due. When `stop` completes it claims
/// nothing more, lets what is in flight finish within the grace period, and gives back every
/// claim still unsent so another instance takes it at once. `before_each_round` writes what
/// was asked for off the request path (the sign-in codes), for this round to send.
pub async fn run<F, Fut>(outbox: Outbox, before_each_round: F, stop: impl Future<Output = ()>)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut in_flight: FuturesUnordered<Sending> = FuturesUnordered::new();
    let mut look_again = tokio::time::interval(LOOK_AGAIN);
    look_again.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut stop = std::pin::pin!(stop);
    let mut report = OutboxReport::default();
    loop {
        before_each_round().await;
        match launch(&outbox).await {
            Ok(started) => in_flight.extend(started),
            Err(err) => tracing::error!(error = %err, "claiming the outbox failed"),
        }
        outbox.delivery.went_round(outbox.clock.now());
        tokio::select! {
            // The signal first: when a send settles in the same instant, a random pick could
            // go round once more and claim after it.
            biased;
            () = &mut stop => break,
            _ = look_again.tick() => {}
            () = outbox.send_now.notified() => {}
            Some(done) = in_flight.next(), if !in_flight.is_empty() => {
                settled(&mut report, done);
                while let Some(Some(done)) = in_flight.next().now_or_never() {
                    settled(&mut report, done);
                }
            }
        }
        if report != OutboxReport::default() {
            tracing::info!(?report, "outbox");
            report = OutboxReport::default();
        }
    }
    hand_over(&outbox, in_flight).await;
}

fn settled(report: &mut OutboxReport, done: Result<Result<Option<Outcome>, DbErr>, tokio::task::JoinError>) {
    match done {
        Ok(Ok(outcome)) => report.count(outcome),
        Ok(Err(err)) => tracing::error!(error = %err, "settling a message failed"),
        Err(err) if err.is_panic() => tracing::error!("sending a message panicked"),
        Err(_) => {}
    }
}

/// Stopping: nothing more is claimed; sends in flight have the grace period to finish; the
/// claims of those that did not are given back (a text already on its way to the gateway keeps
/// its mark, so it is never sent twice).
async fn hand_over(outbox: &Outbox, mut in_flight: FuturesUnordered<Sending>) {
    let dispatcher = &outbox.delivery;
    dispatcher.stop_claiming();
    // A claim in progress finishes before the claims are counted.
    drop(dispatcher.claiming.lock().await);
    let waiting = in_flight.len();
    let mut report = OutboxReport::default();
    let finished = tokio::time::timeout(dispatcher.settings.shutdown_grace, async {
        while let Some(done) = in_flight.next().await {
            settled(&mut report, done);
        }
    })
    .await
    .is_ok();
    let unsent = dispatcher.claims();
    if !finished {
        for sending in in_flight.iter() {
            sending.abort();
        }
        while in_flight.next().await.is_some() {}
    }
    let released = match store::outbox::release(&outbox.db, &unsent).await {
        Ok(released) => released,
        Err(err) => {
            tracing::error!(error = %err, "giving back the outbox's claims failed: they lapse in a minute");
            0
        }
    };
    tracing::info!(in_flight = waiting, ?report, released, "outbox handed over");
}

/// Sends one claimed message and settles it; `None` when there was nothing to settle (its
/// target is gone, or the claim lapsed and another instance has the message).
async fn deliver_one(
    outbox: &Outbox,
    message: &outbox_message::Model,
    now: DateTime<Utc>,
) -> Result<Option<Outcome>, DbErr> {
    let Some(sent) = send_once(outbox, message, now).await? else { return Ok(None) };
    outbox.delivery.heard(Peer::of(message), sent.peer_failure(), now);
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
        Sent::Unknown { error } => Attempt {
            status_code: None,
            error: Some(error),
            outcome: Outcome::Uncertain,
            provision: None,
            provider_id: None,
            receipt: None,
        },
    };
    let outcome = attempt.outcome;
    // The attempt, the message's new state, its provision records and what it means for the
    // address and the alert commit together, or not at all when the claim was lost.
    let txn = outbox.db.begin().await?;
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

/// One try at handing a message over, within its channel's time. A text is marked as being
/// handed over (committed) before it goes, and a text found so marked is not sent again: the
/// instance that marked it died mid-send, and the gateway may have it.
async fn send_once(
    outbox: &Outbox,
    message: &outbox_message::Model,
    now: DateTime<Utc>,
) -> Result<Option<Sent>, DbErr> {
    if message.channel == SMS {
        if message.handing_over_since.is_some() {
            return Ok(Some(Sent::Unknown {
                error: "an earlier send was cut off; the gateway may have the text".to_owned(),
            }));
        }
        if !store::outbox::mark_handing_over(&outbox.db, message, now).await? {
            return Ok(None);
        }
    }
    let timeout = outbox.delivery.timeout(message.channel) + std::time::Duration::from_secs(2);
    let sending = async {
        match message.channel {
            WEBHOOK => webhook::send(outbox, message).await,
            EMAIL | SMS | LINE => Ok(Some(reach::send(outbox, message).await?)),
        }
    };
    // The clients' own timeouts come first; this bounds what they do not cover (a lookup).
    match tokio::time::timeout(timeout, sending).await {
        Ok(sent) => sent,
        Err(_) if message.channel == SMS => Ok(Some(Sent::Unknown { error: "timed out".to_owned() })),
        Err(_) => Ok(Some(Sent::retry(None, "timed out"))),
    }
}

/// What a delivered message gave its receiver about each person, for the provision records.
async fn provisions_of(
    db: &impl crate::store::Write,
    message: &outbox_message::Model,
) -> Result<Vec<store::provisions::Provision>, DbErr> {
    if message.channel == WEBHOOK {
        let Some(alert_id) = message.alert_id else { return Ok(Vec::new()) };
        return Ok(store::alerts::find(db, alert_id)
            .await?
            .map(|alert| webhook::provision(&alert, message))
            .into_iter()
            .collect());
    }
    Ok(reach::provisions(message))
}
