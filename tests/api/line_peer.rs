//! A local peer speaking LINE's Messaging API: pushes (the bearer token checked, the retry key a
//! UUID, a key seen before answered 409), replies, link tokens, and 429 or 500 on request; and
//! the service's webhook called as LINE calls it, signed with the channel secret.

use std::{
    collections::{HashSet, VecDeque},
    sync::{Arc, Mutex},
};

use poem::{
    handler, http::StatusCode, listener::TcpListener as PoemListener, post, web::Data, EndpointExt, IntoResponse, Route,
};
use serde_json::{json, Value};
use tsunagu::{config::channels::LineSettings, domain::channels::line::signature};

use crate::{helpers::TestApp, reach_support::PUBLIC_URL};

pub const SECRET: &str = "line-channel-secret";
pub const TOKEN: &str = "line-channel-access-token";

/// A push as LINE took it.
#[derive(Debug, Clone)]
pub struct Push {
    pub to: String,
    pub text: String,
    pub retry_key: String,
}

#[derive(Clone, Default)]
struct PeerState {
    /// Pushes delivered to the user, once per retry key.
    delivered: Arc<Mutex<Vec<Push>>>,
    /// Every push request, answered or not.
    asked: Arc<Mutex<Vec<Push>>>,
    keys: Arc<Mutex<HashSet<String>>>,
    replies: Arc<Mutex<Vec<(String, String)>>>,
    /// The link tokens issued, with the user each is for.
    link_tokens: Arc<Mutex<Vec<(String, String)>>>,
    /// Where the service's webhook is, for the account-link dialog to call.
    webhook: Arc<Mutex<Option<String>>>,
    /// How to answer the next pushes: 500 (after delivering it), 429 (not delivered).
    failures: Arc<Mutex<VecDeque<u16>>>,
}

fn authorised(req: &poem::Request) -> bool {
    req.headers().get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {TOKEN}"))
}

fn refused(status: StatusCode, message: &str) -> poem::Response {
    (status, poem::web::Json(json!({"message": message}))).into_response()
}

