//! How the service reaches the outside: the SMTP server and the SMS gateway, read once at
//! start from the environment. Secrets in them are never printed.

use std::{fmt, str::FromStr};

use crate::domain::channels::{Channel, ContactAddress};

/// Why a channel's settings were refused; names the variable, never its secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {reason}")]
pub struct SettingError {
    pub name: &'static str,
    pub reason: String,
}

fn refused(name: &'static str, reason: impl Into<String>) -> SettingError {
    SettingError { name, reason: reason.into() }
}

/// Where e-mail goes: an SMTP URL as lettre reads it, and the From address.
#[derive(Clone)]
pub struct EmailSettings {
    /// `smtp://…?tls=required`, `smtp://…` (no TLS: loopback or `tls=none` only) or `smtps://…`.
    pub(crate) transport_url: String,
    pub from: lettre::message::Mailbox,
}

impl fmt::Debug for EmailSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailSettings").field("from", &self.from.email.to_string()).finish_non_exhaustive()
    }
}

impl EmailSettings {
    /// STARTTLS is required unless the server is on this machine or `?tls=none` says so.
    pub fn parse(smtp_url: &str, from: &str) -> Result<Self, SettingError> {
        const NAME: &str = "TSUNAGU_SMTP_URL";
        let mut url = url::Url::parse(smtp_url)
            .map_err(|_| refused(NAME, "not a URL such as smtp://mail.example.org:587 or smtps://…:465"))?;
        let host = url.host_str().ok_or_else(|| refused(NAME, "the URL names no host"))?.to_owned();
        let tls: Option<String> = url.query_pairs().find(|(key, _)| key == "tls").map(|(_, value)| value.into_owned());
        let loopback = host == "localhost"
            || host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
        let kept: Vec<(String, String)> =
            url.query_pairs().filter(|(key, _)| key != "tls").map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let tls = match (url.scheme(), tls.as_deref()) {
            ("smtps", None) => None,
            ("smtp", None) if loopback => None,
            ("smtp", None | Some("required")) => Some("required"),
            ("smtp", Some("none")) => None,
            ("smtp", Some(other)) => {
                return Err(refused(NAME, format!("tls={other} is not understood (use tls=required or tls=none)")))
            }
            (scheme, _) => return Err(refused(NAME, format!("the scheme {scheme:?} is neither smtp nor smtps"))),
        };
        {
            let mut query = url.query_pairs_mut();
            query.clear();
            for (key, value) in &kept {
                query.append_pair(key, value);
            }
            if let Some(tls) = tls {
                query.append_pair("tls", tls);
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        let from = lettre::message::Mailbox::from_str(from)
            .map_err(|_| refused("TSUNAGU_MAIL_FROM", "not an address such as Tsunagu <alerts@example.org>"))?;
        Ok(Self { transport_url: url.to_string(), from })
    }
}

/// An SMS gateway speaking Twilio's Messages API.
#[derive(Clone)]
pub struct SmsSettings {
    pub base_url: String,
    pub account_sid: String,
    pub(crate) auth_token: String,
    /// The sending number, E.164.
    pub from: String,
}

impl fmt::Debug for SmsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsSettings").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

impl SmsSettings {
    pub fn parse(base_url: &str, account_sid: &str, auth_token: &str, from: &str) -> Result<Self, SettingError> {
        let parsed = url::Url::parse(base_url)
            .map_err(|_| refused("TSUNAGU_SMS_URL", "not a URL such as https://api.twilio.com"))?;
        if !matches!(parsed.scheme(), "https" | "http") {
            return Err(refused("TSUNAGU_SMS_URL", "the gateway is reached over http(s)"));
        }
        if account_sid.is_empty() || !account_sid.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(refused("TSUNAGU_SMS_ACCOUNT_SID", "an account SID is letters and digits"));
        }
        if auth_token.is_empty() {
            return Err(refused("TSUNAGU_SMS_AUTH_TOKEN", "the auth token is empty"));
        }
        let from = ContactAddress::parse(Channel::Sms, from)
            .map_err(|why| refused("TSUNAGU_SMS_FROM", why.to_string()))?
            .as_str()
            .to_owned();
        Ok(Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            account_sid: account_sid.to_owned(),
            auth_token: auth_token.to_owned(),
            from,
        })
    }

    pub fn auth_token(&self) -> &str {
        &self.auth_token
    }
}

