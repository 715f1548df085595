//! What bounds the service's work on others' behalf: how long each channel's peer may take,
//! how long a stopping instance finishes its sends, and how many connections it holds.

use std::time::Duration;

use super::ConfigError;

/// A whole number from the environment within `min..=max`, or `default` when unset.
fn number(
    lookup: &impl Fn(&'static str) -> Result<Option<String>, ConfigError>,
    name: &'static str,
    default: u64,
    (min, max): (u64, u64),
) -> Result<u64, ConfigError> {
    match lookup(name)? {
        None => Ok(default),
        Some(value) => match value.parse::<u64>() {
            Ok(number) if (min..=max).contains(&number) => Ok(number),
            _ => Err(ConfigError::Range { name, value, min, max }),
        },
    }
}

/// The longest any one send may take: well inside the outbox's 60-second claim, so while an
/// instance lives no other sends what it has claimed.
pub const MAX_SEND_TIMEOUT_SECONDS: u64 = 45;

/// How long each channel's peer may take over one message, and how long a stopping instance
/// lets its sends finish before it gives the rest back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliverySettings {
    /// `TSUNAGU_WEBHOOK_TIMEOUT_SECONDS` (default 10).
    pub webhook_timeout: Duration,
    /// `TSUNAGU_SMTP_TIMEOUT_SECONDS` (default 20).
    pub email_timeout: Duration,
    /// `TSUNAGU_SMS_TIMEOUT_SECONDS` (default 10).
    pub sms_timeout: Duration,
    /// `TSUNAGU_SHUTDOWN_GRACE_SECONDS` (default 25): on SIGTERM, sends in flight have this
    /// long to finish; what is left is given back for another instance.
    pub shutdown_grace: Duration,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            webhook_timeout: Duration::from_secs(10),
            email_timeout: Duration::from_secs(20),
            sms_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(25),
        }
    }
}

impl DeliverySettings {
    pub fn from_lookup(
        lookup: &impl Fn(&'static str) -> Result<Option<String>, ConfigError>,
    ) -> Result<Self, ConfigError> {
        let defaults = Self::default();
        let timeout = |name, default: Duration| {
            number(lookup, name, default.as_secs(), (1, MAX_SEND_TIMEOUT_SECONDS)).map(Duration::from_secs)
        };
        Ok(Self {
            webhook_timeout: timeout("TSUNAGU_WEBHOOK_TIMEOUT_SECONDS", defaults.webhook_timeout)?,
            email_timeout: timeout("TSUNAGU_SMTP_TIMEOUT_SECONDS", defaults.email_timeout)?,
            sms_timeout: timeout("TSUNAGU_SMS_TIMEOUT_SECONDS", defaults.sms_timeout)?,
            shutdown_grace: Duration::from_secs(number(
                lookup,
                "TSUNAGU_SHUTDOWN_GRACE_SECONDS",
                defaults.shutdown_grace.as_secs(),
                (1, 120),
            )?),
        })
    }
}

/// How many connections the server holds, and how long a request's head may take to arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// `TSUNAGU_HEAD_TIMEOUT_SECONDS` (default 10): a request line and headers not complete
    /// this long after their first byte close the connection.
    pub head_timeout: Duration,
    /// `TSUNAGU_MAX_CONNECTIONS` (default 1024): connections open at once; more are closed
    /// as they arrive.
    pub max_connections: usize,
    /// `TSUNAGU_MAX_CONNECTIONS_PER_CLIENT` (default 64): connections open at once from one
    /// client address (one IPv6 /64).
    pub max_per_client: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self { head_timeout: Duration::from_secs(10), max_connections: 1024, max_per_client: 64 }
    }
}

impl ConnectionLimits {
    pub fn from_lookup(
        lookup: &impl Fn(&'static str) -> Result<Option<String>, ConfigError>,
    ) -> Result<Self, ConfigError> {
        let defaults = Self::default();
        let max_connections =
            number(lookup, "TSUNAGU_MAX_CONNECTIONS", defaults.max_connections as u64, (16, 1_000_000))? as usize;
        Ok(Self {
            head_timeout: Duration::from_secs(number(
                lookup,
                "TSUNAGU_HEAD_TIMEOUT_SECONDS",
                defaults.head_timeout.as_secs(),
                (1, 120),
            )?),
            max_connections,
            max_per_client: number(
                lookup,
                "TSUNAGU_MAX_CONNECTIONS_PER_CLIENT",
                defaults.max_per_client as u64,
                (1, max_connections as u64),
            )? as usize,
        })
    }
}
