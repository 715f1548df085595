//! The states and channels of rows that only the store and the outbox speak of: typed like
//! every other stored vocabulary, so a status is matched as a value, never as text.

use crate::domain::text_enum;

text_enum! {
    /// Where an alert is.
    pub enum AlertStatus ("alert status") {
        Pending = "pending",
        Delivered = "delivered",
        Cancelled = "cancelled",
    }
}

text_enum! {
    /// Where an outbox message is.
    pub enum MessageStatus ("message status") {
        Pending = "pending",
        /// Handed over: the receiver answered 2xx, the SMTP server or the gateway accepted it.
        Delivered = "delivered",
        /// Given up: the dead letters.
        Dead = "dead",
        /// A text that may have reached the gateway before a crash: never resent blindly.
        Uncertain = "uncertain",
        /// A dead letter staff chose not to send.
        Discarded = "discarded",
    }
}

text_enum! {
    /// The channel an outbox message goes out on.
    pub enum MessageChannel ("message channel") {
        Webhook = "webhook",
        Email = "email",
        Sms = "sms",
        Line = "line",
    }
}

text_enum! {
    /// What a provider said of a message since it was handed over.
    pub enum Receipt ("receipt") {
        Queued = "queued",
        Sent = "sent",
        Delivered = "delivered",
        Undelivered = "undelivered",
        Failed = "failed",
    }
}
