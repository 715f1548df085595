//! The admin's dead letters page: what the outbox gave up on, by channel, with a button to
//! send each again or let it go. Anyone but an admin gets the page that is not there.

use crate::store::outbox::{MessageChannel, MessageStatus};
use minijinja::context;
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path, Query},
    Request, Response,
};
use serde::Deserialize;

use super::poster;
use crate::{
    access::audit_entry,
    domain::{Language, PartyRole},
    pages::frame::{failed, html, id_of, not_found, see_other, signed_in, viewer_frame, Viewer},
    state::AppState,
    store::{
        audit::Outcome,
        dead_letters::Filter,
        outbox::{EMAIL, SMS, WEBHOOK},
    },
    workflow::{
        dead_letters::{self, Decision},
        WorkflowError,
    },
};

#[derive(Deserialize)]
pub struct Shown {
    channel: Option<String>,
}

fn channel_label(channel: MessageChannel, language: Language) -> &'static str {
    match (channel, language) {
        (MessageChannel::Webhook, _) => "Webhook",
        (MessageChannel::Email, Language::Ja) => "メール",
        (MessageChannel::Email, Language::En) => "E-mail",
        (MessageChannel::Sms, _) => "SMS",
        (MessageChannel::Line, _) => "LINE",
    }
}

fn status_label(status: MessageStatus, language: Language) -> &'static str {
    match (status, language) {
        (MessageStatus::Uncertain, Language::Ja) => "送信されたか不明（自動では再送しません）",
        (MessageStatus::Uncertain, Language::En) => "may have been sent (never resent by itself)",
        (_, Language::Ja) => "送信をあきらめました",
        (_, Language::En) => "given up",
    }
}

fn is_admin(viewer: &Viewer) -> bool {
    viewer.role() == PartyRole::Admin
}

/// `GET /app/dead-letters[?channel=…]`
#[handler]
pub async fn dead_letters_page(req: &Request, state: Data<&AppState>, shown: Query<Shown>) -> Response {
    let viewer = match signed_in(req, &state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    if !is_admin(&viewer) {
        return not_found(req, viewer.language);
    }
    let channel = match shown.0.channel.as_deref() {
        None | Some("") => None,
        Some(channel) => match channel.parse::<MessageChannel>() {
            Ok(channel) => Some(channel),
            Err(_) => return not_found(req, viewer.language),
        },
    };
    let language = viewer.language;
    let listed = dead_letters::list(&state, Filter { channel, before: None, limit: 200 }).await;
    let letters = match listed {
        Ok(letters) => letters,
        Err(err) => return failed(err),
    };
    let rows: Vec<_> = letters
        .iter()
        .map(|letter| {
            let message = &letter.message;
            context! {
                id => message.id.to_string(),
                channel => channel_label(message.channel, language),
                status => status_label(message.status, language),
                event_type => message.event_type,
                given_up_at => message.updated_at.with_timezone(&chrono_tz::Asia::Tokyo).format("%Y-%m-%d %H:%M").to_string(),
                attempts => message.attempts,
                last_error => letter.last_attempt.as_ref().and_then(|attempt| attempt.error.clone()),
                can_retry => dead_letters::can_retry(message),
            }
        })
        .collect();
    let title = match language {
        Language::Ja => "送れなかったメッセージ",
        Language::En => "Messages given up on",
    };
    let frame = viewer_frame(req, &viewer, title);
    let filters: Vec<_> = [WEBHOOK, EMAIL, SMS]
        .iter()
        .map(|option| context! { value => option.as_str(), label => channel_label(*option, language), chosen => channel == Some(*option) })
        .collect();
    html(StatusCode::OK, "dead_letters.html", context! { ..frame, ..context! { letters => rows, filters => filters } })
}

/// `POST /app/dead-letters/{id}/retry`
#[handler]
pub async fn retry_dead_letter(req: &Request, state: Data<&AppState>, id: Path<String>) -> Response {
    decide(req, &state, &id.0, Decision::Retry).await
}

/// `POST /app/dead-letters/{id}/discard`
#[handler]
pub async fn discard_dead_letter(req: &Request, state: Data<&AppState>, id: Path<String>) -> Response {
    decide(req, &state, &id.0, Decision::Discard).await
}

async fn decide(req: &Request, state: &AppState, id: &str, decision: Decision) -> Response {
    let viewer = match poster(req, state).await {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let (true, Some(id)) = (is_admin(&viewer), id_of(id)) else { return not_found(req, viewer.language) };
    match dead_letters::decide(state, id, decision).await {
        Ok(person) => {
            let entry = audit_entry(&viewer.principal, decision.audit_action(), person, Some(id), Outcome::Allowed);
            match state.audit.record(vec![entry], state.clock.now()).await {
                Ok(_) => see_other("/app/dead-letters"),
                Err(err) => failed(err),
            }
        }
        Err(WorkflowError::NotFound) => not_found(req, viewer.language),
        // Changed meanwhile (another admin decided first): the list as it is now says so.
        Err(WorkflowError::Conflict(_) | WorkflowError::Stale(_)) => see_other("/app/dead-letters"),
        Err(err) => failed(err),
    }
}
