//! E-mail over SMTP with lettre: multipart text and HTML, a stable `Message-ID`, and the
//! RFC 8058 one-click unsubscribe headers.

use lettre::{
    message::{
        header::{HeaderName, HeaderValue},
        Mailbox, MultiPart,
    },
    transport::smtp::{AsyncSmtpTransport, PoolConfig},
    AsyncTransport, Message, Tokio1Executor,
};
use uuid::Uuid;

use super::{compose::EmailPayload, EmailSettings, Sent};
use crate::domain::channels::ContactStatus;

/// The SMTP server and the From address; one pooled transport for the whole service.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(settings: &EmailSettings, timeout: std::time::Duration) -> Result<Self, super::SettingError> {
        // A connection for each e-mail the outbox may have in flight (lettre keeps ten by default).
        let pool = PoolConfig::new().max_size(super::dispatch::EMAIL_SLOTS as u32);
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.transport_url)
            .map_err(|err| super::SettingError { name: "TSUNAGU_SMTP_URL", reason: err.to_string() })?
            .timeout(Some(timeout))
            .pool_config(pool)
            .build();
        Ok(Self { transport, from: settings.from.clone() })
    }

    /// `id` becomes the `Message-ID` (`<id@host>`), the same on every retry.
    pub(super) async fn send(&self, id: Uuid, host: &str, to: &str, payload: &EmailPayload) -> Sent {
        let Ok(to) = to.parse::<Mailbox>() else {
            return Sent::Refused {
                status_code: None,
                error: "the stored address does not parse".into(),
                address_becomes: Some(ContactStatus::Bouncing),
            };
        };
        let message_id = format!("<{}@{host}>", id.simple());
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(payload.subject.clone())
            .message_id(Some(message_id.clone()));
        if let Some(url) = &payload.unsubscribe_url {
            builder = builder
                .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("List-Unsubscribe"), format!("<{url}>")))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        let message =
            match builder.multipart(MultiPart::alternative_plain_html(payload.text.clone(), payload.html.clone())) {
                Ok(message) => message,
                Err(err) => return Sent::refused(None, format!("the message cannot be built: {err}")),
            };
        match self.transport.send(message).await {
            Ok(response) => Sent::Accepted {
                status_code: Some(u16::from(response.code())),
                provider_id: Some(message_id),
                receipt: Some(crate::store::outbox::Receipt::Sent),
            },
            Err(err) if err.is_permanent() => Sent::Refused {
                status_code: err.status().map(u16::from),
                // The server's words about the address, never the address itself.
                error: "the mail server refused the message".into(),
                address_becomes: Some(ContactStatus::Bouncing),
            },
            Err(err) => Sent::retry(
                err.status().map(u16::from),
                if err.is_timeout() { "timed out" } else { "the mail server could not be reached or deferred it" },
            ),
        }
    }
}
