//! Configuration from the environment, checked once at start.

use std::{fmt, net::SocketAddr, time::Duration};

use std::collections::BTreeMap;

pub mod channels;
mod limits;

pub use limits::{ConnectionLimits, DeliverySettings};

use crate::domain::{
    milestones::WindowPolicy,
    risk::{apply_override, default_rules, RiskRule, RuleOverride},
    Relationship,
};

/// A rule's changes as written in the rules file.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFileEntry {
    from_day: Option<i32>,
    to_day: Option<i32>,
    severity: Option<String>,
    audience: Option<Vec<String>>,
    lead_days: Option<Vec<u32>>,
    why_ja: Option<String>,
    why_en: Option<String>,
}

/// Reads a JSON object of rule id → changes and applies it to the default rules.
fn rules_from_file(path: &str) -> Result<Vec<RiskRule>, ConfigError> {
    let failed = |reason: String| ConfigError::Rules { path: path.to_owned(), reason };
    let text = std::fs::read_to_string(path).map_err(|err| failed(format!("cannot read it: {err}")))?;
    let entries: BTreeMap<String, RuleFileEntry> =
        serde_json::from_str(&text).map_err(|err| failed(format!("not a JSON object of rule changes: {err}")))?;
    let mut rules = default_rules();
    for (id, entry) in entries {
        let severity =
            entry.severity.as_deref().map(str::parse).transpose().map_err(|err| failed(format!("rule {id}: {err}")))?;
        let audience = entry
            .audience
            .map(|names| names.iter().map(|name| name.parse::<Relationship>()).collect::<Result<Vec<_>, _>>())
            .transpose()
            .map_err(|err| failed(format!("rule {id}: {err}")))?;
        let change = RuleOverride {
            from_day: entry.from_day,
            to_day: entry.to_day,
            severity,
            audience,
            lead_days: entry.lead_days,
            why_ja: entry.why_ja,
            why_en: entry.why_en,
        };
        apply_override(&mut rules, &id, change).map_err(|err| failed(err.to_string()))?;
    }
    Ok(rules)
}

