//! The SMS gateway's callbacks: texts sent to our number, and receipts for texts we sent. Each
//! post is verified by its `X-Twilio-Signature` (HMAC-SHA1 over the public URL and the sorted
//! form fields); a bad or missing one answers 403 and changes nothing.

use std::collections::HashMap;

use poem::{web::Data, Request};
use poem_openapi::{
    param::Header,
    payload::{Form, PlainText},
    ApiResponse, OpenApi,
};

use super::ApiTags;
use crate::{
    domain::channels::{sms, twilio},
    http::ApiError,
    outbox::compose::stop_footer,
    state::AppState,
    store::{self, parse_stored},
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

/// Checks the signature over the URL the gateway posted to, as the outside knows it.
fn verified(
    state: &AppState,
    req: &Request,
    form: &HashMap<String, String>,
    signature: Option<&str>,
) -> Result<(), ApiError> {
    let refused = || ApiError::Forbidden("The request's signature does not verify.");
    let (Some(gateway), Some(signature)) = (&state.reach.sms, signature) else { return Err(refused()) };
    let base = state.reach.public_url.as_deref().unwrap_or("").trim_end_matches('/');
    let uri = req.original_uri();
    let path = uri.path_and_query().map_or(uri.path(), |pq| pq.as_str());
    let fields: Vec<(String, String)> = form.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    if twilio::verify(gateway.settings().auth_token(), &format!("{base}{path}"), &fields, signature) {
        Ok(())
    } else {
        tracing::warn!("gateway callback with a bad signature refused");
        Err(refused())
    }
}

/// The names of the facilities where the texter's persons are placed, for HELP.
async fn facilities_of(state: &AppState, contacts: &[entity::contact_point::Model]) -> Result<Vec<String>, ApiError> {
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
    /// with the facility to contact. Signed with `X-Twilio-Signature`; 403 otherwise.
    #[oai(path = "/channels/sms/inbound", method = "post", operation_id = "receiveSmsInbound")]
    async fn inbound(
        &self,
        req: &Request,
        state: Data<&AppState>,
        #[oai(name = "X-Twilio-Signature")] signature: Header<Option<String>>,
        form: Form<HashMap<String, String>>,
    ) -> Result<InboundResponse, ApiError> {
        verified(&state, req, &form.0, signature.0.as_deref())?;
        let from = form.0.get("From").map_or("", String::as_str);
        let keyword = sms::keyword(form.0.get("Body").map_or("", String::as_str));
        let contacts = workflow::text_received(&state, from, keyword).await?;
        let language = match contacts.first() {
            Some(contact) => match store::parties::find(&state.reads, contact.party_id).await? {
                Some(party) => parse_stored("language", party.id, &party.language).unwrap_or_default(),
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
            // The gateway confirms a STOP itself; nothing else is answered.
            sms::Keyword::Stop | sms::Keyword::Other => None,
        };
        Ok(twiml(reply))
    }

    /// A receipt for a text we sent
    ///
    /// The gateway's status callback (`MessageSid`, `MessageStatus`, `ErrorCode`). Signed with
    /// `X-Twilio-Signature`; 403 otherwise.
    #[oai(path = "/channels/sms/status", method = "post", operation_id = "receiveSmsStatus")]
    async fn status(
        &self,
        req: &Request,
        state: Data<&AppState>,
        #[oai(name = "X-Twilio-Signature")] signature: Header<Option<String>>,
        form: Form<HashMap<String, String>>,
    ) -> Result<StatusResponse, ApiError> {
        verified(&state, req, &form.0, signature.0.as_deref())?;
        let (Some(sid), Some(status)) = (form.0.get("MessageSid"), form.0.get("MessageStatus")) else {
            return Ok(StatusResponse::Kept);
        };
        let receipt = crate::outbox::receipt_of(status);
        let error_code =
            form.0.get("ErrorCode").filter(|code| !code.is_empty()).map(|code| code.chars().take(16).collect());
        workflow::receipt_received(&state, sid, receipt, error_code).await?;
        Ok(StatusResponse::Kept)
    }
}
