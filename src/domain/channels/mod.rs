//! E-mail, SMS and LINE: which addresses may be written to, what each party asked for, and which
//! alerts go out on which channel. Pure rules; the outbox does the sending.

mod address;
pub mod line;
pub mod sms;
pub mod twilio;

pub use address::ContactAddress;

use chrono::NaiveTime;

use super::{quiet_hours::parse_clock_time, risk::Severity, text_enum, Invalid};

text_enum! {
    /// A way to reach a party outside the service.
    pub enum Channel ("channel") {
        Email = "email",
        Sms = "sms",
        /// A LINE user who linked their account: sent a notice and a link, never the content.
        Line = "line",
    }
}

text_enum! {
    /// Whether a contact point may be written to.
    pub enum ContactStatus ("contact status") {
        /// Added, and sent nothing but the confirmation until its owner confirms it.
        Unconfirmed = "unconfirmed",
        Confirmed = "confirmed",
        /// Its owner stopped e-mail to it (the one-click link).
        Unsubscribed = "unsubscribed",
        /// Its owner texted STOP, or the gateway says the number opted out.
        OptedOut = "opted_out",
        /// Messages to it keep failing.
        Bouncing = "bouncing",
    }
}

impl ContactStatus {
    /// Only a confirmed address hears of alerts.
    pub fn receives_alerts(self) -> bool {
        self == Self::Confirmed
    }

    /// A confirmed address signs its party in, and still does after its owner unsubscribed
    /// from alerts (one-click unsubscribe stops messages, not a way in); nothing else is.
    pub fn is_sign_in_door(self) -> bool {
        matches!(self, Self::Confirmed | Self::Unsubscribed)
    }
}

text_enum! {
    /// What e-mail a party wants.
    #[derive(Default)]
    pub enum EmailPreference ("e-mail preference") {
        /// Each alert as it is delivered.
        #[default]
        Immediate = "immediate",
        /// One e-mail a day; critical alerts still at once.
        Digest = "digest",
        Off = "off",
    }
}

text_enum! {
    /// What texts a party wants.
    #[derive(Default)]
    pub enum SmsPreference ("SMS preference") {
        #[default]
        Critical = "critical",
        All = "all",
        Off = "off",
    }
}

text_enum! {
    /// What LINE messages a party wants.
    #[derive(Default)]
    pub enum LinePreference ("LINE preference") {
        /// Each alert as it is delivered (quiet hours still hold back all but critical ones).
        #[default]
        Immediate = "immediate",
        Critical = "critical",
        Off = "off",
    }
}

/// A party's channel preferences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preferences {
    pub email: EmailPreference,
    pub sms: SmsPreference,
    pub line: LinePreference,
    /// Local time of the daily digest.
    pub digest_at: NaiveTime,
    /// Whether e-mail bodies may say what an alert is about; subjects and texts never do.
    pub email_detail: bool,
}

impl Default for Preferences {
    fn default() -> Self {
        Self {
            email: EmailPreference::default(),
            sms: SmsPreference::default(),
            line: LinePreference::default(),
            digest_at: default_digest_at(),
            email_detail: false,
        }
    }
}

fn default_digest_at() -> NaiveTime {
    NaiveTime::MIN + chrono::Duration::hours(8)
}

/// Parses a digest time, `HH:MM` local time.
pub fn parse_digest_at(raw: &str) -> Result<NaiveTime, Invalid> {
    parse_clock_time(raw)
}

impl Preferences {
    /// Whether an alert of this severity, just delivered, goes out at once on `channel`.
    /// A digest reader hears of non-critical alerts in the next digest instead.
    pub fn sends_at_once(&self, channel: Channel, severity: Severity) -> bool {
        let critical = severity == Severity::Critical;
        match channel {
            Channel::Email => match self.email {
                EmailPreference::Immediate => true,
                EmailPreference::Digest => critical,
                EmailPreference::Off => false,
            },
            Channel::Sms => match self.sms {
                SmsPreference::All => true,
                SmsPreference::Critical => critical,
                SmsPreference::Off => false,
            },
            Channel::Line => match self.line {
                LinePreference::Immediate => true,
                LinePreference::Critical => critical,
                LinePreference::Off => false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_immediate_mail_and_critical_texts_at_eight() {
        let defaults = Preferences::default();
        assert_eq!((defaults.email, defaults.sms), (EmailPreference::Immediate, SmsPreference::Critical));
        assert_eq!(defaults.digest_at, parse_digest_at("08:00").unwrap());
        assert!(defaults.sends_at_once(Channel::Email, Severity::Notice));
        assert!(!defaults.sends_at_once(Channel::Sms, Severity::High));
        assert!(defaults.sends_at_once(Channel::Sms, Severity::Critical));
    }

    #[test]
    fn a_digest_reader_gets_only_critical_alerts_at_once() {
        let digest = Preferences { email: EmailPreference::Digest, ..Preferences::default() };
        assert!(!digest.sends_at_once(Channel::Email, Severity::High));
        assert!(digest.sends_at_once(Channel::Email, Severity::Critical));
        let off = Preferences { email: EmailPreference::Off, sms: SmsPreference::Off, ..Preferences::default() };
        assert!(!off.sends_at_once(Channel::Email, Severity::Critical));
        assert!(!off.sends_at_once(Channel::Sms, Severity::Critical));
        let all = Preferences { sms: SmsPreference::All, ..Preferences::default() };
        assert!(all.sends_at_once(Channel::Sms, Severity::Notice));
        assert!(Preferences::default().sends_at_once(Channel::Line, Severity::Notice), "a linked LINE hears each");
        let line = Preferences { line: LinePreference::Critical, ..Preferences::default() };
        assert!(!line.sends_at_once(Channel::Line, Severity::High));
        assert!(line.sends_at_once(Channel::Line, Severity::Critical));
        let off = Preferences { line: LinePreference::Off, ..Preferences::default() };
        assert!(!off.sends_at_once(Channel::Line, Severity::Critical));
    }

    #[test]
    fn only_a_confirmed_address_hears_of_alerts() {
        for &status in ContactStatus::ALL {
            assert_eq!(status.receives_alerts(), status == ContactStatus::Confirmed, "{status}");
        }
    }
}
