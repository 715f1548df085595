//! E-mail and SMS to a party's confirmed addresses: writing the messages when alerts are
//! delivered, sending them, and escalating a critical alert that reached its recipient on no
//! channel.

use std::collections::HashMap;

use crate::entity::{alert, contact_point, outbox_message, party};
use chrono::{DateTime, Utc};
use sea_orm::DbErr;
use uuid::Uuid;

use super::{
    compose::{self, EmailPayload, Notice, Period, Provided, SmsPayload},
    Mailer, Sent, SmsGateway,
};
use crate::domain::provision::{self, Provision, ProvisionChannel, Recipient};
use crate::{
    domain::{
        channels::{Channel, ContactStatus},
        risk::{wording_of, RiskRule, Severity},
        wording::Reader,
    },
    store::outbox::Subject,
    store::{
        self,
        outbox::{NewMessage, Priority, EMAIL, LINE, SMS},
    },
};

pub const ALERT: &str = "alert.delivered";
pub const DIGEST: &str = "digest";
pub const CONFIRM: &str = "contact.confirm";

/// The channels this service can send on, and the address the outside knows it by.
#[derive(Clone)]
pub struct Reach {
    pub mailer: Option<Mailer>,
    pub sms: Option<SmsGateway>,
    pub line: Option<super::LineClient>,
    /// `TSUNAGU_PUBLIC_URL`, without a trailing slash.
    pub public_url: Option<String>,
    /// Makes each address's unsubscribe token from its id, so none is stored.
    pub keys: crate::auth::KeyRing,
}

impl Reach {
    pub fn offers(&self, channel: Channel) -> bool {
        match channel {
            Channel::Email => self.mailer.is_some(),
            Channel::Sms => self.sms.is_some(),
            Channel::Line => self.line.is_some(),
        }
    }

    fn base(&self) -> &str {
        self.public_url.as_deref().unwrap_or("").trim_end_matches('/')
    }

    pub fn service_url(&self) -> String {
        format!("{}/", self.base())
    }

    pub fn confirm_url(&self, token: &str) -> String {
        format!("{}/contacts/confirm/{token}", self.base())
    }

    /// The one-click link of an address: its token is made from the address's id with the
    /// service's key; the database keeps only the token's hash.
    pub fn unsubscribe_url(&self, contact_id: Uuid) -> String {
        format!("{}/unsubscribe/{}", self.base(), self.keys.unsubscribe_token(contact_id))
    }

    /// The link of a team alert sent to a staff member on a channel: it shows them the alert
    /// and its Acknowledge button, once signed in.
    pub fn respond_url(&self, alert_id: Uuid, party_id: Uuid, channel: Channel) -> String {
        format!("{}/r/{}", self.base(), self.keys.respond_token(alert_id, party_id, channel.as_str()))
    }

    /// The page a LINE user not yet linked is sent to, to sign in and link.
    pub fn line_link_url(&self, link_token: &str) -> String {
        let query = url::form_urlencoded::Serializer::new(String::new()).append_pair("linkToken", link_token).finish();
        format!("{}/line/link?{query}", self.base())
    }

    /// Where the gateway posts receipts; also the URL their signatures are computed over.
    pub fn sms_status_url(&self) -> String {
        format!("{}/api/v1/channels/sms/status", self.base())
    }

    fn host(&self) -> String {
        self.public_url
            .as_deref()
            .and_then(|url| url::Url::parse(url).ok())
            .and_then(|url| url.host_str().map(str::to_owned))
            .unwrap_or_else(|| "tsunagu.invalid".to_owned())
    }
}

/// The message asking the owner of a new address to confirm it. Call it in the transaction
/// that adds the address.
pub fn confirmation(reach: &Reach, party: &party::Model, contact: &contact_point::Model, token: &str) -> NewMessage {
    let language = party.language;
    let url = reach.confirm_url(token);
    let (channel, payload) = if contact.channel == Channel::Sms {
        (SMS, serde_json::to_string(&compose::confirmation_sms(language, &url)))
    } else {
        (EMAIL, serde_json::to_string(&compose::confirmation_email(language, &url)))
    };
    NewMessage {
        channel,
        target_id: contact.id,
        // Each confirmation sent (on adding, again on asking, on adding again after an
        // unsubscribe) is a message of its own, with its own link.
        about: Subject::ContactPoint(contact.id),
        person_id: None,
        party_id: Some(party.id),
        event_type: CONFIRM,
        payload: payload.unwrap_or_default(),
        // Its owner has just added the address and is waiting for the link.
        priority: Priority::Now,
    }
}

