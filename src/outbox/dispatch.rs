//! Sending slots: how many messages go at once on each channel and to each webhook endpoint,
//! which claims this instance holds, and how each peer is doing. One hanging endpoint holds
//! only its own slots; the rest of the outbox goes on around it.

use crate::store::outbox::MessageChannel;
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
};

use crate::entity::outbox_message;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{
    config::DeliverySettings,
    store::outbox::{EMAIL, LINE, SMS, WEBHOOK},
};

/// Webhooks in flight at once, across every endpoint.
pub const WEBHOOK_SLOTS: usize = 32;
/// Webhooks in flight at once to one endpoint: a receiver that hangs holds no more than these.
pub const WEBHOOK_SLOTS_PER_ENDPOINT: usize = 4;
/// E-mails in flight at once (one SMTP server, a pooled connection each). lettre 0.11.23
/// leaves Nagle's algorithm on, so each message's closing `.` waits for the server's delayed
/// ACK of its body, ~40 ms (set right upstream in lettre's pull request 1159, not yet
/// released): each connection sends some 20 messages a second whatever the server, so 32
/// connections rather than 8 (README "Performance"), within common relays' per-client limits.
pub const EMAIL_SLOTS: usize = 32;
/// Texts in flight at once (one gateway).
pub const SMS_SLOTS: usize = 8;
/// LINE pushes in flight at once (one Messaging API channel).
pub const LINE_SLOTS: usize = 8;

/// Each channel with its slots, texts, LINE and e-mails (where people wait) claimed first.
pub(super) const CHANNELS: [(MessageChannel, usize); 4] =
    [(SMS, SMS_SLOTS), (LINE, LINE_SLOTS), (EMAIL, EMAIL_SLOTS), (WEBHOOK, WEBHOOK_SLOTS)];

/// Who answers a message: each webhook endpoint, the SMTP server, the SMS gateway, LINE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Peer {
    Webhook(Uuid),
    Smtp,
    SmsGateway,
    Line,
}

impl Peer {
    pub fn of(message: &outbox_message::Model) -> Self {
        match message.channel {
            MessageChannel::Sms => Self::SmsGateway,
            MessageChannel::Line => Self::Line,
            MessageChannel::Email => Self::Smtp,
            MessageChannel::Webhook => Self::Webhook(message.target_id),
        }
    }
}

/// A peer whose last answers were failures (no answer, a timeout, a 5xx).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trouble {
    pub peer: Peer,
    pub since: DateTime<Utc>,
    pub failures: u32,
    /// What went wrong last, in a few words that name no address: "timed out", "answered 503".
    pub last: String,
}

#[derive(Debug, Default)]
struct InFlight {
    by_channel: HashMap<MessageChannel, usize>,
    by_target: HashMap<Uuid, usize>,
    /// The claims held, by message id, as stored: given back as they are if this instance stops.
    claims: HashMap<Uuid, DateTime<Utc>>,
}

/// The outbox's sending slots on this instance, shared by the delivery loop and by callers that
/// send what is due and wait (tests, `tick`).
pub struct Dispatcher {
    pub settings: DeliverySettings,
    in_flight: Mutex<InFlight>,
    /// Held while claiming, so two claims never both count the same free slot.
    pub(super) claiming: tokio::sync::Mutex<()>,
    stopping: AtomicBool,
    troubles: Mutex<HashMap<Peer, Trouble>>,
    last_round: Mutex<Option<DateTime<Utc>>>,
}

impl Dispatcher {
    pub fn new(settings: DeliverySettings) -> Self {
        Self {
            settings,
            in_flight: Mutex::default(),
            claiming: tokio::sync::Mutex::new(()),
            stopping: AtomicBool::new(false),
            troubles: Mutex::default(),
            last_round: Mutex::default(),
        }
    }

    /// How long one send on `channel` may take.
    pub fn timeout(&self, channel: MessageChannel) -> std::time::Duration {
        match channel {
            // LINE's API answers as quickly as an SMS gateway's: the same bound.
            MessageChannel::Sms | MessageChannel::Line => self.settings.sms_timeout,
            MessageChannel::Email => self.settings.email_timeout,
            MessageChannel::Webhook => self.settings.webhook_timeout,
        }
    }

