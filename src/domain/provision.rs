//! The record of a provision of personal data to a third party (個人情報保護法 第29条 and the
//! confirmation duty of 第30条 on the receiving side): to whom, on which channel, what about
//! whom, on which consent. A legal artefact, so its wording is built here once, from typed
//! parts, whichever channel carried the data; the store keeps what this says.

use chrono::NaiveDate;
use uuid::Uuid;

/// The channel the data went by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProvisionChannel {
    Inbox,
    Email,
    Sms,
    Line,
    Webhook,
    CalendarFeed,
    /// A referral, as its receiving side first sees it.
    Referral,
}

impl ProvisionChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inbox => "inbox",
            Self::Email => "email",
            Self::Sms => "sms",
            Self::Line => "line",
            Self::Webhook => "webhook",
            Self::CalendarFeed => "calendar_feed",
            Self::Referral => "referral",
        }
    }
}

/// Who received it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    /// A party, in their own inbox or calendar.
    Party(Uuid),
    /// An organisation's team, in its team inbox.
    Team { organization_id: Uuid },
    /// One of a party's addresses (an e-mail address or a phone).
    Address { contact_point_id: Uuid, party_id: Option<Uuid> },
    /// A partner system's webhook subscription.
    Webhook { subscription_id: Uuid },
}

impl Recipient {
    /// As the record names the recipient.
    pub fn name(self) -> String {
        match self {
            Self::Party(id) => id.to_string(),
            Self::Team { organization_id } => format!("organization:{organization_id}"),
            Self::Address { contact_point_id, .. } => format!("contact:{contact_point_id}"),
            Self::Webhook { subscription_id } => format!("webhook:{subscription_id}"),
        }
    }

    /// The party the data went to, where it went to one.
    pub fn party_id(self) -> Option<Uuid> {
        match self {
            Self::Party(id) => Some(id),
            Self::Address { party_id, .. } => party_id,
            Self::Team { .. } | Self::Webhook { .. } => None,
        }
    }
}

/// A high-risk period as an alert or a digest names it: the rule and severity as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodNamed {
    pub rule: String,
    pub severity: crate::domain::risk::Severity,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

impl PeriodNamed {
    fn words(&self) -> String {
        format!("{} ({}), {} … {}", self.rule, self.severity, self.starts_on, self.ends_on)
    }
}

/// What was provided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provided {
    /// An alert, with the person's display name (the inbox; an e-mail its reader chose detail for).
    Alert(PeriodNamed),
    /// A notice that there is an alert, without its detail or any name (a text, a plain e-mail).
    Notice { alert_id: Uuid },
    /// One line of a daily digest, with the person's display name.
    DigestLine(PeriodNamed),
    /// An alert to a partner system: identifiers, the rule and the dates, no name.
    WebhookAlert { event: &'static str, period: PeriodNamed },
    /// The dates a calendar feed listed, with the person's display name.
    Calendar { dates: Vec<String> },
    /// A referral's person, to the organisation it refers them to: the display name and what
    /// the scope agreed for it allows.
    Referral { scope: String },
    /// What a message said it provides, in the words [`Provided::items`] gave it when the
    /// message was composed: the record is of that message, whatever the wording is now.
    Composed(String),
}

impl Provided {
    /// The record's words for it.
    pub fn items(&self) -> String {
        match self {
            Self::Alert(period) => format!("alert {}, with the person's display name", period.words()),
            Self::Notice { alert_id } => format!("a notice of alert {alert_id} without its detail"),
            Self::DigestLine(period) => format!("digest: {}, with the person's display name", period.words()),
            Self::WebhookAlert { event, period } => format!("{event} {}; ids only", period.words()),
            Self::Calendar { dates } => format!("calendar: {}, with the person's display name", dates.join("; ")),
            Self::Referral { scope } => format!("referral: the person's display name and {scope}"),
            Self::Composed(items) => items.clone(),
        }
    }
}

/// One provision: what the store writes as a provision record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provision {
    pub person_id: Uuid,
    pub channel: ProvisionChannel,
    pub recipient: Recipient,
    pub provided: Provided,
    /// The link (consent) it relied on; the record keeps the consent decision in force on it.
    pub link_id: Option<Uuid>,
    /// What carried it: the alert, the message.
    pub source_id: Option<Uuid>,
}

impl Provision {
    /// Why it was lawful: the person's consent on a link, or the facility's own care of its
    /// resident (a team's inbox, a partner system of the facility).
    pub fn basis(&self) -> &'static str {
        if matches!(self.provided, Provided::Referral { .. }) {
            "referral_consent"
        } else if self.link_id.is_some() {
            "link_consent"
        } else {
            "facility_care"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period() -> PeriodNamed {
        PeriodNamed {
            rule: "after_release_critical".to_owned(),
            severity: crate::domain::risk::Severity::Critical,
            starts_on: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            ends_on: NaiveDate::from_ymd_opt(2026, 4, 14).unwrap(),
        }
    }

    #[test]
    fn a_record_says_whether_the_name_went_with_the_data() {
        assert_eq!(
            Provided::Alert(period()).items(),
            "alert after_release_critical (critical), 2026-04-01 … 2026-04-14, with the person's display name"
        );
        let notice = Provided::Notice { alert_id: Uuid::nil() }.items();
        assert!(notice.contains("without its detail") && !notice.contains("display name"));
        let webhook = Provided::WebhookAlert { event: "alert.delivered", period: period() }.items();
        assert!(webhook.ends_with("; ids only") && !webhook.contains("display name"));
    }

    #[test]
    fn the_recipient_is_named_and_its_party_kept() {
        let id = Uuid::now_v7();
        assert_eq!(Recipient::Team { organization_id: id }.name(), format!("organization:{id}"));
        assert_eq!(Recipient::Team { organization_id: id }.party_id(), None);
        assert_eq!(Recipient::Address { contact_point_id: id, party_id: Some(id) }.party_id(), Some(id));
        assert_eq!(Recipient::Party(id).name(), id.to_string());
    }
}