/// What the alerts just delivered to parties mean on e-mail and SMS: one message per confirmed
/// address whose owner wants it now. A critical alert whose recipient has addresses but none
/// that can take it (all opted out, unsubscribed or bouncing) goes to the facility team at
/// once. Call it in the transaction that delivers the alerts.
pub async fn enqueue_for_parties(
    db: &impl crate::store::Write,
    reach: &Reach,
    rules: &[RiskRule],
    delivered: &[&alert::Model],
    recipients: &HashMap<Uuid, party::Model>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let personal: Vec<&alert::Model> =
        delivered.iter().copied().filter(|alert| alert.team_organization_id.is_none()).collect();
    if personal.is_empty() || (reach.mailer.is_none() && reach.sms.is_none() && reach.line.is_none()) {
        return Ok(());
    }
    let party_ids: Vec<Uuid> = recipients.keys().copied().collect();
    let mut contacts: HashMap<Uuid, Vec<contact_point::Model>> = HashMap::new();
    for contact in store::contact_points::of_parties(db, &party_ids).await? {
        contacts.entry(contact.party_id).or_default().push(contact);
    }
    let person_ids: Vec<Uuid> = personal.iter().map(|alert| alert.person_id).collect();
    let names: HashMap<Uuid, String> = store::persons::find_many(db, &person_ids)
        .await?
        .into_iter()
        .map(|person| (person.id, person.display_name))
        .collect();
    let mut messages = Vec::new();
    let mut unreachable = Vec::new();
    for alert in personal {
        let (Some(party), Some(addresses)) =
            (recipients.get(&alert.recipient_party_id), contacts.get(&alert.recipient_party_id))
        else {
            continue;
        };
        // Corrupt (logged where found): sent on no channel rather than on a guess.
        let Ok(preferences) = store::parties::preferences_of(party) else { continue };
        let (severity, language, role) = (alert.severity, party.language, party.role);
        let words = wording_of(rules, &alert.rule, Reader::of_role(role), language);
        let period = Period {
            person_name: names.get(&alert.person_id).map_or("", String::as_str),
            title: &words.title,
            why: &words.why,
            severity,
            starts_on: alert.starts_on,
            ends_on: alert.ends_on,
        };
        let mut wanted = 0;
        let mut usable = 0;
        for contact in addresses {
            let channel = contact.channel;
            if !reach.offers(channel) || !preferences.sends_at_once(channel, severity) {
                continue;
            }
            let status = contact.status;
            wanted += 1;
            if !status.receives_alerts() {
                continue;
            }
            usable += 1;
            let provided = Provided {
                person_id: alert.person_id,
                link_id: alert.link_id,
                items: match (channel, party.email_detail) {
                    (Channel::Email, true) => provision::Provided::Alert(store::alerts::period_named(alert)),
                    _ => provision::Provided::Notice { alert_id: alert.id },
                }
                .items(),
            };
            let (channel_name, payload) = match channel {
                Channel::Email => (
                    EMAIL,
                    serde_json::to_string(&compose::alert_email(
                        &period,
                        language,
                        &reach.service_url(),
                        reach.unsubscribe_url(contact.id),
                        provided,
                        party.email_detail,
                    )),
                ),
                Channel::Sms => {
                    (SMS, serde_json::to_string(&compose::alert_sms(language, &reach.service_url(), provided)))
                }
                Channel::Line => {
                    let what = if alert.notice.is_some() { Notice::Changed } else { Notice::DayComing };
                    (
                        LINE,
                        serde_json::to_string(&compose::line_notice(
                            language,
                            what,
                            &reach.service_url(),
                            vec![provided],
                        )),
                    )
                }
            };
            messages.push(NewMessage {
                channel: channel_name,
                target_id: contact.id,
                about: Subject::Alert(alert.id),
                person_id: Some(alert.person_id),
                party_id: Some(party.id),
                event_type: ALERT,
                payload: payload.unwrap_or_default(),
                priority: if severity == Severity::Critical { Priority::Now } else { Priority::Normal },
            });
        }
        if severity == Severity::Critical && wanted > 0 && usable == 0 {
            unreachable.push(alert);
        }
    }
    store::outbox::enqueue(db, messages, now).await?;
    for alert in unreachable {
        let teams = store::placements::current_organizations(db, alert.person_id, now).await?;
        store::alerts::escalate(db, alert, &teams, now).await?;
    }
    Ok(())
}

