//! Real counterparts for the channels: an SMTP server (mailin-embedded) receiving what the
//! service sends, and an HTTP server speaking the SMS gateway's Messages API, signing its
//! callbacks as the gateway does.

use std::{
    collections::HashSet,
    net::{IpAddr, TcpListener},
    sync::{Arc, Mutex},
};

use mailin_embedded::{response, Handler, Response as SmtpResponse, Server};
use poem::{
    handler, http::StatusCode, listener::TcpListener as PoemListener, post, web::Data, EndpointExt, IntoResponse, Route,
};
use tsunagu::domain::channels::twilio;

use crate::helpers::TestApp;

pub const PUBLIC_URL: &str = "https://tsunagu.test";
pub const SID: &str = "AC0123456789abcdef";
pub const AUTH_TOKEN: &str = "gateway-auth-token";
pub const FROM_NUMBER: &str = "+815012345678";

/// A message as the SMTP server received it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

#[derive(Clone, Default)]
struct Collect {
    received: Arc<Mutex<Vec<Mail>>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Collect {
    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> SmtpResponse {
        response::OK
    }

    fn mail(&mut self, _ip: IpAddr, _domain: &str, _from: &str) -> SmtpResponse {
        response::OK
    }

    fn rcpt(&mut self, _to: &str) -> SmtpResponse {
        response::OK
    }

    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> SmtpResponse {
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> SmtpResponse {
        let mail = Mail { to: std::mem::take(&mut self.to), data: std::mem::take(&mut self.data) };
        if let Ok(mut received) = self.received.lock() {
            received.push(mail);
        }
        response::OK
    }
}

/// An SMTP server on a loopback port, for the whole test binary's life.
pub struct MailServer {
    pub port: u16,
    received: Arc<Mutex<Vec<Mail>>>,
}

impl MailServer {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind an SMTP port");
        let port = listener.local_addr().expect("a local address").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let handler = Collect { received: received.clone(), ..Collect::default() };
        std::thread::spawn(move || {
            let mut server = Server::new(handler);
            // Enough threads for every pooled connection of three instances sending a batch at once.
            server.with_name("smtp.test").with_num_threads(64).with_tcp_listener(listener);
            let _ = server.serve();
        });
        Self { port, received }
    }

    /// Everything received for `address`, in order.
    pub fn to(&self, address: &str) -> Vec<mail_parser::Message<'static>> {
        let received = self.received.lock().expect("the mailbox").clone();
        received
            .into_iter()
            .filter(|mail| mail.to.iter().any(|to| to.trim_matches(['<', '>']) == address))
            .filter_map(|mail| mail_parser::MessageParser::default().parse(&mail.data).map(|m| m.into_owned()))
            .collect()
    }
}

/// A text as the gateway received it.
#[derive(Debug, Clone)]
pub struct Text {
    pub sid: String,
    pub to: String,
    pub from: String,
    pub body: String,
    pub status_callback: String,
}

#[derive(Clone, Default)]
struct GatewayState {
    sent: Arc<Mutex<Vec<Text>>>,
    opted_out: Arc<Mutex<HashSet<String>>>,
    /// Takes each text and never answers: the sender cannot know whether it went.
    silent: Arc<std::sync::atomic::AtomicBool>,
}

#[handler]
async fn messages(
    req: &poem::Request,
    state: Data<&GatewayState>,
    sid: poem::web::Path<String>,
    body: String,
) -> poem::Response {
    let expected = format!(
        "Basic {}",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, format!("{SID}:{AUTH_TOKEN}"))
    );
    let authorised = req.headers().get("authorization").and_then(|v| v.to_str().ok()) == Some(expected.as_str());
    if sid.0 != SID || !authorised {
        let error = serde_json::json!({"code": 20003, "message": "Authenticate", "status": 401});
        return (StatusCode::UNAUTHORIZED, poem::web::Json(error)).into_response();
    }
    let form: std::collections::HashMap<String, String> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let to = form.get("To").cloned().unwrap_or_default();
    if state.opted_out.lock().expect("the opt-out list").contains(&to) {
        let error = serde_json::json!({
            "code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400,
            "more_info": "https://www.twilio.com/docs/errors/21610"
        });
        return (StatusCode::BAD_REQUEST, poem::web::Json(error)).into_response();
    }
    let text = Text {
        sid: format!("SM{}", uuid::Uuid::new_v4().simple()),
        to,
        from: form.get("From").cloned().unwrap_or_default(),
        body: form.get("Body").cloned().unwrap_or_default(),
        status_callback: form.get("StatusCallback").cloned().unwrap_or_default(),
    };
    state.sent.lock().expect("the sent list").push(text.clone());
    if state.silent.load(std::sync::atomic::Ordering::SeqCst) {
        std::future::pending::<()>().await;
    }
    let created = serde_json::json!({"sid": text.sid, "status": "queued", "to": text.to, "body": text.body});
    (StatusCode::CREATED, poem::web::Json(created)).into_response()
}

/// An HTTP server speaking the gateway's Messages API on a loopback port.
pub struct Gateway {
    pub url: String,
    state: GatewayState,
}

impl Gateway {
    pub async fn start() -> Self {
        let state = GatewayState::default();
        let acceptor = poem::listener::Listener::into_acceptor(PoemListener::bind("127.0.0.1:0")).await.expect("bind");
        let port = poem::listener::Acceptor::local_addr(&acceptor)[0].as_socket_addr().expect("an address").port();
        let routes = Route::new().at("/2010-04-01/Accounts/:sid/Messages.json", post(messages)).data(state.clone());
        tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(routes));
        Self { url: format!("http://127.0.0.1:{port}"), state }
    }

    pub fn sent_to(&self, number: &str) -> Vec<Text> {
        self.state.sent.lock().expect("the sent list").iter().filter(|t| t.to == number).cloned().collect()
    }

    /// From now on each text is taken (and counted) but never answered.
    pub fn fall_silent(&self) {
        self.state.silent.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// The gateway remembers a STOP at carrier level and answers 21610 from then on.
    pub fn opt_out(&self, number: &str) {
        self.state.opted_out.lock().expect("the opt-out list").insert(number.to_owned());
    }
}

/// Posts a form to the service as the gateway does, signed over the public URL.
pub async fn gateway_post(app: &TestApp, path: &str, fields: &[(&str, &str)], token: &str) -> reqwest::Response {
    let owned: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let signature = twilio::signature(token, &format!("{PUBLIC_URL}/api/v1{path}"), &owned);
    app.client
        .post(app.url(path))
        .header("X-Twilio-Signature", signature)
        .form(&owned)
        .send()
        .await
        .expect("the service answers")
}
