//! Webhook receivers that misbehave on purpose: one that holds each request until the test lets
//! it answer, and one that never answers at all.

use std::sync::{Arc, Mutex};

use poem::{
    handler,
    listener::{Acceptor, Listener, TcpListener},
    web::Data,
    EndpointExt, Request, Route,
};
use tokio::sync::watch;

#[derive(Clone)]
struct HookState {
    /// Every `webhook-id` received, in order, repeats included.
    ids: Arc<Mutex<Vec<String>>>,
    /// Requests in the handler now.
    holding: Arc<Mutex<usize>>,
    open: watch::Receiver<bool>,
}

#[handler]
async fn hook(req: &Request, state: Data<&HookState>) -> poem::http::StatusCode {
    let id = req.headers().get("webhook-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    state.ids.lock().unwrap().push(id);
    *state.holding.lock().unwrap() += 1;
    let mut open = state.open.clone();
    let _ = open.wait_for(|open| *open).await;
    *state.holding.lock().unwrap() -= 1;
    poem::http::StatusCode::NO_CONTENT
}

/// A partner system that answers 204, but only once the gate is open.
pub struct GatedHook {
    pub url: String,
    state: HookState,
    gate: watch::Sender<bool>,
}

impl GatedHook {
    pub async fn start(open: bool) -> Self {
        let (gate, receiver) = watch::channel(open);
        let state = HookState { ids: Arc::default(), holding: Arc::default(), open: receiver };
        let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await.unwrap();
        let addr = acceptor.local_addr()[0].as_socket_addr().copied().unwrap();
        let app = Route::new().at("/hook", poem::post(hook)).data(state.clone());
        tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
        Self { url: format!("http://{addr}/hook"), state, gate }
    }

    pub fn open(&self) {
        let _ = self.gate.send(true);
    }

    pub fn ids(&self) -> Vec<String> {
        self.state.ids.lock().unwrap().clone()
    }

    pub fn holding(&self) -> usize {
        *self.state.holding.lock().unwrap()
    }
}

/// An endpoint that accepts connections, reads nothing and never answers.
pub struct Hanging {
    pub url: String,
    pub accepted: Arc<Mutex<usize>>,
}

impl Hanging {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(Mutex::new(0));
        let counted = accepted.clone();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                *counted.lock().unwrap() += 1;
                held.push(socket);
            }
        });
        Self { url: format!("http://{addr}/hook"), accepted }
    }
}
