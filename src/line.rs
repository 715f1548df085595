//! `POST /line/webhook`: LINE's events for the official account. The raw body must carry the
//! channel secret's signature (`x-line-signature`), or nothing is read (403). The events are
//! acted on in one transaction (each once), then answered: a reply, or a link to link the
//! account for a user who has not yet.

use poem::{handler, http::StatusCode, web::Data, Body, IntoResponse, Request, Response};

use crate::{
    domain::{
        channels::line::{verify, Delivery},
        Language,
    },
    http::Problem,
    outbox::line::{replies, LineClient, Said},
    state::AppState,
    workflow::{self, line::Answer},
};

/// The most a delivery of events may be: LINE sends a few events at a time.
const MOST_BYTES: usize = 1024 * 1024;
/// The longest the answers to one delivery may take: LINE waits for the webhook's answer.
const ANSWERING: std::time::Duration = std::time::Duration::from_secs(5);

fn problem(status: StatusCode, detail: &str) -> Response {
    Problem::new(status, Some(detail.to_owned())).into_response()
}

#[handler]
pub async fn line_webhook(req: &Request, state: Data<&AppState>, body: Body) -> Response {
    let Some(line) = state.outbox.reach.line.clone() else {
        return problem(StatusCode::NOT_FOUND, "LINE is not configured on this service.");
    };
    let Ok(body) = body.into_bytes_limit(MOST_BYTES).await else {
        return problem(StatusCode::BAD_REQUEST, "The body could not be read.");
    };
    let signature = req.headers().get("x-line-signature").and_then(|value| value.to_str().ok()).unwrap_or("");
    if !verify(line.settings().channel_secret(), &body, signature) {
        return problem(StatusCode::FORBIDDEN, "The body does not carry the channel's signature.");
    }
    let Ok(delivery) = serde_json::from_slice::<Delivery>(&body) else {
        return problem(StatusCode::BAD_REQUEST, "The body is not a delivery of LINE events.");
    };
    match workflow::line::received(&state, delivery).await {
        Ok(answers) => {
            if tokio::time::timeout(ANSWERING, answer(&state, &line, answers)).await.is_err() {
                tracing::warn!("LINE: answering a delivery took too long; the rest were not sent");
            }
            StatusCode::OK.into_response()
        }
        Err(err) => {
            tracing::error!(error = %err, "LINE: a delivery of events could not be stored");
            // LINE delivers again what was not answered 200.
            let status = if err.storage_unavailable() {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            };
            problem(status, "The events could not be stored; nothing was done.")
        }
    }
}

/// Sends the answers, one after another; one that fails is logged (without whom it was for).
async fn answer(state: &AppState, line: &LineClient, answers: Vec<Answer>) {
    for answer in answers {
        let sent = match answer {
            Answer::Reply { reply_token, text } => line.reply(&reply_token, &text).await,
            Answer::SendLink { reply_token, user_id } => match line.link_token(&user_id).await {
                Ok(link_token) => {
                    if let Err(err) = workflow::line::issued_link_token(state, &link_token, &user_id).await {
                        tracing::error!(error = %err, "LINE: a link token could not be kept");
                        continue;
                    }
                    let url = state.outbox.reach.line_link_url(&link_token);
                    line.reply(&reply_token, &replies(Said::LinkPrompt(url), Language::Ja, None)).await
                }
                Err(err) => Err(err),
            },
        };
        if let Err(err) = sent {
            tracing::warn!(error = %err, "LINE: an answer was not sent");
        }
    }
}