#[handler]
async fn push_message(req: &poem::Request, state: Data<&PeerState>, body: poem::web::Json<Value>) -> poem::Response {
    if !authorised(req) {
        return refused(StatusCode::UNAUTHORIZED, "Authentication failed");
    }
    let key = req.headers().get("x-line-retry-key").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    if uuid::Uuid::parse_str(&key).is_err() {
        return refused(StatusCode::BAD_REQUEST, "The retry key must be a UUID");
    }
    let pushed = Push {
        to: body["to"].as_str().unwrap_or("").to_owned(),
        text: body["messages"][0]["text"].as_str().unwrap_or("").to_owned(),
        retry_key: key.clone(),
    };
    state.asked.lock().unwrap().push(pushed.clone());
    if state.keys.lock().unwrap().contains(&key) {
        return refused(StatusCode::CONFLICT, "The retry key is already accepted");
    }
    let failure = state.failures.lock().unwrap().pop_front();
    if failure == Some(429) {
        return refused(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
    }
    state.keys.lock().unwrap().insert(key);
    state.delivered.lock().unwrap().push(pushed);
    match failure {
        Some(500) => refused(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error"),
        _ => (StatusCode::OK, poem::web::Json(json!({"sentMessages": [{"id": "1"}]}))).into_response(),
    }
}

#[handler]
async fn reply_message(req: &poem::Request, state: Data<&PeerState>, body: poem::web::Json<Value>) -> poem::Response {
    if !authorised(req) {
        return refused(StatusCode::UNAUTHORIZED, "Authentication failed");
    }
    let token = body["replyToken"].as_str().unwrap_or("").to_owned();
    let text = body["messages"][0]["text"].as_str().unwrap_or("").to_owned();
    state.replies.lock().unwrap().push((token, text));
    (StatusCode::OK, poem::web::Json(json!({}))).into_response()
}

#[handler]
async fn issue_link_token(
    req: &poem::Request,
    state: Data<&PeerState>,
    user: poem::web::Path<String>,
) -> poem::Response {
    if !authorised(req) {
        return refused(StatusCode::UNAUTHORIZED, "Authentication failed");
    }
    let mut tokens = state.link_tokens.lock().unwrap();
    let token = format!("LT{}x{}", tokens.len() + 1, user.0.len());
    tokens.push((token.clone(), user.0));
    (StatusCode::OK, poem::web::Json(json!({"linkToken": token}))).into_response()
}

/// LINE's account-link dialog: the user is shown as linked and the service is told, with the
/// nonce, in a signed `accountLink` event.
#[handler]
async fn account_link(
    state: Data<&PeerState>,
    query: poem::web::Query<std::collections::HashMap<String, String>>,
) -> poem::Response {
    let token = query.0.get("linkToken").cloned().unwrap_or_default();
    let nonce = query.0.get("nonce").cloned().unwrap_or_default();
    let user =
        state.link_tokens.lock().unwrap().iter().find(|(issued, _)| *issued == token).map(|(_, user)| user.clone());
    let webhook = state.webhook.lock().unwrap().clone();
    let (Some(user), Some(webhook)) = (user, webhook) else {
        return (StatusCode::BAD_REQUEST, "unknown link token").into_response();
    };
    let body = serde_json::to_vec(&json!({"destination": "Ubot", "events": [event(
        "accountLink", &format!("link-{token}"), &user, json!({"link": {"result": "ok", "nonce": nonce}})
    )]}))
    .unwrap();
    let told = reqwest::Client::new()
        .post(format!("{webhook}/line/webhook"))
        .header("content-type", "application/json")
        .header("x-line-signature", signature(SECRET, &body))
        .body(body)
        .send()
        .await;
    let linked = told.is_ok_and(|answer| answer.status().is_success());
    let page = if linked { "連携しました / Linked" } else { "連携できませんでした / Not linked" };
    poem::web::Html(format!("<!doctype html><html lang=\"ja\"><title>LINE</title><p id=\"done\">{page}</p></html>"))
        .into_response()
}

pub struct LinePeer {
    pub url: String,
    state: PeerState,
}

impl LinePeer {
    pub async fn start() -> Self {
        let state = PeerState::default();
        let acceptor = poem::listener::Listener::into_acceptor(PoemListener::bind("127.0.0.1:0")).await.expect("bind");
        let port = poem::listener::Acceptor::local_addr(&acceptor)[0].as_socket_addr().expect("an address").port();
        let routes = Route::new()
            .at("/v2/bot/message/push", post(push_message))
            .at("/v2/bot/message/reply", post(reply_message))
            .at("/v2/bot/user/:user/linkToken", post(issue_link_token))
            .at("/dialog/bot/accountLink", poem::get(account_link))
            .data(state.clone());
        tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(routes));
        Self { url: format!("http://127.0.0.1:{port}"), state }
    }

    pub fn settings(&self) -> LineSettings {
        LineSettings::parse(SECRET, TOKEN, &self.url, &self.url).expect("LINE settings")
    }

    /// The pushes the user received: once each, whatever was retried.
    pub fn delivered_to(&self, user: &str) -> Vec<Push> {
        self.state.delivered.lock().unwrap().iter().filter(|push| push.to == user).cloned().collect()
    }

    /// Every push asked for this user, retries included.
    pub fn asked_for(&self, user: &str) -> Vec<Push> {
        self.state.asked.lock().unwrap().iter().filter(|push| push.to == user).cloned().collect()
    }

    pub fn replies_to(&self, reply_token: &str) -> Vec<String> {
        self.state
            .replies
            .lock()
            .unwrap()
            .iter()
            .filter(|(token, _)| token == reply_token)
            .map(|(_, t)| t.clone())
            .collect()
    }

    pub fn replies(&self) -> usize {
        self.state.replies.lock().unwrap().len()
    }

    pub fn link_tokens(&self) -> Vec<String> {
        self.state.link_tokens.lock().unwrap().iter().map(|(token, _)| token.clone()).collect()
    }

    /// The account-link dialog tells the service at `address`.
    pub fn tell(&self, address: &str) {
        *self.state.webhook.lock().unwrap() = Some(address.to_owned());
    }

    /// The next pushes are answered with these statuses, in turn.
    pub fn fail_next(&self, statuses: &[u16]) {
        self.state.failures.lock().unwrap().extend(statuses);
    }
}

/// A LINE user id: `U` and 32 hex digits.
pub fn user(n: u8) -> String {
    format!("U{:032x}", u128::from(n) * 0x1111)
}

/// Posts `events` to the service's webhook as LINE does, signed with `secret`.
pub async fn line_post(app: &TestApp, events: Value, secret: Option<&str>) -> reqwest::Response {
    let body = serde_json::to_vec(&json!({"destination": "Ubot", "events": events})).unwrap();
    let mut request =
        app.client.post(format!("{}/line/webhook", app.address)).header("content-type", "application/json");
    if let Some(secret) = secret {
        request = request.header("x-line-signature", signature(secret, &body));
    }
    request.body(body).send().await.expect("the service answers")
}

/// An event from `user_id`, with its id and reply token.
pub fn event(kind: &str, id: &str, user_id: &str, extra: Value) -> Value {
    let mut event = json!({
        "type": kind, "mode": "active", "timestamp": 1, "webhookEventId": id, "replyToken": format!("R-{id}"),
        "source": {"type": "user", "userId": user_id}, "deliveryContext": {"isRedelivery": false},
    });
    if let (Some(event), Some(extra)) = (event.as_object_mut(), extra.as_object()) {
        event.extend(extra.clone());
    }
    event
}

/// The link in a reply to a user not yet linked, as a path of the service.
pub fn link_path(reply: &str) -> String {
    let start = reply.find(PUBLIC_URL).unwrap_or_else(|| panic!("no link in {reply}"));
    reply[start..].split_whitespace().next().unwrap().replace(PUBLIC_URL, "")
}
