//! The SMS gateway's callbacks: texts sent to our number, and receipts for texts we sent. Each
//! post is verified by its `X-Twilio-Signature` (HMAC-SHA1 over the public URL and the sorted
//! form fields, every one as posted); a bad or missing one answers 403 and changes nothing, a
//! field sent twice answers 400, and a callback acted on before changes nothing again.

use std::{borrow::Cow, collections::HashMap};

use poem::{web::Data, Request};
use poem_openapi::{
    param::Header,
    payload::{Form, PlainText},
    registry::{MetaSchemaRef, Registry},
    types::Type,
    ApiResponse, OpenApi,
};
use serde::Deserialize;

use super::ApiTags;
use crate::{
    domain::channels::{sms, twilio},
    http::ApiError,
    outbox::compose::stop_footer,
    state::AppState,
    store::{self},
    workflow,
};

#[derive(ApiResponse)]
pub enum InboundResponse {
    /// TwiML: a reply to send back (for START and HELP), or none.
    #[oai(status = 200, content_type = "application/xml")]
    Reply(PlainText<String>),
}

#[derive(ApiResponse)]
pub enum StatusResponse {
    /// Kept (or not ours: nothing to keep).
    #[oai(status = 204)]
    Kept,
}

/// A callback's form fields as posted, in order and with any repeat kept: a map would keep one
/// value of a repeated field and let the signature be checked over another.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct PostedFields(Vec<(String, String)>);

impl Type for PostedFields {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        <HashMap<String, String> as Type>::name()
    }

    fn schema_ref() -> MetaSchemaRef {
        <HashMap<String, String> as Type>::schema_ref()
    }

    fn register(registry: &mut Registry) {
        <HashMap<String, String> as Type>::register(registry);
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(std::iter::once(self))
    }
}

impl PostedFields {
    /// The fields by name, or 400 when one is sent more than once.
    fn unique(&self) -> Result<HashMap<&str, &str>, ApiError> {
        let mut fields = HashMap::new();
        for (name, value) in &self.0 {
            if fields.insert(name.as_str(), value.as_str()).is_some() {
                return Err(ApiError::BadRequest(format!("The field {name} is sent more than once.")));
            }
        }
        Ok(fields)
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn twiml(reply: Option<String>) -> InboundResponse {
    let body = match reply {
        Some(text) => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>{}</Message></Response>",
            escape(&text)
        ),
        None => "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>".to_owned(),
    };
    InboundResponse::Reply(PlainText(body))
}

/// Checks the signature over the URL the gateway posted to, as the outside knows it, and every
/// field as posted; then the fields by name (a field sent twice is refused).
fn verified<'a>(
    state: &AppState,
    req: &Request,
    form: &'a PostedFields,
    signature: Option<&str>,
) -> Result<HashMap<&'a str, &'a str>, ApiError> {
    let refused = || ApiError::Forbidden("The request's signature does not verify.");
    let (Some(gateway), Some(signature)) = (&state.outbox.reach.sms, signature) else { return Err(refused()) };
    let base = state.outbox.reach.public_url.as_deref().unwrap_or("").trim_end_matches('/');
    let uri = req.original_uri();
    let path = uri.path_and_query().map_or(uri.path(), |pq| pq.as_str());
    if twilio::verify(gateway.settings().auth_token(), &format!("{base}{path}"), &form.0, signature) {
        form.unique()
    } else {
        tracing::warn!("gateway callback with a bad signature refused");
        Err(refused())
    }
}

/// The names of the facilities where the texter's persons are placed, for HELP.
async fn facilities_of(
    state: &AppState,
    contacts: &[crate::entity::contact_point::Model],
) -> Result<Vec<String>, ApiError> {
    let now = state.clock.now();
    let mut persons = Vec::new();
    for contact in contacts {
        persons.extend(
            store::links::links_of_party(&state.reads, contact.party_id, now).await?.into_iter().map(|l| l.person_id),
        );
    }
    let organizations: Vec<uuid::Uuid> = store::placements::current_of_persons(&state.reads, &persons, now)
        .await?
        .into_iter()
        .map(|(_, org)| org)
        .collect();
    let mut names: Vec<String> =
        store::organizations::find_many(&state.reads, &organizations).await?.into_iter().map(|org| org.name).collect();
    names.sort();
    names.dedup();
    Ok(names)
}

pub struct ChannelsApi;

