//! LINE through its Messaging API: pushes (each with a retry key, so a retry after a timeout
//! or a 5xx is delivered once), replies to a user's message, and the link tokens of account
//! linking. What a message says is composed elsewhere: a notice and a link, never the content.

use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{compose::SmsPayload, Sent};
use crate::{
    config::channels::LineSettings,
    domain::{webhooks::retry_after, Language},
};

#[derive(Clone)]
pub struct LineClient {
    settings: LineSettings,
    client: reqwest::Client,
}

#[derive(Deserialize)]
struct LineError {
    message: Option<String>,
}

#[derive(Deserialize)]
struct LinkToken {
    #[serde(rename = "linkToken")]
    link_token: String,
}

/// Why a call other than a push did not work, in a few words that name no user.
#[derive(Debug, thiserror::Error)]
#[error("LINE: {0}")]
pub struct LineFailed(String);

impl LineClient {
    pub fn new(settings: LineSettings, timeout: std::time::Duration) -> Result<Self, super::SettingError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|err| super::SettingError { name: "TSUNAGU_LINE_API_URL", reason: err.to_string() })?;
        Ok(Self { settings, client })
    }

    pub fn settings(&self) -> &LineSettings {
        &self.settings
    }

    fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.post(format!("{}{path}", self.settings.api_url)).bearer_auth(&self.settings.channel_token)
    }

    /// `POST /v2/bot/message/push` to `to`, with the message's id as `X-Line-Retry-Key`: LINE
    /// delivers a key once, answering 409 to it again, so every failure is worth a retry.
    pub(super) async fn push(
        &self,
        retry_key: Uuid,
        to: &str,
        payload: &SmsPayload,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Sent {
        let body = json!({"to": to, "messages": [{"type": "text", "text": payload.body}]});
        let response = self
            .post("/v2/bot/message/push")
            .header("X-Line-Retry-Key", retry_key.to_string())
            .json(&body)
            .send()
            .await;
        let response = match response {
            Ok(response) => response,
            Err(err) => {
                let what = if err.is_timeout() { "timed out" } else { "could not be reached" };
                return Sent::retry(None, format!("LINE {what}"));
            }
        };
        let code = response.status().as_u16();
        let request_id = response.headers().get("x-line-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let asked_wait = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let message = response.json::<LineError>().await.ok().and_then(|error| error.message).unwrap_or_default();
        match code {
            200..=299 => Sent::Accepted { status_code: Some(code), provider_id: request_id, receipt: None },
            // This key was accepted before: the first try went through.
            409 => Sent::Accepted { status_code: Some(code), provider_id: request_id, receipt: None },
            429 => {
                // The rate limit and the month's quota answer alike; only the words differ.
                let error = if message.to_ascii_lowercase().contains("monthly") {
                    "LINE's monthly message quota is used up"
                } else {
                    "LINE asked to slow down"
                };
                Sent::Retry {
                    status_code: Some(code),
                    error: Some(error.to_owned()),
                    retry_after: asked_wait.and_then(|value| retry_after(&value, now)),
                }
            }
            500..=599 => Sent::retry(Some(code), format!("LINE answered {code}")),
            _ => Sent::refused(Some(code), format!("LINE refused it ({code}): {}", short(&message))),
        }
    }

    /// `POST /v2/bot/message/reply`: answers a user's message or follow with `text`.
    pub async fn reply(&self, reply_token: &str, text: &str) -> Result<(), LineFailed> {
        let body = json!({"replyToken": reply_token, "messages": [{"type": "text", "text": text}]});
        let response = self.post("/v2/bot/message/reply").json(&body).send().await.map_err(|_| unreachable_line())?;
        match response.status().as_u16() {
            200..=299 => Ok(()),
            code => Err(LineFailed(format!("the reply was answered {code}"))),
        }
    }

    /// `POST /v2/bot/user/{userId}/linkToken`: a token to link this user's account (ten
    /// minutes, one use).
    pub async fn link_token(&self, user_id: &str) -> Result<String, LineFailed> {
        let response =
            self.post(&format!("/v2/bot/user/{user_id}/linkToken")).send().await.map_err(|_| unreachable_line())?;
        if !response.status().is_success() {
            return Err(LineFailed(format!("a link token was answered {}", response.status().as_u16())));
        }
        let token =
            response.json::<LinkToken>().await.map_err(|_| LineFailed("the link token does not parse".into()))?;
        Ok(token.link_token)
    }

    /// Where a person is sent to finish linking, with the token LINE gave and our nonce.
    pub fn account_link_url(&self, link_token: &str, nonce: &str) -> String {
        let mut url = format!("{}/dialog/bot/accountLink", self.settings.access_url);
        url.push('?');
        url.push_str(
            &url::form_urlencoded::Serializer::new(String::new())
                .append_pair("linkToken", link_token)
                .append_pair("nonce", nonce)
                .finish(),
        );
        url
    }
}

fn unreachable_line() -> LineFailed {
    LineFailed("LINE could not be reached".into())
}

/// LINE's own words on a refusal, cut short: they are about the request, not the user.
fn short(message: &str) -> String {
    let message: String = message.chars().filter(|c| !c.is_control()).take(120).collect();
    if message.is_empty() {
        "no reason given".to_owned()
    } else {
        message
    }
}

/// What the account says back to a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Said {
    /// Followed again by a linked user.
    Welcome,
    /// 「停止」 done.
    Stopped,
    /// 「再開」 done.
    Started,
    /// 「ヘルプ」: whom to call.
    Help,
    /// Anything else: the account is not read.
    NotRead,
    /// 「話したい」 from the person: the request went to whoever will call (named by no one).
    TalkSent,
    /// To a user not linked yet: the way to link (bilingual: their language is not known).
    LinkPrompt(String),
}

