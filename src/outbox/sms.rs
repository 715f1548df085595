//! Texts through a gateway speaking Twilio's Messages API.

use crate::store::outbox::Receipt;
use serde::Deserialize;

use super::{compose::SmsPayload, Sent, SmsSettings};
use crate::domain::{channels::ContactStatus, webhooks::retry_after};

/// The gateway's code for a recipient who has replied STOP to the sending number, as answered
/// to a send and as a receipt's `ErrorCode`.
pub const OPTED_OUT: i64 = 21610;

#[derive(Clone)]
pub struct SmsGateway {
    settings: SmsSettings,
    client: reqwest::Client,
}

#[derive(Deserialize)]
struct Created {
    sid: String,
    status: Option<String>,
}

#[derive(Deserialize)]
struct GatewayError {
    code: Option<i64>,
}

impl SmsGateway {
    pub fn new(settings: SmsSettings, timeout: std::time::Duration) -> Result<Self, super::SettingError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|err| super::SettingError { name: "TSUNAGU_SMS_URL", reason: err.to_string() })?;
        Ok(Self { settings, client })
    }

    pub fn settings(&self) -> &SmsSettings {
        &self.settings
    }

    /// `POST /2010-04-01/Accounts/{SID}/Messages.json`, asking for receipts at `status_callback`.
    pub(super) async fn send(
        &self,
        to: &str,
        payload: &SmsPayload,
        status_callback: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Sent {
        let url = format!("{}/2010-04-01/Accounts/{}/Messages.json", self.settings.base_url, self.settings.account_sid);
        let form = [
            ("To", to),
            ("From", self.settings.from.as_str()),
            ("Body", payload.body.as_str()),
            ("StatusCallback", status_callback),
        ];
        let response = self
            .client
            .post(url)
            .basic_auth(&self.settings.account_sid, Some(&self.settings.auth_token))
            .form(&form)
            .send()
            .await;
        let response = match response {
            Ok(response) => response,
            // Never connected: the gateway has nothing, so sending again sends once.
            Err(err) if err.is_connect() => return Sent::retry(None, "the gateway could not be reached"),
            // Cut off after the request may have gone: the gateway may have the text, and a
            // family cannot drop a second copy as a duplicate.
            Err(err) => {
                return Sent::Unknown { error: if err.is_timeout() { "timed out" } else { "cut off mid-send" }.into() }
            }
        };
        let code = response.status().as_u16();
        let asked_wait = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = response.bytes().await.unwrap_or_default();
        match code {
            200..=299 => match serde_json::from_slice::<Created>(&body) {
                Ok(created) => Sent::Accepted {
                    status_code: Some(code),
                    provider_id: Some(created.sid),
                    receipt: Some(receipt_of(created.status.as_deref().unwrap_or("queued"))),
                },
                Err(_) => Sent::retry(Some(code), "the gateway's answer named no message"),
            },
            429 | 500..=599 => Sent::Retry {
                status_code: Some(code),
                error: Some(format!("the gateway answered {code}")),
                retry_after: asked_wait.and_then(|value| retry_after(&value, now)),
            },
            _ => {
                let gateway_code = serde_json::from_slice::<GatewayError>(&body).ok().and_then(|error| error.code);
                match gateway_code {
                    Some(OPTED_OUT) => Sent::Refused {
                        status_code: Some(code),
                        error: format!("gateway error {OPTED_OUT}: the recipient opted out"),
                        address_becomes: Some(ContactStatus::OptedOut),
                    },
                    Some(other) => Sent::refused(Some(code), format!("gateway error {other}")),
                    None => Sent::refused(Some(code), format!("the gateway answered {code}")),
                }
            }
        }
    }
}

/// A gateway message status as kept. The gateway's steps before sending (`accepted`,
/// `scheduled`, `sending`, …) are all still queued.
pub fn receipt_of(status: &str) -> Receipt {
    match status {
        "sent" => Receipt::Sent,
        "delivered" | "read" => Receipt::Delivered,
        "undelivered" => Receipt::Undelivered,
        "failed" | "canceled" => Receipt::Failed,
        _ => Receipt::Queued,
    }
}
