//! LINE's side of the channel: the webhook's signature (`x-line-signature`, HMAC-SHA256 of the
//! raw body with the channel secret, in Base64), the events it carries, and what a user's
//! message to the account asks for.

use base64::{engine::general_purpose::STANDARD, Engine};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

fn mac(secret: &str, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!());
    mac.update(body);
    mac
}

/// The signature LINE sends with `body`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    STANDARD.encode(mac(secret, body).finalize().into_bytes())
}

/// Whether `given` is the signature of `body`, compared in constant time.
pub fn verify(secret: &str, body: &[u8], given: &str) -> bool {
    let Ok(given) = STANDARD.decode(given.trim()) else { return false };
    mac(secret, body).verify_slice(&given).is_ok()
}

/// A webhook's body: the events, oldest first.
#[derive(Debug, Deserialize)]
pub struct Delivery {
    #[serde(default)]
    pub events: Vec<Event>,
}

/// One event, as much of it as Tsunagu acts on; kinds it does not act on are read and let be.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    #[serde(rename = "type")]
    pub kind: String,
    pub webhook_event_id: Option<String>,
    pub reply_token: Option<String>,
    pub source: Option<Source>,
    pub message: Option<Message>,
    pub follow: Option<Follow>,
    pub link: Option<Link>,
    pub delivery_context: Option<DeliveryContext>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    pub user_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Message {
    #[serde(rename = "type")]
    pub kind: String,
    pub text: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Follow {
    #[serde(default)]
    pub is_unblocked: bool,
}

#[derive(Debug, Deserialize)]
pub struct Link {
    pub result: String,
    pub nonce: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryContext {
    #[serde(default)]
    pub is_redelivery: bool,
}

/// What an event asks of Tsunagu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    /// Someone added the account (again, after blocking it): they are sent a link to link it.
    Followed { user_id: String, reply_token: Option<String> },
    /// They blocked the account: nothing more is sent to them.
    Unfollowed { user_id: String },
    /// Account linking finished on LINE's side with this nonce.
    Linked { user_id: String, nonce: String },
    /// A text to the account.
    Said { user_id: String, reply_token: Option<String>, keyword: Keyword },
    /// Nothing to do (another kind of event, a failed link, no user).
    Nothing,
}

impl Event {
    /// What this event asks for.
    pub fn asked(&self) -> Asked {
        let Some(user_id) = self.source.as_ref().and_then(|source| source.user_id.clone()) else {
            return Asked::Nothing;
        };
        let reply_token = self.reply_token.clone();
        match self.kind.as_str() {
            "follow" => Asked::Followed { user_id, reply_token },
            "unfollow" => Asked::Unfollowed { user_id },
            "accountLink" => match &self.link {
                Some(Link { result, nonce: Some(nonce) }) if result == "ok" => {
                    Asked::Linked { user_id, nonce: nonce.clone() }
                }
                _ => Asked::Nothing,
            },
            "message" => match &self.message {
                Some(Message { kind, text: Some(text) }) if kind == "text" => {
                    Asked::Said { user_id, reply_token, keyword: Keyword::of(text) }
                }
                // A sticker or a photo asks for nothing but the usual answer.
                Some(_) => Asked::Said { user_id, reply_token, keyword: Keyword::Other },
                None => Asked::Nothing,
            },
            _ => Asked::Nothing,
        }
    }

    /// Whether LINE says this is a delivery again of an event it sent before.
    pub fn is_redelivery(&self) -> bool {
        self.delivery_context.as_ref().is_some_and(|context| context.is_redelivery)
    }
}

/// What a user's text to the account asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    /// 「停止」 or STOP: send nothing more.
    Stop,
    /// 「再開」 or START: send again.
    Start,
    /// 「ヘルプ」 or HELP: whom to call.
    Help,
    /// 「話したい」 or TALK: the person asks for someone to call them.
    Talk,
    /// Anything else: the account is not read; whom to call.
    Other,
}

impl Keyword {
    pub fn of(text: &str) -> Self {
        let said: String = unicode_normalization::UnicodeNormalization::nfkc(text.trim()).collect();
        match said.to_uppercase().as_str() {
            "停止" | "STOP" => Self::Stop,
            "再開" | "START" => Self::Start,
            "ヘルプ" | "HELP" => Self::Help,
            "話したい" | "はなしたい" | "TALK" => Self::Talk,
            _ => Self::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_accepted_only_with_its_own_signature() {
        let body = br#"{"events":[]}"#;
        let signed = signature("secret", body);
        assert!(verify("secret", body, &signed));
        assert!(!verify("another", body, &signed));
        assert!(!verify("secret", br#"{"events":[{}]}"#, &signed));
        assert!(!verify("secret", body, ""));
        assert!(!verify("secret", body, "not base64!"));
    }

    #[test]
    fn keywords_are_read_in_either_script_and_width() {
        for (said, keyword) in [
            ("停止", Keyword::Stop),
            (" stop ", Keyword::Stop),
            ("ＳＴＯＰ", Keyword::Stop),
            ("再開", Keyword::Start),
            ("Start", Keyword::Start),
            ("ヘルプ", Keyword::Help),
            ("help", Keyword::Help),
            ("息子は元気ですか", Keyword::Other),
        ] {
            assert_eq!(Keyword::of(said), keyword, "{said:?}");
        }
    }

    #[test]
    fn events_say_what_they_ask() {
        let delivery: Delivery = serde_json::from_str(
            r#"{"destination":"x","events":[
                {"type":"follow","webhookEventId":"E1","replyToken":"r1","source":{"type":"user","userId":"U1"},
                 "follow":{"isUnblocked":true},"deliveryContext":{"isRedelivery":false},"timestamp":1},
                {"type":"accountLink","webhookEventId":"E2","source":{"type":"user","userId":"U1"},
                 "link":{"result":"ok","nonce":"n"},"deliveryContext":{"isRedelivery":true}},
                {"type":"accountLink","source":{"type":"user","userId":"U1"},"link":{"result":"failed"}},
                {"type":"message","replyToken":"r2","source":{"type":"user","userId":"U1"},
                 "message":{"type":"text","id":"1","text":"停止"}},
                {"type":"message","replyToken":"r3","source":{"type":"user","userId":"U1"},
                 "message":{"type":"sticker","id":"2"}},
                {"type":"unfollow","source":{"type":"user","userId":"U1"}},
                {"type":"join","source":{"type":"group","groupId":"G"}}
            ]}"#,
        )
        .unwrap();
        let asked: Vec<Asked> = delivery.events.iter().map(Event::asked).collect();
        let user = || "U1".to_owned();
        assert_eq!(
            asked,
            vec![
                Asked::Followed { user_id: user(), reply_token: Some("r1".into()) },
                Asked::Linked { user_id: user(), nonce: "n".into() },
                Asked::Nothing,
                Asked::Said { user_id: user(), reply_token: Some("r2".into()), keyword: Keyword::Stop },
                Asked::Said { user_id: user(), reply_token: Some("r3".into()), keyword: Keyword::Other },
                Asked::Unfollowed { user_id: user() },
                Asked::Nothing,
            ]
        );
        assert!(delivery.events[1].is_redelivery() && !delivery.events[0].is_redelivery());
    }
}