/// Sends one e-mail or text to its contact point, if the address still takes it.
pub(super) async fn send(outbox: &super::Outbox, message: &outbox_message::Model) -> Result<Sent, DbErr> {
    let reach = &outbox.reach;
    let Some(contact) = store::contact_points::find(&outbox.reads, message.target_id).await? else {
        return Ok(Sent::refused(None, "the address was removed"));
    };
    let status = contact.status;
    let allowed = match message.event_type.as_str() {
        CONFIRM => matches!(status, ContactStatus::Unconfirmed | ContactStatus::Unsubscribed),
        // Unsubscribing stops alerts, not the messages that let the owner in.
        super::SIGN_IN_CODE | super::INVITATION | super::DOOR_ADDED => status.is_sign_in_door(),
        _ => status.receives_alerts(),
    };
    if !allowed {
        return Ok(Sent::refused(None, "the address no longer takes these messages"));
    }
    let sent = match (message.channel, &reach.mailer, &reach.sms) {
        (EMAIL, Some(mailer), _) => match serde_json::from_str::<EmailPayload>(&message.payload) {
            Ok(payload) => mailer.send(message.id, &reach.host(), &contact.address, &payload).await,
            Err(_) => Sent::refused(None, "the stored message does not parse"),
        },
        (SMS, _, Some(gateway)) => match serde_json::from_str::<SmsPayload>(&message.payload) {
            Ok(payload) => gateway.send(&contact.address, &payload, &reach.sms_status_url(), outbox.clock.now()).await,
            Err(_) => Sent::refused(None, "the stored message does not parse"),
        },
        (LINE, _, _) => match (&reach.line, serde_json::from_str::<SmsPayload>(&message.payload)) {
            (Some(line), Ok(payload)) => line.push(message.id, &contact.address, &payload, outbox.clock.now()).await,
            (Some(_), Err(_)) => Sent::refused(None, "the stored message does not parse"),
            (None, _) => Sent::refused(None, "this channel is not configured on this service"),
        },
        _ => Sent::refused(None, "this channel is not configured on this service"),
    };
    Ok(sent)
}

/// A confirmation link, a sign-in code or an invitation: what must not outlive its sending.
pub(super) fn carries_a_secret(message: &outbox_message::Model) -> bool {
    matches!(message.event_type.as_str(), CONFIRM | super::SIGN_IN_CODE | super::INVITATION)
}

/// What a delivered e-mail or text gave its reader, as written in its payload.
pub(super) fn provisions(message: &outbox_message::Model) -> Vec<store::provisions::Provision> {
    let provides = match message.channel {
        EMAIL => serde_json::from_str::<EmailPayload>(&message.payload).map(|payload| payload.provides),
        _ => serde_json::from_str::<SmsPayload>(&message.payload).map(|payload| payload.provides),
    };
    let channel = match message.channel {
        EMAIL => ProvisionChannel::Email,
        LINE => ProvisionChannel::Line,
        _ => ProvisionChannel::Sms,
    };
    let recipient = Recipient::Address { contact_point_id: message.target_id, party_id: message.party_id };
    provides
        .unwrap_or_default()
        .into_iter()
        .map(|provided| Provision {
            person_id: provided.person_id,
            channel,
            recipient,
            provided: provision::Provided::Composed(provided.items),
            link_id: provided.link_id,
            source_id: Some(message.id),
        })
        .collect()
}

/// A critical alert all of whose e-mails and texts failed (dead, undelivered, or refused as
/// opted out) reached its recipient on no channel: the facility team hears of it now. A
/// message about no alert (a code, a digest) escalates nothing.
pub async fn escalate_if_unreached(
    db: &impl crate::store::Write,
    alert_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let Some(alert_id) = alert_id else { return Ok(()) };
    let Some(alert) = store::alerts::find(db, alert_id).await? else { return Ok(()) };
    let critical = alert.severity == Severity::Critical;
    if !critical || alert.team_organization_id.is_some() || alert.escalated_at.is_some() {
        return Ok(());
    }
    let messages: Vec<outbox_message::Model> = store::outbox::of_subject(db, alert.id)
        .await?
        .into_iter()
        .filter(|message| matches!(message.channel, EMAIL | SMS | LINE))
        .collect();
    let failed = |message: &outbox_message::Model| {
        message.status == store::outbox::DEAD
            || matches!(message.receipt, Some(store::outbox::Receipt::Undelivered | store::outbox::Receipt::Failed))
    };
    if messages.is_empty() || !messages.iter().all(failed) {
        return Ok(());
    }
    let teams = store::placements::current_organizations(db, alert.person_id, now).await?;
    store::alerts::escalate(db, &alert, &teams, now).await?;
    Ok(())
}