fn missing(name: &'static str, because: &str) -> ConfigError {
    ConfigError::Channel(channels::SettingError { name, reason: format!("needed, since {because}") })
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://tsunagu.db?mode=rwc";
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
pub const MIN_SECRET_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name}={value:?} must be a whole number from {min} to {max}")]
    Range { name: &'static str, value: String, min: u64, max: u64 },
    #[error("TSUNAGU_ADDR={value:?} is not a socket address such as 127.0.0.1:8080")]
    Addr { value: String },
    #[error("DATABASE_URL must start with sqlite: or postgres:// (got a URL starting {scheme:?})")]
    DatabaseScheme { scheme: String },
    #[error("TSUNAGU_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes long (got {length})")]
    SecretTooShort { length: usize },
    #[error("{name}={value:?} is not a whole number of seconds of at least 1")]
    Seconds { name: &'static str, value: String },
    #[error("{name}={value:?} is not a number of days from 1 to 90")]
    Days { name: &'static str, value: String },
    #[error("{name}={value:?} is not a number of calls from 2 to 10")]
    Calls { name: &'static str, value: String },
    #[error("{name}={value:?} is not a number of months from 1 to 60")]
    Months { name: &'static str, value: String },
    #[error("{name}={value:?} is not a number of years from 1 to 30")]
    Years { name: &'static str, value: String },
    #[error("{name}={value:?} is not a number of hours from 1 to 336")]
    Hours { name: &'static str, value: String },
    #[error("{name}={value:?} is neither true nor false")]
    Flag { name: &'static str, value: String },
    #[error("TSUNAGU_PUBLIC_URL={value:?} is not an http(s) URL such as https://tsunagu.example.org")]
    PublicUrl { value: String },
    #[error("TSUNAGU_RISK_RULES={path:?}: {reason}")]
    Rules { path: String, reason: String },
    #[error(transparent)]
    Channel(#[from] channels::SettingError),
    #[error("{needed} is set, so TSUNAGU_PUBLIC_URL must be too: messages link to it, and gateway signatures are computed over it")]
    PublicUrlNeeded { needed: &'static str },
    #[error("{name} is not valid UTF-8")]
    NotUnicode { name: &'static str },
}

/// The HS256 key given in `TSUNAGU_JWT_SECRET`. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct JwtSecret(Vec<u8>);

impl JwtSecret {
    pub fn parse(raw: &str) -> Result<Self, ConfigError> {
        if raw.len() < MIN_SECRET_BYTES {
            return Err(ConfigError::SecretTooShort { length: raw.len() });
        }
        Ok(Self(raw.as_bytes().to_vec()))
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JwtSecret([redacted])")
    }
}

/// A database URL. Its `Display` leaves out any password so it can be shown in errors.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, ConfigError> {
        if raw.starts_with("sqlite:") || raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            Ok(Self(raw.to_owned()))
        } else {
            let scheme = raw.split(':').next().unwrap_or_default().chars().take(16).collect();
            Err(ConfigError::DatabaseScheme { scheme })
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_sqlite(&self) -> bool {
        self.0.starts_with("sqlite:")
    }

    /// An in-memory SQLite database: one process's alone, gone when it ends.
    pub fn is_in_memory(&self) -> bool {
        self.is_sqlite() && (self.0.contains(":memory:") || self.0.contains("mode=memory"))
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // postgres://user:password@host/db → postgres://user:***@host/db
        match (self.0.find("://"), self.0.rfind('@')) {
            (Some(scheme_end), Some(at)) if at > scheme_end => {
                let credentials = &self.0[scheme_end + 3..at];
                match credentials.find(':') {
                    Some(colon) => {
                        write!(f, "{}{}:***{}", &self.0[..scheme_end + 3], &credentials[..colon], &self.0[at..])
                    }
                    None => f.write_str(&self.0),
                }
            }
            _ => f.write_str(&self.0),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: DatabaseUrl,
    pub addr: SocketAddr,
    pub jwt_secret: Option<JwtSecret>,
    pub tick: Duration,
    pub window: WindowPolicy,
    /// The high-risk periods: the defaults, changed by `TSUNAGU_RISK_RULES` if set.
    pub rules: Vec<RiskRule>,
    /// How long a critical alert may stay unacknowledged before the facility hears of it.
    pub escalate_after: chrono::Duration,
    /// `TSUNAGU_PUBLIC_URL`: how the outside reaches the service, e.g. for calendar feed URLs.
    pub public_url: Option<String>,
    /// `TSUNAGU_WEBHOOK_ALLOW_PRIVATE=true`: webhooks may call private and loopback addresses.
    pub webhook_allow_private: bool,
    /// `TSUNAGU_TOKEN_MAX_HOURS` (default 720): the longest a token may be valid (`exp − iat`).
    pub token_max_lifetime: chrono::Duration,
    /// `TSUNAGU_SNOOZE_MAX_DAYS` (default 14): the longest a team alert may be snoozed.
    pub snooze_max_days: u32,
    /// How long a referral may wait for an answer before its referrer is alerted.
    pub referrals: crate::domain::referral::ReferralPolicy,
    /// How many unanswered follow-up calls in a row raise an alert.
    pub follow_up: crate::domain::follow_up::FollowUpPolicy,
    /// `TSUNAGU_RETENTION_YEARS` (default 5): how long a person may be idle (no placement, no
    /// activity) before the retention review lists them.
    pub retention_years: u32,
    /// `TSUNAGU_READ_TIMEOUT_SECONDS` (default 30): a connection silent this long is closed, and
    /// a request body not complete by then is answered 408.
    pub read_timeout: Duration,
    /// `TSUNAGU_SMTP_URL` and `TSUNAGU_MAIL_FROM`: e-mail, if both are set.
    pub email: Option<channels::EmailSettings>,
    /// `TSUNAGU_SMS_*`: texts, if all four are set.
    pub sms: Option<channels::SmsSettings>,
    /// `TSUNAGU_LINE_*`: LINE, if the channel's secret and token are set.
    pub line: Option<channels::LineSettings>,
    /// How long each channel's peer may take, and how long a stopping instance finishes sends.
    pub delivery: DeliverySettings,
    /// How many connections are held, and how long a request's head may take.
    pub connections: ConnectionLimits,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| match std::env::var(name) {
            Ok(value) => Ok(Some(value)),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(ConfigError::NotUnicode { name }),
        })
    }

    /// Reads configuration through `lookup`, so it can be tested without touching the environment.
    pub fn from_lookup(
        lookup: impl Fn(&'static str) -> Result<Option<String>, ConfigError>,
    ) -> Result<Self, ConfigError> {
        let database_url = DatabaseUrl::parse(lookup("DATABASE_URL")?.as_deref().unwrap_or(DEFAULT_DATABASE_URL))?;
        let addr_text = lookup("TSUNAGU_ADDR")?.unwrap_or_else(|| DEFAULT_ADDR.to_owned());
        let addr = addr_text.parse().map_err(|_| ConfigError::Addr { value: addr_text.clone() })?;
        let jwt_secret = lookup("TSUNAGU_JWT_SECRET")?.as_deref().map(JwtSecret::parse).transpose()?;
        let tick = match lookup("TSUNAGU_TICK_SECONDS")? {
            None => Duration::from_secs(30),
            Some(value) => match value.parse::<u64>() {
                Ok(seconds) if seconds >= 1 => Duration::from_secs(seconds),
                _ => return Err(ConfigError::Seconds { name: "TSUNAGU_TICK_SECONDS", value }),
            },
        };
        let months = |name: &'static str, default: u32| -> Result<u32, ConfigError> {
            match lookup(name)? {
                None => Ok(default),
                Some(value) => match value.parse::<u32>() {
                    Ok(months) if (1..=60).contains(&months) => Ok(months),
                    _ => Err(ConfigError::Months { name, value }),
                },
            }
        };
        let window = WindowPolicy {
            months: months("TSUNAGU_WINDOW_MONTHS", 6)?,
            extension_months: months("TSUNAGU_WINDOW_EXTENSION_MONTHS", 6)?,
            ..WindowPolicy::default()
        };
        let rules = match lookup("TSUNAGU_RISK_RULES")? {
            None => default_rules(),
            Some(path) => rules_from_file(&path)?,
        };
        let escalate_after = match lookup("TSUNAGU_ESCALATE_AFTER_HOURS")? {
            None => chrono::Duration::hours(24),
            Some(value) => match value.parse::<i64>() {
                Ok(hours) if (1..=24 * 14).contains(&hours) => chrono::Duration::hours(hours),
                _ => return Err(ConfigError::Hours { name: "TSUNAGU_ESCALATE_AFTER_HOURS", value }),
            },
        };
        let public_url = lookup("TSUNAGU_PUBLIC_URL")?;
        if let Some(url) = &public_url {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(ConfigError::PublicUrl { value: url.clone() });
            }
        }
        let webhook_allow_private = match lookup("TSUNAGU_WEBHOOK_ALLOW_PRIVATE")?.as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(ConfigError::Flag { name: "TSUNAGU_WEBHOOK_ALLOW_PRIVATE", value: other.to_owned() })
            }
        };
        let token_max_lifetime = match lookup("TSUNAGU_TOKEN_MAX_HOURS")? {
            None => chrono::Duration::hours(720),
            Some(value) => match value.parse::<i64>() {
                Ok(hours) if (1..=24 * 366 * 10).contains(&hours) => chrono::Duration::hours(hours),
                _ => return Err(ConfigError::Hours { name: "TSUNAGU_TOKEN_MAX_HOURS", value }),
            },
        };
        let read_timeout = match lookup("TSUNAGU_READ_TIMEOUT_SECONDS")? {
            None => Duration::from_secs(30),
            Some(value) => match value.parse::<u64>() {
                Ok(seconds) if (1..=600).contains(&seconds) => Duration::from_secs(seconds),
                _ => return Err(ConfigError::Seconds { name: "TSUNAGU_READ_TIMEOUT_SECONDS", value }),
            },
        };
        let snooze_max_days = match lookup("TSUNAGU_SNOOZE_MAX_DAYS")? {
            None => 14,
            Some(value) => match value.parse::<u32>() {
                Ok(days) if (1..=90).contains(&days) => days,
                _ => return Err(ConfigError::Days { name: "TSUNAGU_SNOOZE_MAX_DAYS", value }),
            },
        };
        let referrals = match lookup("TSUNAGU_REFERRAL_ANSWER_DAYS")? {
            None => crate::domain::referral::ReferralPolicy::default(),
            Some(value) => match value.parse::<u32>() {
                Ok(days) if (1..=90).contains(&days) => {
                    crate::domain::referral::ReferralPolicy { answer_within_days: days }
                }
                _ => return Err(ConfigError::Days { name: "TSUNAGU_REFERRAL_ANSWER_DAYS", value }),
            },
        };
        let follow_up = match lookup("TSUNAGU_FOLLOW_UP_QUIET_AFTER")? {
            None => crate::domain::follow_up::FollowUpPolicy::default(),
            Some(value) => match value.parse::<usize>() {
                Ok(calls) if (2..=10).contains(&calls) => {
                    crate::domain::follow_up::FollowUpPolicy { quiet_after: calls }
                }
                _ => return Err(ConfigError::Calls { name: "TSUNAGU_FOLLOW_UP_QUIET_AFTER", value }),
            },
        };
        let retention_years = match lookup("TSUNAGU_RETENTION_YEARS")? {
            None => 5,
            Some(value) => match value.parse::<u32>() {
                Ok(years) if (1..=30).contains(&years) => years,
                _ => return Err(ConfigError::Years { name: "TSUNAGU_RETENTION_YEARS", value }),
            },
        };
        let email = match (lookup("TSUNAGU_SMTP_URL")?, lookup("TSUNAGU_MAIL_FROM")?) {
            (None, None) => None,
            (Some(url), Some(from)) => Some(channels::EmailSettings::parse(&url, &from)?),
            (Some(_), None) => return Err(missing("TSUNAGU_MAIL_FROM", "TSUNAGU_SMTP_URL is set")),
            (None, Some(_)) => return Err(missing("TSUNAGU_SMTP_URL", "TSUNAGU_MAIL_FROM is set")),
        };
        let sms_parts = [
            lookup("TSUNAGU_SMS_URL")?,
            lookup("TSUNAGU_SMS_ACCOUNT_SID")?,
            lookup("TSUNAGU_SMS_AUTH_TOKEN")?,
            lookup("TSUNAGU_SMS_FROM")?,
        ];
        let sms = match sms_parts {
            [None, None, None, None] => None,
            [Some(url), Some(sid), Some(token), Some(from)] => {
                Some(channels::SmsSettings::parse(&url, &sid, &token, &from)?)
            }
            _ => {
                return Err(missing(
                    "TSUNAGU_SMS_URL, TSUNAGU_SMS_ACCOUNT_SID, TSUNAGU_SMS_AUTH_TOKEN and TSUNAGU_SMS_FROM",
                    "one of them is set",
                ))
            }
        };
        let line = match (lookup("TSUNAGU_LINE_CHANNEL_SECRET")?, lookup("TSUNAGU_LINE_CHANNEL_TOKEN")?) {
            (None, None) => None,
            (Some(secret), Some(token)) => {
                let api = lookup("TSUNAGU_LINE_API_URL")?.unwrap_or_else(|| channels::LINE_API_URL.to_owned());
                let access = lookup("TSUNAGU_LINE_ACCESS_URL")?.unwrap_or_else(|| channels::LINE_ACCESS_URL.to_owned());
                Some(channels::LineSettings::parse(&secret, &token, &api, &access)?)
            }
            _ => {
                return Err(missing("TSUNAGU_LINE_CHANNEL_SECRET and TSUNAGU_LINE_CHANNEL_TOKEN", "one of them is set"))
            }
        };
        if public_url.is_none() && line.is_some() {
            return Err(ConfigError::PublicUrlNeeded { needed: "TSUNAGU_LINE_CHANNEL_TOKEN" });
        }
        if public_url.is_none() {
            if email.is_some() {
                return Err(ConfigError::PublicUrlNeeded { needed: "TSUNAGU_SMTP_URL" });
            }
            if sms.is_some() {
                return Err(ConfigError::PublicUrlNeeded { needed: "TSUNAGU_SMS_URL" });
            }
        }
        Ok(Self {
            delivery: DeliverySettings::from_lookup(&lookup)?,
            connections: ConnectionLimits::from_lookup(&lookup)?,
            email,
            sms,
            line,
            snooze_max_days,
            referrals,
            follow_up,
            retention_years,
            read_timeout,
            token_max_lifetime,
            database_url,
            addr,
            jwt_secret,
            tick,
            window,
            rules,
            escalate_after,
            public_url,
            webhook_allow_private,
        })
    }
}

#[cfg(test)]
mod tests;