    /// Free slots on `channel`, and for webhooks how many more each busy endpoint may take.
    pub(super) fn free(&self, channel: MessageChannel, slots: usize) -> (usize, HashMap<Uuid, usize>) {
        let Ok(in_flight) = self.in_flight.lock() else { return (0, HashMap::new()) };
        let free = slots.saturating_sub(in_flight.by_channel.get(&channel).copied().unwrap_or(0));
        let per_endpoint = if channel == WEBHOOK {
            in_flight
                .by_target
                .iter()
                .map(|(target, used)| (*target, WEBHOOK_SLOTS_PER_ENDPOINT.saturating_sub(*used)))
                .collect()
        } else {
            HashMap::new()
        };
        (free, per_endpoint)
    }

    /// Takes a slot for a claimed message; the slot is free again when the guard drops (the
    /// send settled, failed or was aborted).
    pub(super) fn take(self: &Arc<Self>, message: &outbox_message::Model) -> Slot {
        let channel = message.channel;
        if let Ok(mut in_flight) = self.in_flight.lock() {
            *in_flight.by_channel.entry(channel).or_default() += 1;
            if channel == WEBHOOK {
                *in_flight.by_target.entry(message.target_id).or_default() += 1;
            }
            if let Some(claim) = message.claimed_until {
                in_flight.claims.insert(message.id, claim);
            }
        }
        Slot { dispatcher: self.clone(), channel, target: message.target_id, id: message.id }
    }

    /// The claims this instance holds now.
    pub fn claims(&self) -> Vec<(Uuid, DateTime<Utc>)> {
        self.in_flight
            .lock()
            .map(|in_flight| in_flight.claims.iter().map(|(id, at)| (*id, *at)).collect())
            .unwrap_or_default()
    }

    /// From now on nothing more is claimed here.
    pub fn stop_claiming(&self) {
        self.stopping.store(true, Ordering::Release);
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::Acquire)
    }

    /// What a peer's answer says of it: a failure adds to its trouble, anything else ends it.
    pub(super) fn heard(&self, peer: Peer, failure: Option<String>, now: DateTime<Utc>) {
        let Ok(mut troubles) = self.troubles.lock() else { return };
        match failure {
            None => {
                troubles.remove(&peer);
            }
            Some(last) => {
                let trouble =
                    troubles.entry(peer).or_insert(Trouble { peer, since: now, failures: 0, last: String::new() });
                trouble.failures += 1;
                trouble.last = last;
            }
        }
    }

    /// The peers failing now, longest first.
    pub fn troubles(&self) -> Vec<Trouble> {
        let mut troubles: Vec<Trouble> =
            self.troubles.lock().map(|troubles| troubles.values().cloned().collect()).unwrap_or_default();
        troubles.sort_by_key(|trouble| trouble.since);
        troubles
    }

    /// The delivery loop went round: it is not stuck.
    pub(super) fn went_round(&self, at: DateTime<Utc>) {
        if let Ok(mut last) = self.last_round.lock() {
            *last = Some(at);
        }
    }

    pub fn last_round(&self) -> Option<DateTime<Utc>> {
        self.last_round.lock().ok().and_then(|last| *last)
    }
}

/// One message's place among those in flight.
pub(super) struct Slot {
    dispatcher: Arc<Dispatcher>,
    channel: MessageChannel,
    target: Uuid,
    id: Uuid,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut in_flight) = self.dispatcher.in_flight.lock() {
            if let Some(used) = in_flight.by_channel.get_mut(&self.channel) {
                *used = used.saturating_sub(1);
            }
            if self.channel == WEBHOOK {
                if let Some(used) = in_flight.by_target.get_mut(&self.target) {
                    *used = used.saturating_sub(1);
                    if *used == 0 {
                        in_flight.by_target.remove(&self.target);
                    }
                }
            }
            in_flight.claims.remove(&self.id);
        }
    }
}