/// The words of a reply. A facility is named by its phone number alone: its name could say
/// what the notices are about, and a LINE history is not private.
pub fn replies(said: Said, language: Language, helpline: Option<(String, String)>) -> String {
    let phone = helpline.map(|(_, phone)| phone);
    match (said, language) {
        (Said::Welcome, Language::Ja) => {
            "つなぐとつながっています。お知らせが届いたら、リンクを開いて内容をご確認ください。".to_owned()
        }
        (Said::Welcome, Language::En) => {
            "You are linked to Tsunagu. When a notice comes, open its link to see what it is.".to_owned()
        }
        (Said::Stopped, Language::Ja) => {
            "LINEへのお知らせを停止しました。再開するには「再開」と送ってください。".to_owned()
        }
        (Said::Stopped, Language::En) => "Notices on LINE are stopped. Send START to have them again.".to_owned(),
        (Said::Started, Language::Ja) => "LINEへのお知らせを再開しました。".to_owned(),
        (Said::Started, Language::En) => "Notices on LINE are on again.".to_owned(),
        (Said::Help, Language::Ja) => match phone {
            Some(phone) => format!(
                "つなぐのお知らせ用のアカウントです。ご相談は施設へお電話ください：{phone}\n止めるには「停止」と送ってください。"
            ),
            None => "つなぐのお知らせ用のアカウントです。ご相談は施設へお電話ください。\n止めるには「停止」と送ってください。"
                .to_owned(),
        },
        (Said::Help, Language::En) => match phone {
            Some(phone) => format!("This account sends Tsunagu's notices. To talk, call the facility: {phone}\nSend STOP to stop them."),
            None => "This account sends Tsunagu's notices. To talk, call the facility.\nSend STOP to stop them.".to_owned(),
        },
        (Said::NotRead, Language::Ja) => match phone {
            Some(phone) => format!(
                "このアカウントへのメッセージは読まれていません。ご用件は施設へお電話ください：{phone}\n緊急のときは110番・119番へ。"
            ),
            None => "このアカウントへのメッセージは読まれていません。ご用件は施設へお電話ください。\n緊急のときは110番・119番へ。"
                .to_owned(),
        },
        (Said::NotRead, Language::En) => match phone {
            Some(phone) => format!("Messages to this account are not read. Please call the facility: {phone}\nIn an emergency call 110 or 119."),
            None => "Messages to this account are not read. Please call the facility.\nIn an emergency call 110 or 119.".to_owned(),
        },
        (Said::TalkSent, Language::Ja) => {
            "連絡をお願いしました。担当の人から折り返し電話があります。\n緊急のときは110番・119番へ。".to_owned()
        }
        (Said::TalkSent, Language::En) => {
            "Your request was sent. Someone will call you back.\nIn an emergency call 110 or 119.".to_owned()
        }
        (Said::LinkPrompt(url), _) => format!(
            "つなぐのお知らせをLINEで受け取るには、10分以内に次のリンクを開いてサインインしてください。\nTo get Tsunagu's notices on LINE, open this link within 10 minutes and sign in.\n{url}"
        ),
    }
}