/// A LINE Messaging API channel: its secret (webhook signatures) and access token (pushes),
/// the API's address and the address people are sent to to link their account.
#[derive(Clone)]
pub struct LineSettings {
    pub api_url: String,
    pub access_url: String,
    pub(crate) channel_secret: String,
    pub(crate) channel_token: String,
}

impl fmt::Debug for LineSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LineSettings").field("api_url", &self.api_url).finish_non_exhaustive()
    }
}

/// LINE's own addresses, used when the settings name none.
pub const LINE_API_URL: &str = "https://api.line.me";
pub const LINE_ACCESS_URL: &str = "https://access.line.me";

impl LineSettings {
    pub fn parse(secret: &str, token: &str, api_url: &str, access_url: &str) -> Result<Self, SettingError> {
        if secret.is_empty() {
            return Err(refused("TSUNAGU_LINE_CHANNEL_SECRET", "the channel secret is empty"));
        }
        if token.is_empty() {
            return Err(refused("TSUNAGU_LINE_CHANNEL_TOKEN", "the channel access token is empty"));
        }
        for (name, url) in [("TSUNAGU_LINE_API_URL", api_url), ("TSUNAGU_LINE_ACCESS_URL", access_url)] {
            let parsed = url::Url::parse(url).map_err(|_| refused(name, "not a URL such as https://api.line.me"))?;
            if !matches!(parsed.scheme(), "https" | "http") {
                return Err(refused(name, "LINE is reached over http(s)"));
            }
        }
        Ok(Self {
            api_url: api_url.trim_end_matches('/').to_owned(),
            access_url: access_url.trim_end_matches('/').to_owned(),
            channel_secret: secret.to_owned(),
            channel_token: token.to_owned(),
        })
    }

    pub fn channel_secret(&self) -> &str {
        &self.channel_secret
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transport(url: &str) -> Result<String, SettingError> {
        EmailSettings::parse(url, "Tsunagu <alerts@example.org>").map(|settings| settings.transport_url)
    }

    #[test]
    fn starttls_is_required_unless_the_server_is_local_or_says_none() {
        assert_eq!(transport("smtp://mail.example.org:587").unwrap(), "smtp://mail.example.org:587?tls=required");
        assert_eq!(transport("smtp://127.0.0.1:2525").unwrap(), "smtp://127.0.0.1:2525");
        assert_eq!(transport("smtp://localhost:2525").unwrap(), "smtp://localhost:2525");
        assert_eq!(transport("smtp://relay.internal:25?tls=none").unwrap(), "smtp://relay.internal:25");
        assert_eq!(transport("smtps://u:p@mail.example.org:465").unwrap(), "smtps://u:p@mail.example.org:465");
        assert!(transport("smtp://mail.example.org?tls=opportunistic").is_err());
        assert!(transport("http://mail.example.org").is_err());
        assert!(transport("not a url").is_err());
    }

    #[test]
    fn secrets_stay_out_of_errors_and_debug_output() {
        let err = transport("ftp://user:hunter2@mail.example.org").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        let settings = EmailSettings::parse("smtps://user:hunter2@mail.example.org", "a@example.org").unwrap();
        assert!(!format!("{settings:?}").contains("hunter2"));
        let sms = SmsSettings::parse("https://api.twilio.com", "AC123", "s3cret", "+815012345678").unwrap();
        assert!(!format!("{sms:?}").contains("s3cret"));
        let line = LineSettings::parse("s3cret", "t0ken", LINE_API_URL, LINE_ACCESS_URL).unwrap();
        assert!(!format!("{line:?}").contains("s3cret") && !format!("{line:?}").contains("t0ken"));
        assert!(LineSettings::parse("", "t", LINE_API_URL, LINE_ACCESS_URL).is_err());
        assert!(LineSettings::parse("s", "t", "ftp://x", LINE_ACCESS_URL).is_err());
    }

    #[test]
    fn the_gateway_settings_are_checked() {
        assert!(SmsSettings::parse("https://api.twilio.com/", "AC1", "t", "050-1234-5678").is_ok());
        assert!(SmsSettings::parse("ftp://x", "AC1", "t", "+815012345678").is_err());
        assert!(SmsSettings::parse("https://x", "AC-1", "t", "+815012345678").is_err());
        assert!(SmsSettings::parse("https://x", "AC1", "", "+815012345678").is_err());
        assert!(SmsSettings::parse("https://x", "AC1", "t", "nobody").is_err());
    }
}