#[OpenApi(tag = "ApiTags::Integrations")]
impl ChannelsApi {
    /// A text to our number
    ///
    /// The gateway's inbound webhook. STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT and 停止 opt
    /// the sending number out (that number only); START and UNSTOP resume it; HELP is answered
    /// with the facility to contact; 了解 or OK acknowledges the open team alerts texted to
    /// that number, for its owner while they are staff of the alert's organisation; 話したい or
    /// TALK from a confirmed number of a person's own account asks their coordinator and
    /// facility team to call (as `POST /me/talk`). Signed with `X-Twilio-Signature`; 403 otherwise. A field
    /// sent twice, or no `MessageSid`, is a 400; a text acted on before (same `MessageSid`) is
    /// answered with no reply and changes nothing.
    #[oai(path = "/channels/sms/inbound", method = "post", operation_id = "receiveSmsInbound")]
    async fn inbound(
        &self,
        req: &Request,
        state: Data<&AppState>,
        #[oai(name = "X-Twilio-Signature")] signature: Header<Option<String>>,
        form: Form<PostedFields>,
    ) -> Result<InboundResponse, ApiError> {
        let fields = verified(&state, req, &form.0, signature.0.as_deref())?;
        let Some(message_id) = fields.get("MessageSid").filter(|id| !id.is_empty()) else {
            return Err(ApiError::BadRequest("A text comes with its MessageSid.".into()));
        };
        let from = fields.get("From").copied().unwrap_or("");
        let keyword = sms::keyword(fields.get("Body").copied().unwrap_or(""));
        let (contacts, acknowledged, talked) = match workflow::text_received(&state, message_id, from, keyword).await? {
            workflow::TextReceived::Acted { contacts, acknowledged, talked } => (contacts, acknowledged, talked),
            workflow::TextReceived::Replayed => return Ok(twiml(None)),
        };
        let language = match contacts.first() {
            Some(contact) => match store::parties::find(&state.reads, contact.party_id).await? {
                Some(party) => party.language,
                None => Default::default(),
            },
            None => Default::default(),
        };
        let ja = language == crate::domain::Language::Ja;
        let reply = match keyword {
            sms::Keyword::Start if ja => Some(format!("つなぐ：配信を再開しました。{}", stop_footer(language).trim())),
            sms::Keyword::Start => Some(format!("Tsunagu: messages resumed.{}", stop_footer(language))),
            sms::Keyword::Help => {
                let facilities = facilities_of(&state, &contacts).await?;
                let whom = if facilities.is_empty() { None } else { Some(facilities.join("、")) };
                Some(match (ja, whom) {
                    (true, Some(whom)) => format!("つなぐ：お問い合わせは{whom}へ。{}", stop_footer(language).trim()),
                    (true, None) => format!("つなぐ：お問い合わせは担当の施設へ。{}", stop_footer(language).trim()),
                    (false, Some(whom)) => format!("Tsunagu: for help, contact {whom}.{}", stop_footer(language)),
                    (false, None) => format!("Tsunagu: for help, contact your facility.{}", stop_footer(language)),
                })
            }
            sms::Keyword::Ack => Some(match (ja, acknowledged) {
                (true, 0) => "つなぐ：確認待ちのお知らせはありません。".to_owned(),
                (true, n) => format!("つなぐ：{n}件、確認済みにしました。"),
                (false, 0) => "Tsunagu: nothing is waiting for you.".to_owned(),
                (false, n) => format!("Tsunagu: {n} acknowledged."),
            }),
            // Named by no one: a text history is not private.
            sms::Keyword::Talk if talked && ja => {
                Some("つなぐ：連絡をお願いしました。担当の人から折り返し電話があります。".to_owned())
            }
            sms::Keyword::Talk if talked => {
                Some("Tsunagu: your request was sent. Someone will call you back.".to_owned())
            }
            // The gateway confirms a STOP itself; nothing else is answered.
            sms::Keyword::Talk | sms::Keyword::Stop | sms::Keyword::Other => None,
        };
        Ok(twiml(reply))
    }

    /// A receipt for a text we sent
    ///
    /// The gateway's status callback (`MessageSid`, `MessageStatus`, `ErrorCode`). Signed with
    /// `X-Twilio-Signature`; 403 otherwise; a field sent twice is a 400. Each status of a text
    /// is taken once, within 30 days of sending it.
    #[oai(path = "/channels/sms/status", method = "post", operation_id = "receiveSmsStatus")]
    async fn status(
        &self,
        req: &Request,
        state: Data<&AppState>,
        #[oai(name = "X-Twilio-Signature")] signature: Header<Option<String>>,
        form: Form<PostedFields>,
    ) -> Result<StatusResponse, ApiError> {
        let fields = verified(&state, req, &form.0, signature.0.as_deref())?;
        let (Some(sid), Some(status)) = (fields.get("MessageSid"), fields.get("MessageStatus")) else {
            return Ok(StatusResponse::Kept);
        };
        let receipt = crate::outbox::receipt_of(status);
        let error_code =
            fields.get("ErrorCode").filter(|code| !code.is_empty()).map(|code| code.chars().take(16).collect());
        workflow::receipt_received(&state, sid, receipt, error_code).await?;
        Ok(StatusResponse::Kept)
    }
}
