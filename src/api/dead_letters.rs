//! Dead letters across every alert and channel: what the outbox gave up on (`dead`) and texts
//! that may have reached the gateway before a crash (`uncertain`), for an admin to send again
//! or let go.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    param::{Path, Query},
    payload::Json,
    Enum, Object, OpenApi,
};
use uuid::Uuid;

use super::{ApiTags, Authenticated};
use crate::{
    access::audit_entry,
    http::ApiError,
    state::AppState,
    store::{
        audit::Outcome,
        dead_letters::{DeadLetter, Filter},
        outbox::{EMAIL, SMS, WEBHOOK},
    },
    workflow::dead_letters::{self, Decision},
};

#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "lowercase")]
pub enum DeadLetterChannel {
    Webhook,
    Email,
    Sms,
}

impl DeadLetterChannel {
    fn as_stored(self) -> crate::store::outbox::MessageChannel {
        match self {
            Self::Webhook => WEBHOOK,
            Self::Email => EMAIL,
            Self::Sms => SMS,
        }
    }
}

/// A message given up on. It names no address and carries no content: only what it was
/// about and what went wrong.
#[derive(Debug, Object)]
pub struct DeadLetterView {
    pub id: Uuid,
    /// `webhook`, `email` or `sms`.
    pub channel: String,
    /// `dead` (no more tries: refused, or failing too long) or `uncertain` (a text cut off
    /// mid-send: the gateway may have it, so it is never sent again by itself).
    pub status: String,
    /// What it was: `alert.delivered`, `digest`, `contact.confirm`, `auth.code`, ….
    pub event_type: String,
    /// The alert, digest, sign-in code, invitation or address it was about.
    pub subject_id: Option<Uuid>,
    /// The person it was about, if any.
    pub person_id: Option<Uuid>,
    /// The party it was for (e-mail and SMS), or the webhook subscription.
    pub party_id: Option<Uuid>,
    pub subscription_id: Option<Uuid>,
    pub attempts: i32,
    /// The receiver's status code at the last try, if it answered.
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When it was given up on.
    pub given_up_at: DateTime<Utc>,
    /// False when its content was a sign-in code or link, which is not kept once given up.
    pub can_retry: bool,
}

#[derive(Debug, Object)]
pub struct DeadLetterList {
    pub items: Vec<DeadLetterView>,
    /// Pass as `before` for the next, older page; absent on the last page.
    pub next_before: Option<DateTime<Utc>>,
}

fn view(letter: DeadLetter) -> DeadLetterView {
    let DeadLetter { message, last_attempt } = letter;
    let webhook = message.channel == WEBHOOK;
    let subject_id = crate::store::outbox::Subject::of(&message).map(crate::store::outbox::Subject::id);
    DeadLetterView {
        id: message.id,
        can_retry: dead_letters::can_retry(&message),
        status: message.status.to_string(),
        event_type: message.event_type,
        subject_id,
        person_id: message.person_id,
        party_id: message.party_id,
        subscription_id: webhook.then_some(message.target_id),
        attempts: message.attempts,
        last_status_code: last_attempt.as_ref().and_then(|attempt| attempt.status_code),
        last_error: last_attempt.and_then(|attempt| attempt.error),
        created_at: message.created_at,
        given_up_at: message.updated_at,
        channel: message.channel.to_string(),
    }
}

pub struct DeadLettersApi;

#[OpenApi(tag = "ApiTags::Alerts")]
impl DeadLettersApi {
    /// List dead letters
    ///
    /// Admins only. Every message the outbox gave up on, on every channel, the most recently
    /// given up first; filter by `channel`, and by age with `before` (given up before it; also
    /// the next page's start).
    #[oai(path = "/dead-letters", method = "get", operation_id = "listDeadLetters")]
    async fn list(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        channel: Query<Option<DeadLetterChannel>>,
        before: Query<Option<DateTime<Utc>>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<u64>>,
    ) -> Result<Json<DeadLetterList>, ApiError> {
        auth.require_admin()?;
        let limit = limit.0.unwrap_or(50);
        let filter = Filter { channel: channel.0.map(DeadLetterChannel::as_stored), before: before.0, limit };
        let items: Vec<DeadLetterView> = dead_letters::list(&state, filter).await?.into_iter().map(view).collect();
        let next_before = (items.len() as u64 == limit).then(|| items.last().map(|item| item.given_up_at)).flatten();
        Ok(Json(DeadLetterList { items, next_before }))
    }

    /// Send a dead letter again
    ///
    /// Admins only. Puts it back in the outbox, due now, with a fresh count of tries. For an
    /// `uncertain` text this is the admin's decision that the recipient should get it even if
    /// that means twice. 409 if it is not a dead letter, or its content (a sign-in code or link)
    /// is no longer kept.
    #[oai(path = "/dead-letters/:id/retry", method = "post", operation_id = "retryDeadLetter")]
    async fn retry(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<Json<Decided>, ApiError> {
        decide(&auth, &state, id.0, Decision::Retry).await
    }

    /// Let a dead letter go
    ///
    /// Admins only. Marks it as not to be sent; it leaves the list. 409 if it is not a dead
    /// letter.
    #[oai(path = "/dead-letters/:id/discard", method = "post", operation_id = "discardDeadLetter")]
    async fn discard(
        &self,
        auth: Authenticated,
        state: Data<&AppState>,
        id: Path<Uuid>,
    ) -> Result<Json<Decided>, ApiError> {
        decide(&auth, &state, id.0, Decision::Discard).await
    }
}

#[derive(Debug, Object)]
pub struct Decided {
    pub id: Uuid,
    /// `pending` (back in the outbox) or `discarded`.
    pub status: String,
}

async fn decide(
    auth: &Authenticated,
    state: &AppState,
    id: Uuid,
    decision: Decision,
) -> Result<Json<Decided>, ApiError> {
    let principal = auth.require_admin()?;
    let person = dead_letters::decide(state, id, decision).await?;
    let entry = audit_entry(principal, decision.audit_action(), person, Some(id), Outcome::Allowed);
    state.audit.record(vec![entry], state.clock.now()).await?;
    Ok(Json(Decided { id, status: decision.status().to_string() }))
}
